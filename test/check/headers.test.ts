/**
 * bt check --make on a make build that does not list the headers its
 * compiles read (no -MMD -MP; automake's dependency tracking turned off by
 * `configure --disable-dependency-tracking`, as debhelper does in every
 * Debian package build): more than ten (header, target) pairs of one
 * recipe are one finding whose fix is the compiler's own list; a few keep
 * a finding each (real traces, as root).
 */
import assert from 'node:assert/strict';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt } from '../helpers/trace.js';
import { traceMake } from './projects.js';

/** A suffix rule that compiles without -MMD; `objs` from .c files that each include inc/x.h, inc/y.h and z.h; `configure` run first with `configureArgs`. */
function project(objs: string[], configureArgs: string): [string, Record<string, string>] {
  const makefile =
    `CC = cc\nOBJS = ${objs.map((o) => `${o}.o`).join(' ')}\nall: prog\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n` +
    `$(OBJS): config.status\nconfig.status: configure\n\tsh ./configure ${configureArgs}\n.c.o:\n\t$(CC) -Iinc -c -o $@ $<\n`;
  const files: Record<string, string> = { configure: 'touch config.status\n', 'inc/x.h': '/* x */\n', 'inc/y.h': '/* y */\n', 'z.h': '/* z */\n' };
  for (const [i, o] of objs.entries()) {
    files[`${o}.c`] = `#include "x.h"\n#include "y.h"\n#include "z.h"\nint ${i === 0 ? 'main' : o}(void) { return 0; }\n`;
  }
  return [makefile, files];
}

interface Json {
  findings: Array<{ kind: string; file: string; target?: string; files?: number; jobs: Array<{ argv: string[] }>; detail: string; fix?: string; uses: Array<{ path: string }> }>;
}

ebpfTest('check --make: 12 headers undeclared by one recipe\'s 4 compiles are one finding, its fix the compiler\'s list and the configure that turned it off', async () => {
  const [makefile, files] = project(['a', 'b', 'c', 'd'], '--prefix=/usr --disable-dependency-tracking');
  const { dir, file } = await traceMake('bt-headers-', makefile, files);
  const r = await bt(['check', '--make', '--json', file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as Json;
  assert.equal(json.findings.length, 1, r.stdout);
  const [f] = json.findings;
  assert.equal(f.kind, 'undeclared-input');
  assert.equal(f.file, dir);
  assert.equal(f.target, `${dir}/a.o`);
  assert.equal(f.files, 3);
  assert.deepEqual(f.jobs.map((j) => j.argv.join(' ')).sort(), ['a', 'b', 'c', 'd'].map((o) => `cc -Iinc -c -o ${o}.o ${o}.c`));
  assert.equal(f.uses.length, 12);
  assert.deepEqual([...new Set(f.uses.map((u) => u.path))].sort(), [`${dir}/inc/x.h`, `${dir}/inc/y.h`, `${dir}/z.h`]);
  assert.equal(
    f.detail,
    'the recipe at Makefile:10 built 4 targets (a.o, b.o, and 2 more) from 3 headers that they do not depend on (12 in all), through cc1: inc/ (2), ./ (1); changing a header will not rebuild what includes it',
  );
  assert.equal(
    f.fix,
    "have the compiler list the headers it reads: -MMD -MP in the flags of the recipe at Makefile:10, and -include the .d files; configure ran with --disable-dependency-tracking, which turns automake's list off (fine for a one-time build, such as a package's)",
  );
});

ebpfTest('check --make: 6 undeclared headers of one recipe keep a finding each; no configure note without --disable-dependency-tracking', async () => {
  const [makefile, files] = project(['a', 'b'], '--prefix=/usr');
  const { file } = await traceMake('bt-headers-', makefile, files);
  const r = await bt(['check', '--make', '--json', file]);
  const json = JSON.parse(r.stdout) as Json;
  assert.deepEqual(
    json.findings.map((f) => `${f.kind} ${f.file.split('/').slice(-2).join('/')} ${f.target?.split('/').pop()}`).sort(),
    ['a.o', 'b.o'].flatMap((t) => [`undeclared-input inc/x.h ${t}`, `undeclared-input inc/y.h ${t}`, `undeclared-input p/z.h ${t}`]).sort(),
  );
  assert.ok(json.findings.every((f) => f.files === undefined && !f.fix?.includes('configure')));
});

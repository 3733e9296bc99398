/**
 * A REAL trace (eBPF, as root) of a build that asks its tools for their
 * version beside a real link, as kbuild's ld-option does: `(ld -m
 * elf_x86_64 -z noexecstack -v) >/dev/null 2>&1` and `as --version
 * >/dev/null`. The shell's redirection happens in the forked child before
 * it runs ld: that is no file of ld's own, so what the loader mapped into
 * ld (libbfd, libctf, libjansson, libsframe, libz.so.1, libzstd.so.1) stays
 * runtime noise, in bt summary and in bt sql alike. The link `cc -o prog
 * main.c -L. -lfoo` still reads libfoo.so (made before the build), the
 * linker script libc.so and the libraries it names as link inputs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadBuild } from '../../src/model/index.js';
import { serverExtras, viewQuery } from '../../src/view/host.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

const MAKEFILE = [
  'all: prog probe.txt',
  '',
  'probe.txt:',
  '\tif (ld -m elf_x86_64 -z noexecstack -v) >/dev/null 2>&1; then echo yes > $@; else echo no > $@; fi',
  '\tas --version >/dev/null',
  '',
  'prog: main.c',
  '\tcc -o $@ main.c -L. -lfoo',
  '',
].join('\n');

/** ld's own runtime libraries on Debian 12 (binutils 2.40): what the loader maps into ld and as. */
const LD_RUNTIME = /^(?:libbfd-[\d.]+-system\.so|libctf\.so\.0|libjansson\.so\.4|libsframe\.so\.0|libz\.so\.1|libzstd\.so\.1|libopcodes-[\d.]+-system\.so)$/;

/** bt sql --json: one object a line. */
const jsonLines = (out: string): unknown[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));

let traced: { dir: string; file: string } | undefined;

/** The project, with libfoo.so built before the trace, traced with `make -j2` once. */
async function build(): Promise<{ dir: string; file: string }> {
  if (traced) return traced;
  const dir = tmpdir('bt-probes-');
  fs.writeFileSync(path.join(dir, 'foo.c'), 'int foo(void) { return 42; }\n');
  fs.writeFileSync(path.join(dir, 'main.c'), 'int foo(void);\nint main(void) { return foo() == 42 ? 0 : 1; }\n');
  fs.writeFileSync(path.join(dir, 'Makefile'), MAKEFILE);
  execFileSync('cc', ['-shared', '-fPIC', '-o', 'libfoo.so', 'foo.c'], { cwd: dir });
  const t = await trace(['make', '-j2'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(fs.readFileSync(path.join(dir, 'probe.txt'), 'utf8'), 'yes\n', 'ld -v ran and succeeded');
  traced = { dir, file: t.file };
  return traced;
}

ebpfTest('bt summary: a version probe (ld -v, as --version) leaves the libraries the loader mapped into it noise; a real link\'s libraries stay inputs', async () => {
  const { dir, file } = await build();
  const r = await bt(['summary', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  // libfoo.so, given by -L. -lfoo: a link input in the tree
  assert.deepEqual(
    s.inputs.tree.map((p: string) => path.relative(dir, p)),
    ['Makefile', 'libfoo.so', 'main.c'],
  );
  const libs = s.inputs.system.filter((p: string) => /\.so(\.|$)/.test(p)).map((p: string) => path.basename(p));
  assert.deepEqual(libs.filter((n: string) => LD_RUNTIME.test(n)), [], `ld's own libraries are noise: ${libs.join(' ')}`);
  // the link's own: the linker script libc.so, the libc.so.6 and the loader it names, libgcc_s
  assert.deepEqual(libs.sort(), ['ld-linux-x86-64.so.2', 'libc.so', 'libc.so.6', 'libgcc_s.so', 'libgcc_s.so.1']);
});

ebpfTest('bt sql: the version probe\'s reads of libbfd are noise, as summary says; libfoo.so is an input, read by the link\'s ld', async () => {
  const { file } = await build();
  const noisy = await bt([
    'sql',
    "SELECT DISTINCT p.tool AS prog, a.noise FROM accesses a JOIN processes p USING (build_id, proc) WHERE a.path LIKE '%/libbfd-%-system.so' ORDER BY prog",
    file,
    '--json',
  ]);
  assert.equal(noisy.code, 0, noisy.stderr);
  // as --version and ld -v read it, and so does the real link's ld: the loader's mapping each time
  assert.deepEqual(jsonLines(noisy.stdout), [
    { prog: 'as', noise: true },
    { prog: 'ld', noise: true },
  ]);
  const roles = await bt(['sql', "SELECT path, role FROM files WHERE path LIKE '%/libbfd-%-system.so' OR path LIKE '%/libfoo.so' ORDER BY role", file, '--json']);
  assert.equal(roles.code, 0, roles.stderr);
  const rows = jsonLines(roles.stdout) as Array<{ path: string; role: string }>;
  assert.deepEqual(rows.map((r) => r.role), ['input', 'noise']);
  assert.equal(path.basename(rows[0].path), 'libfoo.so');
  assert.match(path.basename(rows[1].path), /^libbfd-[\d.]+-system\.so$/);
});

ebpfTest("bt graph and bt view's process graph draw the link input libfoo.so (read by ld), not ld's runtime libraries", async () => {
  const { dir, file } = await build();
  const g = await bt(['graph', file]);
  assert.equal(g.code, 0, g.stderr);
  const foo = /^ {2}(f_libfoo_so\w*) \[label="libfoo\.so"/m.exec(g.stdout);
  assert.ok(foo, 'a node for libfoo.so');
  const ld = /^ {2}(p\d+) \[label="ld -o prog [^"]*"/m.exec(g.stdout);
  assert.ok(ld, 'a box for the link\'s ld');
  assert.match(g.stdout, new RegExp(`^ {2}${foo[1]} -> ${ld[1]} \\[`, 'm'));
  assert.doesNotMatch(g.stdout, /libbfd|libctf|libjansson/);
  const b = await loadBuild(file);
  const p = b.model.processes.find((q) => q.proc === Number(ld[1].slice(1)))!;
  const r = await serverExtras(b, viewQuery(b)).graph!({ proc: String(p.proc) });
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  const svg = (r.body as { svg: string }).svg;
  assert.match(svg, />libfoo\.so</);
  assert.doesNotMatch(svg, /libbfd/);
  assert.ok(dir);
});

/**
 * bt check --make on a real traced autotools-style build
 * (test-programs/automake: hand-written makefiles with automake's and
 * libtool's patterns, `./configure && make -j2`): the second line of
 * automake's `.c.lo`/`.c.o` recipe (`mv .deps/X.Tpo .deps/X.Plo`) is that
 * recipe's, though `$(am__depfiles_remade):` names .deps/X.Plo too;
 * libtool's side files are the targets', and a file the job of a declared
 * prerequisite wrote is declared; the libtool script read by every recipe
 * is one finding; configure's PATH-separator test is noise; the makes
 * configure ran on makefiles it removed are one note.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt } from '../helpers/trace.js';
import { traceProject } from './projects.js';

interface Json {
  findings: Array<{ kind: string; file: string; target?: string; jobs: Array<{ proc: number; argv: string[] }>; detail: string; fix?: string }>;
}

const CONFIGURE = ['sh', '-c', './configure && make -j2'];

async function check(file: string, args: string[]): Promise<{ code: number; json: Json; stderr: string }> {
  const r = await bt(['check', '--json', ...args, file]);
  assert.ok(r.code === 0 || r.code === 1, `bt check failed (${r.code}): ${r.stderr}`);
  return { code: r.code, json: JSON.parse(r.stdout) as Json, stderr: r.stderr };
}

const NOTE =
  "bt: note: 3 makes of the build ran in a directory or on a makefile that the build removed, or read their makefiles from standard input (configure's and CMake's tests): their jobs were not compared";

ebpfTest('check --make on automake + libtool: only the libtool script, once for the build; the .deps mv is its recipe\'s line; configure\'s makes are one note', async () => {
  const { dir, file } = await traceProject('automake', { command: CONFIGURE });
  const rel = (p?: string) => path.relative(dir, p ?? '');
  const { code, json, stderr } = await check(file, ['--make']);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, rel(f.file)]),
    [['undeclared-input', 'libtool']],
  );
  const [f] = json.findings;
  // the first compile to read it (-j2: api.lo or util.lo), and the 3 other targets whose recipes ran it
  const [own, other] = rel(f.target) === 'src/api.lo' ? ['api', 'util'] : ['util', 'api'];
  assert.equal(rel(f.target), `src/${own}.lo`);
  assert.match(
    f.detail,
    new RegExp(
      `^jobs \\d+, \\d+ \\(the 2 lines of its recipe\\) built src/${own}\\.lo and read libtool, which src/${own}\\.lo does not depend on: ` +
        `changing libtool will not rebuild src/${own}\\.lo; nor do the 3 other targets whose recipes run it \\(src/${other}\\.lo, src/libfoo\\.la, tests/prog\\)$`,
    ),
  );
  assert.equal(f.fix, `add libtool to the prerequisites of src/${own}.lo (its recipe is at src/Makefile:21): ${own}.lo: ../libtool; and the same for the 3 other targets whose recipes run it`);
  assert.deepEqual(f.jobs.map((j) => j.argv.slice(0, 4).join(' ')), ['/bin/sh ../libtool --tag=CC --mode=compile']);
  assert.equal(code, 1);
  assert.equal(stderr.trim(), NOTE);

  // without --make: autoconf's `(PATH='/bin;/bin'; sh -c :)` is no hermeticity finding
  const plain = await check(file, []);
  assert.deepEqual(plain.json.findings, []);
  assert.equal(plain.code, 0);
});

ebpfTest('check --make on automake + libtool: a library the program does not depend on is an undeclared input, though libtool wrote it', async () => {
  // prog_DEPENDENCIES= (as automake names it) takes ../src/libfoo.la out of prog's prerequisites
  const { dir, file } = await traceProject('automake', { command: ['sh', '-c', './configure && make -j2 prog_DEPENDENCIES='] });
  const { json } = await check(file, ['--make']);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? '')]),
    [
      ['undeclared-input', 'libtool', json.findings[0].target === path.join(dir, 'src/api.lo') ? 'src/api.lo' : 'src/util.lo'],
      ['undeclared-input', 'src/.libs/libfoo.so', 'tests/prog'],
    ],
  );
  assert.equal(json.findings[1].fix, 'add src/.libs/libfoo.so to the prerequisites of tests/prog (its recipe is at tests/Makefile:17): prog: ../src/.libs/libfoo.so');
});

/**
 * bt diff on real traces (eBPF, as root): what B remade is listed whenever
 * B is a partial rebuild of A's tree, also when B made a file A did not
 * (CMake's first rebuild writes compiler_depend.internal), and not for a
 * clean build that made fewer files; an inputs-only list shows the tree's
 * files, then one line per command of one build, then the other files,
 * FOLD_AT or more under one directory as one line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import type { DiffReport } from '../../src/diff/index.js';
import { sectionOf } from './sections.js';

/** 12 sources, each including common.h: a touch of it remakes 12 objects and the link, 13 files under build/ (FOLD_AT is 12). */
const SOURCES = Array.from({ length: 12 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
const OBJECTS = SOURCES.map((s) => `build/obj/${s}.o`);

/**
 * A make project whose objects' recipe, like CMake's depend step, writes
 * build/depend.internal when it finds the object already there: only a
 * rebuild makes it. build/version.txt is made once (no prerequisites) and
 * never remade; make looks at it at every build.
 */
const PROJECT: Record<string, string> = {
  Makefile:
    'all: build/prog build/version.txt\n' +
    `build/prog: ${OBJECTS.join(' ')}\n\tcc -o $@ $^\n` +
    'build/obj/%.o: %.c common.h\n\tmkdir -p build/obj\n\tif [ -e $@ ]; then echo $@ >> build/depend.internal; fi\n\tcc -c -o $@ $<\n' +
    'build/version.txt:\n\tmkdir -p build\n\techo 1 > $@\n',
  'common.h': '#define ONE 1\n',
  ...Object.fromEntries(SOURCES.map((s, i) => [`${s}.c`, i === 0 ? '#include "common.h"\nint main(void) { return ONE - 1; }\n' : `#include "common.h"\nint ${s}(void) { return ONE; }\n`])),
};

async function diff(a: string, b: string): Promise<{ r: DiffReport; text: string }> {
  const j = await bt(['diff', '--json', a, b]);
  assert.ok(j.code === 0 || j.code === 1, j.stderr);
  return { r: JSON.parse(j.stdout) as DiffReport, text: (await bt(['diff', a, b])).stdout };
}

async function traced(dir: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const t = await trace(argv, { cwd: dir, env: { PWD: dir, ...env } });
  assert.equal(t.code, 0, t.stderr);
  return t.file;
}

ebpfTest(
  'diff: a clean build against a rebuild that also made a new bookkeeping file says what B remade, each file named; a clean build of fewer files remade nothing',
  async () => {
    const dir = path.join(tmpdir('bt-diffr-'), 'proj');
    fs.mkdirSync(dir);
    for (const [name, text] of Object.entries(PROJECT)) fs.writeFileSync(path.join(dir, name), text);
    const a = await traced(dir, ['make']);
    const t = new Date(Date.now() + 2000); // newer than the objects, whatever the clock's step
    fs.utimesSync(path.join(dir, 'common.h'), t, t);
    const b = await traced(dir, ['make']);
    assert.equal(fs.readFileSync(path.join(dir, 'build/depend.internal'), 'utf8').split('\n').length, 13, 'the rebuild wrote depend.internal');

    const { r, text } = await diff(a, b);
    assert.deepEqual(r.outputs_only_in_b, [{ path: 'build/depend.internal', tools: ['sh'] }]);
    assert.deepEqual(r.outputs_only_in_a, [{ path: 'build/version.txt', tools: ['sh'] }]);
    const remade = [...OBJECTS.map((path) => ({ path, tools: ['as'] })), { path: 'build/prog', tools: ['ld'] }];
    assert.deepEqual(r.remade_in_b, { of: 14, files: remade });
    assert.match(text.split('\n')[0]!, /; B remade 13 of A's 14 outputs$/);
    assert.deepEqual(sectionOf(text, 'outputs only in B'), ['outputs only in B (1)', '  build/depend.internal  (sh)']);
    // 13 files under build/ would fold into one line that says nothing: the list that answers is named file by file
    assert.deepEqual(sectionOf(text, 'remade in B'), ['remade in B (13)', ...OBJECTS.map((o) => `  ${o}  (as)`), '  build/prog  (ld)']);

    // a clean build that made one of A's files: nothing was remade (it found none of A's files), whatever it made fewer of
    fs.rmSync(path.join(dir, 'build'), { recursive: true });
    const c = await traced(dir, ['make', OBJECTS[0]!]);
    const clean = await diff(a, c);
    assert.deepEqual(clean.r.outputs_only_in_a.length, 13);
    assert.equal(clean.r.remade_in_b, null);
    assert.doesNotMatch(clean.text, /remade/);
  },
  180_000,
);

/**
 * The root shell, in both builds, reads 14 modules outside the tree and a
 * tree file only when MODE=a, and then runs setup.sh (a command of A only).
 */
const SCRIPTS: Record<string, string> = {
  'build.sh':
    'if [ "$MODE" = a ]; then\n' +
    '  read x < notes.txt\n' +
    '  for f in "$MODS"/*.js; do read x < "$f"; done\n' +
    '  sh ./setup.sh\n' +
    'fi\n' +
    'echo done > out.txt\n',
  'setup.sh': 'read x < setup.conf\n',
  'setup.conf': 'x\n',
  'notes.txt': 'x\n',
};

ebpfTest(
  "diff: inputs read only in A list the tree's files, then the line of a command of A only, then the others, 14 modules under one directory as one line",
  async () => {
    const top = tmpdir('bt-diffi-');
    const dir = path.join(top, 'proj');
    const mods = path.join(top, 'lib', 'node_modules', 'semver', 'functions');
    fs.mkdirSync(dir);
    fs.mkdirSync(mods, { recursive: true });
    for (const [name, text] of Object.entries(SCRIPTS)) fs.writeFileSync(path.join(dir, name), text);
    const names = Array.from({ length: 14 }, (_, i) => `m${String(i + 1).padStart(2, '0')}.js`);
    for (const n of names) fs.writeFileSync(path.join(mods, n), 'module.exports = 1;\n');
    const a = await traced(dir, ['sh', './build.sh'], { MODE: 'a', MODS: mods });
    const b = await traced(dir, ['sh', './build.sh'], { MODE: 'b', MODS: mods });

    const { r, text } = await diff(a, b);
    assert.deepEqual(r.only_in_a.map((c) => c.argv), [['sh', './setup.sh']]);
    assert.deepEqual(
      r.inputs_only_in_a.map((e) => [e.path, e.tools, e.only_command === undefined]),
      [
        ['notes.txt', ['build.sh'], true],
        ['setup.conf', ['setup.sh'], false],
        ['setup.sh', ['setup.sh'], false],
        ...names.map((n) => [path.join(mods, n), ['build.sh'], true]),
      ],
    );
    assert.deepEqual(sectionOf(text, 'inputs read only in A'), [
      'inputs read only in A (17)',
      '  notes.txt  (build.sh)',
      '  +2 files read by sh ./setup.sh, which ran only in A',
      `  ${top}/  (14 files in 1 directory under it: build.sh; --json lists them)`,
    ]);
  },
  120_000,
);

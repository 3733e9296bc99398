/**
 * bt diff on real traces (eBPF, as root) of a small make project built
 * the way a user builds it: first `sh -c './configure && make'`, then
 * `make` after touching a source. The first build's make pairs with the
 * second build's root (no `make` only in A, no argument change of the
 * roots), configure is a command of A only, and what B remade into one
 * directory is one line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import type { DiffReport } from '../../src/diff/index.js';
import { sectionOf } from './sections.js';

/** 13 copies of main.c into tsrc/ (sqlite's staging directory in small): FOLD_AT (12) or more files under one directory. */
const COPIES = Array.from({ length: 13 }, (_, i) => String(i + 1));

const PROJECT = {
  configure: '#!/bin/sh\necho "#define GREETING 1" > config.h\n',
  Makefile:
    'all: prog .target_source\n' +
    'prog: main.o util.o\n\tcc -o prog main.o util.o\n' +
    '%.o: %.c config.h\n\tcc -c -o $@ $<\n' +
    `.target_source: main.c\n\tmkdir -p tsrc\n\tfor i in ${COPIES.join(' ')}; do cp main.c tsrc/c$$i.c; done\n\ttouch .target_source\n`,
  'main.c': '#include "config.h"\nint util(void);\nint main(void) { return util() + GREETING - 1; }\n',
  'util.c': 'int util(void) { return 0; }\n',
};

ebpfTest(
  "diff: configure and make against a later make pairs the two makes, lists configure as A's, and folds a directory of remade files",
  async () => {
    const dir = path.join(tmpdir('bt-diffw-'), 'proj');
    fs.mkdirSync(dir);
    for (const [name, text] of Object.entries(PROJECT)) fs.writeFileSync(path.join(dir, name), text);
    fs.chmodSync(path.join(dir, 'configure'), 0o755);
    // the shell a user types in sets PWD to where it is
    const env = { PWD: dir };
    const ta = await trace(['sh', '-c', './configure && make'], { cwd: dir, env });
    assert.equal(ta.code, 0, ta.stderr);
    const t = new Date(Date.now() + 2000); // newer than main.o, whatever the clock's step
    fs.utimesSync(path.join(dir, 'main.c'), t, t);
    const tb = await trace(['make'], { cwd: dir, env });
    assert.equal(tb.code, 0, tb.stderr);

    const j = await bt(['diff', '--json', ta.file, tb.file]);
    assert.equal(j.code, 1, j.stderr);
    const r = JSON.parse(j.stdout) as DiffReport;
    const text = (await bt(['diff', ta.file, tb.file])).stdout;

    // A's make is B's root's pair: neither is a command of one build, and the roots' words are no argument change
    assert.deepEqual(
      r.only_in_a.map((c) => [c.argv, c.hidden]),
      [
        [['/bin/sh', './configure'], 0],
        [['cc', '-c', '-o', 'util.o', 'util.c'], 2],
      ],
    );
    assert.deepEqual(sectionOf(text, 'commands only in A'), ['commands only in A (2)', '  /bin/sh ./configure', '  cc -c -o util.o util.c  (and 2 subprocesses)']);
    assert.deepEqual(r.only_in_b, []);
    assert.deepEqual(r.arguments, []);
    assert.deepEqual(sectionOf(text, 'arguments changed (A -> B)'), []);
    assert.deepEqual(r.environment, []);
    assert.deepEqual(
      r.inputs_changed.map((x) => [x.path, x.tools]),
      [['main.c', ['cc', 'cc1', 'cp', 'make']]],
    );
    assert.deepEqual(sectionOf(text, 'outputs only in A'), ['outputs only in A (2)', '  config.h  (configure)', '  util.o  (as)']);

    // the 13 copies are one line that counts them; the JSON names each
    const copies = COPIES.map((i) => `tsrc/c${i}.c`).sort();
    assert.deepEqual(r.remade_in_b?.files.map((f) => f.path), ['.target_source', 'main.o', 'prog', ...copies]);
    assert.match(text.split('\n')[0]!, /; B remade 16 of A's 18 outputs$/);
    assert.deepEqual(sectionOf(text, 'remade in B'), [
      'remade in B (16)',
      '  .target_source  (touch)',
      '  main.o  (as)',
      '  prog  (ld)',
      '  tsrc/  (13 files: cp; --json lists them)',
    ]);
  },
  120_000,
);

/** What a compiler's or linker's command line means (src/model/toolargs.ts), and the graph label that reads it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortCommand } from '../../src/present/label.js';
import type { ProcNode } from '../../src/graph/model.js';
import { takesValue } from '../../src/model/toolargs.js';

test('the linker\'s -plugin, -dynamic-linker and -m take a value; the compiler\'s do not', () => {
  for (const ld of ['ld', 'collect2', 'ld.gold', 'mold']) {
    assert.ok(takesValue(ld, '-plugin') && takesValue(ld, '-dynamic-linker') && takesValue(ld, '-m') && takesValue(ld, '-o'), ld);
  }
  assert.equal(takesValue('cc', '-m'), false);
  assert.equal(takesValue('cc', '-plugin'), false);
  assert.equal(takesValue('cc1', '-MD'), true);
  assert.equal(takesValue('gcc', '-MD'), false);
});

test('a link\'s graph label shows its objects, never the plugin an option names', () => {
  const argv = [
    '/usr/bin/ld', '-plugin', '/usr/lib/gcc/x86_64-linux-gnu/12/liblto_plugin.so', '-plugin-opt=-fresolution=/tmp/ccX.res',
    '--build-id', '-m', 'elf_x86_64', '-dynamic-linker', '/lib64/ld-linux-x86-64.so.2', '-pie', '-o', 'app',
    '/usr/lib/x86_64-linux-gnu/Scrt1.o', 'app.o', 'lib.o', '-lc',
  ];
  const node: ProcNode = {
    proc: 2, pid: 9, parent: 1, exe: argv[0]!, argv, cwd: '/w', startTs: 0, endTs: 1, exitCode: 0, signal: 0,
    exited: true, execd: true, children: [], files: new Map(), pipeRead: [], pipeWrite: [],
  };
  const label = shortCommand(node, 'ld');
  assert.equal(label, 'ld -o app app.o lib.o …');
  assert.ok(!label.includes('plugin') && !label.includes('ld-linux'), label);
});

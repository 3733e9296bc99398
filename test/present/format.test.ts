/**
 * The presentation module's quoting: a path or an argument is one line of
 * text whatever bytes it holds, and pastes back into a shell.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { decodeBytes } from '../../src/log/bytes.js';
import { commandLine, counted, displayPath, firstOf, pathShower, quoteArg, showDirName } from '../../src/present/format.js';

test('displayPath: plain paths as they are, control characters and bytes that are not UTF-8 in $\'…\'', () => {
  assert.equal(displayPath('/w/src/a b.c'), '/w/src/a b.c');
  assert.equal(displayPath('/w/héllo/💀.txt'), '/w/héllo/💀.txt', 'a surrogate pair (U+1F480 ends in DC80) is text');
  const odd = decodeBytes(Buffer.from('/w/we\xffird\nname\t.txt', 'latin1'));
  assert.equal(displayPath(odd), "$'/w/we\\xffird\\nname\\t.txt'");
  assert.equal(displayPath("/w/it's\u0001"), "$'/w/it\\'s\\x01'");
  assert.ok(!displayPath(odd).includes('\n'));
});

test('quoteArg: $\'…\' only when it must, and the shell reads back the exact bytes', () => {
  assert.equal(quoteArg('-O2'), '-O2');
  assert.equal(quoteArg('a b'), "'a b'");
  assert.equal(quoteArg("it's"), "'it'\\''s'");
  const raw = Buffer.from('x\xffy\nz\\', 'latin1');
  const q = quoteArg(decodeBytes(raw));
  assert.equal(q, "$'x\\xffy\\nz\\\\'");
  assert.equal(commandLine(['printf', '%s', decodeBytes(raw)]).split('\n').length, 1);
  // bash turns it back into the bytes
  const back = execFileSync('bash', ['-c', `printf %s ${q}`]);
  assert.deepEqual(back, raw);
});

test('counted: the noun in the singular for one, thousands separated', () => {
  assert.equal(counted(1, 'file'), '1 file');
  assert.equal(counted(0, 'file'), '0 files');
  assert.equal(counted(1234, 'process', 'processes'), '1,234 processes');
});

test('exitText: a status, a signal, and a process with no end: running while the trace goes on, else unknown', async () => {
  const { exitText } = await import('../../src/present/format.js');
  assert.equal(exitText(0, 0), 'exit 0');
  assert.equal(exitText(2, 0), 'exit 2');
  assert.equal(exitText(-1, 9), 'SIGKILL');
  assert.equal(exitText(-1, 0), 'unknown');
  assert.equal(exitText(-1, 0, true), 'running');
});

test('endedText and exitStatus: how a process ended in a sentence ("killed by SIGINT"); a build\'s status with the signal that killed it', async () => {
  const { endedText, exitStatus } = await import('../../src/present/format.js');
  assert.equal(endedText(1, 0), 'exit 1');
  assert.equal(endedText(-1, 2), 'killed by SIGINT');
  assert.equal(endedText(-1, 0), 'no exit seen');
  assert.equal(endedText(-1, 0, true), 'running');
  assert.equal(exitStatus(0), '0');
  assert.equal(exitStatus(2, 0), '2');
  assert.equal(exitStatus(130, 2), '130 (signal SIGINT)');
});

test('pathShower: under the start directory relative to it ("." for itself), elsewhere absolute; all absolute with absolute or a start of /', () => {
  const show = pathShower('/w/p');
  assert.deepEqual(['/w/p/src/a.c', '/w/p', '/w/pp/x', '/w/x', '/usr/include/stdio.h'].map(show), ['src/a.c', '.', '/w/pp/x', '/w/x', '/usr/include/stdio.h']);
  assert.equal(show(decodeBytes(Buffer.from('/w/p/we\xffird\nname', 'latin1'))), "$'we\\xffird\\nname'");
  assert.equal(pathShower('/w/p', { absolute: true })('/w/p/src/a.c'), '/w/p/src/a.c');
  assert.equal(pathShower('/')('/usr/bin/cc'), '/usr/bin/cc');
  assert.equal(pathShower('')('/w/p/a.c'), '/w/p/a.c');
});

test('firstOf: the first N and how many more; one more is shown, not hidden behind a line', () => {
  assert.deepEqual(firstOf([1, 2, 3], 5), { shown: [1, 2, 3], more: undefined });
  assert.deepEqual(firstOf([1, 2, 3], 2), { shown: [1, 2, 3], more: undefined });
  assert.deepEqual(firstOf([1, 2, 3, 4], 2), { shown: [1, 2], more: 'and 2 more (--json lists all)' });
  assert.deepEqual(firstOf(Array.from({ length: 1236 }, (_, i) => i), 10).more, 'and 1,226 more (--json lists all)');
  assert.deepEqual(firstOf([1, 2], Infinity), { shown: [1, 2], more: undefined });
});

test('showDirName: a directory standing for what is under it keeps its slash', () => {
  const show = pathShower('/p');
  assert.equal(showDirName(show, '/p/target/debug/.fingerprint/'), 'target/debug/.fingerprint/');
  assert.equal(showDirName(show, '/p/target/**/'), 'target/**/');
  assert.equal(showDirName(show, '/root/.cache/go-build/'), '/root/.cache/go-build/');
  assert.equal(showDirName(show, '/p/target/debug/deps/app-1.*.rcgu.o'), 'target/debug/deps/app-1.*.rcgu.o');
  assert.equal(showDirName(show, '/'), '/');
});

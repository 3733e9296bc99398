import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ansiC, unAnsiC } from '../../src/present/format.js';
import { shortfallNotes } from '../../src/present/lost.js';
import { isLoss, lossesOf } from '../../src/log/lost.js';

test('unAnsiC reads back what ansiC prints, bytes that are not UTF-8 included', () => {
  for (const s of ['bad\udcff.c', 'a\nb\tc', "it's \\ here", 'x\u0001y\u007f', 'dir/caf\u00e9 \udc80.o', '']) {
    assert.equal(unAnsiC(ansiC(s)), s);
  }
  assert.equal(unAnsiC("$'names2/bad\\xff.c'"), 'names2/bad\udcff.c');
  assert.equal(unAnsiC("$'a\\x41'"), 'aA');
  // not that form: a name as typed
  assert.equal(unAnsiC('plain.c'), undefined);
  assert.equal(unAnsiC("$'a'b'"), undefined);
  assert.equal(unAnsiC("$'a\\q'"), undefined);
  assert.equal(unAnsiC("$'a\\'"), undefined);
});

test('truncated and repeat_count are no losses; every other reason is', () => {
  assert.equal(isLoss('truncated'), false);
  assert.equal(isLoss('repeat_count'), false);
  for (const r of ['ringbuf', 'pair_map', 'read', 'unknown_op', 'exit_flag', 'listing', 'incomplete_exec', 'unknown']) assert.equal(isLoss(r), true, r);
  assert.equal(lossesOf({ truncated: 104, repeat_count: 16, ringbuf: 3, read: 2 }), 5);
});

test('shortfall notes: failed execs, other strings, repeat counts', () => {
  assert.deepEqual(shortfallNotes({ truncated: 104, failedExecArgv: 104, repeatCounts: 0 }, false), [
    "the argv of 104 failed execs was cut at 16 KiB (bt keeps 16 KiB of a failed exec's arguments)",
  ]);
  assert.deepEqual(shortfallNotes({ truncated: 3, failedExecArgv: 1, repeatCounts: 16 }, true), [
    "the argv of 1 failed exec was cut at 16 KiB (bt keeps 16 KiB of a failed exec's arguments)",
    '2 other strings were cut short (bt keeps 4 KiB of a path or an argument): marked truncated in the log',
    'the repeat counts of 16 lookups are unknown: the log was cut',
  ]);
  assert.deepEqual(shortfallNotes({ truncated: 1, failedExecArgv: 0, repeatCounts: 1 }, false), [
    '1 string was cut short (bt keeps 4 KiB of a path or an argument): marked truncated in the log',
    'the repeat count of 1 lookup is unknown',
  ]);
  assert.deepEqual(shortfallNotes({ truncated: 0, failedExecArgv: 0, repeatCounts: 0 }, true), []);
});

/**
 * What the capture's losses cost, by reason: bt trace's warning lines (a
 * larger ring only for a full ring), and the model's count of lost events
 * (an exit_flag loss loses something only if an exit is missing).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lostLines } from '../../src/cli/trace-action.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { BASE_TS, TraceBuilder } from '../normalize/synth.js';

test('each cause of loss has its own line; only a full ring asks for a larger --ring-size', () => {
  const zero = { ringbuf: 0, pair_map: 0, read: 0, truncated: 0, unknown_op: 0, exit_flag: 0, listing: 0 };
  assert.deepEqual(lostLines(zero), []);
  assert.deepEqual(lostLines({ ...zero, exit_flag: 1 }), [
    "1 dying threads could not tell whether their process's exit was reported (exit_flag: no kernel memory for the flag): a process with no exit in the log ended unseen",
  ]);
  const lines = lostLines({ ...zero, ringbuf: 5, incomplete_exec: 1, pair_map: 2, listing: 3, truncated: 1 });
  assert.deepEqual(lines, [
    '6 events were lost (ringbuf 5, incomplete_exec 1): the kernel ring buffer was full; try a larger --ring-size',
    "2 execveat calls are recorded without their directory fd (pair_map: no kernel memory for the call's state): their programs' paths may be wrong",
    "3 getdents64 calls were not counted (listing: no kernel memory for the process's listings): those listings say fewer entries than they read",
    '1 strings were truncated and 0 could not be read; those records are marked in the log',
  ]);
  assert.equal(lines.filter((l) => l.includes('--ring-size')).length, 1);
});

function build(exitOf2: boolean, reason: string) {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/cc', ['cc'], '/w');
  t.lost(1, reason, BASE_TS, t.ts);
  if (exitOf2) t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records, { trailer: t.trailer() });
  return buildFromRecords(n.header, n.records, {});
}

test('an exit_flag loss is a lost event only when a process has no exit; other reasons always are', () => {
  // every process has its exit: another thread reported it, nothing was lost
  assert.equal(build(true, 'exit_flag').model.lostEvents, 0);
  assert.equal(build(false, 'exit_flag').model.lostEvents, 1);
  assert.equal(build(true, 'pair_map').model.lostEvents, 1);
  assert.equal(build(true, 'ringbuf').model.lostEvents, 1);
});

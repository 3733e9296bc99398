/**
 * A build whose jobs never ran at the same time (make -j1) can show no
 * race: bt check says so in a note, and that --make or --ninja compares
 * the jobs with the build system's graph whatever -j ran. No note when two
 * jobs overlapped, or when --make was asked for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '../../src/check/index.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { BASE_TS, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const DIR = '/w';
const NOTE =
  "no two of the build's 2 jobs ran at the same time (make -j1?): races show only between jobs that did; --make (or --ninja DIR) compares every job with the build system's own graph, whatever -j ran";

/** make runs `cp a b` then `cp b c`: one after the other, or (`overlap`) the second starting before the first ended. */
function build(overlap: boolean) {
  const t = new TraceBuilder(1, DIR);
  t.at(BASE_TS).exec(1, '/usr/bin/make', ['make'], DIR);
  const job = (pid: number, from: string, to: string, start: number, end: number) => {
    t.at(BASE_TS + start).fork(1, pid);
    t.exec(pid, '/bin/cp', ['cp', from, to], DIR);
    t.open(pid, from, { fd: 3 });
    t.open(pid, to, { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
    t.close(pid, 3);
    t.close(pid, 4);
    t.at(BASE_TS + end).exit(pid, 0);
  };
  job(2, 'a', 'b', 1_000_000, 10_000_000);
  job(3, 'b', 'c', overlap ? 5_000_000 : 20_000_000, 30_000_000);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('check: jobs one after the other get the note; overlapping ones do not', async () => {
  assert.deepEqual((await check(build(false))).notes, [NOTE]);
  assert.deepEqual((await check(build(true))).notes, []);
});

/**
 * The capture's drain loop (src/capture/session.ts Tracer) with a fake ring
 * and fake BPF programs: when bt cannot catch up with the ring, it still
 * has the kernel send the counts of repeated lookups about once a second.
 * Otherwise they would come only once it caught up, seconds after their
 * lookups in the log, beyond the normalizer's reorder window.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Tracer, waitingLine, type TraceOptions } from '../../src/capture/session.js';
import type { BtBpf } from '../../src/capture/bpf.js';
import type { TraceCgroup } from '../../src/capture/cgroup.js';
import type { RingReader, RecordSink } from '../../src/capture/ring.js';
import type { Launched } from '../../src/capture/launch.js';
import { LogWriter } from '../../src/log/writer.js';
import { HEADER } from '../log/fixtures.js';
import { loadLog, tmpdir } from '../helpers/trace.js';

const OPTS: TraceOptions = {
  output: 'unused',
  command: ['make'],
  ringBytes: 1 << 20,
  graceMs: 0,
  env: true,
  files: true,
  asRoot: true,
  progress: false,
  pollMs: 20,
};

/** A ring that stays behind until `behindMs` has passed: each drain step reads a chunk (10 ms of work) and finds more waiting. */
function behindRing(behindMs: number) {
  const t0 = Date.now();
  const behind = () => Date.now() - t0 < behindMs;
  const ring = {
    size: 1 << 20,
    pending: () => (behind() ? 64 * 1024 : 0),
    produced: () => 0,
    drain(_sink: RecordSink, _max: number, beforeRelease?: () => void): number {
      if (!behind()) return 0;
      const until = Date.now() + 10;
      while (Date.now() < until); // reading and logging a chunk
      beforeRelease?.();
      return 1;
    },
  };
  return { ring: ring as unknown as RingReader, t0 };
}

function fakeBpf(sweeps: number[]) {
  return {
    sweep: () => void sweeps.push(Date.now()),
    lost: () => ({}),
    lostTotal: () => 0,
    runStats: () => ({}),
    detach: () => {},
  } as unknown as BtBpf;
}

const cgroup = { populated: () => false, pids: () => [], evict: () => {}, signalAll: () => {} } as unknown as TraceCgroup;

describe('Tracer: the drain loop', () => {
  it('sweeps about once a second while the ring stays behind, not only once it has caught up', async () => {
    const behindMs = 2600;
    const { ring, t0 } = behindRing(behindMs);
    const sweeps: number[] = [];
    const file = path.join(tmpdir(), 'x.trace');
    const writer = LogWriter.open(file, HEADER);
    const done = new Promise<Launched>((resolve) => setTimeout(() => resolve({ exitCode: 0, signal: undefined }), behindMs + 100));
    const res = await new Tracer(OPTS, cgroup, fakeBpf(sweeps), ring, writer, done, 4242, () => {}).run();
    assert.equal(res.exitStatus, 0);
    const during = sweeps.filter((s) => s - t0 < behindMs).map((s) => s - t0);
    // at ~1000 and ~2000 ms (the first a second after the start); the last one, forced, ends the trace
    assert.ok(during.length >= 2, `sweeps while the ring was behind, at ms: ${during.join(', ')}`);
    for (let i = 1; i < during.length; i++) assert.ok(during[i]! - during[i - 1]! >= 1000, `sweeps at most once a second: ${during.join(', ')}`);
    assert.equal(loadLog(file).trailer?.exit_status, 0);
  });

  it('does not sweep while nothing waits and the ring is empty, but always at the end', async () => {
    const { ring } = behindRing(0);
    const sweeps: number[] = [];
    const writer = LogWriter.open(path.join(tmpdir(), 'x.trace'), HEADER);
    const done = new Promise<Launched>((resolve) => setTimeout(() => resolve({ exitCode: 3, signal: undefined }), 1300));
    const res = await new Tracer(OPTS, cgroup, fakeBpf(sweeps), ring, writer, done, 4242, () => {}).run();
    assert.equal(res.buildStatus, 3);
    assert.equal(sweeps.length, 1, 'the sweep that ends the trace, after the programs are detached');
  });
});

describe('Tracer: the wait for processes that outlived the command', () => {
  it('says how the build ended, how long bt waits, for what (quoted, at most 3 named), and what Ctrl-C does', () => {
    assert.equal(
      waitingLine(0, 0, 10_000, [{ pid: 11758, argv: ['sleep', '40'] }]),
      'bt: the build exited with status 0; waiting up to 10 s for 1 process that outlived it: sleep 40 (pid 11758); Ctrl-C stops waiting (what ignores it keeps running)',
    );
    const procs = [
      { pid: 1, argv: ['sh', '-c', 'sleep 2; echo late > late.txt'] },
      { pid: 2, argv: undefined },
      { pid: 3, argv: ['x'.repeat(80)] },
      { pid: 4, argv: ['sleep', '1'] },
    ];
    assert.equal(
      waitingLine(130, 2, 500, procs),
      "bt: the build was killed by SIGINT (status 130); waiting up to 0.5 s for 4 processes that outlived it: sh -c 'sleep 2; echo late > late.txt' (pid 1), ? (pid 2), " +
        `${'x'.repeat(59)}… (pid 3), 1 more; Ctrl-C stops waiting (what ignores it keeps running)`,
    );
  });
});

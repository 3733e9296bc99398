/**
 * How long the capture loop waits between drains
 * (src/capture/ring.ts quietPollMs, nextDrainMs).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextDrainMs, quietPollMs } from '../../src/capture/ring.js';

const MiB = 1024 * 1024;

test('the quiet drain interval: half the ring at 100 MB/s per CPU, between 20 and 100 ms', () => {
  // the default ring on this kind of machine: 16.8 MB / 200 MB/s
  assert.equal(quietPollMs(32 * MiB, 2), 84);
  assert.equal(quietPollMs(32 * MiB, 1), 100); // 168 ms, capped
  assert.equal(quietPollMs(64 * MiB, 4), 84);
  // a small ring or many CPUs: never slower to react than the 20 ms bt always used
  assert.equal(quietPollMs(64 * 1024, 2), 20);
  assert.equal(quietPollMs(32 * MiB, 64), 20);
  // no CPU count (a container that hides it): taken as one
  assert.equal(quietPollMs(32 * MiB, 0), 100);
});

test('within the quiet interval, a build at full speed on every CPU fills at most half of the ring (unless the 20 ms floor applies)', () => {
  for (const ring of [64 * 1024, MiB, 8 * MiB, 32 * MiB, 256 * MiB]) {
    for (const cpus of [1, 2, 3, 8, 96]) {
      const ms = quietPollMs(ring, cpus);
      const filled = (100e6 * cpus * ms) / 1000;
      if (ms > 20) assert.ok(filled <= ring / 2 + 100e6 * cpus * 0.0005, `${ring} B, ${cpus} CPUs: ${ms} ms fills ${filled} B`);
      assert.ok(ms >= 20 && ms <= 100);
    }
  }
});

test('the next drain: at once while the ring fills, the quiet interval while records trickle in, 20 ms otherwise', () => {
  const base = { ringBytes: 32 * MiB, drained: 1000, pending: 0, quietMs: 84, busyMs: 20 };
  // the first drain: no rate yet, and a build may start with a burst
  assert.equal(nextDrainMs({ ...base, bytesPerMs: undefined }), 20);
  // a kernel build's ~3 MB/s: 250 KB by the next drain
  assert.equal(nextDrainMs({ ...base, bytesPerMs: 3000 }), 84);
  assert.equal(nextDrainMs({ ...base, drained: 0, bytesPerMs: 0 }), 84);
  // 100 MB/s would put 8.4 MB (a quarter of the ring) in it in 84 ms
  assert.equal(nextDrainMs({ ...base, bytesPerMs: 100_000 }), 20);
  // the boundary: an eighth of the ring by the next quiet drain
  const eighth = (32 * MiB) / 8 / 84;
  assert.equal(nextDrainMs({ ...base, bytesPerMs: eighth - 1 }), 84);
  assert.equal(nextDrainMs({ ...base, bytesPerMs: eighth }), 20);
  // still more than an eighth of the ring after a drain that read records: again at once
  assert.equal(nextDrainMs({ ...base, pending: 4 * MiB + 1, bytesPerMs: 0 }), 0);
  assert.equal(nextDrainMs({ ...base, pending: 4 * MiB, bytesPerMs: 0 }), 84);
  // a drain that read nothing (a record still being written at the head) does not spin
  assert.equal(nextDrainMs({ ...base, drained: 0, pending: 8 * MiB, bytesPerMs: 0 }), 84);
});

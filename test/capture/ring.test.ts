/**
 * How long the capture loop waits between drains while the ring is quiet
 * (src/capture/ring.ts quietPollMs).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quietPollMs } from '../../src/capture/ring.js';

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

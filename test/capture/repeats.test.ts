import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RepeatTracker } from '../../src/capture/repeats.js';
import type { LogRecord } from '../../src/log/schema.js';

/** A tracker over a fake kernel map of counts; what it writes, as "path xN". */
function tracker(counts: Map<string, number>) {
  const written: string[] = [];
  const taken: string[] = [];
  const t = new RepeatTracker(
    (key) => {
      const k = key.toString('latin1');
      taken.push(k);
      const n = counts.get(k);
      counts.delete(k);
      return n;
    },
    (r) => written.push(`${r.lookup!.path} x${1 + (r.lookup!.repeats ?? 0)}`),
    1000,
  );
  return { t, written, taken };
}

const lookup = (pid: number, path: string): LogRecord => ({
  ts: 1,
  pid,
  tid: pid,
  lookup: { op: 'newfstatat', path, dirfd: -100, flags: 0, mode: 0, errno: 0 },
});
const key = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('RepeatTracker', () => {
  it('writes a held lookup when its process exits, with the count the kernel kept', () => {
    const counts = new Map([['k1', 5], ['k2', 1]]);
    const { t, written, taken } = tracker(counts);
    t.hold(lookup(10, '/a'), key('k1'), 0);
    t.hold(lookup(11, '/b'), key('k2'), 0);
    t.flush(10);
    assert.deepEqual(written, [], 'nothing is due');
    assert.deepEqual(taken, [], 'and no count was taken');
    t.processExited(11);
    t.flush(20);
    assert.deepEqual(written, ['/b x1']);
    t.processExited(10);
    t.flush(30);
    assert.deepEqual(written, ['/b x1', '/a x5']);
    assert.equal(t.size, 0);
  });

  it('writes the ones held for the maximum age, oldest first, and only those', () => {
    const counts = new Map([['a', 2], ['b', 3], ['c', 4]]);
    const { t, written } = tracker(counts);
    t.hold(lookup(1, '/a'), key('a'), 0);
    t.hold(lookup(1, '/b'), key('b'), 500);
    t.hold(lookup(1, '/c'), key('c'), 900);
    t.flush(1499);
    assert.deepEqual(written, ['/a x2']);
    t.flush(1500);
    assert.deepEqual(written, ['/a x2', '/b x3']);
    t.flush(1500, true);
    assert.deepEqual(written, ['/a x2', '/b x3', '/c x4']);
  });

  it('a lookup held again writes the one held before; a count evicted from the map is written as one call', () => {
    const counts = new Map([['k', 7]]);
    const { t, written } = tracker(counts);
    t.hold(lookup(3, '/old'), key('k'), 0);
    t.hold(lookup(3, '/new'), key('k'), 100); // the count was taken for /old
    assert.deepEqual(written, ['/old x7']);
    t.processExited(3);
    t.flush(200);
    assert.deepEqual(written, ['/old x7', '/new x1']);
    assert.equal(t.evicted, 1);
  });

  it('an exit of a process that holds nothing costs nothing, and its pid does not release a later holder early', () => {
    const { t, written } = tracker(new Map([['k', 2]]));
    t.processExited(42);
    t.flush(0);
    t.hold(lookup(42, '/reused'), key('k'), 10);
    t.flush(20);
    assert.deepEqual(written, [], 'the pid exited before this process held anything');
    t.processExited(42);
    t.flush(30);
    assert.deepEqual(written, ['/reused x2']);
  });
});

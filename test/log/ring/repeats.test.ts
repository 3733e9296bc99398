import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RepeatTracker, tagKey } from '../../../src/log/ring/repeats.js';
import type { LogRecord } from '../../../src/log/schema.js';

/** A tracker; what it writes, as "path xN" (N: the lookups the record stands for). */
function tracker() {
  const written: string[] = [];
  const t = new RepeatTracker((r) => written.push(`${r.lookup!.path} x${1 + (r.lookup!.repeats ?? 0)}`));
  return { t, written };
}

const lookup = (tid: number, path: string): LogRecord => ({
  ts: 1,
  pid: tid,
  tid,
  lookup: { op: 'newfstatat', path, dirfd: -100, flags: 0, mode: 0, errno: 0 },
});

describe('RepeatTracker', () => {
  it('holds a flagged lookup until its count comes, then writes it with repeats = count - 1', () => {
    const { t, written } = tracker();
    t.hold(lookup(7, '/a'), tagKey(7, 1));
    t.hold(lookup(7, '/b'), tagKey(7, 2));
    assert.equal(t.size, 2);
    assert.deepEqual(written, []);
    t.count(tagKey(7, 2), 5);
    assert.deepEqual(written, ['/b x5']);
    t.count(tagKey(7, 1), 1);
    assert.deepEqual(written, ['/b x5', '/a x1']);
    assert.equal(t.size, 0);
    t.finish();
    assert.equal(t.unmatched, 0);
  });

  it('keys by thread and tag: the same tag of another thread is another lookup', () => {
    const { t, written } = tracker();
    t.hold(lookup(7, '/a'), tagKey(7, 1));
    t.hold(lookup(8, '/a'), tagKey(8, 1));
    t.count(tagKey(8, 1), 3);
    assert.deepEqual(written, ['/a x3']);
    assert.equal(t.size, 1);
  });

  it('keeps a count that comes before its record (the sweep runs on another CPU) for that record', () => {
    const { t, written } = tracker();
    t.count(tagKey(7, 9), 4);
    assert.deepEqual(written, []);
    assert.equal(t.size, 0);
    t.hold(lookup(7, '/c'), tagKey(7, 9));
    assert.deepEqual(written, ['/c x4']);
    t.finish();
    assert.equal(t.unmatched, 0);
  });

  it('matches several records of one key oldest first', () => {
    const { t, written } = tracker();
    const first = lookup(7, '/d');
    const second = { ...lookup(7, '/d'), ts: 2 };
    t.hold(first, tagKey(7, 3));
    t.hold(second, tagKey(7, 3));
    t.count(tagKey(7, 3), 2);
    t.count(tagKey(7, 3), 6);
    assert.deepEqual(written, ['/d x2', '/d x6']);
    assert.equal(first.lookup!.repeats, 1);
    assert.equal(second.lookup!.repeats, 5);
  });

  it('writes what is still held at the end with repeats 0 and counts it, with the counts that found no record', () => {
    const { t, written } = tracker();
    t.hold(lookup(7, '/e'), tagKey(7, 4));
    t.count(tagKey(9, 5), 2);
    t.finish();
    assert.deepEqual(written, ['/e x1']);
    assert.equal(t.unmatched, 2);
    assert.equal(t.size, 0);
  });

  it('tagKey names the thread and the tag, and 44-bit tags stay exact', () => {
    assert.equal(tagKey(12, 2 ** 44 - 1), `12/${2 ** 44 - 1}`);
    assert.notEqual(tagKey(1, 23), tagKey(12, 3));
  });
});

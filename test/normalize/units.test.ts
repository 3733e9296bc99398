import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Access, accessString, classifyOpen, isRead, isWrite } from '../../src/normalize/access.js';
import { baseName, dirName, normalizeAbs, pathsUnder, relativeInside, resolvePath } from '../../src/normalize/paths.js';
import { compareRecords, externalSort, Heap, LateRecordError, lateness, reorderWindow } from '../../src/normalize/order.js';
import { defaultOutputPath } from '../../src/normalize/normalize.js';
import type { LogRecord } from '../../src/log/schema.js';
import { O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_PATH, O_RDWR, O_TRUNC, O_WRONLY, tempDir } from './synth.js';

test('paths: lexical folding', () => {
  assert.equal(normalizeAbs('/a/./b/../c//d/'), '/a/c/d');
  assert.equal(normalizeAbs('/../..'), '/');
  assert.equal(normalizeAbs('/'), '/');
  assert.equal(normalizeAbs('/a/.hidden/x'), '/a/.hidden/x');
  assert.equal(normalizeAbs('//usr///lib'), '/usr/lib');
  assert.equal(resolvePath('/w/p', 'src/../inc/x.h'), '/w/p/inc/x.h');
  assert.equal(resolvePath('/w/p', '../../../../etc'), '/etc');
  assert.equal(resolvePath('/w/p', '/abs/./f'), '/abs/f');
  assert.equal(resolvePath(undefined, 'rel'), undefined);
  assert.equal(resolvePath(undefined, '/abs'), '/abs');
  assert.equal(resolvePath('/w', '.'), '/w');
  assert.equal(baseName('/a/b.c'), 'b.c');
  assert.equal(dirName('/a/b.c'), '/a');
  assert.equal(dirName('/a'), '/');
  assert.equal(relativeInside('/w/p', '/w/p/a/b'), 'a/b');
  assert.equal(relativeInside('/w/p', '/w/pq'), undefined);
  assert.equal(relativeInside('/w/p', '/w/p'), '.');
});

test('access: classification from flags and result', () => {
  assert.equal(classifyOpen(0, 3), Access.READ);
  assert.equal(classifyOpen(O_WRONLY | O_CREAT | O_TRUNC, 3), Access.WRITE | Access.CREATE | Access.TRUNCATE);
  assert.equal(classifyOpen(O_RDWR, 3), Access.READ | Access.WRITE);
  assert.equal(classifyOpen(O_WRONLY | O_APPEND | O_CREAT, 4), Access.WRITE | Access.APPEND | Access.CREATE);
  assert.equal(classifyOpen(0, -1), Access.READ | Access.FAILED);
  assert.equal(classifyOpen(O_WRONLY | O_CREAT | O_EXCL, -1), Access.WRITE | Access.EXCL | Access.FAILED);
  assert.equal(classifyOpen(O_DIRECTORY, 3), Access.READ | Access.DIRECTORY);
  assert.equal(classifyOpen(O_PATH, 3), Access.PATH);
  assert.equal(classifyOpen(0, 3, 'creat'), Access.WRITE | Access.CREATE | Access.TRUNCATE);
  // O_TRUNC on a read-only open truncates nothing
  assert.equal(classifyOpen(O_TRUNC, 3), Access.READ);
  // arm64 has O_DIRECTORY at 0o40000
  assert.equal(classifyOpen(0o40000, 3, 'openat', 'arm'), Access.READ | Access.DIRECTORY);
  assert.equal(accessString(Access.READ | Access.WRITE | Access.CREATE), 'rw+create');
  assert.equal(accessString(Access.READ | Access.FAILED), 'probe(r)');
  assert.ok(isWrite(Access.WRITE));
  assert.ok(!isWrite(Access.WRITE | Access.FAILED));
  assert.ok(isRead(Access.READ));
  assert.ok(!isRead(Access.PATH));
});

function rec(ts: number, seq: number): LogRecord {
  return { ts, pid: 1, tid: 1, seq, lost: { count: 0, reason: 'x' } } as LogRecord;
}

test('order: heap pops in order', () => {
  const h = new Heap<number>((a, b) => a < b);
  for (const v of [5, 3, 9, 1, 7, 1, 0]) h.push(v);
  const out: number[] = [];
  while (h.size) out.push(h.pop() as number);
  assert.deepEqual(out, [0, 1, 1, 3, 5, 7, 9]);
});

test('order: window reorders within the window, keeps ties in arrival order', () => {
  const arrivals = [rec(10, 0), rec(30, 1), rec(20, 2), rec(20, 3), rec(15, 4), rec(40, 5), rec(35, 6)];
  const out = [...reorderWindow(arrivals, { windowNs: 100, maxHeld: 1000 })];
  assert.deepEqual(
    out.map((r) => [r.ts, r.seq]),
    [[10, 0], [15, 4], [20, 2], [20, 3], [30, 1], [35, 6], [40, 5]],
  );
});

test('order: a record later than the window throws, never misorders', () => {
  const arrivals = [rec(10, 0), rec(1000, 1), rec(2000, 2), rec(5, 3)];
  assert.throws(
    () => [...reorderWindow(arrivals, { windowNs: 100, maxHeld: 1000 })],
    (e: unknown) => e instanceof LateRecordError && e.code === 'E_LATE_RECORD' && e.ts === 5,
  );
  // maxHeld forces releases too, and still detects lateness
  const many = [rec(10, 0), rec(11, 1), rec(12, 2), rec(9, 3)];
  assert.throws(() => [...reorderWindow(many, { windowNs: 1e9, maxHeld: 2 })], LateRecordError);
});

test('order: a late record is said to be as late as it was behind the newest record, against the window', () => {
  // 1,995 ns behind the newest (2000), beyond a 100 ns window; only 995 ns before the last record released (1000)
  const arrivals = [rec(10, 0), rec(1000, 1), rec(2000, 2), rec(5, 3)];
  let late: LateRecordError | undefined;
  try {
    [...reorderWindow(arrivals, { windowNs: 100, maxHeld: 1000 })];
  } catch (e) {
    late = e as LateRecordError;
  }
  assert.ok(late instanceof LateRecordError);
  assert.equal(late.newestTs, 2000);
  assert.equal(late.releasedTs, 1000);
  assert.equal(late.message, 'record 3 arrived 2.0 µs behind the newest record, beyond the 0.0001 ms reorder window: use a larger --window or --sort external');
  assert.equal(lateness({ ts: 1e6, newestTs: 17.5e6, windowNs: 16e6, maxHeld: 10 }), 'arrived 16.5 ms behind the newest record, beyond the 16 ms reorder window');
  // within the window in time, but the window was full and let later records go
  assert.throws(
    () => [...reorderWindow([rec(10, 0), rec(11, 1), rec(12, 2), rec(9, 3)], { windowNs: 1e9, maxHeld: 2 })],
    (e: unknown) =>
      e instanceof LateRecordError &&
      e.message === 'record 3 arrived 3 ns behind the newest record, within the 1 s reorder window, after the window (full at 2 records) had let later records go: use a larger --window or --sort external',
  );
});

test('order: external sort handles any disorder, with runs on disk', () => {
  const dir = tempDir();
  const n = 1000;
  const arrivals: LogRecord[] = [];
  for (let i = 0; i < n; i++) arrivals.push(rec(((i * 7919) % 97) * 10, i));
  const out = [...externalSort(arrivals, { runSize: 64, tmpDir: dir })];
  assert.equal(out.length, n);
  for (let i = 1; i < n; i++) assert.ok(compareRecords(out[i - 1], out[i]) < 0, `order at ${i}`);
  // single run: in memory
  const small = [...externalSort([rec(3, 0), rec(1, 1), rec(1, 2)], { runSize: 64, tmpDir: dir })];
  assert.deepEqual(small.map((r) => r.seq), [1, 2, 0]);
});

test('default output name', () => {
  assert.equal(defaultOutputPath('build.trace'), 'build.norm.trace');
  assert.equal(defaultOutputPath('/x/y/t'), '/x/y/t.norm.trace');
});

test('pathsUnder: every path under a directory, sorted; not a sibling that shares its name\'s start', () => {
  let made = 0;
  const under = pathsUnder(() => {
    made++;
    return ['/b/gen/z.h', '/b/gen/a.h', '/b/gen-old/x.h', '/b/gen', '/b/genx.h', '/b/gen/sub/c.h', '/a/gen/q.h'];
  });
  assert.deepEqual(under('/b/gen'), ['/b/gen/a.h', '/b/gen/sub/c.h', '/b/gen/z.h']);
  assert.deepEqual(under('/b/gen/sub'), ['/b/gen/sub/c.h']);
  assert.deepEqual(under('/c'), []);
  assert.equal(made, 1, 'sorted once');
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { LogError, NormalizeError, UsageError } from '../../src/errors.js';
import { LogReader } from '../../src/log/reader.js';
import type { LogRecord, ProcessInfo } from '../../src/log/schema.js';
import { recordType } from '../../src/log/schema.js';
import { Access } from '../../src/normalize/access.js';
import { formatSummary, normalizeFile, normalizeRecords } from '../../src/normalize/normalize.js';
import {
  AT_FDCWD,
  ENOENT,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECTORY,
  O_TRUNC,
  O_WRONLY,
  TraceBuilder,
  cBuildTrace,
  forkerTrace,
  tempDir,
  addPipeline,
} from './synth.js';

function readAll(file: string): { records: LogRecord[]; reader: LogReader } {
  const reader = LogReader.open(file);
  const records = [...reader.records()];
  reader.close();
  return { records, reader };
}

function processes(records: LogRecord[]): ProcessInfo[] {
  return records.filter((r) => r.process).map((r) => r.process as ProcessInfo);
}

function assertSorted(records: LogRecord[]): void {
  for (let i = 1; i < records.length; i++) {
    assert.ok(records[i - 1].ts <= records[i].ts, `record ${i} out of time order`);
  }
}

test('normalizeFile: header, time order, seq, proc, ProcessInfo after exit, trailer', () => {
  const dir = tempDir();
  const t = forkerTrace();
  const input = t.write(path.join(dir, 'fork.trace'));
  const out = path.join(dir, 'fork.norm.trace');
  const s = normalizeFile(input, out);
  assert.equal(s.processes, 4);
  assert.equal(s.records, t.records.length);
  assert.equal(s.incomplete, false);
  const { records, reader } = readAll(out);
  assert.equal(reader.header.normalized, true);
  assert.equal(reader.header.source, input);
  assert.equal(reader.header.root_pid, 100);
  assert.ok(reader.complete, 'normalized log has a trailer');
  assertSorted(records);
  const procs = processes(records);
  assert.deepEqual(
    procs.map((p) => [p.proc, p.pid, p.parent]).sort((a, b) => a[0] - b[0]),
    [
      [1, 100, 0],
      [2, 101, 1],
      [3, 102, 1],
      [4, 103, 2],
    ],
  );
  // every event record carries seq and proc; each ProcessInfo directly follows its exit
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r.process) {
      assert.ok(records[i - 1].exit, 'ProcessInfo follows an exit');
      assert.equal(records[i - 1].proc, r.proc);
      continue;
    }
    assert.equal(typeof r.seq, 'number');
    assert.ok((r.proc ?? 0) > 0);
  }
  const root = procs.find((p) => p.proc === 1)!;
  assert.equal(root.exe, '/work/tp/forker');
  assert.deepEqual([...root.argv], ['./forker']);
  assert.equal(root.exit_code, 0);
  assert.deepEqual(
    procs.map((p) => [p.pid, p.exit_code]).sort((a, b) => a[0] - b[0]),
    [
      [100, 0],
      [101, 1],
      [102, 2],
      [103, 3],
    ],
  );
  assert.equal(root.cwd, '/work/tp');
  // forked children without exec keep the parent's program
  assert.equal(procs.find((p) => p.proc === 4)!.exe, '/work/tp/forker');
  assert.match(formatSummary(s), /^bt normalize: 4 processes, \d+ files, \d+ events, .*0 lost, 0 warnings -> /);
});

test('pid reuse gives two distinct processes', () => {
  const t = new TraceBuilder(100, '/w');
  t.exec(100, '/bin/sh', ['sh'], '/w');
  t.fork(100, 200);
  t.exec(200, '/bin/true', ['true'], '/w');
  t.open(200, 'first.txt', { fd: 3 });
  t.exit(200, 0);
  t.fork(100, 200);
  t.exec(200, '/bin/false', ['false'], '/w');
  t.open(200, 'second.txt', { fd: 3 });
  t.exit(200, 1);
  t.exit(100, 1);
  const { records, summary } = normalizeRecords(t.header, t.records);
  assert.equal(summary.processes, 3);
  assert.equal(summary.warningCount, 0);
  const procs = processes(records);
  const p200 = procs.filter((p) => p.pid === 200);
  assert.equal(p200.length, 2);
  assert.notEqual(p200[0].proc, p200[1].proc);
  assert.deepEqual(
    p200.map((p) => [p.exe, p.exit_code, p.parent]),
    [
      ['/bin/true', 0, 1],
      ['/bin/false', 1, 1],
    ],
  );
  const opens = records.filter((r) => r.open);
  assert.deepEqual(
    opens.map((r) => [r.abspath, r.proc]),
    [
      ['/w/first.txt', p200[0].proc],
      ['/w/second.txt', p200[1].proc],
    ],
  );
});

test('a reused pid whose exit was lost is still a new process (with a warning)', () => {
  const t = new TraceBuilder(100, '/w');
  t.exec(100, '/bin/sh', ['sh'], '/w');
  t.fork(100, 200);
  t.fork(100, 200); // exit of the first 200 lost
  t.exit(200, 0);
  t.exit(100, 0);
  const { records, summary } = normalizeRecords(t.header, t.records);
  assert.equal(summary.processes, 3);
  assert.ok(summary.warnings.some((w) => /reused before its exit/.test(w)));
  assert.equal(processes(records).length, 3);
});

test('out-of-order records within the window are sorted (ties keep arrival order)', () => {
  const dir = tempDir();
  const t = cBuildTrace(['a', 'b', 'c']);
  // arrival order: swap neighbours in blocks (nearly sorted, as across CPUs)
  const order = [...t.records];
  for (let i = 0; i + 3 < order.length; i += 5) [order[i], order[i + 3]] = [order[i + 3], order[i]];
  // equal timestamps: two records with one ts, arriving in a known order
  const last = t.records[t.records.length - 1];
  const input = t.write(path.join(dir, 'ooo.trace'), { order });
  const s = normalizeFile(input, path.join(dir, 'ooo.norm.trace'));
  assert.equal(s.order.method, 'window');
  assert.ok(s.order.outOfOrder > 0);
  assert.equal(s.lateRecord, undefined);
  const { records } = readAll(path.join(dir, 'ooo.norm.trace'));
  assertSorted(records);
  // seq is the arrival index: the record that arrived at index i has seq i
  const events = records.filter((r) => !r.process);
  assert.equal(events.length, t.records.length);
  for (const r of events) assert.equal(order[r.seq ?? -1].ts, r.ts);
  assert.equal(events[events.length - 1].ts, last.ts);
  // same result as from the sorted log
  const sortedIn = t.write(path.join(dir, 'sorted.trace'));
  normalizeFile(sortedIn, path.join(dir, 'sorted.norm.trace'));
  const ref = readAll(path.join(dir, 'sorted.norm.trace')).records;
  assert.deepEqual(
    records.map((r) => [r.ts, r.proc, r.abspath ?? '', recordType(r)]),
    ref.map((r) => [r.ts, r.proc, r.abspath ?? '', recordType(r)]),
  );
});

test('equal timestamps keep arrival order', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/x', ['x'], '/w');
  const ts = t.ts;
  t.at(ts).open(1, 'one', { fd: 3 });
  t.at(ts).open(1, 'two', { fd: 4 });
  t.at(ts).open(1, 'three', { fd: 5 });
  t.exit(1, 0);
  const { records } = normalizeRecords(t.header, t.records);
  assert.deepEqual(
    records.filter((r) => r.open).map((r) => r.abspath),
    ['/w/one', '/w/two', '/w/three'],
  );
});

test('a record later than the window falls back to the external sort, exactly ordered', () => {
  const dir = tempDir();
  const t = cBuildTrace(['a', 'b', 'c', 'd']);
  const order = [...t.records];
  // the fork of the first compile arrives at the very end: far beyond a 1 ms window
  const idx = order.findIndex((r) => r.fork);
  const [late] = order.splice(idx, 1);
  order.push(late);
  const input = t.write(path.join(dir, 'late.trace'), { order });
  const out = path.join(dir, 'late.norm.trace');
  // small runs: the external sort spills several runs to disk and merges them
  const s = normalizeFile(input, out, { windowMs: 0.001, runSize: 16, tmpDir: dir });
  assert.equal(s.order.method, 'external');
  assert.ok(s.lateRecord, 'the late record is reported');
  assert.match(formatSummary(s), /external sort/);
  const { records } = readAll(out);
  assertSorted(records);
  const ref = normalizeRecords(t.header, [...cBuildTrace(['a', 'b', 'c', 'd']).records]).records;
  assert.deepEqual(
    records.map((r) => [r.ts, r.proc, r.abspath ?? '', recordType(r)]),
    ref.map((r) => [r.ts, r.proc, r.abspath ?? '', recordType(r)]),
  );
  assert.equal(s.warningCount, 0, 'the late fork is placed before its child: no orphan');
  // --sort window refuses instead of misordering
  assert.throws(
    () => normalizeFile(input, path.join(dir, 'late2.norm.trace'), { windowMs: 0.001, sort: 'window' }),
    (e: unknown) => e instanceof NormalizeError && e.code === 'E_LATE_RECORD',
  );
  assert.ok(!fs.existsSync(path.join(dir, 'late2.norm.trace')), 'no half-written output');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('.') || f.startsWith('bt-sort')),
    [],
    'temporary files removed',
  );
});

test('lost-event spans are kept and reported; missing trailer = incomplete', () => {
  const dir = tempDir();
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/make', ['make'], '/w');
  const from = t.ts;
  t.lost(42, 'ringbuf', from, from + 5000);
  t.lost(3, 'truncated', from, from + 5000);
  t.fork(1, 2);
  t.open(3, 'orphan.c', { fd: 3 }); // pid 3's fork was lost
  t.exit(3, 0);
  t.exit(2, 0);
  const input = t.write(path.join(dir, 'lost.trace'), { trailer: false });
  const out = path.join(dir, 'lost.norm.trace');
  const s = normalizeFile(input, out);
  assert.equal(s.lostEvents, 45);
  assert.equal(s.lostRecords, 2);
  assert.deepEqual(s.lostByReason, { ringbuf: 42, truncated: 3 });
  assert.equal(s.incomplete, true);
  assert.ok(s.warnings.some((w) => /pid 3: events from a process whose fork was not seen/.test(w)));
  const text = formatSummary(s);
  // the 3 cut strings are in the log, marked: a note, not lost events (log/lost.ts)
  assert.match(text, /, 42 lost in 1 span, /);
  assert.match(text, /^bt normalize: events were lost \(ringbuf 42\): the picture may miss processes or files in those spans$/m);
  assert.match(text, /^bt normalize: note: 3 strings were cut short \(bt keeps 4 KiB of a path or an argument\): marked truncated in the log$/m);
  assert.match(text, /incomplete/);
  const { records, reader } = readAll(out);
  assert.equal(reader.trailer, undefined, 'normalized log of an incomplete trace is incomplete too');
  const lost = records.filter((r) => r.lost);
  assert.equal(lost.length, 2);
  assert.equal(lost[0].lost!.from_ts, from);
  assert.equal(lost[0].lost!.to_ts, from + 5000);
  // processes without exit get a ProcessInfo at the end, exit code unknown
  const procs = processes(records);
  const make = procs.find((p) => p.pid === 1)!;
  assert.equal(make.exit_code, -1);
  assert.equal(make.end_ts, 0);
  assert.equal(records[records.length - 1].process?.pid, 1);
  const orphan = procs.find((p) => p.pid === 3)!;
  assert.equal(orphan.parent, 0);
});

test('paths: dirfd, chdir, fchdir, symlink, rename, unlinkat, mkdir, probes', () => {
  const t = new TraceBuilder(1, '/work/proj');
  t.exec(1, './tool', ['./tool'], '/work/proj');
  t.open(1, 'src/a.c', { fd: 3 }); // 0
  t.close(1, 3);
  t.open(1, '/work/proj/include/', { fd: 3, flags: O_DIRECTORY }); // 1: dirfd 3
  t.open(1, '../include/./x.h', { fd: 4, dirfd: 3 }); // 2
  t.close(1, 4);
  t.chdir(1, 'sub/../build', '/work/proj/build');
  t.open(1, 'x.o', { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC }); // 3
  t.close(1, 4);
  t.fchdir(1, 3, '/work/proj/include');
  t.open(1, './y.h', { fd: 4 }); // 4
  t.close(1, 4);
  t.chdir(1, 'lnk', '/real/dir'); // a symlink: the kernel's cwd wins over "/work/proj/include/lnk"
  t.open(1, 'f', { fd: 4 }); // 5
  t.close(1, 4);
  t.chdir(1, 'nowhere', '', { errno: ENOENT });
  t.open(1, 'missing.h', { errno: ENOENT }); // 6
  t.pathOp2(1, 'symlinkat', '../target', 'link', { newdirfd: 3 });
  t.pathOp2(1, 'renameat', 'a.tmp', 'b', { olddirfd: 3, newdirfd: AT_FDCWD });
  t.pathOp2(1, 'linkat', 'b', '/abs/c', { olddirfd: 3 });
  t.pathOp(1, 'unlinkat', 'old', { dirfd: 3, flags: 0x200 });
  t.pathOp(1, 'mkdir', 'newdir/');
  t.open(1, 'q', { dirfd: 42, fd: 5 }); // 7: unknown dirfd
  t.exit(1, 0);
  const { records, summary } = normalizeRecords(t.header, t.records);
  const opens = records.filter((r) => r.open);
  assert.deepEqual(
    opens.map((r) => r.abspath ?? ''),
    [
      '/work/proj/src/a.c',
      '/work/proj/include',
      '/work/proj/include/x.h',
      '/work/proj/build/x.o',
      '/work/proj/include/y.h',
      '/real/dir/f',
      '/real/dir/missing.h',
      '',
    ],
  );
  assert.equal(opens[3].access, Access.WRITE | Access.CREATE | Access.TRUNCATE);
  assert.equal(opens[6].access, Access.READ | Access.FAILED);
  assert.equal(opens[1].access, Access.READ | Access.DIRECTORY);
  // the path as passed stays available
  assert.equal(opens[2].open!.path, '../include/./x.h');
  const chdirs = records.filter((r) => r.chdir).map((r) => r.abspath);
  assert.deepEqual(chdirs, ['/work/proj/build', '/work/proj/include', '/real/dir', '/real/dir/nowhere']);
  const p2 = records.filter((r) => r.path2).map((r) => [r.path2!.op, r.abspath ?? '', r.abspath2 ?? '']);
  assert.deepEqual(p2, [
    ['symlinkat', '', '/work/proj/include/link'],
    ['renameat', '/work/proj/include/a.tmp', '/real/dir/b'],
    ['linkat', '/work/proj/include/b', '/abs/c'],
  ]);
  const p1 = records.filter((r) => r.path).map((r) => r.abspath);
  assert.deepEqual(p1, ['/work/proj/include/old', '/real/dir/newdir']);
  const exec = records.find((r) => r.exec)!;
  assert.equal(exec.abspath, '/work/proj/tool');
  assert.equal(summary.unresolved, 1);
  assert.ok(summary.warnings.some((w) => /fd 42/.test(w)));
});

test('fd table: cloexec at exec, dup*, fcntl, close_range', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh'], '/w');
  t.open(1, '/d1', { fd: 3, flags: O_DIRECTORY | O_CLOEXEC });
  t.open(1, '/d2', { fd: 4, flags: O_DIRECTORY });
  t.dup(1, 'fcntl_dupfd_cloexec', 4, 5, { cloexec: true }); // 5 -> /d2, cloexec
  t.dup(1, 'dup2', 4, 6); // 6 -> /d2
  t.dup(1, 'dup', 4, 7); // 7 -> /d2
  t.dup(1, 'dup3', 4, 8, { cloexec: true, flags: O_CLOEXEC }); // 8 -> /d2, cloexec
  t.dup(1, 'fcntl_setfd', 3, 3, { arg: 0 }); // 3 no longer cloexec
  t.dup(1, 'fcntl_setfd', 4, 4, { arg: 1 }); // 4 now cloexec
  t.closeRange(1, 7, 7, 4); // CLOSE_RANGE_CLOEXEC on 7
  t.closeRange(1, 9, 0xffffffff); // closes nothing known
  t.exec(1, '/bin/cc', ['cc'], '/w');
  for (const fd of [3, 4, 5, 6, 7, 8]) t.open(1, 'f', { dirfd: fd, fd: 20 + fd });
  t.close(1, 6);
  t.open(1, 'g', { dirfd: 6, fd: 30 });
  t.exit(1, 0);
  const { records } = normalizeRecords(t.header, t.records);
  const after = records.filter((r) => r.open && r.open.path !== '/d1' && r.open.path !== '/d2');
  assert.deepEqual(
    after.map((r) => [r.open!.dirfd, r.abspath ?? '']),
    [
      [3, '/d1/f'],
      [4, ''],
      [5, ''],
      [6, '/d2/f'],
      [7, ''],
      [8, ''],
      [6, ''],
    ],
  );
  // dup/close records name what the fd referred to
  assert.equal(records.find((r) => r.dup?.op === 'dup2')!.abspath, '/d2');
  assert.equal(records.filter((r) => r.close?.op === 'close')[0].abspath, '/d2');
});

test('ProcessInfo.held_write: files written through an fd no close record shows closed (held at exit, replaced by dup2, closed by close_range)', () => {
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh'], '/w');
  t.open(1, 'closed.out', { fd: 3, flags: W });
  t.close(1, 3); // closed: not held
  t.open(1, 'read.txt', { fd: 3 }); // read only: never held
  t.open(1, 'held.out', { fd: 4, flags: W });
  t.dup(1, 'dup2', 4, 1); // fd 1 -> held.out
  t.close(1, 4); // one of its two fds: still held through fd 1
  t.open(1, 'replaced.out', { fd: 5, flags: W });
  t.open(1, 'other', { fd: 6 });
  t.dup(1, 'dup2', 6, 5); // closes replaced.out's fd without a close record
  t.open(1, 'ranged.out', { fd: 7, flags: W });
  t.closeRange(1, 7, 7);
  t.fork(1, 2); // the child inherits fd 1 (held.out) and holds it at its exit
  t.exit(2, 0);
  t.open(1, 'cloexec.out', { fd: 8, flags: W | O_CLOEXEC }); // closed by the exec: not held (the exec says when)
  t.exec(1, '/bin/true', ['true'], '/w');
  t.exit(1, 0);
  const { records } = normalizeRecords(t.header, t.records);
  const info = processes(records) as Array<ProcessInfo & { held_write?: string[]; held_known?: boolean }>;
  const sh = info.find((x) => x.proc === 1)!;
  assert.deepEqual(sh.held_write, ['/w/held.out', '/w/ranged.out', '/w/replaced.out']);
  assert.equal(sh.held_known, true);
  assert.deepEqual(info.find((x) => x.proc === 2)!.held_write, ['/w/held.out']);
});

test('fork inherits cwd and fds; threads share their process', () => {
  const t = new TraceBuilder(1, '/p');
  t.exec(1, '/bin/make', ['make'], '/p');
  t.open(1, 'd', { fd: 3, flags: O_DIRECTORY });
  t.fork(1, 2);
  t.chdir(1, '/elsewhere', '/elsewhere'); // the parent moves; the child keeps /p
  t.open(2, 'f', { dirfd: 3, fd: 4 });
  t.open(2, 'g', { fd: 5 });
  t.fork(2, 2, { thread: true, tid: 2 }); // thread 22 of process 2
  t.records[t.records.length - 1].fork!.child_tid = 22;
  t.chdir(2, 'sub', '/p/sub', { tid: 22 }); // the thread changes the process's cwd
  t.open(2, 'h', { fd: 6 }); // the main thread sees it
  t.open(2, 'k', { fd: 7, tid: 22 });
  t.close(1, 3); // the parent's close does not affect the child's table
  t.open(2, 'm', { dirfd: 3, fd: 8 });
  t.exit(2, 0);
  t.open(1, 'n', { fd: 3 });
  t.exit(1, 0);
  const { records, summary } = normalizeRecords(t.header, t.records);
  assert.equal(summary.processes, 2);
  assert.equal(summary.threads, 1);
  const opens = records.filter((r) => r.open).map((r) => [r.proc, r.abspath]);
  assert.deepEqual(opens, [
    [1, '/p/d'],
    [2, '/p/d/f'],
    [2, '/p/g'],
    [2, '/p/sub/h'],
    [2, '/p/sub/k'],
    [2, '/p/d/m'],
    [1, '/elsewhere/n'],
  ]);
  assert.equal(summary.warningCount, 0);
});

test('an fd number reused across threads: the close of the previous fd that returns after the open leaves the new fd mapped', () => {
  // go-clean.trace (review s27, finding 14): thread 15989 opens a directory = 6
  // while thread 15987's close(6) of the previous fd 6 is still returning
  const t = new TraceBuilder(1, '/go');
  t.exec(1, '/usr/bin/go', ['go', 'build'], '/go');
  t.fork(1, 1, { thread: true });
  t.records[t.records.length - 1].fork!.child_tid = 3;
  t.open(1, 'old.go', { fd: 6 });
  t.open(1, 'src/execenv', { fd: 6, flags: O_DIRECTORY | O_CLOEXEC, tid: 3 }); // 6 is free: the close below began before
  t.push(1, { close: { fd: 6, errno: 0, op: 'close', last: 6, flags: 0 } }, 1);
  t.push(1, { readdir: { op: 'getdents64', fd: 6, entries: 5, calls: 2, errno: 0 } }, 3);
  t.open(1, 'sub', { dirfd: 6, fd: 7, flags: O_DIRECTORY, tid: 3 });
  t.push(1, { close: { fd: 6, errno: 0, op: 'close', last: 6, flags: 0 } }, 3);
  // thread 1 has a record after the open of 8: its close began after it, and closes the new 8
  t.open(1, 'a', { fd: 8 });
  t.open(1, 'b', { fd: 8, tid: 3 });
  t.open(1, 'c', { fd: 9 });
  t.push(1, { close: { fd: 8, errno: 0, op: 'close', last: 8, flags: 0 } }, 1);
  t.push(1, { readdir: { op: 'getdents64', fd: 8, entries: 5, calls: 2, errno: 0 } }, 3);
  // the opener's own close is always of the new fd (a thread has one syscall at a time)
  t.open(1, 'd', { fd: 10 });
  t.open(1, 'e', { fd: 10, tid: 3 });
  t.push(1, { close: { fd: 10, errno: 0, op: 'close', last: 10, flags: 0 } }, 3);
  t.push(1, { close: { fd: 10, errno: 0, op: 'close', last: 10, flags: 0 } }, 1); // the owed one
  t.push(1, { readdir: { op: 'getdents64', fd: 10, entries: 5, calls: 2, errno: 0 } }, 3);
  t.exit(1, 0);
  const { records, summary } = normalizeRecords(t.header, t.records, { allWarnings: true });
  const seen = records.filter((r) => r.close || r.readdir || r.open).map((r) => `${r.tid} ${recordType(r)} ${r.abspath ?? '?'}`);
  assert.deepEqual(seen, [
    '1 open /go/old.go',
    '3 open /go/src/execenv',
    '1 close /go/old.go',
    '3 readdir /go/src/execenv',
    '3 open /go/src/execenv/sub',
    '3 close /go/src/execenv',
    '1 open /go/a',
    '3 open /go/b',
    '1 open /go/c',
    '1 close /go/b',
    '3 readdir ?',
    '1 open /go/d',
    '3 open /go/e',
    '3 close /go/e',
    '1 close /go/d',
    '3 readdir ?',
  ]);
  // fds 8 and 10 are closed; 6 never was unknown
  assert.deepEqual(summary.warnings.filter((w) => w.includes('relative to fd')), [
    'pid 1 (proc 1): getdents64 relative to fd 8, which is not known to refer to a path',
    'pid 1 (proc 1): getdents64 relative to fd 10, which is not known to refer to a path',
  ]);
});

test('pipes connect writer and reader processes', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh', '-c', 'gen | sort'], '/w');
  t.open(1, '/jobserver', { fd: 9 }); // held by all: not a pipe
  addPipeline(t);
  t.close(1, 3);
  t.close(1, 4);
  t.exit(2, 0);
  t.exit(3, 0);
  t.exit(1, 0);
  const { records, pipes, summary } = normalizeRecords(t.header, t.records);
  assert.equal(summary.pipes, 1);
  const p = pipes.get(1)!;
  assert.deepEqual([...p.writers], [2]);
  assert.deepEqual([...p.readers], [3]);
  assert.equal(p.creator, 1);
  const info = processes(records) as Array<ProcessInfo & { pipe_read?: number[]; pipe_write?: number[] }>;
  assert.deepEqual(info.find((x) => x.proc === 2)!.pipe_write, [1]);
  assert.deepEqual(info.find((x) => x.proc === 3)!.pipe_read, [1]);
  assert.equal(info.find((x) => x.proc === 1)!.pipe_read, undefined);
  assert.equal(records.find((r) => r.pipe)!.abspath, 'pipe:[1]');
});

test('execveat and fexecve resolve through the dirfd', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/w/extra-ops', ['extra-ops'], '/w');
  t.open(1, '/bin', { fd: 4, flags: O_DIRECTORY });
  // the kernel reports execveat(4, "true") as "/dev/fd/4/true"
  t.exec(1, '/dev/fd/4/true', ['true'], '/w', { op: 'execveat', dirfd: 4 });
  t.open(1, '/usr/bin/env', { fd: 5 });
  t.exec(1, '/dev/fd/5', ['env'], '/w', { op: 'execveat', dirfd: 5 });
  t.exit(1, 0);
  const { records, summary } = normalizeRecords(t.header, t.records);
  assert.deepEqual(
    records.filter((r) => r.exec).map((r) => r.abspath),
    ['/w/extra-ops', '/bin/true', '/usr/bin/env'],
  );
  assert.equal(summary.warningCount, 0);
});

test('failed execs are probes; a successful exec sets exe, argv, cwd; signals', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/local/bin/cc', ['cc', 'x.c'], '/w', { errno: ENOENT });
  t.exec(1, '/usr/bin/cc', ['cc', 'x.c'], '/w/sub');
  t.exit(1, 0, 11);
  const { records, summary } = normalizeRecords(t.header, t.records);
  assert.equal(summary.execs, 1);
  assert.equal(summary.failedExecs, 1);
  const info = processes(records)[0];
  assert.equal(info.exe, '/usr/bin/cc');
  assert.equal(info.cwd, '/w/sub');
  assert.equal(info.signal, 11);
  assert.equal(info.exit_code, -1);
  assert.equal(records.filter((r) => r.exec)[0].abspath, '/usr/local/bin/cc');
});

test('bt normalize refuses a normalized log and the same file', () => {
  const dir = tempDir();
  const input = forkerTrace().write(path.join(dir, 'f.trace'));
  const out = path.join(dir, 'f.norm.trace');
  normalizeFile(input, out);
  assert.throws(
    () => normalizeFile(out, path.join(dir, 'again.trace')),
    (e: unknown) => e instanceof NormalizeError && e.code === 'E_ALREADY_NORMALIZED',
  );
  assert.throws(
    () => normalizeFile(input, input),
    (e: unknown) => e instanceof LogError && e.code === 'E_SAME_FILE',
  );
  const link = path.join(dir, 'link.trace');
  fs.symlinkSync(input, link);
  assert.throws(
    () => normalizeFile(input, link),
    (e: unknown) => e instanceof LogError && e.code === 'E_SAME_FILE',
    'the same file through a link',
  );
});

test('normalized output is deterministic', () => {
  const dir = tempDir();
  const input = cBuildTrace().write(path.join(dir, 'c.trace'));
  normalizeFile(input, path.join(dir, 'one.trace'));
  normalizeFile(input, path.join(dir, 'two.trace'));
  assert.ok(fs.readFileSync(path.join(dir, 'one.trace')).equals(fs.readFileSync(path.join(dir, 'two.trace'))));
});

test('a torn raw log is normalized up to the tear and said to be torn', () => {
  const dir = tempDir();
  const t = cBuildTrace(['a']);
  const input = t.write(path.join(dir, 'torn.trace'), { trailer: false });
  const size = fs.statSync(input).size;
  fs.truncateSync(input, size - 3); // cut the last record short
  const s = normalizeFile(input, path.join(dir, 'torn.norm.trace'));
  assert.ok(s.torn, 'torn is reported');
  assert.equal(s.records, t.records.length - 1);
  assert.equal(s.incomplete, true);
  assert.match(formatSummary(s), /is truncated at byte \d+/);
  const { records } = readAll(path.join(dir, 'torn.norm.trace'));
  assertSorted(records);
  assert.equal(processes(records).length, 8, 'every process still gets its ProcessInfo');
});

test('the summary line of a damaged log counts the damage among its warnings, as the warning line below it says', () => {
  const dir = tempDir();
  const input = cBuildTrace(['a']).write(path.join(dir, 'torn.trace'), { trailer: false });
  fs.truncateSync(input, fs.statSync(input).size - 3);
  const s = normalizeFile(input, path.join(dir, 'torn.norm.trace'));
  assert.equal(s.warningCount, 0);
  const lines = formatSummary(s).trimEnd().split('\n');
  // what was cut off is not 'nothing lost': the summary says how many bytes were not read, the warning how many events were
  const dropped = fs.statSync(input).size - s.torn!.offset;
  assert.equal(s.torn!.bytesAfter, dropped);
  assert.match(lines[0]!, new RegExp(`, 0 lost before the log was cut short \\(${dropped} bytes not read\\), 1 warning -> .*torn\\.norm\\.trace$`));
  assert.deepEqual(lines.slice(1), [
    `bt normalize: warning: ${input} is truncated at byte ${s.torn!.offset} (${s.torn!.reason}): normalized the ${s.records} events before it and dropped the ${dropped} bytes from there to its end, with whatever events they held`,
  ]);
  assert.ok(s.records > 10);
  // with warnings of its own: the damage is one more, and the note on --warnings all counts the same
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/tool', ['tool'], '/w');
  for (const fd of [42, 43, 44]) t.open(1, 'x', { dirfd: fd, fd: 5 + fd });
  t.exit(1, 0);
  const raw = t.write(path.join(dir, 'w.trace'), { trailer: false });
  fs.truncateSync(raw, fs.statSync(raw).size - 2);
  const w = normalizeFile(raw, path.join(dir, 'w.norm.trace'));
  assert.ok(w.torn && w.warningCount > 1, `${w.warningCount} warnings`);
  const text = formatSummary(w);
  assert.match(text, new RegExp(`^bt normalize: .*, ${w.warningCount + 1} warnings -> `));
  assert.match(text, new RegExp(`\\(${w.warningCount + 1} warnings in all: --warnings all shows every one\\)`));
});

test('an empty path (cmake\'s mkdir("") = ENOENT) is not an unknown cwd: no warning, nothing unresolved', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/cmake', ['cmake'], '/w');
  for (let i = 0; i < 28; i++) t.pathOp(1, 'mkdir', '', { errno: 2 });
  t.open(1, '', { fd: -1, errno: 2 });
  t.exit(1, 0);
  const { summary, records } = normalizeRecords(t.header, t.records);
  assert.deepEqual(summary.warnings, []);
  assert.equal(summary.unresolved, 0);
  assert.equal(records.filter((r) => r.path && r.abspath === undefined).length, 28);
});

test('--warnings all: every warning, not the first of each kind', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/tool', ['tool'], '/w');
  for (const fd of [42, 43, 44]) t.open(1, 'x', { dirfd: fd, fd: 5 + fd });
  t.exit(1, 0);
  const first = normalizeRecords(t.header, t.records).summary;
  assert.equal(first.warnings.filter((w) => /fd 4[234]/.test(w)).length, 1);
  assert.match(formatSummary(first), /fd 42.*\(and 2 more like it\)/);
  assert.match(formatSummary(first), /--warnings all shows every one/);
  const all = normalizeRecords(t.header, t.records, { allWarnings: true }).summary;
  assert.deepEqual(
    all.warnings.filter((w) => /relative to fd/.test(w)).map((w) => /fd (\d+)/.exec(w)![1]),
    ['42', '43', '44'],
  );
  assert.equal(formatSummary(all).split('\n').filter((l) => /relative to fd/.test(l)).length, 3);
});

test('--tmp-dir that cannot hold temporary files is refused before any work: missing, not a directory', () => {
  const dir = tempDir();
  const input = cBuildTrace(['a', 'b']).write(path.join(dir, 'c.trace'));
  const out = path.join(dir, 'c.norm.trace');
  for (const [tmpDir, why] of [
    ['/nonexistent', 'no such directory'],
    [input, 'not a directory'],
  ]) {
    // the external sort with runs of 16 records: the old code found out only when it spilled the first run
    assert.throws(
      () => normalizeFile(input, out, { tmpDir, sort: 'external', runSize: 16 }),
      (e: unknown) => e instanceof UsageError && e.code === 'E_USAGE' && e.message === `--tmp-dir ${tmpDir}: ${why}: give a writable directory for the temporary files`,
    );
    assert.equal(fs.existsSync(out), false);
  }
});

test('a full --tmp-dir is said to be the temporary directory, not the output', { skip: process.getuid?.() !== 0 && 'mounting a small tmpfs needs root' }, () => {
  const dir = tempDir();
  const input = cBuildTrace(Array.from({ length: 200 }, (_, i) => `s${i}`)).write(path.join(dir, 'c.trace'));
  const small = path.join(dir, 'small');
  fs.mkdirSync(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', small]);
  try {
    const full = (e: unknown, what: string) =>
      e instanceof NormalizeError &&
      e.code === 'E_TMP_DIR' &&
      e.message === `cannot write ${what} in ${small} (no space left on device (ENOSPC)): free some space there, or give another directory with --tmp-dir`;
    // the external sort's runs
    const out = path.join(dir, 'sorted.norm.trace');
    assert.throws(() => normalizeFile(input, out, { tmpDir: small, sort: 'external', runSize: 64 }), (e: unknown) => full(e, "the external sort's temporary files"));
    assert.equal(fs.existsSync(out), false);
    // the copy an in-place output (stdout, a device, a FIFO) gets the log from once it is complete
    assert.throws(() => normalizeFile(input, '/dev/null', { tmpDir: small }), (e: unknown) => full(e, "the normalized log's temporary copy"));
    assert.deepEqual(fs.readdirSync(small), [], 'nothing is left in it');
  } finally {
    execFileSync('umount', [small]);
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  displayType,
  formatHeaderText,
  formatText,
  formatTrailerText,
  headerToJson,
  openFlagNames,
  signalName,
  toJson,
  trailerToJson,
} from '../../src/log/dump.js';
import { decodeRecord, encodeRecord } from '../../src/log/schema.js';
import { quoteArg } from '../../src/present/format.js';
import type { LogRecord } from '../../src/log/schema.js';
import { EXPECTED_HEADER_TEXT, EXPECTED_JSON, EXPECTED_NORMALIZED_TEXT, EXPECTED_TEXT } from './expected.js';
import { HEADER, TRAILER, normalizedRecords, sampleRecords } from './fixtures.js';

/** Decoded as a reader yields it (defaults on the prototype, absent fields undefined). */
function decoded(r: LogRecord): LogRecord {
  return decodeRecord(encodeRecord(r).subarray(1));
}

describe('dump text', () => {
  it('formats one line per record, for plain objects and decoded records alike', () => {
    const recs = sampleRecords();
    assert.deepEqual(
      recs.map((r) => formatText(r, HEADER)),
      EXPECTED_TEXT,
    );
    assert.deepEqual(
      recs.map((r) => formatText(decoded(r), HEADER)),
      EXPECTED_TEXT,
    );
  });

  it('shows the normalize fields', () => {
    assert.deepEqual(
      normalizedRecords().map((r) => formatText(decoded(r), HEADER)),
      EXPECTED_NORMALIZED_TEXT,
    );
  });

  it('formats the header and the trailer', () => {
    assert.equal(formatHeaderText(HEADER), EXPECTED_HEADER_TEXT);
    assert.equal(
      formatTrailerText({ ...TRAILER, records: 17, lost: { ringbuf: 12 }, leftover: ['1299 sleep'] }, HEADER),
      '# end +0.004000: exit status 0, 17 records, lost 12 ringbuf, left running: 1299 sleep',
    );
    assert.equal(
      formatTrailerText({ ...TRAILER, exit_status: 137, exit_signal: 9, records: 3 }, HEADER),
      '# end +0.004000: exit status 137 (signal SIGKILL), 3 records',
    );
  });

  it('formats the less common variants', () => {
    const at = (ev: Partial<LogRecord>): string =>
      formatText(decoded({ ts: HEADER.start_ts + 1_000_000, pid: 9, tid: 10, ...ev }), HEADER);
    assert.equal(
      at({ exec: { path: '/bin/sh', argv: ['sh', '-c', 'echo "hi there"', ''], env: [], cwd: '/my dir', errno: 0, op: 'execveat', uid: 0, gid: 0, interp: '/bin/sh', dirfd: 3, old_tid: 11, truncated: true } }),
      '+0.001000 9/10 exec /bin/sh [sh -c "echo \\"hi there\\"" ""] cwd="/my dir" interp=/bin/sh op=execveat dirfd=3 old_tid=11 truncated',
    );
    assert.equal(at({ fork: { child: 9, child_tid: 12, ppid: 9, thread: true } }), '+0.001000 9/10 fork child=9/12 thread=true');
    assert.equal(at({ fork: { child: 20, child_tid: 20, ppid: 1, thread: false } }), '+0.001000 9/10 fork child=20 thread=false ppid=1');
    assert.equal(at({ exit: { code: 0, signal: 11, core: true, status: 0x8b } }), '+0.001000 9/10 exit signal=SIGSEGV core');
    assert.equal(at({ exit: { code: 2, signal: 0, core: false, status: 0x200 } }), '+0.001000 9/10 exit code=2');
    assert.equal(
      at({ open: { path: 'x', dirfd: 5, flags: 0, mode: 0, fd: -1, errno: -13, op: 'openat' } }),
      '+0.001000 9/10 open O_RDONLY "x" dirfd=5 = -EACCES',
    );
    assert.equal(at({ close: { fd: 3, errno: 0, op: 'close_range', last: 4294967295, flags: 4 } }), '+0.001000 9/10 close 3..4294967295 CLOSE_RANGE_CLOEXEC = 0');
    assert.equal(at({ close: { fd: 99, errno: 9, op: 'close' } }), '+0.001000 9/10 close 99 = -EBADF');
    assert.equal(at({ dup: { oldfd: 3, newfd: 10, errno: 0, op: 'fcntl_dupfd_cloexec', cloexec: true } }), '+0.001000 9/10 dup 3 -> 10 cloexec (fcntl_dupfd_cloexec)');
    assert.equal(at({ dup: { oldfd: 3, newfd: 4, errno: 0, op: 'dup', cloexec: false } }), '+0.001000 9/10 dup 3 -> 4');
    assert.equal(at({ dup: { oldfd: 77, newfd: -1, errno: 9, op: 'dup', cloexec: false } }), '+0.001000 9/10 dup 77 -> -1 = -EBADF');
    assert.equal(at({ chdir: { path: '', fd: 4, errno: 0, cwd: '/tmp', op: 'fchdir' } }), '+0.001000 9/10 chdir fd=4 cwd=/tmp = 0');
    assert.equal(at({ chdir: { path: 'nope', fd: -100, errno: 2, cwd: '', op: 'chdir' } }), '+0.001000 9/10 chdir "nope" = -ENOENT');
    assert.equal(at({ path: { op: 'unlinkat', path: 'd', dirfd: 3, errno: 0, flags: 0x200 } }), '+0.001000 9/10 rmdir "d" dirfd=3 = 0');
    assert.equal(at({ path: { op: 'rmdir', path: 'd', dirfd: -100, errno: 39 } }), '+0.001000 9/10 rmdir "d" = -ENOTEMPTY');
    assert.equal(
      at({ path2: { op: 'linkat', from: 'a', to: 'b', errno: 17, flags: 0x400, olddirfd: -100, newdirfd: -100 } }),
      '+0.001000 9/10 link "a" -> "b" AT_SYMLINK_FOLLOW = -EEXIST',
    );
    // the directories of relative paths, as opens show dirfd= (a review: rename "deep/a.txt" -> "../b.txt" without them)
    assert.equal(
      at({ path2: { op: 'renameat', from: 'deep/a.txt', to: '../b.txt', errno: 0, olddirfd: 3, newdirfd: 4 } }),
      '+0.001000 9/10 rename "deep/a.txt" -> "../b.txt" olddirfd=3 newdirfd=4 = 0',
    );
    assert.equal(
      at({ path2: { op: 'renameat2', from: 'a', to: '/abs/b', errno: 0, flags: 1, olddirfd: 5, newdirfd: -100 } }),
      '+0.001000 9/10 rename "a" -> "/abs/b" olddirfd=5 RENAME_NOREPLACE = 0',
    );
    // symlinkat: the target is text, only the link's directory counts
    assert.equal(
      at({ path2: { op: 'symlinkat', from: 'b.txt', to: 'lnk', errno: 0, olddirfd: 7, newdirfd: 6 } }),
      '+0.001000 9/10 symlink "b.txt" -> "lnk" newdirfd=6 = 0',
    );
    assert.equal(
      at({ path: { op: 'unlinkat', path: 'x.o', dirfd: 8, flags: 0, mode: 0, errno: 0 } }),
      '+0.001000 9/10 unlink "x.o" dirfd=8 = 0',
    );
    assert.equal(at({ lost: { count: 3, reason: 'pair_map' } }), '+0.001000 9/10 lost 3 pair_map');
    assert.equal(
      at({ process: { proc: 3, pid: 9, parent: 0, start_ts: 0, end_ts: 0, exit_code: -1, signal: 15, exe: '', argv: [], cwd: '' } }),
      `+0.001000 9/10 process 3 parent=0 pid=9 ? [] signal=SIGTERM start=-5.000000 end=-5.000000`,
    );
    assert.equal(formatText({ ts: HEADER.start_ts - 2_500, pid: 1, tid: 1 }, HEADER), '-0.000002 1/1 unknown event');
  });

  it("shows control characters and bytes that are not UTF-8 in the shell's $'…' form, as every text output of bt does", () => {
    const at = (ev: Partial<LogRecord>): string =>
      formatText(decoded({ ts: HEADER.start_ts + 1_000_000, pid: 9, tid: 10, ...ev }), HEADER);
    // a byte 0xFF in a name reads U+DCFF (log/bytes.ts)
    assert.equal(
      at({ open: { path: 'a\udcffb', dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat' } }),
      "+0.001000 9/10 open O_RDONLY $'a\\xffb' = 3",
    );
    assert.equal(
      at({ exec: { path: '/usr/bin/printf', argv: ['printf', 'esc\u001b[31mred', 'two\nlines'], env: [], cwd: '/tmp/we\udcfeird', errno: 0, op: 'execve', uid: 0, gid: 0 } }),
      "+0.001000 9/10 exec /usr/bin/printf [printf $'esc\\x1b[31mred' $'two\\nlines'] cwd=$'/tmp/we\\xfeird'",
    );
    assert.equal(
      at({ path2: { op: 'rename', from: 'tab\there', to: "it's\u007f", errno: 0, flags: 0 } }),
      "+0.001000 9/10 rename $'tab\\there' -> $'it\\'s\\x7f' = 0",
    );
    assert.equal(
      formatHeaderText({ ...HEADER, command: ['printf', '%s', 'a\udcffb'], cwd: '/src' }).split(': ')[1],
      "printf %s $'a\\xffb' cwd=/src uid=1000 gid=1000 pid=1234 env=yes",
    );
    // the same form bt summary and the other text outputs show
    assert.equal(quoteArg('a\udcffb'), "$'a\\xffb'");
  });

  it('decodes open flags symbolically', () => {
    assert.deepEqual(openFlagNames(0, 'generic'), ['O_RDONLY']);
    assert.deepEqual(openFlagNames(2 | 0o4000 | 0o2000, 'generic'), ['O_RDWR', 'O_APPEND', 'O_NONBLOCK']);
    assert.deepEqual(openFlagNames(0o10000000 | 0o400000 | 0o2000000, 'generic'), ['O_RDONLY', 'O_NOFOLLOW', 'O_CLOEXEC', 'O_PATH']);
    assert.deepEqual(openFlagNames(0o200000 | 0o2000000, 'generic'), ['O_RDONLY', 'O_DIRECTORY', 'O_CLOEXEC']);
    assert.deepEqual(openFlagNames(0o40000 | 0o2000000, 'arm'), ['O_RDONLY', 'O_DIRECTORY', 'O_CLOEXEC']);
    assert.deepEqual(openFlagNames(0o200000 | 0o100000, 'arm'), ['O_RDONLY', 'O_NOFOLLOW', 'O_DIRECT']);
    assert.deepEqual(openFlagNames(0o40000, 'generic'), ['O_RDONLY', 'O_DIRECT']);
    // O_TMPFILE = __O_TMPFILE | O_DIRECTORY; O_SYNC = __O_SYNC | O_DSYNC
    assert.deepEqual(openFlagNames(0o20200000 | 2, 'generic'), ['O_RDWR', 'O_TMPFILE']);
    assert.deepEqual(openFlagNames(0o20040000 | 2, 'arm'), ['O_RDWR', 'O_TMPFILE']);
    assert.deepEqual(openFlagNames(0o4010000 | 1, 'generic'), ['O_WRONLY', 'O_SYNC']);
    assert.deepEqual(openFlagNames(0o10000 | 1, 'generic'), ['O_WRONLY', 'O_DSYNC']);
    assert.deepEqual(openFlagNames(0o100 | 0o200 | 1 | 0x80000000, 'generic'), ['O_WRONLY', 'O_CREAT', 'O_EXCL', '0x80000000']);
  });

  it('names signals', () => {
    assert.equal(signalName(9), 'SIGKILL');
    assert.equal(signalName(15), 'SIGTERM');
    assert.equal(signalName(99), 'signal 99');
  });
});

describe('dump JSON', () => {
  it('has stable field names for every record type', () => {
    assert.deepEqual(
      sampleRecords().map((r) => toJson(decoded(r), HEADER)),
      EXPECTED_JSON,
    );
    // same for plain objects (fields not set read as their defaults)
    assert.deepEqual(
      sampleRecords().map((r) => toJson(r, HEADER)),
      EXPECTED_JSON,
    );
  });

  it('adds the normalize fields when set', () => {
    const [open, rename, proc] = normalizedRecords().map((r) => toJson(decoded(r), HEADER)) as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(open!).slice(0, 10), ['type', 'ts', 'pid', 'tid', 'proc', 'seq', 'abspath', 'access', 'access_names', 'path']);
    assert.equal(open!.abspath, '/src/foo.c');
    assert.deepEqual(open!.access_names, ['read']);
    // the bits by name, in bit order; bt sql's events keep the number alone
    const write = { ...decoded(normalizedRecords()[0]!), access: 2 | 4 | 8 | 64 };
    assert.deepEqual((toJson(write, HEADER) as { access_names: string[] }).access_names, ['write', 'create', 'truncate', 'append']);
    assert.match(formatText(write, HEADER), / access=write\|create\|truncate\|append$/);
    assert.equal('access_names' in toJson(write, HEADER, false), false);
    assert.equal(rename!.type, 'rename');
    assert.equal(rename!.abspath2, '/src/a');
    assert.deepEqual(proc, {
      type: 'process',
      ts: 5003200000,
      pid: 1235,
      tid: 1235,
      proc: 7,
      parent: 1,
      start_ts: 5000001000,
      end_ts: 5003200000,
      exit_code: 0,
      signal: 0,
      exe: '/usr/bin/cc',
      argv: ['cc', '-c', 'foo.c'],
      cwd: '/src',
    });
  });

  it('reports errno as a positive number whatever the sign in the log', () => {
    const j = toJson({ ts: 1, pid: 1, tid: 1, open: { path: 'x', dirfd: -100, flags: 0, mode: 0, fd: -1, errno: -2, op: 'open' } }) as { errno: number };
    assert.equal(j.errno, 2);
  });

  it('serializes the header and trailer', () => {
    assert.deepEqual(headerToJson(HEADER), {
      type: 'header',
      format_version: 1,
      bt_version: '0.1.0',
      kernel_release: '6.1.0-test-amd64',
      hostname: 'testhost',
      clock: 'CLOCK_BOOTTIME',
      boot_to_wall_ns: 1_700_000_000_000_000_000,
      command: ['make', '-j2'],
      cwd: '/src',
      uid: 1000,
      gid: 1000,
      options: { env: 'yes' },
      start_ts: 5_000_000_000,
      normalized: false,
      root_pid: 1234,
      source: '',
    });
    assert.deepEqual(trailerToJson({ ...TRAILER, records: 3, counts: { open: 3 }, lost: {}, leftover: [] }), {
      type: 'trailer',
      end_ts: 5_004_000_000,
      exit_status: 0,
      exit_code: 0,
      exit_signal: 0,
      records: 3,
      counts: { open: 3 },
      lost: {},
      leftover: [],
    });
  });

  it('types path operations by family', () => {
    const t = (r: Partial<LogRecord>) => displayType({ ts: 0, pid: 0, tid: 0, ...r });
    assert.equal(t({ path: { op: 'unlink', path: '', dirfd: 0, errno: 0 } }), 'unlink');
    assert.equal(t({ path: { op: 'unlinkat', path: '', dirfd: 0, errno: 0, flags: 0x200 } }), 'rmdir');
    assert.equal(t({ path: { op: 'mkdirat', path: '', dirfd: 0, errno: 0 } }), 'mkdir');
    assert.equal(t({ path2: { op: 'renameat', from: '', to: '', errno: 0 } }), 'rename');
    assert.equal(t({ path2: { op: 'link', from: '', to: '', errno: 0 } }), 'link');
    assert.equal(t({ path2: { op: 'symlinkat', from: '', to: '', errno: 0 } }), 'symlink');
    assert.equal(t({}), 'unknown');
  });
});

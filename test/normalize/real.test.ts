/**
 * bt normalize on real traces of the test programs (eBPF, as root): every
 * record gets the right process, absolute path(s) and access class,
 * computed here from what each program is documented to do
 * (test-programs/*.c): dirfd-relative calls, chdir and fchdir, symlink
 * creation, fd duplication, pipes, threads, exec chains, failed execs and
 * a real C build. Synthetic logs (normalize.test.ts) cover pid reuse,
 * out-of-order records and lost events.
 *
 * Log files are normalized by the fast path (raw.ts: records stay encoded
 * in the window and are written back as their bytes plus the normalize
 * fields); in-memory records by the object path. Both must give the same
 * records: checked here on synthetic logs (disorder, the external sort,
 * stale normalize fields, lost records, a torn tail) and on a real build.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RecordType, type LogHeader, type LogRecord } from '../../src/log/schema.js';
import { Access } from '../../src/normalize/access.js';
import { LogReader } from '../../src/log/reader.js';
import { LogWriter } from '../../src/log/writer.js';
import { formatNs } from '../../src/present/format.js';
import {
  formatSummary,
  normalizedHeader,
  normalizeFile,
  normalizeRecords,
  normalizeStream,
  type NormalizeOptions,
  type NormalizeSummary,
} from '../../src/normalize/normalize.js';
import { PassThroughWriter, RawLogSource } from '../../src/normalize/raw.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, isStartupNoise, loadLog, prog, REPO, tmpdir, trace, type Loaded } from '../helpers/trace.js';
import { cBuildTrace, O_CREAT, O_WRONLY, tempDir } from './synth.js';

const R = Access.READ;
const W = Access.WRITE;
const CREATE = Access.CREATE;
const TRUNC = Access.TRUNCATE;
const FAILED = Access.FAILED;
const DIR = Access.DIRECTORY;
const EXCL = Access.EXCL;
const ENOENT = 2;
const EACCES = 13;

interface Normalized {
  raw: string;
  file: string;
  log: Loaded;
  summary: NormalizeSummary;
  /** Event records (no ProcessInfo). */
  events: LogRecord[];
  /** ProcessInfo records. */
  procs: Array<NonNullable<LogRecord['process']>>;
}

/** Traces COMMAND for real, normalizes the log with normalizeFile and loads the result. */
async function traceNormalized(command: string[], opts: { cwd?: string } = {}): Promise<Normalized> {
  const t = await trace(command, opts);
  assert.equal(t.code, 0, `${command.join(' ')} failed: ${t.stderr}`);
  const file = t.file.replace(/\.trace$/, '.norm.trace');
  const summary = normalizeFile(t.file, file);
  const log = loadLog(file);
  assert.ok(log.complete, 'the normalized log is complete');
  assert.equal(log.header.normalized, true);
  assert.equal(summary.incomplete, false);
  assert.equal(summary.lostEvents, 0, 'nothing was lost');
  assert.equal(summary.unresolved, 0, `every path resolved: ${summary.warnings.join('; ')}`);
  return {
    raw: t.file,
    file,
    log,
    summary,
    events: log.records.filter((r) => !r.process),
    procs: log.records.filter((r) => r.process).map((r) => r.process!),
  };
}

/** Every record is in time order, numbered, and belongs to a known process. */
function assertWellFormed(n: Normalized): void {
  const ids = new Set(n.procs.map((p) => Number(p.proc)));
  assert.equal(ids.size, n.procs.length, 'one ProcessInfo per process');
  let last = 0;
  for (const r of n.log.records) {
    assert.ok(r.ts >= last, 'time order');
    last = r.ts;
    if (r.lost) continue;
    assert.ok(r.proc && ids.has(Number(r.proc)), `record at ${r.ts} has a known proc`);
  }
}

/** The records of one program after start-up: not the loader's opens (or their closes). */
function programRecords(n: Normalized, proc = 1): LogRecord[] {
  const noise = new Set<string>();
  const out: LogRecord[] = [];
  for (const r of n.events) {
    if (Number(r.proc) !== proc) continue;
    if (r.open && isStartupNoise(r)) {
      if (r.abspath) noise.add(r.abspath);
      continue;
    }
    if (r.close && r.abspath && noise.has(r.abspath)) continue;
    out.push(r);
  }
  return out;
}

type Row = [string, string | undefined, string | undefined, number | undefined, number | undefined];

/** [type, abspath, abspath2, access, errno] of file-related records. */
function rows(records: LogRecord[], types = ['open', 'close', 'chdir', 'path', 'path2', 'dup', 'pipe']): Row[] {
  const out: Row[] = [];
  for (const r of records) {
    const type = ['open', 'close', 'chdir', 'path', 'path2', 'dup', 'pipe', 'exec'].find((k) => (r as unknown as Record<string, unknown>)[k] !== undefined);
    if (!type || !types.includes(type)) continue;
    const ev = (r as unknown as Record<string, { errno?: number }>)[type];
    out.push([type, r.abspath || undefined, r.abspath2 || undefined, type === 'open' ? r.access : undefined, ev.errno || undefined]);
  }
  return out;
}

ebpfTest('opens: dirfd-relative, after chdir, after fchdir, through a new symlink, probes, creat, openat2', async () => {
  const d = tmpdir();
  const n = await traceNormalized([prog('opens'), d]);
  assertWellFormed(n);
  assert.equal(n.summary.processes, 1);
  assert.deepEqual(rows(programRecords(n)), [
    // (a) absolute, created and truncated
    ['open', `${d}/a.txt`, undefined, W | CREATE | TRUNC, undefined],
    ['close', `${d}/a.txt`, undefined, undefined, undefined],
    // (b) the directory as a dirfd, then a file relative to it
    ['open', d, undefined, R | DIR, undefined],
    ['open', `${d}/b.txt`, undefined, W | CREATE | EXCL, undefined],
    ['close', `${d}/b.txt`, undefined, undefined, undefined],
    // (c) relative to the new cwd
    ['chdir', d, undefined, undefined, undefined],
    ['open', `${d}/a.txt`, undefined, R, undefined],
    ['close', `${d}/a.txt`, undefined, undefined, undefined],
    // (d) mkdir relative to the cwd; chdir /; fchdir back; sub/.. folded
    ['path', `${d}/sub`, undefined, undefined, undefined],
    ['chdir', '/', undefined, undefined, undefined],
    ['chdir', d, undefined, undefined, undefined],
    ['open', `${d}/b.txt`, undefined, R, undefined],
    ['close', `${d}/b.txt`, undefined, undefined, undefined],
    // (e) the symlink's path is the link (its target text stays as passed); opened through it
    ['path2', undefined, `${d}/link.txt`, undefined, undefined],
    ['open', `${d}/link.txt`, undefined, R, undefined],
    ['close', `${d}/link.txt`, undefined, undefined, undefined],
    // (f) probes of missing files, relative to the cwd and to the dirfd
    ['open', `${d}/missing.h`, undefined, R | FAILED, ENOENT],
    ['open', `${d}/nodir/x.h`, undefined, R | FAILED, ENOENT],
    // (g) creat: write, create, truncate
    ['open', `${d}/c.txt`, undefined, W | CREATE | TRUNC, undefined],
    ['close', `${d}/c.txt`, undefined, undefined, undefined],
    // (h) openat2 relative to the dirfd
    ['open', `${d}/a.txt`, undefined, R, undefined],
    ['close', `${d}/a.txt`, undefined, undefined, undefined],
    ['close', d, undefined, undefined, undefined],
  ]);
  const symlink = programRecords(n).find((r) => r.path2);
  assert.equal(symlink?.path2?.from, 'a.txt', 'the link text is kept as passed');
  const mkdir = programRecords(n).find((r) => r.path);
  assert.equal(mkdir?.path?.path, 'sub', 'the path as passed stays available');
  assert.equal(n.summary.failedOpens, 2 + n.events.filter((r) => r.open && r.open.fd < 0 && isStartupNoise(r)).length);
  const p = n.procs[0];
  assert.equal(p.exe, prog('opens'));
  assert.deepEqual(p.argv, [prog('opens'), d]);
  assert.equal(p.exit_code, 0);
});

ebpfTest('fsops: mkdir, rename, link, symlink, unlink, rmdir on absolute paths (symlinkat relative to a dirfd)', async () => {
  const d = tmpdir();
  const n = await traceNormalized([prog('fsops'), d]);
  assertWellFormed(n);
  assert.deepEqual(rows(programRecords(n)), [
    ['open', d, undefined, R | DIR, undefined],
    ['path', `${d}/d`, undefined, undefined, undefined],
    ['path', `${d}/d/e`, undefined, undefined, undefined],
    ['open', `${d}/f`, undefined, W | CREATE, undefined],
    ['close', `${d}/f`, undefined, undefined, undefined],
    ['path2', `${d}/f`, `${d}/g`, undefined, undefined],
    ['path2', `${d}/g`, `${d}/d/h`, undefined, undefined],
    ['path2', `${d}/d/h`, `${d}/hl`, undefined, undefined],
    ['path2', `${d}/hl`, `${d}/hl2`, undefined, undefined],
    ['path2', undefined, `${d}/sl`, undefined, undefined],
    ['open', `${d}/d`, undefined, R | DIR, undefined],
    ['path2', undefined, `${d}/d/sl2`, undefined, undefined],
    ['path', `${d}/hl`, undefined, undefined, undefined],
    ['path', `${d}/hl2`, undefined, undefined, undefined],
    ['path', `${d}/d/e`, undefined, undefined, undefined],
    ['path', `${d}/missing`, undefined, undefined, ENOENT],
    ['close', `${d}/d`, undefined, undefined, undefined],
    ['close', d, undefined, undefined, undefined],
  ]);
  const links = programRecords(n).filter((r) => r.path2 && r.path2.op.startsWith('symlink'));
  assert.deepEqual(links.map((r) => r.path2!.from), ['d/h', '../g'], 'link texts as passed');
  assert.equal(n.summary.pathOps, 12);
});

ebpfTest('fds: dup, dup2, dup3, fcntl, pipes and close_range keep the fd table right', async () => {
  const d = tmpdir();
  const n = await traceNormalized([prog('fds'), d]);
  assertWellFormed(n);
  const recs = programRecords(n);
  const pipes = recs.filter((r) => r.pipe).map((r) => r.abspath);
  assert.equal(pipes.length, 2);
  for (const p of pipes) assert.match(p ?? '', /^pipe:\[\d+\]$/);
  assert.notEqual(pipes[0], pipes[1]);
  const [p1, p2] = pipes;
  const x = `${d}/x`;
  assert.deepEqual(rows(recs), [
    ['open', x, undefined, W | CREATE, undefined],
    ['dup', x, undefined, undefined, undefined], // dup
    ['dup', x, undefined, undefined, undefined], // dup2
    ['dup', x, undefined, undefined, undefined], // dup3
    ['dup', x, undefined, undefined, undefined], // F_DUPFD
    ['dup', x, undefined, undefined, undefined], // F_DUPFD_CLOEXEC
    ['dup', x, undefined, undefined, undefined], // F_SETFD
    ['pipe', p1, undefined, undefined, undefined],
    ['pipe', p2, undefined, undefined, undefined],
    ['close', p1, undefined, undefined, undefined],
    ['close', p1, undefined, undefined, undefined],
    ['close', p2, undefined, undefined, undefined],
    ['close', p2, undefined, undefined, undefined],
    ['close', undefined, undefined, undefined, undefined], // close_range(20, 21): a range, no single path
    ['close', x, undefined, undefined, undefined],
    ['close', x, undefined, undefined, undefined], // the dup
    ['close', x, undefined, undefined, undefined], // the F_DUPFD copy
    ['close', x, undefined, undefined, undefined], // the F_DUPFD_CLOEXEC copy
  ]);
  assert.equal(n.summary.pipes, 2);
});

ebpfTest('extra-ops: mkdirat, renameat, unlinkat(AT_REMOVEDIR) relative to a dirfd; execveat through an inherited fd', async () => {
  const d = tmpdir();
  const n = await traceNormalized([prog('extra-ops'), d]);
  assertWellFormed(n);
  const recs = programRecords(n);
  const execAt = recs.findIndex((r) => r.exec?.op === 'execveat');
  assert.ok(execAt > 0, 'the execveat is recorded');
  assert.deepEqual(rows(recs.slice(0, execAt)), [
    ['open', d, undefined, R | DIR, undefined],
    ['path', `${d}/r`, undefined, undefined, undefined],
    ['open', `${d}/r1`, undefined, W | CREATE, undefined],
    ['close', `${d}/r1`, undefined, undefined, undefined],
    ['path2', `${d}/r1`, `${d}/r2`, undefined, undefined],
    ['path', `${d}/r`, undefined, undefined, undefined],
    ['open', '/bin', undefined, R | DIR, undefined],
    ['close', d, undefined, undefined, undefined],
  ]);
  const ex = recs[execAt];
  assert.equal(ex.exec?.op, 'execveat');
  assert.equal(ex.abspath, '/bin/true', 'resolved through the /bin fd');
  assert.equal(n.procs.length, 1);
  assert.equal(n.procs[0].exe, '/bin/true');
  assert.deepEqual(n.procs[0].argv, ['true', 'extra']);
  assert.equal(n.procs[0].exit_code, 0);
});

ebpfTest('forker: four processes with the right parents and exit codes', async () => {
  const n = await traceNormalized([prog('forker')]);
  assertWellFormed(n);
  assert.equal(n.summary.processes, 4);
  assert.equal(n.summary.threads, 0);
  const byCode = new Map(n.procs.map((p) => [p.exit_code, p]));
  assert.deepEqual([...byCode.keys()].sort(), [0, 1, 2, 3]);
  const main = byCode.get(0)!;
  assert.equal(Number(main.parent), 0);
  assert.equal(Number(byCode.get(1)!.parent), Number(main.proc), 'child1 of main');
  assert.equal(Number(byCode.get(2)!.parent), Number(main.proc), 'child2 of main');
  assert.equal(Number(byCode.get(3)!.parent), Number(byCode.get(1)!.proc), 'grandchild of child1');
  for (const p of n.procs) {
    assert.equal(p.exe, prog('forker'), 'forks run the parent program');
    assert.ok(p.end_ts >= p.start_ts);
  }
});

ebpfTest('threads: one process; every thread’s records belong to it', async () => {
  const d = tmpdir();
  const n = await traceNormalized([prog('threads'), d, '4']);
  assertWellFormed(n);
  assert.equal(n.summary.processes, 1);
  assert.equal(n.summary.threads, 4);
  assert.equal(n.procs.length, 1);
  const tids = new Set(n.events.map((r) => r.tid));
  assert.ok(tids.size >= 5, 'records from the main thread and the four threads');
  assert.ok(n.events.every((r) => Number(r.proc) === 1));
  const writes = n.events.filter((r) => r.open && r.abspath?.startsWith(`${d}/`));
  assert.deepEqual(writes.map((r) => r.abspath).sort(), [0, 1, 2, 3].map((i) => `${d}/thread-${i}.txt`));
  for (const r of writes) assert.equal(r.access, W | CREATE | TRUNC);
});

ebpfTest('pipeline.sh: the shell’s children are connected by pipes, writer to reader', async () => {
  const d = tmpdir();
  const n = await traceNormalized([path.join(REPO, 'test-programs', 'pipeline.sh'), d]);
  assertWellFormed(n);
  assert.equal(n.summary.processes, 4, 'sh, its fork running printf, sort and tr');
  const sh = n.procs.find((p) => Number(p.parent) === 0)!;
  const kids = n.procs.filter((p) => Number(p.parent) === Number(sh.proc));
  assert.equal(kids.length, 3);
  const sort = kids.find((p) => p.argv[0] === 'sort')!;
  const tr = kids.find((p) => p.argv[0] === 'tr')!;
  const printf = kids.find((p) => p !== sort && p !== tr)!;
  assert.equal(sort.exe, '/usr/bin/sort');
  assert.equal(printf.exe, sh.exe, 'the printf side is a fork of the shell');
  type WithPipes = { pipe_read?: number[]; pipe_write?: number[] };
  const pr = (p: object) => ((p as WithPipes).pipe_read ?? []).map(Number);
  const pw = (p: object) => ((p as WithPipes).pipe_write ?? []).map(Number);
  assert.equal(pw(printf).length, 1);
  assert.deepEqual(pr(sort), pw(printf), 'sort reads what printf writes');
  assert.equal(pw(sort).length, 1);
  assert.deepEqual(pr(tr), pw(sort), 'tr reads what sort writes');
  assert.notDeepEqual(pw(printf), pw(sort));
  assert.deepEqual(pr(sh), [], 'the shell holds no pipe end when it execs nothing');
  assert.equal(n.summary.pipes, 2);
  // tr's stdout is the redirected file
  const out = n.events.filter((r) => r.open && r.abspath === `${d}/out.txt`);
  assert.equal(out.length, 1);
  assert.equal(Number(out[0].proc), Number(tr.proc));
  assert.equal(out[0].access, W | CREATE | TRUNC);
  assert.equal(fs.readFileSync(`${d}/out.txt`, 'utf8'), 'A\nB\n');
});

ebpfTest('exec-chain: one process, five execs (/proc/self/exe resolved to the program)', async () => {
  const n = await traceNormalized([prog('exec-chain'), '4']);
  assertWellFormed(n);
  assert.equal(n.summary.processes, 1);
  const execs = n.events.filter((r) => r.exec);
  // the launcher's exec of exec-chain, then 4 of /proc/self/exe and /bin/true
  assert.equal(execs.length, 6);
  assert.equal(n.summary.execs, 6);
  assert.deepEqual(
    execs.map((r) => r.exec!.path),
    [prog('exec-chain'), '/proc/self/exe', '/proc/self/exe', '/proc/self/exe', '/proc/self/exe', '/bin/true'],
  );
  assert.deepEqual(
    execs.map((r) => r.abspath),
    [prog('exec-chain'), prog('exec-chain'), prog('exec-chain'), prog('exec-chain'), prog('exec-chain'), '/bin/true'],
  );
  assert.deepEqual(execs.map((r) => r.exec!.argv.join(' ')).slice(1), ['exec-chain 3', 'exec-chain 2', 'exec-chain 1', 'exec-chain 0', 'true done']);
  assert.ok(execs.every((r) => Number(r.proc) === 1));
  assert.equal(n.procs.length, 1);
  assert.equal(n.procs[0].exe, '/bin/true');
  assert.deepEqual(n.procs[0].argv, ['true', 'done']);
});

ebpfTest('fail-exec: failed execs are kept, with their absolute paths and errno; the process goes on', async () => {
  const d = tmpdir();
  const n = await traceNormalized([prog('fail-exec'), d]);
  assertWellFormed(n);
  const failed = n.events.filter((r) => r.exec && r.exec.errno !== 0);
  assert.deepEqual(
    failed.map((r) => [r.abspath, r.exec!.errno, r.exec!.argv]),
    [
      [`${d}/does-not-exist`, ENOENT, ['does-not-exist', 'x']],
      [`${d}/not-exec`, EACCES, ['not-exec', 'x']],
    ],
  );
  assert.equal(n.summary.failedExecs, 2);
  assert.equal(n.procs.length, 1);
  assert.equal(n.procs[0].exe, prog('fail-exec'), 'a failed exec does not change the program');
  assert.equal(n.procs[0].exit_code, 0);
  const script = n.events.find((r) => r.open && r.abspath === `${d}/not-exec`);
  assert.equal(script?.access, W | CREATE | TRUNC);
});

ebpfTest(
  'cproject (make -B -j2): each compiler process reads its source and headers and writes its object, all absolute',
  async () => {
    const cdir = path.join(REPO, 'test-programs', 'cproject');
    const n = await traceNormalized(['make', '-B', '-j2', '-C', cdir], { cwd: REPO });
    assertWellFormed(n);
    const procById = new Map(n.procs.map((p) => [Number(p.proc), p]));
    const readsOf = (proc: number) =>
      [...new Set(n.events.filter((r) => Number(r.proc) === proc && r.open && r.access === R && r.abspath?.startsWith(`${cdir}/`)).map((r) => r.abspath))].sort();
    const writesOf = (proc: number) =>
      [...new Set(n.events.filter((r) => Number(r.proc) === proc && r.open && (r.access ?? 0) & W && !((r.access ?? 0) & FAILED)).map((r) => r.abspath))]
        .filter((p) => p?.startsWith(`${cdir}/`))
        .sort();
    const headers: Record<string, string[]> = { main: ['greet.h', 'util.h'], util: ['util.h'], greet: ['greet.h', 'util.h'] };
    for (const s of ['main', 'util', 'greet']) {
      const cc = n.procs.find((p) => p.argv.join(' ') === `cc -c -o ${s}.o ${s}.c`);
      assert.ok(cc, `the compile of ${s}.c`);
      assert.equal(cc.cwd, cdir, 'make -C: the compile runs in the project directory');
      const kids = n.procs.filter((p) => Number(p.parent) === Number(cc.proc));
      const cc1 = kids.find((p) => path.basename(p.exe) === 'cc1');
      const as = kids.find((p) => path.basename(p.exe) === 'as' || p.argv[0] === 'as');
      assert.ok(cc1 && as, `cc runs cc1 and as for ${s}.c`);
      assert.deepEqual(readsOf(Number(cc1.proc)), [`${s}.c`, ...headers[s]].map((f) => `${cdir}/${f}`).sort());
      assert.deepEqual(writesOf(Number(as.proc)), [`${cdir}/${s}.o`]);
    }
    const link = n.procs.find((p) => writesOf(Number(p.proc)).includes(`${cdir}/hello`));
    assert.ok(link, 'a process writes hello');
    assert.deepEqual(readsOf(Number(link.proc)).filter((f) => f?.endsWith('.o')), ['greet.o', 'main.o', 'util.o'].map((f) => `${cdir}/${f}`));
    // the linker descends from `cc -o hello ...`
    let up = link;
    while (up && up.argv.join(' ') !== 'cc -o hello main.o util.o greet.o') up = procById.get(Number(up.parent))!;
    assert.ok(up, 'the link step runs under cc -o hello');
    assert.ok(n.procs.every((p) => p.exit_code === 0));
  },
  120_000,
);

ebpfTest('bt dump --json of a normalized log shows proc and abspath', async () => {
  const d = tmpdir();
  const n = await traceNormalized([prog('opens'), d]);
  const r = await bt(['dump', '--json', n.file]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0].type, 'header');
  assert.equal(lines[0].normalized, true);
  assert.equal(lines[lines.length - 1].type, 'trailer');
  const recs = lines.slice(1, -1);
  assert.equal(recs.length, n.log.records.filter((x) => !x.env).length); // shared environments are shown in their execs
  for (const rec of recs) assert.equal(typeof rec.proc, 'number', `proc in ${JSON.stringify(rec).slice(0, 120)}`);
  const opens = recs.filter((x) => x.type === 'open');
  assert.ok(opens.length > 0);
  for (const o of opens) assert.match(String(o.abspath), /^\//, 'abspath in every open');
  assert.ok(opens.some((o) => o.abspath === `${d}/b.txt` && o.path === 'b.txt'), 'the path as passed and the absolute one');
  // the raw log has neither
  const raw = await bt(['dump', '--json', n.raw]);
  const rawOpen = raw.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((x) => x.type === 'open');
  assert.equal(rawOpen?.proc, undefined);
  assert.equal(rawOpen?.abspath, undefined);
});

/** Records as plain JSON, every field that is set (normalize fields included). */
function plain(records: LogRecord[]): string[] {
  return records.map((r) => JSON.stringify(RecordType.toObject(RecordType.fromObject(r), { defaults: false })));
}

/** normalizeFile (fast path) and normalizeRecords (object path) agree on `file`. */
function assertPathsAgree(file: string, opts: NormalizeOptions = {}): NormalizeSummary {
  const out = `${file}.${opts.sort ?? 'auto'}.norm`;
  const summary = normalizeFile(file, out, opts);
  const viaFile = loadLog(out);
  const raw = loadLog(file);
  const viaMemory = normalizeRecords(raw.header as LogHeader, raw.records, { ...opts, trailer: raw.trailer });
  assert.deepEqual(plain(viaFile.records), plain(viaMemory.records), `same records (${opts.sort ?? 'auto'})`);
  assert.deepEqual(summary.warnings, viaMemory.summary.warnings);
  // the trailer counts what the normalized log holds
  if (raw.trailer) {
    const t = viaFile.trailer!;
    assert.equal(Number(t.records), viaFile.records.length);
    const counts: Record<string, number> = {};
    for (const r of viaFile.records) {
      const k = Object.keys(RecordType.toObject(RecordType.fromObject(r), { defaults: false })).find((x) => RecordType.fields[x]?.partOf);
      counts[k as string] = (counts[k as string] ?? 0) + 1;
    }
    assert.deepEqual(Object.fromEntries(Object.entries(t.counts ?? {}).map(([k, v]) => [k, Number(v)])), counts);
    assert.deepEqual(Object.fromEntries(Object.entries(t.lost ?? {}).map(([k, v]) => [k, Number(v)])), summary.lostByReason);
  } else {
    assert.equal(viaFile.trailer, undefined, 'no trailer in, none out');
  }
  return summary;
}

test('the file fast path and the in-memory path give the same normalized records', () => {
  const dir = tempDir();
  const t = cBuildTrace(['a', 'b', 'c', 'd']);
  // a raw record that already carries normalize fields (stale): they must not survive
  t.open(10, 'stale.h', { fd: 9, dirfd: 42 }).abspath = '/stale/abspath';
  t.open(10, '/work/cproj/out.txt', { fd: 8, flags: O_WRONLY | O_CREAT }).proc = 77;
  t.lost(3, 'ringbuf', t.ts - 5000, t.ts);
  // nearly sorted arrival order, and one record far out of order
  const order = [...t.records];
  for (let i = 0; i + 3 < order.length; i += 5) [order[i], order[i + 3]] = [order[i + 3], order[i]];
  const file = t.write(path.join(dir, 'paths.trace'), { order });
  const s = assertPathsAgree(file);
  assert.equal(s.order.method, 'window');
  assert.ok(s.order.outOfOrder > 0);
  assert.equal(s.lostEvents, 3);
  const out = loadLog(`${file}.auto.norm`).records;
  const stale = out.find((r) => r.open?.path === 'stale.h')!;
  assert.equal(stale.abspath, undefined, 'unresolvable (unknown dirfd): the stale abspath is dropped');
  const o = out.find((r) => r.open?.path === '/work/cproj/out.txt')!;
  assert.ok(o.proc && Number(o.proc) !== 77, 'the stale proc is replaced');
  assert.equal(o.abspath, '/work/cproj/out.txt');
  // the external sort, with runs on disk
  assertPathsAgree(file, { sort: 'external', runSize: 16, tmpDir: dir });
  // a record later than the window: the window gives up, the external sort takes over
  const late = [...t.records];
  const [fork] = late.splice(late.findIndex((r) => r.fork), 1);
  late.push(fork);
  const lateFile = t.write(path.join(dir, 'late.trace'), { order: late });
  const ls = assertPathsAgree(lateFile, { windowMs: 0.001, runSize: 16, tmpDir: dir });
  assert.equal(ls.order.method, 'external');
  assert.ok(ls.lateRecord);
  // the summary states how far behind the newest record it came, which is more than the window, and the window
  const behind = ls.lateRecord.newestTs - ls.lateRecord.ts;
  assert.ok(behind > 1000, `${behind} ns behind, beyond the 1,000 ns window`);
  assert.match(formatSummary(ls), new RegExp(`^bt normalize: a record arrived ${formatNs(behind).replace('.', '\\.')} behind the newest record, beyond the 0\\.001 ms reorder window: ordered with the external sort$`, 'm'));
  // no trailer
  assertPathsAgree(t.write(path.join(dir, 'open.trace'), { trailer: false }));
  // small read chunks: records span chunks, and chunks are recycled while others are held
  for (const chunk of [64, 1000, 4096]) {
    for (const opts of [{ windowMs: 0.01 }, { maxHeld: 3 }, {}, { sort: 'external' as const, runSize: 50, tmpDir: dir }]) {
      const reader = LogReader.open(file);
      const out = path.join(dir, `chunk-${chunk}.norm`);
      let w: PassThroughWriter | undefined;
      try {
        const res = normalizeStream(
          reader.header,
          new RawLogSource(file, reader.dataOffset, chunk),
          () => {
            w = new PassThroughWriter(LogWriter.open(out, normalizedHeader(reader.header, file)));
            const sink = w;
            return { write: (r) => sink.write(r), writeRaw: (r, e) => sink.writeRaw(r, e), abort: () => sink.abort() };
          },
          opts,
        );
        (w as PassThroughWriter | undefined)?.close();
        assert.equal(res.summary.torn, undefined);
      } finally {
        reader.close();
      }
      const ref = loadLog(`${file}.auto.norm`).records;
      assert.deepEqual(plain(loadLog(out).records), plain(ref), `chunks of ${chunk} bytes, ${JSON.stringify(opts)}`);
    }
  }
});

test('the fast path reads a torn log up to the tear, like LogReader', () => {
  const dir = tempDir();
  const t = cBuildTrace(['a']);
  const file = t.write(path.join(dir, 'torn.trace'), { trailer: false });
  const size = fs.statSync(file).size;
  for (const cut of [size - 1, size - 7, Math.floor(size / 2)]) {
    const f = path.join(dir, `torn-${cut}.trace`);
    fs.copyFileSync(file, f);
    fs.truncateSync(f, cut);
    const reader = loadLog(f);
    const s = normalizeFile(f, `${f}.norm`);
    assert.deepEqual(s.torn, reader.torn, `torn at the same place (cut at ${cut})`);
    assert.equal(s.records, reader.records.length);
  }
  // a zeroed stretch in the middle
  const z = path.join(dir, 'zeroed.trace');
  const bytes = fs.readFileSync(file);
  bytes.fill(0, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64);
  fs.writeFileSync(z, bytes);
  const reader = loadLog(z);
  const s = normalizeFile(z, `${z}.norm`);
  assert.ok(reader.torn);
  assert.deepEqual(s.torn, reader.torn);
  assert.equal(s.records, reader.records.length);
  // a record whose top level is sound but whose event does not decode (found when released)
  const bad = path.join(dir, 'bad-event.trace');
  const ts = Buffer.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]); // ts = 2^42, after every other record
  const open = Buffer.from([0x6a, 0x01, 0x7f]); // Record.open (13) holding field 15 of wire type 7
  const body = Buffer.concat([ts, open]);
  fs.writeFileSync(bad, Buffer.concat([fs.readFileSync(file), Buffer.from([body.length]), body]));
  const r2 = loadLog(bad);
  assert.match(r2.torn?.reason ?? '', /does not decode/);
  const s2 = normalizeFile(bad, `${bad}.norm`);
  assert.equal(s2.torn?.offset, r2.torn?.offset);
  assert.match(s2.torn?.reason ?? '', /does not decode/);
  assert.equal(s2.records, r2.records.length);
});

ebpfTest('a real build log: the fast path and the in-memory path agree', async () => {
  const t = await trace(['make', '-B', '-j2', '-C', path.join(REPO, 'test-programs', 'cproject')], { cwd: REPO });
  assert.equal(t.code, 0, t.stderr);
  const s = assertPathsAgree(t.file);
  assert.ok(s.processes >= 13);
  assertPathsAgree(t.file, { sort: 'external', runSize: 100, tmpDir: path.dirname(t.file) });
}, 120_000);

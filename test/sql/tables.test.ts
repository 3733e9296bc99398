/**
 * The tables of bt sql on a synthetic log, cell by cell against what they
 * are made from: every events row equals bt dump --json's object of its
 * record (from/to as from_path/to_path; 64-bit times; lists; NULL for the
 * fields a record has not), accesses and files carry the model's kind
 * names, processes the model's argv; bt export parquet writes the same rows.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { toJson } from '../../src/log/dump.js';
import { exportParquet } from '../../src/export/parquet.js';
import { kindNames, loadBuild, normalized } from '../../src/model/index.js';
import { openBuildDb, TABLES } from '../../src/sql/index.js';
import { TABLE_DEFS } from '../../src/sql/tables.js';
import { cBuildTrace, O_CREAT, O_WRONLY, tempDir } from '../normalize/synth.js';

function synthLog(dir: string): string {
  const t = cBuildTrace(['a', 'b']);
  // odd strings, a rename, a failed open and a lost-events record
  t.fork(10, 90);
  t.exec(90, '/bin/sh', ['/bin/sh', '-c', 'echo "tab\there" \'new\nline\' é ✓'], '/work/cproj', { env: ['A=1', 'WEIRD=x"y\\z', 'EMPTY=', 'U=é✓'] });
  t.open(90, 'out.tmp', { fd: 3, flags: O_WRONLY | O_CREAT });
  t.close(90, 3);
  t.pathOp2(90, 'renameat2', 'out.tmp', 'out.txt', { flags: 1 });
  t.open(90, 'nope/x', { errno: 2 });
  t.lost(7, 'ring full', t.ts - 500, t.ts - 100);
  // every other record type: lookups, a listing, metadata changes, a directory, dup, pipe, chdir
  t.push(90, { lookup: { op: 'newfstatat', path: 'a.c', dirfd: -100, flags: 0x100, mode: 0, errno: 0, ftype: 8, mtime: 1_700_000_000, mtime_nsec: 5, repeats: 3 } });
  t.push(90, { lookup: { op: 'readlink', path: '/work/cproj/ln', dirfd: -100, flags: 0, mode: 0, errno: 0, ftype: 10, target: 'a.c' } });
  t.push(90, { lookup: { op: 'access', path: 'nope.h', dirfd: -100, flags: 0, errno: -2, mode: 4 } });
  t.open(90, '.', { fd: 5, flags: 0o200000 });
  t.push(90, { readdir: { op: 'getdents64', fd: 5, entries: 7, calls: 2, errno: 0, partial: true } });
  t.push(90, { meta: { op: 'fchmodat', path: 'out.txt', dirfd: -100, errno: 0, mode: 0o755 } });
  t.push(90, { meta: { op: 'fchownat', path: 'out.txt', dirfd: -100, errno: -1, uid: 1000, gid: 100 } });
  t.push(90, { meta: { op: 'truncate', path: 'out.txt', dirfd: -100, flags: 0, errno: 0, size: 2 ** 33 } });
  t.push(90, { meta: { op: 'utimensat', path: 'out.txt', dirfd: -100, errno: 0, times_now: false, atime: 1_700_000_001, atime_nsec: 7, mtime: 1_700_000_002, mtime_nsec: 9 } });
  t.pathOp(90, 'mkdirat', 'd');
  t.dup(90, 'dup2', 5, 9);
  t.pipe(90, 6, 7, 0o2000000);
  t.chdir(90, 'd', '/work/cproj/d');
  t.open(90, 'in.h', { fd: 3 });
  t.exit(90, 0);
  return t.write(path.join(dir, 'synth.trace'));
}

const EVENT_COLUMNS = Object.entries(TABLE_DEFS.events.columns);

test('events: each row is bt dump --json of its record; accesses, files and processes as in the model; parquet the same', async () => {
  const dir = tempDir('bt-sql-tables-');
  const log = synthLog(dir);
  const want: Array<Record<string, unknown>> = [];
  const types = new Set<string>();
  for (const r of normalized(log)) {
    if (r.env) continue;
    const o = toJson(r) as Record<string, unknown>;
    o.from_path = o.from;
    o.to_path = o.to;
    const row: Record<string, unknown> = {};
    for (const [c, type] of EVENT_COLUMNS) {
      const v = o[c];
      row[c] = v === undefined ? null : type === 'BIGINT' ? BigInt(v as number) : v;
    }
    want.push(row);
    for (const k of Object.keys(o)) if (k !== 'flag_names' && k !== 'access_names' && k !== 'from' && k !== 'to') assert.ok(k in TABLE_DEFS.events.columns, `bt dump --json's ${k} has a column`);
    types.add(o.type as string);
  }
  // one row of every record type the log has
  for (const ty of ['exec', 'fork', 'exit', 'open', 'close', 'rename', 'lost', 'process', 'stat', 'readlink', 'access', 'readdir', 'chmod', 'chown', 'truncate', 'utime', 'mkdir', 'dup', 'pipe', 'chdir']) {
    assert.ok(types.has(ty), `a ${ty} event`);
  }
  assert.ok(want.some((r) => r.type === 'rename' && r.from_path === 'out.tmp' && r.to_path === 'out.txt'), 'a rename among the events');
  assert.ok(want.some((r) => r.type === 'lost' && r.count === 7n && r.reason === 'ring full'));
  assert.ok(want.some((r) => (r.env as string[] | null)?.includes('WEIRD=x"y\\z')));
  const build = loadBuild(log);
  const m = build.model;
  const db = await openBuildDb([log]);
  try {
    const cols = EVENT_COLUMNS.map(([c]) => `"${c}"`).join(', ');
    const events = (await db.query(`SELECT ${cols} FROM events`)).rows.map((row) => Object.fromEntries(EVENT_COLUMNS.map(([c], j) => [c, row[j]])));
    // the same rows, in any order (seq is not set on every record)
    const key = (r: Record<string, unknown>) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    assert.deepEqual(events.map(key).sort(), want.map(key).sort());
    const [[offset]] = (await db.query('SELECT DISTINCT wall_ns - ts FROM events')).rows;
    assert.equal(offset, BigInt(Math.round(build.header.boot_to_wall_ns ?? 0)));

    const accesses = (await db.query('SELECT proc, file_id, kind, kinds, count, path FROM accesses ORDER BY proc, file_id')).rows;
    const wantAccesses = m.processes
      .flatMap((p) => [...p.files.values()].map((a) => [a.proc, a.file, kindNames(a.kinds), a.kinds, a.count, m.files[a.file].path]))
      .sort((x, y) => (x[0] as number) - (y[0] as number) || (x[1] as number) - (y[1] as number));
    assert.deepEqual(accesses, wantAccesses);
    assert.ok(accesses.some((a) => (a[2] as string[]).length > 1), 'an access of several kinds');
    const files = (await db.query('SELECT file_id, path, kind FROM files ORDER BY file_id')).rows;
    assert.deepEqual(files, m.files.map((f) => [f.id, f.path, kindNames(f.kinds)]));
    const jobs = (await db.query('SELECT job, argv, processes, inputs, outputs, written, duration_ms FROM jobs ORDER BY job')).rows;
    const wantJobs = [...build.jobs.jobs]
      .sort((x, y) => x.proc - y.proc)
      .map((j) => [j.proc, build.process(j.proc)!.argv, j.procs.length, j.inputs, j.outputs, j.written, Math.round((j.end - j.start) / 1e3) / 1e3]);
    assert.deepEqual(jobs, wantJobs);
    assert.ok(jobs.length >= 3 && jobs.some((j) => (j[4] as number[]).length > 0), 'jobs with outputs');
    const procs = (await db.query('SELECT proc, argv, exit_code FROM processes ORDER BY proc')).rows;
    assert.deepEqual(procs, m.processes.map((p) => [p.proc, p.argv, p.exitCode < 0 ? null : p.exitCode]));

    // bt export parquet: the same rows in every table
    const out = path.join(dir, 'synth.parquet.d');
    const written = (await exportParquet(log, out)).rows;
    for (const t of TABLES) {
      const [[n]] = (await db.query(`SELECT count(*) FROM ${t}`)).rows;
      assert.equal(written[t], Number(n), `${t} rows written`);
      const [[diff]] = (
        await db.query(`SELECT count(*) FROM ((SELECT * FROM ${t} EXCEPT ALL SELECT * FROM '${out}/${t}.parquet') UNION ALL (SELECT * FROM '${out}/${t}.parquet' EXCEPT ALL SELECT * FROM ${t}))`)
      ).rows;
      assert.equal(diff, 0n, `${t}: the Parquet file has the rows of bt sql`);
    }
  } finally {
    db.close();
  }
});

test('strings that are not UTF-8: DuckDB holds UTF-8 only, so each such byte is U+FFFD in every table (the export failed on such an argv)', async () => {
  const dir = tempDir('bt-sql-bytes-');
  const t = cBuildTrace(['a']);
  t.fork(10, 90);
  // 0xFF in an argument, an environment value, the cwd and a path (a lone surrogate: log/bytes.ts)
  t.exec(90, '/bin/cat', ['cat', 'n\udcff'], '/work/cproj', { env: ['X=v\udcfe'] });
  t.open(90, 'n\udcff', { fd: 3 });
  t.exit(90, 0);
  const log = t.write(path.join(dir, 'bytes.trace'));
  const out = path.join(dir, 'bytes.parquet.d');
  await exportParquet(log, out);
  const db = await openBuildDb([log]);
  try {
    const ev = (await db.query(`SELECT argv, env FROM events WHERE type = 'exec' AND argv[1] = 'cat'`)).rows;
    assert.deepEqual(ev, [[['cat', 'n\uFFFD'], ['X=v\uFFFD']]]);
    const procs = (await db.query(`SELECT argv FROM processes WHERE exe = '/bin/cat'`)).rows;
    assert.deepEqual(procs, [[['cat', 'n\uFFFD']]]);
    const files = (await db.query(`SELECT path FROM files WHERE path LIKE '/work/cproj/n%'`)).rows;
    assert.deepEqual(files, [['/work/cproj/n\uFFFD']]);
    const pq = (await db.query(`SELECT path FROM '${out}/files.parquet' WHERE path LIKE '/work/cproj/n%'`)).rows;
    assert.deepEqual(pq, [['/work/cproj/n\uFFFD']]);
  } finally {
    db.close();
  }
});

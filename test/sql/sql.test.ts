/**
 * bt export parquet and bt sql on real traces: Parquet read back through
 * DuckDB with the model's row counts (zstd, the documented columns); bt sql over
 * two different traces at once, from logs and from Parquet directories; the
 * build id stable per log. Bad input (unknown format, unwritable output,
 * broken SQL, not a log) gives one line and exit 2; outputs never follow a
 * symlink another user planted.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadBuild, normalized } from '../../src/model/index.js';
import { buildId } from '../../src/sql/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, prog, REPO, tmpdir, trace } from '../helpers/trace.js';

interface Fixture {
  dir: string;
  cproject: string;
  forker: string;
}

let fixture: Fixture | undefined;

/** One real trace of cproject (make -B -j2) and one of forker, shared by the tests below. */
async function traces(): Promise<Fixture> {
  if (fixture) return fixture;
  const dir = tmpdir('bt-sql-');
  const proj = path.join(dir, 'cproject');
  fs.mkdirSync(proj);
  for (const f of ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h']) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(proj, f));
  const c = await trace(['make', '-B', '-j2'], { cwd: proj });
  assert.equal(c.code, 0, c.stderr);
  const f = await trace([prog('forker')]);
  assert.equal(f.code, 0, f.stderr);
  fixture = { dir, cproject: c.file, forker: f.file };
  return fixture;
}

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

const REQUIRED: Record<string, string[]> = {
  builds: ['build_id', 'command', 'host', 'kernel', 'start_ns', 'duration_ms', 'exit_status'],
  processes: ['build_id', 'proc', 'parent', 'pid', 'exe', 'argv', 'cwd', 'start_ns', 'end_ns', 'exit_code', 'signal'],
  jobs: ['build_id', 'job', 'tool', 'command', 'argv', 'cwd', 'start_ns', 'end_ns', 'duration_ms', 'exit_code', 'failed', 'test', 'inputs', 'outputs'],
  files: ['build_id', 'file_id', 'path', 'is_dir', 'created', 'removed', 'role', 'place', 'mtime_ns', 'size'],
  accesses: ['build_id', 'proc', 'file_id', 'kind', 'count', 'first_ns', 'last_ns', 'noise'],
  events: ['build_id', 'ts', 'proc', 'pid', 'tid', 'type', 'path', 'errno', 'argv', 'cwd', 'flags', 'code'],
};

ebpfTest('parquet: one zstd file per table, read back by DuckDB with the model\'s row counts and the documented columns', async () => {
  const { dir, cproject } = await traces();
  const out = path.join(dir, 'cproject.parquet.d');
  const r = await bt(['export', 'parquet', cproject, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ['accesses.parquet', 'builds.parquet', 'events.parquet', 'files.parquet', 'jobs.parquet', 'processes.parquet']);
  const build = loadBuild(cproject);
  const m = build.model;
  let events = 0;
  for (const r of normalized(cproject)) if (!r.env) events++; // shared environments are in the execs, not events
  const want: Record<string, number> = {
    builds: 1,
    processes: m.processes.length,
    jobs: build.jobs.jobs.length + build.jobs.tests.length,
    files: m.files.length,
    accesses: m.processes.reduce((n, p) => n + p.files.size, 0),
    events,
  };
  for (const [t, n] of Object.entries(want)) {
    const file = path.join(out, `${t}.parquet`);
    const [row] = await duck(`SELECT count(*) AS n, count(DISTINCT build_id) AS b, min(build_id) AS id FROM read_parquet('${file}')`);
    assert.equal(Number(row.n), n, `${t} rows`);
    assert.equal(Number(row.b), 1);
    assert.equal(row.id, buildId(build.header), 'build_id derived from the header');
    const codecs = await duck(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    assert.deepEqual(codecs.map((c) => c.compression), ['ZSTD']);
    const cols = (await duck(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map((c) => c.column_name);
    for (const c of REQUIRED[t]) assert.ok(cols.includes(c), `${t}.${c}`);
  }
  // the content: make's row, the compiles' exit codes, main.o written by the job that compiled main.c
  const [b] = await duck(`SELECT command, exit_status, processes FROM read_parquet('${out}/builds.parquet')`);
  assert.deepEqual(b, { command: 'make -B -j2', exit_status: 0, processes: m.processes.length });
  const ccs = await duck(`SELECT argv, exit_code FROM read_parquet('${out}/processes.parquet') WHERE exe = '/usr/bin/cc' ORDER BY proc`);
  assert.equal(ccs.length, 4);
  assert.ok(ccs.every((p) => p.exit_code === 0));
  const writers = await duck(
    `SELECT p.argv FROM read_parquet('${out}/accesses.parquet') a JOIN read_parquet('${out}/processes.parquet') p USING (build_id, proc)
     WHERE a.path LIKE '%/main.o' AND list_contains(a.kind, 'write')`,
  );
  assert.deepEqual(writers.map((w) => (w.argv as string[])[0]), ['as'], 'as writes main.o');
  // exported again: the same build id (stable per log), and the raw log's id equals its normalized copy's
  const norm = path.join(dir, 'cproject.norm.trace');
  assert.equal((await bt(['normalize', cproject, '-o', norm])).code, 0);
  assert.equal(buildId(loadBuild(norm).header), buildId(build.header));
});

ebpfTest('bt sql over two different traces at once: logs, Parquet directories, or both; table, --json and --csv', async () => {
  const { dir, cproject, forker } = await traces();
  const q = 'SELECT b.command, count(*) AS procs, sum(CASE WHEN p.failed THEN 1 ELSE 0 END) AS failed FROM builds b JOIN processes p USING (build_id) GROUP BY ALL ORDER BY b.command';
  const json = await bt(['sql', q, cproject, forker, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const nc = loadBuild(cproject).model.processes.length;
  assert.deepEqual(json.stdout.split('\n').map((l) => JSON.parse(l)), [
    { command: prog('forker'), procs: 4, failed: 3 },
    { command: 'make -B -j2', procs: nc, failed: 0 },
  ]);
  // the same from Parquet directories, and from one of each
  const pf = path.join(dir, 'forker.pq');
  const pc = path.join(dir, 'cproject.pq');
  assert.equal((await bt(['export', 'parquet', forker, '-o', pf, '-q'])).code, 0);
  assert.equal((await bt(['export', 'parquet', cproject, '-o', pc, '-q'])).code, 0);
  assert.equal((await bt(['sql', q, pc, pf, '--json'])).stdout, json.stdout);
  assert.equal((await bt(['sql', q, cproject, pf, '--json'])).stdout, json.stdout);
  // an aligned table by default, CSV on request
  const table = await bt(['sql', q, cproject, forker]);
  assert.equal(
    table.stdout,
    [
      `command${' '.repeat(prog('forker').length - 7)}  procs  failed`,
      `${'-'.repeat(prog('forker').length)}  -----  ------`,
      `${prog('forker')}      4       3`,
      `make -B -j2${' '.repeat(prog('forker').length - 11)}  ${String(nc).padStart(5)}       0`,
      '(2 rows)',
    ].join('\n'),
  );
  const csv = await bt(['sql', 'SELECT build_id, events FROM (SELECT build_id, count(*) AS events FROM events GROUP BY ALL) ORDER BY events', forker, cproject, '--csv']);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.split('\n');
  assert.equal(lines[0], 'build_id,events');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), [buildId(loadBuild(forker).header), buildId(loadBuild(cproject).header)]);
});

test('bad input: unknown format, unwritable output, parquet without -o, broken SQL, not a log: one line, exit 2', async () => {
  const dir = tmpdir('bt-bad-');
  const notLog = path.join(dir, 'not-a-log');
  fs.writeFileSync(notLog, 'hello\n');
  const cases: Array<[string[], RegExp]> = [
    [['export', 'svg', notLog], /^bt: unknown export format 'svg': use one of compile-commands, perfetto, chrome-trace, makedeps, jsonl, parquet$/],
    [['export', 'parquet', notLog], /^bt: bt export parquet writes a directory: give it with -o DIR$/],
    [['sql', 'SELEC 1', notLog], /^bt: .*not-a-log is not a bt log \(expected a file written by bt trace\)$/],
    [['sql', 'SELECT * FROM nowhere', dir], /^bt: .* is a directory without Parquet tables/],
    [['sql', 'SELECT 1', path.join(dir, 'missing.trace')], /^bt: cannot read .*missing\.trace \(ENOENT\)/],
    // export parquet reads a log only, and says so as every other command does (not bt sql's "or a directory written by bt export parquet")
    [['export', 'parquet', '-o', path.join(dir, 'out.pq'), path.join(dir, 'missing.trace')], /^bt: cannot open \S*missing\.trace: no such file or directory \(ENOENT\); check the path$/],
    [['export', 'parquet', '-o', path.join(dir, 'out.pq'), dir], /^bt: cannot open \S*bt-bad-\w+: it is a directory, not a bt log file$/],
    [['summary', path.join(dir, 'missing.trace')], /^bt: cannot open \S*missing\.trace: no such file or directory \(ENOENT\); check the path$/],
  ];
  for (const [args, re] of cases) {
    const r = await bt(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
  assert.ok(!fs.existsSync(path.join(dir, 'out.pq')), 'no output directory for a log that cannot be opened');
});

ebpfTest('bad input on a real log: unwritable output, broken SQL; a symlink another user planted is not written through', async () => {
  const { dir, forker } = await traces();
  const cases: Array<[string[], RegExp]> = [
    [['export', 'chrome-trace', forker, '-o', path.join(dir, 'no', 'such', 'dir', 'x.json')], /^bt: cannot write the export .*x\.json: .*ENOENT.*: choose another -o path$/],
    [['export', 'parquet', forker, '-o', '/proc/bt-cannot-write'], /^bt: cannot write the export directory \/proc\/bt-cannot-write: .*: files cannot be created in \/proc; choose another path$/],
    [['export', 'compile-commands', forker, '-o', dir], /^bt: cannot write the export .*: it is a directory: give a file name$/],
    [['sql', 'SELEC proc FROM processes', forker], /^bt: the query failed: Parser Error: syntax error at or near "SELEC"$/],
    [['sql', 'SELECT nosuch FROM processes', forker], /^bt: the query failed: Binder Error: Referenced column "nosuch" not found/],
  ];
  for (const [args, re] of cases) {
    const r = await bt(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  // a link another user planted at the output path is not written through
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious\n');
  const link = path.join(dir, 'out.json');
  fs.symlinkSync(victim, link);
  fs.lchownSync(link, 65534, 65534);
  const r = await bt(['export', 'chrome-trace', forker, '-o', link]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr.trim(), /^bt: cannot write the export .*out\.json: it is a symbolic link: .*(give the real path|remove it)[^:]*$/);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n');
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  // a plain path: written, readable JSON
  const ok = await bt(['export', 'chrome-trace', forker, '-o', path.join(dir, 'fine.json')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(JSON.parse(fs.readFileSync(path.join(dir, 'fine.json'), 'utf8')).traceEvents.length > 0);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.includes('.bt-')), [], 'no temporaries left');
});

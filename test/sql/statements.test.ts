/**
 * bt sql's query text, on a synthetic log: every statement runs in order
 * and each that returns rows is printed (as DuckDB's own CLI does);
 * statements without rows (CREATE, SET, INSERT) print nothing; an empty
 * query and a failing statement are one line and exit 2, and DuckDB's hint
 * (candidate bindings, "did you mean") stays on that line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { duckdbMessage, isEmptyQuery } from '../../src/sql/index.js';
import { bt, oneLineError } from '../helpers/trace.js';
import { cBuildTrace, tempDir } from '../normalize/synth.js';

const log = cBuildTrace(['a', 'b']).write(path.join(tempDir('bt-sql-statements-'), 'synth.trace'));

test('several statements: each result in order (tables and CSV apart by a blank line, JSON Lines one after another)', async () => {
  const q = "SELECT 1 AS a; SELECT 'x' AS b, 2 AS c UNION ALL SELECT 'yy', 30 ORDER BY c";
  const table = await bt(['sql', q, log]);
  assert.equal(table.code, 0, table.stderr);
  assert.equal(table.stdout, ['a', '-', '1', '(1 row)', '', 'b    c', '--  --', 'x    2', 'yy  30', '(2 rows)'].join('\n'));
  const json = await bt(['sql', q, log, '--json']);
  assert.equal(json.stdout, ['{"a":1}', '{"b":"x","c":2}', '{"b":"yy","c":30}'].join('\n'));
  const csv = await bt(['sql', q, log, '--csv']);
  assert.equal(csv.stdout, ['a', '1', '', 'b,c', 'x,2', 'yy,30'].join('\n'));
});

test('statements that return no rows print nothing; the tables a later statement names are there', async () => {
  const q = 'CREATE TEMP TABLE t AS SELECT tool, count(*) AS n FROM processes GROUP BY tool; INSERT INTO t VALUES (\'zz\', 0); SET threads = 1; SELECT tool, n FROM t ORDER BY tool';
  const r = await bt(['sql', q, log]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, ['tool  n', '----  -', 'as    2', 'cc    3', 'cc1   2', 'ld    1', 'make  1', 'sh    3', 'zz    0', '(7 rows)'].join('\n'));
  const none = await bt(['sql', 'CREATE TEMP TABLE u AS SELECT 1 AS x;', log]);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, '');
});

test('an empty query (nothing, blanks, comments, semicolons): one line, exit 2', async () => {
  for (const q of ['', '   \n', '  -- nothing here\n', '/* nor here */ ;', ';;', '/* nested /* comment */ */']) {
    oneLineError(await bt(['sql', q, log]), /^bt: the query is empty: give one or more SQL statements, e\.g\. bt sql "SELECT tool, count\(\*\) FROM processes GROUP BY tool" LOG$/);
  }
});

test('a failing statement: the results before it are printed, then one line naming it, exit 2', async () => {
  const r = await bt(['sql', 'SELECT 1 AS a; SELECT nosuch FROM builds; SELECT 3', log]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, ['a', '-', '1', '(1 row)'].join('\n'));
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^bt: the query failed at statement 2 of 3: Binder Error: Referenced column "nosuch" not found in FROM clause; Candidate bindings: /);
  // a syntax error anywhere: nothing runs
  oneLineError(await bt(['sql', 'SELECT 1; SELEC 2', log]), /^bt: the query failed: Parser Error: syntax error at or near "SELEC"$/);
});

test("DuckDB's hint stays on the error's one line: candidate bindings, did you mean, candidate functions (shortened)", async () => {
  oneLineError(await bt(['sql', 'SELECT toool FROM processes', log]), /^bt: the query failed: Binder Error: Referenced column "toool" not found in FROM clause; Candidate bindings: "tool", "exit_code", "duration_ms", "job"$/);
  oneLineError(await bt(['sql', 'SELECT lenght(tool) FROM processes', log]), /^bt: the query failed: Catalog Error: Scalar Function with name lenght does not exist; Did you mean "length"\?$/);
  const r = await bt(['sql', 'SELECT sum(tool) FROM processes', log]);
  oneLineError(r, /^bt: the query failed: Binder Error: No function matches the given name and argument types 'sum\(VARCHAR\)'\. You might need to add explicit type casts; Candidate functions: sum\(DECIMAL\) -> DECIMAL, sum\(BOOLEAN\) -> HUGEINT, .*…$/);
  assert.ok(r.stderr.trimEnd().length <= 300, `shortened: ${r.stderr}`);
});

test('duckdbMessage: the message and its hint on one line, without the query excerpt; isEmptyQuery', () => {
  assert.equal(
    duckdbMessage('Binder Error: Referenced column "toool" not found in FROM clause!\nCandidate bindings: "tool"\n\nLINE 1: SELECT toool FROM processes\n               ^'),
    'Binder Error: Referenced column "toool" not found in FROM clause; Candidate bindings: "tool"',
  );
  assert.equal(duckdbMessage('Failed to extract statements: Parser Error: syntax error at or near "SELEC"\n\nLINE 1: SELEC 1\n        ^'), 'Parser Error: syntax error at or near "SELEC"');
  assert.equal(duckdbMessage('Binder Error: Column "x" does not exist on left side of join!'), 'Binder Error: Column "x" does not exist on left side of join!');
  const fns = Array.from({ length: 12 }, (_, i) => `\tf(T${i}) -> BIGINT`).join('\n');
  assert.equal(
    duckdbMessage(`Binder Error: No function matches 'f(VARCHAR)'. Add casts.\n\tCandidate functions:\n${fns}\n\n\nLINE 1: SELECT f('x')\n               ^`),
    "Binder Error: No function matches 'f(VARCHAR)'. Add casts; Candidate functions: f(T0) -> BIGINT, f(T1) -> BIGINT, f(T2) -> BIGINT, f(T3) -> BIGINT, f(T4) -> BIGINT, …",
  );
  for (const q of ['', ' \n\t', '-- x', '/* a */;\n-- b\n;', '/* unterminated']) assert.ok(isEmptyQuery(q), JSON.stringify(q));
  for (const q of ['SELECT 1', "/* a */ SELECT '--'", '-- x\nSELECT 1', "SELECT '/*'"]) assert.ok(!isEmptyQuery(q), JSON.stringify(q));
});

test('a query reads and writes no file but the logs and directories given: COPY TO, read_csv, ATTACH and INSTALL are refused in one line', async () => {
  const out = path.join(tempDir('bt-sql-copy-'), 'x.csv');
  for (const q of [`COPY (SELECT 1) TO '${out}'`, "SELECT * FROM read_csv('/etc/passwd')", `ATTACH '${out}.db'`, 'INSTALL httpfs']) {
    const r = await bt(['sql', q, log]);
    assert.equal(r.code, 2, `${q}: ${r.stderr}`);
    assert.equal(r.stderr.split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^bt: .*: bt sql reads only the logs and Parquet directories given and writes only to stdout \(--csv, --json\)$/);
  }
  assert.ok(!fs.existsSync(out) && !fs.existsSync(`${out}.db`));
  assert.match((await bt(['sql', 'INSTALL httpfs', log])).stderr, /^bt: the query is an INSTALL statement: /, 'named as typed (DuckDB types it LOAD)');
  // what bt itself reads and writes still works: a log, and an exported directory beside it
  const dir = path.join(path.dirname(out), 'pq');
  assert.equal((await bt(['export', 'parquet', '-q', log, '-o', dir])).code, 0);
  const both = await bt(['sql', 'SELECT count(*) FROM processes', log, dir, '--csv']);
  assert.equal(both.code, 0, both.stderr);
  assert.equal(both.stdout.trim().split('\n').length, 2);
  // a directory given to read is not one to write (DuckDB's allowed directories are writable): COPY, EXPORT and CALL are refused by type
  const before = fs.readFileSync(path.join(dir, 'builds.parquet'));
  for (const q of [`COPY (SELECT 1) TO '${dir}/builds.parquet' (FORMAT csv)`, `COPY (SELECT 1) TO '${dir}/w.csv'`, `EXPORT DATABASE '${dir}/db'`, `CALL enable_logging(storage = 'file', storage_path = '${dir}/log.csv')`]) {
    const r = await bt(['sql', q, dir]);
    assert.equal(r.code, 2, `${q}: ${r.stderr}`);
    assert.match(r.stderr, /^bt: the query is an? (COPY|EXPORT|CALL) statement: bt sql reads only/, q);
  }
  assert.deepEqual(fs.readFileSync(path.join(dir, 'builds.parquet')), before);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['accesses.parquet', 'builds.parquet', 'events.parquet', 'files.parquet', 'jobs.parquet', 'processes.parquet']);
});

test('one build given twice (a log and its own export) is counted twice, with a note saying so', async () => {
  const dir = path.join(tempDir('bt-sql-twice-'), 'pq');
  const exp = await bt(['export', 'parquet', log, '-o', dir]);
  assert.equal(exp.code, 0, exp.stderr);
  assert.match(exp.stderr, /^bt export: 1 build, \d+ processes, \d+ jobs, \d+ files, \d+ accesses, \d+ events written to /, 'one build, in the singular');
  const twice = await bt(['sql', 'SELECT count(DISTINCT build_id) AS b, count(*) AS n FROM builds', log, dir, '--csv']);
  assert.equal(twice.code, 0, twice.stderr);
  assert.equal(twice.stdout.trim(), 'b,n\n1,2');
  assert.match(twice.stderr, new RegExp(`^bt sql: note: build [0-9a-f]{16} is in ${log.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} and ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: its rows count twice$`));
  const once = await bt(['sql', 'SELECT count(*) FROM builds', log, '--csv']);
  assert.equal(once.stderr, '');
});

test('SHOW TABLES and information_schema list the six tables of the build, not bt\'s look-up tables', async () => {
  const show = await bt(['sql', 'SHOW TABLES', log, '--csv']);
  assert.equal(show.code, 0, show.stderr);
  assert.equal(show.stdout, 'name\naccesses\nbuilds\nevents\nfiles\njobs\nprocesses');
  const info = await bt(['sql', 'SELECT table_name FROM information_schema.tables ORDER BY 1', log, '--csv']);
  assert.equal(info.stdout, 'table_name\naccesses\nbuilds\nevents\nfiles\njobs\nprocesses');
});

test('values print as DuckDB prints them: nanosecond timestamps, dates, intervals, blobs; maps and lists as JSON; in a table, CSV and JSON', async () => {
  const q = "SELECT make_timestamp_ns(1796120662166145222) AS t, DATE '2024-01-02' AS d, INTERVAL 3 HOUR AS i, '\\x01x'::BLOB AS b, MAP {'k': 'v'} AS m, [1, 2] AS l, 12.30::DECIMAL(10,2) AS n";
  const csv = await bt(['sql', q, log, '--csv']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout, 't,d,i,b,m,l,n\n2026-12-01 10:24:22.166145222,2024-01-02,03:00:00,\\x01x,"{""k"":""v""}","[1,2]",12.30');
  const json = await bt(['sql', q, log, '--json']);
  assert.deepEqual(JSON.parse(json.stdout), { t: '2026-12-01 10:24:22.166145222', d: '2024-01-02', i: '03:00:00', b: '\\x01x', m: { k: 'v' }, l: [1, 2], n: 12.3 });
  const table = await bt(['sql', q, log]);
  assert.match(table.stdout, /^2026-12-01 10:24:22\.166145222  2024-01-02  03:00:00  \\x01x  \{"k":"v"\}  \[1,2\]  12\.30$/m);
});

test('the tables a query names: words outside literals and comments; a look at the catalog names them all', async () => {
  const { tablesNamed } = await import('../../src/sql/index.js');
  assert.deepEqual(tablesNamed("SELECT path FROM files WHERE path LIKE '%/show/%' -- events"), ['files']);
  assert.deepEqual(tablesNamed('SHOW TABLES').length, 6);
  assert.deepEqual(tablesNamed('SELECT 1; describe processes').length, 6);
  assert.deepEqual(tablesNamed('SELECT table_name FROM information_schema.tables').length, 6);
  assert.deepEqual(tablesNamed("SELECT 'describe' AS x FROM builds"), ['builds']);
});

test("a table bt does not have: bt's tables named (not DuckDB's catalog), the nearest suggested, a query's own table too", async () => {
  const tables = "bt's tables are builds, processes, jobs, files, accesses, events \\(bt sql --help lists their columns\\)";
  oneLineError(await bt(['sql', 'SELECT * FROM jobz', log]), new RegExp(`^bt: the query failed: no table jobz: ${tables}; did you mean jobs\\?$`));
  oneLineError(await bt(['sql', 'SELECT count(*) FROM proceses', log]), new RegExp(`^bt: the query failed: no table proceses: ${tables}; did you mean processes\\?$`));
  oneLineError(await bt(['sql', 'SELECT * FROM nosuch', log]), new RegExp(`^bt: the query failed: no table nosuch: ${tables}$`));
  const own = await bt(['sql', 'CREATE TEMP TABLE mine AS SELECT 1 AS x; SELECT * FROM mien', log]);
  assert.equal(own.code, 2);
  assert.equal(own.stderr.trim(), `bt: the query failed at statement 2 of 2: no table mien: ${tables.replaceAll('\\', '')}; did you mean mine?`);
  // an unknown column keeps DuckDB's candidate bindings
  oneLineError(await bt(['sql', 'SELECT rol FROM files', log]), /^bt: the query failed: Binder Error: Referenced column "rol" not found in FROM clause; Candidate bindings: "role", /);
});

test('a directory exported before the jobs table: no table jobs, said so; beside a log, a note that its build is missing from jobs', async () => {
  const dir = path.join(tempDir('bt-sql-old-'), 'pq');
  assert.equal((await bt(['export', 'parquet', log, '-o', dir, '-q'])).code, 0);
  fs.rmSync(path.join(dir, 'jobs.parquet'));
  oneLineError(await bt(['sql', 'SELECT count(*) FROM jobs', dir]), new RegExp(`^bt: the query failed: no table jobs in ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: it was written by an earlier bt export parquet; export the log again, or give the log$`));
  const other = cBuildTrace(['x']).write(path.join(tempDir('bt-sql-other-'), 'other.trace'));
  const r = await bt(['sql', 'SELECT count(*) AS n FROM jobs', other, dir, '--csv']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, (await bt(['sql', 'SELECT count(*) AS n FROM jobs', other, '--csv'])).stdout, 'the jobs of the log alone');
  // (the synthetic builds share a header: the note that one build is in both sources comes first)
  assert.equal(r.stderr.trimEnd().split('\n').at(-1), `bt sql: note: ${dir} has no jobs table (written by an earlier bt export parquet): jobs lacks its build; export the log again`);
});

test('bt sql --help: every table with every column, the notes of columns that exist, and the example queries', async () => {
  const { COLUMN_NOTES, columnNames, EXAMPLES } = await import('../../src/sql/docs.js');
  const { TABLES } = await import('../../src/sql/index.js');
  const help = (await bt(['sql', '--help'])).stdout;
  for (const t of TABLES) {
    const cols = columnNames(t);
    for (const c of Object.keys(COLUMN_NOTES[t])) assert.ok(cols.includes(c), `${t}.${c} has a note and exists`);
    const line = help.split('\n')[help.split('\n').findIndex((l) => l.startsWith(`  ${t}: `)) + 1].trim();
    if (t !== 'events') for (const c of cols) assert.match(line, new RegExp(`(^|, )${c}( \\(|,|$)`), `${t}.${c} in --help`);
  }
  assert.deepEqual(columnNames('jobs').slice(0, 4), ['build_id', 'job', 'tool', 'command']);
  for (const e of EXAMPLES) assert.ok(help.includes(`bt sql "${e.sql}" ${e.args}`), e.what);
  // each example runs on a log (here the synthetic one)
  for (const e of EXAMPLES) {
    const r = await bt(['sql', e.sql, log, log]);
    assert.equal(r.code, 0, `${e.what}: ${r.stderr}`);
  }
});

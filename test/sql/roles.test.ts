/**
 * bt sql's files.role and files.place, its jobs table, accesses.noise and
 * the --help examples, on real traces of the C project (make -B -j2): the
 * roles give bt summary's groups file for file, the jobs its jobs (and,
 * on make check of test-programs/checkproject, its tests), and each
 * example query its exact answer (the fourth over two exported builds with
 * util.h edited in between, as bt diff reports it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadBuild } from '../../src/model/index.js';
import { shellJoin } from '../../src/present/format.js';
import { EXAMPLES } from '../../src/sql/docs.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';

interface Fixture {
  dir: string;
  proj: string;
  /** make -B -j2, then the same after util.h grew by a line. */
  before: string;
  after: string;
}

let fixture: Fixture | undefined;

async function traces(): Promise<Fixture> {
  if (fixture) return fixture;
  const dir = tmpdir('bt-sql-roles-');
  const proj = path.join(dir, 'cproject');
  fs.mkdirSync(proj);
  for (const f of ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h']) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(proj, f));
  const a = await trace(['make', '-B', '-j2'], { cwd: proj });
  assert.equal(a.code, 0, a.stderr);
  fs.appendFileSync(path.join(proj, 'util.h'), '/* edited */\n');
  const b = await trace(['make', '-B', '-j2'], { cwd: proj });
  assert.equal(b.code, 0, b.stderr);
  fixture = { dir, proj, before: a.file, after: b.file };
  return fixture;
}

/** bt sql's rows as objects (--json). */
async function sql(query: string, ...sources: string[]): Promise<Array<Record<string, unknown>>> {
  const r = await bt(['sql', query, ...sources, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout ? r.stdout.split('\n').map((l) => JSON.parse(l)) : [];
}

const sorted = (xs: unknown[]) => [...xs].map(String).sort();

ebpfTest("files.role and files.place are bt summary's groups, file for file; GROUP BY role gives its counts", async () => {
  const { proj, before } = await traces();
  const s = JSON.parse((await bt(['summary', '--json', before])).stdout);
  const rows = await sql('SELECT role, place, path FROM files', before);
  const abs = (p: string) => (p.startsWith('/') ? p : path.join(proj, p));
  const paths = (role: string, place?: string) => sorted(rows.filter((r) => r.role === role && (!place || r.place === place)).map((r) => r.path));
  for (const place of ['tree', 'system', 'elsewhere']) assert.deepEqual(paths('input', place), sorted(s.inputs[place].map(abs)), `inputs ${place}`);
  assert.deepEqual(paths('output'), sorted(s.outputs.map(abs)));
  assert.deepEqual(paths('intermediate'), sorted(s.intermediates.map(abs)));
  assert.ok(s.inputs.tree.length === 6 && s.outputs.length === 1, 'the sources, the Makefile and hello');
  // the counts a natural query gives are summary's
  const counts = Object.fromEntries((await sql('SELECT role, count(*) AS n FROM files GROUP BY role', before)).map((r) => [r.role, r.n]));
  assert.equal(counts.input, s.inputs.tree.length + s.inputs.system.length + s.inputs.elsewhere.length);
  assert.equal(counts.output, s.outputs.length);
  assert.equal(counts.intermediate, s.intermediates.length);
  assert.equal(counts.temporary ?? 0, s.temporaries);
  assert.equal(counts.probe, s.probe_count);
  // what summary leaves out is named: runtime noise, directories, and nothing else is an input
  const noise = paths('noise');
  for (const p of ['/etc/ld.so.cache']) assert.ok(noise.includes(p), `${p} is noise`);
  // of the tree, only a shared library the linker's loader looked for there (libgcc_s.so.1 from the linker's search) is noise
  for (const p of noise.filter((x) => x.startsWith(`${proj}/`))) assert.match(p, /\.so(\.\d+)*$/);
  assert.ok(paths('directory').includes(proj));
  assert.deepEqual(sorted(Object.keys(counts).filter((k) => !['input', 'output', 'intermediate', 'temporary', 'probe', 'noise', 'directory', 'alias', 'other'].includes(k))), []);
});

ebpfTest("make && make check: jobs.test tells summary's tests from its jobs; files.role 'test' is what the tests wrote; Parquet the same", async () => {
  const dir = path.join(tmpdir('bt-sql-tests-'), 'checkproject');
  fs.cpSync(path.join(REPO, 'test-programs', 'checkproject'), dir, { recursive: true });
  const t = await trace(['sh', '-c', 'make -j2 && make check'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const s = JSON.parse((await bt(['summary', '--json', t.file])).stdout);
  const q = 'SELECT command FROM jobs WHERE test ORDER BY start_ns';
  const tests = await sql(q, t.file);
  // before: no row for them, though processes.job named them
  assert.deepEqual(tests.map((r) => r.command), ["/bin/sh -c './calc > test.out'", '/bin/sh -c \'test "$(cat test.out)" = 9\'', "/bin/sh -c './calc > calc.log 2>&1'", "grep -q 9 calc.log"]);
  assert.equal(s.test_count, 4);
  const [n] = await sql('SELECT count(*) FILTER (WHERE NOT test) AS jobs, count(*) FILTER (WHERE test) AS tests FROM jobs', t.file);
  assert.deepEqual(n, { jobs: s.job_count, tests: s.test_count });
  // every process in a job or a test has its row
  const [orphans] = await sql('SELECT count(*) AS n FROM processes p WHERE p.job > 0 AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.build_id = p.build_id AND j.job = p.job)', t.file);
  assert.equal(orphans.n, 0);
  const files = await sql("SELECT path, removed FROM files WHERE role = 'test' ORDER BY path", t.file);
  assert.deepEqual(files, [
    { path: path.join(dir, 'calc.log'), removed: false },
    { path: path.join(dir, 'test.out'), removed: true },
  ]);
  assert.deepEqual(files.map((f) => f.path), sorted([...s.test_files, ...s.test_files_removed].map((p: string) => path.resolve(dir, p))));
  const pq = path.join(dir, '..', 'check.pq');
  assert.equal((await bt(['export', 'parquet', t.file, '-o', pq, '-q'])).code, 0);
  assert.deepEqual(await sql(q, pq), tests);
  assert.deepEqual(await sql("SELECT path, removed FROM files WHERE role = 'test' ORDER BY path", pq), files);
});

ebpfTest("jobs: one row per job of the model, the slowest as summary's; inputs and outputs are file ids of the files table", async () => {
  const { proj, before } = await traces();
  const s = JSON.parse((await bt(['summary', '--json', before])).stdout);
  const [n] = await sql('SELECT count(*) AS n, count(*) FILTER (WHERE failed) AS failed FROM jobs', before);
  assert.deepEqual(n, { n: s.job_count, failed: 0 });
  assert.equal(s.job_count, 4, 'three compiles and the link');
  const [slowest] = EXAMPLES;
  const jobs = await sql(slowest.sql, before);
  assert.deepEqual(
    jobs.map((j) => j.command),
    s.jobs.map((j: { argv: string[] }) => shellJoin(j.argv)),
  );
  // bt sql's duration is in µs (ms with 3 decimals), summary's in whole ms: rounding the former again may land 1 ms off at a .5
  const summaryMs = s.jobs.map((j: { duration_ms: number }) => j.duration_ms) as number[];
  jobs.forEach((j, i) => assert.ok(Math.abs((j.duration_ms as number) - summaryMs[i]) <= 0.5005, `${String(j.duration_ms)} ms in bt sql, ${summaryMs[i]} in summary`));
  // the compile of main.c: its processes, what it read of the tree, what it left
  const [main] = await sql(
    `SELECT j.processes, j.failed_processes, j.exit_code,
            (SELECT list(f.path ORDER BY f.path) FROM files f WHERE f.build_id = j.build_id AND list_contains(j.inputs, f.file_id) AND f.place = 'tree') AS tree_inputs,
            (SELECT list(f.path ORDER BY f.path) FROM files f WHERE f.build_id = j.build_id AND list_contains(j.outputs, f.file_id)) AS outputs
       FROM jobs j WHERE j.command = 'cc -c -o main.o main.c'`,
    before,
  );
  assert.deepEqual(main, {
    processes: 3, // cc, cc1, as
    failed_processes: 0,
    exit_code: 0,
    tree_inputs: ['greet.h', 'main.c', 'util.h'].map((f) => path.join(proj, f)),
    outputs: [path.join(proj, 'main.o')],
  });
  // processes.job and accesses.job name the job
  const [m] = await sql("SELECT count(*) AS n FROM jobs j JOIN processes p USING (build_id, job) WHERE j.command = 'cc -c -o main.o main.c'", before);
  assert.equal(m.n, 3);
});

ebpfTest('the --help examples on a real build: files read by several jobs without noise, what wrote into /tmp, inputs changed between two builds', async () => {
  const { dir, proj, before, after } = await traces();
  const [, shared, tmpWriters, changed] = EXAMPLES;
  // headers included by several compiles; no loader cache, no libc (read by every process's loader, a link input of ld's only)
  const rows = await sql(shared.sql, before);
  const tree = rows.filter((r) => (r.path as string).startsWith(`${proj}/`));
  assert.deepEqual(tree, [
    { path: path.join(proj, 'util.h'), jobs: 3 },
    { path: path.join(proj, 'greet.h'), jobs: 2 },
  ]);
  assert.ok(rows.some((r) => r.path === '/usr/include/stdio.h' && r.jobs === 3), 'stdio.h, by the three compiles');
  for (const r of rows) assert.doesNotMatch(r.path as string, /^\/(proc|sys|dev)\/|\/ld\.so\.cache$|\.so(\.\d+)*$/, `${r.path} is runtime noise`);
  const raw = await sql(shared.sql.replace(' AND NOT noise', ''), before);
  assert.ok(raw.some((r) => /\/libc\.so\.6$/.test(r.path as string)), 'without the filter, libc.so.6 is read by every job');

  // the compilers' temporaries (the build tree is under /tmp too: not counted)
  const writers = await sql(tmpWriters.sql, before);
  assert.ok(writers.length > 0);
  const build = loadBuild(before);
  const tools = new Set(writers.map((w) => w.tool));
  assert.ok(tools.has('cc1'), 'cc1 writes its assembly to /tmp/ccXXXXXX.s');
  for (const w of writers) for (const p of w.paths as string[]) assert.match(p, /^\/tmp\/cc[^/]+$/);
  const cc1 = build.model.processes.filter((p) => p.argv[0]?.endsWith('cc1')).map((p) => p.proc);
  assert.deepEqual(sorted(writers.filter((w) => w.tool === 'cc1').map((w) => w.proc)), sorted(cc1));

  // util.h grew by a line between the builds: exactly it, from its exported tables
  const pa = path.join(dir, 'before.pq');
  const pb = path.join(dir, 'after.pq');
  assert.equal((await bt(['export', 'parquet', before, '-o', pa, '-q'])).code, 0);
  assert.equal((await bt(['export', 'parquet', after, '-o', pb, '-q'])).code, 0);
  const diff = await sql(changed.sql, pa, pb);
  const utilA = loadBuild(before).file(path.join(proj, 'util.h'))!;
  const utilB = loadBuild(after).file(path.join(proj, 'util.h'))!;
  assert.equal(diff.length, 1, JSON.stringify(diff));
  assert.equal(diff[0].path, path.join(proj, 'util.h'));
  assert.equal(diff[0].size_after, (diff[0].size_before as number) + '/* edited */\n'.length);
  assert.deepEqual([diff[0].size_before, diff[0].size_after], [utilA.size, utilB.size]);
  const { mtimeNs } = await import('../../src/sql/tables.js');
  const [times] = await sql(`SELECT list(mtime_ns ORDER BY b.start_ns) AS t FROM files JOIN builds b USING (build_id) WHERE path = '${utilA.path}'`, pa, pb);
  assert.deepEqual(times.t, [String(mtimeNs(utilA.mtime)), String(mtimeNs(utilB.mtime))], 'mtime_ns: the model\'s, as JSON strings beyond 2^53');
  // the same in either order of the directories, and as bt diff tells it
  assert.deepEqual(await sql(changed.sql, pb, pa), diff);
  const d = JSON.parse((await bt(['diff', '--json', before, after])).stdout);
  assert.deepEqual(
    d.inputs_changed.map((c: { path: string }) => c.path),
    ['util.h'],
  );
});

test('files.mtime_ns is the model\'s "sec.nsec" in ns, exactly (beyond 2^53)', async () => {
  const { mtimeNs } = await import('../../src/sql/tables.js');
  assert.equal(mtimeNs('1796164315.279180020'), 1796164315279180020n);
  assert.equal(mtimeNs('5.000000001'), 5000000001n);
  assert.equal(mtimeNs(undefined), null);
});

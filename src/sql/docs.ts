/**
 * What bt sql --help says about the tables: each table's columns, by the
 * names the tables really have (TABLE_DEFS: a test checks every note is of
 * a column that exists), with a note where the name alone does not say
 * enough; and the example queries a build engineer asks first.
 */
import { TABLE_DEFS, TABLES, type TableName } from './tables.js';

/** What a table's rows are. */
const ROWS: Record<TableName, string> = {
  builds: 'one row per log',
  processes: 'one row per process',
  jobs: "one row per job: a command a build driver (make, ninja, cargo, …) ran, with its subprocesses; what bt summary counts as jobs, and as tests (test)",
  files: 'one row per path the build used',
  accesses: 'one row per process and file it used',
  events: 'one row per record of the log, as bt dump --json prints it (ts is the log\'s clock, wall_ns the wall clock)',
};

/** Notes on columns, by table; the others are said by their names. */
export const COLUMN_NOTES: Record<TableName, Record<string, string>> = {
  builds: { command: 'shell-quoted', exit_status: 'NULL without a trailer', failed: 'failed processes' },
  processes: {
    parent: '0 for the root',
    tool: "the program's name",
    argv: 'a list',
    exit_code: 'NULL if unknown',
    job: "the job's id (jobs.job), 0 for a driver",
  },
  jobs: {
    job: 'its root process (processes.proc); processes.job and accesses.job name it',
    command: "the root's argv, shell-quoted",
    duration_ms: 'until its last process ended',
    exit_code: "its root's",
    failed: 'its root failed (exit status or signal)',
    probe: "a failed probe: the build did not care (bt summary's failed probes; the others that failed are its failed jobs)",
    test: "a test, not one of the build's jobs: what ctest ran, a make check recipe that ran a program the build made and left only logs (bt summary's tests; WHERE NOT test gives its jobs)",
    processes: 'how many',
    failed_processes: 'of them, how many failed',
    inputs: 'file ids (files.file_id) it read and did not make itself',
    outputs: 'file ids it wrote that are there at the end',
    written: 'file ids it wrote',
    test_result: "a test's result: PASS or FAIL by its exit; automake's harness: PASS, FAIL, SKIP, XFAIL, XPASS or ERROR as test-driver read its test; NULL for a job, and for the recipe gathering test-suite.log",
  },
  files: {
    kind: 'every kind of use, a list (read, write, stat, …)',
    role:
      "bt summary's group: input, output, intermediate, temporary, test (written by the tests alone: their logs, what they left or removed), probe; " +
      'else noise (runtime noise summary leaves out), ' +
      'directory, alias (a /bin name of a /usr file on a merged /usr: the /usr row has the role) or other (only looked at)',
    place: 'tree (under the start directory), system (/usr, /lib*, /etc, /opt, …) or elsewhere',
    mtime_ns: 'modification time the build first found (NULL if none)',
    size: 'size an open first found (NULL if none)',
  },
  accesses: {
    job: 'the job of the process (jobs.job), 0 for a driver',
    kind: 'list of read, write, create, truncate, delete, probe, exec, dir, stat, list, meta, rename_from, rename_to, link_from, checksum',
    kinds: 'the same as bits',
    noise:
      "runtime noise, as bt summary leaves it out: the loader, shared libraries, /proc, /sys, /dev, locale data; not a linker's read of a library it links",
  },
  events: {},
};

/** A table's final column names (from its select: `x AS name`, or the name itself). */
export function columnNames(t: TableName): string[] {
  return TABLE_DEFS[t].select.map((e) => /\bAS (\w+)$/.exec(e)?.[1] ?? e);
}

/** The queries of bt sql --help's examples (and the README's), each with what it answers and the sources it is given. */
export const EXAMPLES: ReadonlyArray<{ what: string; sql: string; args: string }> = [
  {
    what: 'the 10 slowest jobs',
    sql: 'SELECT duration_ms, exit_code, command FROM jobs ORDER BY duration_ms DESC LIMIT 10',
    args: 'build.trace',
  },
  {
    what: 'files read by more than one job, runtime noise left out',
    sql:
      "SELECT path, count(DISTINCT job) AS jobs FROM accesses WHERE job > 0 AND list_contains(kind, 'read') AND NOT noise " +
      'GROUP BY build_id, path HAVING count(DISTINCT job) > 1 ORDER BY jobs DESC, path',
    args: 'build.trace',
  },
  {
    what: 'which processes wrote into /tmp (not into a build tree that is under /tmp)',
    sql:
      'SELECT p.proc, p.tool, count(*) AS files, list(f.path ORDER BY f.path) AS paths FROM accesses a JOIN processes p USING (build_id, proc) ' +
      "JOIN files f USING (build_id, file_id) WHERE f.path LIKE '/tmp/%' AND f.place <> 'tree' " +
      "AND list_has_any(a.kind, ['write', 'create', 'truncate', 'rename_to']) GROUP BY build_id, p.proc, p.tool ORDER BY build_id, p.proc",
    args: 'build.trace',
  },
  {
    what: "the tree's inputs that changed between two builds of one tree (give both builds)",
    sql:
      "WITH i AS (SELECT b.start_ns, f.path, f.mtime_ns, f.size FROM files f JOIN builds b USING (build_id) WHERE f.role = 'input' AND f.place = 'tree') " +
      'SELECT a.path, make_timestamp_ns(a.mtime_ns) AS before, make_timestamp_ns(b.mtime_ns) AS after, a.size AS size_before, b.size AS size_after ' +
      'FROM i a JOIN i b ON a.path = b.path AND a.start_ns < b.start_ns WHERE a.mtime_ns IS DISTINCT FROM b.mtime_ns OR a.size IS DISTINCT FROM b.size ORDER BY a.path',
    args: 'before.parquet.d after.parquet.d',
  },
];

/** bt sql --help's text after the options: the tables, their columns, examples. */
export function sqlHelp(): string {
  const out = ['', 'Tables (every table has build_id; *_ns columns are wall-clock ns since the epoch):'];
  for (const t of TABLES) {
    const notes = COLUMN_NOTES[t];
    const cols = t === 'events' ? ['build_id', 'seq', 'ts', 'wall_ns', 'proc', 'pid', 'tid', 'type', 'path', 'abspath', '… every field of bt dump --json'] : columnNames(t);
    out.push(`  ${t}: ${ROWS[t]}`);
    out.push(`    ${cols.map((c) => (notes[c] ? `${c} (${notes[c]})` : c)).join(', ')}`);
  }
  out.push('', 'Examples:');
  for (const e of EXAMPLES) out.push(`  # ${e.what}`, `  bt sql "${e.sql}" ${e.args}`);
  return out.join('\n');
}

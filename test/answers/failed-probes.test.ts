/**
 * Failed probes on REAL traces (eBPF, as root): a job that failed while the
 * build did not care (it succeeded, the job's driver went on, nothing the
 * build kept came of the job: model/failures.ts) is a failed probe, not a
 * failed job, in bt summary's text and JSON; a failure that left a file,
 * fed one the build kept, stopped its driver or failed the build stays a
 * failed job. bt graph draws a failed probe's processes grey and dashed,
 * not red.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import { nodeByLabel, parseDot } from '../graph/dot-parse.js';

/** A directory with good.c (compiles) and bad.c (does not), and these scripts. */
function project(scripts: Record<string, string>): string {
  const dir = tmpdir('bt-probes-');
  fs.writeFileSync(path.join(dir, 'good.c'), 'int good(void) { return 1; }\n');
  fs.writeFileSync(path.join(dir, 'bad.c'), 'int bad(void) { return nope; }\n');
  for (const [name, text] of Object.entries(scripts)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** bt summary of `sh SCRIPT` traced in `dir`: the JSON and the text; and how bt graph draws a process (by its label's start). */
async function summaryOf(dir: string, script: string) {
  const t = await trace(['sh', script], { cwd: dir });
  const j = await bt(['summary', t.file, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const text = await bt(['summary', t.file]);
  assert.equal(text.code, 0, text.stderr);
  const dot = await bt(['graph', t.file, '--processes-only', '--collapse', 'none']);
  assert.equal(dot.code, 0, dot.stderr);
  const g = parseDot(dot.stdout);
  const drawn = (label: string) => {
    const a = g.nodes.get(nodeByLabel(g, label))!;
    return { label: a.label, style: a.style, color: a.color, fillcolor: a.fillcolor };
  };
  // bt sql's jobs table says the same: which jobs failed, and which of them were probes
  const sql = await bt(['sql', 'SELECT command, failed, probe FROM jobs WHERE failed ORDER BY job', t.file, '--json']);
  assert.equal(sql.code, 0, sql.stderr);
  const rows = sql.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { command: string; failed: boolean; probe: boolean });
  const failedRows = rows.map((r) => [r.command, r.probe]);
  return { code: t.code, json: JSON.parse(j.stdout), text: text.stdout, drawn, failedRows };
}

/** A failed job's or probe's fields that do not depend on timing. */
const fields = (j: any) => ({ argv: j.argv, exit_code: j.exit_code, signal: j.signal, innermost: [j.innermost.argv[0].replace(/.*\//, ''), j.innermost.exit_code] });

ebpfTest('bt summary: in a build that succeeded, failed jobs whose driver went on and that left nothing the build kept are failed probes, not failed jobs', async () => {
  const dir = project({
    // go's flag check (output to /dev/null), then configure's (its message in conftest.err, which grep reads into
    // conftest.er1, both removed), then the build's real compile
    'probe.sh': [
      'cc -c bad.c -o /dev/null 2>/dev/null',
      // the job's own redirection (a redirection of the script's own is the script's: the driver's)
      "sh -c 'cc -c bad.c 2>conftest.err'",
      "grep -v '^ *+' conftest.err >conftest.er1",
      'rm -f conftest.err conftest.er1',
      'cc -c good.c -o good.o',
      '',
    ].join('\n'),
  });
  const s = await summaryOf(dir, 'probe.sh');
  assert.equal(s.code, 0);
  assert.equal(s.json.exit_status, 0);
  assert.deepEqual(s.json.failed_jobs, []);
  assert.deepEqual(s.json.failed_probes.map(fields), [
    { argv: ['cc', '-c', 'bad.c', '-o', '/dev/null'], exit_code: 1, signal: 0, innermost: ['cc1', 1] },
    { argv: ['sh', '-c', 'cc -c bad.c 2>conftest.err'], exit_code: 1, signal: 0, innermost: ['cc1', 1] },
  ]);
  const keys = Object.keys(s.json);
  assert.equal(keys[keys.indexOf('failed_jobs') + 1], 'failed_probes', 'beside failed_jobs');
  const lines = s.text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('processes: '));
  assert.match(lines[at], /^processes: \d+ \(5 failed\); jobs: 5 \(2 failed probes\); average parallelism [\d.]+$/);
  assert.deepEqual(lines.slice(at + 1, at + 6), [
    '',
    'failed probes (2): jobs that failed while the build went on and succeeded, and nothing it kept came of them:',
    `  cc -c bad.c -o /dev/null  (exit 1, proc ${s.json.failed_probes[0].proc})`,
    `  sh -c 'cc -c bad.c 2>conftest.err'  (exit 1, proc ${s.json.failed_probes[1].proc})`,
    '',
  ]);
  assert.doesNotMatch(s.text, /failed jobs/);
  assert.deepEqual(s.failedRows, [
    ['cc -c bad.c -o /dev/null', true],
    ["sh -c 'cc -c bad.c 2>conftest.err'", true],
  ]);
  assert.deepEqual(s.drawn('cc -c bad.c -o /dev/null'), { label: 'cc -c bad.c -o /dev/null\nexit 1 (failed probe)', style: 'rounded,filled,dashed', color: undefined, fillcolor: '#f1f3f4' });
});

ebpfTest('bt summary: a failure that left a file, fed one the build kept or stopped its driver stays a failed job, even in a build that succeeded', async () => {
  const dir = project({
    Makefile: 'all:\n\tcc -c bad.c -o /dev/null\n',
    'kept.sh': [
      // it left part.txt, which the build kept
      "sh -c 'echo partial >part.txt; exit 1'",
      // it wrote msg.txt, removed, but cp made saved.txt of it
      "sh -c 'echo oops >msg.txt; exit 1'",
      'cp msg.txt saved.txt',
      'rm -f msg.txt',
      // make stopped on it (and failed); the script went on
      'make -s 2>/dev/null',
      'exit 0',
      '',
    ].join('\n'),
  });
  const s = await summaryOf(dir, 'kept.sh');
  assert.equal(s.code, 0);
  assert.deepEqual(s.json.failed_probes, []);
  assert.deepEqual(s.json.failed_jobs.map(fields), [
    { argv: ['sh', '-c', 'echo partial >part.txt; exit 1'], exit_code: 1, signal: 0, innermost: ['sh', 1] },
    { argv: ['sh', '-c', 'echo oops >msg.txt; exit 1'], exit_code: 1, signal: 0, innermost: ['sh', 1] },
    { argv: ['cc', '-c', 'bad.c', '-o', '/dev/null'], exit_code: 1, signal: 0, innermost: ['cc1', 1] },
  ]);
  assert.match(s.text, /; jobs: 5 \(3 failed\); /);
  assert.doesNotMatch(s.text, /failed probe/);
});

ebpfTest('bt summary: in a build that failed, a failed job is a failed job, even one that wrote only to /dev/null', async () => {
  const dir = project({ 'fail.sh': 'cc -c good.c -o good.o && cc -c bad.c -o /dev/null\n' });
  const s = await summaryOf(dir, 'fail.sh');
  assert.equal(s.code, 1);
  assert.equal(s.json.exit_status, 1);
  assert.deepEqual(s.json.failed_probes, []);
  assert.deepEqual(s.json.failed_jobs.map(fields), [{ argv: ['cc', '-c', 'bad.c', '-o', '/dev/null'], exit_code: 1, signal: 0, innermost: ['cc1', 1] }]);
  const lines = s.text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('processes: '));
  assert.match(lines[at], /; jobs: 2 \(1 failed\); /);
  assert.deepEqual(lines.slice(at + 1, at + 4), ['', 'failed jobs (1):', `  cc -c bad.c -o /dev/null  (exit 1, proc ${s.json.failed_jobs[0].proc})`]);
  assert.deepEqual(s.drawn('cc -c bad.c -o /dev/null'), { label: 'cc -c bad.c -o /dev/null\nexit 1', style: 'rounded,filled', color: '#c5221f', fillcolor: '#fce8e6' });
  assert.match(lines[at + 4], new RegExp(`^    innermost failure: cc1 bad\\.c .*  \\(exit 1, proc ${s.json.failed_jobs[0].innermost.proc}\\)$`));
});

/** A CMake project with a negative check_include_file (a try-compile that fails) and a main.c that does (`broken`) or does not compile. */
function cmakeProject(broken: boolean): string {
  const dir = tmpdir('bt-probes-cmake-');
  fs.writeFileSync(
    path.join(dir, 'CMakeLists.txt'),
    'cmake_minimum_required(VERSION 3.10)\nproject(p C)\ninclude(CheckIncludeFile)\ncheck_include_file(nonexistent_xyz.h HAVE_X)\nadd_executable(app main.c)\n',
  );
  fs.writeFileSync(path.join(dir, 'main.c'), broken ? 'int main(void) { return nope; }\n' : 'int main(void) { return 0; }\n');
  return dir;
}

ebpfTest("bt summary: CMake's failing try-compile is a failed probe (its ninja failed in a scratch directory cmake removed); a real compile error stays a failed job", async () => {
  const probe = /^\/usr\/bin\/cc +-o CMakeFiles\/cmTC_[0-9a-f]+\.dir\/CheckIncludeFile\.c\.o -c \/.*\/CMakeFiles\/CMakeScratch\/TryCompile-\w+\/CheckIncludeFile\.c$/;
  const compile = /^\/usr\/bin\/cc +-MD -MT CMakeFiles\/app\.dir\/main\.c\.o .* -c \/.*\/main\.c$/;
  const run = async (broken: boolean, script: string) => {
    const t = await trace(['sh', '-c', script], { cwd: cmakeProject(broken) });
    const j = await bt(['summary', t.file, '--json']);
    assert.equal(j.code, 0, j.stderr);
    const text = await bt(['summary', t.file]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split('\n');
    return { code: t.code, json: JSON.parse(j.stdout), lines, at: lines.findIndex((l) => l.startsWith('processes: ')) };
  };
  const cmake = 'cmake -G Ninja -S . -B build >/dev/null';
  // the build succeeds: cmake, its 3 try-compile jobs, the compile and the link; the failed try-compile is a failed probe
  const ok = await run(false, `${cmake} && ninja -C build >/dev/null`);
  assert.equal(ok.code, 0);
  assert.deepEqual(ok.json.failed_jobs, []);
  assert.equal(ok.json.failed_probes.length, 1);
  assert.equal(ok.json.failed_probes[0].argv[0], '/bin/sh');
  assert.match(ok.json.failed_probes[0].argv[2], probe);
  assert.match(ok.lines[ok.at], /^processes: \d+ \(\d+ failed\); jobs: 6 \(1 failed probe\); average parallelism [\d.]+$/);
  assert.equal(ok.lines[ok.at + 3], 'failed probes (1): jobs that failed while the build went on and succeeded, and nothing it kept came of them:');
  assert.match(ok.lines[ok.at + 4], /^  sh -c 'cc -o …\/CheckIncludeFile\.c\.o -c …\/CheckIncludeFile\.c'  \(exit 1, proc \d+\)$/);

  // main.c does not compile, and the script ignores ninja's failure: its failed driver ran in build/, still there
  const ignored = await run(true, `${cmake} && ninja -C build >/dev/null 2>&1; exit 0`);
  assert.equal(ignored.code, 0);
  assert.deepEqual(
    ignored.json.failed_jobs.map((f: any) => compile.test(f.argv[2])),
    [true],
  );
  assert.deepEqual(
    ignored.json.failed_probes.map((f: any) => probe.test(f.argv[2])),
    [true],
  );
  assert.match(ignored.lines[ignored.at], /; jobs: 5 \(1 failed; 1 failed probe\); /);

  // the build fails: every failed job is a failed job
  const failedBuild = await run(true, `${cmake} && ninja -C build >/dev/null 2>&1`);
  assert.equal(failedBuild.code, 1);
  assert.deepEqual(failedBuild.json.failed_probes, []);
  assert.deepEqual(
    failedBuild.json.failed_jobs.map((f: any) => [probe.test(f.argv[2]), compile.test(f.argv[2])]),
    [
      [true, false],
      [false, true],
    ],
  );
  assert.match(failedBuild.lines[failedBuild.at], /; jobs: 5 \(2 failed\); /);
});

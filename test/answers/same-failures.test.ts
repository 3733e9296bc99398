/**
 * bt summary's text on REAL traces (eBPF, as root): failed probes that ran
 * the same command and ended alike are one line, with how many and their
 * first procs (a kernel build's 36 `cat include/config/kernel.release`);
 * so are failed jobs, when their innermost failures are alike too; the
 * "… and N more" line counts the jobs the lines left out stand for. The
 * JSON still lists each.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

interface Failed {
  proc: number;
  argv: string[];
  innermost: { proc: number };
}

/** bt summary of COMMAND traced in a directory with these files: the exit code, the JSON, and the text's lines from the failed section on. */
async function summaryOf(files: Record<string, string>, command: string[], section: string) {
  const dir = tmpdir('bt-same-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const t = await trace(command, { cwd: dir });
  const j = await bt(['summary', t.file, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const text = await bt(['summary', t.file]);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith(section));
  assert.ok(at > 0, text.stdout);
  return { code: t.code, json: JSON.parse(j.stdout) as { failed_jobs: Failed[]; failed_probes: Failed[] }, lines: lines.slice(at, lines.indexOf('', at)) };
}

/** The procs of the failed jobs `of` that ran `argv`. */
const procsOf = (of: Failed[], argv: string[]) => of.filter((j) => JSON.stringify(j.argv) === JSON.stringify(argv)).map((j) => j.proc);

ebpfTest('bt summary: identical failed probes are one line, with how many and their first procs; "… and N more" counts the probes left out', async () => {
  const script = [
    "for i in 1 2 3 4 5 6; do sh -c 'cat missing.txt 2>/dev/null'; done",
    ...[1, 2, 3, 4, 5, 6, 6].map((n) => `sh -c 'test -e nope${n}'`),
    'echo ok > ok.txt',
    '',
  ].join('\n');
  const s = await summaryOf({ 'probe.sh': script }, ['sh', 'probe.sh'], 'failed probes');
  assert.equal(s.code, 0);
  const probes = s.json.failed_probes;
  assert.equal(probes.length, 13, 'the JSON lists each');
  const cat = procsOf(probes, ['sh', '-c', 'cat missing.txt 2>/dev/null']);
  assert.equal(cat.length, 6);
  const nope = (n: number) => procsOf(probes, ['sh', '-c', `test -e nope${n}`]);
  assert.deepEqual(s.lines, [
    'failed probes (13): jobs that failed while the build went on and succeeded, and nothing it kept came of them:',
    `  sh -c 'cat missing.txt 2>/dev/null'  (exit 1, 6 times: procs ${cat.slice(0, 3).join(', ')}, …)`,
    ...[1, 2, 3, 4].map((n) => `  sh -c 'test -e nope${n}'  (exit 1, proc ${nope(n)[0]})`),
    // nope5 once and nope6 twice: three probes on two lines
    '  … and 3 more (--json lists all)',
  ]);
});

ebpfTest('bt summary: failed jobs that ran the same command, ended alike and whose innermost failures are alike are one line', async () => {
  const makefile = ['all: a b c d e', 'a b c:', '\t@cat missing', 'd e:', '\t@cat missing || exit 4', ''].join('\n');
  const s = await summaryOf({ Makefile: makefile }, ['make', '-k', '-s'], 'failed jobs');
  assert.equal(s.code, 2);
  const jobs = s.json.failed_jobs;
  const cat = procsOf(jobs, ['cat', 'missing']);
  const shell = jobs.filter((j) => j.argv.includes('cat missing || exit 4'));
  assert.deepEqual([cat.length, shell.length], [3, 2]);
  assert.deepEqual(s.lines, [
    'failed jobs (5):',
    `  cat missing  (exit 1, 3 times: procs ${cat.join(', ')})`,
    // make ran the shell, whose cat failed: the same innermost failure twice
    `  /bin/sh -c 'cat missing || exit 4'  (exit 4, 2 times: procs ${shell.map((j) => j.proc).join(', ')})`,
    `    innermost failure: cat missing  (exit 1, 2 times: procs ${shell.map((j) => j.innermost.proc).join(', ')})`,
  ]);
});

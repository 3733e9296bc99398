/**
 * check --make on test-programs/shellexec: a recipe line that bash ends by
 * exec'ing its last command (`… && rm -f ver.tmp$$`) is still that line
 * (src/check/recipes.ts compares every program of the job's process), so
 * stamp-ver's two lines are one recipe and its second line's read of
 * ver.txt, which the first wrote, is no missing dependency; make -pnq runs
 * `nice $(MAKE)` and `env X=1 $(MAKE)` lines too (MAKE=true).
 */
import assert from 'node:assert/strict';
import { jobRef } from '../../src/check/finding.js';
import { commandOf, linePattern, matchesLine, RecipeChains } from '../../src/check/recipes.js';
import { loadBuild } from '../../src/model/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { traceProject } from '../helpers/projects.js';
import { bt } from '../helpers/trace.js';

const LINE1 = '(cat ver.in; echo built) > ver.tmp$$$$ && (cmp -s ver.tmp$$$$ ver.txt || cp ver.tmp$$$$ ver.txt) && rm -f ver.tmp$$$$';

ebpfTest('check --make: the lines of a recipe whose shell exec\'d its last command are one unit, with no false missing-dep', async () => {
  const { file } = await traceProject('shellexec');
  const b = loadBuild(file);
  const job = b.jobs.jobs.find((j) => b.process(j.proc)!.argv[0] === 'rm')!;
  assert.ok(job, 'the first line of stamp-ver is a job that ended as rm');
  const p = b.process(job.proc)!;
  // by its last program alone, the job runs no line of the recipe: that was the false finding
  assert.equal(commandOf(p.argv), `rm -f ver.tmp${p.pid}`);
  assert.ok(!matchesLine(linePattern(LINE1), commandOf(p.argv)));
  const chains = new RecipeChains(b);
  assert.deepEqual(chains.commands(job), [LINE1.replaceAll('$$', '$'), `rm -f ver.tmp${p.pid}`]);
  assert.ok(chains.runsLineOf(job, [LINE1, 'cp ver.txt $@'], {}));
  const next = b.jobs.jobs.find((j) => b.process(j.proc)!.argv.join(' ') === 'cp ver.txt stamp-ver')!;
  assert.deepEqual(
    chains.unit(next, [LINE1, 'cp ver.txt $@'], { '@': 'stamp-ver' }, () => true).map((j) => j.proc),
    [job.proc, next.proc],
  );

  // a finding names the job by the command make started: the line, not the rm it ended as
  assert.deepEqual(jobRef(b, job.proc).argv, ['/bin/bash', '-c', LINE1.replaceAll('$$', '$')]);
  assert.deepEqual(jobRef(b, next.proc).argv, ['/bin/bash', '-c', 'cp ver.txt stamp-ver']);

  const r = await bt(['check', '--make', '--json', file]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const json = JSON.parse(r.stdout) as { findings: unknown[]; checked: string[] };
  assert.deepEqual(json.findings, []);
  assert.ok(json.checked.includes('make'), `the make graph was compared: ${json.checked.join(', ')}`);
  assert.doesNotMatch(r.stderr, /make -pnq/, 'every make gave its database (the wrapped sub-makes too)');
});

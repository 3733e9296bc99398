/**
 * Process.execs on a real trace of test-programs/shellexec: a process that
 * exec'd several programs keeps them all, in order (bash given a recipe
 * line execs its last command; `nice $(MAKE)` and `env X=1 $(MAKE)` exec
 * make), and the make that a wrapper exec'd is still a driver whose lines
 * are jobs.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadBuild, programsOf, type Process } from '../../src/model/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { traceProject } from '../helpers/projects.js';

ebpfTest('a process that exec\'d several programs keeps the chain; a wrapped make still drives its jobs', async () => {
  const { dir, file } = await traceProject('shellexec');
  const b = loadBuild(file);
  const chain = (p: Process) => programsOf(p).map((x) => ({ exe: x.exe, argv: [...x.argv], cwd: x.cwd }));
  const chained = b.model.processes.filter((p) => p.execs);
  const byLast = (argv0: string, arg: string) => {
    const p = chained.find((q) => q.argv[0] === argv0 && q.argv.includes(arg));
    assert.ok(p, `a process exec'd ${argv0} … ${arg} after another program: ${JSON.stringify(chained.map(chain))}`);
    return p;
  };
  // stamp-ver's first line: bash forks for cat, cmp and cp and execs the rm itself
  const line1 = '(cat ver.in; echo built) > ver.tmp$$ && (cmp -s ver.tmp$$ ver.txt || cp ver.tmp$$ ver.txt) && rm -f ver.tmp$$';
  const rm = chained.find((q) => q.argv[0] === 'rm')!;
  assert.ok(rm, 'the first line ends as rm');
  assert.deepEqual(chain(rm), [
    { exe: '/bin/bash', argv: ['/bin/bash', '-c', line1], cwd: dir },
    { exe: '/usr/bin/rm', argv: ['rm', '-f', `ver.tmp${rm.pid}`], cwd: dir },
  ]);
  // exe, argv and cwd stay the last program's
  assert.deepEqual([rm.exe, rm.argv], ['/usr/bin/rm', ['rm', '-f', `ver.tmp${rm.pid}`]]);
  assert.ok(b.jobs.get(rm.proc), 'the line is a job');
  const cp = byLast('cp', 'stamp-ver');
  assert.deepEqual(chain(cp), [
    { exe: '/bin/bash', argv: ['/bin/bash', '-c', 'cp ver.txt stamp-ver'], cwd: dir },
    { exe: '/usr/bin/cp', argv: ['cp', 'ver.txt', 'stamp-ver'], cwd: dir },
  ]);
  // the wrappers exec make, which is a driver: each line of the sub-make is a job of its own, the wrapped make none
  const nice = byLast('make', 'lib');
  assert.deepEqual(chain(nice), [
    { exe: '/bin/bash', argv: ['/bin/bash', '-c', 'nice -n 1 make -C lib'], cwd: dir },
    { exe: '/usr/bin/nice', argv: ['nice', '-n', '1', 'make', '-C', 'lib'], cwd: dir },
    { exe: '/usr/bin/make', argv: ['make', '-C', 'lib'], cwd: dir },
  ]);
  const env = byLast('make', 'lib2');
  assert.deepEqual(chain(env), [
    { exe: '/bin/bash', argv: ['/bin/bash', '-c', 'env LIBNAME=two make -C lib2'], cwd: dir },
    { exe: '/usr/bin/env', argv: ['env', 'LIBNAME=two', 'make', '-C', 'lib2'], cwd: dir },
    { exe: '/usr/bin/make', argv: ['make', '-C', 'lib2'], cwd: dir },
  ]);
  for (const p of [rm, cp, nice, env]) {
    const ts = programsOf(p).map((x) => x.ts);
    assert.ok(ts.every((t, i) => t >= p.start && t <= p.end && (i === 0 || t > ts[i - 1])), `the execs of ${p.argv.join(' ')} in time order, in its life`);
  }
  // no other process exec'd more than one program (make runs `cat ver.txt main.txt > app.txt`'s cat in a fork of bash)
  assert.deepEqual(chained.map((p) => p.proc).sort((x, y) => x - y), [rm, cp, nice, env].map((p) => p.proc).sort((x, y) => x - y));
  const jobsUnder = (p: Process) => b.jobs.jobs.filter((j) => b.process(j.proc)!.parent === p.proc).map((j) => b.process(j.proc)!.argv.join(' '));
  assert.equal(b.jobs.get(nice.proc), undefined, 'the wrapped make is no job');
  assert.equal(b.jobs.get(env.proc), undefined, 'nor is the other');
  assert.deepEqual(jobsUnder(nice), ['cp part.in part.txt', '/bin/sh -c cat part.txt > lib.txt']);
  assert.deepEqual(jobsUnder(env), ['/bin/sh -c echo two > name.txt', '/bin/sh -c cat name.txt > lib2.txt']);
  assert.equal(path.basename(dir), 'shellexec');
});

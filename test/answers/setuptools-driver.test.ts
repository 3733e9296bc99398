/**
 * setuptools is a build driver (model/jobs.ts runsSetuptools): a Python
 * process that imported setuptools and started processes runs each compile
 * and the link as a job of its own, as make does, whoever started it (a
 * make recipe, pip's setuptools caller). A script that runs a compiler
 * without setuptools stays one job (REAL traces of test-programs/pyext,
 * eBPF, as root; /usr/bin/python3 with Debian's setuptools).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { traceProject } from '../helpers/projects.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';

interface Summary {
  job_count: number;
  jobs: Array<{ proc: number; argv: string[] }>;
  root_jobs: Array<{ proc: number; argv: string[] }>;
  outputs: string[];
  intermediates: string[];
  critical_path: Array<{ argv: string[] }>;
}

const SO = 'tinyext.cpython-311-x86_64-linux-gnu.so';
const BUILT = `build/lib.linux-x86_64-cpython-311/${SO}`;
const OBJ = (c: string) => `build/temp.linux-x86_64-cpython-311/${c}.o`;

/** The jobs' commands, shortened: the program's name and the file after -o (or the script). */
const named = (s: Summary) => s.jobs.map((j) => `${path.basename(j.argv[0]!)} ${j.argv.includes('-o') ? j.argv[j.argv.indexOf('-o') + 1] : j.argv[1]}`).sort();

ebpfTest('bt summary: setup.py build_ext in a make recipe drives its compiles and link; python3 gen.py running one cc stays a job', async () => {
  const p = await traceProject('pyext');
  const r = await bt(['summary', '--json', p.file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  const rel = (x: string) => (x.startsWith(p.dir + '/') ? x.slice(p.dir.length + 1) : x);
  // before: 2 jobs, `python3 setup.py build_ext --inplace` (with the whole C build inside) and `python3 gen.py`
  assert.equal(s.job_count, 5);
  assert.deepEqual(named(s), [
    'python3 gen.py',
    `x86_64-linux-gnu-gcc ${BUILT}`,
    `x86_64-linux-gnu-gcc ${OBJ('add')}`,
    `x86_64-linux-gnu-gcc ${OBJ('mul')}`,
    `x86_64-linux-gnu-gcc ${OBJ('tinyext')}`,
  ]);
  // the objects and the link's product are handed from job to job: intermediates, not outputs
  assert.deepEqual(s.outputs.map(rel), [SO, 'version.c', 'version.o']);
  assert.deepEqual(s.intermediates.map(rel).filter((x) => !x.startsWith('/')), [BUILT, OBJ('add'), OBJ('mul'), OBJ('tinyext')]);
  // the critical path is of those jobs (compile then link, or gen.py, whichever took longer), not the one setup.py job
  assert.ok(s.critical_path.length > 0 && s.critical_path.every((j) => !j.argv.includes('setup.py')), JSON.stringify(s.critical_path));
  // bt deps of the extension copied into place: the link job, then each compile
  const d = await bt(['deps', SO, p.file], { cwd: p.dir });
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, new RegExp(`^  ${BUILT.replace(/\./g, '\\.')}  <- written by x86_64-linux-gnu-gcc -o `, 'm'));
  assert.match(d.stdout, /^    build\/temp\.linux-x86_64-cpython-311\/add\.o  <- written by x86_64-linux-gnu-gcc -c -o /m);
  assert.match(d.stdout, /^      add\.c$/m);
});

ebpfTest("bt summary: pip wheel's setuptools caller (bdist_wheel) drives the compiles; its egg_info, which started nothing, stays a job", async () => {
  const dir = path.join(tmpdir('bt-pip-'), 'pyext');
  fs.cpSync(path.join(REPO, 'test-programs', 'pyext'), dir, { recursive: true });
  const t = await trace(['/usr/bin/python3', '-m', 'pip', 'wheel', '--no-build-isolation', '--no-deps', '--no-index', '.'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const r = await bt(['summary', '--json', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  const gcc = named(s).filter((n) => n.startsWith('x86_64-linux-gnu-gcc'));
  // before: none; the one `python3 -u -c 'exec(compile(…))' bdist_wheel` job held them all
  assert.deepEqual(gcc, [`x86_64-linux-gnu-gcc ${BUILT}`, `x86_64-linux-gnu-gcc ${OBJ('add')}`, `x86_64-linux-gnu-gcc ${OBJ('mul')}`, `x86_64-linux-gnu-gcc ${OBJ('tinyext')}`]);
  // pip itself wrote the wheel in the start directory: the traced command is a job too (model/jobs.ts rootWork)
  assert.deepEqual(s.root_jobs.map((j) => j.argv.slice(1, 4)), [['-m', 'pip', 'wheel']]);
  const py = s.jobs.filter((j) => /^python/.test(path.basename(j.argv[0]!)) && !s.root_jobs.some((r) => r.proc === j.proc));
  assert.deepEqual(
    py.map((j) => j.argv.find((a) => a === 'egg_info' || a === 'bdist_wheel')),
    ['egg_info'],
  );
  const rel = (x: string) => (x.startsWith(dir + '/') ? x.slice(dir.length + 1) : x);
  assert.ok(s.intermediates.map(rel).includes(OBJ('add')), s.intermediates.join('\n'));
});

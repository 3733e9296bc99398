/**
 * The root acts as a driver whatever its program (model/jobs.ts drives):
 * `python3 setup.py build_ext --inplace` runs the compiler as its jobs and
 * then copies the extension its link job made into place itself. What
 * the root writes is made of what sourcesOf says (the file it copied, its
 * program, the start directory's sources it read), not of the hundreds
 * of modules the interpreter imported before (REAL trace, eBPF, as root).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/** A setuptools-like build script: imports much, compiles in a job, copies the object into place itself. */
const BUILD_PY = [
  'import argparse, email.parser, json, os, shutil, subprocess, tarfile',
  "os.makedirs('build', exist_ok=True)",
  "subprocess.run(['cc', '-c', 'lib.c', '-o', 'build/lib.o'], check=True)",
  "shutil.copyfile('build/lib.o', 'lib.o')",
  '',
].join('\n');

interface Node {
  path: string;
  children: Node[];
}

ebpfTest("bt deps: a file the root (python3 build.py) copied into place is made of the copy's source, the script and python, not the modules it imported", async () => {
  const dir = tmpdir('bt-rootdriver-');
  fs.writeFileSync(path.join(dir, 'build.py'), BUILD_PY);
  fs.writeFileSync(path.join(dir, 'lib.c'), 'int f(void) { return 1; }\n');
  const t = await trace(['/usr/bin/python3', 'build.py'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const r = await bt(['deps', '--json', 'lib.o', t.file], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as { inputs: string[]; tree: Node };
  const rel = (p: string) => (p.startsWith(dir + '/') ? p.slice(dir.length + 1) : p);
  // before: every module python imported (argparse, email, json, tarfile, encodings…) was an input of lib.o
  assert.deepEqual(
    d.inputs.filter((p) => p.includes('/lib/python3')),
    [],
  );
  assert.deepEqual(d.tree.children.map((c) => rel(c.path)).filter((p) => !p.startsWith('/usr/lib/') || p.includes('python')), ['build.py', 'build/lib.o', '/usr/bin/python3']);
  const obj = d.tree.children.find((c) => rel(c.path) === 'build/lib.o')!;
  assert.deepEqual(obj.children.map((c) => rel(c.path)).filter((p) => !p.startsWith('/')), ['lib.c']);
});

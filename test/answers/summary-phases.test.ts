/**
 * bt summary of a real `./configure && make` (eBPF, as root): the jobs
 * of the configure step and of make are counted apart, by phase.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/** A configure script that compiles a conftest.c and writes a Makefile of two rules. */
const CONFIGURE = [
  '#!/bin/sh',
  'echo "int x;" > conftest.c && cc -c conftest.c -o conftest.o && rm -f conftest.c conftest.o',
  'echo "all: a.txt b.txt" > Makefile',
  'printf "a.txt:\\n\\techo a > a.txt\\nb.txt:\\n\\techo b > b.txt\\n" >> Makefile',
  '',
].join('\n');

ebpfTest('bt summary: ./configure && make is two phases, the configure step and make, each with its jobs; make alone is one', async () => {
  const dir = tmpdir('bt-phases-');
  fs.writeFileSync(path.join(dir, 'configure'), CONFIGURE, { mode: 0o755 });
  const t = await trace(['sh', '-c', './configure && make'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const j = await bt(['summary', t.file, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const s = JSON.parse(j.stdout);
  assert.deepEqual(
    s.phases.map((p: { argv: string[]; configure: boolean; jobs: number }) => [p.argv, p.configure, p.jobs]),
    [
      [['./configure'], true, 1],
      [['make'], false, 2],
    ],
  );
  assert.equal(s.job_count, 3);
  const text = await bt(['summary', t.file]);
  assert.match(text.stdout, /\nphases: \.\/configure \(configure\): 1 job, [\d.]+ m?s; then make: 2 jobs, [\d.]+ m?s\n/);
  // make alone: one phase, no line
  const again = await trace(['make', '-B'], { cwd: dir });
  const one = await bt(['summary', again.file, '--json']);
  assert.deepEqual(JSON.parse(one.stdout).phases, []);
  assert.doesNotMatch((await bt(['summary', again.file])).stdout, /^phases:/m);
});

ebpfTest('bt summary: a script of plain commands (each a job of its own phase) has no phases line', async () => {
  const dir = tmpdir('bt-phases-');
  const t = await trace(['sh', '-c', 'echo a > a.txt; cat a.txt > b.txt; cp b.txt c.txt'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const s = JSON.parse((await bt(['summary', t.file, '--json'])).stdout);
  assert.equal(s.job_count, 2, 'cat and cp (echo is the shell\'s own)');
  assert.deepEqual(s.phases, []);
});

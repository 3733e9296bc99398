/**
 * The `$(shell …)` calls a `make -n` (or `-q`) makes while it parses are
 * no failed jobs when they fail, whatever make's own status: it runs no
 * recipe, and dh_auto_test asks `make -n test` whether a target exists
 * (make exits 2 when there is none). test-programs/dryrun: `make -f
 * rules.mk binary` builds, then runs ./auto-test, which runs `make -n
 * test` (exit 2), `make -n check` and `make check`; the Makefile's two
 * $(shell) calls fail in each make.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dryRun } from '../../src/model/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { traceProject } from '../helpers/projects.js';
import { bt } from '../helpers/trace.js';

const proc = (argv: string[], env: string[] = []) => ({ argv, exe: '/usr/bin/make', pid: 1, env });

test('dryRun: make with -n or -q, alone, in a cluster or in MAKEFLAGS; not an option value, not another program', () => {
  assert.equal(dryRun(proc(['make', '-n', 'test'])), true);
  assert.equal(dryRun(proc(['make', '-s', '-n', '--no-print-directory', 'test'])), true);
  assert.equal(dryRun(proc(['make', '-sn', 'check'])), true);
  assert.equal(dryRun(proc(['make', '--dry-run'])), true);
  assert.equal(dryRun(proc(['make', '-q', 'all'])), true);
  assert.equal(dryRun(proc(['make', '-C', 'src'], ['MAKEFLAGS=ns --no-print-directory'])), true);
  assert.equal(dryRun(proc(['make', '-C', 'n', 'all'])), false);
  assert.equal(dryRun(proc(['make', '-Cn', 'all'])), false);
  assert.equal(dryRun(proc(['make', '-f', 'rules.mk', '-j2', 'n'])), false);
  assert.equal(dryRun(proc(['make', '-Oline', '-j', '4', 'all'])), false);
  assert.equal(dryRun(proc(['make', '-E', 'n:=1', '-sn'])), true);
  assert.equal(dryRun(proc(['make', 'all'], ['MAKEFLAGS=-- n=1'])), false);
  assert.equal(dryRun(proc(['make', '--', '-n'])), false);
  assert.equal(dryRun({ argv: ['ninja', '-n'], exe: '/usr/bin/ninja', pid: 1, env: [] }), false);
});

ebpfTest('make -n whose $(shell) calls fail while it parses: failed probes, not failed jobs, even when make -n exits 2', async () => {
  const { file } = await traceProject('dryrun', { command: ['make', '-f', 'rules.mk', 'binary'], clean: ['out.txt'] });
  const r = await bt(['summary', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(s.failed_jobs, []);
  // two $(shell) calls in each of the four makes
  const argvs = s.failed_probes.map((j: { argv: string[] }) => j.argv.join(' ')).sort();
  assert.deepEqual(argvs, [...Array(4).fill('/bin/sh -c test -f build-aux/git-version-gen && echo yes'), ...Array(4).fill('false')]);
  const text = await bt(['summary', file]);
  assert.match(text.stdout, /jobs: \d+ \(8 failed probes\)/);
});

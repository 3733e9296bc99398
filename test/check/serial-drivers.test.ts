/**
 * The note on a build whose jobs never ran at the same time asks about
 * -j1 of the program that started them: make's or ninja's; a build driven
 * by neither (setup.py build_ext, pip: sequential by design) gets the note
 * without a -j hint and without --make or --ninja, which have no graph to
 * compare with there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '../../src/check/index.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { BASE_TS, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const DIR = '/w';

/** DRIVER (exe, argv) runs two compiles one after the other. */
function serial(exe: string, argv: string[]) {
  const t = new TraceBuilder(1, DIR);
  t.at(BASE_TS).exec(1, exe, argv, DIR);
  const job = (pid: number, src: string, obj: string, start: number, end: number) => {
    t.at(BASE_TS + start).fork(1, pid);
    t.exec(pid, '/usr/bin/cc', ['cc', '-c', src, '-o', obj], DIR);
    t.open(pid, src, { fd: 3 });
    t.open(pid, obj, { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
    t.close(pid, 3);
    t.close(pid, 4);
    t.at(BASE_TS + end).exit(pid, 0);
  };
  job(2, 'a.c', 'a.o', 1_000_000, 10_000_000);
  job(3, 'b.c', 'b.o', 20_000_000, 30_000_000);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

const TAIL = "races show only between jobs that did; --make (or --ninja DIR) compares every job with the build system's own graph, whatever -j ran";

test('check: the -j1 note names make or ninja when it started the jobs, and no -j hint for a build driven by neither (setup.py)', async () => {
  assert.deepEqual((await check(serial('/usr/bin/make', ['make']))).notes, [`no two of the build's 2 jobs ran at the same time (make -j1?): ${TAIL}`]);
  assert.deepEqual((await check(serial('/usr/bin/ninja', ['ninja']))).notes, [`no two of the build's 2 jobs ran at the same time (ninja -j1?): ${TAIL}`]);
  assert.deepEqual((await check(serial('/usr/bin/python3', ['/usr/bin/python3', 'setup.py', 'build_ext', '--inplace']))).notes, [
    "no two of the build's 2 jobs ran at the same time: races show only between jobs that did",
  ]);
});

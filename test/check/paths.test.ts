/**
 * How bt check names files, as bt summary, deps and rdeps do: in the text
 * report, and in the findings' sentences, those under the build's start
 * directory relative to it, the others absolute; --absolute names them all
 * absolute; the JSON's file and path fields are absolute either way.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { bt } from '../helpers/trace.js';
import { BASE_TS, O_CREAT, O_TRUNC, O_WRONLY, tempDir, TraceBuilder } from '../normalize/synth.js';

const DIR = '/src/w';
const W = O_WRONLY | O_CREAT | O_TRUNC;
const MS = 1_000_000;

/**
 * make -j2 (1) in /src/w runs `./gen.sh > inc/gen.h` (2) and `cc -c
 * main.c` (3) at the same time: cc reads inc/gen.h 10 ms after the shell
 * began writing it (a read-write race), and /opt/sdk/include/sdk.h,
 * outside the allowed roots (hermeticity).
 */
function racyLog(): string {
  const t = new TraceBuilder(1, DIR, { command: ['make', '-j2'] });
  t.at(BASE_TS).exec(1, '/usr/bin/make', ['make', '-j2'], DIR);
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', './gen.sh > inc/gen.h'], DIR);
  t.fork(1, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-c', 'main.c'], DIR);
  t.at(BASE_TS + 10 * MS).open(2, `${DIR}/inc/gen.h`, { flags: W, fd: 3 });
  t.close(2, 3);
  t.at(BASE_TS + 20 * MS).open(3, `${DIR}/inc/gen.h`, { fd: 3 });
  t.close(3, 3);
  t.open(3, '/opt/sdk/include/sdk.h', { fd: 3 });
  t.close(3, 3);
  t.open(3, `${DIR}/main.o`, { flags: W, fd: 3 });
  t.close(3, 3);
  t.at(BASE_TS + 100 * MS).exit(3, 0);
  t.exit(2, 0);
  t.exit(1, 0);
  return t.write(path.join(tempDir(), 'build.trace'));
}

/** The lines of the report that name files (the finding lines and the uses), without the jobs' lines. */
function fileLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^\S+ {2}/.test(l) || /^ {2}\S/.test(l) || /^ {4}\+/.test(l));
}

test('bt check: paths under the start directory relative to it in the report and the sentences, the others absolute; --absolute: all absolute', async () => {
  const log = racyLog();
  const rel = await bt(['check', log]);
  assert.equal(rel.code, 1, rel.stderr);
  assert.equal(rel.stdout.split('\n')[0], 'bt check: 2 findings in make -j2 in /src/w (exit status 0): 1 read-write, 1 hermeticity (checked: hermeticity, races)');
  assert.deepEqual(fileLines(rel.stdout), [
    'read-write  inc/gen.h',
    '  job 2 wrote inc/gen.h at +0.010001 and job 3, not ordered after it (they overlapped from +0.000004 to +0.100001), read it at +0.020001',
    '  fix: make what job 3 builds depend on inc/gen.h, so that it waits for job 2',
    '    +0.010001  write  inc/gen.h  (job 2)',
    '    +0.020001  read  inc/gen.h  (job 3)',
    'hermeticity  /opt/sdk/include/',
    '  1 file read outside the allowed roots, by 1 job',
    "  fix: if the build may use it: --allow '/opt/sdk/include/**'",
    '    +0.020003  read  /opt/sdk/include/sdk.h  (job 3)',
  ]);

  const abs = await bt(['check', log, '--absolute']);
  assert.equal(abs.code, 1, abs.stderr);
  assert.deepEqual(fileLines(abs.stdout), [
    'read-write  /src/w/inc/gen.h',
    '  job 2 wrote /src/w/inc/gen.h at +0.010001 and job 3, not ordered after it (they overlapped from +0.000004 to +0.100001), read it at +0.020001',
    '  fix: make what job 3 builds depend on /src/w/inc/gen.h, so that it waits for job 2',
    '    +0.010001  write  /src/w/inc/gen.h  (job 2)',
    '    +0.020001  read  /src/w/inc/gen.h  (job 3)',
    'hermeticity  /opt/sdk/include/',
    '  1 file read outside the allowed roots, by 1 job',
    "  fix: if the build may use it: --allow '/opt/sdk/include/**'",
    '    +0.020003  read  /opt/sdk/include/sdk.h  (job 3)',
  ]);
  // nothing else differs: the headline, the jobs' lines
  assert.equal(abs.stdout.replaceAll('/src/w/inc/gen.h', 'inc/gen.h'), rel.stdout);

  // the JSON: absolute paths either way; the sentence follows --absolute
  for (const [flags, name] of [[[], 'inc/gen.h'], [['--absolute'], '/src/w/inc/gen.h']] as const) {
    const j = await bt(['check', log, '--json', ...flags]);
    assert.equal(j.code, 1, j.stderr);
    const race = (JSON.parse(j.stdout) as { findings: Array<{ kind: string; file: string; detail: string; fix: string; uses: Array<{ path: string }> }> }).findings[0];
    assert.equal(race.kind, 'read-write');
    assert.equal(race.file, '/src/w/inc/gen.h');
    assert.deepEqual(race.uses.map((u) => u.path), ['/src/w/inc/gen.h', '/src/w/inc/gen.h']);
    assert.equal(race.detail, `job 2 wrote ${name} at +0.010001 and job 3, not ordered after it (they overlapped from +0.000004 to +0.100001), read it at +0.020001`);
    assert.equal(race.fix, `make what job 3 builds depend on ${name}, so that it waits for job 2`);
  }
});

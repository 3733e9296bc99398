/**
 * --driver NAME on the commands that build the model and show its jobs
 * (one option, src/cli/options.ts driverOption): bt export (makedeps and
 * parquet), bt sql and bt view change their jobs with it, as bt summary's.
 * The build: `bash build.sh` runs `mybuild all`, which runs gen (gen.in ->
 * gen.h) and cc (x.c and gen.h -> x.o). Without --driver, mybuild is one
 * job, in which gen.h is made, not an input; with --driver mybuild, gen and
 * cc are jobs of their own and gen.h is an input of x.o.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { bt, oneLineError, tmpdir } from '../helpers/trace.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const dir = tmpdir('bt-driver-cli-');

function driverBuild(): string {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/bash', ['bash', 'build.sh'], '/w');
  t.fork(1, 2);
  t.exec(2, '/opt/mybuild', ['mybuild', 'all'], '/w');
  t.fork(2, 3);
  t.exec(3, '/usr/bin/gen', ['gen', 'gen.in'], '/w');
  t.open(3, 'gen.in', { fd: 3 });
  t.open(3, 'gen.h', { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.exit(3, 0);
  t.fork(2, 4);
  t.exec(4, '/usr/bin/cc', ['cc', '-c', 'x.c'], '/w');
  t.open(4, 'x.c', { fd: 3 });
  t.open(4, 'gen.h', { fd: 4 });
  t.open(4, 'x.o', { fd: 5, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.exit(4, 0);
  t.exit(2, 0);
  t.exit(1, 0);
  return t.write(path.join(dir, 'build.trace'));
}

const log = driverBuild();
const JOBS = 'SELECT command FROM jobs ORDER BY job';

async function ok(args: string[]): Promise<string> {
  const r = await bt(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const rows = (jsonl: string) => jsonl.trim().split('\n').map((l) => JSON.parse(l).command as string);

describe('--driver on bt export, bt sql and bt view', () => {
  it('bt export makedeps: x.o made from gen.in inside one job, or from gen.h with mybuild a driver', async () => {
    assert.match(await ok(['export', '-q', 'makedeps', log]), /^\/w\/x\.o: \/w\/gen\.in \/w\/x\.c$/m);
    const driven = await ok(['export', '-q', 'makedeps', log, '--driver', 'mybuild']);
    assert.match(driven, /^\/w\/x\.o: \/w\/gen\.h \/w\/x\.c$/m);
    assert.match(driven, /^\/w\/gen\.h: \/w\/gen\.in$/m);
  });

  it('bt sql: the jobs table; bt export parquet: the jobs it writes', async () => {
    assert.deepEqual(rows(await ok(['sql', JOBS, log, '--json'])), ['mybuild all']);
    assert.deepEqual(rows(await ok(['sql', JOBS, log, '--json', '--driver', 'mybuild'])), ['gen gen.in', 'cc -c x.c']);
    const pq = path.join(dir, 'pq');
    await ok(['export', '-q', 'parquet', log, '-o', pq, '--driver', 'mybuild']);
    assert.deepEqual(rows(await ok(['sql', JOBS, pq, '--json'])), ['gen gen.in', 'cc -c x.c']);
  });

  it('bt view --html: the page\'s summary counts the jobs --driver makes', async () => {
    const jobCount = async (extra: string[]) => {
      const page = path.join(dir, 'page.html');
      await ok(['view', '-q', log, '--html', page, ...extra]);
      const data = /<script id="bt-data" type="application\/octet-stream">([^<]*)<\/script>/.exec(fs.readFileSync(page, 'utf8'))![1];
      return JSON.parse(zlib.gunzipSync(Buffer.from(data, 'base64')).toString('utf8')).summary.job_count as number;
    };
    assert.equal(await jobCount([]), 1);
    assert.equal(await jobCount(['--driver', 'mybuild']), 2);
  });

  it('bt export jsonl, which holds the records, refuses it', async () => {
    oneLineError(await bt(['export', 'jsonl', log, '--driver', 'mybuild']), /^bt: --driver does not apply to bt export jsonl/);
  });
});

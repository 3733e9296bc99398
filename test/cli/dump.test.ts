import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runDump } from '../../src/cli/dump.js';
import { LogError, UsageError } from '../../src/errors.js';
import { LogWriter } from '../../src/log/writer.js';
import { normalizeFile } from '../../src/normalize/normalize.js';
import {
  EXPECTED_HEADER_TEXT,
  EXPECTED_JSON,
  EXPECTED_TEXT,
  EXPECTED_TRAILER_TEXT,
} from '../log/expected.js';
import { HEADER, TRAILER, logBytes, sampleRecords, tmpdir } from '../log/fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const DUMP_MODULE = new URL('../../src/cli/dump.js', import.meta.url).href;
const COMMANDER = pathToFileURL(createRequire(import.meta.url).resolve('commander')).href;

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function dump(file: string, opts: Parameters<typeof runDump>[1] = {}) {
  const out = new Collect();
  const err = new Collect();
  await runDump(file, opts, out, err);
  return { stdout: out.text, stderr: err.text };
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

let dir: string;
let good: string;
let noTrailer: string;
let torn: string;
let tornOffset: number;
let big: string;

before(() => {
  dir = tmpdir('bt-dump-test-');
  good = path.join(dir, 'good.trace');
  const w = LogWriter.open(good, HEADER);
  for (const r of sampleRecords()) w.write(r);
  w.close(TRAILER);

  noTrailer = path.join(dir, 'notrailer.trace');
  const w2 = LogWriter.open(noTrailer, HEADER);
  for (const r of sampleRecords()) w2.write(r);
  w2.close();

  const { bytes, offsets } = logBytes(HEADER, sampleRecords(), TRAILER);
  tornOffset = offsets[5]!;
  torn = path.join(dir, 'torn.trace');
  fs.writeFileSync(torn, bytes.subarray(0, tornOffset + 3));

  big = path.join(dir, 'big.trace');
  const w3 = LogWriter.open(big, HEADER);
  for (let i = 0; i < 20_000; i++) for (const r of sampleRecords()) w3.write(r);
  w3.close(TRAILER);
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('runDump', () => {
  it('prints the header, one line per record and the trailer', async () => {
    const { stdout, stderr } = await dump(good);
    assert.deepEqual(lines(stdout), [EXPECTED_HEADER_TEXT, ...EXPECTED_TEXT, EXPECTED_TRAILER_TEXT]);
    assert.ok(stdout.endsWith('\n'));
    assert.equal(stderr, '');
  });

  it('prints JSON Lines with --json', async () => {
    const { stdout, stderr } = await dump(good, { json: true });
    const objs = lines(stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(objs.length, EXPECTED_JSON.length + 2);
    assert.equal(objs[0]!.type, 'header');
    assert.equal(objs[0]!.hostname, 'testhost');
    assert.deepEqual(objs.slice(1, -1), EXPECTED_JSON);
    assert.deepEqual(objs.at(-1), {
      type: 'trailer',
      end_ts: TRAILER.end_ts,
      exit_status: 0,
      exit_code: 0,
      exit_signal: 0,
      records: 17,
      counts: { fork: 1, exec: 2, open: 3, close: 1, dup: 1, pipe: 1, chdir: 1, path: 2, path2: 2, lost: 1, exit: 2 },
      lost: { ringbuf: 12 },
      leftover: [],
    });
    assert.equal(
      lines(stdout)[1],
      '{"type":"fork","ts":5000001000,"pid":1234,"tid":1234,"ppid":1234,"child":1235,"child_tid":1235,"thread":false}',
    );
    assert.equal(stderr, '');
  });

  it('filters with --type (display names, oneof names) and --pid', async () => {
    const { stdout } = await dump(good, { type: 'exec,rename' });
    assert.deepEqual(lines(stdout).slice(1, -1), [EXPECTED_TEXT[1], EXPECTED_TEXT[2], EXPECTED_TEXT[12]]);
    const { stdout: paths } = await dump(good, { type: 'path' });
    assert.deepEqual(lines(paths).slice(1, -1), [EXPECTED_TEXT[10], EXPECTED_TEXT[11]]);
    const { stdout: byPid } = await dump(good, { pid: '1236,1234' });
    assert.deepEqual(lines(byPid).slice(1, -1), [EXPECTED_TEXT[0], EXPECTED_TEXT[16]]);
    const { stdout: both } = await dump(good, { pid: '1235', type: 'exit', json: true });
    assert.deepEqual(lines(both).slice(1, -1).map((l) => JSON.parse(l)), [EXPECTED_JSON[15]]);
  });

  it('normalizes a raw log on the fly for --type process, as bt normalize would', async () => {
    const norm = path.join(dir, 'good.norm.trace');
    normalizeFile(good, norm);
    const raw = await dump(good, { type: 'process' });
    const fromNorm = await dump(norm, { type: 'process' });
    assert.equal(raw.stderr, '');
    const procs = lines(raw.stdout).slice(1, -1);
    assert.deepEqual(procs, [
      '+0.003200 1235/1235 process 2 parent=1 pid=1235 /usr/bin/cc [cc -c foo.c -o foo.o] cwd=/src code=0 start=+0.000001 end=+0.003200',
      '+0.003300 1236/1236 process 3 parent=0 pid=1236 ? [] signal=SIGKILL start=+0.003300 end=+0.003300',
      '+0.004000 1234/1234 process 1 parent=0 pid=1234 ? [] cwd=/src code=? start=+0.000001 end=-5.000000',
    ]);
    assert.deepEqual(procs, lines(fromNorm.stdout).slice(1, -1));
    // the header says it was normalized; the trailer is the raw log's, as with --filter
    assert.equal(
      lines(raw.stdout)[0],
      `# bt log, normalized from ${good} (format 1) by bt 0.1.0 on testhost (Linux 6.1.0-test-amd64), started 2023-11-14T22:13:25.000Z: make -j2 cwd=/src uid=1000 gid=1000 pid=1234 env=yes`,
    );
    assert.equal(lines(raw.stdout).at(-1), EXPECTED_TRAILER_TEXT);
    // with other types, in time order; --pid still applies
    const mixed = await dump(good, { type: 'exec,process', pid: '1235' });
    assert.deepEqual(
      lines(mixed.stdout).slice(1, -1).map((l) => l.split(' ')[2]),
      ['exec', 'exec', 'process'],
    );
    // JSON: the process objects of the normalized log
    const json = await dump(good, { type: 'process', json: true });
    assert.deepEqual(
      lines(json.stdout).slice(1, -1).map((l) => (JSON.parse(l) as { proc: number }).proc),
      [2, 3, 1],
    );
    // a type a raw log has is printed from the raw log itself
    const exec = await dump(good, { type: 'exec' });
    assert.equal(lines(exec.stdout)[0], EXPECTED_HEADER_TEXT);
  });

  it('rejects unknown --type names and bad --pid values with a UsageError', async () => {
    await assert.rejects(dump(good, { type: 'exec,bogus' }), (e: unknown) => e instanceof UsageError && e.code === 'E_USAGE' && /bogus/.test(e.message));
    await assert.rejects(dump(good, { pid: '12x' }), (e: unknown) => e instanceof UsageError && e.code === 'E_USAGE');
  });

  it('prints what it can of a torn log and warns on stderr', async () => {
    const { stdout, stderr } = await dump(torn);
    assert.deepEqual(lines(stdout), [EXPECTED_HEADER_TEXT, ...EXPECTED_TEXT.slice(0, 5)]);
    assert.equal(
      stderr,
      `bt: warning: ${torn} is truncated at byte ${tornOffset} (record of ${
        logBytes(HEADER, sampleRecords()).offsets[6]! - tornOffset - 1
      } bytes runs past end of file (2 bytes left)); the 5 records before it were read\n`,
    );
  });

  it('warns about a missing trailer', async () => {
    const { stdout, stderr } = await dump(noTrailer);
    assert.deepEqual(lines(stdout), [EXPECTED_HEADER_TEXT, ...EXPECTED_TEXT]);
    assert.equal(stderr, `bt: warning: ${noTrailer} has no trailer: the trace did not finish cleanly\n`);
  });

  it('throws LogError for files it cannot read', async () => {
    await assert.rejects(dump(path.join(dir, 'nope.trace')), (e: unknown) => e instanceof LogError && e.code === 'E_LOG_OPEN');
    const text = path.join(dir, 'text.txt');
    fs.writeFileSync(text, 'just some text\n');
    await assert.rejects(dump(text), (e: unknown) => e instanceof LogError && e.code === 'E_NOT_BT_LOG');
  });

  it('waits for a slow reader (backpressure) and outputs everything in order', async () => {
    let n = 0;
    let text = '';
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        n++;
        text += chunk.toString();
        setImmediate(cb);
      },
    });
    await runDump(big, {}, slow, new Collect());
    const all = lines(text);
    assert.equal(all.length, 20_000 * sampleRecords().length + 2);
    assert.equal(all[1], EXPECTED_TEXT[0]);
    assert.equal(all.at(-2), EXPECTED_TEXT.at(-1));
    assert.ok(n > 10, 'written in several chunks');
    assert.ok(n < all.length / 100, 'not one write per record');
  });

  it('stops quietly when the output goes away', async () => {
    let writes = 0;
    const closing = new Writable({
      write(_chunk, _enc, cb) {
        writes++;
        const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        cb(err);
      },
    });
    await runDump(big, {}, closing, new Collect());
    assert.ok(writes <= 2);
  });
});

describe('bt dump as a command', () => {
  /** Runs dumpCommand() in a bare commander program (no dependency on the rest of the CLI). */
  function runCommand(args: string[]) {
    const script = `
      import { Command } from ${JSON.stringify(COMMANDER)};
      import { dumpCommand } from ${JSON.stringify(DUMP_MODULE)};
      const program = new Command('bt').exitOverride();
      program.addCommand(dumpCommand().exitOverride());
      process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); });
      program.parseAsync(${JSON.stringify(['node', 'bt'])}.concat(process.argv.slice(1))).then(
        () => process.exit(0),
        (e) => { process.stderr.write('bt: ' + e.message + '\\n'); process.exit(e.code === 'E_USAGE' ? 2 : 1); });
    `;
    return spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  }

  it('prints a log and exits 0', () => {
    const res = runCommand(['dump', good]);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [EXPECTED_HEADER_TEXT, ...EXPECTED_TEXT, EXPECTED_TRAILER_TEXT]);
  });

  it('takes --json, --type and --pid', () => {
    const res = runCommand(['dump', '--json', '--type', 'open', '--pid', '1235', good]);
    assert.equal(res.status, 0, res.stderr);
    const objs = lines(res.stdout).map((l) => JSON.parse(l) as { type: string });
    assert.deepEqual(objs.map((o) => o.type), ['header', 'open', 'open', 'open', 'trailer']);
  });
});

describe('bt dump end to end (dist/src/cli/main.js)', () => {
  const bt = (args: string[]) =>
    spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

  it('prints a log, exits 0', () => {
    const res = bt(['dump', good]);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [EXPECTED_HEADER_TEXT, ...EXPECTED_TEXT, EXPECTED_TRAILER_TEXT]);
    assert.equal(res.stderr, '');
  });

  it('exits 1 with the records before the damage and one warning for a torn log', () => {
    const res = bt(['dump', '--json', torn]);
    assert.equal(res.status, 1, res.stderr);
    assert.equal(lines(res.stdout).length, 1 + 5);
    assert.match(res.stderr, new RegExp(`^bt: warning: .*torn.trace is truncated at byte ${tornOffset} .*\\n$`));
    assert.equal(res.stderr.split('\n').length, 2);
  });

  it('exits 2 with one line for unreadable files', () => {
    const missing = bt(['dump', path.join(dir, 'missing.trace')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^bt: cannot open .*missing\.trace: no such file or directory \(ENOENT\)/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    const png = path.join(dir, 'image.png');
    fs.writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    const res = bt(['dump', png]);
    assert.equal(res.status, 2);
    // a log cut inside its header: bad input too
    const cut = path.join(dir, 'cut.trace');
    fs.writeFileSync(cut, fs.readFileSync(good).subarray(0, 5));
    const short = bt(['dump', cut]);
    assert.equal(short.status, 2, short.stderr);
    assert.equal(short.stderr.trim().split('\n').length, 1);
    assert.equal(res.stderr, `bt: ${png} is not a bt log (expected a file written by bt trace)\n`);
  });

  it('reads ./build.trace when no log is given, as the other readers do', () => {
    const here = fs.mkdtempSync(path.join(dir, 'cwd-'));
    const none = spawnSync(process.execPath, [MAIN, 'dump'], { cwd: here, encoding: 'utf8' });
    assert.equal(none.status, 2);
    assert.equal(none.stderr, 'bt: cannot open build.trace: no such file or directory (ENOENT); check the path\n');
    assert.equal(none.stdout, '');
    fs.copyFileSync(good, path.join(here, 'build.trace'));
    const res = spawnSync(process.execPath, [MAIN, 'dump', '--type', 'exec'], { cwd: here, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [EXPECTED_HEADER_TEXT, EXPECTED_TEXT[1], EXPECTED_TEXT[2], EXPECTED_TRAILER_TEXT]);
    assert.equal(res.stderr, '');
  });

  it('exits 2 for a bad --type', () => {
    const res = bt(['dump', '--type', 'nonsense', good]);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /unknown record type 'nonsense'/);
    // environments are never records of their own in bt dump's output: asking for them alone is told where they are
    const env = bt(['dump', '--type', 'exec,env', good]);
    assert.equal(env.status, 2);
    assert.equal(env.stderr, 'bt: --type env: each environment is shown on the exec records that use it (env=…): use --type exec\n');
    assert.equal(env.stdout, '');
  });

  it('exits quietly when the reader of stdout goes away (bt dump | head)', () => {
    const res = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" dump "$2" | head -n 2', process.execPath, MAIN, big], {
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(lines(res.stdout).length, 2);
    assert.equal(res.stderr, '');
  });
});

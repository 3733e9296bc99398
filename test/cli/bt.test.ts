/**
 * bt's executable (src/cli/bt.cts): the bundled program (and bt trace's
 * head start) runs from the V8 code cache made at build time; a cache made
 * for another build (another build id) is not used, and bt still works
 * without it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BT, REPO } from '../helpers/trace.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { FRONT_PATH } from '../../src/capture/install.js';

const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

function run(bt: string): { out: string; err: string } {
  const r = spawnSync(process.execPath, [bt, '--version'], { env: { ...process.env, BT_TIMING: '1' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { out: r.stdout.trim(), err: r.stderr };
}

/** Runs fn in a new directory under `parent`, removed afterwards. */
async function inTmpDir(parent: string, prefix: string, fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(parent, prefix));
  try {
    await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('bt runs its bundled program from the code cache of the same build', () => {
  const { out, err } = run(BT);
  assert.equal(out, VERSION);
  assert.match(err, /^bt: code cache used$/m);
});

test('bt trace runs a bundle of its own, from its own code cache, with the same command line', () => {
  const r = spawnSync(process.execPath, [BT, 'trace', '--help'], { env: { ...process.env, BT_TIMING: '1' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // and its head start (bt-early.cjs) from a cache of its own; help is commander's: the whole program's, run then
  assert.match(r.stderr, /^bt: code cache used \(head start: used\), then the whole program: used$/m);
  // the trace bundle holds no other command, nor commander: it reads its command line from the options' table
  const bundle = fs.readFileSync(path.join(path.dirname(BT), 'bt-trace.cjs'), 'utf8');
  for (const other of ['dumpCommand', 'graphCommand', 'viewCommand', 'sqlCommand', 'traceCommand']) assert.ok(!bundle.includes(other), `bt-trace.cjs holds ${other}`);
  assert.ok(!bundle.includes('// node_modules/commander/'), 'bt-trace.cjs holds commander');
  assert.ok(bundle.includes('parseTraceArgs') && bundle.includes('traceAction'));
  // nor protobufjs and the schema: its log is written from the wire description made at build time (log/wiredesc.ts)
  for (const reader of ['node_modules/protobufjs', 'dist/src/log/schema.js', 'dist/src/log/reader.js']) assert.ok(!bundle.includes(`// ${reader}`), `bt-trace.cjs holds ${reader}`);
  assert.ok(bundle.includes('// dist/src/log/writer.js'));
  const whole = spawnSync(process.execPath, [path.join(path.dirname(BT), 'main.js'), 'trace', '--help'], { encoding: 'utf8' }); // every command, unbundled
  assert.equal(r.stdout, whole.stdout);
  assert.match(r.stdout, /^Usage: bt trace \[options\]/);
});

test("each code cache's data starts 8-byte aligned after a first line naming its bundle's build", () => {
  // V8 copies cached data that is not aligned before it reads it (~0.3 MB for bt trace's)
  const cli = path.dirname(BT);
  for (const bundle of ['bt-program.cjs', 'bt-trace.cjs', 'bt-early.cjs']) {
    const id = /\/\/ bt-build (\w+)\n/.exec(fs.readFileSync(path.join(cli, bundle), 'latin1'))?.[1];
    const cache = fs.readFileSync(path.join(cli, `${bundle}.cache`));
    const nl = cache.indexOf(10);
    assert.ok(id && nl > 0, bundle);
    assert.equal(cache.toString('latin1', 0, nl).trimEnd(), id, bundle);
    assert.equal((nl + 1) % 8, 0, `${bundle}.cache: data at ${nl + 1}`);
  }
});

test('a code cache of another build of the program is not used; without one bt compiles the program', async () => {
  // beside dist/src/cli, so that the program finds the installation (proto/, package.json) as from there
  const cli = path.dirname(BT);
  await inTmpDir(path.dirname(cli), 'cli-cache-test-', (dir) => {
    checkCopies(cli, dir);
  });
});

function checkCopies(cli: string, dir: string): void {
  for (const f of ['bt.cjs', 'bt-program.cjs', 'bt-program.cjs.cache']) fs.copyFileSync(path.join(cli, f), path.join(dir, f));
  // the same program as rebuilt: another build id, the same length
  const program = path.join(dir, 'bt-program.cjs');
  const src = fs.readFileSync(program, 'utf8');
  const rebuilt = src.replace(/^(.*\n\/\/ bt-build )(\w+)/, (_, head: string, id: string) => head + [...id].reverse().join(''));
  assert.notEqual(rebuilt, src);
  assert.equal(rebuilt.length, src.length);
  fs.writeFileSync(program, rebuilt);
  assert.match(run(path.join(dir, 'bt.cjs')).err, /^bt: code cache stale$/m);
  fs.rmSync(path.join(dir, 'bt-program.cjs.cache'));
  const { out, err } = run(path.join(dir, 'bt.cjs'));
  assert.match(err, /^bt: code cache absent$/m);
  assert.equal(out, VERSION);
  assert.ok(execFileSync(process.execPath, [BT, '--version'], { encoding: 'utf8' }).startsWith(VERSION));

  // bt trace's head start the same way: its cache is used for its own build only, and it runs without one
  for (const f of ['bt-early.cjs', 'bt-early.cjs.cache', 'bt-trace.cjs', 'bt-trace.cjs.cache']) fs.copyFileSync(path.join(cli, f), path.join(dir, f));
  const traceHelp = () => {
    const r = spawnSync(process.execPath, [path.join(dir, 'bt.cjs'), 'trace', '--help'], { env: { ...process.env, BT_TIMING: '1' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: bt trace \[options\]/);
    return r.stderr;
  };
  assert.match(traceHelp(), /^bt: code cache used \(head start: used\), then the whole program: absent$/m);
  const early = path.join(dir, 'bt-early.cjs');
  const earlySrc = fs.readFileSync(early, 'utf8');
  const earlyRebuilt = earlySrc.replace(/^(\/\/ bt-build )(\w+)/, (_, head: string, id: string) => head + [...id].reverse().join(''));
  assert.notEqual(earlyRebuilt, earlySrc);
  fs.writeFileSync(early, earlyRebuilt);
  assert.match(traceHelp(), /^bt: code cache used \(head start: stale\), then the whole program: absent$/m);
  fs.rmSync(`${early}.cache`);
  assert.match(traceHelp(), /^bt: code cache used \(head start: absent\), then the whole program: absent$/m);
}

test("bt trace's help without the whole program beside it (a half-done install) gets one line and status 70", async () => {
  const cli = path.dirname(BT);
  await inTmpDir(path.dirname(cli), 'cli-half-test-', (dir) => {
    for (const f of ['bt.cjs', 'bt-early.cjs', 'bt-trace.cjs']) fs.copyFileSync(path.join(cli, f), path.join(dir, f));
    const r = spawnSync(process.execPath, [path.join(dir, 'bt.cjs'), 'trace', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 70);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `bt: ${path.join(dir, 'bt-program.cjs')} is missing: run npm run build\n`);
  });
});

test('a bundle that is not one function (an older build of bt beside this executable) gets one line and status 70', async () => {
  const cli = path.dirname(BT);
  await inTmpDir(path.dirname(cli), 'cli-bundle-test-', (dir) => {
    for (const f of ['bt.cjs', 'bt-program.cjs']) fs.copyFileSync(path.join(cli, f), path.join(dir, f));
    const program = path.join(dir, 'bt-program.cjs');
    // the bundle as bt's builds wrote it before session 38: its statements, not a function expression
    const src = fs.readFileSync(program, 'utf8');
    const unwrapped = src.replace(/^(.*\n\/\/ bt-build \w+\n)\(function \([^)]*\) \{/, '$1').replace(/\n\}\)\n?$/, '\n');
    assert.notEqual(unwrapped, src);
    fs.writeFileSync(program, unwrapped);
    const r = spawnSync(process.execPath, [path.join(dir, 'bt.cjs'), '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 70);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `bt: ${program} is not a bundle of this bt's build: run npm run build\n`);
  });
});

ebpfTest('a trace with options reads its command line in its own bundle (the whole program is not loaded) and records what they say', async () => {
  await inTmpDir(os.tmpdir(), 'bt-fast-', (dir) => {
    const log = path.join(dir, 't.trace');
    const r = spawnSync(process.execPath, [BT, 'trace', '-qo', log, '--no-env', '--grace=0.5', '--', '/bin/sh', '-c', 'exit 7'], {
      env: { ...process.env, BT_TIMING: '1' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 7, r.stderr);
    assert.match(r.stderr, /^bt: code cache used \(head start: used\)$/m);
    // -q: no summary line
    assert.doesNotMatch(r.stderr, /records, .* written to/);
    const dump = spawnSync(process.execPath, [BT, 'dump', '--json', log], { encoding: 'utf8' });
    assert.equal(dump.status, 0, dump.stderr);
    const records = dump.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; argv?: string[]; env?: string[] });
    const header = records.find((x) => x.type === 'header') as unknown as { options: Record<string, string>; command: string[] };
    assert.deepEqual(header.command, ['/bin/sh', '-c', 'exit 7']);
    assert.equal(header.options.grace_ms, '500');
    assert.equal(header.options.env, 'false');
    const exec = records.find((x) => x.type === 'exec');
    assert.deepEqual(exec?.argv, ['/bin/sh', '-c', 'exit 7']);
    assert.deepEqual(exec?.env ?? [], []);
  });
});

ebpfTest("run as an executable (bt.cjs's #! line, or build/bt), bt's Node never sees NODE_EXTRA_CA_CERTS, and the build gets it as it was", async () => {
  for (const executable of [BT, FRONT_PATH]) {
    await inTmpDir(os.tmpdir(), 'bt-ca-', (dir) => {
      const log = path.join(dir, 't.trace');
      // bt's Node: the build's parent, or its grandparent when bt's executable started the build (its child, bt-start, is the parent);
      // /proc/PID/environ is the environment bt's Node started with
      const script =
        'echo "build: ${NODE_EXTRA_CA_CERTS-unset} ${BT_NODE_EXTRA_CA_CERTS-unset}"; p=$PPID; [ "$(cat /proc/$p/comm)" = bt-start ] && p=$(cut -d" " -f4 /proc/$p/stat); ' +
        'tr "\\0" "\\n" < /proc/$p/environ | grep -E "^(BT_)?NODE_EXTRA_CA_CERTS=" | sort';
      const run = (env: NodeJS.ProcessEnv) => {
        const r = spawnSync(executable, ['trace', '-q', '-o', log, '--', 'sh', '-c', script], { env, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
      };
      const base = { ...process.env };
      delete base.NODE_EXTRA_CA_CERTS;
      assert.equal(run({ ...base, NODE_EXTRA_CA_CERTS: '/some/ca.pem' }), 'build: /some/ca.pem unset\nBT_NODE_EXTRA_CA_CERTS=/some/ca.pem\n');
      assert.equal(run(base), 'build: unset unset\nBT_NODE_EXTRA_CA_CERTS=\n');
    });
  }
});

test('output larger than a pipe holds reaches a slow reader whole (Node queues it; bt waits for it before exiting)', async () => {
  const { HEADER, START, TRAILER, tmpdir } = await import('../log/fixtures.js');
  const { LogWriter } = await import('../../src/log/writer.js');
  const log = path.join(tmpdir('bt-pipe-test-'), 'many.trace');
  const w = LogWriter.open(log, HEADER);
  const files = 3000;
  for (let i = 0; i < files; i++) {
    const path = `/usr/include/some/rather/long/directory/name/for/headers/number/${String(i).padStart(5, '0')}/header.h`;
    w.write({ ts: START + 1000 + i, pid: 1234, tid: 1234, open: { path, dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat' } });
  }
  w.close(TRAILER);
  // the same command with stdout a file: everything, at once
  const file = path.join(path.dirname(log), 'out.json');
  const fd = fs.openSync(file, 'w');
  const whole = spawnSync(process.execPath, [BT, 'summary', '--json', log], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  fs.closeSync(fd);
  assert.equal(whole.status, 0, whole.stderr);
  const expected = fs.readFileSync(file, 'utf8');
  const summary = JSON.parse(expected) as { inputs: { system: string[] } };
  assert.equal(summary.inputs.system.length, files);
  assert.ok(expected.length > 4 * 65536, `the output (${expected.length} bytes) must be several pipe buffers`);
  // through a pipe read only once bt has written all it can
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [BT, 'summary', '--json', log], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pause();
  await new Promise((r) => setTimeout(r, 500));
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stdout.resume();
  const status = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(status, 0);
  assert.equal(Buffer.concat(chunks).toString('utf8'), expected);
});

/** A log of one open (written by the real writer), in a new temporary directory. */
async function oneOpenLog(prefix: string): Promise<string> {
  const { HEADER, START, TRAILER, tmpdir } = await import('../log/fixtures.js');
  const { LogWriter } = await import('../../src/log/writer.js');
  const log = path.join(tmpdir(prefix), 'b.trace');
  const w = LogWriter.open(log, HEADER);
  w.write({ ts: START + 1000, pid: 1234, tid: 1234, open: { path: '/usr/include/stdio.h', dirfd: -100, flags: 0, mode: 0, fd: 3, errno: 0, op: 'openat' } });
  w.close(TRAILER);
  return log;
}

test('stdout on a full disk: one line and exit 2 (an output bt cannot write) from every way bt writes it (sync writes, the stdout stream, an export)', async () => {
  const log = await oneOpenLog('bt-full-');
  for (const args of [['dump', log], ['summary', log], ['export', 'jsonl', log], ['graph', log]]) {
    const fd = fs.openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [BT, ...args], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    fs.closeSync(fd);
    assert.equal(r.stderr, 'bt: cannot write the output (no space left on device (ENOSPC)): the output was cut short\n', `bt ${args[0]}`);
    assert.equal(r.status, 2, `bt ${args[0]}`);
  }
});

test('an output that is the input log (by name or through a link) is refused, and the log stays', async () => {
  const log = await oneOpenLog('bt-same-');
  const dir = path.dirname(log);
  const before = fs.readFileSync(log);
  fs.symlinkSync(log, path.join(dir, 'link.json'));
  for (const [args, out] of [
    [['export', 'compile-commands', log, '-o', log], log],
    [['export', 'jsonl', log, '-o', path.join(dir, 'link.json')], path.join(dir, 'link.json')],
    [['normalize', log, '-o', log], log],
  ] as Array<[string[], string]>) {
    const r = spawnSync(process.execPath, [BT, ...args], { encoding: 'utf8' });
    assert.equal(r.stderr, `bt: the output ${out} is the input: choose another name with -o\n`, args.join(' '));
    assert.equal(r.status, 2);
  }
  assert.deepEqual(fs.readFileSync(log), before);
});

test('a glob the regular expression engine refuses ("[z-a]") is a usage error in filters, --include and --ignore, not an internal error', async () => {
  const log = await oneOpenLog('bt-glob-');
  const cases: Array<[string[], string]> = [
    [['summary', log, '--filter', 'path ~ "[z-a]"'], 'bt: bad filter: bad glob "[z-a]": range out of order in character class at column 8\n  path ~ "[z-a]"\n         ^\n'],
    [['dump', log, '--filter', 'exe ~ "[b-a]*"'], 'bt: bad filter: bad glob "[b-a]*": range out of order in character class at column 7\n  exe ~ "[b-a]*"\n        ^\n'],
    [['graph', log, '--include', '[z-a]'], 'bt: --include: bad glob "[z-a]": range out of order in character class\n'],
    [['check', log, '--ignore', '[z-a]'], 'bt: --ignore: bad glob "[z-a]": range out of order in character class\n'],
  ];
  for (const [args, err] of cases) {
    const r = spawnSync(process.execPath, [BT, ...args], { encoding: 'utf8' });
    assert.equal(r.stderr, err, args.join(' '));
    assert.equal(r.status, 2, args.join(' '));
  }
});

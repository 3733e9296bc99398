/**
 * bt trace's early start (native/bt-start.c, capture/front-start.ts): for a
 * plain trace, bt's executable starts the build itself, and bt takes that
 * trace. The log is the one bt writes without it (BT_EARLY_START=0), the
 * build's parent is the executable's child, every other command line is
 * declined and traced as before, and a build that bt never takes is
 * stopped.
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseGoLine } from '../../src/capture/front-start.js';
import { FRONT_PATH } from '../../src/capture/install.js';
import { cgroup2Root, ownCgroup, traceParents } from '../../src/capture/cgroup.js';
import { loadLog, ofType, prog, tmpdir, type Loaded as LoadedLog } from '../helpers/trace.js';
import { ebpfTest } from '../helpers/ebpf.js';

test('the line of a started trace is read exactly, and nothing else is taken for one', () => {
  const line = 'go 100 200 300 9721242187217 1796322442329151500 4242 7 8 12345 3 2 742e7472616365 /sys/fs/cgroup/bt/trace-41-mx81t2t5';
  assert.deepEqual(parseGoLine(line), {
    marks: { launcher: 100, ready: 200, go: 300 },
    bootNs: 9721242187217,
    bootToWallNs: 1796322442329151500,
    launcherPid: 4242,
    launcherPidfd: 7,
    logFd: 8,
    cgroupId: 12345n,
    cgroupLevel: 3,
    argc: 2,
    output: 't.trace',
    cgroupDir: '/sys/fs/cgroup/bt/trace-41-mx81t2t5',
  });
  for (const bad of [
    line.replace(' 7 8 ', ' 7 '),
    line.replace('trace-41-', 'other-41-'),
    line.replace('/sys', 'sys'),
    line.replace('go ', 'ok '),
    line.replace(' 4242 ', ' -1 '),
    line.replace(' 742e7472616365 ', ' 742e747261636 '),
    line.replace(' 742e7472616365 ', ' t.trace '),
    `${line}\n`,
  ]) {
    assert.equal(parseGoLine(bad), undefined, bad);
  }
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  log?: LoadedLog;
}

/** `bt trace [ARGS] -o DIR/t.trace -- COMMAND` through bt's executable, with BT_TIMING (its notes say who started the build). */
function trace(command: string[], opts: { args?: string[]; env?: NodeJS.ProcessEnv; dir?: string; output?: string } = {}): Run {
  const dir = opts.dir ?? tmpdir();
  const output = opts.output ?? path.join(dir, 't.trace');
  const r = spawnSync(FRONT_PATH, ['trace', '-q', ...(opts.args ?? []), '-o', output, '--', ...command], {
    cwd: dir,
    env: { ...process.env, BT_TIMING: '1', BT_MARKER: 'passes', ...opts.env },
    encoding: 'utf8',
  });
  let log: LoadedLog | undefined;
  try {
    log = loadLog(path.resolve(dir, output));
  } catch {
    /* no log */
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, log };
}

const STARTED = /^bt: the build started by bt's executable, beside Node's start$/m;
const declined = (why: string) => new RegExp(`^bt: the build started here: bt's executable did not start it \\(${why}\\)$`, 'm');

/** What must be the same in two logs of one build: the header but its times and pid, and each record of the build but times, pids and fds. */
function comparable(log: LoadedLog) {
  const { start_ts, boot_to_wall_ns, root_pid, ...header } = log.header as unknown as Record<string, unknown>;
  void [start_ts, boot_to_wall_ns, root_pid];
  const records = log.records
    .filter((r) => r.open || r.exec || r.exit)
    .map((r) =>
      r.open
        ? ['open', r.open.op, r.open.path, r.open.flags, r.open.fd >= 0, r.open.errno]
        : r.exec
          ? ['exec', r.exec.path, r.exec.argv, r.exec.cwd, r.exec.env.filter((e) => !e.startsWith('BT_EARLY_START='))]
          : ['exit', r.exit!.code, r.exit!.signal],
    );
  return { header, records };
}

ebpfTest("a plain trace's build is started by bt's executable, and its log is the one bt writes without that", () => {
  // as root, and for a sudo user (the build and the log are the user's; USER, LOGNAME, HOME are the user's)
  const sudo = { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' };
  for (const who of [{}, sudo]) {
    const dir = tmpdir();
    fs.chmodSync(dir, 0o1777);
    const work = path.join(dir, 'work'); // made afresh for each run: opens makes its files there exclusively
    const run = (output: string, env: NodeJS.ProcessEnv = {}) => {
      fs.rmSync(work, { recursive: true, force: true });
      fs.mkdirSync(work, { mode: 0o777 });
      fs.chmodSync(work, 0o777);
      return trace([prog('opens'), work], { dir, output, env: { ...who, ...env } });
    };
    const early = run('early.trace');
    const late = run('late.trace', { BT_EARLY_START: '0' });
    assert.equal(early.status, 0, early.stderr);
    assert.equal(late.status, 0, late.stderr);
    assert.match(early.stderr, STARTED);
    assert.match(late.stderr, declined('BT_EARLY_START=0'));
    const a = comparable(early.log!);
    const b = comparable(late.log!);
    assert.deepEqual(a.header, b.header);
    assert.equal(a.records[0][0], 'exec');
    assert.ok((a.records[0][4] as string[]).includes('BT_MARKER=passes'));
    assert.deepEqual(a.records, b.records);
    assert.ok(early.log!.complete && early.log!.trailer?.exit_code === 0);
    // the log is made as bt makes it: the user's, 0600
    const st = fs.statSync(path.join(dir, 'early.trace'));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, who === sudo ? 65534 : 0);
    assert.equal(ofType(early.log!.records, 'exec')[0].exec.uid, who === sudo ? 65534 : 0);
    if (who === sudo) assert.ok((a.records[0][4] as string[]).includes('USER=nobody'));
    // an existing bt log is replaced, by either path
    const again = trace(['true'], { dir, output: 'early.trace', env: who });
    assert.match(again.stderr, STARTED);
    assert.equal(again.log!.header.command.join(' '), 'true');
  }
  // the build's parent is the executable's child, not bt (Node): its name says so
  const parent = trace(['sh', '-c', 'cat /proc/$PPID/comm']);
  assert.equal(parent.status, 0, parent.stderr);
  assert.equal(parent.stdout, 'bt-start\n');
  assert.equal(trace(['sh', '-c', 'cat /proc/$PPID/comm'], { env: { BT_EARLY_START: '0' } }).stdout, 'node\n');
});

ebpfTest("the started build's status, its signals and its end are bt's as ever, and nothing is left behind", async () => {
  const failed = trace(['sh', '-c', 'exit 7']);
  assert.match(failed.stderr, STARTED);
  assert.equal(failed.status, 7);
  assert.equal(failed.log!.trailer?.exit_code, 7);
  // SIGTERM to bt reaches the build (through the launcher's pidfd), and bt ends as it did
  const dir = tmpdir();
  const file = path.join(dir, 't.trace');
  const child = execa(FRONT_PATH, ['trace', '-q', '-o', file, '--', 'sleep', '30'], { reject: false, env: { BT_TIMING: '1' } });
  for (let i = 0; i < 200 && !ofType(safeLog(file)?.records ?? [], 'exec').length; i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  const res = await child;
  assert.match(res.stderr, STARTED);
  assert.equal(res.signal, 'SIGTERM');
  assert.equal(loadLog(file).trailer?.exit_signal, 15);
  // no child of the executable, no cgroup of this bt's
  assert.deepEqual(named('bt-start'), []);
  const parent = traceParents(cgroup2Root(), ownCgroup())[0];
  assert.deepEqual(fs.readdirSync(parent).filter((n) => n.startsWith(`trace-${child.pid}-`)), []);
});

function safeLog(file: string): LoadedLog | undefined {
  try {
    return loadLog(file);
  } catch {
    return undefined;
  }
}

/** The pids of processes with this name. */
function named(comm: string): string[] {
  return fs.readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && fs.readFileSync(`/proc/${p}/comm`, 'utf8') === `${comm}\n`;
    } catch {
      return false;
    }
  });
}

ebpfTest('every command line that is not plain is declined, and bt traces it (or refuses it) as before', () => {
  // an option the executable does not take: the trace is bt's own, with that option
  const noEnv = trace(['true'], { args: ['--no-env'] });
  assert.equal(noEnv.status, 0, noEnv.stderr);
  assert.match(noEnv.stderr, declined('option --no-env'));
  assert.deepEqual(ofType(noEnv.log!.records, 'exec')[0].exec.env, []);
  // a file that is not a bt log: refused by bt, untouched, and the build never ran
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep me\n');
  const kept = trace(['touch', path.join(dir, 'ran')], { dir, output: 'notes.txt' });
  assert.notEqual(kept.status, 0);
  assert.match(kept.stderr, /^bt trace: refusing to replace notes\.txt: it is not a bt log .*--force/m);
  assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'keep me\n');
  assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
  // a command that is not there: bt says so, and nothing ran
  const missing = trace(['no-such-command-here']);
  assert.equal(missing.status, 127, missing.stderr);
  assert.match(missing.stderr, /^bt: no-such-command-here: command not found$/m);
  // a link on the log's path: bt's own careful look, which takes root's own link
  fs.mkdirSync(path.join(dir, 'real'));
  fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'via'));
  const linked = trace(['true'], { dir, output: 'via/t.trace' });
  assert.equal(linked.status, 0, linked.stderr);
  assert.match(linked.stderr, declined("the log's path has a link"));
  assert.ok(loadLog(path.join(dir, 'real', 't.trace')).complete);
});

ebpfTest('a build the executable started is stopped when bt never takes it: Node cannot even run', () => {
  const dir = tmpdir();
  const before = [...named('bt-start'), ...named('bt-bpf-load')];
  const r = spawnSync(FRONT_PATH, ['trace', '-q', '-o', path.join(dir, 't.trace'), '--', '/bin/sh', '-c', `sleep 1; /usr/bin/touch ${dir}/ran`], {
    env: { ...process.env, PATH: '/nonexistent' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 127);
  assert.match(r.stderr, /^bt: cannot run node: /m);
  // the child ends once it has undone what it made (its load may still be running: a busy machine)
  const mine = () => [...named('bt-start'), ...named('bt-bpf-load')].filter((p) => !before.includes(p));
  for (let i = 0; i < 100 && mine().length; i++) spawnSync('sleep', ['0.1']);
  assert.deepEqual(mine(), []);
  spawnSync('sleep', ['1.5']); // the build would have touched the file by now
  assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
  // and its cgroup is gone (named after bt's pid, as bt names its own)
  const parent = traceParents(cgroup2Root(), ownCgroup())[0];
  assert.deepEqual(fs.readdirSync(parent).filter((n) => n.startsWith(`trace-${r.pid}-`)), []);
});

/**
 * The trace as a whole: only the build is recorded, counts add up, the
 * build runs as the sudo user, signals and SIGKILL are survived, bad input
 * gets one clear line, losses are recorded in-band.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { cgroup2Root, ownCgroup, traceParents } from '../../src/capture/cgroup.js';
import { LogReader } from '../../src/log/reader.js';
import { trailerDisagreement } from '../../src/log/check.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { BT, bt, forkEdges, loadLog, ofType, prog, tmpdir, trace } from '../helpers/trace.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

ebpfTest('nothing outside the build is recorded, even under heavy activity', async () => {
  const dir = tmpdir();
  const noiseFile = path.join(dir, 'noise-marker');
  fs.writeFileSync(noiseFile, 'x');
  // A busy process outside the trace opens a marker file and forks all the time.
  // Bounded by `timeout`, so that it cannot outlive a test that times out.
  const noise = execa('timeout', ['60', 'sh', '-c', `while :; do cat ${noiseFile} >/dev/null; done`], { reject: false });
  try {
    const t = await trace([prog('stress'), dir, '20000']);
    assert.equal(t.code, 0, t.stderr);
    const all = JSON.stringify(t.log.records);
    assert.ok(!all.includes('noise-marker'), 'a noise event leaked into the trace');
    // Every pid in the log is the root or a descendant forked inside the build.
    const known = new Set([t.log.header.root_pid, ...forkEdges(t.log.records).map(([, c]) => c)]);
    for (const r of t.log.records) if (r.pid) assert.ok(known.has(r.pid), `foreign pid ${r.pid}`);
    // stress: 20000 opens of stress.txt and 200 failed opens of missing, 20 fork+exec.
    const opens = ofType(t.log.records, 'open');
    assert.equal(opens.filter((r) => r.open.path === path.join(dir, 'stress.txt') && r.open.flags === 0).length, 20000);
    assert.equal(opens.filter((r) => r.open.path === path.join(dir, 'missing') && r.open.errno === 2).length, 200);
    assert.equal(ofType(t.log.records, 'exec').filter((r) => r.exec.path === '/bin/true').length, 20);
    assert.equal(Object.values(t.log.trailer?.lost ?? {}).reduce((a, b) => a + b, 0), 0);
  } finally {
    noise.kill('SIGTERM'); // timeout passes it on to the loop
    await noise;
  }
});

ebpfTest('the trailer counts equal the records in the log: its batches, and the kernel records in them', async () => {
  const t = await trace(['make', '-s', '-C', path.dirname(prog('x')) + '/../cproject', '-B', '-j2']);
  assert.equal(t.code, 0, t.stderr);
  assert.ok(t.log.complete);
  const r = LogReader.open(t.file);
  const records = [...r.records()];
  const end = r.end();
  r.close();
  const tr = t.log.trailer!;
  // the file's records: ring batches (and lost records, none here)
  assert.equal(Number(tr.records), end.records);
  assert.deepEqual(tr.counts, { ring: end.records });
  assert.ok(end.records >= 1);
  // the kernel's records in them, as bt trace counted them and as the reader found them
  assert.equal(Number(tr.ring_records), end.ringRecords);
  // what they stand for: at least one record per kernel record but for argv/env bytes, repeat counts and env references
  assert.ok(records.length > 100 && records.length <= end.ringRecords!, `${records.length} records from ${end.ringRecords}`);
  assert.equal(trailerDisagreement(end), undefined);
  // one ring record taken out of the log's count: the reader says so
  assert.match(trailerDisagreement({ ...end, ringRecords: end.ringRecords! - 1 }) ?? '', /ring records: \d+ in the trailer, \d+ read/);
  // bt dump's last line says both
  const d = await bt(['dump', t.file]);
  assert.match(d.stdout.trim().split('\n').at(-1)!, new RegExp(`exit status 0, ${tr.ring_records} kernel records \\(${tr.records} in the file\\)$`));
});

ebpfTest('with sudo the build runs as the invoking user, who owns the log', async () => {
  const sudoEnv = { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' };
  // the log is created by the user, in a directory the user can write to
  const t = await trace(['/usr/bin/id', '-u'], { env: sudoEnv, shared: true });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.stdout.trim(), '65534');
  assert.equal(fs.statSync(t.file).uid, 65534);
  assert.equal(fs.statSync(t.file).mode & 0o777, 0o600);
  assert.equal(t.log.header.uid, 65534);
  assert.equal(ofType(t.log.records, 'exec')[0].exec.uid, 65534);

  const r = await trace(['/usr/bin/id', '-u'], { env: sudoEnv, args: ['--as-root'], shared: true });
  assert.equal(r.stdout.trim(), '0');
});

/** The BPF link ids held by a process, from its fdinfo. */
function ownLinkIds(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fdinfo`)) {
    const m = /^link_id:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
    if (m) ids.push(Number(m[1]));
  }
  return ids;
}

/** The trace cgroups of the bt runs this test starts: inside the test's own cgroup, or <root>/bt/ when that is the root. */
function traceCgroups(): string[] {
  return traceParents().flatMap((dir) => {
    try {
      return fs.readdirSync(dir).filter((n) => n.startsWith('trace-'));
    } catch {
      return [];
    }
  });
}

async function waitForExec(file: string, argv0: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await sleep(50);
    try {
      if (loadLog(file).records.some((r) => r.exec?.argv[0] === argv0)) return;
    } catch {
      /* header not written yet */
    }
  }
  throw new Error(`no exec of ${argv0} in ${file}`);
}

ebpfTest('SIGTERM to bt reaches the build; the log is closed and everything cleaned up', async () => {
  const dir = tmpdir();
  const file = path.join(dir, 't.trace');
  const child = execa(process.execPath, [BT, 'trace', '-q', '-o', file, '--', 'sleep', '30'], { reject: false });
  await waitForExec(file, 'sleep');
  // This run's cgroup (other traces may run at the same time).
  const mine = () => traceCgroups().filter((n) => n.startsWith(`trace-${child.pid}-`));
  assert.equal(mine().length, 1, 'a trace cgroup exists while tracing');
  const links = ownLinkIds(child.pid!);
  assert.ok(links.length >= 5, `bt holds its BPF links (${links.length})`);
  child.kill('SIGTERM');
  const res = await child;
  assert.equal(res.signal, 'SIGTERM', 'bt ends as its build did: killed by SIGTERM');
  const log = loadLog(file);
  assert.ok(log.complete, 'trailer written');
  assert.equal(log.trailer?.exit_signal, 15);
  assert.equal(ofType(log.records, 'exit')[0].exit.signal, 15);
  assert.deepEqual(mine(), [], 'the cgroup was removed');
  const live = (JSON.parse((await execa('bpftool', ['-j', 'link', 'show'])).stdout) as Array<{ id: number }>).map((l) => l.id);
  assert.deepEqual(links.filter((id) => live.includes(id)), [], 'BPF programs detached');
});

ebpfTest("SIGUSR1 and SIGQUIT to bt reach the build, never open the inspector of Node, and the log is complete", async () => {
  for (const sig of ['SIGUSR1', 'SIGQUIT'] as const) {
    const dir = tmpdir();
    const file = path.join(dir, 't.trace');
    const child = execa(process.execPath, [BT, 'trace', '-q', '-o', file, '--', 'sleep', '30'], { reject: false });
    await waitForExec(file, 'sleep');
    child.kill(sig);
    const res = await child;
    assert.doesNotMatch(res.stderr, /Debugger listening|inspector/i, sig);
    const log = loadLog(file);
    assert.ok(log.complete, `${sig}: trailer written`);
    assert.equal(log.trailer?.exit_signal, sig === 'SIGUSR1' ? 10 : 3, `${sig} reached the build`);
    assert.equal(res.exitCode, sig === 'SIGUSR1' ? 138 : 131, `${sig}: bt exits with the build's status`);
    assert.deepEqual(traceCgroups().filter((n) => n.startsWith(`trace-${child.pid}-`)), [], `${sig}: the cgroup was removed`);
  }
});

ebpfTest('SIGKILL of bt: the log is readable up to the last flush; the next run cleans up', async () => {
  const dir = tmpdir();
  const file = path.join(dir, 't.trace');
  // stdio ignored: the orphaned build would hold our pipes open for 30 s.
  const child = execa(process.execPath, [BT, 'trace', '-q', '-o', file, '--', 'sh', '-c', 'sleep 30; true'], {
    reject: false,
    stdio: 'ignore',
  });
  await waitForExec(file, 'sh');
  child.kill('SIGKILL');
  await child;
  const log = loadLog(file);
  assert.equal(log.complete, false);
  assert.equal(log.trailer, undefined);
  assert.ok(ofType(log.records, 'exec').some((r) => r.exec.argv[0] === 'sh'));
  const stale = traceCgroups().filter((n) => n.startsWith(`trace-${child.pid}-`));
  assert.equal(stale.length, 1, 'the dead run left its cgroup');
  const dump = await bt(['dump', file]);
  assert.equal(dump.code, 0);
  assert.match(dump.stderr, /no trailer/);
  // The next run removes it (moving the orphaned sleep out first).
  const next = await trace(['/bin/true']);
  assert.equal(next.code, 0);
  assert.deepEqual(traceCgroups().filter((n) => n.startsWith(`trace-${child.pid}-`)), []);
  await execa('pkill', ['-f', 'sleep 30'], { reject: false });
});

ebpfTest('a too small ring loses events: counted per reason, recorded in-band, warned about', async () => {
  const dir = tmpdir();
  const t = await trace([prog('stress'), dir, '200000'], { args: ['--ring-size', '64K'] });
  assert.equal(t.code, 0, t.stderr);
  const lostRecs = ofType(t.log.records, 'lost').filter((r) => r.lost.reason === 'ringbuf');
  const inBand = lostRecs.reduce((a, r) => a + r.lost.count, 0);
  assert.ok(inBand > 0, 'expected losses with a 64 KiB ring');
  assert.equal(t.log.trailer?.lost?.ringbuf, inBand);
  for (const r of lostRecs) assert.ok(r.lost.from_ts! <= r.lost.to_ts!);
  assert.match(t.stderr, /events were lost .*ringbuf \d+.*--ring-size/);
});

ebpfTest('bad input: one clear line and a non-zero status, never a stack trace', async () => {
  const dir = tmpdir();
  const cases: Array<[string[], number, RegExp]> = [
    [['trace', '-o', path.join(dir, 'a.trace'), '--', 'no-such-command-xyz'], 127, /^bt: no-such-command-xyz: command not found$/],
    [['trace', '-o', path.join(dir, 'a.trace'), '--', ''], 127, /^bt: the command is an empty string$/],
    [['trace', '-o', '/nonexistent-dir/x.trace', '--', 'true'], 125, /^bt: cannot write the log \/nonexistent-dir\/x.trace: .*\(ENOENT\): the directory does not exist$/],
    // the directory is there, but no file can be made in it: said so, not "does not exist"
    [['trace', '-o', '/proc/x.trace', '--', 'true'], 125, /^bt: cannot write the log \/proc\/x.trace: .*\(ENOENT\): files cannot be created in \/proc; choose another path$/],
    [['trace', '-o', path.join(dir, 'd.trace'), '--', '/tmp'], 126, /^bt: \/tmp: is a directory, not a command$/],
    [['trace', '--ring-size', '4096', '--', 'true'], 2, /^bt: ring size 4096 is smaller than the minimum of 64 KiB/],
    [['trace', '--grace', '', '--', 'true'], 2, /invalid duration ""/],
    [['trace', '--ring-size', '1000', '--', 'true'], 2, /^bt: ring size 1000 is not a power of two/],
    [['trace', '--ring-size', 'lots', '--', 'true'], 2, /invalid size "lots"/],
    [['dump', '/etc/passwd'], 2, /^bt: \/etc\/passwd is not a bt log/],
    [['dump', path.join(dir, 'missing.trace')], 2, /^bt: .*missing.trace/],
  ];
  for (const [args, code, re] of cases) {
    const r = await bt(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.ok(!/\n\s+at /.test(r.stderr), `stack trace for ${args.join(' ')}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
  }
  const noroot = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BT, 'trace', '-o', path.join(dir, 'n.trace'), '--', 'true'], { reject: false });
  assert.equal(noroot.exitCode, 125, 'bt failing to trace: 125, never a status a build could have');
  assert.match(String(noroot.stderr), /^bt: bt trace needs root/);
});

// The drain has to keep pace, not the ring to hold everything: the default
// 32 MiB ring (bt's log of this run is ~56 MiB) loses nothing, because bt
// raises its priority as soon as the ring fills, before it drains. (16 MiB is
// mostly enough, but lost 8,009 events once in CI; deciding the priority
// after the whole drain lost ~370k events with 32 MiB, and 172k with 64 MiB
// on the slower CI machine.)
ebpfTest('the default ring loses nothing while a CPU hog outside the trace keeps one core busy', async () => {
  const dir = tmpdir();
  const hog = execa('timeout', ['120', 'sh', '-c', 'while :; do :; done'], { reject: false });
  try {
    // one stress per CPU: ~1.2M events in a few seconds, far more than a real build's rate
    const script = [0, 1].map((i) => `mkdir -p ${dir}/w${i} && ${prog('stress')} ${dir}/w${i} 300000 2>/dev/null &`).join(' ') + ' wait';
    const t = await trace(['sh', '-c', script]);
    assert.equal(t.log.header.options?.ring_bytes, String(32 * 1024 * 1024));
    assert.equal(t.code, 0, t.stderr);
    assert.equal(Object.values(t.log.trailer?.lost ?? {}).reduce((a, b) => a + b, 0), 0, JSON.stringify(t.log.trailer?.lost));
    assert.equal(ofType(t.log.records, 'lost').length, 0);
    assert.equal(ofType(t.log.records, 'open').filter((r) => r.open.path.endsWith('stress.txt') && r.open.flags === 0).length, 600_000);
  } finally {
    hog.kill('SIGTERM');
    await hog;
  }
}, 180_000);

ebpfTest('a trace that stops before its build (a log it cannot write) leaves no cgroup and no launcher behind', async () => {
  const dir = tmpdir();
  const child = execa(process.execPath, [BT, 'trace', '-q', '-o', path.join(dir, 'missing', 'x.trace'), '--', 'true'], { reject: false });
  const res = await child;
  assert.equal(res.exitCode, 125, res.stderr);
  assert.match(res.stderr, /^bt: cannot write the log .*missing\/x\.trace: .*ENOENT.*$/);
  // the head start made a cgroup and started the launcher before the options were read: both are gone
  assert.deepEqual(traceCgroups().filter((n) => n.startsWith(`trace-${child.pid}-`)), []);
  const launchers = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('bt-launch') && fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(' ')[3] === String(child.pid);
    } catch {
      return false;
    }
  });
  assert.deepEqual(launchers, []);
});

ebpfTest("the build reads bt's stdin and writes to bt's stdout and stderr, and its exit status is bt's", async () => {
  const dir = tmpdir();
  const res = await execa(process.execPath, [BT, 'trace', '-q', '-o', path.join(dir, 't.trace'), '--', 'sh', '-c', 'read line; echo "out:$line"; echo err >&2; exit 5'], {
    input: 'from stdin\n',
    reject: false,
  });
  assert.equal(res.exitCode, 5);
  assert.equal(res.stdout, 'out:from stdin');
  assert.equal(res.stderr, 'err');
});

ebpfTest('the build has the file descriptors bt was given and none of its own (the programs load while the launcher starts)', async () => {
  const dir = tmpdir();
  const script = 'for f in /proc/$$/fd/*; do echo "${f##*/} $(readlink "$f")"; done';
  const fds = (out: string) => out.split('\n').map((l) => l.split(' ')[0]).filter((fd) => fd !== '');
  const plain = await execa('sh', ['-c', script]);
  // the light skeleton's load, then libbpf's (BT_LSKEL=0), which opens files
  for (const env of [{}, {}, { BT_LSKEL: '0' }]) {
    const res = await execa(process.execPath, [BT, 'trace', '-q', '-o', path.join(dir, 't.trace'), '--', 'sh', '-c', script], { reject: false, env });
    assert.equal(res.exitCode, 0, res.stderr);
    assert.deepEqual(fds(res.stdout), fds(plain.stdout), `under bt:\n${res.stdout}\nwithout:\n${plain.stdout}`);
  }
});

ebpfTest('the build starts with every signal at its default action and none blocked, as from a shell', async () => {
  const dir = tmpdir();
  // with SIGPIPE ignored (Node ignores it), `yes | head -1` would never end
  const res = await execa(process.execPath, [BT, 'trace', '-q', '-o', path.join(dir, 't.trace'), '--', 'sh', '-c', 'yes | head -1; grep -E "^Sig(Ign|Blk)" /proc/self/status'], {
    reject: false,
    timeout: 20_000,
  });
  assert.equal(res.exitCode, 0, res.stderr);
  const [first, ...status] = res.stdout.split('\n');
  assert.equal(first, 'y');
  const mask = (name: string) => BigInt(`0x${/:\s*([0-9a-f]+)/.exec(status.find((l) => l.startsWith(name)) ?? '')?.[1] ?? 'ffff'}`);
  assert.equal(mask('SigBlk'), 0n);
  assert.equal(mask('SigIgn'), 0n, `signals ignored: ${status.join(' ')}`);
});

ebpfTest("a trace needs no more than one thread of libuv's pool (UV_THREADPOOL_SIZE=1)", async () => {
  const dir = tmpdir();
  const res = await execa(process.execPath, [BT, 'trace', '-q', '-o', path.join(dir, 't.trace'), '--', 'sh', '-c', 'echo ok; exit 4'], {
    reject: false,
    timeout: 20_000,
    env: { UV_THREADPOOL_SIZE: '1' },
  });
  assert.equal(res.exitCode, 4, res.stderr);
  assert.equal(res.stdout, 'ok');
  assert.ok(loadLog(path.join(dir, 't.trace')).complete);
});

ebpfTest("bt's every thread (V8's compiler and collector threads too) drains at nice 10, below the build", async () => {
  // the build's root process is the launcher's exec: its parent is bt
  const script = 'sleep 1; for t in /proc/$PPID/task/*; do cut -d")" -f2- "$t/stat" | awk "{print \\$17}"; done; nice';
  const t = await trace(['sh', '-c', script]);
  assert.equal(t.code, 0, t.stderr);
  const lines = t.stdout.trim().split('\n');
  const buildNice = lines.pop();
  assert.equal(buildNice, String(os.getPriority()), "the build keeps its priority (the test runner's)");
  assert.ok(lines.length >= 3, `bt's threads: ${lines.join(' ')}`);
  assert.deepEqual([...new Set(lines)], ['10'], `nice of bt's threads: ${lines.join(' ')}`);
});

ebpfTest('a bt trace inside a traced build: the outer log records the inner build too', async () => {
  const dir = tmpdir();
  const outer = path.join(dir, 'outer.trace');
  const inner = path.join(dir, 'inner.trace');
  const child = execa(process.execPath, [BT, 'trace', '-q', '-o', outer, '--', process.execPath, BT, 'trace', '-q', '-o', inner, '--', 'sh', '-c', 'cat /etc/hostname >/dev/null; exit 7'], { reject: false });
  const r = await child;
  assert.equal(r.exitCode, 7, String(r.stderr));
  for (const file of [outer, inner]) {
    const log = loadLog(file);
    const execs = ofType(log.records, 'exec').map((e) => e.exec.path);
    assert.ok(execs.includes('/usr/bin/cat') || execs.includes('/bin/cat'), `${path.basename(file)}: the inner build's cat (${execs.join(' ')})`);
    const sh = ofType(log.records, 'exec').find((e) => e.exec.argv[0] === 'sh');
    assert.ok(sh, `${path.basename(file)}: the inner build's sh`);
    assert.equal(ofType(log.records, 'exit').find((e) => e.pid === sh.pid)?.exit.code, 7, `${path.basename(file)}: its exit`);
  }
  assert.deepEqual(traceCgroups().filter((n) => n.startsWith(`trace-${child.pid}-`)), [], 'both cgroups removed (the inner one was inside the outer)');
});

ebpfTest('processes left running go back to the cgroup bt was started in', async () => {
  const home = path.join(cgroup2Root(), `bt-test-home-${process.pid}`);
  fs.mkdirSync(home);
  const dir = tmpdir();
  const pidFile = path.join(dir, 'pid');
  let left = 0;
  try {
    const r = await execa('sh', ['-c', `echo $$ > ${home}/cgroup.procs && exec "$0" "$@"`, process.execPath, BT, 'trace', '-q', '--grace', '0.5', '-o', path.join(dir, 't.trace'), '--', 'sh', '-c', `sleep 30 & echo $! > ${pidFile}`], { reject: false, stdio: ['ignore', 'ignore', 'pipe'] });
    assert.equal(r.exitCode, 0, String(r.stderr));
    left = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.match(String(r.stderr), /still running after the grace period/);
    assert.doesNotMatch(String(r.stderr), /waiting up to/, '-q: no line while bt waits');
    assert.equal(ownCgroup(fs.readFileSync(`/proc/${left}/cgroup`, 'utf8')), `/${path.basename(home)}`);
  } finally {
    if (left) process.kill(left, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try {
        fs.rmdirSync(home);
        break;
      } catch {
        await new Promise((res) => setTimeout(res, 20));
      }
    }
  }
});

/** Removes a test's cgroup DIR and the trace cgroups a killed bt left in it, once their tasks have left. */
async function removeCgroup(dir: string): Promise<void> {
  for (let i = 0; i < 100 && fs.existsSync(dir); i++) {
    try {
      for (const n of fs.readdirSync(dir)) if (n.startsWith('trace-')) fs.rmdirSync(path.join(dir, n));
      fs.rmdirSync(dir);
    } catch {
      await sleep(20);
    }
  }
}

const pidsIn = (dir: string) => fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
/** A process that is gone or a zombie (killed; its new parent has not reaped it yet). */
const dead = (pid: number) => !fs.existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));

// The review's recipe: a supervisor stops a job by killing its cgroup
// (systemd's stop, a CI runner's timeout, cgroup.kill). The build's cgroup
// is inside the caller's, so the build dies with bt instead of running on.
ebpfTest("killing the cgroup bt was started in (cgroup.kill, as systemd's stop) kills the build too", async () => {
  const unit = path.join(cgroup2Root(), `bt-test-unit-${process.pid}`);
  fs.mkdirSync(unit);
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, 'Makefile'), 'all:\n\tsleep 30\n\ttouch done.txt\n');
  const file = path.join(dir, 'unit.trace');
  let build: number[] = [];
  try {
    // stdio ignored: a build that escaped would hold our pipes open for 30 s
    const child = execa('sh', ['-c', `echo $$ > ${unit}/cgroup.procs && exec "$0" "$@"`, process.execPath, BT, 'trace', '-o', file, '--', 'make', '-s', '-C', dir], { reject: false, stdio: 'ignore' });
    await waitForExec(file, 'sleep');
    const inner = fs.readdirSync(unit).filter((n) => n.startsWith('trace-'));
    assert.deepEqual(inner, [inner.find((n) => n.startsWith(`trace-${child.pid}-`))], 'the trace cgroup is inside the caller\'s');
    assert.deepEqual(pidsIn(unit), [child.pid], 'bt alone in the caller\'s cgroup');
    build = pidsIn(path.join(unit, inner[0]!));
    assert.equal(build.length, 2, 'make and its sleep in the trace cgroup');
    fs.writeFileSync(path.join(unit, 'cgroup.kill'), '1');
    const r = await child;
    assert.equal(r.signal, 'SIGKILL');
    for (let i = 0; i < 100 && /populated 1/.test(fs.readFileSync(path.join(unit, 'cgroup.events'), 'utf8')); i++) await sleep(20);
    assert.match(fs.readFileSync(path.join(unit, 'cgroup.events'), 'utf8'), /populated 0/, 'nothing of the build runs on');
    for (const pid of build) assert.ok(dead(pid), `${pid} was killed`);
    await sleep(300);
    assert.ok(!fs.existsSync(path.join(dir, 'done.txt')), 'the build did not go on to its end');
  } finally {
    for (const pid of build) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await removeCgroup(unit);
  }
});

ebpfTest('a caller\'s cgroup that cannot hold the trace\'s (a threaded one): <root>/bt/ instead, with a one-line note', async () => {
  const domain = path.join(cgroup2Root(), `bt-test-threaded-${process.pid}`);
  const threaded = path.join(domain, 'a');
  fs.mkdirSync(threaded, { recursive: true });
  try {
    fs.writeFileSync(path.join(threaded, 'cgroup.type'), 'threaded');
    const file = path.join(tmpdir(), 't.trace');
    const child = execa('sh', ['-c', `echo $$ > ${threaded}/cgroup.procs && exec "$0" "$@"`, process.execPath, BT, 'trace', '-q', '-o', file, '--', 'sh', '-c', 'grep ^0:: /proc/self/cgroup'], { reject: false });
    const r = await child;
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.match(String(r.stdout), new RegExp(`^0::/bt/trace-${child.pid}-[0-9a-z]+$`));
    assert.equal(
      String(r.stderr),
      `bt: note: cannot make the trace's cgroup inside ${threaded} (EOPNOTSUPP: a child of it is "domain invalid"): ` +
        `it is ${path.join(cgroup2Root(), String(r.stdout).slice(3))}, where stopping, freezing or limiting the cgroup bt runs in does not reach the build`,
    );
    assert.deepEqual(fs.readdirSync(threaded).filter((n) => n.startsWith('trace-')), [], 'nothing left inside the threaded cgroup');
    assert.equal(loadLog(file).trailer?.exit_status, 0, 'traced');
  } finally {
    await removeCgroup(threaded);
    await removeCgroup(domain);
  }
});

ebpfTest('after the command exits, bt says what it waits for; a SIGINT stops the wait and leaves them running', async () => {
  const dir = tmpdir();
  const file = path.join(dir, 'g.trace');
  const pidFile = path.join(dir, 'pid');
  // its output elsewhere: the leftovers would hold our pipes open
  const script = `sh -c 'sleep 30; true' >/dev/null 2>&1 & echo $! > ${pidFile}`;
  const child = execa(process.execPath, [BT, 'trace', '-o', file, '--grace', '10', '--', 'sh', '-c', script], { reject: false, stdio: ['ignore', 'ignore', 'pipe'] });
  let left: number[] = [];
  try {
    const said = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stderr!.on('data', (d: Buffer) => {
        text += String(d);
        if (text.includes('\n')) resolve(text);
      });
      child.stderr!.on('end', () => reject(new Error(`no line: ${text}`)));
    });
    const sh = Number(fs.readFileSync(pidFile, 'utf8'));
    const sleepPid = Number(fs.readFileSync(`/proc/${sh}/task/${sh}/children`, 'utf8').trim());
    left = [sh, sleepPid];
    assert.equal(
      said,
      `bt: the build exited with status 0; waiting up to 10 s for 2 processes that outlived it: sh -c 'sleep 30; true' (pid ${sh}), sleep 30 (pid ${sleepPid}); ` +
        'Ctrl-C stops waiting (what ignores it keeps running)\n',
    );
    const t0 = Date.now();
    child.kill('SIGINT');
    const r = await child;
    assert.ok(Date.now() - t0 < 1000, `bt ended ${Date.now() - t0} ms after the SIGINT`);
    assert.equal(r.exitCode, 0, 'the build\'s status');
    const lines = String(r.stderr).trim().split('\n');
    assert.match(lines[1]!, /^bt: \d+ records, .* written to .*g\.trace; the build exited with status 0$/);
    assert.deepEqual(lines.slice(2), [
      `bt: warning: still running when Ctrl-C stopped the wait, left outside the trace: ${sh} sh -c 'sleep 30; true'`,
      `bt: warning: still running when Ctrl-C stopped the wait, left outside the trace: ${sleepPid} sleep 30`,
    ]);
    for (const pid of left) assert.ok(!dead(pid), `${pid} still runs`);
    // the trailer keeps its form: "PID CMDLINE", arguments joined by spaces
    assert.deepEqual(loadLog(file).trailer?.leftover, [`${sh} sh -c sleep 30; true`, `${sleepPid} sleep 30`]);
  } finally {
    child.kill('SIGKILL');
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
});

ebpfTest('on a terminal the closing line is followed by the next step, once; piped, it is not', async () => {
  const dir = tmpdir();
  const file = path.join(dir, 'my build.trace');
  // script(1) gives bt a terminal
  const r = await execa('script', ['-qfec', `"${process.execPath}" "${BT}" trace -o '${file}' -- true`, '/dev/null'], { reject: false, stdin: 'ignore' });
  assert.equal(r.exitCode, 0, String(r.stdout));
  const lines = String(r.stdout).replace(/\r/g, '').split('\n').map((l) => l.replace(/^.*\x1b\[2K/, '')).filter(Boolean);
  assert.match(lines.at(-2)!, /^bt: \d+ records, .* written to .*my build\.trace; the build exited with status 0$/);
  assert.equal(lines.at(-1), `bt: next: bt summary '${file}' (or bt view '${file}')`);
  assert.equal(lines.filter((l) => l.startsWith('bt: next:')).length, 1);
  const piped = await bt(['trace', '-o', file, '--', 'true']);
  assert.match(piped.stderr, /^bt: \d+ records, .* written to .*my build\.trace; the build exited with status 0$/, 'one line, as before');
});

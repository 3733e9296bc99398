/**
 * bt trace's log destination: written before the build starts, a full
 * disk, FIFOs and stdout, two traces on one log, and commands resolved as
 * the sudo user.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cgroup2Root } from '../../src/capture/cgroup.js';
import { LogReader } from '../../src/log/reader.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { BT, bt, loadLog, ofType, prog, tmpdir } from '../helpers/trace.js';

const MAGIC = Buffer.from([0x89, 0x42, 0x54, 0x4c, 0x4f, 0x47, 0x0d, 0x0a]);

ebpfTest('the log and its header are on disk before the build runs', async () => {
  const dir = tmpdir();
  const log = path.join(dir, 'x.trace');
  const copy = path.join(dir, 'copy');
  const r = await bt(['trace', '-q', '-o', log, '--', 'sh', '-c', `cat ${log} > ${copy}`]);
  assert.equal(r.code, 0, r.stderr);
  const seen = fs.readFileSync(copy);
  assert.ok(seen.subarray(0, 8).equals(MAGIC), 'the build saw the magic number');
  const reader = LogReader.open(copy); // and a whole header, with the build's pid
  assert.equal(reader.header.root_pid, loadLog(log).header.root_pid);
  assert.deepEqual(reader.header.command, ['sh', '-c', `cat ${log} > ${copy}`]);
  reader.close();
});

ebpfTest('a full disk: one line saying what was kept, a readable log, exit 74, the cgroup removed', async () => {
  const mnt = tmpdir('bt-full-');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
  assert.equal(m.status, 0, String(m.stderr));
  try {
    const log = path.join(mnt, 'x.trace');
    const work = tmpdir();
    const child = execa(process.execPath, [BT, 'trace', '-o', log, '--', prog('stress'), work, '20000'], { reject: false });
    const btPid = child.pid!;
    const r = await child;
    assert.equal(r.exitCode, 74, String(r.stderr));
    const lines = String(r.stderr).trim().split('\n').filter((l) => l.startsWith('bt:'));
    assert.equal(lines.length, 2, String(r.stderr));
    assert.match(lines[0]!, /^bt: cannot write log .*x\.trace: no space left on device \(ENOSPC\): the log keeps its first [\d,]+ bytes, readable up to there \(no trailer\); the build goes on untraced and bt will exit with status 74$/);
    assert.match(lines[1]!, /^bt: the build exited with status 0; the log .* is incomplete/);
    assert.match(String(r.stderr), /stress: 40262 syscalls/, 'the build ran to its end');
    const kept = Number(/first ([\d,]+) bytes/.exec(lines[0]!)![1]!.replace(/,/g, ''));
    assert.equal(fs.statSync(log).size, kept);
    const l = loadLog(log);
    assert.equal(l.torn, undefined, 'readable to its last complete record');
    assert.equal(l.trailer, undefined);
    assert.ok(l.records.length > 1000, `${l.records.length} records kept`);
    const bts = path.join(cgroup2Root(), 'bt');
    const left = fs.existsSync(bts) ? fs.readdirSync(bts).filter((d) => d.startsWith(`trace-${btPid}-`)) : [];
    assert.deepEqual(left, []);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

ebpfTest('a log whose header cannot be written: one line, exit 125, and the build never runs', async () => {
  const dir = tmpdir();
  const ran = path.join(dir, 'ran');
  const r = await bt(['trace', '-o', '/dev/full', '--', 'sh', '-c', `echo yes > ${ran}`]);
  assert.equal(r.code, 125, r.stderr);
  assert.equal(r.stderr, 'bt: cannot write log /dev/full: no space left on device (ENOSPC). The disk is full: free some space or write the log to another file system (-o).');
  assert.ok(!fs.existsSync(ran), 'the build did not run');
});

ebpfTest('a disk that fills at the last write (when the log is closed): exit 74 all the same', async () => {
  const mnt = tmpdir('bt-full-');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  assert.equal(m.status, 0, String(m.stderr));
  try {
    fs.writeFileSync(path.join(mnt, 'fill'), Buffer.alloc(56 * 1024)); // 8 KiB left: the header, not the records
    const log = path.join(mnt, 'x.trace');
    // short: its records are still in bt's batch when the build ends (flushed every 500 ms)
    const r = await bt(['trace', '-o', log, '--', 'sh', '-c', 'for i in $(seq 40); do cat /etc/hostname >/dev/null; done; exit 3']);
    assert.equal(r.code, 74, r.stderr);
    const lines = r.stderr.split('\n');
    assert.match(lines[0]!, /^bt: cannot write log .*x\.trace: no space left on device \(ENOSPC\): .* bt will exit with status 74$/);
    assert.match(lines[1]!, /^bt: the build exited with status 3; the log .* is incomplete/);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

ebpfTest('-o FIFO: written through when read, one line when nobody reads; -o - is refused', async () => {
  const dir = tmpdir();
  const fifo = path.join(dir, 'f');
  spawnSync('mkfifo', [fifo]);
  const t0 = Date.now();
  const none = await bt(['trace', '-o', fifo, '--', 'true'], { timeout: 20_000 });
  assert.equal(none.code, 125);
  assert.equal(none.stderr, `bt: cannot write the log ${fifo}: it is a FIFO with no reader: start the reader first`);
  assert.ok(Date.now() - t0 < 15_000);
  const out = path.join(dir, 'through.trace');
  const reader = spawn('sh', ['-c', `cat ${fifo} > ${out}`]);
  const readerDone = new Promise((res) => reader.on('close', res));
  await new Promise((r) => setTimeout(r, 200));
  const r = await bt(['trace', '-q', '-o', fifo, '--', prog('forker')], { timeout: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  await readerDone;
  const l = loadLog(out);
  assert.ok(l.complete);
  assert.ok(l.records.some((x) => x.exec?.path === prog('forker')));
  assert.ok(fs.lstatSync(fifo).isFIFO());
  const dash = await bt(['trace', '-o', '-', '--', 'true']);
  assert.equal(dash.code, 2);
  assert.match(dash.stderr, /^bt: bt trace -o -: stdout is the build's own output; write the log to a file or a FIFO/);
});

ebpfTest('two traces with the same -o: the second refuses in one line, the first log is whole', async () => {
  const dir = tmpdir();
  const log = path.join(dir, 'x.trace');
  const first = execa(process.execPath, [BT, 'trace', '-q', '-o', log, '--', 'sh', '-c', 'sleep 5; echo first'], { reject: false });
  for (let i = 0; i < 100 && !(fs.existsSync(log) && fs.statSync(log).size > 8); i++) await new Promise((r) => setTimeout(r, 50));
  const second = await bt(['trace', '-q', '-o', log, '--', 'echo', 'second']);
  assert.equal(second.code, 125);
  assert.equal(second.stderr, `bt: ${log} is being written by another bt trace: wait for it to end or choose another -o`);
  assert.equal(second.stdout, '', 'the second build did not run');
  const r = await first;
  assert.equal(r.exitCode, 0, String(r.stderr));
  const l = loadLog(log);
  assert.ok(l.complete);
  assert.deepEqual(l.header.command, ['sh', '-c', 'sleep 5; echo first']);
  assert.ok(!l.records.some((x) => x.exec?.argv?.[1] === 'second'));
});

ebpfTest('the command is resolved as the sudo user: a hidden file and a missing one both give 127', async () => {
  const secret = tmpdir('bt-secret-'); // root's, 0700
  fs.copyFileSync('/bin/true', path.join(secret, 'x'));
  fs.chmodSync(path.join(secret, 'x'), 0o755);
  const shared = tmpdir();
  fs.chmodSync(shared, 0o1777);
  const env = { ...process.env, SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' };
  const hidden = await bt(['trace', '-o', path.join(shared, 'a.trace'), '--', path.join(secret, 'x')], { env });
  const missing = await bt(['trace', '-o', path.join(shared, 'b.trace'), '--', path.join(secret, 'y')], { env });
  assert.equal(hidden.code, 127, hidden.stderr);
  assert.equal(missing.code, 127, missing.stderr);
  assert.equal(hidden.stderr, `bt: ${path.join(secret, 'x')}: command not found`);
  // root itself still runs it
  const asRoot = await bt(['trace', '-q', '-o', path.join(shared, 'c.trace'), '--', path.join(secret, 'x')]);
  assert.equal(asRoot.code, 0, asRoot.stderr);
  // --as-root under sudo: the build runs as root, the log is still the sudo user's
  const d = path.join(shared, 'd.trace');
  const r = await bt(['trace', '-q', '--as-root', '-o', d, '--', path.join(secret, 'x')], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([fs.statSync(d).uid, fs.statSync(d).gid], [65534, 65534]);
  assert.equal(ofType(loadLog(d).records, 'exec')[0]!.exec.uid, 0);
});

ebpfTest('-o never replaces a file that is not a bt log (unless --force), nor takes an option for a name; bt failing to trace exits 125, not 1', async () => {
  const dir = tmpdir();
  const src = path.join(dir, 'main.c');
  fs.writeFileSync(src, 'int main(void) { return 0; }\n');
  const r = await bt(['trace', '-q', '-o', src, '--', 'true']);
  assert.equal(r.code, 125, r.stderr);
  assert.equal(r.stderr, `bt trace: refusing to replace ${src}: it is not a bt log (it looks like text); pass --force to replace it`);
  assert.equal(fs.readFileSync(src, 'utf8'), 'int main(void) { return 0; }\n');
  // --force replaces it
  const note = path.join(dir, 'note.txt');
  fs.writeFileSync(note, 'keep?\n');
  const forced = await bt(['trace', '-q', '--force', '-o', note, '--', 'true']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(loadLog(note).complete);
  // an old log, even one cut short, and an empty file are replaced
  const old = path.join(dir, 'old.trace');
  assert.equal((await bt(['trace', '-q', '-o', old, '--', 'true'])).code, 0);
  fs.truncateSync(old, 100);
  const empty = path.join(dir, 'empty.trace');
  fs.writeFileSync(empty, '');
  for (const f of [old, empty]) {
    const again = await bt(['trace', '-q', '-o', f, '--', prog('exit-code'), '1']);
    assert.equal(again.code, 1, again.stderr);
    assert.ok(loadLog(f).complete);
  }
  const dashes = await bt(['trace', '-q', '-o', '--', 'true'], { cwd: dir });
  assert.equal(dashes.code, 2);
  assert.match(dashes.stderr, /^bt: -o needs a file name, not --/);
  assert.ok(!fs.existsSync(path.join(dir, '--')));
});

ebpfTest('a build that removes its own log: bt says the log is gone and exits 74', async () => {
  const dir = tmpdir();
  const log = path.join(dir, 'build.trace');
  const r = await bt(['trace', '-o', log, '--', 'sh', '-c', `rm -f ${dir}/*.trace; exit 3`]);
  assert.equal(r.code, 74, r.stderr);
  assert.equal(r.stderr, `bt: the build removed ${log} (or put another file in its place): the log written there is gone; the build exited with status 3`);
  assert.ok(!fs.existsSync(log));
});

ebpfTest('a script without #! is run by /bin/sh (as execvp does); a missing #! interpreter is named (126)', async () => {
  const dir = tmpdir();
  const ns = path.join(dir, 'ns.sh');
  fs.writeFileSync(ns, 'echo "from $0 $1"; exit 4\n', { mode: 0o755 });
  const r = await bt(['trace', '-q', '-o', path.join(dir, 'ns.trace'), '--', ns, 'arg1']);
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.stdout, `from ${ns} arg1`);
  const execs = ofType(loadLog(path.join(dir, 'ns.trace')).records, 'exec').map((e) => [e.exec.path, e.exec.argv, e.exec.errno ?? 0]);
  assert.deepEqual(execs, [
    [ns, [ns, 'arg1'], 8], // ENOEXEC
    ['/bin/sh', ['/bin/sh', ns, 'arg1'], 0],
  ]);
  const bad = path.join(dir, 'bad.sh');
  fs.writeFileSync(bad, '#!/nonexistent/interp -x\necho x\n', { mode: 0o755 });
  const b = await bt(['trace', '-q', '-o', path.join(dir, 'bad.trace'), '--', bad]);
  assert.equal(b.code, 126);
  assert.equal(b.stderr, `bt: cannot run ${bad}: bad interpreter /nonexistent/interp: No such file or directory`);
});

ebpfTest("a log that is also bt's stdout, stderr or stdin (the shell made it empty first) is refused in one line, 125, before the build runs", async () => {
  const dir = tmpdir();
  const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  const cases: Array<[string, string, string]> = [
    [`'${process.execPath}' '${BT}' trace -o same.log -- sh -c 'echo ran > ran.txt' > same.log`, 'same.log', "same.log is also the standard output: the build's output would overwrite the log; write the log elsewhere"],
    [`'${process.execPath}' '${BT}' trace -- sh -c 'echo ran > ran.txt' > build.trace`, 'build.trace', "build.trace is also the standard output: the build's output would overwrite the log; write the log elsewhere"],
    [`'${process.execPath}' '${BT}' trace -o err.log -- sh -c 'echo ran > ran.txt' 2> err.log`, 'err.log', "err.log is also the standard error: the build's output would overwrite the log; write the log elsewhere"],
    [`'${process.execPath}' '${BT}' trace -o in.log -- sh -c 'echo ran > ran.txt' < in.log`, 'in.log', 'in.log is also the standard input: the build would read the log as bt writes it; write the log elsewhere'],
  ];
  fs.writeFileSync(path.join(dir, 'in.log'), '');
  for (const [cmd, file, line] of cases) {
    const r = sh(`${cmd}; echo "rc=$?" >&2`);
    const stderr = file === 'err.log' ? fs.readFileSync(path.join(dir, file), 'utf8') + r.stderr : r.stderr;
    assert.equal(stderr, `bt: ${line}\nrc=125\n`, cmd);
    assert.equal(fs.statSync(path.join(dir, file)).size, file === 'err.log' ? Buffer.byteLength(`bt: ${line}\n`) : 0, 'the file is as the shell left it');
    assert.ok(!fs.existsSync(path.join(dir, 'ran.txt')), 'the build never ran');
  }
  // an old log given as the build's stdout is kept whole, not truncated
  const old = path.join(dir, 'old.trace');
  assert.equal((await bt(['trace', '-q', '-o', old, '--', 'true'])).code, 0);
  const before = fs.readFileSync(old);
  const r = sh(`'${process.execPath}' '${BT}' trace -o old.trace -- true >> old.trace`);
  assert.equal(r.status, 125, r.stderr);
  assert.equal(r.stderr, "bt: old.trace is also the standard output: the build's output would overwrite the log; write the log elsewhere\n");
  assert.ok(fs.readFileSync(old).equals(before));
  // a FIFO that is bt's stdout: the same line
  const fifo = path.join(dir, 'f');
  spawnSync('mkfifo', [fifo]);
  const viaFifo = sh(`cat f > /dev/null & '${process.execPath}' '${BT}' trace -o f -- true > f; echo "rc=$?" >&2; wait`);
  assert.equal(viaFifo.stderr, "bt: f is also the standard output: the build's output would overwrite the log; write the log elsewhere\nrc=125\n");
  // /dev/null as both is fine, as before
  const nul = sh(`'${process.execPath}' '${BT}' trace -q -o /dev/null -- sh -c 'echo out; echo err >&2' > /dev/null 2>&1; echo "rc=$?"`);
  assert.equal(nul.stdout, 'rc=0\n');
});

ebpfTest('a build that truncates or overwrites its log in place: bt says so in one line and exits 74', async () => {
  const dir = tmpdir();
  const cases: Array<[string, string]> = [
    ['echo junk > build.trace', 'its start was overwritten'],
    [': > build.trace', 'its start was overwritten'],
  ];
  for (const [cmd, why] of cases) {
    fs.rmSync(path.join(dir, 'build.trace'), { force: true });
    const r = await bt(['trace', '--', 'sh', '-c', `sleep 0.3; ${cmd}; exit 3`], { cwd: dir });
    assert.equal(r.code, 74, r.stderr);
    assert.equal(r.stderr, `bt: the build wrote into build.trace (${why}): the log written there is not whole; the build exited with status 3`);
    assert.ok(!fs.readFileSync(path.join(dir, 'build.trace')).subarray(0, 8).equals(MAGIC));
  }
  // bytes appended meanwhile land where bt writes next, and bt writes over them: the log is whole, nothing said
  fs.rmSync(path.join(dir, 'build.trace'), { force: true });
  const grown = await bt(['trace', '-q', '--', 'sh', '-c', 'sleep 0.3; printf "%02000d" 0 >> build.trace; exit 3'], { cwd: dir });
  assert.equal(grown.code, 3, grown.stderr);
  assert.equal(grown.stderr, '');
  assert.ok(loadLog(path.join(dir, 'build.trace')).complete);
});

ebpfTest("bt trace -o: a link another user planted in a sticky shared directory (to their FIFO, to /dev/zero) and their FIFO are refused in one line, 125; the build never runs and the FIFO's reader gets nothing", async (t) => {
  const base = tmpdir();
  fs.chmodSync(base, 0o755);
  const dir = path.join(base, 'tmp');
  fs.mkdirSync(dir, { mode: 0o1777 });
  fs.chmodSync(dir, 0o1777);
  const fifo = path.join(dir, 'their.fifo');
  spawnSync('mkfifo', ['-m', '666', fifo]);
  fs.chownSync(fifo, 65533, 65533);
  const reader = spawn('cat', [fifo]);
  t.after(() => reader.kill());
  const got: Buffer[] = [];
  reader.stdout.on('data', (c: Buffer) => got.push(c));
  await new Promise((r) => setTimeout(r, 200));
  const ran = path.join(base, 'ran');
  for (const [name, target] of [['fifolink.trace', fifo], ['zero.trace', '/dev/zero']]) {
    const link = path.join(dir, name);
    fs.symlinkSync(target, link);
    fs.lchownSync(link, 65533, 65533);
    const r = await bt(['trace', '-o', link, '--', 'touch', ran]);
    assert.equal(r.code, 125, r.stderr);
    assert.equal(r.stderr, `bt: cannot write the log ${link}: ${link} is a symbolic link that uid 65533 made in the shared directory ${dir}: bt does not follow it; give the real path`);
  }
  const r = await bt(['trace', '-o', fifo, '--', 'touch', ran]);
  assert.equal(r.code, 125, r.stderr);
  assert.equal(r.stderr, `bt: cannot write the log ${fifo}: ${fifo} is a FIFO that uid 65533 made in the shared directory ${dir}: bt does not write into another user's FIFO there; remove it or choose another path`);
  assert.ok(!fs.existsSync(ran), 'the build never ran');
  assert.equal(Buffer.concat(got).length, 0, 'uid 65533 read nothing');
  // the sudo user's own FIFO there is written through
  const own = path.join(dir, 'own.fifo');
  spawnSync('mkfifo', [own]);
  fs.chownSync(own, 65534, 65534);
  const copy = path.join(base, 'copy.trace');
  const ownReader = spawn('sh', ['-c', `cat ${own} > ${copy}`]);
  const ownDone = new Promise((res) => ownReader.on('close', res));
  await new Promise((res) => setTimeout(res, 200));
  const ok = await bt(['trace', '-q', '-o', own, '--', 'true'], { env: { ...process.env, SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' } });
  assert.equal(ok.code, 0, ok.stderr);
  await ownDone;
  assert.ok(loadLog(copy).complete);
});

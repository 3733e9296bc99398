/**
 * bt's executable (build/bt, native/bt-front.c) and the BPF load it starts
 * before Node (capture/front-load.ts): the trace adopts that load when it
 * is of this object and ring size, loads its own when the child failed or
 * loaded something else, never takes fds from a process that is not its
 * own child, and leaves no child behind; the executable runs every other
 * command as bt.cjs does.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { objectStamp } from '../../src/capture/corebtf.js';
import { frontMismatch, parseFrontReport } from '../../src/capture/front-load.js';
import { DEFAULT_RING_BYTES, FRONT_PATH, LSKEL_PATH, OBJECT_PATH } from '../../src/capture/install.js';
import { parseTiming } from '../../src/capture/timing.js';
import { BT, loadLog, ofType, prog, REPO, tmpdir } from '../helpers/trace.js';
import { ebpfTest } from '../helpers/ebpf.js';

const HEADER = { format: 1, object: objectStamp(OBJECT_PATH), maps: ['bt_events', '.data.cfg', 'x.bss'], progs: 256, dataSize: 5, insnsSize: 8, attach: ['bt_fork'] };

test("the child's report reads back: what it loaded and attached and the fds it holds, or what failed", () => {
  const ok = parseFrontReport(`${JSON.stringify(HEADER)}\nok 100 250 ${DEFAULT_RING_BYTES} 4,5,6 bt_fork=7,bt_sweep=8 9\n`);
  const progs = [
    { name: 'bt_fork', fd: 7 },
    { name: 'bt_sweep', fd: 8 },
  ];
  assert.deepEqual(ok, { ok: true, header: HEADER, start: 100, end: 250, ringBytes: DEFAULT_RING_BYTES, mapFds: [4, 5, 6], progs, linkFds: [9] });
  assert.ok(ok.ok);
  const expect = { objectPath: OBJECT_PATH, ringBytes: DEFAULT_RING_BYTES };
  assert.equal(frontMismatch(ok, expect), undefined);
  assert.equal(frontMismatch(ok, { objectPath: OBJECT_PATH, ringBytes: 1 << 20 }), 'another ring size');
  assert.equal(frontMismatch({ ...ok, header: { ...HEADER, object: '1:2:3:4' } }, expect), 'another object');
  assert.equal(frontMismatch({ ...ok, mapFds: [4, 5] }, expect), 'another number of maps');
  assert.equal(frontMismatch({ ...ok, linkFds: [] }, expect), 'another number of attached programs');
  assert.equal(frontMismatch({ ...ok, header: { ...HEADER, attach: undefined } }, expect), 'another number of attached programs');
  // nothing attached: '-'
  const none = parseFrontReport(`${JSON.stringify({ ...HEADER, attach: [] })}\nok 100 250 ${DEFAULT_RING_BYTES} 4,5,6 bt_sweep=8 -\n`);
  assert.ok(none.ok && none.linkFds.length === 0 && frontMismatch(none, expect) === undefined);
  assert.deepEqual(parseFrontReport(`${JSON.stringify(HEADER)}\nerror 100 120 prog_load 13\n`), { ok: false, op: "bt's executable's BPF load: prog_load", errno: 13, start: 100, end: 120 });
  const bad = [
    '',
    '{}\n',
    `${JSON.stringify(HEADER)}\nok 1 2 3 4,x a=5 6\n`,
    `${JSON.stringify(HEADER)}\nok 1 2 3 4 5 6\n`, // a program without its name
    `${JSON.stringify(HEADER)}\nok 1 2 3 4 a=5\n`, // no links field
    `${JSON.stringify(HEADER)}\nok 1 2 3 4 a b=5 6\n`,
    `${JSON.stringify(HEADER)}\nok 1 2 3 4 a=5 6,\n`,
    `${JSON.stringify(HEADER)}\nok 1 2 3\n`,
    `{not json\nok 1 2 3 4 a=5 6\n`,
  ];
  for (const text of bad) assert.equal(parseFrontReport(text).ok, false, JSON.stringify(text));
});

/** Makes DIR/build/bt (a copy of bt's executable, beside LSKEL) and DIR/dist -> the checkout's dist: bt.cjs is found there. */
function frontCopy(dir: string, lskel?: Buffer): string {
  fs.mkdirSync(path.join(dir, 'build'));
  const front = path.join(dir, 'build', 'bt');
  fs.copyFileSync(FRONT_PATH, front);
  fs.chmodSync(front, 0o755);
  if (lskel) fs.writeFileSync(path.join(dir, 'build', 'bt.lskel'), lskel);
  fs.symlinkSync(path.join(REPO, 'dist'), path.join(dir, 'dist'));
  return front;
}

/** `FRONT trace -q -o LOG -- opens DIR` with BT_TIMING and BT_DEBUG; the log and stderr. */
function traceWith(front: string, env: NodeJS.ProcessEnv = {}) {
  const dir = tmpdir();
  fs.chmodSync(dir, 0o1777); // a sudo user (SUDO_UID) writes the log
  const log = path.join(dir, 't.trace');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(front, ['trace', '-q', '-o', log, '--', prog('opens'), dir], {
    env: { ...process.env, BT_TIMING: '1', BT_DEBUG: '1', BT_T0: String(t0), BT_MARKER: 'passes', ...env },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const marks = parseTiming(r.stderr);
  assert.ok(marks, r.stderr);
  const loaded = loadLog(log);
  const execs = ofType(loaded.records, 'exec');
  // the trace recorded the build as ever: its exec, its files, its environment without bt's own variables
  assert.equal(execs[0].exec.path, prog('opens'));
  assert.ok(ofType(loaded.records, 'open').some((x) => x.open.path.startsWith(dir)));
  assert.ok(execs[0].exec.env.includes('BT_MARKER=passes'));
  assert.deepEqual(execs[0].exec.env.filter((v) => /^BT_(FRONT_LOAD|T0|NODE_EXTRA_CA_CERTS)=/.test(v)), []);
  return { stderr: r.stderr, marks, records: loaded.records };
}

/**
 * `EXECUTABLE trace ARGS -- sh -c …` whose build prints the state of every
 * process named bt-bpf-load (the executable's loading child), then the
 * sizes of the kernel's maps named bt_events (bpftool).
 */
function traceSeeing(executable: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const script = [
    'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = bt-bpf-load ] && awk \'{ sub(/.*\\) /, ""); print $1 }\' $p/stat; done',
    'echo ---',
    `${BPFTOOL} -j map show name bt_events`,
    'echo ---',
    `${BPFTOOL} -j link show`,
    'echo ---',
    `${BPFTOOL} -j prog show`,
  ].join('; ');
  const dir = tmpdir();
  const r = spawnSync(executable, ['trace', '-q', '-o', path.join(dir, 't.trace'), ...args, '--', 'sh', '-c', script], {
    env: { ...process.env, BT_TIMING: '1', ...env },
    encoding: 'utf8',
  });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const [states, maps, links, progs] = r.stdout.split('---\n');
  const parsed = JSON.parse(maps) as Array<{ max_entries: number }> | { max_entries: number };
  return { stderr: r.stderr, states, rings: (Array.isArray(parsed) ? parsed : [parsed]).map((m) => m.max_entries), attached: linkedPrograms(links, progs) };
}

/** bt's programs (bt_*) with a link, by id and name, from bpftool's JSON listings of links and programs (the sweep's iterator left out: it is attached when it first runs). */
function linkedPrograms(links: string, progs: string): Array<{ id: number; name: string }> {
  const names = new Map((JSON.parse(progs) as Array<{ id: number; name?: string }>).map((p) => [p.id, p.name ?? '']));
  return (JSON.parse(links) as Array<{ prog_id: number }>)
    .map((l) => ({ id: l.prog_id, name: names.get(l.prog_id) ?? '' }))
    .filter((p) => p.name.startsWith('bt_') && p.name !== 'bt_sweep')
    .sort((a, b) => a.name.localeCompare(b.name));
}

const BPFTOOL = ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/usr/local/sbin/bpftool'].find((f) => fs.existsSync(f)) ?? 'bpftool';

/** The ids of the BPF programs attached on the machine now (their programs' memory goes later, after an RCU grace period). */
function linkedProgramIds(): number[] {
  return (JSON.parse(execFileSync(BPFTOOL, ['-j', 'link', 'show'], { encoding: 'utf8' })) as Array<{ prog_id: number }>).map((l) => l.prog_id);
}

/** The pids of processes named bt-bpf-load (the executable's loading child). */
function loadingChildren(): string[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && fs.existsSync(`/proc/${p}/comm`) && safeRead(`/proc/${p}/comm`) === 'bt-bpf-load\n');
}
function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

ebpfTest("bt's executable loads the programs before Node starts, and the trace adopts that load", () => {
  const before = loadingChildren();
  const { stderr, marks } = traceWith(FRONT_PATH);
  assert.match(stderr, /^bt: bpf loaded by the light skeleton \(.*\), in bt's executable, beside Node's start$/m);
  // one bundle: the program's own head start took the load (bt-early.cjs is not read)
  assert.match(stderr, /^bt: code cache used$/m);
  // the load began before Node's time origin and was over before the trace needed it
  assert.ok(marks.bpf_start < marks.exec, JSON.stringify(marks));
  assert.ok(marks.bpf_start < marks.bpf_done && marks.bpf_done <= marks.bpf_load && marks.bpf_load <= marks.attach, JSON.stringify(marks));
  assert.ok(marks.attach <= marks.go && marks.go <= marks.build, JSON.stringify(marks));
  // the child was reaped when bt exited: nothing is left
  assert.deepEqual(loadingChildren().filter((p) => !before.includes(p)), []);
  // and killed once its fds were taken, before the build ran: the build sees it dead (a zombie until bt exits) or gone;
  // the ring is the size asked (the kernel's word, not the child's)
  const r = traceSeeing(FRONT_PATH, []);
  assert.match(r.stderr, /in bt's executable, beside Node's start$/m);
  assert.ok(/^(Z\n)*$/.test(r.states), `states of bt-bpf-load processes while the build ran: ${JSON.stringify(r.states)}`);
  assert.deepEqual(r.rings, [DEFAULT_RING_BYTES]);
  // the child attached the programs of the light skeleton's list (not the sweep, an iterator); bt holds those links while the build runs, and none is left after
  const attach = (JSON.parse(fs.readFileSync(LSKEL_PATH, 'latin1').split('\n')[0]) as { attach: string[] }).attach;
  assert.deepEqual(attach.slice().sort(), ['bt_exec', 'bt_exit', 'bt_fork', 'bt_prepare_exec', 'bt_sys_exit']);
  assert.deepEqual(
    r.attached.map((p) => p.name),
    attach.slice().sort(),
  );
  // detached once bt is gone
  const linked = new Set(linkedProgramIds());
  assert.deepEqual(
    r.attached.filter((p) => linked.has(p.id)),
    [],
  );
});

ebpfTest("the executable's child attaches the programs early, yet nothing is traced before the launcher is ready: a sudo user's groups are read untraced", () => {
  // the launcher reads /etc/group (initgroups) in the trace's cgroup, after the child attached and before bt writes the configuration
  const { stderr, records } = traceWith(FRONT_PATH, { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' });
  assert.match(stderr, /in bt's executable, beside Node's start$/m);
  const exec = ofType(records, 'exec')[0];
  assert.equal(exec.exec.uid, 65534);
  // the build's exec is its root process's first event (after its environment's definition), and nothing of the launcher's is there
  assert.equal(
    records.find((x) => x.pid === exec.pid && x.env === undefined),
    exec,
  );
  assert.deepEqual(
    ofType(records, 'open').filter((x) => x.open.path === '/etc/group'),
    [],
  );
});

ebpfTest("with --ring-size, or BT_LSKEL=0, bt's executable starts no load: the trace loads its own, of the size asked", () => {
  const sized = traceSeeing(FRONT_PATH, ['--ring-size', '1M']);
  assert.equal(sized.states, '');
  assert.deepEqual(sized.rings, [1 << 20]);
  assert.doesNotMatch(sized.stderr, /in bt's executable/);
  assert.match(sized.stderr, /^bt: code cache used \(head start: used\)$/m); // the head start's own bundle then, first
  const libbpf = traceSeeing(FRONT_PATH, [], { BT_LSKEL: '0' });
  assert.equal(libbpf.states, '');
  assert.match(libbpf.stderr, /^bt: bpf loaded by libbpf/m);
});

ebpfTest("when the executable's load fails or is of another object, the trace loads its own and says why (BT_DEBUG)", () => {
  const real = fs.readFileSync(LSKEL_PATH);
  const nl = real.indexOf(10);
  const header = JSON.parse(real.toString('utf8', 0, nl)) as { object: string };
  const cases: Array<[string, Buffer, RegExp]> = [
    ['a damaged light skeleton', Buffer.from('not a light skeleton\n'), /^bt: bt's executable's BPF load: header failed: EINVAL \(22\): loading here$/m],
    ['another object', Buffer.concat([Buffer.from(`${JSON.stringify({ ...header, object: '1:2:3:4' })}\n`), real.subarray(nl + 1)]), /^bt: adopting bt's executable's BPF load \(another object\) failed: EINVAL \(22\): loading here$/m],
  ];
  for (const [what, lskel, says] of cases) {
    const dir = tmpdir();
    const { stderr, marks } = traceWith(frontCopy(dir, lskel));
    assert.match(stderr, says, what);
    assert.match(stderr, /^bt: bpf loaded by the light skeleton \([^)]*\)$/m, what);
    assert.ok(marks.bpf_load <= marks.attach, what);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

ebpfTest("BT_FRONT_LOAD naming a process that is not bt's child is ignored: the trace loads its own, and leaves that process alone", async () => {
  // a process holding a pipe at fd 0 whose other end says what a report says: bt must neither read it nor kill the process
  const other = spawn('sleep', ['60'], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    other.stdin!.write(`${fs.readFileSync(LSKEL_PATH).toString('latin1').split('\n')[0]}\nok 1 2 ${DEFAULT_RING_BYTES} 0,1,2 0\n`);
    for (const executable of [BT, FRONT_PATH]) {
      const { stderr } = traceWith(executable, { BT_FRONT_LOAD: `${other.pid}:0` });
      assert.doesNotMatch(stderr, /bt's executable's BPF load/);
      // bt.cjs: the trace's own load; build/bt: its own child's, the variable it was given replaced
      assert.match(stderr, executable === BT ? /^bt: bpf loaded by the light skeleton \([^)]*\)$/m : /in bt's executable, beside Node's start$/m);
    }
    // alive, not a zombie (the event loop, blocked meanwhile, has not reaped anything)
    const state = fs.readFileSync(`/proc/${other.pid}/stat`, 'latin1').replace(/^.*\) /s, '')[0];
    assert.equal(state, 'S');
  } finally {
    other.kill();
  }
});

test('bt\'s executable runs the other commands as bt.cjs does, and says in one line when bt.cjs is missing', () => {
  const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(execFileSync(FRONT_PATH, ['--version'], { encoding: 'utf8' }).trim(), version);
  const dir = tmpdir();
  fs.mkdirSync(path.join(dir, 'build'));
  fs.copyFileSync(FRONT_PATH, path.join(dir, 'build', 'bt'));
  fs.chmodSync(path.join(dir, 'build', 'bt'), 0o755);
  const r = spawnSync(path.join(dir, 'build', 'bt'), ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 70);
  assert.equal(r.stderr, `bt: ${fs.realpathSync(dir)}/dist/src/cli/bt.cjs is missing: run npm run build\n`);
  fs.rmSync(dir, { recursive: true, force: true });
});

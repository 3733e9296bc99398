/**
 * npm run bench — capture figures (not part of npm test):
 *  1. events/s that bt sustains with zero loss: parallel stress programs
 *     (open/close, failed opens, fork+exec) under bt trace, default ring;
 *  2. traced/untraced wall-time ratio of the test-programs build
 *     (alternating pairs, median and range);
 *  3. bt's peak RSS on both;
 *  4. losses at default settings while a CPU hog keeps one core busy
 *     (the test-programs build, and the stress programs) (section `pressure`);
 *  5. start-up: `bt trace -- /bin/true` wall time and its phases (BT_TIMING);
 *  6. the kernel's CPU per BPF program (bpf_stats_enabled, run_time_ns /
 *     run_cnt), bt's own CPU and log bytes per record on the test-programs build.
 *  7. the cost of one traced call per op (section `ops`): test-programs/oploop
 *     makes 200,000 calls of one op; its ns per call untraced and traced
 *     (best of 3) and the sys_exit program's ns per run (BPF statistics).
 * Extra benchmarks (normalize/graph) register through bench/extra/*.js.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { median } from './stats.js';
import { timed } from './timed.js';
import { withBpfStats } from './real/cpu.js';
import { LogReader } from '../src/log/reader.js';
import { recordType } from '../src/log/schema.js';
import { DEFAULT_RING_BYTES, FRONT_PATH } from '../src/capture/install.js';
import { parseBpfStats, parseTiming } from '../src/capture/timing.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BT = path.join(REPO, 'dist', 'src', 'cli', 'bt.cjs');
const STRESS = path.join(REPO, 'test-programs', 'bin', 'stress');
const OPLOOP = path.join(REPO, 'test-programs', 'bin', 'oploop');
const WALLTIME = path.join(REPO, 'test-programs', 'bin', 'walltime');
/** What users run: bt's executable when built (native/bt-front.c), else bt.cjs through its #! line. */
const STARTER = fs.existsSync(FRONT_PATH) ? FRONT_PATH : BT;

/** A log read through: its records (and per type: a log of ring batches counts only its batches in the trailer), trailer and size. */
function readTrailer(file: string) {
  const r = LogReader.open(file);
  let n = 0;
  const byType: Record<string, number> = {};
  for (const rec of r.records()) {
    n++;
    const t = recordType(rec) ?? 'unknown';
    byType[t] = (byType[t] ?? 0) + 1;
  }
  r.close();
  return { records: n, byType, trailer: r.trailer, bytes: fs.statSync(file).size };
}

async function stressRate(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-'));
  const log = path.join(dir, 'stress.trace');
  const workers = os.cpus().length;
  const count = 400_000;
  // One shell starts a stress program per CPU, all in the traced cgroup.
  const script = Array.from({ length: workers }, (_, i) => `mkdir -p ${dir}/w${i} && ${STRESS} ${dir}/w${i} ${count} 2>/dev/null &`).join(' ') + ' wait';
  const run = await timed([BT, 'trace', '-q', '-o', log, '--', 'sh', '-c', script]);
  const { records, trailer, bytes } = readTrailer(log);
  const lost = Object.values(trailer?.lost ?? {}).reduce((a, b) => a + b, 0);
  const base = await timed(['sh', '-c', script]);
  console.log('## Capture throughput (stress: open/close, failed opens, fork+exec; one per CPU)');
  console.log(`workers ${workers} x ${count} iterations; ring ${DEFAULT_RING_BYTES / 1024 / 1024} MiB (default)`);
  console.log(`records ${records}  lost ${lost}  wall ${run.seconds.toFixed(2)} s (untraced ${base.seconds.toFixed(2)} s)`);
  console.log(`sustained: ${Math.round(records / run.seconds).toLocaleString('en')} events/s with ${lost === 0 ? 'zero' : lost} loss`);
  console.log(`log: ${(bytes / 1024 / 1024).toFixed(1)} MiB, ${(bytes / records).toFixed(1)} bytes/record; bt peak RSS ${(run.maxRssKiB / 1024).toFixed(0)} MiB`);
  fs.rmSync(dir, { recursive: true, force: true });
}

async function buildOverhead(pairs = 5): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-'));
  const log = path.join(dir, 'build.trace');
  const clean = () => execa('make', ['-s', '-C', path.join(REPO, 'test-programs'), 'clean']);
  const build = ['make', '-s', '-C', path.join(REPO, 'test-programs'), '-j2'];
  const ratios: number[] = [];
  const plain: number[] = [];
  const traced: number[] = [];
  let rss = 0;
  for (let i = 0; i < pairs; i++) {
    await clean();
    const a = await timed(build);
    await clean();
    const b = await timed([BT, 'trace', '-q', '-o', log, '--', ...build]);
    if (a.code || b.code) throw new Error('the test-programs build failed');
    plain.push(a.seconds);
    traced.push(b.seconds);
    ratios.push(b.seconds / a.seconds);
    rss = Math.max(rss, b.maxRssKiB);
  }
  const { records, bytes } = readTrailer(log);
  console.log('## Overhead on the test-programs build (make -j2; alternating pairs)');
  console.log(`pairs ${pairs}; untraced median ${median(plain).toFixed(3)} s, traced median ${median(traced).toFixed(3)} s`);
  console.log(
    `traced/untraced: median ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)} .. max ${Math.max(...ratios).toFixed(3)}); ` +
      `includes bt's own start-up (Node, loading and attaching the programs)`,
  );
  console.log(`records ${records}, log ${(bytes / 1024).toFixed(0)} KiB (${(bytes / records).toFixed(1)} bytes/record); bt peak RSS ${(rss / 1024).toFixed(0)} MiB`);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Losses at default settings while a CPU hog outside the trace keeps one core busy. */
async function underPressure(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-'));
  const log = path.join(dir, 'p.trace');
  const hog = execa('sh', ['-c', 'while :; do :; done'], { reject: false, stdio: 'ignore' });
  const lostOf = (file: string) => Object.values(readTrailer(file).trailer?.lost ?? {}).reduce((a, b) => a + b, 0);
  try {
    const build = ['make', '-s', '-C', path.join(REPO, 'test-programs'), '-j2'];
    const builds: string[] = [];
    for (let i = 0; i < 3; i++) {
      await execa('make', ['-s', '-C', path.join(REPO, 'test-programs'), 'clean']);
      const r = await timed([BT, 'trace', '-q', '-o', log, '--', ...build]);
      if (r.code) throw new Error('the test-programs build failed');
      builds.push(`${readTrailer(log).records} records, ${lostOf(log)} lost`);
    }
    const workers = os.cpus().length;
    const count = 300_000;
    const script = Array.from({ length: workers }, (_, i) => `mkdir -p ${dir}/w${i} && ${STRESS} ${dir}/w${i} ${count} 2>/dev/null &`).join(' ') + ' wait';
    const run = await timed([BT, 'trace', '-q', '-o', log, '--', 'sh', '-c', script]);
    const { records } = readTrailer(log);
    const lost = lostOf(log);
    console.log('## Under CPU pressure (a busy loop outside the trace keeps one core busy; default settings)');
    console.log(`test-programs build (make -j2), 3 runs: ${builds.join('; ')}`);
    console.log(
      `stress, one per CPU (${workers} x ${count}): ${records} records, ${lost} lost (${((100 * lost) / (records + lost)).toFixed(1)}%); ` +
        `wall ${run.seconds.toFixed(2)} s; bt peak RSS ${(run.maxRssKiB / 1024).toFixed(0)} MiB`,
    );
  } finally {
    hog.kill('SIGKILL');
    await hog;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function startup(runs = 9): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-'));
  fs.chmodSync(dir, 0o1777); // the sudo runs write their log as the user
  // as root, then as under `sudo` (the user's identity for the command and the log), alternating
  const who = { root: {}, sudo: { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' } };
  const walls: Record<string, number[]> = { root: [], sudo: [] };
  const marks: Record<string, Record<string, number[]>> = { root: {}, sudo: {} };
  const notes = new Set<string>();
  for (let i = 0; i < runs; i++) {
    for (const [as, env] of Object.entries(who)) {
      const log = path.join(dir, `${as}-${i}.trace`);
      // as users run it: bt's executable (build/bt, native/bt-front.c; without
      // it, bt.cjs through its #! line, src/cli/bt.cts),
      // from a small process as a shell starts it (walltime: Node's own
      // spawn, a fork of this large process, added 8-9 ms to each run).
      // walltime passes its start as BT_T0: every mark counts from there,
      // Node's loading before its own time origin included (~10-15 ms here)
      const r = await execa(WALLTIME, [STARTER, 'trace', '-q', '-o', log, '--', '/bin/true'], { reject: false, env: { ...process.env, ...env, BT_TIMING: '1' } });
      const timing = parseTiming(String(r.stderr));
      const wall = /^walltime: (\d+) ns, status 0$/m.exec(String(r.stderr));
      if (r.exitCode !== 0 || !timing || !wall) throw new Error(`bt trace -- /bin/true failed: ${r.stderr}`);
      walls[as].push(Number(wall[1]) / 1e6);
      notes.add(`code cache ${/bt: code cache (.+)/.exec(String(r.stderr))?.[1] ?? 'not reported'}`);
      notes.add(/bt: (bpf loaded by .*)/.exec(String(r.stderr))?.[1] ?? 'the loader not reported');
      notes.add(/bt: (the build started .*)/.exec(String(r.stderr))?.[1] ?? 'who started the build not reported');
      for (const [k, v] of Object.entries(timing)) (marks[as][k] ??= []).push(v);
    }
  }
  console.log(`## Start-up: bt trace -- /bin/true (${runs} runs each as root and under sudo, alternating; medians; ${STARTER})`);
  if (process.env.NODE_EXTRA_CA_CERTS) console.log('NODE_EXTRA_CA_CERTS is set: bt\'s executable keeps it from Node (it costs Node 35-60 ms here)');
  for (const as of ['root', 'sudo']) {
    const w = walls[as];
    const mk = marks[as];
    console.log(`${as}: wall ${median(w).toFixed(0)} ms (min ${Math.min(...w).toFixed(0)} .. max ${Math.max(...w).toFixed(0)}); the build's first instruction at ${median(mk.build ?? [0]).toFixed(0)} ms`);
    // the phases BT_TIMING prints (src/capture/timing.ts), in the order they happen
    const phases = Object.entries(mk)
      .map(([p, at]) => [p, median(at)] as const)
      .sort((a, b) => a[1] - b[1]);
    let prev = 0;
    const parts: string[] = [];
    for (const [p, at] of phases) {
      parts.push(`${p} +${(at - prev).toFixed(0)}`);
      prev = at;
    }
    console.log(`  phases (ms since walltime started bt, BT_T0, as increments; exec: Node's time origin): ${parts.join(', ')}`);
    if (mk.bpf_start && mk.bpf_done) {
      // bt's executable loaded the programs in a child of its own while Node started (native/bt-front.c)
      console.log(`  BPF load beside Node's start, in bt's executable's child: ${(median(mk.bpf_done) - median(mk.bpf_start)).toFixed(0)} ms from bpf_start to bpf_done`);
    } else if (mk.bpf_start && mk.bpf_load) {
      // the load runs on a libuv thread from bpf_start on, beside the phases between
      console.log(`  BPF load on its own thread: ${(median(mk.bpf_load) - median(mk.bpf_start)).toFixed(0)} ms from bpf_start to bpf_load`);
    }
  }
  console.log([...notes].join('; '));
  fs.rmSync(dir, { recursive: true, force: true });
}

/** One traced build with the kernel's BPF statistics on: CPU per program, bt's CPU, bytes per record. */
async function bpfCost(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-'));
  const log = path.join(dir, 'build.trace');
  await execa('make', ['-s', '-C', path.join(REPO, 'test-programs'), 'clean']);
  const r = await withBpfStats(true, () =>
    execa(process.execPath, [BT, 'trace', '-q', '-o', log, '--', 'make', '-s', '-C', path.join(REPO, 'test-programs'), '-j2'], {
      reject: false,
      env: { ...process.env, BT_TIMING: '1' },
    }),
  );
  const stats = parseBpfStats(String(r.stderr));
  if (r.exitCode !== 0 || !stats) throw new Error(`the traced test-programs build failed: ${r.stderr}`);
  const { records, byType, trailer, bytes } = readTrailer(log);
  console.log('## Kernel and bt CPU on the test-programs build (make -j2; bpf_stats_enabled on)');
  let total = 0;
  for (const [name, s] of Object.entries(stats)) {
    total += s.ns;
    const note = name.startsWith('bt_sys_') ? ': runs at every syscall on the machine' : '';
    console.log(`${name}: ${(s.ns / 1e6).toFixed(1)} ms in ${s.runs.toLocaleString('en')} runs (${s.runs ? (s.ns / s.runs).toFixed(0) : 0} ns/run${note})`);
  }
  const bt = ((trailer?.bt_user_us ?? 0) + (trailer?.bt_sys_us ?? 0)) / 1000;
  console.log(`BPF total ${(total / 1e6).toFixed(1)} ms; bt's own CPU ${bt.toFixed(0)} ms (user ${((trailer?.bt_user_us ?? 0) / 1000).toFixed(0)}, sys ${((trailer?.bt_sys_us ?? 0) / 1000).toFixed(0)})`);
  const counts = Object.entries(byType).sort((a, b) => b[1] - a[1]);
  console.log(`log ${(bytes / 1024).toFixed(0)} KiB, ${records} records, ${(bytes / records).toFixed(1)} bytes/record; by type: ${counts.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  fs.rmSync(dir, { recursive: true, force: true });
}

const OPS = ['getpid', 'dup2', 'fstat', 'stat', 'stat-missing', 'readlink', 'open-close'];

/**
 * One traced call, op by op: oploop's ns per call untraced and traced (best
 * of 3 each; BPF statistics off) and, from one more traced run with them on,
 * the sys_exit program's ns per run (nearly every run is the op's).
 */
async function opCost(count = 200_000): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-'));
  const log = path.join(dir, 'ops.trace');
  const perCall = (stderr: string) => {
    const m = /oploop: \S+ \d+ calls, (\d+) ns per call/.exec(stderr);
    if (!m) throw new Error(`oploop did not finish: ${stderr.trim().split('\n').pop()}`);
    return Number(m[1]);
  };
  const traced = (env: NodeJS.ProcessEnv, op: string) =>
    execa(process.execPath, [BT, 'trace', '-q', '-o', log, '--', OPLOOP, op, String(count)], { env: { ...process.env, ...env } });
  console.log(`## Cost of one call per op (test-programs/oploop, ${count.toLocaleString('en')} calls each)`);
  console.log('| op | untraced ns/call | traced ns/call | difference | sys_exit ns/run (BPF statistics) |');
  console.log('|---|---:|---:|---:|---:|');
  const best = async (run: () => Promise<{ stderr: string }>) => Math.min(...[await run(), await run(), await run()].map((r) => perCall(String(r.stderr))));
  for (const op of OPS) {
    const [u, t] = await withBpfStats(false, async () => [await best(() => execa(OPLOOP, [op, String(count)])), await best(() => traced({}, op))]);
    const r = await withBpfStats(true, () => traced({ BT_TIMING: '1' }, op));
    const s = parseBpfStats(String(r.stderr))?.bt_sys_exit;
    console.log(`| ${op} | ${u} | ${t} | ${t - u} | ${s && s.runs ? Math.round(s.ns / s.runs) : '?'} |`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    console.error('bench: run as root (bt trace needs it)');
    process.exit(1);
  }
  console.log(`# bt bench — ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}`);
  // `node dist/bench/bench.js [startup] [stress] [build] [pressure] [bpf] [ops] [extra]`: some sections only
  // (--pressure: the same as `pressure`)
  const only = new Set(process.argv.slice(2).map((a) => (a === '--pressure' ? 'pressure' : a)));
  const want = (s: string) => only.size === 0 || only.has(s);
  if (want('startup')) await startup();
  if (want('stress')) await stressRate();
  if (want('build')) await buildOverhead();
  if (want('pressure')) await underPressure();
  if (want('bpf')) await bpfCost();
  if (want('ops')) await opCost();
  const extra = path.join(path.dirname(fileURLToPath(import.meta.url)), 'extra');
  if (want('extra') && fs.existsSync(extra)) {
    for (const f of fs.readdirSync(extra).filter((f) => f.endsWith('.js')).sort()) {
      const mod = (await import(path.join(extra, f))) as { run?: () => Promise<void> };
      if (mod.run) await mod.run(); // the others are scripts of their own (view-shots)
    }
  }
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});

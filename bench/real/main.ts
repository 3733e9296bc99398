/**
 * npm run bench:real — bt on a real build, against no tracing and strace.
 *
 *   npm run bench:real [-- OPTIONS]
 *     --prepare CMD   shell command that resets the tree before every build (untimed)
 *     --build CMD     shell command of the build (timed)
 *     --workdir DIR   where both run (default: the current directory, or the
 *                     kernel source for the default workload)
 *     --pairs N       untraced/traced pairs, alternating order (default 3)
 *     --warmup N      untimed untraced builds before the pairs (default 1): the
 *                     first timed build would otherwise pay alone for a cold
 *                     page cache (a kernel build: 84 s against 71-76 s after)
 *     --out DIR       logs, build output and result.json (default /var/tmp/bt-bench-real)
 *     --jobs N        make -j for the default kernel workload (default 2)
 *     --no-strace     skip the strace run and the fidelity comparison
 *     --mask REGEX    also mask matches of REGEX in paths and argv (repeatable)
 *     --keep-going    go on when a build fails
 *     --bpf-stats     after the pairs, one more traced build with the
 *                     kernel's BPF statistics on (bpf_stats_enabled): each
 *                     program's time and runs, against the build's CPU
 *     --workload W    kernel (default) or configure: binutils 2.40's bfd/configure,
 *                     out of tree (Debian's binutils-source), ~3,300 short processes
 *     --side-by-side  each pair's untraced and traced builds at the same
 *                     time, each pinned to a CPU of its own, in two output
 *                     directories (sidebyside.ts): the in-build ratio and
 *                     bt's fixed cost, immune to the machine's drift; no
 *                     strace run. The kernel then builds with make -j1 on
 *                     each CPU (--jobs is refused)
 *
 * Default workload: the Linux kernel from Debian's linux-source-6.1
 * (installed with apt-get if missing), unpacked once into
 * /var/cache/bt-bench/linux-source-6.1, built out of tree:
 *   prepare: rm -rf OUT && mkdir -p OUT && make -s O=OUT tinyconfig
 *   build:   make -j2 O=OUT KBUILD_BUILD_TIMESTAMP='Mon Jan  1 00:00:00 UTC 2024' vmlinux
 *
 * For every run the prepare command runs first, untimed. Then the build is
 * timed untraced (sh -c BUILD) and under `bt trace` in alternating pairs
 * (U T, T U, U T, ...), then once under strace (strace.ts STRACE_ARGS).
 * Measured: wall time (ratio traced/untraced per pair: median, min..max),
 * bt's own CPU seconds and peak RSS (rusage of the bt process itself,
 * which bt trace writes in its log's trailer), log bytes, records, bytes per
 * record, lost events (trailer), and the CPU of the build's own processes
 * (user and system seconds, cpu.ts): where a cost lands (BPF programs in
 * system time), and how much the machine's speed moved between identical
 * builds. The last bt log is normalized and its
 * facts compared with the strace log's (facts.ts, compare.ts).
 * Prints a markdown report; result.json keeps everything.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../stats.js';
import { BT, btLogFacts, btUsage, normalize, summarizeLog, type LogSummary } from './btlog.js';
import { bpfRows, cpuRows, readBuildCpu, timedBuild, withBpfStats, type BuildCpu } from './cpu.js';
import { compareFacts, comparisonTable, differencesText, pct, scriptArgvPairs, type Comparison } from './compare.js';
import { DEFAULT_MASKS, makeMasker, type Mask } from './facts.js';
import { ownDir } from './dirs.js';
import { run } from './run.js';
import { sideBySide, sideBySideRows } from './sidebyside.js';
import { STRACE_ARGS, straceFacts } from './strace.js';
import { parseBpfStats, type BpfRunStats } from '../../src/capture/timing.js';

const CACHE = '/var/cache/bt-bench';
const KERNEL_PKG = 'linux-source-6.1';
const KERNEL_TARBALL = `/usr/src/${KERNEL_PKG}.tar.xz`;
const KERNEL_SRC = path.join(CACHE, KERNEL_PKG);
const KERNEL_OUT = '/var/tmp/bt-bench/linux-out';
/**
 * Debian packages the tinyconfig vmlinux build needs (flex and bison build
 * kconfig, bc generates timeconst.h; binutils comes with gcc). Bigger
 * configurations also want libelf-dev (objtool) and libssl-dev (certs).
 */
const KERNEL_BUILD_PACKAGES = ['make', 'gcc', 'libc6-dev', 'flex', 'bison', 'bc', 'xz-utils'];
/** The configure workload: an autotools configure of a GNU package, from Debian's binutils-source. */
const BINUTILS_PKG = 'binutils-source';
const BINUTILS_TARBALL = '/usr/src/binutils/binutils-2.40.tar.xz';
const BINUTILS_SRC = path.join(CACHE, 'binutils-2.40');
const CONFIGURE_OUT = '/var/tmp/bt-bench/bfd-out';

interface Options {
  prepare: string;
  build: string;
  workdir: string;
  pairs: number;
  warmup: number;
  out: string;
  /** the default workloads' own directory of build directories (their prepare runs rm -rf in it) */
  buildRoot?: string;
  strace: boolean;
  masks: string[];
  keepGoing: boolean;
  bpfStats: boolean;
  workload: string;
  /** configure only: the commands for side-by-side runs, in two directories */
  sideBySide?: { prepare: [string, string]; build: [string, string] };
}

interface Run {
  kind: 'untraced' | 'traced' | 'strace';
  pair?: number;
  seconds: number;
  exitCode: number;
  /** traced: bt's own usage */
  btCpuSeconds?: number;
  btUserSeconds?: number;
  btSystemSeconds?: number;
  btPeakRssKiB?: number;
  log?: LogSummary;
  straceLogBytes?: number;
  /** 1-minute load average when the run ended (other work on the machine skews timings) */
  loadAfter?: number;
  /** the CPU of the build's own processes (cpu.ts) */
  buildCpu?: BuildCpu;
}

function sh(q: string): string {
  return `'${q.replace(/'/g, `'\\''`)}'`;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      prepare: { type: 'string' },
      build: { type: 'string' },
      workdir: { type: 'string' },
      pairs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      out: { type: 'string', default: '/var/tmp/bt-bench-real' },
      jobs: { type: 'string' },
      'no-strace': { type: 'boolean', default: false },
      mask: { type: 'string', multiple: true, default: [] },
      'keep-going': { type: 'boolean', default: false },
      'bpf-stats': { type: 'boolean', default: false },
      'side-by-side': { type: 'boolean', default: false },
      workload: { type: 'string', default: 'kernel' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    const src = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
    process.stdout.write(`${/\/\*\*([^]*?)\*\//.exec(src)?.[1].replace(/^ \* ?/gm, '') ?? ''}\n`);
    process.exit(0);
  }
  const pairs = Number(values.pairs);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs: give a positive integer (got ${values.pairs})`);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup: give a whole number (got ${values.warmup})`);
  const jobs = Number(values.jobs ?? '2');
  if ((values.prepare === undefined) !== (values.build === undefined)) {
    throw new Error('give both --prepare and --build (or neither, for the default kernel build)');
  }
  if (values['side-by-side'] && values.build !== undefined) {
    throw new Error('--side-by-side needs two output directories: only with --workload configure or kernel');
  }
  if (values['side-by-side'] && values.jobs !== undefined) {
    throw new Error('--side-by-side builds the kernel with make -j1 on each of two CPUs: leave out --jobs');
  }
  if (values.build !== undefined) {
    return {
      prepare: values.prepare!,
      build: values.build,
      workdir: path.resolve(values.workdir ?? process.cwd()),
      pairs,
      warmup,
      out: path.resolve(values.out!),
      strace: !values['no-strace'],
      masks: values.mask as string[],
      keepGoing: !!values['keep-going'],
      bpfStats: !!values['bpf-stats'],
      workload: values.build,
    };
  }
  if (values.workload === 'configure') {
    const prepareIn = (o: string) => `rm -rf ${sh(o)} && mkdir -p ${sh(o)}`;
    const buildIn = (o: string) => `cd ${sh(o)} && ${sh(path.join(BINUTILS_SRC, 'bfd', 'configure'))} -q`;
    const dirs: [string, string] = [`${CONFIGURE_OUT}-untraced`, `${CONFIGURE_OUT}-traced`];
    return {
      prepare: prepareIn(CONFIGURE_OUT),
      build: buildIn(CONFIGURE_OUT),
      sideBySide: values['side-by-side'] ? { prepare: [prepareIn(dirs[0]), prepareIn(dirs[1])], build: [buildIn(dirs[0]), buildIn(dirs[1])] } : undefined,
      workdir: BINUTILS_SRC,
      buildRoot: path.dirname(CONFIGURE_OUT),
      pairs,
      warmup,
      out: path.resolve(values.out!),
      strace: !values['no-strace'],
      // names that differ between the bt and strace runs: autoconf's conf$$, config.status's
      // ./confXXXXXX directory, mktemp's /tmp/XXXXXXXX
      masks: ['conf[A-Za-z0-9]{6}\\b', 'conf[0-9]+', '/tmp/[A-Za-z0-9]{8}\\b', ...(values.mask as string[])],
      keepGoing: !!values['keep-going'],
      bpfStats: !!values['bpf-stats'],
      workload: 'GNU binutils 2.40 (Debian binutils-source): bfd/configure, out of tree',
    };
  }
  if (values.workload !== 'kernel') throw new Error(`--workload: kernel or configure (got ${values.workload})`);
  const o = KERNEL_OUT;
  const prepareIn = (out: string) => `rm -rf ${sh(out)} && mkdir -p ${sh(out)} && make -s O=${sh(out)} tinyconfig`;
  // A fixed build timestamp: UTS_VERSION would otherwise differ between runs.
  const buildIn = (out: string, j: number) => `make -j${j} O=${sh(out)} KBUILD_BUILD_TIMESTAMP='Mon Jan  1 00:00:00 UTC 2024' vmlinux`;
  const dirs: [string, string] = [`${o}-untraced`, `${o}-traced`];
  return {
    prepare: prepareIn(o),
    build: buildIn(o, jobs),
    sideBySide: values['side-by-side'] ? { prepare: [prepareIn(dirs[0]), prepareIn(dirs[1])], build: [buildIn(dirs[0], 1), buildIn(dirs[1], 1)] } : undefined,
    workdir: values.workdir ? path.resolve(values.workdir) : KERNEL_SRC,
    buildRoot: path.dirname(KERNEL_OUT),
    pairs,
    warmup,
    out: path.resolve(values.out!),
    strace: !values['no-strace'],
    masks: values.mask as string[],
    keepGoing: !!values['keep-going'],
    bpfStats: !!values['bpf-stats'],
    workload: `Linux ${KERNEL_PKG} (Debian), make tinyconfig, make -j${values['side-by-side'] ? 1 : jobs} vmlinux (out of tree)`,
  };
}

/** `, build CPU 1.2+0.3 s` (user+system) for a progress line, or nothing. */
function fmtCpu(c: BuildCpu | undefined): string {
  return c ? `, build cpu ${c.userSeconds.toFixed(1)}+${c.systemSeconds.toFixed(1)} s` : '';
}

function log(msg: string): void {
  process.stderr.write(`bench:real: ${msg}\n`);
}

function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => {
    try {
      fs.accessSync(path.join(d, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs a set-up command (apt-get...): its output goes to stderr, stdout is kept for the report. */
async function quiet(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 2, 'inherit'] });
    c.on('exit', (code) => resolve(code ?? 1));
    c.on('error', () => resolve(127));
  });
}

/** Installs and unpacks the kernel source once. */
async function ensureKernel(): Promise<void> {
  const missingTools = ['make', 'gcc', 'ld', 'flex', 'bison', 'bc', 'xz'].filter((t) => !hasCommand(t));
  if (missingTools.length) {
    throw new Error(`the kernel build needs ${missingTools.join(', ')}: apt-get install -y ${KERNEL_BUILD_PACKAGES.join(' ')}`);
  }
  await ensureSource(KERNEL_PKG, KERNEL_TARBALL, KERNEL_SRC, 'Makefile');
}

/** Installs Debian package `pkg` (which ships `tarball`) and unpacks it into `dir` once. */
async function ensureSource(pkg: string, tarball: string, dir: string, probe: string): Promise<void> {
  if (fs.existsSync(path.join(dir, probe))) return;
  if (!fs.existsSync(tarball)) {
    log(`installing ${pkg} (apt-get)`);
    let rc = await quiet('apt-get', ['install', '-y', '-qq', pkg]);
    if (rc !== 0) {
      await quiet('apt-get', ['update', '-qq']);
      rc = await quiet('apt-get', ['install', '-y', '-qq', pkg]);
    }
    if (rc !== 0 || !fs.existsSync(tarball)) throw new Error(`could not install ${pkg} (apt-get install -y ${pkg}, as root)`);
  }
  log(`unpacking ${tarball} into ${CACHE} (once)`);
  ownDir(CACHE);
  const tmp = fs.mkdtempSync(path.join(CACHE, '.unpack-'));
  const rc = await quiet('tar', ['-xJf', tarball, '-C', tmp]);
  if (rc !== 0) throw new Error(`tar -xJf ${tarball} failed`);
  fs.renameSync(path.join(tmp, path.basename(dir)), dir);
  fs.rmSync(tmp, { recursive: true, force: true });
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    hostname: os.hostname(),
  };
}

/** The report's heading and its table of [measure, value] rows, in markdown. */
function reportTable(title: string, rows: Array<[string, string]>): string[] {
  const md = [`## ${title} (${new Date().toISOString().slice(0, 10)})`, '', '| measure | value |', '|---|---|'];
  for (const [k, v] of rows) md.push(`| ${k} | ${v.replace(/\|/g, '\\|')} |`);
  return md;
}

function machineRow(m: ReturnType<typeof machine>): [string, string] {
  return ['machine', `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}`];
}

function fmtS(x: number): string {
  return `${x.toFixed(x < 10 ? 2 : 1)} s`;
}

function fmtBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(BT)) throw new Error(`${BT} is missing: npm run build first`);
  if (o.workload.startsWith('Linux')) await ensureKernel();
  if (o.workload.startsWith('GNU binutils')) await ensureSource(BINUTILS_PKG, BINUTILS_TARBALL, BINUTILS_SRC, 'bfd/configure');
  if (o.strace && !hasCommand('strace')) throw new Error('strace is missing: apt-get install -y strace (or --no-strace)');
  ownDir(o.out);
  if (o.buildRoot) ownDir(o.buildRoot);
  const buildLog = path.join(o.out, 'build-output.txt');
  fs.writeFileSync(buildLog, '');
  const btLog = path.join(o.out, 'bt.trace');
  const normLog = path.join(o.out, 'bt.norm.trace');
  const straceLog = path.join(o.out, 'strace.txt');
  if (o.sideBySide) return sideBySideMain(o, buildLog, btLog);
  const runs: Run[] = [];
  const timesFile = path.join(o.out, 'build-times.txt');
  let bpfStats: { stats: BpfRunStats; buildCpu?: BuildCpu } | undefined;

  const prepare = async (label: string) => {
    fs.appendFileSync(buildLog, `\n=== prepare (${label}) ===\n`);
    const r = await run('/bin/sh', ['-c', o.prepare], { cwd: o.workdir, outFile: buildLog });
    if (r.exitCode !== 0) throw new Error(`prepare failed (exit ${r.exitCode}): ${o.prepare}; see ${buildLog}`);
  };
  const check = (r: Run) => {
    if (r.exitCode !== 0) {
      const msg = `the ${r.kind} build exited with ${r.exitCode}; see ${buildLog}`;
      if (!o.keepGoing) throw new Error(msg);
      log(`warning: ${msg}`);
    }
  };

  const untraced = async (pair: number) => {
    await prepare(`untraced, pair ${pair + 1}`);
    fs.appendFileSync(buildLog, `\n=== build (untraced, pair ${pair + 1}) ===\n`);
    fs.rmSync(timesFile, { force: true });
    const r = await run('/bin/sh', ['-c', timedBuild(o.build, timesFile)], { cwd: o.workdir, outFile: buildLog });
    const res: Run = { kind: 'untraced', pair, ...r, buildCpu: readBuildCpu(timesFile) };
    log(`pair ${pair + 1}: untraced ${fmtS(r.seconds)}${fmtCpu(res.buildCpu)}`);
    runs.push(res);
    check(res);
    return res;
  };
  const traced = async (pair: number, stats = false) => {
    const label = stats ? 'bt trace, BPF statistics on' : `bt trace, pair ${pair + 1}`;
    await prepare(label);
    fs.appendFileSync(buildLog, `\n=== build (${label}) ===\n`);
    fs.rmSync(btLog, { force: true });
    fs.rmSync(timesFile, { force: true });
    // bt as its users run it: the executable (its #! line starts Node)
    const r = await run(BT, ['trace', '-q', '-o', btLog, '--', '/bin/sh', '-c', timedBuild(o.build, timesFile)], {
      cwd: o.workdir,
      outFile: buildLog,
      ...(stats ? { env: { ...process.env, BT_TIMING: '1' }, keepStderr: true } : {}),
    });
    const res: Run = { kind: 'traced', pair, ...r, buildCpu: readBuildCpu(timesFile) };
    if (fs.existsSync(btLog)) res.log = summarizeLog(btLog);
    const u = btUsage(res.log?.trailer);
    if (u) {
      res.btUserSeconds = u.userSeconds;
      res.btSystemSeconds = u.systemSeconds;
      res.btCpuSeconds = u.userSeconds + u.systemSeconds;
      res.btPeakRssKiB = u.maxRssKiB;
    }
    log(
      `${stats ? 'statistics run' : `pair ${pair + 1}`}: traced ${fmtS(r.seconds)}${fmtCpu(res.buildCpu)}` +
        (res.btCpuSeconds !== undefined ? `, bt cpu ${res.btCpuSeconds.toFixed(1)} s, rss ${((res.btPeakRssKiB ?? 0) / 1024).toFixed(0)} MiB` : '') +
        (res.log ? `, ${res.log.records} records, lost ${res.log.lost}` : ''),
    );
    if (stats) {
      bpfStats = { stats: parseBpfStats(r.stderr ?? '') ?? {}, buildCpu: res.buildCpu };
      check(res);
      return res;
    }
    runs.push(res);
    check(res);
    return res;
  };

  log(`workload: ${o.workload}`);
  log(`prepare: ${o.prepare}`);
  log(`build:   ${o.build}   (in ${o.workdir})`);
  for (let i = 0; i < o.warmup; i++) {
    await prepare(`warm-up ${i + 1}`);
    fs.appendFileSync(buildLog, `\n=== build (warm-up ${i + 1}, untimed) ===\n`);
    const r = await run('/bin/sh', ['-c', o.build], { cwd: o.workdir, outFile: buildLog });
    log(`warm-up ${i + 1}: ${fmtS(r.seconds)} (not counted)`);
  }
  const ratios: number[] = [];
  const cpuPairs: Parameters<typeof cpuRows>[0] = [];
  for (let i = 0; i < o.pairs; i++) {
    let u: Run;
    let t: Run;
    if (i % 2 === 0) {
      u = await untraced(i);
      t = await traced(i);
    } else {
      t = await traced(i);
      u = await untraced(i);
    }
    ratios.push(t.seconds / u.seconds);
    cpuPairs.push({ untraced: u.buildCpu, traced: t.buildCpu, btCpuSeconds: t.btCpuSeconds });
  }
  if (o.bpfStats) await withBpfStats(true, () => traced(o.pairs, true));

  let comparison: Comparison | undefined;
  let straceRun: Run | undefined;
  let factStats: Record<string, Record<string, number>> | undefined;
  let scripts: ReturnType<typeof scriptArgvPairs> | undefined;
  if (o.strace) {
    await prepare('strace');
    fs.appendFileSync(buildLog, '\n=== build (strace) ===\n');
    fs.rmSync(straceLog, { force: true });
    fs.rmSync(timesFile, { force: true });
    // the very command bt traced (times included), so that both logs hold the same processes and files
    const r = await run('strace', [...STRACE_ARGS, '-o', straceLog, '/bin/sh', '-c', timedBuild(o.build, timesFile)], { cwd: o.workdir, outFile: buildLog });
    straceRun = { kind: 'strace', ...r, straceLogBytes: fs.existsSync(straceLog) ? fs.statSync(straceLog).size : 0 };
    runs.push(straceRun);
    log(`strace: ${fmtS(r.seconds)}`);
    check(straceRun);
    log('normalizing the last bt log and comparing with strace');
    fs.rmSync(normLog, { force: true });
    await normalize(btLog, normLog);
    const masks: Mask[] = [...DEFAULT_MASKS, ...o.masks.map((m): Mask => [new RegExp(m, 'g'), '*'])];
    const mask = makeMasker(masks);
    const sf = straceFacts(straceLog, { cwd: fs.realpathSync(o.workdir), mask });
    const bf = btLogFacts(normLog, mask);
    factStats = { strace: sf.stats, bt: bf.stats };
    comparison = compareFacts(sf, bf);
    scripts = scriptArgvPairs(sf.execs, bf.execs);
  }

  const U = runs.filter((r) => r.kind === 'untraced');
  const T = runs.filter((r) => r.kind === 'traced');
  const uMed = median(U.map((r) => r.seconds));
  const tMed = median(T.map((r) => r.seconds));
  const last = T[T.length - 1];
  const cpu = T.map((r) => r.btCpuSeconds).filter((x): x is number => x !== undefined);
  const rss = T.map((r) => r.btPeakRssKiB).filter((x): x is number => x !== undefined);
  const lost = T.map((r) => r.log?.lost ?? NaN);
  const m = machine();

  const rows: Array<[string, string]> = [
    ['workload', o.workload],
    machineRow(m),
    ['untraced wall (median, min..max)', `${fmtS(uMed)} (${fmtS(Math.min(...U.map((r) => r.seconds)))}..${fmtS(Math.max(...U.map((r) => r.seconds)))})`],
    ['bt trace wall (median, min..max)', `${fmtS(tMed)} (${fmtS(Math.min(...T.map((r) => r.seconds)))}..${fmtS(Math.max(...T.map((r) => r.seconds)))})`],
    [
      `**wall ratio traced/untraced** (${o.pairs} pairs: median, min..max)`,
      `**${median(ratios).toFixed(3)}** (${Math.min(...ratios).toFixed(3)}..${Math.max(...ratios).toFixed(3)})`,
    ],
  ];
  if (straceRun) rows.push(['strace -f wall (1 run; ratio to untraced median)', `${fmtS(straceRun.seconds)} (${(straceRun.seconds / uMed).toFixed(2)}x)`]);
  rows.push(
    ['bt CPU (user+sys; median, min..max)', cpu.length ? `${median(cpu).toFixed(1)} s (${Math.min(...cpu).toFixed(1)}..${Math.max(...cpu).toFixed(1)}), ${((median(cpu) / tMed) * 100).toFixed(1)}% of one core` : 'n/a'],
    ['bt peak RSS (max over runs)', rss.length ? `${(Math.max(...rss) / 1024).toFixed(0)} MiB` : 'n/a'],
    ['log (last run)', last?.log ? `${fmtBytes(last.log.bytes)}, ${last.log.records.toLocaleString('en')} records, ${(last.log.bytes / Math.max(1, last.log.records)).toFixed(1)} bytes/record` : 'n/a'],
    ['lost events (per traced run)', lost.map((x) => (Number.isNaN(x) ? '?' : String(x))).join(', ')],
    ...cpuRows(cpuPairs),
    ...(bpfStats ? bpfRows(bpfStats.stats, bpfStats.buildCpu) : []),
  );
  const loads = runs.map((r) => r.loadAfter ?? 0);
  rows.push([
    'load average after each run (1 min; the build alone gives about the -j)',
    runs.map((r) => `${r.kind[0]}${r.pair !== undefined ? r.pair + 1 : ''} ${(r.loadAfter ?? 0).toFixed(1)}`).join(', '),
  ]);
  const lastLost = last?.log?.lostByReason ?? {};
  const otherLoss = Object.entries(lastLost).filter(([k, v]) => v > 0 && !['ringbuf', 'pair_map', 'incomplete_exec'].includes(k));
  if (otherLoss.length) rows.push(['other trailer counts (last run)', otherLoss.map(([k, v]) => `${k} ${v}`).join(', ')]);
  if (comparison) {
    for (const c of Object.values(comparison.categories)) {
      rows.push([`fidelity: ${c.title}`, `recall ${pct(c.recall)}, precision ${pct(c.precision)} (strace ${c.reference}, bt ${c.bt})`]);
    }
    rows.push(['fidelity: process count', `strace ${comparison.processCount.reference}, bt ${comparison.processCount.bt}`]);
  }

  const md = reportTable('bt on a real build', rows);
  md.push('');
  md.push(`Reproduce: \`npm run bench:real${o.workload.startsWith('Linux') ? '' : ` -- --prepare ${sh(o.prepare)} --build ${sh(o.build)}`}\``);
  md.push('');
  if (comparison) {
    md.push('### Fidelity against strace', '', comparisonTable(comparison), '');
    const diffs = differencesText(comparison);
    if (scripts && scripts.missing > 0) {
      const interps = Object.entries(scripts.interpreters).map(([k, v]) => `${k} ${v}`).join(', ');
      md.push(
        `Of the ${scripts.missing} successful execs missing in bt, ${scripts.paired} are #! scripts whose argv bt records as the ` +
          `interpreter's (interpreter, script path, args: ${interps || 'none'}) instead of the argv passed to execve; ` +
          'each also counts as an extra exec and changes its process\'s exec chain.',
        '',
      );
    }
    md.push(diffs ? `### Differences (first 20 per category)\n\n\`\`\`\n${diffs}\n\`\`\`` : 'No differences.', '');
  }
  const report = md.join('\n');
  process.stdout.write(`${report}\n`);

  const result = {
    date: new Date().toISOString(),
    machine: m,
    options: o,
    runs,
    ratios,
    cpuPairs,
    bpfStats,
    summary: {
      untracedMedianSeconds: uMed,
      tracedMedianSeconds: tMed,
      ratioMedian: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      straceSeconds: straceRun?.seconds,
      straceRatio: straceRun ? straceRun.seconds / uMed : undefined,
      btCpuSecondsMedian: cpu.length ? median(cpu) : undefined,
      btPeakRssKiBMax: rss.length ? Math.max(...rss) : undefined,
      logBytes: last?.log?.bytes,
      logRecords: last?.log?.records,
      bytesPerRecord: last?.log ? last.log.bytes / Math.max(1, last.log.records) : undefined,
      lost,
      maxLoad: Math.max(...loads),
    },
    fidelity: comparison,
    scriptArgvPairs: scripts,
    factStats,
    report,
  };
  const jsonFile = path.join(o.out, 'result.json');
  fs.writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  log(`saved ${jsonFile}; logs in ${o.out}`);
}

async function sideBySideMain(o: Options, buildLog: string, btLog: string): Promise<void> {
  if (os.cpus().length < 2) throw new Error('--side-by-side needs two CPUs');
  if (!hasCommand('taskset')) throw new Error('taskset is missing: apt-get install -y util-linux');
  log(`workload: ${o.workload}, side by side`);
  const pairs = await sideBySide({
    pairs: o.pairs,
    warmup: o.warmup,
    workdir: o.workdir,
    prepare: o.sideBySide!.prepare,
    build: o.sideBySide!.build,
    bt: { command: BT, args: ['trace', '-q', '-o', btLog], log: btLog },
    outFile: buildLog,
    log,
  });
  const m = machine();
  const rows: Array<[string, string]> = [
    ['workload', o.workload],
    machineRow(m),
    ...sideBySideRows(pairs),
  ];
  const md = reportTable('bt on a real build, side by side', rows);
  md.push('', `Reproduce: \`npm run bench:real -- --workload ${o.workload.startsWith('Linux') ? 'kernel' : 'configure'} --side-by-side --pairs N\``, '');
  const report = md.join('\n');
  process.stdout.write(`${report}\n`);
  const jsonFile = path.join(o.out, 'result.json');
  fs.writeFileSync(jsonFile, `${JSON.stringify({ date: new Date().toISOString(), machine: m, options: o, sideBySide: pairs, report }, null, 2)}\n`);
  log(`saved ${jsonFile}; logs in ${o.out}`);
}

main().catch((e: Error) => {
  process.stderr.write(`bench:real: error: ${e.message}\n`);
  process.exit(1);
});

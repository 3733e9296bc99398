/**
 * Loads build/bt.bpf.o through libbpf: sets the ring size, drops programs
 * whose tracepoint this kernel lacks, loads on a libuv thread (bt trace
 * starts that before it has even parsed its options: cli/early.ts), writes
 * the .data.cfg configuration, attaches, and exposes the ring fd and the
 * .bss counters. close() detaches everything; it is safe to call more than
 * once.
 */
import fs from 'node:fs';
import { CaptureError, errnoName } from '../errors.js';
import { LAYOUT, LOST_REASONS } from '../log/ring/layout.js';
import { cachedCoreBtf } from './corebtf.js';
import { CORE_BTF_PATH, OBJECT_PATH } from './install.js';
import { checkInt, checkMmap, checkPtr, getLibbpf, getLibc, MAP_SHARED, openObject, PROT_READ, view } from './native.js';
import { hasTraceEvent, tracefsDir } from './tracefs.js';

/** The iterator that collects repeated lookups' counts (BtBpf.sweep). */
const SWEEP_PROGRAM = 'bt_sweep';

/** struct bpf_prog_info (linux/bpf.h UAPI): its size and the run-time statistics fields. */
const PROG_INFO_SIZE = 232;
const PROG_INFO_RUN_TIME_NS = 192;
const PROG_INFO_RUN_CNT = 200;

export interface BpfConfig {
  objectPath: string;
  cgroupId: bigint;
  cgroupLevel: number;
  flags: number;
  ringBytes: number;
}

export class BtBpf {
  private obj: unknown;
  private links: unknown[] = [];
  private statsView?: DataView;
  private statsPtr: unknown;
  private statsLen = 0;
  /** The sweep's iterator link, attached at its first run. */
  private sweepLink: unknown = undefined;
  private readonly sweepBuf = Buffer.alloc(64);
  private constructor(
    obj: unknown,
    readonly ringFd: number,
    readonly programs: readonly string[],
    readonly skipped: readonly string[],
    /** The cached CO-RE types libbpf relocated against (capture/corebtf.ts), or undefined: the kernel's own. */
    readonly coreBtf: string | undefined,
  ) {
    this.obj = obj;
  }

  /**
   * Opens and loads the object (or adopts the load cli/early.ts started),
   * then writes the configuration. The verifier gives up with EAGAIN when a
   * signal arrives while it works (a terminal resize, a child exiting), and
   * a failed object cannot be loaded again: retry with a fresh one.
   */
  static async open(cfg: BpfConfig): Promise<BtBpf> {
    let useCoreBtf = true;
    for (let attempt = 1; ; attempt++) {
      const loading = adoptEarly(cfg) ?? startLoad(cfg.objectPath, cfg.ringBytes, useCoreBtf);
      const result = await loading.done;
      if (result.ret === -11 && attempt < 8) {
        getLibbpf().bpf_object__close(loading.obj);
        continue;
      }
      if (result.ret < 0 && loading.coreBtf && attempt < 8) {
        // the cached types are only a shortcut: whatever went wrong, the kernel's own BTF decides
        getLibbpf().bpf_object__close(loading.obj);
        useCoreBtf = false;
        continue;
      }
      return BtBpf.loaded(loading, result, cfg);
    }
  }

  private static loaded(loading: Loading, { ret: err, callError }: LoadResult, cfg: BpfConfig): BtBpf {
    const bpf = getLibbpf();
    const obj = loading.obj;
    let ok = false;
    try {
      if (callError !== undefined) {
        throw new CaptureError('E_BPF_LOAD', `loading the BPF programs failed: ${String((callError as Error)?.message ?? callError)}`, {
          cause: callError,
        });
      }
      if (err === -11) {
        throw new CaptureError('E_BPF_AGAIN', 'loading the BPF programs was interrupted by signals (EAGAIN): try again');
      }
      if (err < 0) {
        throw new CaptureError(
          'E_BPF_LOAD',
          `loading the BPF programs failed (${errnoName(-err)}): ` +
            (-err === 1
              ? 'run bt as root (or with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)'
              : 'the kernel rejected them; run with BT_DEBUG=1 to see the verifier log'),
        );
      }
      writeConfig(obj, cfg);
      const ring = checkPtr(bpf.bpf_object__find_map_by_name(obj, 'bt_events'), 'find map bt_events');
      const self = new BtBpf(obj, checkInt(bpf.bpf_map__fd(ring), 'bpf_map__fd(bt_events)'), loading.programs, loading.skipped, loading.coreBtf);
      self.mapStats();
      ok = true;
      return self;
    } finally {
      if (!ok) bpf.bpf_object__close(obj);
    }
  }

  /** Maps the live .bss (BPF_F_MMAPABLE) read-only: libbpf only remaps it for skeletons. */
  private mapStats(): void {
    const bpf = getLibbpf();
    const bss = checkPtr(bpf.bpf_object__find_map_by_name(this.obj, '.bss'), 'find map .bss');
    const size = [0];
    checkPtr(bpf.bpf_map__initial_value(bss, size), 'bpf_map__initial_value(.bss)');
    if (size[0] !== LAYOUT.bt_stats.size) {
      throw new CaptureError('E_BPF_LAYOUT', `.bss is ${size[0]} bytes, expected struct bt_stats (${LAYOUT.bt_stats.size}): rebuild bt`);
    }
    const fd = checkInt(bpf.bpf_map__fd(bss), 'bpf_map__fd(.bss)');
    const libc = getLibc();
    this.statsLen = Math.ceil(size[0] / 4096) * 4096;
    this.statsPtr = checkMmap(libc.mmap(null, this.statsLen, PROT_READ, MAP_SHARED, fd, 0), 'mmap(.bss)');
    this.statsView = new DataView(view(this.statsPtr, size[0]));
  }

  /** Attaches every loaded program but the sweep (an iterator: it runs when read, see sweep()). */
  attach(): void {
    const bpf = getLibbpf();
    for (let prog = bpf.bpf_object__next_program(this.obj, null); prog; prog = bpf.bpf_object__next_program(this.obj, prog)) {
      const name = bpf.bpf_program__name(prog) as string;
      if (!this.programs.includes(name) || name === SWEEP_PROGRAM) continue;
      const link = checkPtr(bpf.bpf_program__attach(prog), `attaching BPF program ${name}`);
      this.links.push(link);
    }
  }

  /**
   * Runs the sweep (bpf/sweep.bpf.c): every traced thread sends the counts
   * of the repeated lookups it holds, as BT_T_REPEATS records in the ring.
   * One iterator read: the kernel runs the program for every thread. The
   * iterator is attached at the first sweep, not at start-up.
   */
  sweep(): void {
    const bpf = getLibbpf();
    if (this.sweepLink === undefined) {
      const prog = this.obj && bpf.bpf_object__find_program_by_name(this.obj, SWEEP_PROGRAM);
      if (!prog) throw new CaptureError('E_BPF_SWEEP', `BPF program ${SWEEP_PROGRAM} is missing: rebuild bt`);
      this.sweepLink = checkPtr(bpf.bpf_program__attach_iter(prog, null), `attaching BPF iterator ${SWEEP_PROGRAM}`);
    }
    const fd = checkInt(bpf.bpf_iter_create(checkInt(bpf.bpf_link__fd(this.sweepLink), 'bpf_link__fd(bt_sweep)')), 'bpf_iter_create(bt_sweep)');
    try {
      while (fs.readSync(fd, this.sweepBuf) > 0);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Sum of the lost/damaged counters (cheap: no object per call). */
  lostTotal(): number {
    const v = this.statsView;
    if (!v) return 0;
    let sum = 0;
    for (let i = 0; i < LOST_REASONS.length; i++) sum += Number(v.getBigUint64(LAYOUT.bt_stats.fields.lost + 8 * i, true));
    return sum;
  }

  /** Totals of lost/damaged events by reason, since load. */
  lost(): Record<string, number> {
    const out: Record<string, number> = {};
    if (!this.statsView) return out;
    LOST_REASONS.forEach((reason, i) => {
      out[reason] = Number(this.statsView!.getBigUint64(LAYOUT.bt_stats.fields.lost + 8 * i, true));
    });
    return out;
  }

  /**
   * Kernel run-time statistics per program: total ns and runs since load
   * (struct bpf_prog_info run_time_ns / run_cnt). Zero unless
   * /proc/sys/kernel/bpf_stats_enabled is 1 (npm run bench sets it).
   */
  runStats(): Record<string, { ns: number; runs: number }> {
    const bpf = getLibbpf();
    const out: Record<string, { ns: number; runs: number }> = {};
    const info = Buffer.alloc(PROG_INFO_SIZE);
    for (let prog = bpf.bpf_object__next_program(this.obj, null); prog; prog = bpf.bpf_object__next_program(this.obj, prog)) {
      const name = bpf.bpf_program__name(prog) as string;
      if (!this.programs.includes(name)) continue;
      info.fill(0);
      const len = [PROG_INFO_SIZE];
      if ((bpf.bpf_obj_get_info_by_fd(bpf.bpf_program__fd(prog), info, len) as number) < 0) continue;
      out[name] = { ns: Number(info.readBigUInt64LE(PROG_INFO_RUN_TIME_NS)), runs: Number(info.readBigUInt64LE(PROG_INFO_RUN_CNT)) };
    }
    return out;
  }

  /** Detaches the programs (stops new events); the maps stay readable. */
  detach(): void {
    const bpf = getLibbpf();
    for (const link of this.links.splice(0)) bpf.bpf_link__destroy(link);
  }

  close(): void {
    this.detach();
    if (this.sweepLink) getLibbpf().bpf_link__destroy(this.sweepLink);
    this.sweepLink = undefined;
    if (this.obj) {
      const bpf = getLibbpf();
      this.statsView = undefined;
      if (this.statsPtr) getLibc().munmap(this.statsPtr, this.statsLen);
      this.statsPtr = undefined;
      bpf.bpf_object__close(this.obj);
      this.obj = undefined;
    }
  }
}

/** Writes the configuration into the loaded object's .data.cfg map (the programs are not attached yet). */
function writeConfig(obj: unknown, cfg: BpfConfig): void {
  const bpf = getLibbpf();
  const map = checkPtr(bpf.bpf_object__find_map_by_name(obj, '.data.cfg'), 'find map .data.cfg');
  const size = [0];
  checkPtr(bpf.bpf_map__initial_value(map, size), 'bpf_map__initial_value(.data.cfg)');
  const L = LAYOUT.bt_config;
  if (size[0] !== L.size) {
    throw new CaptureError('E_BPF_LAYOUT', `.data.cfg is ${size[0]} bytes, expected struct bt_config (${L.size}): rebuild bt`);
  }
  const value = Buffer.alloc(L.size);
  value.writeBigUInt64LE(cfg.cgroupId, L.fields.cgroup_id);
  value.writeUInt32LE(cfg.cgroupLevel, L.fields.cgroup_level);
  value.writeUInt32LE(cfg.flags, L.fields.flags);
  const fd = checkInt(bpf.bpf_map__fd(map), 'bpf_map__fd(.data.cfg)');
  checkInt(bpf.bpf_map_update_elem(fd, Buffer.alloc(4), value, 0), 'bpf_map_update_elem(.data.cfg)');
}

/** What bpf_object__load returned (-errno on failure), or how the async call itself failed (koffi). */
interface LoadResult {
  ret: number;
  callError?: unknown;
}

/** An object whose load runs on a libuv thread. */
interface Loading {
  objectPath: string;
  ringBytes: number;
  obj: unknown;
  programs: string[];
  skipped: string[];
  done: Promise<LoadResult>;
  /** The cached CO-RE types libbpf relocated against, when they matched (capture/corebtf.ts). */
  coreBtf?: string;
}

/** The build's cached CO-RE types for bt's own object, when they were made for it on this kernel; BT_CORE_BTF=0 turns them off. */
function coreBtfFor(objectPath: string): string | undefined {
  if (process.env.BT_CORE_BTF === '0' || objectPath !== OBJECT_PATH) return undefined;
  return cachedCoreBtf(CORE_BTF_PATH, objectPath);
}

type AsyncLoad = { async: (obj: unknown, cb: (err: unknown, res: number) => void) => void };

/**
 * Opens the object, sizes the ring, drops programs whose tracepoint this
 * kernel lacks and starts bpf_object__load on a libuv thread (BTF,
 * relocations, map creation and verification: ~45 ms of kernel work that
 * JavaScript does not wait for). The configuration comes after the load.
 */
function startLoad(objectPath: string, ringBytes: number, useCoreBtf = true): Loading {
  if (!fs.existsSync(objectPath)) {
    throw new CaptureError('E_NO_OBJECT', `BPF object ${objectPath} is missing: run npm run build`);
  }
  const bpf = getLibbpf();
  if (!process.env.BT_DEBUG) bpf.libbpf_set_print(null);
  const coreBtf = useCoreBtf ? coreBtfFor(objectPath) : undefined;
  const obj = openObject(objectPath, { btfCustomPath: coreBtf });
  try {
    const ring = checkPtr(bpf.bpf_object__find_map_by_name(obj, 'bt_events'), 'find map bt_events');
    checkInt(bpf.bpf_map__set_max_entries(ring, ringBytes), 'bpf_map__set_max_entries(bt_events)');
    const { programs, skipped } = selectPrograms(obj);
    const done = new Promise<LoadResult>((resolve) => {
      (bpf.bpf_object__load as unknown as AsyncLoad).async(obj, (err, ret) => resolve(err ? { ret: -5, callError: err } : { ret }));
    });
    return { objectPath, ringBytes, obj, programs, skipped, done, coreBtf };
  } catch (err) {
    bpf.bpf_object__close(obj);
    throw err;
  }
}

/**
 * Programs that stand in for another where this kernel lacks that one's
 * tracepoint: sys_enter (~35 ns on every syscall of the machine) keeps an
 * exec's arguments where sched_prepare_exec (Linux 6.10) is missing.
 * BT_STAND_INS=1 loads the stand-ins anyway (tests run the older kernels'
 * path with it).
 */
const STAND_INS: Record<string, { for: string; event: [group: string, name: string] }> = {
  bt_sys_enter: { for: 'bt_prepare_exec', event: ['sched', 'sched_prepare_exec'] },
};

/** Disables programs whose tracepoint does not exist here (or that a stand-in replaces): the names of the others, and the sections skipped. */
function selectPrograms(obj: unknown): { programs: string[]; skipped: string[] } {
  const bpf = getLibbpf();
  const unwanted = new Set<string>();
  for (const [standIn, { for: original, event }] of Object.entries(STAND_INS)) {
    // only a tracepoint seen to exist is relied on: the stand-in is always right
    unwanted.add(process.env.BT_STAND_INS !== '1' && hasTraceEvent(...event) ? standIn : original);
  }
  const programs: string[] = [];
  const skipped: string[] = [];
  for (let prog = bpf.bpf_object__next_program(obj, null); prog; prog = bpf.bpf_object__next_program(obj, prog)) {
    const name = bpf.bpf_program__name(prog) as string;
    const sec = bpf.bpf_program__section_name(prog) as string;
    const m = /^tp\/([^/]+)\/(.+)$/.exec(sec);
    if (unwanted.has(name) || (m && !fs.existsSync(`${tracefsDir()}/events/${m[1]}/${m[2]}`))) {
      checkInt(bpf.bpf_program__set_autoload(prog, false), `bpf_program__set_autoload(${name})`);
      skipped.push(sec);
    } else {
      programs.push(name);
    }
  }
  return { programs, skipped };
}

/**
 * The early load, on globalThis: bt's executable runs the head start as a
 * bundle of its own (bt-early.cjs), with its own copy of this module, and
 * the program adopts the load from there.
 */
const shared = globalThis as { __btEarlyLoad?: Loading | null };

/**
 * Starts loading the object before bt trace has parsed its options
 * (cli/early.ts); BtBpf.open adopts it when it asks for the same object
 * and ring size. Never throws: on any problem the trace loads as usual and
 * reports it.
 */
export function startEarlyLoad(objectPath: string, ringBytes: number): boolean {
  if (shared.__btEarlyLoad !== undefined) return false; // started already (or tried)
  try {
    shared.__btEarlyLoad = startLoad(objectPath, ringBytes);
    return true;
  } catch {
    shared.__btEarlyLoad = null;
    return false;
  }
}

/**
 * Settles once the early load (if any) is over. Taking another identity
 * (log/output.ts asUser) must wait for it: glibc changes the credentials of
 * every thread, the loading one's too, which then gets EPERM.
 */
export function earlyLoadSettled(): Promise<unknown> {
  return shared.__btEarlyLoad?.done ?? Promise.resolve();
}

function adoptEarly(cfg: BpfConfig): Loading | undefined {
  const l = shared.__btEarlyLoad;
  shared.__btEarlyLoad = null;
  if (!l) return undefined;
  if (l.objectPath === cfg.objectPath && l.ringBytes === cfg.ringBytes) return l;
  // another ring size: not this one, closed once libbpf is done with it
  void l.done.then(() => getLibbpf().bpf_object__close(l.obj));
  return undefined;
}

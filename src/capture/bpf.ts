/**
 * Loads bt's BPF programs, attaches them, and exposes the ring fd and the
 * .bss counters. Two loaders: the light skeleton (capture/lskel.ts: the
 * kernel loads everything, the fast way) where it loads, else libbpf
 * (capture/libbpf-load.ts), which works on every kernel bt supports. The
 * load runs on a libuv thread; bt trace starts it before it has even parsed
 * its options (cli/early.ts), or bt's executable runs it before Node starts
 * and attaches the programs too (front-load.ts). arm() writes the .data.cfg
 * configuration, which starts the tracing, and attaches by fd what is not
 * attached yet. close() detaches everything and closes every fd; it is
 * safe to call more than once.
 */
import fs from 'node:fs';
import { CaptureError, errnoName, NativeError } from '../errors.js';
import { LAYOUT, LOST_REASONS } from '../log/ring/layout.js';
import { LSKEL_PATH } from './install.js';
import { libbpfFds, type LibbpfLoading, type LibbpfResult } from './libbpf-load.js';
import { adoptEarly, startLoad } from './load.js';
import { lightFds, type LightLoaded } from './lskel.js';
import { bpfCall, OBJ_NAME_LEN } from './bpfsys.js';
import { checkMmap, getLibbpf, getLibc, MAP_SHARED, PROT_READ, view } from './native.js';

/** The iterator that collects repeated lookups' counts (BtBpf.sweep). */
const SWEEP_PROGRAM = 'bt_sweep';
const BPF_TRACE_ITER = 28;

/** struct bpf_prog_info and struct bpf_map_info (linux/bpf.h UAPI): sizes and the fields read. */
const PROG_INFO = { size: 232, name: 64, run_time_ns: 192, run_cnt: 200 } as const;
const MAP_INFO = { size: 88, value_size: 12, max_entries: 16 } as const;

export interface BpfConfig {
  objectPath: string;
  cgroupId: bigint;
  cgroupLevel: number;
  flags: number;
  ringBytes: number;
  /** bt's executable started the build with its load (front-start.ts): that load or none, never one of bt's own. */
  adoptOnly?: boolean;
}

/** What loaded the programs: the light skeleton, or libbpf with the CO-RE types it relocated against (undefined: the kernel's own). */
export type Loader = { kind: 'lskel'; front?: boolean } | { kind: 'libbpf'; coreBtf?: string };

/** For BT_TIMING: which loader loaded the programs. */
export function describeLoader(l: Loader): string {
  if (l.kind === 'lskel') return `bpf loaded by the light skeleton (${LSKEL_PATH})${l.front ? ", in bt's executable, beside Node's start" : ''}`;
  return `bpf loaded by libbpf, co-re types from ${l.coreBtf ?? 'the kernel (/sys/kernel/btf/vmlinux)'}`;
}

/** Loaded programs and maps, by fd, and the links of those attached already (closed by BtBpf.detach); release() closes the rest. */
interface Loaded {
  maps: Map<string, number>;
  progs: Array<{ name: string; fd: number }>;
  links?: number[];
  loader: Loader;
  release(): void;
}

export class BtBpf {
  private links: number[] = [];
  private statsView?: DataView;
  private statsPtr: unknown;
  private statsLen = 0;
  /** The sweep's iterator link, attached at its first run. */
  private sweepLink = -1;
  private readonly sweepBuf = Buffer.alloc(64);
  /** Which loader loaded the programs. */
  readonly loader: Loader;
  /** What close() releases (undefined once it has). */
  private loaded: Loaded | undefined;
  /** The configuration arm() writes. */
  private readonly cfg: BpfConfig;
  private constructor(
    loaded: Loaded,
    readonly ringFd: number,
    cfg: BpfConfig,
  ) {
    this.loaded = loaded;
    this.loader = loaded.loader;
    this.cfg = cfg;
    this.links = loaded.links ?? [];
  }

  /** The names of the loaded programs. */
  get programs(): string[] {
    return this.loaded?.progs.map((p) => p.name) ?? [];
  }

  /**
   * Loads (or adopts the load cli/early.ts or bt's executable started);
   * nothing is traced before arm(). The light skeleton first; whatever stops it, libbpf.
   * The verifier gives up with EAGAIN when a signal arrives while it works
   * (a terminal resize, a child exiting), and a failed load cannot be
   * resumed: retry from the start.
   */
  static async open(cfg: BpfConfig): Promise<BtBpf> {
    let light = true;
    let useCoreBtf = true;
    for (let attempt = 1; ; attempt++) {
      const early = adoptEarly(cfg);
      if (cfg.adoptOnly && !(early?.kind === 'lskel' && early.front)) {
        throw new CaptureError('E_FRONT_START', "bt's executable started the build, but its load is not there to take: the build was stopped; BT_EARLY_START=0 bt trace … runs it without that");
      }
      const loading = early ?? startLoad(cfg.objectPath, cfg.ringBytes, light, useCoreBtf);
      if (loading.kind === 'lskel') {
        const result = await loading.done;
        const loaded = result.ok ? lightLoaded(result.loaded, cfg.ringBytes, loading.front) : undefined;
        if (loaded) return BtBpf.ready(loaded, cfg);
        const why = result.ok ? 'unexpected maps, programs or ring size' : result.error.message;
        if (loading.front && cfg.adoptOnly) {
          throw new CaptureError('E_FRONT_START', `bt's executable started the build, but bt cannot take its programs (${why}): the build was stopped; BT_EARLY_START=0 bt trace … runs it without that`);
        }
        if (loading.front) {
          // bt's executable's load (capture/front-load.ts): whatever stopped it, the trace's own load decides
          if (process.env.BT_DEBUG) process.stderr.write(`bt: ${result.ok ? `bt's executable's BPF load: ${why}` : why}: loading here\n`);
          continue;
        }
        if (!result.ok && result.error.errno === 11 && attempt < 8) continue;
        if (process.env.BT_DEBUG) process.stderr.write(`bt: the light skeleton did not load (${why}): loading through libbpf\n`);
        light = false;
        continue;
      }
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
      return BtBpf.ready(libbpfLoaded(loading, result), cfg);
    }
  }

  private static ready(loaded: Loaded, cfg: BpfConfig): BtBpf {
    let ok = false;
    try {
      const self = new BtBpf(loaded, loaded.maps.get('bt_events')!, cfg);
      self.mapStats(loaded.maps.get('.bss')!);
      ok = true;
      return self;
    } finally {
      if (!ok) {
        for (const link of loaded.links ?? []) getLibc().close(link);
        loaded.release();
      }
    }
  }

  /** Maps the live .bss (BPF_F_MMAPABLE) read-only. */
  private mapStats(fd: number): void {
    const size = mapValueSize(fd, '.bss');
    if (size !== LAYOUT.bt_stats.size) {
      throw new CaptureError('E_BPF_LAYOUT', `.bss is ${size} bytes, expected struct bt_stats (${LAYOUT.bt_stats.size}): rebuild bt`);
    }
    this.statsLen = Math.ceil(size / 4096) * 4096;
    this.statsPtr = checkMmap(getLibc().mmap(null, this.statsLen, PROT_READ, MAP_SHARED, fd, 0), 'mmap(.bss)');
    this.statsView = new DataView(view(this.statsPtr, size));
  }

  /**
   * Starts the tracing: writes the configuration (the traced cgroup, what
   * to record), then attaches every loaded program but the sweep (an
   * iterator: it runs when read, see sweep()), unless they are attached
   * already: a zero configuration traces nothing (bt_records.h).
   */
  arm(): void {
    writeConfig(this.loaded!.maps.get('.data.cfg')!, this.cfg);
    if (this.links.length) return;
    for (const { name, fd } of this.loaded?.progs ?? []) {
      if (name === SWEEP_PROGRAM) continue;
      this.links.push(bpfCall('raw_tracepoint_open', { prog_fd: fd }, `attaching BPF program ${name}`));
    }
  }

  /**
   * Runs the sweep (bpf/sweep.bpf.c): every traced thread sends the counts
   * of the repeated lookups it holds, as BT_T_REPEATS records in the ring.
   * One iterator read: the kernel runs the program for every thread. The
   * iterator is attached at the first sweep, not at start-up.
   */
  sweep(): void {
    if (this.sweepLink < 0) {
      const prog = this.loaded?.progs.find((p) => p.name === SWEEP_PROGRAM);
      if (!prog) throw new CaptureError('E_BPF_SWEEP', `BPF program ${SWEEP_PROGRAM} is missing: rebuild bt`);
      this.sweepLink = bpfCall('link_create', { prog_fd: prog.fd, attach_type: BPF_TRACE_ITER }, `attaching BPF iterator ${SWEEP_PROGRAM}`);
    }
    const fd = bpfCall('iter_create', { link_fd: this.sweepLink }, 'bpf_iter_create(bt_sweep)');
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
    const out: Record<string, { ns: number; runs: number }> = {};
    for (const { name, fd } of this.loaded?.progs ?? []) {
      const info = objInfo(fd, PROG_INFO.size);
      if (info) out[name] = { ns: Number(info.readBigUInt64LE(PROG_INFO.run_time_ns)), runs: Number(info.readBigUInt64LE(PROG_INFO.run_cnt)) };
    }
    return out;
  }

  /** Detaches the programs (stops new events); the maps stay readable. */
  detach(): void {
    const libc = getLibc();
    for (const link of this.links.splice(0)) libc.close(link);
  }

  close(): void {
    this.detach();
    if (this.sweepLink >= 0) getLibc().close(this.sweepLink);
    this.sweepLink = -1;
    if (this.loaded) {
      this.statsView = undefined;
      if (this.statsPtr) getLibc().munmap(this.statsPtr, this.statsLen);
      this.statsPtr = undefined;
      this.loaded.release();
      this.loaded = undefined;
    }
  }
}

/** bpf_obj_get_info_by_fd's answer for a program or map fd, or undefined. */
function objInfo(fd: number, size: number): Buffer | undefined {
  const info = Buffer.alloc(size);
  try {
    bpfCall('obj_get_info_by_fd', { bpf_fd: fd, info_len: size, info });
    return info;
  } catch (err) {
    if (err instanceof NativeError) return undefined;
    throw err;
  }
}

/** A u32 of a map's struct bpf_map_info (undefined: the kernel would not say). */
function mapInfo(fd: number, field: 'value_size' | 'max_entries'): number | undefined {
  return objInfo(fd, MAP_INFO.size)?.readUInt32LE(MAP_INFO[field]);
}

function mapValueSize(fd: number, name: string): number {
  const size = mapInfo(fd, 'value_size');
  if (size === undefined) throw new CaptureError('E_BPF_LAYOUT', `cannot read map ${name}'s description: rebuild bt`);
  return size;
}

/**
 * The light skeleton's fds as bt needs them: its programs named by the
 * kernel (slot order is the object's, subprograms included), its maps by
 * their real names. undefined (everything closed) when one is missing, or
 * when the ring is not `ringBytes` by the kernel's word (a load made in bt's
 * executable says its size in its report: capture/front-load.ts).
 */
function lightLoaded(l: LightLoaded, ringBytes: number, front = false): Loaded | undefined {
  const libc = getLibc();
  const fds = lightFds(l);
  const release = () => {
    for (const fd of fds.splice(0)) libc.close(fd);
  };
  // named already by bt's executable, which asked the kernel (front-load.ts)
  const progs =
    l.progs ??
    l.progFds.map((fd) => {
      const info = objInfo(fd, PROG_INFO.size);
      const raw = info?.subarray(PROG_INFO.name, PROG_INFO.name + OBJ_NAME_LEN) ?? Buffer.alloc(0);
      const nul = raw.indexOf(0);
      return { name: raw.toString('latin1', 0, nul < 0 ? raw.length : nul), fd };
    });
  const byRealName = (want: string) => [...l.maps].find(([name]) => name === want || (want === '.bss' && name.endsWith('.bss')))?.[1];
  const maps = new Map<string, number>();
  for (const name of ['bt_events', '.data.cfg', '.bss']) {
    const fd = byRealName(name);
    if (fd !== undefined && fd > 0) maps.set(name, fd);
  }
  if (maps.size !== 3 || mapInfo(maps.get('bt_events')!, 'max_entries') !== ringBytes || !progs.some((p) => p.name === SWEEP_PROGRAM) || progs.some((p) => !p.name)) {
    release();
    return undefined;
  }
  // the links are the BtBpf's to close (detach), the rest release()'s
  const links = l.links ?? [];
  const owned = fds.filter((fd) => !links.includes(fd));
  return { maps, progs, links, loader: { kind: 'lskel', front }, release: () => owned.splice(0).forEach((fd) => libc.close(fd)) };
}

/** libbpf's loaded object, or the error that stopped its load (the object closed). */
function libbpfLoaded(loading: LibbpfLoading, { ret: err, callError }: LibbpfResult): Loaded {
  const bpf = getLibbpf();
  const release = () => bpf.bpf_object__close(loading.obj);
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
    return { ...libbpfFds(loading), loader: { kind: 'libbpf', coreBtf: loading.coreBtf }, release };
  } catch (e) {
    release();
    throw e;
  }
}

/**
 * Writes the configuration into the .data.cfg map. The programs may be
 * attached already (bt's executable attaches them at load), and the
 * kernel copies a map's value without ordering its fields: the level and
 * flags go first with cgroup_id still 0 (nothing traced), then cgroup_id,
 * so no program can see the traced cgroup with another level or flags.
 */
function writeConfig(fd: number, cfg: BpfConfig): void {
  const L = LAYOUT.bt_config;
  const size = mapValueSize(fd, '.data.cfg');
  if (size !== L.size) {
    throw new CaptureError('E_BPF_LAYOUT', `.data.cfg is ${size} bytes, expected struct bt_config (${L.size}): rebuild bt`);
  }
  const value = Buffer.alloc(L.size);
  value.writeUInt32LE(cfg.cgroupLevel, L.fields.cgroup_level);
  value.writeUInt32LE(cfg.flags, L.fields.flags);
  const key = Buffer.alloc(4);
  for (const id of [0n, cfg.cgroupId]) {
    value.writeBigUInt64LE(id, L.fields.cgroup_id);
    bpfCall('map_update_elem', { map_fd: fd, key, value }, 'bpf_map_update_elem(.data.cfg)');
  }
}

/**
 * Loading build/bt.bpf.o through libbpf's bpf_object: the way that works on
 * every kernel bt supports (the light skeleton, capture/lskel.ts, is the
 * fast way where it loads). Sizes the ring, drops programs whose tracepoint
 * this kernel lacks or that a stand-in replaces, relocates against the
 * build's cached CO-RE types when they match (capture/corebtf.ts), and
 * runs bpf_object__load on a libuv thread.
 */
import fs from 'node:fs';
import { CaptureError } from '../errors.js';
import { cachedCoreBtf } from './corebtf.js';
import { CORE_BTF_PATH, OBJECT_PATH } from './install.js';
import { checkInt, checkPtr, getLibbpf, openObject } from './native.js';
import { hasTraceEvent, tracefsDir } from './tracefs.js';

/**
 * Programs that stand in for another where this kernel lacks that one's
 * tracepoint: sys_enter (~35 ns on every syscall of the machine) keeps an
 * exec's arguments where sched_prepare_exec (Linux 6.10) is missing.
 * BT_STAND_INS=1 loads the stand-ins anyway (tests run the older kernels'
 * path with it).
 */
export const STAND_INS: Record<string, { for: string; event: [group: string, name: string] }> = {
  bt_sys_enter: { for: 'bt_prepare_exec', event: ['sched', 'sched_prepare_exec'] },
};

/** True when a stand-in must load: its original's tracepoint was not seen here, or BT_STAND_INS=1 asks for it. */
function standInNeeded(event: [group: string, name: string]): boolean {
  // only a tracepoint seen to exist is relied on: the stand-in is always right
  return process.env.BT_STAND_INS === '1' || !hasTraceEvent(...event);
}

/** True when no stand-in is needed here (every original's tracepoint exists). */
export function standInsUnneeded(): boolean {
  return !Object.values(STAND_INS).some(({ event }) => standInNeeded(event));
}

/** What bpf_object__load returned (-errno on failure), or how the async call itself failed (koffi). */
export interface LibbpfResult {
  ret: number;
  callError?: unknown;
}

/** An object whose load runs on a libuv thread. */
export interface LibbpfLoading {
  obj: unknown;
  /** The programs left to load. */
  programs: string[];
  done: Promise<LibbpfResult>;
  /** The cached CO-RE types libbpf relocates against, when they matched. */
  coreBtf?: string;
}

/** The build's cached CO-RE types for bt's own object, when they were made for it on this kernel; BT_CORE_BTF=0 turns them off. */
function coreBtfFor(objectPath: string): string | undefined {
  if (process.env.BT_CORE_BTF === '0' || objectPath !== OBJECT_PATH) return undefined;
  return cachedCoreBtf(CORE_BTF_PATH, objectPath);
}

type AsyncLoad = { async: (obj: unknown, cb: (err: unknown, res: number) => void) => void };

/**
 * Opens the object, sizes the ring, selects the programs and starts
 * bpf_object__load on a libuv thread (BTF, relocations, map creation and
 * verification: kernel work that JavaScript does not wait for).
 */
export function startLibbpfLoad(objectPath: string, ringBytes: number, useCoreBtf: boolean): LibbpfLoading {
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
    const programs = selectPrograms(obj);
    const done = new Promise<LibbpfResult>((resolve) => {
      (bpf.bpf_object__load as unknown as AsyncLoad).async(obj, (err, ret) => resolve(err ? { ret: -5, callError: err } : { ret }));
    });
    return { obj, programs, done, coreBtf };
  } catch (err) {
    bpf.bpf_object__close(obj);
    throw err;
  }
}

/** Disables programs whose tracepoint does not exist here (or that a stand-in replaces): the names of the others. */
function selectPrograms(obj: unknown): string[] {
  const bpf = getLibbpf();
  const unwanted = new Set<string>();
  for (const [standIn, { for: original, event }] of Object.entries(STAND_INS)) unwanted.add(standInNeeded(event) ? original : standIn);
  const programs: string[] = [];
  for (let prog = bpf.bpf_object__next_program(obj, null); prog; prog = bpf.bpf_object__next_program(obj, prog)) {
    const name = bpf.bpf_program__name(prog) as string;
    const sec = bpf.bpf_program__section_name(prog) as string;
    const m = /^tp\/([^/]+)\/(.+)$/.exec(sec);
    if (unwanted.has(name) || (m && !fs.existsSync(`${tracefsDir()}/events/${m[1]}/${m[2]}`))) {
      checkInt(bpf.bpf_program__set_autoload(prog, false), `bpf_program__set_autoload(${name})`);
    } else {
      programs.push(name);
    }
  }
  return programs;
}

/** The loaded object's fds: maps by name (the real names: '.bss', '.data.cfg'), and its programs'. */
export function libbpfFds(l: LibbpfLoading): { maps: Map<string, number>; progs: Array<{ name: string; fd: number }> } {
  const bpf = getLibbpf();
  const maps = new Map<string, number>();
  for (const name of ['bt_events', '.data.cfg', '.bss']) {
    const map = checkPtr(bpf.bpf_object__find_map_by_name(l.obj, name), `find map ${name}`);
    maps.set(name, checkInt(bpf.bpf_map__fd(map), `bpf_map__fd(${name})`));
  }
  const progs = l.programs.map((name) => {
    const prog = checkPtr(bpf.bpf_object__find_program_by_name(l.obj, name), `find program ${name}`);
    return { name, fd: checkInt(bpf.bpf_program__fd(prog), `bpf_program__fd(${name})`) };
  });
  return { maps, progs };
}

/**
 * bt's BPF programs loaded by a light skeleton: a loader program that the
 * kernel runs once (BPF_PROG_TYPE_SYSCALL, through BPF_PROG_RUN) and that
 * creates the maps, loads the object's BTF and its programs, doing their
 * CO-RE relocations and finding their attach points with the kernel's own
 * BTF. libbpf would first read and parse the whole vmlinux BTF (~5 MB) in
 * bt's process for the tp_btf attach points: ~10 ms of every start on a
 * fast machine, ~45 ms on one where fresh memory is dear (measured), and
 * the rest of its load work goes too. The loader is made at build time from
 * build/bt.bpf.o (capture/lskel-gen.ts, libbpf's gen_loader: no kernel is
 * asked) and kept in build/bt.lskel:
 *
 *   one line of JSON: {"format":1,"object":STAMP,"maps":[names],"progs":N,
 *                      "dataSize":D,"insnsSize":I,"ringBytes":R,"attach":[names]}
 *   D bytes of the loader's data, then I bytes of its instructions
 *
 * STAMP is the object file's identity (capture/corebtf.ts objectStamp): a
 * loader made from another object is not used. The loader's context
 * (struct bpf_loader_ctx, libbpf's skel_internal.h) is a 24-byte header,
 * then one struct bpf_map_desc (16 bytes: map_fd, max_entries,
 * initial_value) per map of the object in its order, then one prog_fd (4
 * bytes) per program. The loader reads max_entries (0: the object's) and
 * writes the fds; the kernel copies the context back. A loader that fails
 * (a kernel without a tracepoint it attaches to, an older kernel, a
 * verifier refusal) leaves bt to libbpf's way (capture/bpf.ts).
 */
import fs from 'node:fs';
import { NativeError } from '../errors.js';
import { objectStamp } from './corebtf.js';
import { BPF_COMMANDS, bpfCall, bpfCallAsync } from './bpfsys.js';
import { DEFAULT_RING_BYTES } from './install.js';
import { getLibc } from './native.js';

export const LSKEL_FORMAT = 1;

export interface LightSkeleton {
  /** The object's maps, in its order (the loader's map_desc slots). */
  maps: string[];
  /** Program slots in the loader's context (the object's programs, stand-ins included). */
  progs: number;
  /** The programs attached at start-up, by the kernel's names (the sweep, an iterator, is attached when it runs). */
  attach: string[];
  data: Buffer;
  insns: Buffer;
}

export interface LskelHeader {
  format: number;
  object: string;
  maps: string[];
  progs: number;
  dataSize: number;
  insnsSize: number;
  /** The ring's size bt's executable loads with (native/bt-front.c): the default one. */
  ringBytes?: number;
  /** The programs bt's executable attaches as soon as they are loaded (LightSkeleton.attach). */
  attach?: string[];
}

/** The file's bytes for a loader made from the object with this stamp. */
export function encodeLightSkeleton(stamp: string, sk: LightSkeleton): Buffer {
  const header: LskelHeader = {
    format: LSKEL_FORMAT,
    object: stamp,
    maps: sk.maps,
    progs: sk.progs,
    dataSize: sk.data.length,
    insnsSize: sk.insns.length,
    ringBytes: DEFAULT_RING_BYTES,
    attach: sk.attach,
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), sk.data, sk.insns]);
}

/** True when a light skeleton's header is of this format and made from this very object file (its stamp). */
export function madeFrom(h: LskelHeader, objectPath: string): boolean {
  return h.format === LSKEL_FORMAT && h.object === objectStamp(objectPath);
}

/**
 * The loader made from this very object, or undefined: no file, another
 * object, a damaged file. Never throws: libbpf's way is always there.
 */
export function readLightSkeleton(lskelPath: string, objectPath: string): LightSkeleton | undefined {
  try {
    const raw = fs.readFileSync(lskelPath);
    const nl = raw.indexOf(10);
    if (nl < 0) return undefined;
    const h = JSON.parse(raw.toString('utf8', 0, nl)) as LskelHeader;
    if (!madeFrom(h, objectPath)) return undefined;
    if (!Array.isArray(h.maps) || !Number.isInteger(h.progs) || h.progs < 1) return undefined;
    if (raw.length !== nl + 1 + h.dataSize + h.insnsSize || h.insnsSize % 8 !== 0 || h.insnsSize === 0) return undefined;
    const data = raw.subarray(nl + 1, nl + 1 + h.dataSize);
    const insns = raw.subarray(nl + 1 + h.dataSize);
    const attach = Array.isArray(h.attach) && h.attach.every((a) => typeof a === 'string') ? h.attach : [];
    return { maps: h.maps, progs: h.progs, attach, data, insns };
  } catch {
    return undefined;
  }
}

const BPF_MAP_TYPE_ARRAY = 2;
const BPF_PROG_TYPE_SYSCALL = 31;
const BPF_F_SLEEPABLE = 16;
/** struct bpf_loader_ctx, then the descriptors (skel_internal.h). */
const CTX_HEADER = 24;
const MAP_DESC = 16;
const MAP_DESC_MAX_ENTRIES = 4;
const PROG_DESC = 4;

/**
 * What the loader made: fds by map name, and the programs' fds (in slot
 * order; names come from the kernel). A load made by bt's executable
 * (front-load.ts) also names its programs, as the kernel told it, and has
 * attached them: `links`.
 */
export interface LightLoaded {
  maps: Map<string, number>;
  progFds: number[];
  progs?: Array<{ name: string; fd: number }>;
  links?: number[];
}

export type LightResult = { ok: true; loaded: LightLoaded } | { ok: false; error: NativeError };

/** Every fd the loader made (what its user closes). */
export function lightFds(l: LightLoaded): number[] {
  return [...l.maps.values(), ...l.progFds, ...(l.links ?? [])].filter((fd) => fd > 0);
}

/** libbpf's bpf_prog_load tries this often when the verifier gives up with EAGAIN (a signal came while it worked). */
const PROG_LOAD_ATTEMPTS = 5;

/**
 * Starts the loader: its map and program are made here (~1 ms), then the
 * kernel runs it on a libuv thread (map creation, BTF, verification: the
 * bulk). `maxEntries` sets maps' sizes by name (the ring's). Settles with
 * the fds, or with the error that stopped it (nothing left open). bpf(2)
 * directly, as libbpf's skel_internal.h does it (capture/bpfsys.ts).
 */
export function startLightLoad(sk: LightSkeleton, maxEntries: Record<string, number>): Promise<LightResult> {
  const libc = getLibc();
  const ctx = Buffer.alloc(CTX_HEADER + MAP_DESC * sk.maps.length + PROG_DESC * sk.progs);
  ctx.writeUInt32LE(ctx.length, 0); // sz
  sk.maps.forEach((name, i) => {
    if (maxEntries[name] !== undefined) ctx.writeUInt32LE(maxEntries[name], CTX_HEADER + MAP_DESC * i + MAP_DESC_MAX_ENTRIES);
  });
  let mapFd = -1;
  let progFd = -1;
  const closeLoader = () => {
    if (progFd >= 0) libc.close(progFd);
    if (mapFd >= 0) libc.close(mapFd);
    progFd = mapFd = -1;
  };
  try {
    mapFd = bpfCall('map_create', { map_type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: sk.data.length, max_entries: 1, map_name: '__loader.map' }, 'bpf_map_create(loader)');
    bpfCall('map_update_elem', { map_fd: mapFd, key: Buffer.alloc(4), value: sk.data }, 'bpf_map_update_elem(loader)');
    const fdArray = Buffer.alloc(4);
    fdArray.writeInt32LE(mapFd, 0);
    for (let attempt = 1; progFd < 0; attempt++) {
      try {
        progFd = bpfCall(
          'prog_load',
          { prog_type: BPF_PROG_TYPE_SYSCALL, insns: sk.insns, insn_cnt: sk.insns.length / 8, license: 'Dual BSD/GPL', prog_flags: BPF_F_SLEEPABLE, prog_name: '__loader.prog', fd_array: fdArray },
          'bpf_prog_load(loader)',
        );
      } catch (err) {
        if ((err as NativeError).errno !== 11 || attempt >= PROG_LOAD_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    closeLoader();
    return Promise.resolve({ ok: false, error: err as NativeError });
  }
  return bpfCallAsync('prog_test_run', { prog_fd: progFd, ctx_in: ctx, ctx_size_in: ctx.length }, 'running the BPF loader program').then(
    ({ attr }) => {
      closeLoader();
      const retval = attr.readInt32LE(BPF_COMMANDS.prog_test_run.members.retval[0]);
      if (retval < 0) return { ok: false, error: new NativeError('running the BPF loader program', -retval) };
      const maps = new Map<string, number>();
      sk.maps.forEach((name, i) => maps.set(name, ctx.readInt32LE(CTX_HEADER + MAP_DESC * i)));
      const progFds: number[] = [];
      const progsAt = CTX_HEADER + MAP_DESC * sk.maps.length;
      for (let j = 0; j < sk.progs; j++) {
        const fd = ctx.readInt32LE(progsAt + PROG_DESC * j);
        if (fd > 0) progFds.push(fd);
      }
      return { ok: true, loaded: { maps, progFds } };
    },
    (err: unknown) => {
      closeLoader();
      return { ok: false, error: err as NativeError };
    },
  );
}

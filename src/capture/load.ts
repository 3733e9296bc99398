/**
 * Starting the load of bt's BPF programs, by either loader (bpf.ts then
 * configures and attaches them), and bt trace's early load: its head start
 * (cli/early.ts) starts it before the rest of bt is read. Kept apart from
 * bpf.ts, so that the head start's bundle holds only what the load needs
 * (not the record layouts bpf.ts reads the counters with).
 */
import { LSKEL_PATH, OBJECT_PATH } from './install.js';
import { standInsUnneeded, startLibbpfLoad, type LibbpfLoading } from './libbpf-load.js';
import { takeFrontLoad } from './front-load.js';
import { lightFds, readLightSkeleton, startLightLoad, type LightResult } from './lskel.js';
import { getLibbpf, getLibc } from './native.js';

/** A load in flight, by either loader. */
export type Loading = { objectPath: string; ringBytes: number } & (
  | { kind: 'lskel'; done: Promise<LightResult>; /** made by bt's executable (front-load.ts) */ front?: true }
  | ({ kind: 'libbpf' } & LibbpfLoading)
);

/**
 * Starts a load: the light skeleton when bt's own object has one made from
 * it and this kernel needs no stand-in (BT_LSKEL=0 turns it off), else
 * libbpf. The configuration comes after the load.
 */
export function startLoad(objectPath: string, ringBytes: number, light = true, useCoreBtf = true): Loading {
  return (light ? startLight(objectPath, ringBytes) : undefined) ?? { kind: 'libbpf', objectPath, ringBytes, ...startLibbpfLoad(objectPath, ringBytes, useCoreBtf) };
}

/** The light skeleton's load, when bt's own object has one for this kernel. */
function startLight(objectPath: string, ringBytes: number): Loading | undefined {
  if (objectPath !== OBJECT_PATH || process.env.BT_LSKEL === '0' || !standInsUnneeded()) return undefined;
  const sk = readLightSkeleton(LSKEL_PATH, objectPath);
  return sk ? { kind: 'lskel', objectPath, ringBytes, done: startLightLoad(sk, { bt_events: ringBytes }) } : undefined;
}

/** Whether this kernel can use the executable's load (no stand-in needed); when that cannot be told, yes: its attach proved the tracepoints. */
function wantedFront(): boolean {
  try {
    return standInsUnneeded();
  } catch {
    return true;
  }
}

/** Closes what a load not adopted made, once it is over. */
function discard(l: Loading): void {
  if (l.kind === 'lskel') void l.done.then((r) => (r.ok ? lightFds(r.loaded).forEach((fd) => getLibc().close(fd)) : undefined));
  else void l.done.then(() => getLibbpf().bpf_object__close(l.obj));
}

/**
 * The early load, on globalThis: bt's executable runs the head start as a
 * bundle of its own (bt-early.cjs), with its own copy of this module, and
 * the program adopts the load from there.
 */
const shared = globalThis as { __btEarlyLoad?: Loading | null; __btFrontLoad?: { pid: number; fd: number } };

/**
 * Starts loading the object before bt trace has parsed its options
 * (cli/early.ts); BtBpf.open adopts it when it asks for the same object
 * and ring size. Never throws: on any problem the trace loads as usual and
 * reports it. 'light': the light skeleton's load, or nothing (false, and
 * a later call may start libbpf's).
 */
export function startEarlyLoad(objectPath: string, ringBytes: number, loader: 'light' | 'libbpf'): boolean {
  if (shared.__btEarlyLoad !== undefined) return false; // started already (or tried)
  try {
    const front = loader === 'light' && shared.__btFrontLoad ? takeFrontLoad({ objectPath, ringBytes }, wantedFront()) : undefined;
    const loading: Loading | undefined = front
      ? { kind: 'lskel', objectPath, ringBytes, done: front, front: true }
      : loader === 'light'
        ? startLight(objectPath, ringBytes)
        : startLoad(objectPath, ringBytes, false);
    if (!loading) return false; // no light skeleton: nothing tried
    shared.__btEarlyLoad = loading;
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

/** The early load, when it is of this object and ring size (else it is closed once over, and undefined). */
export function adoptEarly(cfg: { objectPath: string; ringBytes: number }): Loading | undefined {
  const l = shared.__btEarlyLoad;
  shared.__btEarlyLoad = null;
  if (!l) return undefined;
  if (l.objectPath === cfg.objectPath && l.ringBytes === cfg.ringBytes) return l;
  discard(l); // another ring size: not this one
  return undefined;
}

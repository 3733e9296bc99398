/**
 * Where bt's own capture files are, and the default ring size: read by
 * the trace (session.ts) and by the head start of its BPF load
 * (cli/early.ts), which runs before the rest of bt is loaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BUILD_DIR = fs.existsSync(path.join(ROOT, 'build')) ? path.join(ROOT, 'build') : path.join(ROOT, '..', 'build');
export const OBJECT_PATH = path.join(BUILD_DIR, 'bt.bpf.o');
/** Where koffi is installed beside bt, most likely (capture/native.ts looks there first, then resolves it). */
export const KOFFI_DIR = path.join(ROOT, 'node_modules', 'koffi');
export const LAUNCHER_PATH = path.join(BUILD_DIR, 'bt-launch');
/** bt's executable, the one users run (native/bt-front.c): it starts Node on bt's program, and bt trace's BPF load beside it. */
export const FRONT_PATH = path.join(BUILD_DIR, 'bt');
/** This kernel's types for the object's CO-RE relocations, made by the build beside the object (capture/corebtf.ts). */
export const CORE_BTF_PATH = path.join(BUILD_DIR, 'bt.core.btf');
/** The light skeleton's loader, made by the build from the object (capture/lskel.ts). */
export const LSKEL_PATH = path.join(BUILD_DIR, 'bt.lskel');

/**
 * The kernel ring's default size (--ring-size): it only bridges the drain's
 * pauses. Measured: the kernel build (1.82M records) lost nothing with 16
 * MiB nor with 8 MiB; one stress program per CPU beside a CPU hog (1.2M
 * events in ~4 s) lost nothing with 16 MiB in most runs, but 8,009 events
 * in one (a backlog of ~16.4 MiB): twice that is the default. It was 64
 * MiB; the kernel takes ~10 ms to allocate and clear that at every start,
 * ~5 ms for this.
 */
export const DEFAULT_RING_BYTES = 32 * 1024 * 1024;

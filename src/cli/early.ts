/**
 * bt trace's head start. Loading and verifying the BPF programs takes ~45
 * ms of kernel work, about as long as Node takes to evaluate the rest of
 * bt. So when bt is started as `bt trace` by root, this module starts that
 * load on a libuv thread before the rest of bt is even read: bt's
 * executable runs it first as a bundle of its own (bt-early.cjs), and the
 * entry point imports it first too (unbundled, or without that file). The
 * trace adopts the load (BtBpf.open). It needs no option: the configuration
 * is written after the load. With another ring size the trace loads its
 * own, as it does when anything here goes wrong (the error is then
 * reported by the trace).
 */
import { startEarlyLoad } from '../capture/load.js';
import fs from 'node:fs';
import { DEFAULT_RING_BYTES, LAUNCHER_PATH, OBJECT_PATH } from '../capture/install.js';
import { startEarlyLaunch } from '../capture/launch.js';
import { frontStartsBuild } from '../capture/front-load.js';
import { mark } from '../capture/timing.js';

function isPlainTrace(argv: readonly string[]): boolean {
  if (argv[2] !== 'trace' || process.getuid?.() !== 0) return false;
  for (const a of argv.slice(3)) {
    if (a === '--') break;
    if (a.startsWith('--ring-size') || a === '-h' || a === '--help') return false;
  }
  return true;
}

if (isPlainTrace(process.argv)) {
  // The light skeleton's load first, the longest task before the build can
  // start (~45 ms of kernel work): it leaves nothing open that the launcher
  // could inherit (its file reads are over, and the kernel's fds for BPF
  // objects are close-on-exec), so the launcher is spawned while the kernel
  // loads. libbpf does open files without close-on-exec while it loads (the
  // kernel's BTF): without a light skeleton, the launcher comes first, then
  // libbpf's load, and only if the launcher did start (the trace would
  // otherwise spawn one during that load).
  const light = startEarlyLoad(OBJECT_PATH, DEFAULT_RING_BYTES, 'light');
  if (light) mark('bpf_start');
  // bt's executable makes the cgroup and starts the launcher itself when it starts the build (capture/front-start.ts)
  const launched = !frontStartsBuild() && fs.existsSync(LAUNCHER_PATH) && startEarlyLaunch(LAUNCHER_PATH);
  if (launched) mark('launcher');
  if (!light && launched && startEarlyLoad(OBJECT_PATH, DEFAULT_RING_BYTES, 'libbpf')) mark('bpf_start');
}

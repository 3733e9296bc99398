/**
 * Developer aid: BT_CPU_PROFILE=FILE writes a V8 CPU profile of the trace
 * loop (load it in Chrome DevTools). It starts after the BPF programs are
 * loaded: node --cpu-prof's sampling signals would keep interrupting the
 * verifier (EAGAIN).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

export function startProfile(): (() => void) | undefined {
  const file = process.env.BT_CPU_PROFILE;
  if (!file) return undefined;
  // node:inspector (and worker_threads with it) only when asked for: every bt trace would load it before its build starts
  const { Session } = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  return () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) fs.writeFileSync(file, JSON.stringify(res.profile));
      session.disconnect();
    });
  };
}

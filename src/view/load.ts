/**
 * Loading a log for the viewer: loadBuild, with progress on stderr for big
 * logs (every few hundred thousand records).
 */
import fs from 'node:fs';
import { inputName } from '../log/input.js';
import { loadBuild, type Build, type LoadOptions } from '../model/index.js';
import { count } from '../present/format.js';
import { lostEvents, shortfallNotes } from '../present/lost.js';

export function loadWithProgress(path: string, opts: LoadOptions & { quiet?: boolean } = {}): Build {
  const t0 = Date.now();
  const say = (s: string) => {
    if (!opts.quiet) process.stderr.write(s);
  };
  let size: number | undefined;
  try {
    const st = fs.statSync(path);
    if (st.isFile()) size = st.size; // not a pipe's (stdin: '-')
  } catch {
    /* the reader reports a missing file */
  }
  say(`bt view: loading ${inputName(path)}${size === undefined ? '' : ` (${(size / 1048576).toFixed(1)} MiB)`}\n`);
  const seconds = () => ((Date.now() - t0) / 1000).toFixed(1);
  const build = loadBuild(path, { ...opts, onProgress: (n) => say(`bt view: ${count(n)} records read (${seconds()} s)\n`) });
  const m = build.model;
  const records = build.summary?.written ?? (m.trailer?.ring_records || m.trailer?.records) ?? 0;
  say(`bt view: ${count(m.processes.length)} processes, ${count(m.files.length)} files${records ? `, ${count(records)} records` : ''} loaded in ${seconds()} s\n`);
  if (m.live) say('bt view: note: a running bt trace still writes the log: the view shows the build so far (open it again for more)\n');
  else if (m.incomplete) say('bt view: note: the trace is incomplete (no trailer): the end of the build may be missing\n');
  if (m.lostEvents) say(`bt view: note: ${lostEvents(m.lostEvents)}\n`);
  for (const note of shortfallNotes(m.shortfalls, m.incomplete || m.live)) say(`bt view: note: ${note}\n`);
  return build;
}

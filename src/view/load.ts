/**
 * Loading a log for the viewer, with progress on stderr for big logs
 * (loadBuild's loop, reporting every few hundred thousand records).
 */
import fs from 'node:fs';
import { Build, ModelBuilder, normalized, type LoadOptions } from '../model/index.js';
import { count } from '../present/format.js';

export function loadWithProgress(path: string, opts: LoadOptions & { quiet?: boolean } = {}): Build {
  const t0 = Date.now();
  const say = (s: string) => {
    if (!opts.quiet) process.stderr.write(s);
  };
  let size = 0;
  try {
    size = fs.statSync(path).size;
  } catch {
    /* the reader reports a missing file */
  }
  const log = normalized(path, opts.normalize);
  say(`bt view: loading ${path} (${(size / 1048576).toFixed(1)} MiB)\n`);
  const b = new ModelBuilder(log.header);
  let n = 0;
  for (const r of log) {
    b.add(r);
    if (++n % 500_000 === 0) say(`bt view: ${count(n)} records read (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  const build = new Build(b.finish({ incomplete: !log.complete, trailer: log.trailer }), opts, log.summary);
  const m = build.model;
  say(`bt view: ${count(m.processes.length)} processes, ${count(m.files.length)} files, ${count(n)} records loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  if (m.incomplete) say('bt view: note: the trace is incomplete (no trailer): the end of the build may be missing\n');
  if (m.lostEvents) say(`bt view: note: ${count(m.lostEvents)} events were lost during the trace\n`);
  return build;
}

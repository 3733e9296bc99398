/**
 * The umask the paired commands of two builds started with (Process.umask),
 * where it differs: reprotest runs a build again under another umask, and
 * the modes of the files it makes follow it (a 0644 object becomes 0664).
 * One entry per pair of umasks, with the programs that ran under it and
 * how many paired commands did; commands of a log that does not say
 * (a bt before execs carried the umask) are left out.
 */
import { programName } from '../model/index.js';
import { umaskText } from '../present/format.js';
import type { Matching, Side } from './match.js';

export interface UmaskChange {
  /** As umask(1) prints it: "0022". */
  a: string;
  b: string;
  tools: string[];
  commands: number;
}

export function umaskChanges(a: Side, b: Side, m: Matching): UmaskChange[] {
  const out = new Map<string, { a: number; b: number; tools: Set<string>; commands: number }>();
  for (const [x, y] of [...m.same, ...m.changed]) {
    const p = a.build.process(x);
    const q = b.build.process(y);
    if (p?.umask === undefined || q?.umask === undefined || p.umask === q.umask) continue;
    const key = `${p.umask}:${q.umask}`;
    let c = out.get(key);
    if (!c) out.set(key, (c = { a: p.umask, b: q.umask, tools: new Set(), commands: 0 }));
    c.tools.add(programName(p));
    c.commands++;
  }
  return [...out.values()]
    .sort((x, y) => y.commands - x.commands || x.a - y.a || x.b - y.b)
    .map((c) => ({ a: umaskText(c.a), b: umaskText(c.b), tools: [...c.tools].sort(), commands: c.commands }));
}

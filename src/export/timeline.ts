/**
 * The build as a timeline, shared by the Perfetto and Chrome-trace exports:
 * one slice per process (named by tool), its instants (failed execs, a PATH
 * search being one exec: see execFailures; a failing exit), spawn flows, the
 * running-processes counter, and lanes in which slices always nest (a child
 * goes into its parent's lane when it fits there, else into the first lane
 * free at its start).
 */
import { errnoName } from '../errors.js';
import { failed, Kind, programName, WRITES, type Build, type Process } from '../model/index.js';
import { baseName, dirName } from '../normalize/paths.js';
import { exitText, shellJoin } from '../present/format.js';

export interface Slice {
  proc: number;
  parent: number;
  pid: number;
  /** The tool: argv[0]'s name (a fork that never exec'd: its parent's, with " (fork)"). */
  name: string;
  start: number;
  end: number;
  exe: string;
  /** The command line, shell-quoted. */
  command: string;
  cwd: string;
  /** "exit 0", "exit 2", "SIGKILL", "unknown". */
  exit: string;
  failed: boolean;
  filesRead: number;
  filesWritten: number;
  children: number[];
  /** Lane (0, 1, …) in which this slice nests inside its parent's or stands alone. */
  lane: number;
  /** The slice it nests in directly on its lane (its parent's proc), or 0 at the lane's top level. */
  laneParent: number;
}

export interface Instant {
  proc: number;
  ts: number;
  name: string;
  args: Record<string, string | number>;
}

export interface Timeline {
  /** The build's command, shell-quoted. */
  title: string;
  startTs: number;
  endTs: number;
  slices: Slice[];
  instants: Instant[];
  /** [ts, running processes] at every change, in time order. */
  running: Array<[number, number]>;
  lanes: number;
}

function counts(p: Process): { read: number; written: number } {
  let read = 0;
  let written = 0;
  for (const a of p.files.values()) {
    if (a.kinds & Kind.DIR) continue;
    if (a.kinds & Kind.READ) read++;
    if (a.kinds & WRITES) written++;
  }
  return { read, written };
}

/** The errnos with which execvp and posix_spawnp go on to the next directory of PATH. */
const SEARCH_ERRNOS = new Set([2, 13, 20]); // ENOENT, EACCES, ENOTDIR

/**
 * A process's failed execs as the program saw them. The misses of a PATH
 * search (execvp, posix_spawnp: ENOENT, EACCES or ENOTDIR for the same
 * name in one directory after another) are one attempt: none at all when
 * the search then found the program (the process's next successful exec
 * runs one of that name), else one failure, at the last place tried, with
 * `searched` (the directories tried in order, joined with ':' like PATH)
 * when it tried more than one. Any other failed exec is one failure.
 */
export function execFailures(p: Process): Array<{ ts: number; path: string; errno: number; searched?: string }> {
  const out: Array<{ ts: number; path: string; errno: number; searched?: string }> = [];
  const all = p.execFailures ?? [];
  for (let i = 0; i < all.length; ) {
    const f = all[i];
    const name = baseName(f.path);
    let j = i + 1;
    if (SEARCH_ERRNOS.has(f.errno)) {
      // the same name from the next directory (a PATH may name one twice), with the same exec to follow
      const dirs = [dirName(f.path)];
      while (j < all.length && SEARCH_ERRNOS.has(all[j].errno) && baseName(all[j].path) === name && all[j].then === f.then) dirs.push(dirName(all[j++].path));
      if (f.then !== undefined && baseName(f.then) === name) {
        i = j; // the search found it
        continue;
      }
      const last = all[j - 1];
      out.push(j - i > 1 ? { ts: last.ts, path: last.path, errno: last.errno, searched: dirs.join(':') } : { ts: f.ts, path: f.path, errno: f.errno });
    } else {
      out.push({ ts: f.ts, path: f.path, errno: f.errno });
    }
    i = j;
  }
  return out;
}

/** Assigns lanes so that, within a lane, slices are disjoint or nested. */
function assignLanes(slices: Slice[], byProc: Map<number, Slice>): number {
  // Each lane: a stack of open slices (innermost last).
  const lanes: Slice[][] = [];
  const order = [...slices].sort((a, b) => a.start - b.start || b.end - a.end || a.proc - b.proc);
  const fits = (lane: Slice[], s: Slice): boolean => {
    while (lane.length && lane[lane.length - 1].end <= s.start) lane.pop();
    const top = lane[lane.length - 1];
    return !top || (top.start <= s.start && s.end <= top.end);
  };
  for (const s of order) {
    const parent = byProc.get(s.parent);
    let lane = -1;
    if (parent && fits(lanes[parent.lane], s) && lanes[parent.lane].at(-1) === parent) lane = parent.lane;
    if (lane < 0) {
      for (let i = 0; i < lanes.length; i++) {
        if (fits(lanes[i], s) && lanes[i].length === 0) {
          lane = i;
          break;
        }
      }
    }
    if (lane < 0) {
      lane = lanes.length;
      lanes.push([]);
    }
    s.lane = lane;
    s.laneParent = lanes[lane].at(-1)?.proc ?? 0;
    lanes[lane].push(s);
  }
  return lanes.length;
}

/** The timeline of a build; with `keep`, of those processes only (a display filter's, with their ancestors: export/select.ts). */
export function timeline(build: Build, keep?: ReadonlySet<number>): Timeline {
  const m = build.model;
  const slices: Slice[] = [];
  const instants: Instant[] = [];
  const byProc = new Map<number, Slice>();
  for (const p of m.processes) {
    if (keep && !keep.has(p.proc)) continue;
    const c = counts(p);
    const s: Slice = {
      proc: p.proc,
      parent: p.parent,
      pid: p.pid,
      name: p.execd || !p.parent ? programName(p) : `${programName(p)} (fork)`,
      start: p.start,
      end: Math.max(p.end, p.start),
      exe: p.exe,
      command: shellJoin(p.argv),
      cwd: p.cwd,
      exit: exitText(p.exitCode, p.signal),
      failed: failed(p),
      filesRead: c.read,
      filesWritten: c.written,
      children: keep ? p.children.filter((c) => keep.has(c)) : p.children,
      lane: 0,
      laneParent: 0,
    };
    slices.push(s);
    byProc.set(p.proc, s);
    for (const f of execFailures(p)) {
      const args: Record<string, string> = { path: f.path, errno: errnoName(f.errno) };
      if (f.searched !== undefined) args.searched = f.searched;
      instants.push({ proc: p.proc, ts: f.ts, name: `exec failed: ${errnoName(f.errno)}`, args });
    }
    if (failed(p)) instants.push({ proc: p.proc, ts: s.end, name: s.exit, args: { exit: s.exit } });
  }
  // Children never start before their parent (clock granularity aside).
  for (const s of slices) {
    const parent = byProc.get(s.parent);
    if (parent && s.start < parent.start) s.start = parent.start;
    if (s.end < s.start) s.end = s.start;
  }
  const lanes = assignLanes(slices, byProc);
  const changes: Array<[number, number]> = [];
  for (const s of slices) changes.push([s.start, 1], [s.end, -1]);
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const running: Array<[number, number]> = [];
  let n = 0;
  for (const [ts, d] of changes) {
    n += d;
    if (running.length && running[running.length - 1][0] === ts) running[running.length - 1][1] = n;
    else running.push([ts, n]);
  }
  instants.sort((a, b) => a.ts - b.ts);
  return {
    title: shellJoin(m.header.command ?? []),
    startTs: m.startTs,
    endTs: m.endTs,
    slices,
    instants,
    running,
    lanes,
  };
}

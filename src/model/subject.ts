/**
 * The build model as display-filter subjects (src/filter/): processes,
 * files, accesses (process x file) and events (normalized records).
 *
 *   const env = new ModelEnv(build);
 *   const keep = parseFilter(text).bind(env);
 *   keep(env.processSubject(p)); keep(env.eventSubject(r)); …
 *
 * Event and access subjects are one reused object each (a filter keeps
 * nothing), so testing millions of events allocates nothing.
 */
import type { FilterEnv, Subject } from '../filter/index.js';
import { displayType } from '../log/dump.js';
import type { LogRecord } from '../log/schema.js';
import type { Build } from './index.js';
import type { BuildFile, FileAccess, Process } from './types.js';
import { envMap } from './env.js';
import { recordKinds } from './uses.js';

export { envMap } from './env.js';

const NO_PATHS: readonly string[] = [];

function exitOf(p: Process): number | undefined {
  return p.signal || p.exitCode < 0 ? undefined : p.exitCode;
}

/** A mutable subject, filled for each event or access. */
class Slot implements Subject {
  type = '';
  proc = 0;
  pid = 0;
  ppid = 0;
  exe = '';
  argv: readonly string[] = NO_PATHS;
  cwd = '';
  paths: readonly string[] = NO_PATHS;
  access = 0;
  errno = 0;
  exit: number | undefined = undefined;
  signal: number | undefined = undefined;
  ts = 0;
  dur: number | undefined = undefined;
  envList: readonly string[] = NO_PATHS;
  readonly twoPaths: string[] = ['', ''];
  readonly onePath: string[] = [''];

  env(name: string): string | undefined {
    return envMap(this.envList).get(name);
  }

  fromProcess(p: Process | undefined, ppid: number): void {
    this.proc = p?.proc ?? 0;
    this.ppid = ppid;
    this.exe = p?.exe ?? '';
    this.argv = p?.argv ?? NO_PATHS;
    this.cwd = p?.cwd ?? '';
    this.envList = p?.env ?? NO_PATHS;
    this.exit = p ? exitOf(p) : undefined;
    this.signal = p?.signal || undefined;
    this.dur = p ? p.end - p.start : undefined;
  }
}

export class ModelEnv implements FilterEnv {
  readonly startTs: number;
  private readonly procSubjects = new Map<number, Subject>();
  private readonly event = new Slot();
  private readonly acc = new Slot();

  constructor(readonly build: Build) {
    this.startTs = build.model.startTs;
  }

  parent(proc: number): number {
    return this.build.process(proc)?.parent ?? 0;
  }

  private ppid(p: Process | undefined): number {
    return p?.parent ? (this.build.process(p.parent)?.pid ?? 0) : 0;
  }

  process(proc: number): Subject | undefined {
    const p = this.build.process(proc);
    return p ? this.processSubject(p) : undefined;
  }

  /** A process: its fields; no paths, its failed execs' errno as 0. */
  processSubject(p: Process): Subject {
    let s = this.procSubjects.get(p.proc);
    if (!s) {
      const slot = new Slot();
      slot.type = 'process';
      slot.pid = p.pid;
      slot.ts = p.start;
      slot.fromProcess(p, this.ppid(p));
      s = slot;
      this.procSubjects.set(p.proc, s);
    }
    return s;
  }

  /** A file: its path and the union of every access's kinds; no process. */
  fileSubject(f: BuildFile): Subject {
    const s = new Slot();
    s.type = 'file';
    s.paths = [f.path];
    s.access = f.kinds;
    return s;
  }

  /** One access (a process used a file): the process's fields, the file's path, the access's kinds. */
  accessSubject(p: Process, f: BuildFile, a: FileAccess): Subject {
    const s = this.acc;
    s.type = 'file';
    s.pid = p.pid;
    s.fromProcess(p, this.ppid(p));
    s.onePath[0] = f.path;
    s.paths = s.onePath;
    s.access = a.kinds;
    s.errno = 0;
    s.ts = a.first;
    return s;
  }

  /** A normalized record with its process. */
  eventSubject(r: LogRecord): Subject {
    const s = this.event;
    const p = r.proc ? this.build.process(r.proc) : undefined;
    s.type = displayType(r);
    s.pid = r.pid;
    s.fromProcess(p, this.ppid(p));
    s.proc = r.proc ?? 0;
    if (r.abspath && r.abspath2) {
      s.twoPaths[0] = r.abspath;
      s.twoPaths[1] = r.abspath2;
      s.paths = s.twoPaths;
    } else if (r.abspath || r.abspath2) {
      s.onePath[0] = (r.abspath || r.abspath2)!;
      s.paths = s.onePath;
    } else s.paths = NO_PATHS;
    s.access = recordKinds(r);
    s.errno = Math.abs(eventErrno(r));
    if (r.exit) {
      s.exit = r.exit.signal ? undefined : r.exit.code;
      s.signal = r.exit.signal || undefined;
    }
    s.ts = r.ts;
    return s;
  }
}

/** The errno of a record's event (0 when it has none). */
function eventErrno(r: LogRecord): number {
  const ev = (r.exec ?? r.open ?? r.close ?? r.dup ?? r.pipe ?? r.chdir ?? r.path ?? r.path2 ?? r.lookup ?? r.readdir ?? r.meta) as { errno?: number } | undefined;
  return ev?.errno ?? 0;
}

/**
 * What a display filter matches in the build model: the processes it
 * matches as processes, and the accesses it matches as access subjects (the
 * process's fields, the file's path, the access's kinds). bt graph and bt
 * summary keep what they need of it.
 */
export function filterMatches(build: Build, env: ModelEnv, keep: (s: Subject) => boolean): { procs: Set<number>; accesses: Set<FileAccess> } {
  const files = build.model.files;
  const procs = new Set<number>();
  const accesses = new Set<FileAccess>();
  for (const p of build.model.processes) {
    if (keep(env.processSubject(p))) procs.add(p.proc);
    for (const a of p.files.values()) if (keep(env.accessSubject(p, files[a.file], a))) accesses.add(a);
  }
  return { procs, accesses };
}

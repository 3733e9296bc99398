/**
 * The display filter over the build model, for the viewer: which processes
 * and which files a filter keeps.
 *
 *  - A process is tested as a process subject (type "process"), and is
 *    also kept when one of its file accesses passes: `path == "/x/hello"`
 *    keeps the processes that used hello.
 *  - A file is kept when one of its accesses passes, tested as a file
 *    subject (type "file") that carries the file's path and the access's
 *    kinds together with the process's fields: `exe == cc1` keeps the
 *    files cc1 used, `access has write` the files written.
 *  - A filter that reads only process fields is tested once per process;
 *    the files are then those the kept processes used.
 *
 * An access's errno is ENOENT (2) when it was a failed lookup (probe), its
 * ts the access's first time.
 *
 * Pure code: the server and the static page (in the browser) share it.
 */
import type { Filter, FilterEnv, Subject } from '../filter/index.js';
import type { BuildFile, BuildModel, FileAccess, Process } from '../model/model.js';
import { Kind } from '../model/kinds.js';

const FILE_FIELDS = new Set(['path', 'access', 'errno', 'type', 'ts']);
const ENOENT = 2;
const NO_PATHS: readonly string[] = [];

const envMaps = new WeakMap<readonly string[], Map<string, string>>();
function envOf(env: readonly string[], name: string): string | undefined {
  let m = envMaps.get(env);
  if (!m) {
    m = new Map();
    for (const e of env) {
      const i = e.indexOf('=');
      if (i > 0 && !m.has(e.slice(0, i))) m.set(e.slice(0, i), e.slice(i + 1));
    }
    envMaps.set(env, m);
  }
  return m.get(name);
}

/** Subjects of one build model. */
export class ModelSubjects implements FilterEnv {
  readonly startTs: number;
  private readonly byProc = new Map<number, Process>();
  private readonly subjects = new Map<number, Subject>();

  constructor(readonly model: BuildModel) {
    this.startTs = model.startTs;
    for (const p of model.processes) this.byProc.set(p.proc, p);
  }

  parent(proc: number): number {
    return this.byProc.get(proc)?.parent ?? 0;
  }

  process(proc: number): Subject | undefined {
    let s = this.subjects.get(proc);
    if (!s) {
      const p = this.byProc.get(proc);
      if (!p) return undefined;
      s = this.processSubject(p);
      this.subjects.set(proc, s);
    }
    return s;
  }

  processSubject(p: Process): Subject {
    const parent = this.byProc.get(p.parent);
    const exited = p.exitCode >= 0 && !p.signal;
    return {
      type: 'process',
      proc: p.proc,
      pid: p.pid,
      ppid: parent?.pid ?? 0,
      exe: p.exe,
      argv: p.argv,
      cwd: p.cwd,
      paths: NO_PATHS,
      access: 0,
      errno: 0,
      exit: exited ? p.exitCode : undefined,
      signal: p.signal || undefined,
      ts: p.start,
      dur: Math.max(0, p.end - p.start),
      env: (name) => envOf(p.env, name),
    };
  }

  /** One access as a file subject (reused object: read it before asking for the next). */
  accessSubject(p: Process, f: BuildFile, a: FileAccess, into?: Subject): Subject {
    const base = this.process(p.proc)!;
    const s = into ?? { ...base };
    Object.assign(s, base);
    s.type = 'file';
    s.paths = [f.path];
    s.access = a.kinds;
    s.errno = a.kinds & Kind.PROBE && !(a.kinds & ~(Kind.PROBE | Kind.DIR)) ? ENOENT : 0;
    s.ts = a.first;
    return s;
  }
}

export interface FilterMatch {
  /** By index in model.processes. */
  procs: Uint8Array;
  /** By file id. */
  files: Uint8Array;
}

/** The processes and files a filter keeps. */
export function matchModel(filter: Filter, subjects: ModelSubjects): FilterMatch {
  const m = subjects.model;
  const procs = new Uint8Array(m.processes.length);
  const files = new Uint8Array(m.files.length);
  const keep = filter.bind(subjects);
  const processOnly = ![...filter.fields].some((f) => FILE_FIELDS.has(f));
  let scratch: Subject | undefined;
  m.processes.forEach((p, i) => {
    if (keep(subjects.process(p.proc)!)) {
      procs[i] = 1;
      if (processOnly) for (const id of p.files.keys()) files[id] = 1;
    }
    if (processOnly) return;
    for (const a of p.files.values()) {
      scratch = subjects.accessSubject(p, m.files[a.file], a, scratch);
      if (keep(scratch)) {
        files[a.file] = 1;
        procs[i] = 1;
      }
    }
  });
  return { procs, files };
}

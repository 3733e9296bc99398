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
 *    the files are then those the kept processes used. One that reads
 *    only paths is tested once per file; the processes are those that
 *    used a kept file. (`not path ~ "*.h"` then keeps every process that
 *    used some file other than a header.)
 *
 * An access's errno is ENOENT (2) when it was a failed lookup (probe), its
 * ts the access's first time.
 *
 * Pure code: the server and the static page (in the browser) share it.
 */
import type { Filter, FilterEnv, Subject } from '../filter/index.js';
import type { BuildFile, BuildModel, FileAccess, Process } from '../model/types.js';
import { envMap } from '../model/env.js';
import { Kind } from '../model/kinds.js';

const FILE_FIELDS = new Set(['path', 'access', 'errno', 'type', 'ts']);
const ENOENT = 2;
const NO_PATHS: readonly string[] = [];

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
      env: (name) => envMap(p.env).get(name),
    };
  }

  private filePaths: Array<readonly string[] | undefined> = [];

  /** A file subject of no process (proc 0), for filters that read only paths. */
  pathSubject(): Subject {
    return { type: 'file', proc: 0, pid: 0, ppid: 0, exe: '', argv: NO_PATHS, cwd: '', paths: NO_PATHS, access: 0, errno: 0, exit: undefined, signal: undefined, ts: this.startTs, dur: undefined, env: () => undefined };
  }

  /** A file subject for process `p`: the process's fields, with the access's own set by setAccess(). */
  fileSubject(p: Process): Subject {
    const s = Object.create(this.process(p.proc)!) as Subject;
    s.type = 'file';
    return s;
  }

  /** Sets the access's file, kinds, errno and time on a file subject. */
  setAccess(s: Subject, f: BuildFile, a: FileAccess): Subject {
    s.paths = this.filePaths[f.id] ??= [f.path];
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
  if (filter.fields.size > 0 && [...filter.fields].every((f) => f === 'path')) {
    // paths only: once per file, then the processes that used a kept file
    const s = subjects.pathSubject();
    m.files.forEach((f, id) => {
      s.paths = [f.path];
      files[id] = keep(s) ? 1 : 0;
    });
    m.processes.forEach((p, i) => {
      for (const id of p.files.keys()) {
        if (files[id]) {
          procs[i] = 1;
          break;
        }
      }
    });
    return { procs, files };
  }
  m.processes.forEach((p, i) => {
    if (keep(subjects.process(p.proc)!)) {
      procs[i] = 1;
      if (processOnly) for (const id of p.files.keys()) files[id] = 1;
    }
    if (processOnly || !p.files.size) return;
    const fs = subjects.fileSubject(p);
    for (const a of p.files.values()) {
      if (keep(subjects.setAccess(fs, m.files[a.file], a))) {
        files[a.file] = 1;
        procs[i] = 1;
      }
    }
  });
  return { procs, files };
}

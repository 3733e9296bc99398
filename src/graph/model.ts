/**
 * The build model behind bt graph: processes (from a normalized log's
 * ProcessInfo, exec and fork records) and the files each touched, with
 * how. Built in one pass over normalized records; memory grows with
 * processes and (kept) files, not with records: files the filters will
 * never show (the default hides, --exclude) are dropped on the way in.
 */
import type { LogHeader, LogRecord } from '../log/schema.js';
import { recordType } from '../log/schema.js';
import { Access } from '../normalize/access.js';
import { baseName } from '../normalize/paths.js';

/** How a process touched a file (bits; an edge's kind). */
export const Use = {
  READ: 1,
  WRITE: 2,
  DELETE: 4, // unlink, rmdir, rename away
  PROBE: 8, // failed open or exec: looked for, not there (or not allowed)
  EXEC: 16, // ran it
  DIR: 32, // the file is a directory (listing, mkdir, rmdir)
} as const;

export interface ProcNode {
  proc: number;
  pid: number;
  /** Parent proc id, 0 if none (root or unknown). */
  parent: number;
  exe: string;
  argv: string[];
  cwd: string;
  startTs: number;
  endTs: number;
  /** -1 unknown (killed, or no exit seen) */
  exitCode: number;
  signal: number;
  /** An exit record was seen. */
  exited: boolean;
  /** A successful exec was seen (else: a fork running its parent's program). */
  execd: boolean;
  children: number[];
  /** file index -> Use bits */
  files: Map<number, number>;
  pipeRead: number[];
  pipeWrite: number[];
}

export interface FileNode {
  idx: number;
  path: string;
  /** Bits of every use by any process. */
  uses: number;
  dir: boolean;
  /** Its last change was a removal (unlink, rmdir, rename away): it is gone after the build. */
  gone: boolean;
}

/** A file-to-file edge: rename or (hard) link. */
export interface FileLink {
  from: number;
  to: number;
  kind: 'mv' | 'ln';
}

export interface BuildModel {
  header: LogHeader;
  procs: Map<number, ProcNode>;
  /** In order of first use. */
  files: FileNode[];
  links: FileLink[];
  /** Procs without a known parent, in proc order. */
  roots: number[];
  /** The log ended without a trailer (or torn). */
  incomplete: boolean;
  lostEvents: number;
}

export interface IngestOptions {
  /** Keep this absolute path? (Filters applied on the way in.) */
  keepPath?: (path: string) => boolean;
  /** Keep failed opens (probes). */
  probes?: boolean;
  /** Keep directory listings and O_PATH opens. */
  dirOpens?: boolean;
}

const AT_REMOVEDIR = 0x200;

export class GraphBuilder {
  private readonly procs = new Map<number, ProcNode>();
  private readonly files: FileNode[] = [];
  private readonly fileIdx = new Map<string, number>(); // -1: filtered out
  private readonly links: FileLink[] = [];
  private readonly linkSeen = new Set<string>();
  /** One copy of each argv word, exe and cwd: a build repeats them in most of its processes. */
  private readonly strings = new Map<string, string>();
  private lostEvents = 0;

  constructor(
    readonly header: LogHeader,
    private readonly opts: IngestOptions = {},
  ) {}

  private intern(s: string): string {
    const t = this.strings.get(s);
    if (t !== undefined) return t;
    this.strings.set(s, s);
    return s;
  }

  private node(proc: number, pid: number): ProcNode {
    let p = this.procs.get(proc);
    if (!p) {
      p = {
        proc,
        pid,
        parent: 0,
        exe: '',
        argv: [],
        cwd: '',
        startTs: 0,
        endTs: 0,
        exitCode: -1,
        signal: 0,
        exited: false,
        execd: false,
        children: [],
        files: new Map(),
        pipeRead: [],
        pipeWrite: [],
      };
      this.procs.set(proc, p);
    }
    return p;
  }

  private file(path: string | undefined): number {
    if (!path || !path.startsWith('/')) return -1;
    let i = this.fileIdx.get(path);
    if (i === undefined) {
      if (this.opts.keepPath && !this.opts.keepPath(path)) i = -1;
      else {
        i = this.files.length;
        this.files.push({ idx: i, path, uses: 0, dir: false, gone: false });
      }
      this.fileIdx.set(path, i);
    }
    return i;
  }

  private use(p: ProcNode, path: string | undefined, bits: number): number {
    const i = this.file(path);
    if (i < 0) return i;
    let edge = (p.files.get(i) ?? 0) | bits;
    const f = this.files[i];
    if (bits & Use.DELETE) f.gone = true;
    else if (bits & Use.WRITE) {
      // Written again after its removal: the removal made way for the new
      // file (as and ld unlink their output first), it did not delete it.
      edge &= ~Use.DELETE;
      f.gone = false;
    }
    p.files.set(i, edge);
    f.uses |= bits;
    if (bits & Use.DIR) f.dir = true;
    return i;
  }

  /** Adds one normalized record. */
  add(r: LogRecord): void {
    const type = recordType(r);
    if (type === 'lost') {
      this.lostEvents += r.lost?.count ?? 0;
      return;
    }
    const procId = r.proc ?? 0;
    if (!procId) return;
    switch (type) {
      case 'process': {
        const info = r.process!;
        const p = this.node(procId, info.pid ?? r.pid);
        p.parent = info.parent ?? 0;
        p.exe = this.intern(info.exe ?? '');
        p.argv = (info.argv ?? []).map((a) => this.intern(a));
        p.cwd = this.intern(info.cwd ?? '');
        p.startTs = info.start_ts ?? 0;
        p.endTs = info.end_ts ?? 0;
        p.exitCode = info.exit_code ?? -1;
        p.signal = info.signal ?? 0;
        const ext = info as unknown as { pipe_read?: number[]; pipe_write?: number[] };
        if (ext.pipe_read) p.pipeRead = [...ext.pipe_read];
        if (ext.pipe_write) p.pipeWrite = [...ext.pipe_write];
        return;
      }
      case 'exit': {
        this.node(procId, r.pid).exited = true;
        return;
      }
      case 'exec': {
        const p = this.node(procId, r.pid);
        if ((r.exec?.errno ?? 0) !== 0) {
          // a failed exec looked for a program (or could not run it): a probe
          if (this.opts.probes) this.use(p, r.abspath, Use.PROBE);
          return;
        }
        p.execd = true;
        this.use(p, r.abspath, Use.EXEC);
        return;
      }
      case 'open': {
        const p = this.node(procId, r.pid);
        const a = r.access ?? 0;
        if (a & Access.FAILED) {
          if (this.opts.probes) this.use(p, r.abspath, Use.PROBE);
          return;
        }
        if (a & (Access.PATH | Access.DIRECTORY)) {
          if (this.opts.dirOpens) this.use(p, r.abspath, a & Access.DIRECTORY ? Use.READ | Use.DIR : Use.READ);
          return;
        }
        let bits = 0;
        const writes = (a & (Access.WRITE | Access.CREATE | Access.TRUNCATE)) !== 0;
        if (writes) bits |= Use.WRITE;
        // Reading what one just truncated reads one's own output: not an input.
        if (a & Access.READ && !(a & Access.TRUNCATE)) bits |= Use.READ;
        if (bits) this.use(p, r.abspath, bits);
        return;
      }
      case 'path': {
        const o = r.path!;
        if ((o.errno ?? 0) !== 0) return;
        const p = this.node(procId, r.pid);
        const op = o.op ?? '';
        if (op.startsWith('mkdir')) this.use(p, r.abspath, Use.WRITE | Use.DIR);
        else if (op === 'rmdir' || (op === 'unlinkat' && (o.flags ?? 0) & AT_REMOVEDIR)) this.use(p, r.abspath, Use.DELETE | Use.DIR);
        else this.use(p, r.abspath, Use.DELETE);
        return;
      }
      case 'path2': {
        const o = r.path2!;
        if ((o.errno ?? 0) !== 0) return;
        const p = this.node(procId, r.pid);
        const op = o.op ?? '';
        const to = this.use(p, r.abspath2, Use.WRITE);
        if (op.startsWith('rename')) {
          const from = this.use(p, r.abspath, Use.DELETE);
          this.link(from, to, 'mv');
        } else if (op.startsWith('link')) {
          const from = this.file(r.abspath);
          this.link(from, to, 'ln');
        }
        return;
      }
      default:
        this.node(procId, r.pid);
    }
  }

  private link(from: number, to: number, kind: 'mv' | 'ln'): void {
    if (from < 0 || to < 0 || from === to) return;
    const key = `${from}:${to}:${kind}`;
    if (this.linkSeen.has(key)) return;
    this.linkSeen.add(key);
    this.links.push({ from, to, kind });
  }

  /** The finished model. */
  finish(state: { incomplete?: boolean } = {}): BuildModel {
    const ids = [...this.procs.keys()].sort((a, b) => a - b);
    const roots: number[] = [];
    for (const id of ids) {
      const p = this.procs.get(id)!;
      const parent = p.parent ? this.procs.get(p.parent) : undefined;
      if (parent && parent !== p) parent.children.push(id);
      else {
        p.parent = 0;
        roots.push(id);
      }
    }
    // Forks without exec run their parent's program: take its argv when ProcessInfo had none.
    for (const id of ids) {
      const p = this.procs.get(id)!;
      if (!p.argv.length && p.parent) {
        const q = this.procs.get(p.parent)!;
        p.argv = q.argv;
        p.exe ||= q.exe;
      }
    }
    return {
      header: this.header,
      procs: this.procs,
      files: this.files,
      links: this.links,
      roots,
      incomplete: !!state.incomplete,
      lostEvents: this.lostEvents,
    };
  }
}

/** Builds a model from normalized records (tests, in-memory use). */
export function buildModel(header: LogHeader, records: Iterable<LogRecord>, opts: IngestOptions = {}): BuildModel {
  const b = new GraphBuilder(header, opts);
  for (const r of records) b.add(r);
  return b.finish();
}

/** The program name of a process: argv[0]'s name, else the exe's. */
export function programName(p: ProcNode): string {
  const a0 = p.argv[0] ? baseName(p.argv[0]) : p.exe ? baseName(p.exe) : '';
  if (!a0) return `pid ${p.pid}`;
  if (INTERPRETER.test(a0)) {
    // a script is named by the script: a #! script's exe is the script itself,
    // `sh ./configure` names it in argv (but `sh -c CODE` runs no script)
    if (p.exe && !INTERPRETER.test(baseName(p.exe))) return baseName(p.exe);
    const script = scriptArgument(p.argv);
    if (script) return baseName(script);
  }
  return a0;
}

/** Programs that run scripts. */
const INTERPRETER = /^(?:(?:ba|da|z|k|mk|c|tc|fi|a)?sh|busybox|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node(?:js)?|tclsh[0-9.]*|lua[0-9.]*|php[0-9.]*|env)$/;

/** The script an interpreter's argv names: its first operand, unless code is given inline (-c, -e, -m...). */
function scriptArgument(argv: string[]): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '-e' || a === '-E' || a === '-m' || a === '--eval' || a === '-') return undefined;
    if (a.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) continue; // options; env's NAME=value
    return a;
  }
  return undefined;
}

/** True if the process failed: nonzero exit or killed by a signal. */
export function failed(p: ProcNode): boolean {
  return p.signal !== 0 || p.exitCode > 0;
}

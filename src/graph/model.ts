/**
 * What bt graph draws, made from the build model (src/model/): processes
 * with the files each touched as edge bits, and the files the filters keep.
 * Files the filters will never show are left out here, so the view's work
 * grows with what it can show.
 */
import type { LogHeader } from '../log/schema.js';
import type { Shortfalls } from '../log/lost.js';
import type { Subject } from '../filter/index.js';
import { buildFromRecords, type Build, type BuildFile, type BuildModel as Model, type FileAccess, type FileLink, type Process } from '../model/index.js';
import { filterMatches, type ModelEnv } from '../model/subject.js';
import { failedProbe } from '../model/failures.js';
import { withAncestors } from '../model/subtree.js';
import { Kind, READS, WRITES } from '../model/kinds.js';
import { isOwnTemporary, isSetApart } from '../model/temporary.js';
import type { LogRecord } from '../log/schema.js';
import { isTemp } from '../present/label.js';
import { cacheGroups, type CacheGroup } from '../present/fold.js';
import { linkInputs } from '../answers/groups.js';

export { failed } from '../model/types.js';
export { programName } from '../model/program.js';

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
  argv: readonly string[];
  cwd: string;
  startTs: number;
  endTs: number;
  /** -1 unknown (killed, or no exit seen) */
  exitCode: number;
  signal: number;
  /** An exit was seen. */
  exited: boolean;
  /** A successful exec was seen (else: a fork running its parent's program). */
  execd: boolean;
  /** It failed, and its failure is none of the build's: drawn as a failed probe (model/failures.ts failedProbe). */
  probe?: boolean;
  children: number[];
  /** file index -> Use bits */
  files: Map<number, number>;
  pipeRead: readonly number[];
  pipeWrite: readonly number[];
}

export interface FileNode {
  idx: number;
  path: string;
  /** Bits of every use by any process. */
  uses: number;
  dir: boolean;
  /** Its last change was a removal: it is gone after the build. */
  gone: boolean;
  /** A temporary (isTemporaryFile, or set apart as bt summary does: model/temporary.ts isSetApart): hidden unless --temporaries. */
  temporary: boolean;
  /** A temporary's content went from process `from` to process `to` (proc ids; passesOf). */
  passes: Array<{ from: number; to: number }>;
  /** The build made it, but --focus did not follow its making: one process that made it and why (Focus.stops). */
  madeBy?: { proc: ProcNode; why: StopReason };
  /** The build tool's cache or bookkeeping it is in (present/fold.ts): the view draws the group as one node, unless --unfold. */
  cache?: CacheGroup;
  /** A linker read it as a link input (answers/groups.ts linkInputs: -lfoo's libfoo.so): no runtime noise, like a file the build wrote. */
  linkInput?: boolean;
}

/** Why --focus did not follow a file's making: another phase of the build made it, or it lies beyond --depth. */
export type StopReason = 'phase' | 'depth';

export interface BuildModel {
  header: LogHeader;
  procs: Map<number, ProcNode>;
  /** In order of first use. */
  files: FileNode[];
  links: FileLink[];
  /** Procs without a known parent, in proc order. */
  roots: number[];
  incomplete: boolean;
  live: boolean;
  lostEvents: number;
  /** What the log has but not whole (log/lost.ts). */
  shortfalls: Shortfalls;
}

export interface IngestOptions {
  /** Keep this absolute path? */
  keepPath?: (path: string, written?: boolean) => boolean;
  /** Keep failed lookups (probes). */
  probes?: boolean;
  /** Keep directory listings, O_PATH opens and lookups. */
  dirOpens?: boolean;
  /** Keep only these processes and files (bt graph --focus, --filter). */
  focus?: Focus;
}

export interface Focus {
  procs: ReadonlySet<number>;
  /** Files to keep; all when absent. */
  files?: ReadonlySet<number>;
  /** Accesses to keep; all when absent. */
  access?: (p: Process, f: BuildFile, a: FileAccess) => boolean;
  /** Files the build made whose makers are left out: the process to name as their maker, and why. */
  stops?: ReadonlyMap<number, { proc: number; why: StopReason }>;
}

/**
 * A temporary, hidden by default: a file the build made and removed again,
 * in /tmp or /var/tmp outside the build's directory (label.ts isTemp),
 * whose content was not renamed or linked away: gcc's /tmp/ccXXXXXX.s,
 * which cc1 writes, as reads and the driver removes; or, wherever it is, a
 * process's own temporary (model/temporary.ts: made and removed, or
 * renamed onto its final name, by one process, read by no other): ar's
 * build/stXXXXXX, sed -i's sedXXXXXX. Such a file has no reader to draw an
 * edge to; the process's write of the final name stays drawn.
 */
export function isTemporaryFile(f: BuildFile, cwd: string): boolean {
  if (isOwnTemporary(f)) return true;
  return f.created && f.removed && !f.dir && !(f.kinds & (Kind.RENAME_FROM | Kind.LINK_FROM)) && isTemp(f.path, cwd);
}

/**
 * Where a temporary's content went, from its accesses: a writer -> reader
 * pair for each process that began using it after another began writing
 * it, unless a third process truncated or made it anew between the end of
 * that write and the read (gcc's driver makes the file empty with mkstemp,
 * cc1 writes it anew: the content as reads is cc1's).
 */
function passesOf(acc: readonly FileAccess[]): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  const resets = acc.filter((x) => x.kinds & (Kind.TRUNCATE | Kind.CREATE | Kind.RENAME_TO));
  for (const r of acc) {
    if (!(r.kinds & READS)) continue;
    for (const w of acc) {
      if (w.proc === r.proc || !(w.kinds & WRITES) || w.firstWrite > r.first) continue;
      if (resets.some((x) => x.proc !== w.proc && x.firstWrite > w.lastWrite && x.firstWrite <= r.first)) continue;
      out.push({ from: w.proc, to: r.proc });
    }
  }
  return out;
}

/**
 * What a display filter keeps of a build: the accesses it matches (as
 * access subjects: the process's fields, the file's path, the kinds), the
 * processes it matches or that made a kept access, and their ancestors.
 */
export function filterFocus(build: Build, env: ModelEnv, keep: (s: Subject) => boolean): Focus {
  const m = filterMatches(build, env, keep);
  const matched = new Set(m.procs);
  for (const a of m.accesses) matched.add(a.proc);
  const procs = withAncestors(build, matched);
  return { procs, access: (_p, _f, a) => m.accesses.has(a) };
}

/** The graph's edge bits for the model's access kinds. */
function useBits(kinds: number, gone: boolean, opts: IngestOptions): number {
  let u = 0;
  if (kinds & Kind.READ) u |= Use.READ;
  if (kinds & WRITES) u |= Use.WRITE;
  if (kinds & Kind.EXEC) u |= Use.EXEC;
  // there at the end: the removal made way for the file the build made again (as and ld unlink their output
  // first; node-gyp's clean, rm -rf build, removes the old build's), an edge of the old file, not of the new one
  if (kinds & Kind.DELETE && gone) u |= Use.DELETE;
  if (kinds & Kind.DIR && (u || kinds & Kind.CREATE)) u |= Use.DIR;
  if (!u && opts.dirOpens && kinds & (Kind.LIST | Kind.STAT)) u |= kinds & Kind.DIR || kinds & Kind.LIST ? Use.READ | Use.DIR : Use.READ;
  if (!u && opts.probes && kinds & Kind.PROBE) u |= Use.PROBE;
  return u;
}

/** The graph model of a build. */
export function graphModel(build: Build, opts: IngestOptions = {}): BuildModel {
  const m: Model = build.model;
  const keep = opts.keepPath ?? (() => true);
  const focus = opts.focus;
  const cwd = m.header.cwd ?? '';
  const caches = cacheGroups(build);
  const linked = linkInputs(build);
  const index = new Map<number, number>(); // model file id -> graph file idx
  const files: FileNode[] = [];
  const fileIdx = (id: number): number => {
    let i = index.get(id);
    if (i === undefined) {
      const f = m.files[id];
      // a file the build wrote, or a linker read as a link input (-lfoo's libfoo.so), is not runtime noise
      i = focus?.files && !focus.files.has(id) ? -1 : keep(f.path, (f.kinds & WRITES) !== 0 || linked.has(id)) ? files.length : -1;
      if (i >= 0) {
        const file: FileNode = { idx: i, path: f.path, uses: 0, dir: f.dir, gone: f.removed, temporary: isTemporaryFile(f, cwd) || isSetApart(f, m.files, !!caches[id]), passes: [] };
        if (caches[id]) file.cache = caches[id];
        if (linked.has(id)) file.linkInput = true;
        files.push(file);
      }
      index.set(id, i);
    }
    return i;
  };
  // files in order of first use, as the model has them
  for (const f of m.files) fileIdx(f.id);
  const procs = new Map<number, ProcNode>();
  const tempAccesses = new Map<number, FileAccess[]>(); // graph file idx -> the kept accesses of a temporary
  for (const p of m.processes) {
    if (focus && !focus.procs.has(p.proc)) continue;
    const edges = new Map<number, number>();
    for (const a of p.files.values()) {
      const i = index.get(a.file)!;
      if (i < 0 || (focus?.access && !focus.access(p, m.files[a.file], a))) continue;
      const u = useBits(a.kinds, m.files[a.file].removed, opts);
      if (!u) continue;
      edges.set(i, u);
      files[i].uses |= u;
      if (!files[i].temporary) continue;
      const kept = tempAccesses.get(i);
      if (kept) kept.push(a);
      else tempAccesses.set(i, [a]);
    }
    procs.set(p.proc, procNode(p, focus ? p.children.filter((c) => focus.procs.has(c)) : p.children, edges, failedProbe(m, p)));
  }
  for (const [i, acc] of tempAccesses) files[i].passes = passesOf(acc);
  for (const [id, stop] of focus?.stops ?? []) {
    const i = index.get(id) ?? -1;
    const p = build.process(stop.proc);
    if (i >= 0 && p) files[i].madeBy = { proc: procNode(p, [], new Map()), why: stop.why };
  }
  // a file shown only through a link keeps its node
  const links: FileLink[] = [];
  for (const l of m.links) {
    const from = index.get(l.from) ?? -1;
    const to = index.get(l.to) ?? -1;
    if (from >= 0 && to >= 0) links.push({ from, to, kind: l.kind });
  }
  const roots = focus ? [...procs.values()].filter((p) => !p.parent || !procs.has(p.parent)).map((p) => p.proc) : m.roots;
  if (focus) for (const id of roots) procs.get(id)!.parent = 0;
  return { header: m.header, procs, files, links, roots, incomplete: m.incomplete, live: m.live, lostEvents: m.lostEvents, shortfalls: m.shortfalls };
}

/** The graph's node of process `p`, with these children and file edges. */
function procNode(p: Process, children: number[], files: Map<number, number>, probe = false): ProcNode {
  return {
    proc: p.proc,
    pid: p.pid,
    parent: p.parent,
    exe: p.exe,
    argv: p.argv,
    cwd: p.cwd,
    startTs: p.start,
    endTs: p.end,
    exitCode: p.exitCode,
    signal: p.signal,
    exited: p.exitCode >= 0 || p.signal !== 0,
    execd: p.execd,
    ...(probe ? { probe } : {}),
    children,
    files,
    pipeRead: p.pipeRead,
    pipeWrite: p.pipeWrite,
  };
}

/** Builds a graph model from normalized records (tests, in-memory use). */
export function buildModel(header: LogHeader, records: Iterable<LogRecord>, opts: IngestOptions = {}): BuildModel {
  return graphModel(buildFromRecords(header, records), opts);
}


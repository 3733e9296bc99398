/**
 * From the build model to what the graph shows: which processes (--exe,
 * --depth), which files (default hides, --include/--exclude, --files,
 * --processes-only, --probes), collapsing (--collapse) and the --max-nodes
 * guard.
 *
 * Temporaries (gcc's /tmp/ccXXXXXX.s, ar's stXXXXXX) are hidden unless --temporaries,
 * their data flow drawn as process -> process edges (temporaries.ts).
 *
 * --depth N folds every process deeper than N into its nearest shown
 * ancestor: the ancestor's node gets their file accesses and a
 * "+K subprocesses" note. A focus graph folds the forks that ran no program
 * of their own (a shell script's subshells: libtool's `$(echo … | sed …)`)
 * into the process they are a fork of, their children its children
 * (foldForks). --collapse identical merges sibling subtrees
 * that are the same in every shown respect (program, argv, exit status,
 * files and how, and their own subtrees) into one node marked "×N";
 * --collapse program merges sibling processes running the same program
 * (recursively), uniting their files.
 */
import { GraphError } from '../errors.js';
import { anyMatch, compileGlob, defaultHidden, SYSTEM_PATHS, type PathMatcher } from './glob.js';
import { failed, programName, Use, type BuildModel, type FileNode, type ProcNode } from './model.js';
import { foldDirs, type CacheGroup } from '../present/fold.js';
import { filterOption } from '../present/filter-note.js';
import { hidesTemporaries, temporaryFlows, type Flow } from './temporaries.js';

export type FilesMode = 'read' | 'written' | 'all';
export type CollapseMode = 'none' | 'identical' | 'program';

export interface GraphOptions {
  /** Show every file: no default hides at all (runtime noise and system files). */
  allFiles?: boolean;
  /** Show files of the installed system (/usr, /lib, /etc, ...) that the build only read. */
  systemFiles?: boolean;
  /** Only files matching one of these globs (overrides the default hides). */
  include?: string[];
  /** Never files matching one of these globs. */
  exclude?: string[];
  /** No file nodes. */
  processesOnly?: boolean;
  /** Which file edges: read (inputs), written (outputs), all (default). */
  files?: FilesMode;
  /** Keep only the subtrees of processes running a matching program (name or glob). */
  exe?: string[];
  /** Show processes down to this depth (0 = the top process only); deeper ones fold into their ancestor. */
  depth?: number;
  /** Collapse repeated processes (default 'identical'). */
  collapse?: CollapseMode;
  /** Refuse graphs with more nodes (default 2000; 0 = no limit). */
  maxNodes?: number;
  /** Show failed opens (missing files looked for). */
  probes?: boolean;
  /** Show directory listings and O_PATH opens (default: with --all-files). */
  dirOpens?: boolean;
  /**
   * Fold each process that ran no program of its own (a fork) into the
   * process it is a fork of: its files that one's, its children that one's
   * (default: with --focus, unless --collapse none).
   */
  foldForks?: boolean;
  /** Show temporaries as files (default: with --all-files or --include; else a process -> process edge stands for each). */
  temporaries?: boolean;
  /**
   * Draw every file: not FOLD_AT or more the build only read outside its
   * tree under one directory as that directory, nor a build tool's cache
   * and bookkeeping (the Go build cache, Cargo's .fingerprint, rustc's
   * codegen units: present/fold.ts) as one node (default: with --all-files
   * or --include).
   */
  unfold?: boolean;
}

export const DEFAULT_MAX_NODES = 2000;

export interface VProc {
  /** DOT node id: p<proc> of the representative. */
  id: string;
  rep: ProcNode;
  program: string;
  /** Processes merged into this node by --collapse (1 = itself). */
  count: number;
  /** How it was collapsed, when count > 1. */
  collapsedBy?: 'identical' | 'program';
  /** The merged processes (count of them), representative first. */
  merged: ProcNode[];
  /** Descendants folded in by --depth. */
  folded: number;
  /** Forks folded in (foldForks), its own and its merged processes'. */
  forks: number;
  /** Failed processes among the merged ones (the representative included): the node's own failures; a failed probe's are none (model/failures.ts failedProbe). */
  failedCount: number;
  /** Failed probes among the merged ones (the representative included): failures that are none of the build's. */
  probeCount: number;
  /** Failed processes among the folded descendants (--depth): failed subprocesses, not the node's own failure; failed probes not counted. */
  failedFolded: number;
  /** Failed probes among the folded descendants (--depth). */
  probesFolded: number;
  /** file index -> Use bits (own, merged and folded). */
  files: Map<number, number>;
  children: VProc[];
  /** Every proc this node stands for (merged, folded). */
  members: number[];
}

export interface VFile {
  id: string;
  file: FileNode;
  /** The files merged into this node (--collapse program: same directory, extension and edges; a folded directory or cache group), representative first. */
  merged?: FileNode[];
  /** The build tool's cache or bookkeeping this node stands for (present/fold.ts), when it merges two or more of its files. */
  cache?: CacheGroup;
}

export type FileEdgeKind = 'read' | 'write' | 'readwrite' | 'delete' | 'probe' | 'exec';

export interface FileEdge {
  proc: VProc;
  file: VFile;
  kind: FileEdgeKind;
}

export interface GraphView {
  model: BuildModel;
  options: GraphOptions;
  /** Shown processes, by representative proc id. */
  procs: VProc[];
  /** Shown files, in order of first use. */
  files: VFile[];
  spawn: Array<{ from: VProc; to: VProc }>;
  fileEdges: FileEdge[];
  pipes: Array<{ from: VProc; to: VProc }>;
  /** Hidden temporaries, from the node that wrote them to the node that read them. */
  flows: Flow[];
  links: Array<{ from: VFile; to: VFile; kind: 'mv' | 'ln' }>;
  /** Total nodes (processes + files). */
  nodeCount: number;
  /** A focus graph collapsed by program because --collapse identical would draw this many process boxes (index.ts focusGraph). */
  collapsedFrom?: number;
}

/** Compiles the path filters of `opts` (relative globs are relative to `cwd`); `written`: the build wrote the file (a library it made is not hidden). */
export function pathFilter(opts: GraphOptions, cwd: string): (path: string, written?: boolean) => boolean {
  const base = cwd || '/';
  const include = (opts.include ?? []).map((g) => compileGlob(g, base));
  const exclude = (opts.exclude ?? []).map((g) => compileGlob(g, base));
  const hidden = opts.allFiles ? () => false : defaultHidden();
  return (p: string, written = false) => {
    if (exclude.length && anyMatch(exclude, p)) return false;
    if (include.length) return anyMatch(include, p);
    return !hidden(p, written);
  };
}

/** Hides files of the installed system that the build did not change (unless shown by the options). */
export function systemFilter(opts: GraphOptions, cwd: string): (f: FileNode) => boolean {
  if (opts.allFiles || opts.systemFiles) return () => false;
  const system = SYSTEM_PATHS.map((g) => compileGlob(g, '/'));
  const include = (opts.include ?? []).map((g) => compileGlob(g, cwd || '/'));
  const build = cwd && cwd !== '/' ? cwd : undefined;
  return (f) =>
    (f.uses & (Use.WRITE | Use.DELETE)) === 0 &&
    !f.madeBy &&
    anyMatch(system, f.path) &&
    !(build && (f.path === build || f.path.startsWith(`${build}/`))) &&
    !(include.length && anyMatch(include, f.path));
}

function sanitizeId(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  return s || 'file';
}

/** Readable, stable file node ids: f_<name>, f_<name>_2, ... in order of first use. */
export function fileIds(files: readonly FileNode[]): string[] {
  const used = new Map<string, number>();
  return files.map((f) => {
    const slash = f.path.lastIndexOf('/');
    const base = `f_${sanitizeId(f.path.slice(slash + 1) || 'root')}`;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
}

function newVProc(p: ProcNode): VProc {
  return {
    id: `p${p.proc}`,
    rep: p,
    program: programName(p),
    count: 1,
    merged: [p],
    folded: 0,
    forks: 0,
    failedCount: failed(p) && !p.probe ? 1 : 0,
    probeCount: failed(p) && p.probe ? 1 : 0,
    failedFolded: 0,
    probesFolded: 0,
    files: new Map(p.files),
    children: [],
    members: [p.proc],
  };
}

function unite(into: Map<number, number>, from: Map<number, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) | v);
}

/** Folds p's whole subtree into v. */
function foldInto(v: VProc, model: BuildModel, p: ProcNode): void {
  for (const c of p.children) {
    const q = model.procs.get(c)!;
    v.folded++;
    v.members.push(q.proc);
    if (failed(q) && !q.probe) v.failedFolded++;
    if (failed(q) && q.probe) v.probesFolded++;
    unite(v.files, q.files);
    foldInto(v, model, q);
  }
}

function buildTree(model: BuildModel, p: ProcNode, depth: number, maxDepth: number, foldForks: boolean): VProc {
  const v = newVProc(p);
  if (depth >= maxDepth) {
    foldInto(v, model, p);
    return v;
  }
  // a fork's failure is its script's to handle (`$(… | grep x)`): not counted as a failed subprocess
  const children = (q: ProcNode) => {
    for (const c of q.children) {
      const r = model.procs.get(c)!;
      if (foldForks && !r.execd) {
        v.forks++;
        v.members.push(r.proc);
        unite(v.files, r.files);
        children(r);
      } else v.children.push(buildTree(model, r, depth + 1, maxDepth, foldForks));
    }
  };
  children(p);
  return v;
}

function matchesExe(p: ProcNode, matchers: PathMatcher[]): boolean {
  const names = [programName(p)];
  if (p.exe) names.push(p.exe.slice(p.exe.lastIndexOf('/') + 1));
  return names.some((n) => anyMatch(matchers, n));
}

/** The processes the view starts from: the roots, or the topmost --exe matches. */
function tops(model: BuildModel, exe: string[] | undefined): ProcNode[] {
  const roots = model.roots.map((id) => model.procs.get(id)!);
  if (!exe?.length) return roots;
  const matchers = exe.map((g) => compileGlob(g.includes('/') ? g.slice(g.lastIndexOf('/') + 1) : g));
  const out: ProcNode[] = [];
  const walk = (p: ProcNode) => {
    if (matchesExe(p, matchers)) {
      out.push(p);
      return;
    }
    for (const c of p.children) walk(model.procs.get(c)!);
  };
  for (const r of roots) walk(r);
  return out;
}

function mergeInto(a: VProc, b: VProc): void {
  a.count += b.count;
  a.merged.push(...b.merged);
  a.folded += b.folded;
  a.forks += b.forks;
  a.failedCount += b.failedCount;
  a.probeCount += b.probeCount;
  a.failedFolded += b.failedFolded;
  a.probesFolded += b.probesFolded;
  unite(a.files, b.files);
  a.members.push(...b.members);
}

function collapseIdentical(roots: VProc[], shownBits: (bits: number) => number): VProc[] {
  const intern = new Map<string, number>();
  const sigOf = new Map<VProc, number>();
  const visit = (list: VProc[]): VProc[] => {
    for (const v of list) v.children = visit(v.children);
    const bySig = new Map<number, VProc>();
    const out: VProc[] = [];
    for (const v of list) {
      const p = v.rep;
      const edges = [...v.files]
        .map(([f, b]) => [f, shownBits(b)] as const)
        .filter(([, b]) => b !== 0)
        .sort((x, y) => x[0] - y[0])
        .map(([f, b]) => `${f}:${b}`)
        .join(',');
      const kids = v.children
        .map((c) => `${sigOf.get(c)}x${c.count}`)
        .sort()
        .join(',');
      const key = [
        v.program,
        p.execd ? 1 : 0,
        p.argv.join('\u0001'),
        p.exitCode,
        p.signal,
        v.folded,
        v.failedCount,
        v.probeCount,
        v.failedFolded,
        v.probesFolded,
        edges,
        kids,
      ].join('\u0000');
      let sig = intern.get(key);
      if (sig === undefined) {
        sig = intern.size;
        intern.set(key, sig);
      }
      sigOf.set(v, sig);
      const first = bySig.get(sig);
      if (first) mergeIdentical(first, v);
      else {
        bySig.set(sig, v);
        out.push(v);
      }
    }
    return out;
  };
  /** Merges identical subtree `v` into `first`, node by node (descendants count up too). */
  function mergeIdentical(first: VProc, v: VProc): void {
    mergeInto(first, v);
    first.collapsedBy = 'identical';
    const free = [...first.children];
    for (const c of v.children) {
      const sig = sigOf.get(c);
      const i = free.findIndex((f) => sigOf.get(f) === sig);
      if (i < 0) continue; // cannot happen: identical signatures have identical children
      mergeIdentical(free[i], c);
      free.splice(i, 1);
    }
  }
  return visit(roots);
}



function collapseByProgram(list: VProc[]): VProc[] {
  const groups = new Map<string, VProc>();
  const out: VProc[] = [];
  for (const v of list) {
    const key = `${v.program}\u0000${v.rep.execd ? 1 : 0}`;
    const g = groups.get(key);
    if (g) {
      mergeInto(g, v);
      g.collapsedBy = 'program';
      g.children.push(...v.children);
    } else {
      groups.set(key, v);
      out.push(v);
    }
  }
  for (const v of out) {
    v.children.sort((a, b) => a.rep.proc - b.rep.proc);
    v.children = collapseByProgram(v.children);
  }
  return out;
}

/** The Use bits shown under `opts` (0: no edge). */
function shownBitsFor(opts: GraphOptions, written: (f: number) => boolean) {
  const mode = opts.files ?? 'all';
  return (bits: number, f?: number): number => {
    let b = bits & ~Use.DIR;
    if (!opts.probes) b &= ~Use.PROBE;
    if (b & Use.EXEC && f !== undefined && !written(f)) b &= ~Use.EXEC;
    if (mode === 'read') b &= Use.READ | Use.EXEC | Use.PROBE;
    else if (mode === 'written') b &= Use.WRITE | Use.DELETE;
    return b;
  };
}

function edgeKinds(b: number): FileEdgeKind[] {
  const out: FileEdgeKind[] = [];
  if (b & Use.READ && b & Use.WRITE) out.push('readwrite');
  else if (b & Use.READ) out.push('read');
  else if (b & Use.WRITE) out.push('write');
  if (b & Use.DELETE) out.push('delete');
  if (b & Use.EXEC) out.push('exec');
  if (b & Use.PROBE && !(b & (Use.READ | Use.WRITE))) out.push('probe');
  return out;
}

/**
 * Builds the view without the --max-nodes check. `countOnly`: only what
 * its node count needs (the boxes and file nodes; file edges only when
 * --collapse program merges files by them; no pipes, flows or links), for
 * the --max-nodes check and its suggestions (buildView).
 */
export function computeView(model: BuildModel, opts: GraphOptions = {}, countOnly = false): GraphView {
  const keep = pathFilter(opts, model.header.cwd ?? '');
  const sys = systemFilter(opts, model.header.cwd ?? '');
  const shownFile = model.files.map((f) => keep(f.path, (f.uses & Use.WRITE) !== 0 || !!f.linkInput) && !sys(f));
  const hideTemporaries = hidesTemporaries(opts);
  const fileOk = model.files.map((f, i) => shownFile[i] && !(hideTemporaries && f.temporary));
  const written = (f: number) => (model.files[f].uses & Use.WRITE) !== 0;
  const shown = shownBitsFor(opts, written);
  const maxDepth = opts.depth ?? Infinity;

  let roots = tops(model, opts.exe).map((p) => buildTree(model, p, 0, maxDepth, !!opts.foldForks));
  const collapse = opts.collapse ?? 'identical';
  if (collapse === 'identical') roots = collapseIdentical(roots, (b) => shown(b));
  else if (collapse === 'program') roots = collapseByProgram(roots);

  const procs: VProc[] = [];
  const spawn: GraphView['spawn'] = [];
  const walk = (v: VProc) => {
    procs.push(v);
    for (const c of v.children) {
      spawn.push({ from: v, to: c });
      walk(c);
    }
  };
  for (const r of roots) walk(r);
  procs.sort((a, b) => a.rep.proc - b.rep.proc);
  spawn.sort((a, b) => a.to.rep.proc - b.to.rep.proc);

  const ids = fileIds(model.files);
  const vfiles = new Map<number, VFile>();
  const fileEdges: FileEdge[] = [];
  const edges = !countOnly || collapse === 'program';
  if (!opts.processesOnly) {
    for (const v of procs) {
      const list = [...v.files].sort((a, b) => a[0] - b[0]);
      for (const [f, bits] of list) {
        if (!fileOk[f]) continue;
        const b = shown(bits, f);
        if (!b) continue;
        let vf = vfiles.get(f);
        if (!vf) {
          vf = { id: ids[f], file: model.files[f] };
          vfiles.set(f, vf);
        }
        if (edges) for (const kind of edgeKinds(b)) fileEdges.push({ proc: v, file: vf, kind });
      }
    }
  }
  let files = [...vfiles.values()].sort((a, b) => a.file.idx - b.file.idx);
  /** A merged file's node (--collapse program): mv and ln edges go to it, like accesses. */
  let nodeOf = (vf: VFile): VFile => vf;
  if (collapse === 'program' && files.length > 1) {
    const merged = collapseFiles(files, fileEdges, model.header.cwd ?? '', foldsFiles(opts));
    files = merged.files;
    nodeOf = (vf) => merged.replace.get(vf) ?? vf;
  } else if (foldsFiles(opts) && files.length > 1) {
    const merged = foldFiles(files, fileEdges, model.header.cwd ?? '');
    files = merged.files;
    nodeOf = (vf) => merged.replace.get(vf) ?? vf;
  }
  const nodeCount = procs.length + files.length;
  if (countOnly) return { model, options: opts, procs, files, spawn, fileEdges: [], pipes: [], flows: [], links: [], nodeCount };

  // pipes: writer node -> reader node
  const byProc = new Map<number, VProc>();
  for (const v of procs) for (const m of v.members) byProc.set(m, v);
  const readers = new Map<number, VProc[]>();
  for (const p of model.procs.values()) {
    const v = byProc.get(p.proc);
    if (!v) continue;
    for (const id of p.pipeRead) {
      const l = readers.get(id) ?? [];
      l.push(v);
      readers.set(id, l);
    }
  }
  const flows = opts.processesOnly || !hideTemporaries ? [] : temporaryFlows(model.files.filter((f, i) => shownFile[i] && f.temporary), byProc);

  const pipes: GraphView['pipes'] = [];
  const seenPipe = new Set<string>();
  const procIds = [...model.procs.keys()].sort((a, b) => a - b);
  for (const id of procIds) {
    const p = model.procs.get(id)!;
    const w = byProc.get(p.proc);
    if (!w) continue;
    for (const pipe of p.pipeWrite) {
      for (const r of readers.get(pipe) ?? []) {
        const key = `${w.id}>${r.id}`;
        if (w === r || seenPipe.has(key)) continue;
        seenPipe.add(key);
        pipes.push({ from: w, to: r });
      }
    }
  }

  const links: GraphView['links'] = [];
  const seenLink = new Set<string>();
  for (const l of model.links) {
    const a = vfiles.get(l.from);
    const b = vfiles.get(l.to);
    if (!a || !b) continue;
    const from = nodeOf(a);
    const to = nodeOf(b);
    const key = `${from.id}>${to.id}>${l.kind}`;
    // a rename inside a merged group is not drawn (it would loop on the node)
    if (from === to || seenLink.has(key)) continue;
    seenLink.add(key);
    links.push({ from, to, kind: l.kind });
  }

  return {
    model,
    options: opts,
    procs,
    files,
    spawn,
    fileEdges,
    pipes,
    flows,
    links,
    nodeCount,
  };
}

/** The area of a path for merging read-only files: its first directory under the build's, else its first two. */
function areaOf(path: string, cwd: string): string {
  const base = cwd && cwd !== '/' && path.startsWith(`${cwd}/`) ? cwd : '';
  const rest = path.slice(base.length + 1).split('/');
  const depth = base ? 1 : 2;
  return rest.length > depth ? `${base}/${rest.slice(0, depth).join('/')}` : path.slice(0, path.lastIndexOf('/'));
}

/**
 * --collapse program for files: files merge per area (the first directory
 * under the build's, or the first two elsewhere) and extension (or name,
 * without one): files the build wrote when they also have the same edges
 * (`kernel/locking/*.o ×4`, `drivers/**\/built-in.a ×60`), files it only
 * read with their edges joined (`drivers/**\/Kconfig ×900`,
 * `/usr/include/**\/*.h ×300`). Edges go to the merged node, once per
 * process node and kind.
 */
function collapseFiles(files: VFile[], edges: FileEdge[], cwd: string, caches: boolean): { files: VFile[]; replace: Map<VFile, VFile> } {
  const sig = new Map<VFile, string[]>();
  for (const e of edges) {
    let l = sig.get(e.file);
    if (!l) sig.set(e.file, (l = []));
    l.push(`${e.proc.id}:${e.kind}`);
  }
  // files the build wrote merge when their edges are the same; files it only read, per directory
  const groups = new Map<string, VFile[]>();
  for (const vf of files) {
    const p = vf.file.path;
    const slash = p.lastIndexOf('/');
    const name = p.slice(slash + 1);
    const dot = name.lastIndexOf('.');
    const readOnly = (vf.file.uses & (Use.WRITE | Use.DELETE)) === 0;
    const made = vf.file.madeBy;
    // files whose making --focus did not follow merge per maker and reason, so that their label stays true
    const key = caches && vf.file.cache
      ? cacheKey(vf.file)
      : made
      ? `m|${made.why}|${made.proc.proc}|${areaOf(p, cwd)}|${dot > 0 ? name.slice(dot) : name}`
      : readOnly
      ? `r|${vf.file.dir ? 'd' : 'f'}|${areaOf(p, cwd)}|${dot > 0 ? name.slice(dot) : name}`
      : `w|${vf.file.dir ? 'd' : 'f'}|${areaOf(p, cwd)}|${dot > 0 ? name.slice(dot) : ''}|${(sig.get(vf) ?? []).sort().join(',')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(vf);
  }
  return mergeGroups(groups, edges);
}

/** The merge key of a file in a cache group: the group, and like collapseFiles' keys the maker --focus did not follow. */
function cacheKey(f: FileNode): string {
  return `c|${f.cache!.name}|${f.madeBy ? `${f.madeBy.why}|${f.madeBy.proc.proc}` : ''}`;
}

/** Whether the graph folds many read-only files under one directory and a build tool's caches (present/fold.ts): not with --unfold, --all-files or --include. */
export function foldsFiles(opts: GraphOptions): boolean {
  return !opts.unfold && !opts.allFiles && !(opts.include ?? []).length;
}

/**
 * A build tool's cache or bookkeeping (FileNode.cache): one node per group
 * (`/root/.cache/go-build/ ×168`, Go build cache), whatever the build did
 * with its files. Files the build only read, outside its tree, FOLD_AT or
 * more under one directory: one node for the directory
 * (`/root/.pyenv/**\/* ×69`, a Python generator's interpreter and
 * library). Edges once per process node and kind, as --collapse program
 * does. Other files the build wrote or made stay one node each.
 */
function foldFiles(files: VFile[], edges: FileEdge[], cwd: string): { files: VFile[]; replace: Map<VFile, VFile> } {
  const inTree = (p: string) => cwd !== '' && cwd !== '/' && p.startsWith(`${cwd}/`);
  const readOnly = files.filter((vf) => (vf.file.uses & (Use.WRITE | Use.DELETE)) === 0 && !vf.file.madeBy && !vf.file.dir && !vf.file.cache && !inTree(vf.file.path));
  const dirOf = foldDirs(readOnly.map((vf) => vf.file.path));
  const groups = new Map<string, VFile[]>();
  for (const vf of files) {
    const dir = dirOf.get(vf.file.path);
    const key = vf.file.cache ? cacheKey(vf.file) : dir === undefined ? `#${vf.file.idx}` : dir;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(vf);
  }
  return mergeGroups(groups, edges);
}

/**
 * Each group of files one node (its first), edges of the others moved to
 * it, once per (process node, kind); a group by cache key (cacheKey) of
 * two or more files is marked as that cache's node.
 */
function mergeGroups(groups: Map<string, VFile[]>, edges: FileEdge[]): { files: VFile[]; replace: Map<VFile, VFile> } {
  const replace = new Map<VFile, VFile>();
  const out: VFile[] = [];
  for (const [key, g] of groups) {
    const rep = g[0];
    if (g.length > 1) {
      rep.merged = g.map((x) => x.file);
      if (key.startsWith('c|')) rep.cache = rep.file.cache;
      for (const x of g.slice(1)) replace.set(x, rep);
    }
    out.push(rep);
  }
  if (replace.size) {
    // edges of merged files go to their node, once per (process node, kind)
    const seen = new Set<string>();
    let w = 0;
    for (const e of edges) {
      const file = replace.get(e.file) ?? e.file;
      const key = `${e.proc.id}|${file.id}|${e.kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges[w++] = { proc: e.proc, file, kind: e.kind };
    }
    edges.length = w;
  }
  return { files: out.sort((a, b) => a.file.idx - b.file.idx), replace };
}

/**
 * A one-line note when the options left nothing to draw (bt graph still
 * writes the empty graph and exits 0): which selection matched nothing.
 * (An event type in the filter, which no process or file has, is refused
 * when the filter is parsed.) Undefined when the graph shows something.
 */
export function emptyNote(view: GraphView, opts: GraphOptions, filter?: { source: string }): string | undefined {
  if (view.procs.length === 0) {
    const what: string[] = [];
    if (filter) what.push(filterOption(filter.source));
    if (opts.exe?.length) what.push(opts.exe.map((e) => `--exe ${e}`).join(' or '));
    return `${what.length ? `nothing matches ${what.join(' and ')}` : 'the build has no process to draw'}: the graph is empty`;
  }
  if (view.files.length === 0 && !opts.processesOnly && opts.include?.length) {
    return `no file the build used matches --include ${opts.include.join(' or ')}: the graph shows processes only`;
  }
  return undefined;
}

/**
 * Process boxes past which a graph is many screens tall: a left-to-right
 * graph stacks its boxes, 30 to 45 pt each (the review's cmake project: 64
 * boxes, 2,751 pt; libiberty's configure and make: 1,621 boxes, 47,173
 * pt), so 400 boxes are some 12,000 to 18,000 pt, 16 screens or more.
 * Small builds stay well under it (test-programs' make: 125 boxes).
 */
export const TALL_BOXES = 400;

/**
 * A one-line note when the whole build's graph, drawn one box per command
 * (bt graph without --collapse, --focus, --filter, --exe or --depth), is
 * past TALL_BOXES process boxes: the graph is still drawn, and the note
 * names what the --max-nodes refusal would, with --focus. Undefined below.
 */
export function tallNote(view: GraphView): string | undefined {
  const boxes = view.procs.length;
  if (boxes <= TALL_BOXES) return undefined;
  const all = view.model.procs.size;
  const collapsed = computeView(view.model, { ...view.options, collapse: 'program' }, true).nodeCount;
  return (
    `the graph has ${boxes} process boxes${boxes === all ? '' : ` for the ${all} processes of the build`}, a picture many screens tall: ` +
    `try --collapse program (${collapsed} nodes), --focus FILE (how one file was made), --exe NAME, or --depth N`
  );
}

/** What --depth is when it is not the process tree's (with --focus: jobs of the provenance): its value, the least one, and the nodes the graph has at depth d. */
export interface DepthMeaning {
  current?: number;
  min: number;
  count: (depth: number) => number;
}

/** Builds the view; throws GraphError E_TOO_BIG over --max-nodes, naming filters that would help. */
export function buildView(model: BuildModel, opts: GraphOptions = {}, depth?: DepthMeaning): GraphView {
  const max = opts.maxNodes ?? DEFAULT_MAX_NODES;
  // counted first: a refusal (the kernel's 14,410 nodes) costs the count and its suggestions, not the whole view
  if (max > 0) {
    const counted = computeView(model, opts, true);
    if (counted.nodeCount > max) throw tooBig(model, opts, counted, max, depth);
  }
  return computeView(model, opts);
}

function tooBig(model: BuildModel, opts: GraphOptions, view: GraphView, max: number, depth?: DepthMeaning): GraphError {
  // single filters that shrink the graph, then pairs of them when no single one fits
  const singles: Array<[string, (o: GraphOptions) => GraphOptions]> = [];
  const processesOnly = (o: GraphOptions): GraphOptions => ({ ...o, processesOnly: true });
  if (!opts.processesOnly) singles.push(['--processes-only', processesOnly]);
  if ((opts.collapse ?? 'identical') !== 'program') singles.push(['--collapse program', (o) => ({ ...o, collapse: 'program' })]);
  if ((opts.files ?? 'all') === 'all' && !opts.processesOnly) singles.push(['--files written', (o) => ({ ...o, files: 'written' })]);
  if (!opts.processesOnly && (opts.systemFiles || opts.allFiles) && !(opts.exclude ?? []).includes('/usr')) {
    singles.push(["--exclude /usr", (o) => ({ ...o, exclude: [...(o.exclude ?? []), '/usr'] })]);
  }
  const count = (o: GraphOptions) => computeView(model, o, true).nodeCount;
  // the same boxes without their files (which boxes there are does not depend on whether files are drawn)
  const countSingle = (f: (o: GraphOptions) => GraphOptions) => (f === processesOnly ? view.procs.length : count(f(opts)));
  const hints: string[] = [];
  let fits = false;
  // only filters whose result fits the limit are suggested
  for (const [flag, f] of singles) {
    const n = countSingle(f);
    if (n <= max) {
      hints.push(`${flag} (${n} nodes)`);
      fits = true;
    }
  }
  if (!fits) {
    for (let i = 0; i < singles.length && hints.length < 8; i++) {
      for (let j = i + 1; j < singles.length; j++) {
        const n = count(singles[j][1](singles[i][1](opts)));
        if (n <= max) {
          hints.push(`${singles[i][0]} ${singles[j][0]} (${n} nodes)`);
          fits = true;
          break;
        }
      }
    }
  }
  // the deepest --depth that fits. The process tree's folds every process into a box drawn, whose
  // file edges it takes: the same file nodes at every depth (unless --collapse program merges files by
  // their edges), at least one box: none fits when the files alone reach the limit (the kernel's 6,023)
  const current = (depth ? depth.current : opts.depth) ?? Infinity;
  const countAt = depth?.count ?? ((d: number) => count({ ...opts, depth: d }));
  const noDepthFits = !depth && (opts.collapse ?? 'identical') !== 'program' && view.files.length + 1 > max;
  for (let d = Math.min(current - 1, 12); d >= (depth?.min ?? 0) && !noDepthFits; d--) {
    const n = countAt(d);
    if (n <= max) {
      hints.push(`--depth ${d} (${n} nodes)`);
      break;
    }
  }
  const procs = view.procs.length;
  const files = view.files.length;
  const all = model.procs.size;
  const boxes =
    procs === all
      ? `${procs} processes`
      : `${procs} process boxes for the ${all} processes of the build${(opts.collapse ?? 'identical') === 'none' ? '' : ', repeated ones collapsed'}`;
  return new GraphError(
    'E_TOO_BIG',
    `the graph would have ${view.nodeCount} nodes (${boxes}, ${files} files), over --max-nodes ${max}: ` +
      `try ${hints.length ? `${hints.join(', ')}, ` : ''}--exe NAME, --filter 'path ~ "GLOB"' (the processes that used such files; --include GLOB hides files, not processes), or raise --max-nodes`,
  );
}

/**
 * DOT output of a graph view. Deterministic: the same view gives the same
 * bytes (statements in proc / file order, no times, no hashes).
 *
 * Legend:
 *  - processes: rounded boxes, labelled with the program and a shortened
 *    argv (the full argv, cwd, pid and exit in the tooltip); failed ones
 *    (nonzero exit or killed) red with a thick border; "×N" when N
 *    processes were collapsed, "+K subprocesses" when --depth folded some,
 *    "F failed subprocesses" when F of those failed (not red: a job whose
 *    own command succeeded did not fail, model/failures.ts) and "P failed
 *    probes among them" for failed probes (below) among them; a failed
 *    process whose failure is none of the build's (model/failures.ts failedProbe:
 *    in a failed probe's job, a failed job the build did not care about; in
 *    a job that succeeded, kbuild's Kconfig checks; off a failed job's path
 *    to its innermost failure) grey and dashed, "(failed probe)" after its
 *    exit; a merged box counts them apart, "12 failed probes" under "2 failed";
 *  - files: notes (directories: folders); files written during the build
 *    are green, files only read are pale yellow; files gone by the end of
 *    the build (temporaries: last removed, not written again) have a dashed
 *    border; a file --focus did not follow the making of says so in a
 *    second line: `made earlier by configure` (another phase of the build
 *    made it), `made by cc -c util.c -o util.o` (beyond --depth); a build
 *    tool's cache (present/fold.ts) is one folder (or note) with its count
 *    and what it is (`/root/.cache/go-build/ ×168`, `Go build cache`);
 *  - edges: process -> process solid grey (spawned); file -> process dashed
 *    blue (read); process -> file solid orange (written; both arrows for
 *    read-write); process -> file dotted red "rm" (deleted); file -> process
 *    bold green "exec" (ran a program built here); process -> process bold
 *    purple "pipe" (writer to reader); file -> file "mv"/"ln" (renamed,
 *    linked); process -> file dotted grey "?" (looked for, not found: --probes);
 *    process -> process dashed orange, labelled with a temporary's name
 *    (the writer of a hidden temporary to its reader: temporaries.ts).
 */
import { endedText, middle, plural, shellJoin } from '../present/format.js';
import { relativeInside } from '../normalize/paths.js';
import { shortCommand } from '../present/label.js';
import { failed, programName, Use, type FileNode, type ProcNode } from './model.js';
import type { Flow } from './temporaries.js';
import type { FileEdge, GraphView, VFile, VProc } from './view.js';

const FONT = 'Helvetica';
/** The node labels' font size in points (render.ts warns when a PNG makes it unreadable). */
export const NODE_FONT_SIZE = 10;

/** A DOT double-quoted string. */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function attrs(a: Record<string, string | number | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    parts.push(typeof v === 'number' ? `${k}=${v}` : `${k}=${dotString(v)}`);
  }
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

export { signalName, shellJoin } from '../present/format.js';

export { shortCommand } from '../present/label.js';

/** How a failed process ended ("exit 1", "killed by SIGINT"; a failed probe's says so); undefined for one that did not fail. */
function exitText(p: ProcNode): string | undefined {
  if (!failed(p)) return undefined;
  return p.probe ? `${endedText(p.exitCode, p.signal)} (failed probe)` : endedText(p.exitCode, p.signal);
}

function procLabel(v: VProc): string {
  const p = v.rep;
  const lines: string[] = [];
  if (v.collapsedBy === 'program') {
    lines.push(`${v.program}${p.execd ? '' : ' (fork)'} ×${v.count}`);
  } else {
    lines.push(shortCommand(p, v.program) + (p.execd || !p.parent ? '' : ' (fork)'));
    if (v.count > 1) lines.push(`×${v.count}`);
  }
  if (v.folded) lines.push(`+${v.folded} subprocess${v.folded === 1 ? '' : 'es'}`);
  // its own failure (the process's exit, or how many of the merged ones failed), then its folded subprocesses' apart
  if (v.count === 1) {
    const e = exitText(p);
    if (e) lines.push(e);
  } else {
    // the build's failures and failed probes apart: `gcc ×51` with 12 failed checks is no red box, but they are not hidden
    if (v.failedCount) lines.push(`${v.failedCount} failed`);
    if (v.probeCount) lines.push(plural(v.probeCount, 'failed probe'));
  }
  if (v.failedFolded) lines.push(`${v.failedFolded} failed subprocess${v.failedFolded === 1 ? '' : 'es'}`);
  if (v.probesFolded) lines.push(`${plural(v.probesFolded, 'failed probe')} among them`);
  return lines.join('\n');
}

function procTooltip(v: VProc): string {
  const lines: string[] = [];
  const shown = v.merged.slice(0, 10);
  for (const p of shown) {
    const exit = endedText(p.exitCode, p.signal);
    lines.push(`${shellJoin(p.argv)}`);
    lines.push(`  pid ${p.pid} (proc ${p.proc}), ${exit}${p.cwd ? `, cwd ${p.cwd}` : ''}`);
  }
  if (v.merged.length > shown.length) lines.push(`… and ${v.merged.length - shown.length} more`);
  if (v.folded) {
    const failures = [v.failedFolded ? `${v.failedFolded} of them failed` : '', v.probesFolded ? `${plural(v.probesFolded, 'failed probe')}` : ''].filter(Boolean);
    lines.push(`${v.folded} subprocesses folded in (--depth)${failures.map((f) => `, ${f}`).join('')}`);
  }
  if (v.forks) lines.push(`${plural(v.forks, 'fork')} that ran no program folded in (--collapse none draws them)`);
  return lines.join('\n');
}

/** A file's label: relative to the build directory when inside it, shortened from the left. */
export function fileLabel(path: string, cwd: string): string {
  const rel = cwd ? relativeInside(cwd, path) : undefined;
  const s = rel !== undefined && rel !== '.' ? rel : path;
  if (s.length <= 40) return s;
  const parts = s.split('/');
  let out = parts[parts.length - 1];
  for (let i = parts.length - 2; i >= 0; i--) {
    const next = `${parts[i]}/${out}`;
    if (next.length > 38) break;
    out = next;
  }
  return `…/${middle(out, 38)}`;
}

function edgeAttrs(e: FileEdge): [string, string, Record<string, string | number | undefined>] {
  const p = e.proc.id;
  const f = e.file.id;
  switch (e.kind) {
    case 'read':
      return [f, p, { style: 'dashed', color: '#1a73e8' }];
    case 'write':
      return [p, f, { color: '#e37400', penwidth: 1.5 }];
    case 'readwrite':
      return [p, f, { color: '#e37400', penwidth: 1.5, dir: 'both' }];
    case 'delete':
      return [p, f, { style: 'dotted', color: '#c5221f', label: 'rm' }];
    case 'exec':
      return [f, p, { style: 'bold', color: '#188038', label: 'exec' }];
    case 'probe':
      return [p, f, { style: 'dotted', color: '#9aa0a6', arrowhead: 'odot', label: '?' }];
  }
}

/**
 * The glob that names merged files: `dir/prefix*.ext` when they share a
 * directory, `dir/**\/name` or `dir/**\/*.ext` when they share only the
 * start of it.
 */
export function mergedPattern(files: readonly FileNode[]): string {
  const paths = files.map((f) => f.path);
  const dirs = paths.map((p) => p.slice(0, p.lastIndexOf('/')));
  const names = paths.map((p) => p.slice(p.lastIndexOf('/') + 1));
  const ext = (n: string) => (n.lastIndexOf('.') > 0 ? n.slice(n.lastIndexOf('.')) : '');
  const e = ext(names[0]);
  const sameExt = names.every((n) => ext(n) === e);
  // the common end from a '.': ".cdtor.o" of cc1X.cdtor.o and cc2Y.cdtor.o, not just ".o"
  const dotted = (prefixLength: number): string => {
    let suffix = names[0];
    for (const n of names) while (!n.endsWith(suffix)) suffix = suffix.slice(1);
    const room = Math.min(...names.map((n) => n.length)) - prefixLength;
    if (suffix.length > room) suffix = suffix.slice(suffix.length - room);
    const d = suffix.indexOf('.');
    return d < 0 ? '' : suffix.slice(d);
  };
  if (dirs.every((d) => d === dirs[0])) {
    let prefix = names[0];
    for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
    // names with nothing in common but a few: named ({gen,obj}), not "*"
    const braced = `{${[...new Set(names)].sort().join(',')}}`;
    if ((!prefix || prefix.length < 2) && !(sameExt && e) && braced.length <= 40) return `${dirs[0]}/${braced}`;
    const suffix = dotted(prefix.length);
    return `${dirs[0]}/${prefix}*${prefix.endsWith(suffix) ? '' : suffix}`;
  }
  let common = dirs[0].split('/');
  for (const d of dirs) {
    const parts = d.split('/');
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  const leaf = names.every((n) => n === names[0]) ? names[0] : `*${dotted(0)}`;
  return `${common.join('/')}/**/${leaf}`;
}

/**
 * The labels of the file nodes, one per node and all different: merged
 * files whose pattern and count are the same as another node's are named
 * one by one in braces when that fits (`fx/{c.txt,sub/deep/a.txt} ×2`),
 * else numbered (`/tmp/cc*.o ×22 [2]`); so are single files whose
 * shortened labels meet.
 */
export function fileLabels(files: readonly VFile[], cwd: string): Map<VFile, string> {
  const first = new Map<VFile, string>();
  const count = new Map<string, number>();
  for (const vf of files) {
    const n = vf.merged?.length ?? 1;
    const label = vf.cache ? cacheLabel(vf, cwd) : n > 1 ? `${fileLabel(mergedPattern(vf.merged!), cwd)} ×${n}` : fileLabel(vf.file.path, cwd);
    first.set(vf, label);
    count.set(label, (count.get(label) ?? 0) + 1);
  }
  const out = new Map<VFile, string>();
  const used = new Set<string>();
  const seen = new Map<string, number>();
  for (const vf of files) {
    const label = first.get(vf)!;
    if (count.get(label) === 1) {
      out.set(vf, label);
      used.add(label);
    }
  }
  for (const vf of files) {
    const label = first.get(vf)!;
    if (count.get(label) === 1) continue;
    let named: string | undefined;
    if (vf.merged && vf.merged.length > 1) {
      const listed = `${fileLabel(listedPattern(vf.merged), cwd)} ×${vf.merged.length}`;
      if (!listed.includes('…') && !used.has(listed)) named = listed;
    }
    if (named === undefined) {
      let k = seen.get(label) ?? 0;
      do named = `${label} [${++k}]`;
      while (used.has(named));
      seen.set(label, k);
    }
    used.add(named);
    out.set(vf, named);
  }
  return out;
}

/**
 * What a cache group's node counts: the files that are not directories (a
 * cache's xx/ directories are not what the count is of), or all when none
 * is a file or the group is of directories (`target/**\/`, `deps/rustc*\/`).
 */
function cacheFiles(vf: VFile): readonly FileNode[] {
  if (vf.cache!.name.endsWith('*/')) return vf.merged!;
  const files = vf.merged!.filter((f) => !f.dir);
  return files.length ? files : vf.merged!;
}

/** A cache group's label: its directory or pattern and how many files, then what it is (`target/debug/.fingerprint/ ×45` / `Cargo's fingerprints`). */
function cacheLabel(vf: VFile, cwd: string): string {
  const name = vf.cache!.name;
  const shown = name.endsWith('/') ? `${fileLabel(name.slice(0, -1), cwd)}/` : fileLabel(name, cwd);
  return `${shown} ×${cacheFiles(vf).length}\n${vf.cache!.what}`;
}

/** Merged files named one by one: `dir/{a.txt,sub/b.txt}` under their common directory. */
function listedPattern(files: readonly FileNode[]): string {
  const paths = files.map((f) => f.path);
  let common = paths[0].slice(0, paths[0].lastIndexOf('/')).split('/');
  for (const p of paths) {
    const parts = p.slice(0, p.lastIndexOf('/')).split('/');
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  const dir = common.join('/');
  return `${dir}/{${[...new Set(paths.map((p) => p.slice(dir.length + 1)))].sort().join(',')}}`;
}

export interface DotOptions {
  /** What follows the making of a file another phase of the build made, as its tooltip names it (default: bt graph's --all-phases). */
  allPhases?: string;
}

/** The line under the name of a file whose making --focus did not follow, and the tooltip's words on it. */
function madeByText(f: FileNode, opts: DotOptions): { line: string; tip: string } | undefined {
  const m = f.madeBy;
  if (!m) return undefined;
  const cmd = shortCommand(m.proc, programName(m.proc));
  return m.why === 'phase'
    ? { line: `made earlier by ${cmd}`, tip: `made by an earlier phase of the build (not followed; ${opts.allPhases ?? '--all-phases'} follows it): ${shellJoin(m.proc.argv)}` }
    : { line: `made by ${cmd}`, tip: `made by ${shellJoin(m.proc.argv)} (beyond --depth: not followed)` };
}

function fileAttrs(vf: VFile, label: string, opts: DotOptions): Record<string, string | number | undefined> {
  const f = vf.file;
  const made = madeByText(f, opts);
  const members = vf.merged ?? [f];
  // a cache group's node is written when any of its files was, and gone when all are
  const written = members.some((m) => (m.uses & Use.WRITE) !== 0) || made !== undefined;
  const deleted = members.every((m) => m.gone);
  const n = members.length;
  const list = () => `${members.slice(0, 30).map((m) => m.path).join('\n')}${n > 30 ? '\n…' : ''}`;
  const files = vf.cache ? `${cacheTip(vf)}:\n${list()}` : n > 1 ? `${n} files:\n${list()}` : f.path;
  return {
    label: made ? `${label}\n${made.line}` : label,
    tooltip: made ? `${files}\n${made.tip}` : files,
    shape: f.dir || vf.cache?.name.endsWith('/') ? 'folder' : 'note',
    style: deleted ? 'filled,dashed' : 'filled',
    fillcolor: written ? '#e6f4ea' : '#fef7e0',
  };
}

/** What a cache group's node stands for, in its tooltip: `Go build cache /root/.cache/go-build/: 168 files and 256 directories (--unfold draws each)`. */
function cacheTip(vf: VFile): string {
  const files = vf.merged!.filter((m) => !m.dir).length;
  const dirs = vf.merged!.length - files;
  const what = [files ? plural(files, 'file') : '', dirs ? plural(dirs, 'directory', 'directories') : ''].filter(Boolean).join(' and ');
  return `${vf.cache!.what} ${vf.cache!.name}: ${what} (--unfold draws each)`;
}

function procAttrs(v: VProc): Record<string, string | number | undefined> {
  // red for the node's own processes only: failed subprocesses folded into it are a line of its label;
  // a failed probe's failure is none of the build's (model/failures.ts): grey and dashed, not red
  const isFailed = v.failedCount > 0;
  const self = failed(v.rep) && !v.rep.probe;
  // a box of failed probes only (merged ones included): grey and dashed
  const probe = v.probeCount > 0 && v.probeCount === v.count;
  return {
    label: procLabel(v),
    tooltip: procTooltip(v),
    shape: 'box',
    style: probe ? 'rounded,filled,dashed' : 'rounded,filled',
    fillcolor: self ? '#fce8e6' : probe ? '#f1f3f4' : '#e8f0fe',
    color: isFailed ? '#c5221f' : undefined,
    penwidth: isFailed ? 2.5 : undefined,
    fontcolor: self ? '#a50e0e' : undefined,
  };
}

/** A flow's label: the temporary's name, or what several share (`cc*.s ×3`). */
export function flowLabel(files: readonly FileNode[]): string {
  const name = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  return files.length === 1 ? name(files[0].path) : `${name(mergedPattern(files))} ×${files.length}`;
}

function flowAttrs(f: Flow): Record<string, string | number | undefined> {
  const paths = f.files.slice(0, 30).map((x) => x.path);
  const what = f.files.length === 1 ? 'a temporary' : `${f.files.length} temporaries`;
  return {
    style: 'dashed',
    color: '#e37400',
    label: flowLabel(f.files),
    fontcolor: '#5f6368',
    tooltip: `${f.from.program} wrote ${what} that ${f.to.program} read (--temporaries draws them):\n${paths.join('\n')}${f.files.length > paths.length ? '\n…' : ''}`,
  };
}

/** The graph's title line. */
export function graphTitle(view: GraphView): string {
  const h = view.model.header;
  const cmd = middle(shellJoin(h.command ?? []), 60);
  const notes: string[] = [];
  if (view.model.live) notes.push('the build so far: still being traced');
  else if (view.model.incomplete) notes.push('incomplete trace');
  if (view.model.lostEvents) notes.push(`${view.model.lostEvents} events lost`);
  if (view.collapsedFrom) notes.push(`collapsed by program: --collapse identical draws ${view.collapsedFrom} process boxes`);
  // what is drawn: boxes and file nodes, and the processes and files they stand for when --depth, --collapse or folding merged some
  const boxes = view.procs.length;
  const procs = view.procs.reduce((n, v) => n + v.members.length, 0);
  const nodes = view.files.length;
  const files = view.files.reduce((n, f) => n + (f.merged?.length ?? 1), 0);
  const drawnProcs = boxes === procs ? plural(procs, 'process', 'processes') : `${plural(boxes, 'process box', 'process boxes')} for ${procs} processes`;
  const drawnFiles = nodes === files ? plural(files, 'file') : `${plural(nodes, 'file node')} for ${files} files`;
  return `bt: ${cmd || '(build)'} — ${drawnProcs}, ${drawnFiles} shown${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

/** The DOT text of a view. */
export function toDot(view: GraphView, opts: DotOptions = {}): string {
  const cwd = view.model.header.cwd ?? '';
  const out: string[] = [];
  out.push('digraph build {');
  out.push(`  graph${attrs({ rankdir: 'LR', fontname: FONT, fontsize: 12, label: graphTitle(view), labelloc: 't', nodesep: 0.25, ranksep: 0.6 })};`);
  out.push(`  node${attrs({ fontname: FONT, fontsize: NODE_FONT_SIZE })};`);
  out.push(`  edge${attrs({ fontname: FONT, fontsize: 8, arrowsize: 0.7 })};`);
  out.push('  // processes');
  for (const v of view.procs) out.push(`  ${v.id}${attrs(procAttrs(v))};`);
  if (view.files.length) {
    out.push('  // files');
    const labels = fileLabels(view.files, cwd);
    for (const f of view.files) out.push(`  ${f.id}${attrs(fileAttrs(f, labels.get(f)!, opts))};`);
  }
  if (view.spawn.length) {
    out.push('  // spawned');
    for (const s of view.spawn) out.push(`  ${s.from.id} -> ${s.to.id}${attrs({ color: '#5f6368', penwidth: 1.2 })};`);
  }
  if (view.pipes.length) {
    out.push('  // pipes');
    for (const p of view.pipes) out.push(`  ${p.from.id} -> ${p.to.id}${attrs({ style: 'bold', color: '#9334e6', label: 'pipe', constraint: 'false' })};`);
  }
  if (view.flows.length) {
    out.push('  // hidden temporaries: writer -> reader');
    for (const f of view.flows) out.push(`  ${f.from.id} -> ${f.to.id}${attrs(flowAttrs(f))};`);
  }
  if (view.fileEdges.length) {
    out.push('  // file accesses');
    for (const e of view.fileEdges) {
      const [a, b, at] = edgeAttrs(e);
      out.push(`  ${a} -> ${b}${attrs(at)};`);
    }
  }
  if (view.links.length) {
    out.push('  // renames and links');
    for (const l of view.links) out.push(`  ${l.from.id} -> ${l.to.id}${attrs({ style: 'dashed', color: '#e37400', label: l.kind })};`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}


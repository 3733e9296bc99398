/**
 * The files of a build in the groups a build engineer asks about:
 *
 *   inputs         read (or run), never written by the build; split by where they are:
 *                  tree (under the build's start directory), system (/usr, /lib*, /etc,
 *                  /opt, …) and elsewhere (home directories, other trees: the unexpected)
 *   outputs        written, present at the end, and read by no other process of the build
 *                  (the products first: see productsFirst)
 *   intermediates  written, then read by another process or removed (objects, generated
 *                  headers, temporaries)
 *                  (by path, those in the tree first)
 *   probes         looked up and not found (failed open, exec, stat, …), per directory
 *
 * Runtime noise (/proc, /sys, /dev, shared libraries, the loader, locale
 * data; but not a library the build made) is left out unless `all` is set.
 * Directories are not grouped.
 */
import { compileGlob, defaultHidden, SYSTEM_PATHS } from '../graph/glob.js';
import { Kind, READS, WRITES } from '../model/kinds.js';
import type { Build, BuildFile } from '../model/index.js';
import { dirName } from '../normalize/paths.js';

export type Place = 'tree' | 'system' | 'elsewhere';

export interface FileGroups {
  inputs: Record<Place, number[]>;
  outputs: number[];
  intermediates: number[];
  /** Probed paths (file ids) that the build never found. */
  probes: number[];
}

const SYSTEM = [...SYSTEM_PATHS, '/opt'].map((g) => compileGlob(g, '/'));
const NOISE = defaultHidden();

/** True for runtime noise: /proc, /sys, /dev, shared libraries, the loader, locale data; of these only /proc, /sys, /dev and /run when the build wrote it (`written`). */
export function isNoise(path: string, written = false): boolean {
  return NOISE(path, written);
}

const noiseFlags = new WeakMap<Build, Uint8Array>();

/** Whether each file of a build (by id) is runtime noise (a library the build made is not); computed once per build. */
export function noiseOf(build: Build): Uint8Array {
  let flags = noiseFlags.get(build);
  if (!flags) {
    const files = build.model.files;
    flags = new Uint8Array(files.length);
    for (let i = 0; i < files.length; i++) flags[i] = isNoise(files[i].path, (files[i].kinds & WRITES) !== 0) ? 1 : 0;
    noiseFlags.set(build, flags);
  }
  return flags;
}

/** Where a path is, seen from a build that started in `startDir`. */
export function placeOf(path: string, startDir: string): Place {
  if (startDir && startDir !== '/' && (path === startDir || path.startsWith(`${startDir}/`))) return 'tree';
  for (const m of SYSTEM) if (m.test(path)) return 'system';
  return 'elsewhere';
}

/** A file read by some process other than the ones that wrote it. */
function readByOthers(f: BuildFile): boolean {
  let writers = 0;
  let readers = 0;
  for (const a of f.procs) {
    if (a.kinds & WRITES) writers++;
    else if (a.kinds & READS) readers++;
  }
  return writers > 0 && readers > 0;
}

/** Sorts file ids by path. */
function byPath(build: Build, ids: number[]): number[] {
  const files = build.model.files;
  return ids.sort((a, b) => (files[a].path < files[b].path ? -1 : files[a].path > files[b].path ? 1 : 0));
}

/** By path, the files in the tree first: a build's own objects before the compiler's temporaries and the caches elsewhere. */
function treeFirst(build: Build, ids: number[]): number[] {
  const start = build.startDir;
  const inTree = (id: number) => (placeOf(build.model.files[id].path, start) === 'tree' ? 0 : 1);
  const keys = new Map(ids.map((id) => [id, inTree(id)]));
  return byPath(build, ids).sort((a, b) => keys.get(a)! - keys.get(b)!);
}

/**
 * Outputs, the products first: the tree's before the others; then those
 * with no hidden component (a build system's state: cargo's .fingerprint,
 * .ninja_log) before those with one; then the shallowest first (the final
 * program and library sit near the top, a compiler's incremental cache
 * deep below); then by path.
 */
function productsFirst(build: Build, ids: number[]): number[] {
  const start = build.startDir;
  const files = build.model.files;
  const keys = new Map<number, number>();
  for (const id of ids) {
    const path = files[id].path;
    const tree = placeOf(path, start) === 'tree';
    const rel = tree ? path.slice(start.length + 1) : path.slice(1);
    const parts = rel.split('/');
    const hidden = parts.some((c) => c.startsWith('.'));
    keys.set(id, (tree ? 0 : 1 << 20) + (hidden ? 1 << 19 : 0) + Math.min(parts.length, (1 << 19) - 1));
  }
  return byPath(build, ids).sort((a, b) => keys.get(a)! - keys.get(b)!);
}

export function fileGroups(build: Build, opts: { all?: boolean } = {}): FileGroups {
  const g: FileGroups = { inputs: { tree: [], system: [], elsewhere: [] }, outputs: [], intermediates: [], probes: [] };
  const start = build.startDir;
  const noise = noiseOf(build);
  for (const f of build.model.files) {
    if (f.dir || f.kinds & Kind.DIR) continue;
    if (!opts.all && noise[f.id]) continue;
    const k = f.kinds;
    const written = (k & WRITES) !== 0;
    if (written) {
      if (f.removed || readByOthers(f)) g.intermediates.push(f.id);
      else g.outputs.push(f.id);
    } else if (k & READS) {
      g.inputs[placeOf(f.path, start)].push(f.id);
    } else if (k & Kind.PROBE && !(k & (Kind.STAT | Kind.LIST | Kind.DELETE))) {
      g.probes.push(f.id);
    }
  }
  for (const ids of [g.inputs.tree, g.inputs.system, g.inputs.elsewhere, g.probes]) byPath(build, ids);
  productsFirst(build, g.outputs);
  treeFirst(build, g.intermediates);
  return g;
}

/** Probed paths counted per directory, most first. */
export function probesByDir(build: Build, probes: readonly number[]): Array<{ dir: string; count: number }> {
  const counts = new Map<string, number>();
  for (const id of probes) {
    const d = dirName(build.model.files[id].path);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return [...counts].map(([dir, count]) => ({ dir, count })).sort((a, b) => b.count - a.count || (a.dir < b.dir ? -1 : 1));
}

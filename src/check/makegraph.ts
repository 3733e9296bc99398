/**
 * What a build system declares, as check's comparison asks it (Graph), and
 * the graph of a make database (makeGraph): targets, their prerequisites of
 * both kinds through explicit and pattern rules, the order between rules,
 * recipes and make's own files. src/check/ninjadb.ts makes ninja's.
 */
import fs from 'node:fs';
import { Kind, type Build } from '../model/index.js';
import { dirName, pathsUnder, relativeInside } from '../normalize/paths.js';
import { type MakeDb, type PatternRule } from './makedb.js';
import { OrderIndex } from './order.js';
import { automatic, type Automatic } from './recipes.js';

/** What a build system declares, seen from one job. */
export interface Graph {
  /** Is `path` a target of the graph? */
  isTarget(path: string): boolean;
  /** Every file `target` depends on, transitively (sources and targets). */
  dependsOn(target: string): Set<string>;
  /** Files made together with `target` (itself included). */
  madeWith(target: string): Set<string>;
  /** The targets under directory `dir` (a compiler's -I directory that was not there yet). */
  targetsIn(dir: string): string[];
  /** The targets with a recipe of their own (recipe() gives its lines), to find the one a job runs. */
  recipeTargets(): Iterable<string>;
  /** Files the build system itself reads and writes (makefiles, .d files, the ninja log). */
  own(path: string): boolean;
  /** The target is remade at every build (it depends on a phony or FORCE target): its inputs need no declaring. */
  always(target: string): boolean;
  /**
   * `target` is the build system's own manifest, which its generator remakes
   * (ninja's build.ninja: CMake, Meson, gn): what else that job writes is the
   * generator's bookkeeping (CMakeCache.txt, CMakeFiles/, cmake_install.cmake,
   * configure_file() output), no undeclared output.
   */
  manifest(target: string): boolean;
  /**
   * The build system reads the compiler's depfile of `target` itself before
   * the next build (CMake's Makefile generator consolidates `*.o.d` into
   * compiler_depend.make): what the depfile lists is declared.
   */
  readsDepfiles(target: string): boolean;
  /**
   * The graph orders `to` after the rule making `from`: `to` (or a target
   * made with it) depends on `from` or a file made with it through
   * prerequisites of any kind (normal and order-only), transitively.
   */
  ordered(from: string, to: string): boolean;
  /** The rule making `target`, when the build system names rules (ninja). */
  ruleOf(target: string): string | undefined;
  /** Where the recipe making `target` is written, when the build system says (make: the makefile and line). */
  recipeAt(target: string): { file: string; line: number } | undefined;
  /** The lines of the recipe making `target`, unexpanded, when each runs as a job of its own (make), with its automatic variables. */
  recipe(target: string): { lines: readonly string[]; auto: Automatic };
  /** The build system, for the report ("make", "ninja"). */
  system: string;
  /** The directory the build system's files name paths from (make's CURDIR, ninja's build directory). */
  dir: string;
  /** The tool that wrote the build system's files (CMake's build directory has CMakeCache.txt, Meson's meson-private/): fixes are said in its terms. */
  generator?: 'CMake' | 'Meson';
}

/** The generator of the build files in `dir`, if it left its mark there. */
export function generatorOf(dir: string): Graph['generator'] {
  if (fs.existsSync(`${dir}/CMakeCache.txt`)) return 'CMake';
  if (fs.existsSync(`${dir}/meson-private`)) return 'Meson';
  return undefined;
}

export function makeGraph(db: MakeDb, build: Build): Graph {
  const memo = new Map<string, Set<string>>();
  const exists = (p: string) => build.file(p) !== undefined;
  /**
   * Direct prerequisites, normal and order-only, with the pattern rules
   * make did not search for (targets it did not visit).
   */
  /** The pattern rules that apply to `rel` (a path relative to CURDIR): those whose prerequisites of both kinds are there or made, with where make finds them. */
  function* patternsFor(rel: string): Generator<{ rule: PatternRule; stem: string; files: string[][]; order: string[][] }> {
    for (const rule of db.patterns) {
      for (const pat of rule.targets) {
        const stem = matchPattern(pat, rel);
        if (stem === undefined) continue;
        const files = rule.prereqs.map((q) => db.resolve(q.replace('%', stem)));
        const order = rule.orderOnly.map((q) => db.resolve(q.replace('%', stem)));
        if ([...files, ...order].every((alts) => alts.some((f) => exists(f) || db.targets.has(f)))) yield { rule, stem, files, order };
      }
    }
  }
  const prereqs = (path: string): { normal: string[]; order: string[] } => {
    const t = db.targets.get(path);
    const normal = [...(t?.prereqs ?? [])];
    const orderOnly = [...(t?.orderOnly ?? [])];
    if (t?.hasRecipe || t?.implicitDone) return { normal, order: orderOnly };
    const rel = relativeInside(db.curdir, path);
    if (rel === undefined) return { normal, order: orderOnly };
    for (const { files, order } of patternsFor(rel)) {
      normal.push(...files.flat());
      orderOnly.push(...order.flat());
    }
    return { normal, order: orderOnly };
  };
  /**
   * Direct normal prerequisites. Order-only ones are left out: a newer one
   * does not remake the target, so it does not declare an input.
   */
  const direct = (path: string): string[] => prereqs(path).normal;
  const siblings = (t: string): string[] => db.targets.get(t)?.siblings ?? [];
  // a target is made after its prerequisites of both kinds, and after those of the targets made with it
  const order = new OrderIndex((n) => {
    const out: string[] = [];
    for (const t of [n, ...siblings(n)]) {
      const { normal, order: o } = prereqs(t);
      out.push(...normal, ...o);
    }
    return out;
  });
  const closure = (target: string): Set<string> => {
    const hit = memo.get(target);
    if (hit) return hit;
    const seen = new Set<string>();
    const stack = [target];
    while (stack.length) {
      const t = stack.pop()!;
      for (const q of direct(t)) {
        if (seen.has(q)) continue;
        seen.add(q);
        const m = memo.get(q);
        if (m) for (const x of m) seen.add(x);
        else stack.push(q);
      }
    }
    memo.set(target, seen);
    return seen;
  };
  return {
    isTarget: (p) => db.targets.get(p)?.hasRecipe === true || (db.targets.has(p) && (direct(p).length > 0 || db.targets.get(p)!.orderOnly.length > 0)),
    dependsOn: (t) => {
      const out = new Set(closure(t));
      for (const s of db.targets.get(t)?.siblings ?? []) for (const x of closure(s)) out.add(x);
      return out;
    },
    madeWith: (t) => new Set([t, ...siblings(t)]),
    targetsIn: pathsUnder(() => [...db.targets.keys()].filter((t) => db.targets.get(t)!.hasRecipe)),
    recipeTargets: () => [...db.targets.keys()].filter((t) => db.targets.get(t)!.recipe.length > 0),
    ordered: (from, to) => {
      const outputs = new Set([from, ...siblings(from)]);
      return order.after([...outputs].sort().join('\0'), outputs, [to]);
    },
    ruleOf: () => undefined,
    recipeAt: (t) => db.targets.get(t)?.recipeAt,
    manifest: () => false,
    recipe: (t) => {
      const e = db.targets.get(t);
      const rel = relativeInside(db.curdir, t) ?? t;
      if (e?.recipe.length) return { lines: e.recipe, auto: automatic(rel, e.stem, e.automatic) };
      // a target make did not visit after the build: the first pattern rule with a recipe that applies (as prereqs() finds them)
      for (const { rule, stem } of patternsFor(rel)) if (rule.recipe.length) return { lines: rule.recipe, auto: automatic(rel, stem) };
      return { lines: [], auto: automatic(rel) };
    },
    system: 'make',
    dir: db.curdir,
    generator: generatorOf(db.curdir),
    // the makefiles read, and CMake's own scripts and progress counters, which the lines of its generated recipes read and write
    own: (p) => db.makefiles.has(p) || (p.includes('/CMakeFiles/') && (p.endsWith('.cmake') || p.includes('/CMakeFiles/Progress/'))),
    readsDepfiles: (t) => {
      for (let d = dirName(t); d.length > 1 && d.startsWith(db.curdir); d = dirName(d)) {
        if (d.endsWith('.dir') && db.makefiles.has(`${d}/compiler_depend.make`)) return true;
      }
      return false;
    },
    always: (t) =>
      direct(t).some((q) => {
        if (db.phony.has(q)) return true;
        const e = db.targets.get(q);
        // FORCE: no prerequisites, no recipe, no file (make looks for it at every build: a probe is no file)
        const f = build.file(q);
        return !!e && !e.hasRecipe && !e.prereqs.length && (!f || (f.kinds & ~Kind.PROBE) === 0) && !fs.existsSync(q);
      }),
  };
}

/** The stem of `name` under pattern `pat` ("%.o", "main.o" -> "main"), undefined if it does not match. */
function matchPattern(pat: string, name: string): string | undefined {
  const i = pat.indexOf('%');
  if (i < 0) return pat === name ? '' : undefined;
  const pre = pat.slice(0, i);
  const suf = pat.slice(i + 1);
  if (name.length < pre.length + suf.length + 1 || !name.startsWith(pre) || !name.endsWith(suf)) return undefined;
  return name.slice(pre.length, name.length - suf.length);
}

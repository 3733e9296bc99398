/**
 * Who may read a side output before it is written. An undeclared output
 * does harm when make may skip its rule while something needs the file, or
 * when a reader may run before the rule writes it. A rule remade at every
 * build (FORCE, .PHONY) is never skipped, so what is left is the order:
 * its undeclared output is harmless when every job of the build that read
 * the file is ordered after the rule by the graph. Two jobs are compared
 * where their makes meet: the innermost driver above both (make, or a
 * make running sub-makes, kbuild's `modpost` then `vmlinux`), with the
 * targets its two jobs on the way down build there; the reader is ordered
 * when that make's graph makes its target after the writer's (a
 * prerequisite path of any kind). A reader under the same job of that make
 * ran in the same recipe, its own business. A job whose target bt cannot
 * find (a recipe it runs, or a target it wrote) is not ordered.
 */
import { READS, type Build, type BuildFile, type Job } from '../model/index.js';
import type { Graph } from './makegraph.js';
import type { RecipeChains } from './recipes.js';

/** A job that read a side output with nothing ordering it after the rule that wrote it, seen where their makes meet. */
export interface Unordered {
  /** The reading job and its first read. */
  job: number;
  proc: number;
  time: number;
  /** At the make where the two meet: the target the writer's side builds, and the reader's (undefined: not found). */
  graph: Graph;
  writer: string;
  reader?: string;
}

export class ReadOrder {
  private readonly targets = new Map<string, string | undefined>();

  constructor(
    private readonly build: Build,
    /** The graph of a driver process (by proc id), if it has one. */
    private readonly graphUnder: (driver: number) => Graph | undefined,
    private readonly chains: RecipeChains,
    /** The target the unit of a job (by its root) built, as compare() found it. */
    private readonly builtBy: (job: number) => string | undefined,
  ) {}

  /** The drivers above a process that have a graph, innermost first, each with its child on the way down (the root of that driver's job). */
  private drivers(proc: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let cur = this.build.process(proc); cur; ) {
      const parent = this.build.process(cur.parent);
      if (parent && this.graphUnder(parent.proc)) out.push([parent.proc, cur.proc]);
      cur = parent;
    }
    return out;
  }

  /** The target the job rooted at `root` builds in the graph of its driver: the one its unit built, else the first whose recipe it runs. */
  private targetOf(driver: number, root: number, g: Graph): string | undefined {
    const key = `${driver}\0${root}`;
    if (this.targets.has(key)) return this.targets.get(key);
    let t = this.builtBy(root);
    if (t === undefined) {
      for (const c of g.recipeTargets()) {
        const { lines, auto } = g.recipe(c);
        if (this.chains.runsLineOf({ proc: root }, lines, auto)) {
          t = c;
          break;
        }
      }
    }
    this.targets.set(key, t);
    return t;
  }

  /**
   * The first job outside `unit` (the jobs of the recipe that wrote `f`
   * building `target`) that read `f` and that the graph does not order after
   * it; undefined when every reader is.
   */
  unordered(f: BuildFile, unit: readonly Job[], target: string): Unordered | undefined {
    const mine = new Set(unit.map((j) => j.proc));
    const reads = new Map<number, { proc: number; time: number }>();
    for (const a of f.procs) {
      const job = this.build.process(a.proc)?.job;
      if (!job || mine.has(job) || !(a.kinds & READS)) continue;
      const had = reads.get(job);
      if (!had || a.first < had.time) reads.set(job, { proc: a.proc, time: a.first });
    }
    const up = this.drivers(unit[0].proc);
    for (const [job, { proc, time }] of [...reads].sort((a, b) => a[1].time - b[1].time)) {
      const theirs = this.drivers(job);
      const i = up.findIndex(([d]) => theirs.some(([e]) => e === d));
      if (i < 0) return { job, proc, time, graph: this.graphUnder(up[0][0])!, writer: target };
      const [driver, rootW] = up[i];
      const rootR = theirs.find(([e]) => e === driver)![1];
      if (rootW === rootR || (i === 0 && mine.has(rootR))) continue; // the same recipe
      const g = this.graphUnder(driver)!;
      const writer = i === 0 ? target : this.targetOf(driver, rootW, g);
      const reader = this.targetOf(driver, rootR, g);
      if (writer !== undefined && reader !== undefined && (g.madeWith(writer).has(reader) || g.ordered(writer, reader))) continue;
      return { job, proc, time, graph: g, writer: writer ?? target, reader };
    }
    return undefined;
  }
}

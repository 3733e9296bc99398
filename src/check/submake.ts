/**
 * Recursive make's classic staleness (`--make`): a rule whose recipe runs
 * a sub-make (`lib/libfoo.a:` then `$(MAKE) -C lib`) with no prerequisites
 * and not remade at every build (.PHONY, FORCE) runs the sub-make only
 * while its target is missing. The sub-make reads its sources and declares
 * them in its own makefile, so its own jobs compare clean; but from the top
 * a changed lib/foo.c never rebuilds lib/libfoo.a. Found per such target:
 * the job under a make that started another make, wrote a target of the
 * outer make's graph whose recipe it runs (the rule that started the
 * sub-make), read sources of the tree, and whose rule has no prerequisite
 * at all (the classic case), or, for a sub-make into a directory of its
 * own (`make -C lib`), does not depend on all it read there. A target of
 * another rule that some job under the sub-make wrote is not that rule's
 * staleness: automake's phony `all:` runs `$(MAKE) all-am` in the same
 * directory, whose compiles write the .deps/X.Plo that
 * `$(am__depfiles_remade):` (a rule with no prerequisites) also names.
 */
import { isDriver, Kind, READS, WRITES, type Build } from '../model/index.js';
import { subtree } from '../model/subtree.js';
import { relativeInside } from '../normalize/paths.js';
import { commandLine } from '../present/format.js';
import { jobRef, secondsSince, type FileUse, type Finding, type PathNamer } from './finding.js';
import { MAKES } from './makedb.js';
import { fixStaleSubMake } from './fix.js';
import type { Graph } from './makegraph.js';
import type { Noise } from './noise.js';
import { RecipeChains } from './recipes.js';

/** The findings for the processes started by a make whose graph `graphUnder` gives (by the make's proc id). */
export function staleSubMakes(build: Build, noise: Noise, graphUnder: (make: number) => Graph | undefined, show: PathNamer): Finding[] {
  const start = build.startDir || '/';
  const inTree = (p: string) => relativeInside(start, p) !== undefined && p !== start;
  const out: Finding[] = [];
  const chains = new RecipeChains(build);
  for (const child of build.model.processes) {
    // a recipe line of the outer make: the sub-make itself (make runs `$(MAKE) -C lib` without a shell) or a shell running it
    const g = graphUnder(child.parent);
    if (!g) continue;
    const procs = [...subtree(build, child.proc)];
    const sub = procs.find((p) => isDriver(p, MAKES));
    if (!sub) continue;
    // what the sub-build wrote that the outer graph makes, and what it read of the tree that nobody made
    const targets = new Map<string, number>();
    const sources = new Map<string, FileUse>();
    for (const p of procs) {
      const id = p.proc;
      // the sub-make's own reads (its makefile, included .d files) are the build system's
      const driver = isDriver(p, MAKES);
      for (const a of p.files.values()) {
        const f = build.model.files[a.file];
        if (f.dir || noise.file(f)) continue;
        if (a.kinds & WRITES && g.isTarget(f.path) && !targets.has(f.path)) targets.set(f.path, a.first);
        else if (!driver && a.kinds & READS && !(a.kinds & WRITES) && !(f.kinds & WRITES) && inTree(f.path) && !g.own(f.path) && !sources.has(f.path)) {
          sources.set(f.path, { path: f.path, access: [a.kinds & Kind.EXEC ? 'exec' : 'read'], time: secondsSince(build, a.first), proc: id });
        }
      }
    }
    const reads = [...sources.values()].sort((a, b) => a.time - b.time || (a.path < b.path ? -1 : 1));
    // a rule that lists some of the sources: only a sub-make into a directory of its own (make -C lib), and only what it
    // read there, is held to them; kbuild's `make -f Makefile syncconfig` declares its Kconfig inputs its own way
    // (where it ran its recipes: its first child's directory; make -C changes back to where it started when it ends)
    const subDir = build.process(sub.children[0] ?? 0)?.cwd ?? sub.cwd;
    const inSub = (p: string) => subDir !== g.dir && relativeInside(subDir, p) !== undefined;
    for (const [target] of [...targets].sort((a, b) => a[1] - b[1])) {
      if (g.always(target)) continue;
      // the sub-make ran for this target only if its rule's recipe is what started it
      const { lines, auto } = g.recipe(target);
      if (!chains.runsLineOf(child, lines, auto)) continue;
      const deps = g.dependsOn(target);
      const missing = reads.filter((u) => !deps.has(u.path) && (!deps.size || inSub(u.path)));
      if (!missing.length) continue;
      const names = missing.slice(0, 3).map((u) => show(u.path));
      const more = missing.length > names.length ? `, and ${missing.length - names.length} more` : '';
      const them = missing.length === 1 ? 'it' : 'them';
      const run = commandLine(sub.argv, 60);
      const t = show(target);
      out.push({
        kind: 'undeclared-input',
        file: missing[0].path,
        target,
        jobs: [jobRef(build, child.proc)],
        detail:
          `${build.jobs.get(child.proc) ? 'job' : 'process'} ${child.proc} built ${t} by running ${run}, which read ${names.join(', ')}${more}; ` +
          (deps.size
            ? `the rule for ${t} does not depend on ${them} and is not .PHONY: changing ${them} will not run ${run} again`
            : `the rule for ${t} has no prerequisites and is not .PHONY: once ${t} exists, changing ${them} will not run ${run} again`),
        fix: fixStaleSubMake(g, target, show),
        time: missing[0].time,
        uses: missing,
      });
    }
  }
  return out;
}

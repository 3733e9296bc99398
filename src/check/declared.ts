/**
 * Undeclared dependencies against the build system. For each job that
 * wrote a target T of the build system's graph:
 *
 *   undeclared-input   a file under the start directory it read that T
 *                      does not depend on (directly, through a pattern
 *                      rule, an included .d file, or through other
 *                      targets): changing it does not rebuild T. A target
 *                      remade at every build (it depends on a phony or
 *                      FORCE target) has no undeclared inputs.
 *   undeclared-output  a file under the start directory it wrote other
 *                      than T and T's siblings (targets of the same rule)
 *                      and the makefiles (.d files). The rule of a target
 *                      remade at every build is never skipped: its side
 *                      file is one only when a job that read it is not
 *                      ordered after the rule by the graph (src/check/
 *                      readers.ts; kbuild's FORCE'd modpost writing
 *                      .vmlinux.export.c for a later sub-make is fine).
 *   missing-dep        a file it read or ran that another job of the build
 *                      wrote (generated), where nothing in the graph orders
 *                      T after the rule that made it: no path of
 *                      prerequisites of any kind (make: normal and
 *                      order-only; ninja: explicit, implicit and
 *                      order-only, through phony edges) from T back to the
 *                      generated file's rule (ninja -t missingdeps, on what
 *                      the jobs really read). Dependencies ninja recorded
 *                      from depfiles declare an input but order nothing: a
 *                      clean build does not have them. An undeclared input
 *                      that is also a missing dep is reported once, as the
 *                      missing dep (it can break a clean -j build); a race
 *                      (read-write, used-before-produced) between the two
 *                      jobs on the file is this missing dep, reported as
 *                      such only (Declared.replaced). A target of the graph
 *                      the job looked for before another job made it counts
 *                      as read; so does one no job made, looked for by a job
 *                      that then failed. A job that failed before writing
 *                      its target builds the target its command names.
 *
 * The lines of a make recipe run as jobs of their own: they are joined
 * into one unit first (src/check/recipes.ts), so that a temporary file one
 * line writes and the next renames or removes is the recipe's own, and
 * what any line reads or writes counts for the recipe's target. A line
 * that writes a target of another rule whose recipe it does not run is
 * still its own recipe's (automake's `mv -f .deps/X.Tpo .deps/X.Plo`,
 * which `$(am__depfiles_remade):` also names); a target whose rule depends
 * on the recipe's target (CMake's `libfoo.so.1: libfoo.so.1.2.3`, which
 * only touches the symlink the library's recipe made) is made with it.
 *
 * A job that wrote several targets is a line of the recipe it runs: its
 * target is one whose recipe has its line (lemon writing fts5parse.c and
 * fts5parse.h runs the recipe of fts5parse.c; the empty rule `fts5parse.h:
 * fts5parse.c` has none to run). A job is never the recipe of an empty
 * rule (`%.d: ;`): one that wrote only such targets is a line of another
 * recipe (gyp's `sed … x.o.d.raw >> x.o.d`, a line its `do_cmd` recipe of
 * x.o expands to), or of none bt can tell. More than a few undeclared inputs (or
 * outputs) of one recipe are one finding, the recipe's own tools apart
 * (src/check/grouped.ts).
 *
 * A file that only the jobs of the target's declared prerequisites wrote
 * (libtool's .libs/X.o beside X.lo) is declared with them; libtool's side
 * files are their target's, and its script, read by every recipe, is one
 * finding for the build (src/check/libtool.ts).
 *
 * make: src/check/makedb.ts asks make itself (make -pnq), once per make
 * process of the build (recursive makes each have their own database).
 * ninja: src/check/ninjadb.ts.
 *
 * missing-dep with make compares two jobs of the same database only (the
 * order between two recursive makes is in their parent's targets, which
 * bt does not map to the sub-makes), and make's database after the build
 * holds the prerequisites of the .d files the build wrote and included,
 * which a clean build did not have: a generated header reached only
 * through such a .d file looks ordered.
 *
 * A file already reported as a race for the same job is not reported
 * again as an undeclared output or input (a file another job wrote over
 * is the job's input: src/model/jobs.ts). A race a missing-dep replaces is
 * not reported, so the undeclared output it would have hidden is: the
 * findings of a makefile do not depend on whether its jobs overlapped.
 *
 * ninja: only the jobs a ninja running in DIR started are compared with
 * DIR's graph (ninjasIn); what the manifest's generator writes besides
 * build.ninja is its own (Graph.manifest). A build where those jobs only
 * regenerated the manifest (meson, a driver, writing build.ninja under
 * ninja's sh -c) compared nothing, and the note says that is all it did
 * (onlyGenerator), not that DIR may be wrong.
 */
import { CheckError } from '../errors.js';
import { readSmallFile } from '../log/io.js';
import { failed, isDriver, Kind, programsOf, READS, WRITES, type Build, type BuildFile, type Job, type Process } from '../model/index.js';
import { isPseudoPath, normalizeAbs, relativeInside } from '../normalize/paths.js';
import { fixMissingDep, fixUndeclaredInput, fixUndeclaredOutput } from './fix.js';
import { exitText, pathShower } from '../present/format.js';
import { compiled, jobOf, jobRef, secondsSince, type FileUse, type Finding, type JobRef, type PathNamer } from './finding.js';
import { makeDatabases, MAKES, removedByBuild } from './makedb.js';
import { makeGraph, type Graph } from './makegraph.js';
import { ReadOrder } from './readers.js';
import { RecipeChains, shellScript } from './recipes.js';
import { staleSubMakes } from './submake.js';
import { libtoolSide, oneForScript, ranLibtool } from './libtool.js';
import { groupHeaders, groupMany, recipeTools, type RecipeWords } from './grouped.js';
import { ninjaGraph, ninjasIn, onlyGenerator } from './ninjadb.js';
import { type Noise } from './noise.js';

export interface Declared {
  findings: Finding[];
  notes: string[];
  /** Races (of `found`) that a missing-dep finding explains: reported as that missing-dep only. */
  replaced: Set<Finding>;
}

/** Against make: one database per make process that started jobs. Sentences name files by `show`. */
export async function declaredMake(build: Build, noise: Noise, found: readonly Finding[], show: PathNamer = pathShower(build.startDir)): Promise<Declared> {
  const keyOf = new Map<number, string>();
  const first = new Map<string, Process>();
  /** Makes that cannot be asked again by the build's own doing (configure's and CMake's tests): one note for all. */
  let removed = 0;
  for (const p of build.model.processes) {
    if (!isDriver(p, MAKES)) continue;
    if (removedByBuild(build, p)) {
      removed++;
      continue;
    }
    const key = JSON.stringify([p.exe, p.cwd, p.argv, p.env.find((e) => e.startsWith('MAKEFLAGS='))]);
    keyOf.set(p.proc, key);
    if (!first.has(key)) first.set(key, p);
  }
  const skipped = removed
    ? [`${removed} make${removed === 1 ? '' : 's'} of the build ran in a directory or on a makefile that the build removed, or read ${removed === 1 ? 'its makefile' : 'their makefiles'} from standard input (configure's and CMake's tests): ${removed === 1 ? 'its' : 'their'} jobs were not compared`]
    : [];
  if (!first.size && removed) return { findings: [], notes: [...skipped, 'no other make ran: nothing was compared with a make graph'], replaced: new Set() };
  if (!first.size) throw new CheckError('E_BAD_INPUT', '--make: the build ran no make, so there is no make graph to compare with (--ninja DIR for a ninja build)');
  const dbs = await makeDatabases([...first.values()]);
  const failed = dbs.filter((d): d is CheckError => d instanceof CheckError);
  // One make without a database leaves its jobs out (a note); none at all is an error.
  if (failed.length && failed.length === dbs.length) throw failed[0];
  const byKey = new Map<string, Graph>();
  [...first.keys()].forEach((k, i) => {
    const d = dbs[i];
    if (!(d instanceof CheckError)) byKey.set(k, makeGraph(d, build));
  });
  const graphs = new Map<number, Graph>();
  for (const [proc, key] of keyOf) {
    const g = byKey.get(key);
    if (g) graphs.set(proc, g);
  }
  // two makes of one directory (CMake's `make -f Makefile` and the `make -f build.make` under it) fail alike: one note
  const notes = [...skipped, ...new Set(failed.map((e) => `${e.message}; the jobs of that make were not compared`))];
  const d = compare(build, noise, found, (make) => graphs.get(make), show);
  if (!d.compared) notes.push('no job of the build wrote or named a target of the make graph: nothing was compared with it');
  const findings = [...d.findings, ...staleSubMakes(build, noise, (make) => graphs.get(make), show)];
  return { findings, notes, replaced: d.replaced };
}

/** Against ninja: the graph of the build directory DIR, for the jobs a ninja running there started. Sentences name files by `show`. */
export function declaredNinja(build: Build, noise: Noise, found: readonly Finding[], dir: string, show: PathNamer = pathShower(build.startDir)): Declared {
  const g = ninjaGraph(dir);
  const ninjas = ninjasIn(build, dir);
  const d = compare(build, noise, found, (driver) => (ninjas.has(driver) ? g : undefined), show);
  const generator = d.compared || !ninjas.size ? undefined : onlyGenerator(build, ninjas, g.dir);
  const notes = d.compared
    ? []
    : generator !== undefined
      ? [`only the generator ran (${generator}): no build edge to compare with the ninja graph in ${dir}`]
      : ninjas.size
        ? [`no job of the build wrote or named a target of the ninja graph in ${dir}: nothing was compared with it (is it the build directory of the traced build?)`]
        : [`no ninja of the build ran in ${dir} (ninja -C ${dir}): nothing was compared with its graph (is it the build directory of the traced build?)`];
  return { findings: d.findings, notes, replaced: d.replaced };
}

/**
 * The prerequisites a compiler depfile lists (make syntax: `target: dep dep \\`;
 * rustc's dep-info too, whose `# env-dep:` lines are comments), absolute;
 * undefined if unreadable.
 */
export function readDepfile(path: string, cwd: string): string[] | undefined {
  const text = readSmallFile(path);
  if (text === undefined) return undefined;
  const out: string[] = [];
  for (const rule of text.replace(/\\\n/g, ' ').split('\n')) {
    if (rule.startsWith('#')) continue;
    const i = rule.search(/:(\s|$)/);
    if (i < 0) continue;
    for (const w of rule.slice(i + 1).trim().split(/(?<!\\)\s+/)) {
      if (!w) continue;
      const name = w.replace(/\\ /g, ' ');
      out.push(name.startsWith('/') ? normalizeAbs(name) : normalizeAbs(`${cwd}/${name}`));
    }
  }
  return out;
}

/** How a failed job ended: "exit 1", "signal 9". */
function exitOf(build: Build, proc: number): string {
  const p = build.process(proc);
  return p ? exitText(p.exitCode, p.signal) : 'unknown';
}

/**
 * The files the jobs looked for (not found) before the build made them
 * (`unmade`: or that it never made, only looked for): file id -> [time,
 * process, 'looked for'].
 */
function probedBeforeMade(build: Build, jobs: readonly Job[], unmade: boolean): Map<number, [number, number, 'looked for']> {
  const out = new Map<number, [number, number, 'looked for']>();
  for (const job of jobs) {
    for (const id of job.procs) {
      for (const a of build.process(id)!.files.values()) {
        if (!(a.kinds & Kind.PROBE)) continue;
        if (!(a.first < build.jobs.bornAt(a.file)) && !(unmade && (build.model.files[a.file].kinds & ~Kind.PROBE) === 0)) continue;
        const had = out.get(a.file);
        if (!had || a.first < had[0]) out.set(a.file, [a.first, id, 'looked for']);
      }
    }
  }
  return out;
}

/** How a job first used an input: read it, ran it, or moved it (kinds.ts READS). */
type Used = 'read' | 'ran' | 'moved';

/**
 * The files the jobs of one unit (a recipe's lines) wrote (first write
 * time), and read (ran, moved) before writing (first read time, by whom,
 * how): a file one line wrote and a later line read is the unit's own.
 */
function unitFiles(build: Build, jobs: readonly Job[]): { wrote: Map<number, number>; writer: Map<number, number>; read: Map<number, [number, number, Used]> } {
  const { wrote, writer } = unitWrites(build, jobs);
  const read = new Map<number, [number, number, Used]>();
  for (const job of jobs) {
    for (const f of job.inputs) {
      let first = Infinity;
      let by = job.proc;
      let how: Used = 'read';
      for (const id of job.procs) {
        const a = build.process(id)!.files.get(f);
        if (a && a.kinds & READS && a.first < first) {
          first = a.first;
          by = id;
          how = a.kinds & Kind.READ ? 'read' : a.kinds & Kind.EXEC ? 'ran' : 'moved';
        }
      }
      const w = wrote.get(f);
      if (w !== undefined && w < first) continue; // an earlier line made it
      const had = read.get(f);
      if (!had || first < had[0]) read.set(f, [first, by, how]);
    }
  }
  return { wrote, writer, read };
}

/** The files the jobs wrote: first write time, and the process that wrote first. */
function unitWrites(build: Build, jobs: readonly Job[]): { wrote: Map<number, number>; writer: Map<number, number> } {
  const wrote = new Map<number, number>();
  const writer = new Map<number, number>();
  for (const job of jobs) {
    for (const id of job.procs) {
      for (const a of build.process(id)!.files.values()) {
        if (a.firstWrite >= 0 && a.kinds & WRITES) {
          const w = wrote.get(a.file);
          if (w === undefined || a.firstWrite < w) {
            wrote.set(a.file, a.firstWrite);
            writer.set(a.file, id);
          }
        }
      }
    }
  }
  return { wrote, writer };
}

/** The units (by the job that wrote their target) that wrote the file, other than `self`, with when and by which process first. */
function writingUnits(build: Build, f: BuildFile, unitOf: ReadonlyMap<number, number>, self: number): Map<number, { at: number; proc: number }> {
  const out = new Map<number, { at: number; proc: number }>();
  for (const a of f.procs) {
    const pj = build.process(a.proc)?.job;
    const j = pj === undefined ? undefined : unitOf.get(pj) ?? pj;
    if (!j || j === self || a.firstWrite < 0 || !(a.kinds & WRITES)) continue;
    const w = out.get(j);
    if (!w || a.firstWrite < w.at) out.set(j, { at: a.firstWrite, proc: a.proc });
  }
  return out;
}

/** What one job (or the jobs of one recipe's lines) built, as the graph sees it. */
interface Built {
  /** The job that wrote the target. */
  job: Job;
  /** Every job of the recipe, in order (the job alone, or the lines of a make recipe: src/check/recipes.ts). */
  unit: Job[];
  g: Graph;
  /** The target it built (the one its command line names, else the last one it wrote). */
  target: string;
  /** The targets made with it. */
  made: Set<string>;
  wrote: Map<number, number>;
  /** File id -> the process that wrote it first. */
  writer: Map<number, number>;
  read: Map<number, [number, number, Used]>;
  /** The unit wrote no target: its target is the one its command line names (a compile that failed). Only missing-deps are looked for. */
  named?: boolean;
}

/** `target`'s rule has a recipe that is empty (`%.d: ;`): make says where it is, and it has no line to run. */
function emptyRule(g: Graph, target: string): boolean {
  return g.recipeAt(target) !== undefined && g.recipe(target).lines.length === 0;
}

/**
 * Of the targets a job wrote (its command names none), the one its driver
 * looked at last before starting it (make stats a target, finds it out of
 * date, starts its recipe): `gen.c gen.h: gen.spec` is two rules running
 * the same command; undefined when the driver looked at none.
 */
function lookedAtLast(build: Build, job: Job, targets: readonly BuildFile[]): BuildFile | undefined {
  const driver = build.process(build.process(job.proc)?.parent ?? 0);
  if (!driver || targets.length < 2) return undefined;
  let best: BuildFile | undefined;
  let at = -Infinity;
  for (const t of targets) {
    const a = driver.files.get(t.id);
    if (a && a.first <= job.start && a.first > at) {
      at = a.first;
      best = t;
    }
  }
  return best;
}

/**
 * The target a job's command line names (`cc -c -o main.o main.c`: the word
 * after -o, else the last word that is a target), for a job that wrote none
 * (it failed before): undefined if it names none.
 */
function namedTarget(build: Build, job: Job, g: Graph): string | undefined {
  const p = build.process(job.proc)!;
  // every program it exec'd: a shell's line that exec'd its last command names the target in the line
  const words = programsOf(p)
    .flatMap(({ argv }) => shellScript(argv)?.split(/[\s;&|<>()'"]+/) ?? argv)
    .filter(Boolean);
  const abs = (w: string) => normalizeAbs(w.startsWith('/') ? w : `${p.cwd}/${w}`);
  const o = words.findIndex((w, i) => w === '-o' && i + 1 < words.length && g.isTarget(abs(words[i + 1])));
  if (o >= 0) return abs(words[o + 1]);
  const named = words.map(abs).filter((w) => g.isTarget(w));
  return named.at(-1);
}

/** The findings, how many jobs built (or were to build) a target of the graph (0: nothing was compared), and the races missing-deps explain. */
function compare(
  build: Build,
  noise: Noise,
  found: readonly Finding[],
  graphUnder: (driver: number) => Graph | undefined,
  show: PathNamer,
): { findings: Finding[]; compared: number; replaced: Set<Finding> } {
  const graphOf = (job: Job) => graphUnder(build.process(job.proc)?.parent ?? 0);
  const start = build.startDir || '/';
  const inTree = (p: string) => relativeInside(start, p) !== undefined && p !== start;
  /** Job and file -> the races on it (a race a missing-dep replaces is no longer reported: the undeclared output is, as without the race). */
  const raced = new Map<string, Finding[]>();
  // a file the job made and another job wrote over is the job's input (src/model/jobs.ts): the write-write race names it
  const overwritten = new Set<string>();
  for (const f of found) {
    if (f.kind === 'hermeticity') continue;
    for (const j of f.jobs) {
      const key = `${j.proc}\0${f.file}`;
      raced.set(key, [...(raced.get(key) ?? []), f]);
      if (f.kind === 'write-write') overwritten.add(`${j.proc}\0${f.file}`);
    }
  }
  const chains = new RecipeChains(build);
  /** Whether the job runs a line of the recipe that makes `target` (a rule with no recipe, `y.tab.h: y.tab.c`, has none). */
  const runsRecipeOf = (job: Job, g: Graph, target: string) => {
    const { lines, auto } = g.recipe(target);
    return chains.runsLineOf(job, lines, auto);
  };
  // the jobs that wrote a target, each with its target
  const anchors: Array<{ job: Job; g: Graph; target: string }> = [];
  for (const job of build.jobs.jobs) {
    const g = graphOf(job);
    if (!g) continue;
    const { wrote } = unitWrites(build, [job]);
    // a job is a line of the recipe it runs, and an empty rule (`%.d: ;`, `y.tab.h: y.tab.c ;`) has none: a job that
    // wrote only such targets is a line of another recipe (gyp's `sed … x.o.d.raw >> x.o.d`, a line of x.o's `do_cmd`)
    const written = [...wrote.keys()].map((id) => build.model.files[id]).filter((f) => !f.dir && g.isTarget(f.path) && !emptyRule(g, f.path));
    if (!written.length) continue;
    // of the targets it wrote, those whose recipe has its line (lemon writing fts5parse.c and fts5parse.h runs the
    // recipe of fts5parse.c, not the rule without one `fts5parse.h: fts5parse.c`)
    const running = written.length > 1 ? written.filter((t) => runsRecipeOf(job, g, t.path)) : [];
    const targets = running.length ? running : written;
    // The job's target: the one its command line names, else the last one it wrote.
    const argv = chains.commands(job).join('\n');
    targets.sort((a, b) => wrote.get(a.id)! - wrote.get(b.id)!);
    const named = targets.filter((t) => argv.includes(relativeInside(build.process(job.proc)!.cwd, t.path) ?? t.path));
    // of several, the one its driver looked at last before starting it, else the first named, else the last written
    const pool = named.length ? named : targets;
    anchors.push({ job, g, target: (lookedAtLast(build, job, pool) ?? (named.length ? named[0] : targets[targets.length - 1])).path });
  }
  // each joined with the other lines of its recipe: a line that made another target stays a unit of its own, unless it
  // runs no line of that target's recipe (a stray): then it is a line of another recipe (automake's `mv .deps/X.Tpo
  // .deps/X.Plo`, CMake's cmake_symlink_library), free to join it; strays become units of their own last
  const targetOf = new Map(anchors.map((a) => [a.job.proc, a.target]));
  const runsOwn = ({ job, g, target }: (typeof anchors)[number]) => runsRecipeOf(job, g, target);
  const stray = new Set(anchors.filter((a) => !runsOwn(a)).map((a) => a.job.proc));
  /** Job -> the job that wrote the target of its recipe. */
  const unitOf = new Map<number, number>();
  const built = new Map<number, Built>();
  for (const { job, g, target } of [...anchors.filter((a) => !stray.has(a.job.proc)), ...anchors.filter((a) => stray.has(a.job.proc))]) {
    if (unitOf.has(job.proc)) continue;
    const withTarget = g.madeWith(target);
    const free = (j: Job) => !unitOf.has(j.proc) && (!targetOf.has(j.proc) || stray.has(j.proc) || withTarget.has(targetOf.get(j.proc)!)) && graphOf(j) === g;
    const { lines, auto } = g.recipe(target);
    const unit = chains.unit(job, lines, auto, free);
    for (const j of unit) unitOf.set(j.proc, job.proc);
    const { wrote, writer, read } = unitFiles(build, unit);
    const made = new Set<string>(withTarget);
    for (const id of wrote.keys()) {
      const p = build.model.files[id].path;
      // a sibling's own siblings too (make's "Also makes" lists need not agree both ways)
      if (withTarget.has(p) && g.isTarget(p)) for (const s of g.madeWith(p)) made.add(s);
    }
    built.set(job.proc, { job, unit, g, target, made, wrote, writer, read });
  }
  // a job that failed before it wrote its target: the target its command line names, for missing-deps
  for (const job of build.jobs.jobs) {
    const g = graphOf(job);
    if (!g || unitOf.has(job.proc) || !failed(build.process(job.proc)!)) continue;
    const target = namedTarget(build, job, g);
    if (target === undefined) continue;
    unitOf.set(job.proc, job.proc);
    const { wrote, writer, read } = unitFiles(build, [job]);
    built.set(job.proc, { job, unit: [job], g, target, made: g.madeWith(target), wrote, writer, read, named: true });
  }
  const readOrder = new ReadOrder(build, graphUnder, chains, (j) => built.get(unitOf.get(j) ?? 0)?.target);
  /** Races by file, for the missing-deps that explain them. */
  const racesOf = new Map<string, Finding[]>();
  for (const f of found) if (f.pair && f.kind !== 'write-write') racesOf.set(f.file, [...(racesOf.get(f.file) ?? []), f]);
  const replaced = new Set<Finding>();

  const findings: Finding[] = [];
  /** Undeclared outputs a race of the job also reports, each with those races: kept only if missing-deps replace them all. */
  const heldBack: Array<[Finding, Finding[]]> = [];
  /** What a finding joining many of a recipe's files says of the recipe, by the job that wrote its target. */
  const words = new Map<number, RecipeWords>();
  for (const { job, unit, g, target, made, wrote, writer, read, named } of built.values()) {
    const always = g.always(target) || !!named;
    const deps = g.dependsOn(target);
    for (const s of made) for (const x of g.dependsOn(s)) deps.add(x);
    const depfiles = new Set<string>();
    if (g.readsDepfiles(target)) {
      const cwd = build.process(job.proc)!.cwd;
      for (const id of wrote.keys()) {
        const f = build.model.files[id];
        if (!f.path.endsWith('.d') || f.removed) continue;
        depfiles.add(f.path);
        for (const d of readDepfile(f.path, cwd) ?? []) deps.add(d);
      }
    }
    const ref = jobRef(build, job.proc);
    // what the job did to its target: a job that failed did not build it, though it may have written it (`cat x > t`)
    const root = build.process(job.proc);
    const building = (tname: string) => (named || (root && failed(root)) ? `failed building ${tname} (${exitOf(build, job.proc)})` : `built ${tname}`);
    // the job, and the line of its recipe that used the file when that is another job
    const withLine = (r: JobRef, proc: number): JobRef[] => {
      const line = build.process(proc)?.job;
      return line && line !== r.proc ? [r, jobRef(build, line)] : [r];
    };
    const tname = show(target);
    const inUnit = (set: ReadonlySet<string>, path: string) => unit.some((j) => set.has(`${j.proc}\0${path}`));
    // who built it: the job, or the jobs that ran the lines of its recipe
    const who = unit.length === 1 ? `job ${job.proc}` : `jobs ${unit.map((j) => j.proc).join(', ')} (the ${unit.length} lines of its recipe)`;
    /** Undeclared inputs: file id -> its finding's index (a missing-dep on the same file takes its place). */
    const undeclared = new Map<number, number>();
    // a file only the jobs of declared prerequisites wrote (libtool's .libs/api.o beside api.lo) changes only with them
    const byPrerequisites = (f: BuildFile) => {
      const units = [...writingUnits(build, f, unitOf, job.proc).keys()];
      return units.length > 0 && units.every((u) => [...(built.get(u)?.made ?? [])].some((t) => deps.has(t)));
    };
    const libtool = ranLibtool(build, unit);
    words.set(job.proc, { built: `${who} ${building(tname)}`, g, tools: recipeTools(build, unit) });

    for (const [id, [ts, by, how]] of always ? [] : read) {
      const f = build.model.files[id];
      if (f.dir || !inTree(f.path) || made.has(f.path) || deps.has(f.path) || g.own(f.path) || noise.file(f)) continue;
      if (inUnit(overwritten, f.path)) continue; // another job wrote over it: the race says so
      if (byPrerequisites(f)) continue;
      undeclared.set(id, findings.length);
      const name = show(f.path);
      findings.push({
        kind: 'undeclared-input',
        file: f.path,
        target,
        jobs: withLine(ref, by),
        detail: `${who} ${building(tname)} and ${how} ${name}, which ${tname} does not depend on: changing ${name} will not rebuild ${tname}`,
        fix: fixUndeclaredInput(g, target, f.path, show, compiled(build, by)),
        time: secondsSince(build, ts),
        uses: [{ path: f.path, access: [how === 'read' ? 'read' : how === 'ran' ? 'exec' : 'rename_from'], time: secondsSince(build, ts), proc: by }],
      });
    }
    // a target of a rule that depends on this one, written here: make's side-output idiom (`y.tab.h: y.tab.c ;`, CMake's
    // `libfoo.so.1: libfoo.so.1.2.3` touching the symlink the library's recipe made) declares it made with it
    const follows = (p: string) => g.isTarget(p) && [...made].some((t) => g.dependsOn(p).has(t));
    // the manifest's generator (CMake regenerating build.ninja) writes its own bookkeeping besides
    for (const [id, ts] of named || g.manifest(target) ? [] : wrote) {
      const f = build.model.files[id];
      if (f.dir || f.removed || !inTree(f.path) || made.has(f.path) || depfiles.has(f.path) || g.own(f.path) || noise.file(f)) continue;
      if (follows(f.path) || (libtool && libtoolSide(target, f.path))) continue;
      // a rule remade at every build is never skipped: its side output is harmless if whatever read it waited for the rule
      const late = always ? readOrder.unordered(f, unit, target) : undefined;
      if (always && !late) continue;
      const races = unit.flatMap((j) => raced.get(`${j.proc}\0${f.path}`) ?? []);
      const name = show(f.path);
      const write: FileUse = { path: f.path, access: ['write'], time: secondsSince(build, ts), proc: writer.get(id) ?? job.proc };
      const read: FileUse | undefined = late && { path: f.path, access: ['read'], time: secondsSince(build, late.time), proc: late.proc };
      const finding: Finding = {
        kind: 'undeclared-output',
        file: f.path,
        target,
        jobs: late ? [...withLine(ref, write.proc), jobRef(build, late.job)] : withLine(ref, write.proc),
        detail:
          `${who} ${building(tname)} and also wrote ${name}, which no rule for ${tname} declares: ` +
          (late
            ? `${tname} is remade at every build, but job ${late.job} read ${name}${late.reader ? ` building ${show(late.reader)}` : ''} and nothing in the ${late.graph.system} graph orders ` +
              `${late.reader ? show(late.reader) : 'it'} after ${show(late.writer)}: with -j it may read ${name} before or while it is written`
            : 'nothing else may use it safely'),
        fix: fixUndeclaredOutput(g, target, f.path, show),
        time: Math.min(write.time, read?.time ?? Infinity),
        uses: read ? [write, read].sort((a, b) => a.time - b.time) : [write],
      };
      if (races.length) heldBack.push([finding, races]);
      else findings.push(finding);
    }
    // missing-dep: a file another job generated, read or run here (or looked for before it was made), with no path in the graph from its rule to this target
    const uses = new Map<number, [number, number, Used | 'looked for']>(read);
    /** Directories looked for and not there (a compiler's -I gen before gen/ was made): dir -> the targets under it. */
    const dirs = new Map<number, string[]>();
    for (const [id, at] of probedBeforeMade(build, unit, !!named)) {
      if (uses.has(id)) continue;
      const p = build.model.files[id].path;
      if (g.isTarget(p)) uses.set(id, at);
      else if (named && !isPseudoPath(p)) {
        const under = g.targetsIn(p);
        if (under.length) {
          dirs.set(id, under);
          uses.set(id, at);
        }
      }
    }
    for (const [id, [ts, by, used]] of uses) {
      const f = build.model.files[id];
      if ((f.dir && !dirs.has(id)) || made.has(f.path) || g.own(f.path) || isPseudoPath(f.path) || noise.file(f)) continue;
      const gens = writingUnits(build, f, unitOf, job.proc);
      // a target of the graph (or a directory of targets) no job had made, looked for by a job that then failed (ninja -j1 stopped before the generator ran)
      const under = dirs.get(id);
      if (under || (!gens.size && used === 'looked for' && (f.kinds & ~Kind.PROBE) === 0)) {
        const paths = g.system === 'ninja' ? 'explicit, implicit or order-only' : 'normal or order-only prerequisite';
        const use: FileUse = { path: f.path, access: ['probe'], time: secondsSince(build, ts), proc: by };
        for (const t of under ?? [f.path]) {
          if (g.madeWith(target).has(t) || g.ordered(t, target)) continue;
          const born = build.file(t);
          if (born && (born.kinds & ~Kind.PROBE) !== 0 && build.jobs.bornAt(born.id) <= ts) continue; // it was there
          const name = show(t);
          const rule = g.ruleOf(t);
          const what = under ? `the directory ${show(f.path)}, where the ${g.system} graph makes ${name}${rule ? ` (rule ${rule})` : ''}, before any job made it` : `${name}, a target of the ${g.system} graph${rule ? ` (rule ${rule})` : ''} that no job had made`;
          findings.push({
            kind: 'missing-dep',
            file: t,
            target,
            jobs: [ref],
            detail: `${who} failed building ${tname} (${exitOf(build, job.proc)}) and looked for ${what}, but nothing in the ${g.system} graph orders ${tname} after ${name} (no ${paths} dependency path): the build did not wait for it`,
            fix: fixMissingDep(g, target, t, show, { directory: !!under }),
            time: use.time,
            uses: [use],
          });
        }
        continue;
      }
      for (const [gj, w] of gens) {
        const other = built.get(gj);
        // the generating rule: the one the graph makes the file with, else the target its job built (an undeclared output)
        if (!other || other.g !== g || !(g.isTarget(f.path) || inTree(f.path))) continue;
        const from = g.isTarget(f.path) ? f.path : other.target;
        // ordered after the rule whose job wrote it is enough, whatever other rule names the file (libtool's .libs/X.o of
        // X.lo, which sqlite's `.libs/sqlite3.o: sqlite3.lo` names, as the built-in `%.o: %.c` names X.o)
        if (g.madeWith(target).has(from) || g.ordered(from, target) || g.ordered(other.target, target)) continue;
        const name = show(f.path);
        const rule = g.ruleOf(from);
        const how = used === 'ran' ? 'ran' : used === 'looked for' ? 'looked for' : 'read';
        const use: FileUse = { path: f.path, access: used === 'ran' ? ['exec'] : used === 'looked for' ? ['probe'] : ['read'], time: secondsSince(build, ts), proc: by };
        const gen: FileUse = { path: f.path, access: ['write'], time: secondsSince(build, w.at), proc: w.proc };
        const making = [from === f.path ? '' : `building ${show(from)}`, rule ? `rule ${rule}` : ''].filter(Boolean).join(', ');
        const paths = g.system === 'ninja' ? 'explicit, implicit or order-only' : 'normal or order-only prerequisite';
        // an undeclared input another job generated, unordered: the missing-dep says both (a clean -j build can fail)
        const was = undeclared.get(id);
        const finding: Finding = {
          kind: 'missing-dep',
          file: f.path,
          target,
          jobs: [ref, jobRef(build, gj)],
          detail:
            `${who} ${building(tname)} and ${how} ${name}, which job ${gj} generated${making ? ` (${making})` : ''}, but nothing in the ${g.system} graph orders ${tname} after ${show(from)} ` +
            `(no ${paths} dependency path): ${gen.time <= use.time ? 'it was made first by luck of scheduling' : `job ${jobOf(build, by)} ${used === 'looked for' ? 'looked for it' : 'used it'} before job ${gj} made it`}` +
            (was === undefined ? '' : `; nor does ${tname} depend on it: changing ${name} will not rebuild ${tname}`),
          fix: fixMissingDep(g, target, from, show),
          time: Math.min(use.time, gen.time),
          uses: use.time <= gen.time ? [use, gen] : [gen, use],
        };
        if (was === undefined) findings.push(finding);
        else {
          findings[was] = finding;
          undeclared.delete(id);
        }
        // the race between the two jobs on the file is this missing dep: one finding, whatever the timing
        const mine = new Set(unit.map((j) => j.proc));
        const theirs = new Set(other.unit.map((j) => j.proc));
        for (const r of racesOf.get(f.path) ?? []) if (theirs.has(r.pair![0]) && mine.has(r.pair![1])) replaced.add(r);
      }
    }
  }
  // a race that is a missing-dep is reported as that missing-dep: the undeclared output it hid is reported (as at -j1, where the jobs did not race)
  for (const [finding, races] of heldBack) if (races.every((r) => replaced.has(r))) findings.push(finding);
  return { findings: oneForScript(groupHeaders(build, groupMany(build, findings, words, show), words, show), show), compared: built.size, replaced };
}

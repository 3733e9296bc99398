/**
 * bt check: finds the unexpected dependencies, the -j races and (with
 * --make / --ninja, and for cargo's build scripts and rustc's dep-info by
 * itself) the accesses the build system does not declare, in one traced
 * build. Everything is read from the build model (src/model/).
 *
 *   hermeticity.ts  reads and lookups outside the allowed roots
 *   toolchain.ts    the toolchains' homes it allows (go, cargo, rustup, pip)
 *   cargo.ts        build scripts' reads their rerun-if-changed lines miss
 *   depinfo.ts      rustc's reads (proc macros') its dep-info misses
 *   races.ts        concurrent jobs not ordered by ancestry sharing a file
 *   declared.ts     undeclared inputs/outputs, and generated files used with
 *                   no dependency path (missing-dep), against make's or ninja's graph
 *   makegraph.ts    that graph (Graph) from make's database (makedb.ts);
 *                   ninjadb.ts makes ninja's; recipes.ts joins a recipe's lines
 *   order.ts        dependency paths in that graph
 *   libtool.ts      libtool's side files and its script (autotools builds)
 *   fix.ts          each finding's fix, in the terms of the file the user edits
 *   noise.ts        what is never reported
 */
import { isDriver, loadBuild, type Build, type LoadOptions } from '../model/index.js';
import { pathShower } from '../present/format.js';
import { cargoScripts, scriptRuns } from './cargo.js';
import { localCompiles, undeclaredByDepInfo } from './depinfo.js';
import { declaredMake, declaredNinja, type Declared } from './declared.js';
import { sortFindings, type Finding } from './finding.js';
import { hermeticity } from './hermeticity.js';
import { MAKES } from './makedb.js';
import { NINJAS } from './ninjadb.js';
import { compileGlobs, Noise } from './noise.js';
import { races } from './races.js';
import { lostEvents } from '../present/lost.js';

export type { Finding, FindingKind, FileUse, JobRef } from './finding.js';
export { KIND_ORDER } from './finding.js';

export interface CheckOptions {
  /** More allowed roots (globs). */
  allow?: readonly string[];
  /** Only the start directory (and --allow) is allowed. */
  strict?: boolean;
  /** Never report files matching these globs. */
  ignore?: readonly string[];
  /** Compare with make's database (make -pnq). */
  make?: boolean;
  /** Compare with the ninja build in this directory. */
  ninja?: string;
  /** Name every file absolute in the findings' sentences (--absolute), not those under the start directory relative to it. */
  absolute?: boolean;
}

export interface CheckResult {
  findings: Finding[];
  /** What was checked, for the report's first line. */
  checked: string[];
  /** Notes for stderr (what could not be checked). */
  notes: string[];
}

/** Checks a loaded build. */
export async function check(build: Build, opts: CheckOptions = {}): Promise<CheckResult> {
  const base = build.startDir || '/';
  const noise = new Noise(build, compileGlobs(opts.ignore, base, '--ignore'));
  const allow = compileGlobs(opts.allow, base, '--allow');
  const show = pathShower(build.startDir, { absolute: opts.absolute });
  const notes: string[] = [];
  const checked = ['hermeticity', 'races'];
  let found: Finding[] = [...races(build, noise, show), ...hermeticity(build, noise, { allow, strict: opts.strict })];
  let declared: Declared | undefined;
  if (opts.make) {
    checked.push('make');
    declared = await declaredMake(build, noise, found, show);
  }
  if (opts.ninja !== undefined) {
    checked.push('ninja');
    declared = declaredNinja(build, noise, found, opts.ninja, show);
  }
  if (declared) {
    // a race the graph explains (the reader is not ordered after the generator) is that missing dep
    found = found.filter((f) => !declared.replaced.has(f));
    found.push(...declared.findings);
    notes.push(...declared.notes);
  }
  // cargo leaves what each build script declared, and rustc each crate's dep-info, on disk: compared whenever one ran
  const runs = scriptRuns(build);
  const compiles = localCompiles(build);
  if (runs.length || compiles.length) {
    checked.push('cargo');
    for (const c of [cargoScripts(build, runs, noise, show), undeclaredByDepInfo(build, compiles, runs, noise, show)]) {
      found.push(...c.findings);
      notes.push(...c.notes);
    }
  }
  if (!declared && neverOverlapped(build)) {
    const driver = jobsDriver(build);
    notes.push(
      driver
        ? `no two of the build's ${build.jobs.jobs.length} jobs ran at the same time (${driver} -j1?): races show only between jobs that did; ` +
            '--make (or --ninja DIR) compares every job with the build system\'s own graph, whatever -j ran'
        : `no two of the build's ${build.jobs.jobs.length} jobs ran at the same time: races show only between jobs that did`,
    );
  }
  if (build.model.live) notes.push('a running bt trace still writes the log: findings cover the build so far');
  else if (build.model.incomplete) notes.push('the log is incomplete: findings cover what was recorded');
  if (build.model.lostEvents) notes.push(`${lostEvents(build.model.lostEvents, 'while tracing')}: findings may be incomplete`);
  return { findings: sortFindings(found), checked, notes };
}

/** Loads a log and checks it (bad globs fail before the log is read). */
export async function checkFile(path: string, opts: CheckOptions = {}, load: LoadOptions = {}): Promise<CheckResult & { build: Build }> {
  compileGlobs(opts.ignore, '/', '--ignore');
  compileGlobs(opts.allow, '/', '--allow');
  const build = loadBuild(path, load);
  return { ...(await check(build, opts)), build };
}

/**
 * The build system that started the jobs, for the -j1 note: make when a
 * make started any, else ninja when a ninja did; undefined when neither
 * did (setup.py, pip: sequential by design, with no -j to ask about and no
 * graph for --make or --ninja).
 */
function jobsDriver(build: Build): 'make' | 'ninja' | undefined {
  let ninja = false;
  for (const j of build.jobs.jobs) {
    const parent = build.process(build.process(j.proc)?.parent ?? 0);
    if (!parent) continue;
    if (isDriver(parent, MAKES)) return 'make';
    ninja ||= isDriver(parent, NINJAS);
  }
  return ninja ? 'ninja' : undefined;
}

/** Whether the build has two jobs or more and no two of them ran at the same time (a -j1 build: no race can show). */
function neverOverlapped(build: Build): boolean {
  const jobs = build.jobs.jobs; // by start
  if (jobs.length < 2) return false;
  let end = -Infinity;
  for (const j of jobs) {
    if (j.start < end) return false;
    end = Math.max(end, j.end);
  }
  return true;
}

/**
 * The answers as text for a terminal: bt summary, bt deps, bt rdeps. Paths
 * under the build's start directory are shown relative to it, unless
 * `absolute` (present/format.ts pathShower); the JSON keeps them absolute.
 */
import type { PackageUse } from './packages.js';
import { commandLine, count, counted, displayPath, endedText, exitStatus, firstOf, formatDuration, pathShower, percent, plural, showDirName } from '../present/format.js';
import { dirName } from '../normalize/paths.js';
import { foldDirs, isBookkeeping } from '../present/fold.js';
import { commandIn } from '../present/label.js';
import { OUTSIDE_ADVICE, serverNote } from '../model/index.js';
import { lostEvents, shortfallNotes } from '../present/lost.js';
import { depNodes, type DepNode, type DepProcess, type DepsResult } from './deps.js';
import { endedProcs, sameFailures } from './same.js';
import type { FailedJob, Summary } from './summary.js';

/** How many entries of a long group the text shows (elsewhere inputs: see byDirectory). */
const FIRST = 10;
/** Up to how many inputs from elsewhere are listed one by one. */
const ELSEWHERE_IN_FULL = 20;

/** How a text shows a path (pathShower). */
type Show = (p: string) => string;

/** Options of the text answers. */
export interface TextOptions {
  /** Every path absolute (--absolute), not those under the start directory relative to it. */
  absolute?: boolean;
}

/** A build tool's cache as summary lists it (Summary.caches). */
type Cache = Summary['caches'][number];

/** The cache each path of a summary's lists is in. */
function cacheIndex(s: Summary): Map<string, Cache> {
  const out = new Map<string, Cache>();
  for (const c of s.caches) for (const f of c.files) out.set(f, c);
  return out;
}

/**
 * `paths` apart from those in a build tool's cache, and one line per cache
 * after them: its directory or pattern and what it is, with how many of
 * the paths it holds (`target/debug/.fingerprint/  (Cargo's fingerprints:
 * 18 files)`; a shared cache's entries apart from its bookkeeping:
 * `/root/.cache/ccache/  (ccache's cache: 20 files, 8 of them entries)`);
 * a cache of one of them names that file.
 */
function cacheLines(show: Show, paths: readonly string[], caches: ReadonlyMap<string, Cache>): { rest: string[]; lines: string[] } {
  const rest: string[] = [];
  const held = new Map<Cache, string[]>();
  for (const p of paths) {
    const c = caches.get(p);
    if (!c) rest.push(p);
    else if (held.has(c)) held.get(c)!.push(p);
    else held.set(c, [p]);
  }
  // a shared cache (ccache's, Go's) says how many of its files are entries, the others being its bookkeeping (stats, locks)
  const counts = (c: Cache, files: string[]) => {
    const n = c.shared ? files.filter((f) => !isBookkeeping(f, c)).length : 0;
    if (n === files.length) return plural(n, 'entry', 'entries');
    return `${plural(files.length, 'file')}${n ? `, ${count(n)} of them ${n === 1 ? 'an entry' : 'entries'}` : ''}`;
  };
  const lines = [...held].map(([c, files]) => (files.length === 1 ? `  ${show(files[0]!)}  (${c.what})` : `  ${showDirName(show, c.name)}  (${c.what}: ${counts(c, files)})`));
  return { rest, lines };
}

function list(show: Show, title: string, paths: readonly string[], limit = FIRST, caches: ReadonlyMap<string, Cache> = new Map()): string[] {
  const out = [`${title} (${count(paths.length)})${paths.length ? ':' : ''}`];
  // a build tool's cache is a line after the other files (cacheLines)
  const { rest, lines } = cacheLines(show, paths, caches);
  const { shown, more } = firstOf(rest, limit);
  for (const p of shown) out.push(`  ${show(p)}`);
  if (more) out.push(`  … ${more}`);
  return [...out, ...lines];
}

/** --packages: the system inputs by installed package, every package (what Build-Depends is held against), then the files of none. */
function packageLines(show: Show, u: PackageUse): string[] {
  const out = [`the system inputs by package (${counted(u.installed.length, 'package')} installed here${u.none.length ? `; ${count(u.none.length)} ${u.none.length === 1 ? 'file' : 'files'} of none` : ''})${u.installed.length || u.none.length ? ':' : ''}`];
  const width = Math.max(0, ...u.installed.map((p) => p.name.length));
  for (const p of u.installed) out.push(`  ${p.name.padEnd(width)}  ${counted(p.files.length, 'file')}`);
  if (u.none.length) {
    const { shown, more } = firstOf(u.none, FIRST);
    out.push(`  in no package: ${shown.map(show).join(', ')}${more ? `, … ${more}` : ''}`);
  }
  return out;
}

/**
 * Inputs from elsewhere, the unexpected ones: each of them while they are
 * few, else a line per directory (a toolchain in the home directory is a
 * few lines, not a screenful), a directory of one file as that file; a
 * build tool's cache is a line after them (cacheLines).
 */
function byDirectory(show: Show, title: string, all: readonly string[], caches: ReadonlyMap<string, Cache>): string[] {
  const { rest: paths, lines } = cacheLines(show, all, caches);
  if (paths.length <= ELSEWHERE_IN_FULL) return list(show, title, all, Infinity, caches);
  const dirs = new Map<string, string[]>();
  for (const p of paths) {
    const d = dirName(p);
    const l = dirs.get(d);
    if (l) l.push(p);
    else dirs.set(d, [p]);
  }
  const out = [`${title} (${count(all.length)} in ${plural(dirs.size, 'directory', 'directories')}; --json lists all):`];
  for (const d of [...dirs.keys()].sort()) {
    const l = dirs.get(d)!;
    out.push(l.length === 1 ? `  ${show(l[0])}` : `  ${d === '/' ? d : `${show(d)}/`}  (${count(l.length)} files)`);
  }
  return [...out, ...lines];
}

/**
 * The files the tests wrote alone (Summary.test_files): those left, listed
 * as outputs are, and how many they removed; nothing when there are none.
 */
function testFileLines(show: Show, s: Summary, caches: ReadonlyMap<string, Cache>): string[] {
  const removed = s.test_files_removed.length;
  if (!s.test_files.length && !removed) return [];
  const lines = list(show, 'files the tests wrote', s.test_files, FIRST, caches);
  if (removed) lines[0] = `files the tests wrote (${count(s.test_files.length + removed)}, ${count(removed)} of them removed)${s.test_files.length ? ':' : ''}`;
  return lines;
}

/** What a file only a process left running wrote, after the build ended, is (model/outlived.ts setAsideAfterBuild). */
const AFTER_BUILD = 'written after the build ended by a process left running';

function ms(v: number): string {
  return formatDuration(v * 1e6);
}

/** Up to how many processes left running the summary names. */
const OUTLIVED_SHOWN = 5;

/** The processes bt trace left running, on one line: their commands and pids, and that the build's times stop at its end. */
function outlivedLine(s: Summary): string {
  const { shown, more } = firstOf(s.outlived, OUTLIVED_SHOWN);
  const names = shown.map((o) => `${o.argv ? commandLine(o.argv, 80) : displayPath(o.command) || '?'} (pid ${o.pid})`);
  return `${plural(s.outlived.length, 'process', 'processes')} outlived the build, left running: ${names.join(', ')}${more ? `, ${more}` : ''}; the times here end with the build (the trace ran on to ${ms(s.trace_ms)})`;
}

/** Up to how many failed jobs the text lists (groups of identical ones: sameFailures). */
const FAILED_SHOWN = 10;
/** The failed jobs, each with how it ended and, when another process failed under it, the innermost one; identical ones on one line (sameFailures). */
function failedJobLines(jobs: readonly FailedJob[], what = 'jobs'): string[] {
  const out = [`failed ${what} (${count(jobs.length)}):`];
  const { shown, more } = firstOf(sameFailures(jobs, true), FAILED_SHOWN, (g) => g.procs.length);
  for (const { job: j, procs, innermost } of shown) {
    out.push(`  ${commandIn(j.argv, 120)}  (${endedProcs(endedText(j.exit_code, j.signal), procs)})`);
    const i = j.innermost;
    if (i.proc !== j.proc) out.push(`    innermost failure: ${commandIn(i.argv, 120)}  (${endedProcs(endedText(i.exit_code, i.signal), innermost)})`);
  }
  if (more) out.push(`  … ${more}`);
  return out;
}

/** The failed tests: a harness test by its result and name (`FAIL: t-fail`), with its test's command and end; the others as failed jobs. */
function failedTestLines(tests: Summary['failed_tests']): string[] {
  const harness = tests.filter((t) => t.result !== undefined);
  const rest = tests.filter((t) => t.result === undefined);
  const { shown, more } = firstOf(harness, FAILED_SHOWN);
  const out = [`failed tests (${count(tests.length)}):`];
  for (const t of shown) out.push(`  ${t.result}: ${t.name}  (${commandIn(t.innermost.argv, 100)}: ${endedText(t.innermost.exit_code, t.innermost.signal)})`);
  if (more) out.push(`  … ${more}`);
  return rest.length ? [...out, ...failedJobLines(rest).slice(1)] : out;
}

/** Up to how many failed probes (groups of identical ones) the text lists: configure's can be hundreds, and none of them is news. */
const PROBES_SHOWN = 5;

/** The failed probes (model/failures.ts), quietly: what they ran and how they ended, a line each, identical ones on one line (sameFailures). */
function failedProbeLines(probes: readonly FailedJob[]): string[] {
  const out = [`failed probes (${count(probes.length)}): jobs that failed while the build went on and succeeded, and nothing it kept came of them:`];
  const { shown, more } = firstOf(sameFailures(probes, false), PROBES_SHOWN, (g) => g.procs.length);
  for (const { job: j, procs } of shown) out.push(`  ${commandIn(j.argv, 120)}  (${endedProcs(endedText(j.exit_code, j.signal), procs)})`);
  if (more) out.push(`  … ${more}`);
  return out;
}

export function summaryText(s: Summary, opts: TextOptions = {}): string {
  const show = pathShower(s.cwd, opts);
  const out: string[] = [];
  if (s.live) out.push('NOTE: a running bt trace still writes this log: what follows is the build so far');
  else if (s.incomplete) out.push('WARNING: the trace is incomplete (no trailer, or torn): what follows may miss the end of the build');
  if (s.lost) out.push(`WARNING: ${lostEvents(s.lost)}: what follows may miss some`);
  const shortfalls = { truncated: s.truncated_strings, failedExecArgv: s.failed_exec_argv_cut, repeatCounts: s.unknown_repeat_counts };
  for (const note of shortfallNotes(shortfalls, s.incomplete || s.live)) out.push(`note: ${note}`);
  out.push(...outsideNotes(show, s));
  out.push(`build: ${commandLine(s.command, 200)}`);
  out.push(`  in ${displayPath(s.cwd)}`);
  const started = s.start_ns ? new Date(s.start_ns / 1e6).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'unknown';
  if (s.live) {
    // the build is not done: how long it has run, and how far the log has got (its last record is no duration)
    const running = s.running_ms === null ? 'still running' : `running for ${ms(s.running_ms)} so far`;
    out.push(`  started ${started}, ${running} (last record at +${ms(s.duration_ms)}), no exit status yet`);
  } else {
    const status = s.exit_status === null ? 'unknown' : exitStatus(s.exit_status, s.exit_signal ?? 0);
    // a log cut short (kill -9 of bt, a full disk) ends before the build did: its span is a lower bound
    const took = s.incomplete ? `ran at least ${ms(s.duration_ms)} (the log ends there)` : `took ${ms(s.duration_ms)}`;
    out.push(`  started ${started}, ${took}, exit status ${status}`);
    if (s.incomplete && s.not_exited) out.push(`  ${counted(s.not_exited, 'process', 'processes')} had not exited when the log ends`);
  }
  if (s.outlived.length) out.push(`  ${outlivedLine(s)}`);
  // a filtered summary says so, under the build it is part of
  if (s.filter !== null) out.push(`filter: ${s.filter.replace(/\s*\n\s*/g, ' ')}  (only what it matches is counted below)`);
  // with a filter, the jobs are those its processes ran in; with no job (a build whose root ran nothing, a filter
  // on make alone) the parallelism is of the processes that started no other
  const jobNotes: string[] = [];
  if (s.filter !== null) jobNotes.push(s.job_count ? 'those with a matching process' : 'none with a matching process');
  // a job failed when its own command did: failed processes under a job that succeeded are not failed jobs;
  // a failed probe is counted apart ("0 failed" left out beside it: the line says what failed)
  const probes = s.failed_probes.length;
  if (s.job_count && (s.failed_jobs.length || !probes)) jobNotes.push(`${count(s.failed_jobs.length)} failed`);
  if (probes) jobNotes.push(`${count(probes)} failed ${probes === 1 ? 'probe' : 'probes'}`);
  const jobs = jobNotes.length ? ` (${jobNotes.join('; ')})` : '';
  const of = s.job_count ? (s.filter === null ? '' : ' (of those jobs)') : ` (of the ${s.filter === null ? '' : 'matching '}processes that started no other)`;
  const skipped = s.skipped_tests.length ? `, ${count(s.skipped_tests.length)} skipped` : '';
  const tests = s.test_count ? `; tests: ${count(s.test_count)} (${count(s.failed_tests.length)} failed${skipped})` : '';
  out.push(`processes: ${count(s.processes)} (${count(s.failed)} failed); jobs: ${count(s.job_count)}${jobs}${tests}; average parallelism ${s.parallelism}${of}`);
  // a configure step's checks and the build's own jobs, apart
  if (s.phases.length) {
    const phase = (p: Summary['phases'][number]) => `${commandIn(p.argv, 50)}${p.configure ? ' (configure)' : ''}: ${plural(p.jobs, 'job')}${p.tests ? `, ${plural(p.tests, 'test')}` : ''}, ${formatDuration(p.duration_ms * 1e6)}`;
    out.push(`phases: ${s.phases.map(phase).join('; then ')}`);
  }
  if (s.ccache) out.push(ccacheLine(s.ccache));
  if (s.failed_jobs.length) {
    out.push('');
    out.push(...failedJobLines(s.failed_jobs));
  } else if (!s.live && s.filter === null && s.exit_status !== null && s.exit_status !== 0 && !s.exit_signal && !s.failed_tests.length) {
    // make's "No rule to make target", a makefile's syntax error: the build's own command failed, and no job did
    // (a build a signal killed says so on its exit status line)
    out.push('');
    out.push(`no job failed: ${commandLine(s.command, 60)} failed by itself (its own message in the build's output says why: a missing file or rule, an error in a makefile)`);
  }
  if (s.failed_tests.length) {
    out.push('');
    out.push(...failedTestLines(s.failed_tests));
  }
  if (s.skipped_tests.length) {
    const { shown, more } = firstOf(s.skipped_tests, FAILED_SHOWN);
    out.push(`skipped tests (${count(s.skipped_tests.length)}): ${shown.map((t) => t.name).join(', ')}${more ? `, … ${more}` : ''}`);
  }
  if (probes) {
    out.push('');
    out.push(...failedProbeLines(s.failed_probes));
  }
  out.push('');
  out.push('tools (processes, total wall time):');
  const tools = firstOf(s.tools, FIRST);
  for (const t of tools.shown) out.push(`  ${t.exe.padEnd(20)} ${String(t.count).padStart(6)}  ${ms(t.wall_ms)}`);
  if (tools.more) out.push(`  … ${tools.more}`);
  if (s.jobs.length) {
    out.push('');
    out.push('slowest jobs:');
    for (const j of s.jobs) out.push(jobLine(j));
  }
  out.push('');
  const caches = cacheIndex(s);
  out.push(...list(show, 'inputs in the tree', s.inputs.tree, FIRST, caches));
  out.push(...list(show, 'inputs from the system', s.inputs.system, FIRST, caches));
  if (s.packages) out.push(...packageLines(show, s.packages));
  out.push(...byDirectory(show, 'inputs from elsewhere', s.inputs.elsewhere, caches));
  if (s.made_outside.length) out.push(...list(show, MADE_OUTSIDE, s.made_outside));
  out.push(...list(show, 'outputs', s.outputs, FIRST, caches));
  out.push(...list(show, 'intermediates', s.intermediates, FIRST, caches));
  out.push(...testFileLines(show, s, caches));
  if (s.temporaries) out.push(`temporaries: ${counted(s.temporaries, 'file')} (made and removed by one process, read by no other; or in a directory the build made and removed)`);
  // no outputs: what a process left running wrote once the build was over
  if (s.after_build.length) out.push(...list(show, AFTER_BUILD, s.after_build));
  out.push(`probes: ${counted(s.probe_count, 'path')} looked for and not found${s.probes.length ? ', most in:' : ''}`);
  for (const p of s.probes.slice(0, 5)) out.push(`  ${String(p.count).padStart(6)}  ${show(p.dir)}`);
  if (s.critical_path.length) {
    out.push('');
    out.push(`critical path (${plural(s.critical_path.length, 'job')}, ${ms(s.critical_path_ms)}):`);
    for (const j of s.critical_path) out.push(jobLine(j));
  }
  return `${out.join('\n')}\n`;
}

/** A job of the slowest or the critical path: its time and command, and what ccache did for it. */
function jobLine(j: Summary['jobs'][number]): string {
  return `  ${ms(j.duration_ms).padStart(10)}  ${commandIn(j.argv, 120)}${j.ccache ? `  (ccache ${j.ccache})` : ''}`;
}

/** "ccache: 4 compiles: 3 direct hits, 1 preprocessed hit, 0 misses" (and ", 1 uncached" when it ran the compiler in its place). */
function ccacheLine(c: NonNullable<Summary['ccache']>): string {
  const parts = [plural(c.direct_hits, 'direct hit'), plural(c.preprocessed_hits, 'preprocessed hit'), plural(c.misses, 'miss', 'misses')];
  if (c.uncached) parts.push(`${count(c.uncached)} uncached`);
  return `ccache: ${plural(c.compiles, 'compile')}: ${parts.join(', ')}`;
}

/** FILE was made during the build by a process outside the trace (model/outside.ts): when the build found it missing, then there. */
function madeOutsideLine(show: Show, r: DepsResult): string {
  const o = r.madeOutside!;
  return `${show(r.file)} was made during the build by a process outside the trace (a build server?): missing at +${ms(o.missing_ms)}, there at +${ms(o.found_ms)}, written by no process of the build`;
}

/** What the summary calls the files made by processes outside the trace (model/outside.ts). */
const MADE_OUTSIDE = 'made during the build by processes outside the trace';

/** Up to how many of them the note at the top names. */
const OUTSIDE_SHOWN = 3;

/**
 * The notes at the top of a summary when the build's work was (maybe) done
 * outside the trace: the files processes outside it made, and each known
 * build server whose client ran without it (model/outside.ts), with the advice.
 */
function outsideNotes(show: Show, s: Summary): string[] {
  const out: string[] = [];
  const n = s.made_outside.length;
  if (n) {
    const { shown, more } = firstOf(s.made_outside, OUTSIDE_SHOWN);
    const were = n === 1 ? 'was' : 'were';
    const advice = s.servers.length ? '' : `: ${OUTSIDE_ADVICE}`;
    out.push(`note: ${counted(n, 'file')} ${were} made during the build by processes outside the trace (a build server?): ${shown.map(show).join(', ')}${more ? `, ${more}` : ''}${advice}`);
  }
  for (const h of s.servers) out.push(`note: ${serverNote(h)}`);
  if (s.coarse_job) out.push(`note: ${coarseNote(s.coarse_job)}`);
  return out;
}

/** The hint when one job holds nearly the whole build (Summary.coarse_job). */
function coarseNote(c: NonNullable<Summary['coarse_job']>): string {
  return `one job holds ${percent(c.share)} of the build's processes: if ${c.program} drives the build, pass --driver ${c.program}`;
}

/** Paths in their order, those shown relative (the tree's) before the absolute ones: a list sorted by absolute path would put the tree's between /lib and /usr. */
function relativeFirst(show: Show, paths: readonly string[]): string[] {
  const rank = (p: string) => (show(p) === displayPath(p) ? 1 : 0);
  return paths.map((p) => [rank(p), p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p);
}

/** A directory leaves are folded into: its path and the leaves under it, in the children's order. */
interface Fold {
  dir: string;
  leaves: DepNode[];
  /** How many directories the leaves are in. */
  dirs: number;
}

/**
 * The children of a tree node that deps' text shows as one line per
 * directory (present/fold.ts): leaves (files the build did not write)
 * outside the start directory, FOLD_AT or more of them under one directory
 * (rustc reads ~40 .rlib and .rmeta files of its toolchain for every
 * crate, python its library's .pyc files, a C++ compile ~150 headers of
 * /usr/include); by leaf.
 */
function leafFolds(show: Show, children: readonly DepNode[]): Map<DepNode, Fold> {
  const leaves = children.filter((c) => !c.writer && !c.children.length && !c.repeated && show(c.path) === displayPath(c.path));
  const dirOf = foldDirs(leaves.map((l) => l.path));
  const folds = new Map<string, Fold>();
  const byLeaf = new Map<DepNode, Fold>();
  for (const l of leaves) {
    const dir = dirOf.get(l.path);
    if (dir === undefined) continue;
    let fold = folds.get(dir);
    if (!fold) folds.set(dir, (fold = { dir, leaves: [], dirs: 0 }));
    fold.leaves.push(l);
    byLeaf.set(l, fold);
  }
  for (const f of folds.values()) f.dirs = new Set(f.leaves.map((l) => dirName(l.path))).size;
  return byLeaf;
}

function foldLine(show: Show, f: Fold): string {
  const where = f.dirs === 1 && dirName(f.leaves[0].path) === f.dir ? '' : ` in ${plural(f.dirs, 'directory', 'directories')} under it`;
  return `${show(f.dir)}/  (${count(f.leaves.length)} files${where}; --inputs lists them)`;
}

/**
 * A node whose subtree is all a build tool's cache (or shown above):
 * nothing in it but the cache's own bookkeeping; or a node of a group
 * whose provenance folds with it (CacheGroup.whole: CMake's try-compile
 * scratch), whatever is below it.
 */
function allCache(n: DepNode): boolean {
  if (n.cache?.whole) return true;
  return !!n.cache && (n.repeated || n.children.every((c) => allCache(c) || (c.repeated && !c.children.length && !!c.cache)));
}

/**
 * Children that are a build tool's cache, with nothing but cache below
 * them (Go's cache entries go made from a source), by group: one line per
 * group, where its first file was. A cache file with something else made
 * from it (a cache hit linked into the program) is drawn as any file; one
 * file of a group too, unless the group folds whole (CMake's try-compile
 * scratch, whose one check is still a subtree of configure's).
 */
function cacheFolds(children: readonly DepNode[]): Map<DepNode, DepNode[]> {
  const byName = new Map<string, DepNode[]>();
  const byNode = new Map<DepNode, DepNode[]>();
  for (const c of children) {
    if (!allCache(c)) continue;
    const name = c.cache!.name;
    let g = byName.get(name);
    if (!g) byName.set(name, (g = []));
    g.push(c);
    byNode.set(c, g);
  }
  for (const [c, g] of byNode) if (g.length < 2 && !c.cache!.whole) byNode.delete(c);
  return byNode;
}

/** How many files of group `name` the subtrees of `nodes` hold (each once). */
function groupFiles(nodes: readonly DepNode[], name: string): number {
  const seen = new Set<string>();
  for (const n of depNodes(...nodes)) if (n.cache?.name === name) seen.add(n.path);
  return seen.size;
}

/** How a tree is drawn: `expanded` holds each file's node with its children (deps marks the others "repeated"), `drawn` the files drawn so. */
interface Drawing {
  show: Show;
  verb: string;
  /** rdeps: the children are files made from their parent, not its inputs. */
  reverse: boolean;
  unfold: boolean;
  expanded: ReadonlyMap<string, DepNode>;
  drawn: Set<string>;
}

/** Each file's node that has its children, by path (the others are marked repeated). */
function expandedNodes(tree: DepNode): Map<string, DepNode> {
  const out = new Map<string, DepNode>();
  for (const n of depNodes(tree)) if (!n.repeated) out.set(n.path, n);
  return out;
}

/**
 * The children of a node that are already drawn above, with nothing under
 * them here: a leaf (a file the build did not write, or one past --depth)
 * drawn before, or a made file expanded before (deps marks it repeated). A
 * kernel object's 800 headers are drawn under the first object that read
 * them; under the next ones, one line counts them (`… 798 inputs shown
 * above`); one alone, one drawn under an earlier sibling, or each with
 * --unfold, is marked `(see above)`.
 */
function shownAbove(d: Drawing, children: readonly DepNode[]): Set<DepNode> {
  return new Set(children.filter((c) => drawnLeaf(d, c)));
}

/** Whether `c` has nothing under it here and is drawn already (shownAbove). */
function drawnLeaf(d: Drawing, c: DepNode): boolean {
  return !c.children.length && (!!c.repeated || !c.writer) && d.drawn.has(c.path);
}

function treeLines(d: Drawing, at: DepNode, indent: string, out: string[], again = false): void {
  const { show, unfold } = d;
  // a file marked "(see above)" whose subtree is folded away above (in CMake's try-compile scratch) is drawn here
  const node = at.repeated && !d.drawn.has(at.path) ? (d.expanded.get(at.path) ?? at) : at;
  const by = node.writer ? `  <- ${d.verb} ${commandIn(node.writer.argv, 80)} [proc ${node.writer.proc}]` : '';
  const seen = node.repeated || again;
  // rdeps: a file another job also made from the same input (two recipe lines appending to one depfile) names that job too
  const also = seen && d.reverse && !!node.writer && node.writer.proc !== d.expanded.get(node.path)?.writer?.proc;
  out.push(`${indent}${show(node.path)}${node.removed ? ' (removed)' : ''}${seen ? `${also ? by : ''} (see above)` : by}`);
  if (seen) return;
  d.drawn.add(node.path);
  const above = shownAbove(d, node.children);
  // two or more are one line; one is drawn with its mark, which is no longer
  const countAbove = !unfold && above.size > 1;
  const rest = countAbove ? node.children.filter((c) => !above.has(c)) : node.children;
  const folded = unfold ? new Map<DepNode, Fold>() : leafFolds(show, rest);
  const caches = unfold ? new Map<DepNode, DepNode[]>() : cacheFolds(rest);
  // in the model's order (deps: the tree's files first), which the "(see above)" marks follow; a folded
  // directory where its first file was
  for (const c of rest) {
    const fold = folded.get(c);
    const cache = caches.get(c);
    if (cache) {
      if (cache[0] !== c) continue;
      const { name, what, whole } = c.cache!;
      const n = whole ? groupFiles(cache, name) : cache.length;
      out.push(`${indent}  ${showDirName(show, name)}  (${what}: ${counted(n, 'file')}; --unfold or --json lists them)`);
    } else if (!fold) treeLines(d, c, `${indent}  `, out, drawnLeaf(d, c)); // drawn above, or by a sibling's subtree
    else if (fold.leaves[0] === c) {
      out.push(`${indent}  ${foldLine(show, fold)}`);
      for (const l of fold.leaves) d.drawn.add(l.path);
    }
  }
  // the files drawn above, counted on one line after the others
  if (countAbove) out.push(`${indent}  … ${counted(above.size, d.reverse ? 'file' : 'input')} shown above`);
}

/** What the one-path-a-line lists need of the tree's files, by path: the cache, work or scratch group each is in (DepNode.cache), and those gone at the build's end. */
function treeMarks(tree: DepNode): { groups: Map<string, string>; removed: Set<string> } {
  const groups = new Map<string, string>();
  const removed = new Set<string>();
  for (const n of depNodes(tree)) {
    if (n.cache) groups.set(n.path, n.cache.name);
    if (n.removed) removed.add(n.path);
  }
  return { groups, removed };
}

/**
 * One path a line (--inputs, --outputs), for scripts: files that did not
 * exist at the build's end left out (a depfile ninja read and deleted: `…
 * | xargs ls` would fail on them), and those in a build tool's cache, work
 * or scratch directory as one line per group, where its first file would
 * be: its directory with a slash (`/root/.cache/go-build/`) or its files'
 * pattern, with a `*` (`target/debug/deps/app-1.*.rcgu.o`); each file,
 * removed or not, with `unfold`.
 */
function pathLines(show: Show, paths: readonly string[], tree: DepNode, unfold: boolean): string[] {
  const { groups, removed } = unfold ? { groups: new Map<string, string>(), removed: new Set<string>() } : treeMarks(tree);
  const out: string[] = [];
  const named = new Set<string>();
  for (const p of relativeFirst(show, paths)) {
    if (removed.has(p)) continue;
    const g = groups.get(p);
    if (g === undefined) out.push(show(p));
    else if (!named.has(g)) {
      named.add(g);
      out.push(showDirName(show, g));
    }
  }
  return out;
}

/**
 * `only`: one path a line, of the result's inputs or outputs (bt deps
 * --inputs, --outputs; bt rdeps --inputs is its --outputs; pathLines).
 * `start`: the build's start directory, which paths are shown relative to
 * (unless `absolute`), as FILE is named on the command line. `unfold`: every
 * file, none folded into its directory or its cache's line, and with `only`
 * those gone at the build's end too (--unfold).
 */
export function depsText(r: DepsResult, opts: TextOptions & { only?: 'inputs' | 'outputs'; reverse?: boolean; start?: string; unfold?: boolean } = {}): string {
  const show = pathShower(opts.start ?? '', opts);
  if (opts.only) {
    const lines = pathLines(show, opts.only === 'outputs' ? r.outputs : r.inputs, r.tree, !!opts.unfold);
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
  const out: string[] = [];
  if (!opts.reverse && r.untouched) {
    const found = r.readers.length > 0 || r.lookups.length === 0 || r.lookups.some((l) => l.found);
    const late = r.afterBuild.map((p) => `${commandIn(p.argv, 80)} [proc ${p.proc}]`).join(', ');
    if (late) out.push(`${show(r.file)} was ${AFTER_BUILD} (${late}): the build did not write it.`);
    else if (r.madeOutside) out.push(`${madeOutsideLine(show, r)}.`);
    else out.push(found ? `${show(r.file)} is an input: the build did not write it.` : `${show(r.file)} was looked for and never found: the build did not write it.`);
    out.push(r.readers.length ? 'read by:' : 'no process of the build read it.');
    for (const p of r.readers) out.push(`  [proc ${p.proc}] ${commandIn(p.argv, 120)}`);
    if (r.lookups.length) out.push(found ? 'looked up (stat, access, readlink) by:' : 'looked for by:');
    for (const p of r.lookups) out.push(`  [proc ${p.proc}] ${commandIn(p.argv, 120)}${found && !p.found ? '  (not found)' : ''}`);
    return `${out.join('\n')}\n`;
  }
  if (opts.reverse && r.madeOutside) out.push(`note: ${madeOutsideLine(show, r)}`);
  if (opts.reverse && r.untouched) return `${[...out, `${show(r.file)}: no process of the build read it, nothing depends on it.`].join('\n')}\n`;
  treeLines({ show, verb: opts.reverse ? 'made by' : 'written by', reverse: !!opts.reverse, unfold: !!opts.unfold, expanded: expandedNodes(r.tree), drawn: new Set() }, r.tree, '', out);
  out.push('');
  out.push(
    opts.reverse
      ? r.outputs.length
        ? `${plural(r.outputs.length, 'file')} made from it by ${plural(r.processes.length, 'job')}`
        : r.processes.length
          ? `no file was made from it (read by ${procList(r.processes)})`
          : `no file ${r.tests.length ? 'of the build ' : ''}was made from it`
      : `${plural(r.inputs.length, 'input')} and ${plural(r.outputs.length, 'intermediate file')} through ${plural(r.processes.length, 'job')}`,
  );
  if (r.tests.length) out.push(`${plural(r.tests.length, 'test')} used it or what was made from it: ${procList(r.tests)}`);
  return `${out.join('\n')}\n`;
}

/** Up to three processes' commands, then how many more: `cc -c a.c [proc 3], …, and 2 more`. */
function procList(ps: readonly DepProcess[]): string {
  const shown = ps.slice(0, 3).map((p) => `${commandIn(p.argv, 60)} [proc ${p.proc}]`).join(', ');
  return ps.length > 3 ? `${shown}, and ${ps.length - 3} more` : shown;
}

/**
 * Many undeclared files of one recipe as one finding. A generator that
 * reads the whole tree (sqlite's mksourceid hashing every file the
 * manifest lists: 2,051 undeclared inputs of sqlite3.h) or a recipe that
 * stages a directory (`cp $(SRC) tsrc`: 160 undeclared outputs) would give
 * one finding per file, each with its own fix line, burying the few that
 * matter. When one recipe has more than GROUP_OVER undeclared inputs, or
 * more than one undeclared output (javac writing a directory of classes
 * beside its stamp file: their fix is one, the stamp or one rule with
 * them all as grouped targets, not a rule per file), they are one finding
 * for (target, kind): the count, the
 * directories they are in (as bt check's hermeticity findings group by
 * directory), the programs that used them, and every file in its uses
 * (--json lists them all). The recipe's own tools are kept apart, as
 * findings of their own: a program it ran, a script it gave to an
 * interpreter (`tclsh tool/mksqlite3h.tcl`): those are the ones to declare.
 * An undeclared output that a job read unordered (a rule remade at every
 * build) names its reader and stays a finding of its own, and so does a
 * header a compiler read: its fix (-MMD -MP) declares them all at once.
 */
import { Kind, programName, scriptIndex, type Build, type Job } from '../model/index.js';
import { baseName, dirName, normalizeAbs, relativeInside } from '../normalize/paths.js';
import { count, counted } from '../present/format.js';
import { compiled, type Finding, type JobRef, type PathNamer } from './finding.js';
import { fixUndeclaredInputs, fixUndeclaredOutputs, isCompiledHeader } from './fix.js';
import type { Graph } from './makegraph.js';

/**
 * More undeclared files than this for one recipe are one finding. A list
 * of prerequisites someone writes by hand is a few files (the honest lists
 * in real builds: sqlite's fts5.c, 3; libpng's pnglibconf.out, 2); past
 * ten, the findings fill more than a screen for one recipe, and the files
 * are a tree the recipe walks, not inputs to list one by one.
 */
export const GROUP_OVER = 10;

/**
 * More undeclared outputs than this for one recipe are one finding: a
 * recipe's outputs are declared together (the target as their stamp, or
 * one rule with them all as grouped targets), so one finding per file
 * would give the same fix for each (javac's stamp idiom: one per class).
 */
export const GROUP_OUTPUTS_OVER = 1;

/** Directories a grouped finding's sentence names before `… and N more`. */
const DIRS_SHOWN = 6;

/** What a grouped finding says of the recipe whose findings it joins. */
export interface RecipeWords {
  /** "job 5 built out.txt", "jobs 2, 5 (the 2 lines of its recipe) failed building out.txt (exit 1)". */
  built: string;
  g: Graph;
  /** The recipe's own tools (absolute): what it ran, the scripts it gave to interpreters. */
  tools: ReadonlySet<string>;
}

/** The files a recipe's processes ran, and the scripts its interpreters were given (`tclsh tool/mksqlite3h.tcl`). */
export function recipeTools(build: Build, unit: readonly Job[]): Set<string> {
  const out = new Set<string>();
  for (const job of unit) {
    for (const id of job.procs) {
      const p = build.process(id);
      if (!p) continue;
      for (const a of p.files.values()) if (a.kinds & Kind.EXEC) out.add(build.model.files[a.file].path);
      // an interpreter's program is its script (model/program.ts): the argument that names it
      const name = programName(p);
      if (name === baseName(p.argv[0] ?? '')) continue;
      const i = scriptIndex(p.argv);
      const script = i > 0 && baseName(p.argv[i]!) === name ? p.argv[i] : undefined;
      if (script) out.add(normalizeAbs(script.startsWith('/') ? script : `${p.cwd}/${script}`));
    }
  }
  return out;
}

/** The deepest directory holding every path. */
function commonDir(paths: readonly string[]): string {
  let common = dirName(paths[0]);
  for (const p of paths) while (common !== '/' && relativeInside(common, p) === undefined) common = dirName(common);
  return common;
}

/** The directories right under `common` that hold the paths (`common` itself for a path in it), most files first. */
function byTopDir(common: string, paths: readonly string[]): Array<[string, number]> {
  const n = new Map<string, number>();
  for (const p of paths) {
    const rest = relativeInside(common, p)!;
    const i = rest.indexOf('/');
    const dir = i < 0 ? common : normalizeAbs(`${common}/${rest.slice(0, i)}`);
    n.set(dir, (n.get(dir) ?? 0) + 1);
  }
  return [...n].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** "mksourceid", "cp (150), install (10)": the programs that used the files, by how many. */
function programs(build: Build, fs: readonly Finding[]): string {
  const n = new Map<string, number>();
  for (const f of fs) {
    const p = build.process(f.uses[0].proc);
    const name = p ? programName(p) : `process ${f.uses[0].proc}`;
    n.set(name, (n.get(name) ?? 0) + 1);
  }
  const list = [...n].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return list.length === 1 ? list[0][0] : list.map(([name, k]) => `${name} (${count(k)})`).join(', ');
}

/** One finding in place of the undeclared inputs (or outputs) `fs` of one recipe. */
function joined(build: Build, fs: readonly Finding[], words: RecipeWords, show: PathNamer): Finding {
  const { kind, target } = fs[0];
  const paths = fs.map((f) => f.file);
  const common = commonDir(paths);
  const dirs = byTopDir(common, paths);
  const shown = dirs.slice(0, DIRS_SHOWN).map(([d, k]) => `${show(d)}/ (${count(k)})`);
  const more = dirs.length > shown.length ? `, and ${counted(dirs.length - shown.length, 'more directory', 'more directories')}` : '';
  const tname = show(target!);
  const n = counted(fs.length, 'file');
  const by = programs(build, fs);
  const jobs: JobRef[] = [];
  for (const f of fs) for (const j of f.jobs) if (!jobs.some((k) => k.proc === j.proc)) jobs.push(j);
  const uses = fs.flatMap((f) => f.uses).sort((a, b) => a.time - b.time || (a.path < b.path ? -1 : 1));
  const detail =
    kind === 'undeclared-input'
      ? `${words.built} and read ${n} that ${tname} does not depend on, through ${by}: ${shown.join(', ')}${more}; changing them will not rebuild ${tname}`
      : `${words.built} and also wrote ${n} that no rule for ${tname} declares, through ${by}: ${shown.join(', ')}${more}; nothing else may use them safely`;
  return {
    kind,
    file: common,
    target,
    files: fs.length,
    jobs,
    detail,
    fix: kind === 'undeclared-input' ? fixUndeclaredInputs(words.g, target!, fs.length, by, show) : fixUndeclaredOutputs(words.g, target!, dirs.map(([d]) => d), show),
    time: Math.min(...fs.map((f) => f.time)),
    uses,
  };
}

/**
 * The findings with each recipe's many undeclared inputs (outputs) joined
 * into one, in the place of the first of them; `words` by the job that
 * wrote the recipe's target (a finding's first job).
 */
export function groupMany(build: Build, findings: readonly Finding[], words: ReadonlyMap<number, RecipeWords>, show: PathNamer): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const w = words.get(f.jobs[0]?.proc ?? 0);
    if (!w || f.target === undefined) continue;
    if (f.kind === 'undeclared-input' && w.tools.has(f.file)) continue;
    // headers a compiler read are declared by the compiler's own list (-MMD -MP): each keeps its finding and that fix
    if (f.kind === 'undeclared-input' && isCompiledHeader(f.file, compiled(build, f.uses[0].proc))) continue;
    // an output a job read unordered names its reader: its own finding
    if (f.kind === 'undeclared-output' ? f.uses.length !== 1 : f.kind !== 'undeclared-input') continue;
    const key = `${f.kind}\0${f.target}\0${f.jobs[0].proc}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(f);
  }
  const into = new Map<Finding, Finding | null>();
  for (const fs of groups.values()) {
    if (fs.length <= (fs[0].kind === 'undeclared-output' ? GROUP_OUTPUTS_OVER : GROUP_OVER)) continue;
    into.set(fs[0], joined(build, fs, words.get(fs[0].jobs[0].proc)!, show));
    for (const f of fs.slice(1)) into.set(f, null);
  }
  return findings.flatMap((f) => {
    const g = into.get(f);
    return g === undefined ? [f] : g === null ? [] : [g];
  });
}

/**
 * A recipe whose compiles read headers their targets do not depend on:
 * make was not told of them (no -MMD -MP, or automake's dependency
 * tracking turned off by `configure --disable-dependency-tracking`, as
 * debhelper does in every Debian package build). Each (header, target) is
 * a finding, one recipe of a package gives dozens, and their fix is one: the
 * compiler's own list of headers. More than GROUP_OVER of one recipe that
 * built several targets (a pattern or suffix rule: the build's way, not one
 * compile's) are one finding; one compile keeps a finding per header, each
 * naming the prerequisite to add.
 */
export function groupHeaders(build: Build, findings: readonly Finding[], words: ReadonlyMap<number, RecipeWords>, show: PathNamer): Finding[] {
  const groups = new Map<string, { at: { file: string; line: number }; fs: Finding[] }>();
  for (const f of findings) {
    if (f.kind !== 'undeclared-input' || f.target === undefined || f.files !== undefined) continue;
    const w = words.get(f.jobs[0]?.proc ?? 0);
    if (!w || !isCompiledHeader(f.file, compiled(build, f.uses[0].proc))) continue;
    const at = w.g.recipeAt(f.target);
    if (!at) continue;
    const key = `${at.file}:${at.line}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { at, fs: [] }));
    g.fs.push(f);
  }
  const into = new Map<Finding, Finding | null>();
  for (const { at, fs } of groups.values()) {
    if (fs.length <= GROUP_OVER || fs.every((f) => f.target === fs[0].target)) continue;
    into.set(fs[0], joinedHeaders(build, fs, at, show));
    for (const f of fs.slice(1)) into.set(f, null);
  }
  return findings.flatMap((f) => {
    const g = into.get(f);
    return g === undefined ? [f] : g === null ? [] : [g];
  });
}

/** The command line that turned automake's dependency tracking off, if the build ran one (`./configure --disable-dependency-tracking`). */
function trackingOff(build: Build): boolean {
  return build.model.processes.some((p) => p.argv.includes('--disable-dependency-tracking'));
}

/** One finding for the compiled headers `fs` of the recipe at `at`. */
function joinedHeaders(build: Build, fs: readonly Finding[], at: { file: string; line: number }, show: PathNamer): Finding {
  const headers = [...new Set(fs.map((f) => f.file))];
  const targets = [...new Set(fs.map((f) => f.target!))];
  const common = commonDir(headers);
  const dirs = byTopDir(common, headers);
  const shown = dirs.slice(0, DIRS_SHOWN).map(([d, k]) => `${show(d)}/ (${count(k)})`);
  const more = dirs.length > shown.length ? `, and ${counted(dirs.length - shown.length, 'more directory', 'more directories')}` : '';
  const named = targets.slice(0, 2).map(show).join(', ') + (targets.length > 2 ? `, and ${count(targets.length - 2)} more` : '');
  const jobs: JobRef[] = [];
  for (const f of fs) for (const j of f.jobs) if (!jobs.some((k) => k.proc === j.proc)) jobs.push(j);
  const off = trackingOff(build)
    ? "; configure ran with --disable-dependency-tracking, which turns automake's list off (fine for a one-time build, such as a package's)"
    : '';
  return {
    kind: 'undeclared-input',
    file: common,
    target: fs[0].target,
    files: headers.length,
    jobs,
    detail:
      `the recipe at ${show(at.file)}:${at.line} built ${counted(targets.length, 'target')} (${named}) from ${counted(headers.length, 'header')} ` +
      `that they do not depend on (${count(fs.length)} in all), through ${programs(build, fs)}: ${shown.join(', ')}${more}; changing a header will not rebuild what includes it`,
    fix: `have the compiler list the headers it reads: -MMD -MP in the flags of the recipe at ${show(at.file)}:${at.line}, and -include the .d files${off}`,
    time: Math.min(...fs.map((f) => f.time)),
    uses: fs.flatMap((f) => f.uses).sort((a, b) => a.time - b.time || (a.path < b.path ? -1 : 1)),
  };
}

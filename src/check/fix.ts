/**
 * What to change so that a finding goes away, in one sentence, in the
 * terms of the file the user edits: a Makefile, build.ninja, or the
 * CMakeLists.txt / meson.build that generated it (Graph.generator). The
 * report prints it as the finding's `fix:` line; the JSON has it as `fix`.
 * A fix names files as the finding does (PathNamer); the rule it shows
 * (`out.txt: gen.h`) names them as the build file does, from its directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readSmallFile } from '../log/io.js';
import { baseName, relativeInside } from '../normalize/paths.js';
import { count } from '../present/format.js';
import { makefileArgs, MAKES } from './makedb.js';
import type { Graph } from './makegraph.js';

/** Headers, as a compiler includes them: what -MMD lists. */
const HEADER = /\.(h|hh|hpp|hxx|h\+\+|inc|inl|ipp|tcc|def)$/i;

/** The CMake target an object file is compiled for (CMakeFiles/app.dir/src/main.cpp.o: app). */
function cmakeTarget(path: string): string | undefined {
  return /\/CMakeFiles\/([^/]+)\.dir\//.exec(path)?.[1];
}

/** A path as the build system's files name it: relative to their directory when under it, or beside it (`../libtool`), else absolute. */
function inFile(g: Graph, file: string): string {
  const under = relativeInside(g.dir, file);
  if (under) return under;
  const common = relativeInside(path.posix.dirname(g.dir), file) !== undefined && path.posix.dirname(g.dir) !== '/';
  return common ? path.posix.relative(g.dir, file) : file;
}

/** The source directory of the CMake build in `dir` (CMakeCache.txt's CMAKE_HOME_DIRECTORY), by build directory. */
const homes = new Map<string, string | undefined>();
function cmakeHome(dir: string): string | undefined {
  if (!homes.has(dir)) {
    // the directory comes from the log and bt runs as root: a regular file of bounded size only (no cache: absolute paths)
    const text = readSmallFile(`${dir}/CMakeCache.txt`) ?? '';
    homes.set(dir, /^CMAKE_HOME_DIRECTORY:INTERNAL=(.+)$/m.exec(text)?.[1]);
  }
  return homes.get(dir);
}

/** A file as a CMakeLists.txt names it: under ${CMAKE_BINARY_DIR} (the build directory `dir`) or ${CMAKE_SOURCE_DIR}, else absolute. */
function inCMake(dir: string, file: string): string {
  const built = relativeInside(dir, file);
  if (built) return `\${CMAKE_BINARY_DIR}/${built}`;
  const home = cmakeHome(dir);
  const source = home === undefined ? undefined : relativeInside(home, file);
  return source ? `\${CMAKE_SOURCE_DIR}/${source}` : file;
}

/**
 * The step of a CMake target that makes `target`: its link (the rule runs
 * cmake_link_script; ninja's <LANG>_<TYPE>_LINKER__<name>_<config> rule) or
 * the compile of one of its sources (CMakeFiles/<name>.dir/<source>.o),
 * with the target's name; undefined for a custom command.
 */
function cmakeStep(g: Graph, target: string): { step: 'link' | 'compile'; name: string; source?: string } | undefined {
  const object = /\/CMakeFiles\/([^/]+)\.dir\/(.+)\.(o|obj)$/.exec(target);
  if (object) return { step: 'compile', name: object[1], source: object[2] };
  const linker = /^[A-Za-z0-9]+_(?:SHARED_LIBRARY|STATIC_LIBRARY|MODULE_LIBRARY|EXECUTABLE)_LINKER__(.+)_[^_]*$/.exec(g.ruleOf(target) ?? '');
  if (linker) return { step: 'link', name: linker[1] };
  const at = g.recipeAt(target);
  const name = at && cmakeTarget(at.file);
  if (name && g.recipe(target).lines.some((l) => l.includes('cmake_link_script'))) return { step: 'link', name };
  return undefined;
}

/** Where the rule for a target is, when the build system says (make: the makefile and line of its recipe). */
function at(g: Graph, target: string, show: (p: string) => string): string {
  const r = g.recipeAt(target);
  return r ? ` (its recipe is at ${show(r.file)}:${r.line})` : '';
}

/** A header a compiler read (`compiled`): its fix is the compiler's own list of headers (-MMD -MP), one finding per header. */
export function isCompiledHeader(file: string, compiled: boolean): boolean {
  return compiled && HEADER.test(file);
}

/** undeclared-input: `file`, which the job building `target` read, declared as its input. `compiled`: a compiler read it as a header. */
export function fixUndeclaredInput(g: Graph, target: string, file: string, show: (p: string) => string, compiled: boolean): string {
  const t = show(target);
  const f = show(file);
  const header = isCompiledHeader(file, compiled);
  if (g.generator === 'CMake') {
    // a target's own link or compile has no DEPENDS: the target's LINK_DEPENDS, the source's OBJECT_DEPENDS
    const step = cmakeStep(g, target);
    if (step?.step === 'link') return `list ${f} in LINK_DEPENDS of the target ${step.name}, which ${t} is the link of: set_property(TARGET ${step.name} APPEND PROPERTY LINK_DEPENDS ${inCMake(g.dir, file)})`;
    if (step?.source !== undefined) {
      return (
        `list ${f} in OBJECT_DEPENDS of ${step.source}, which ${t} is compiled from (target ${step.name}): set_property(SOURCE ${step.source} APPEND PROPERTY OBJECT_DEPENDS ${inCMake(g.dir, file)})` +
        (header ? `, or among the target's sources if it is generated` : '')
      );
    }
    return header
      ? `list ${f} in OBJECT_DEPENDS of the source compiled into ${t} (set_source_files_properties), or among the target's sources if it is generated`
      : `list ${f} in DEPENDS of the add_custom_command that makes ${t}`;
  }
  if (g.generator === 'Meson') return `list ${f} in depend_files: of the custom_target that makes ${t} (a file another target makes: in depends:)`;
  if (g.system === 'ninja') return `add ${f} to the implicit inputs of the edge that makes ${t} (build ${inFile(g, target)}: … | ${inFile(g, file)})`;
  const rule = `${inFile(g, target)}: ${inFile(g, file)}`;
  return header
    ? `add ${f} to the prerequisites of ${t}${at(g, target, show)}: ${rule}; or have the compiler list the headers it reads: -MMD -MP in its flags, and -include the .d files`
    : `add ${f} to the prerequisites of ${t}${at(g, target, show)}: ${rule}`;
}

/** undeclared-output: `file`, which the job building `target` also wrote, declared as an output of the same rule. */
export function fixUndeclaredOutput(g: Graph, target: string, file: string, show: (p: string) => string): string {
  const t = show(target);
  const f = show(file);
  if (g.generator === 'CMake') {
    const step = cmakeStep(g, target);
    if (step) {
      return (
        `have the ${step.step} of the target ${step.name} not write ${f} (CMake declares no other output of it), ` +
        `or write ${f} in a step that declares it: add_custom_command(TARGET ${step.name} POST_BUILD … BYPRODUCTS ${inCMake(g.dir, file)})`
      );
    }
    // a file in the source tree: the build directory is where it belongs
    const elsewhere = relativeInside(g.dir, file) === undefined ? `, or have it write ${f} in the build directory` : '';
    return `list ${f} in OUTPUT or BYPRODUCTS of the add_custom_command that makes ${t}${elsewhere}`;
  }
  if (g.generator === 'Meson') return `list ${f} in output: of the custom_target that makes ${t}`;
  if (g.system === 'ninja') return `add ${f} to the outputs of the edge that makes ${t} (build ${inFile(g, target)} | ${inFile(g, file)}: …)`;
  return `make ${f} a target of the rule for ${t}${at(g, target, show)}: ${inFile(g, target)} ${inFile(g, file)} &: … (grouped targets, GNU make 4.3), or have the recipe not write it`;
}

/**
 * Many undeclared inputs of one recipe (src/check/grouped.ts), `n` files
 * read by `by` (the programs): not a prerequisite list of them all, but a
 * file that changes with them (a manifest, a stamp), or nothing if the
 * recipe only looks them over.
 */
export function fixUndeclaredInputs(g: Graph, target: string, n: number, by: string, show: (p: string) => string): string {
  const t = show(target);
  const lead = `declaring ${count(n)} files one by one is not practical: if ${t} must change with them, make it depend on a file that changes with them, a manifest or a stamp file`;
  const ifNot = `if ${by} only looks them over (a checksum, a listing), nothing to do`;
  if (g.generator === 'CMake') return `${lead}, listed in DEPENDS of the add_custom_command that makes ${t}; ${ifNot}`;
  if (g.generator === 'Meson') return `${lead}, listed in depend_files: of the custom_target that makes ${t}; ${ifNot}`;
  if (g.system === 'ninja') return `${lead}, as an implicit input of the edge that makes ${t} (build ${inFile(g, target)}: … | STAMP); ${ifNot}`;
  return `${lead}${at(g, target, show)}: ${inFile(g, target)}: STAMP; ${ifNot}`;
}

/** Many undeclared outputs of one recipe, in the directories `dirs`: the target as their stamp, or the outputs declared. */
export function fixUndeclaredOutputs(g: Graph, target: string, dirs: readonly string[], show: (p: string) => string): string {
  const t = show(target);
  const where = dirs.map((d) => `${show(d)}/`).slice(0, 3).join(', ') + (dirs.length > 3 ? ', …' : '');
  const stamp = `if ${t} is their stamp (every rule that reads the files in ${where} depends on ${t}: one that does not is a missing-dep finding), nothing to do`;
  if (g.generator === 'CMake') return `${stamp}; else list them in OUTPUT or BYPRODUCTS of the add_custom_command that makes ${t}`;
  if (g.generator === 'Meson') return `${stamp}; else list them in output: of the custom_target that makes ${t}`;
  if (g.system === 'ninja') return `${stamp}; else add them to the outputs of the edge that makes ${t} (build ${inFile(g, target)} | …: …)`;
  return `${stamp}; else make them targets of the rule for ${t}${at(g, target, show)}, grouped (GNU make 4.3: ${inFile(g, target)} … &: …), or have the recipe not write them`;
}

/** missing-dep: the job building `target` used `from` (a target another rule makes, or a file under it), with no order between them. */
export function fixMissingDep(g: Graph, target: string, from: string, show: (p: string) => string, opts: { directory?: boolean } = {}): string {
  const t = show(target);
  const f = show(from);
  if (g.generator === 'CMake') {
    const consumer = cmakeTarget(target);
    return consumer
      ? `add_dependencies(${consumer} <the target whose custom command makes ${f}>), or list ${f} among the sources of ${consumer}`
      : `make the target that builds ${t} depend on the one that makes ${f}: add_dependencies(), or list ${f} among its sources`;
  }
  if (g.generator === 'Meson') return `list the custom_target that makes ${f} among the sources (or depends:) of the target that builds ${t}`;
  const [tf, ff] = [inFile(g, target), inFile(g, from)];
  if (g.system === 'ninja') return `add ${f} to the inputs of the edge that makes ${t}: implicit (build ${tf}: … | ${ff}) if ${t} must be remade when it changes, else order-only (|| ${ff})`;
  return opts.directory ? `add ${f} as an order-only prerequisite of ${t}${at(g, target, show)}: ${tf}: | ${ff}` : `add ${f} to the prerequisites of ${t}${at(g, target, show)}: ${tf}: ${ff}`;
}

/** A rule with no prerequisites that runs a sub-make: make it run at every build, so the sub-make decides. */
export function fixStaleSubMake(g: Graph, target: string, show: (p: string) => string): string {
  const t = show(target);
  return `make the rule for ${t} run at every build${at(g, target, show)}: ${inFile(g, target)}: FORCE (with an empty rule FORCE:), so the sub-make decides what is out of date`;
}

/**
 * The CMake target a make process builds, when it is one of CMake's
 * per-target sub-makes (`make -f CMakeFiles/<target>.dir/build.make`, run
 * in the build directory, which has CMakeCache.txt): the target and that
 * directory.
 */
export function cmakeSubMake(p: { argv: readonly string[]; cwd: string }): { target: string; dir: string } | undefined {
  if (!MAKES.has(baseName(p.argv[0] ?? '')) || !fs.existsSync(`${p.cwd}/CMakeCache.txt`)) return undefined;
  for (const f of makefileArgs(p.argv.slice(1))) {
    const m = /^(?:\.\/)?CMakeFiles\/([^/]+)\.dir\/build\.make$/.exec(f);
    if (m) return { target: m[1], dir: p.cwd };
  }
  return undefined;
}

/** A race between the jobs of two of CMake's per-target sub-makes (cmakeSubMake): the order to add, between CMake's targets. */
export function cmakeRaceFix(kind: 'write-write' | 'read-write' | 'used-before-produced', file: string, show: (p: string) => string, writer: string, other: string, dir: string): string {
  const f = show(file);
  if (kind === 'write-write') return `have only one of the CMake targets ${writer} and ${other} write ${f}, or order them: add_dependencies(${other} ${writer})`;
  return `make the CMake target ${other} wait for ${writer}, which makes ${f}: add_dependencies(${other} ${writer}), or list ${inCMake(dir, file)} among the sources of ${other}`;
}

/** A job that used a file another wrote, unordered: the order to add. */
function waitFor(f: string, writer: number, reader: number): string {
  return `make what job ${reader} builds depend on ${f}, so that it waits for job ${writer}`;
}

/** Races, found without the build system's graph: the order to add between the two jobs (by number, writer first). */
export const RACE_FIX = {
  'write-write': (f: string, a: number, b: number) => `have only one of jobs ${a} and ${b} write ${f}, or order them: what job ${b} builds depends on what job ${a} builds`,
  'read-write': waitFor,
  'used-before-produced': waitFor,
  'concurrent-append': (f: string) => `have each job write a file of its own and join them into ${f} in one step after them, or order the jobs`,
} as const;

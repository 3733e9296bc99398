/**
 * Ninja's view of the build (bt check --ninja DIR): ninja itself is asked
 * about the build directory DIR, as it is after the build:
 *
 *   ninja -C DIR -t targets all   every target and its rule
 *   ninja -C DIR -t query T…      each target's edge: explicit, implicit (|)
 *                                 and order-only (||) inputs
 *   ninja -C DIR -t deps          the dependencies ninja recorded from
 *                                 depfiles (deps = gcc / msvc)
 *
 * Outputs of one edge (same rule, same inputs) are made together. Ninja's
 * own files (build.ninja, .ninja_log, .ninja_deps) and depfiles (*.d) are
 * the build system's own. An edge is ordered after the edges making its
 * inputs of every kind, transitively (through phony edges too); the
 * dependencies recorded from depfiles order nothing: a clean build has
 * none (ninja -t missingdeps). The edge making the manifest (DIR/build.ninja:
 * CMake's RERUN_CMAKE) is its generator's: ninja runs it, and reloads the
 * manifest, before any other edge, so every edge is ordered after it, and
 * the other files it writes are the generator's own.
 *
 * The graph describes the jobs the ninja processes that ran in DIR started
 * (ninjasIn), and only those.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CheckError } from '../errors.js';
import { unnamedWorkingDir, workingDir } from '../log/io.js';
import { DEFAULT_DRIVERS, isDriver, programName, WRITES, type Build, type Process } from '../model/index.js';
import { subtree } from '../model/subtree.js';
import { baseName, normalizeAbs, pathsUnder } from '../normalize/paths.js';
import { generatorOf, type Graph } from './makegraph.js';
import { OrderIndex } from './order.js';

export interface NinjaEdge {
  rule: string;
  /** Absolute paths: explicit and implicit (`|`) inputs, whose change rebuilds the outputs. */
  inputs: string[];
  /** Order-only inputs (`||`): built first, but their change rebuilds nothing. */
  orderOnly: string[];
  /** Recorded dependencies (depfiles), absolute. */
  deps: string[];
}

const OWN = new Set(['build.ninja', '.ninja_log', '.ninja_deps']);
/** Drivers that run a ninja manifest; a driver named with --driver may be one too. */
export const NINJAS: ReadonlySet<string> = new Set(['ninja', 'samu']);
const OTHER_DRIVERS = new Set(DEFAULT_DRIVERS.filter((d) => !NINJAS.has(d)));
const BATCH = 500;

function ninja(dir: string, args: string[]): string {
  const r = spawnSync('ninja', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 2 ** 31 - 1, timeout: 300_000, env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw new CheckError('E_BAD_INPUT', `cannot run ninja (${r.error.message}): --ninja needs ninja installed (Debian: ninja-build)`, { cause: r.error });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || '').trim().split('\n')[0] || `exit status ${r.status}`;
    throw new CheckError('E_BAD_INPUT', `ninja -C ${dir} ${args.slice(0, 2).join(' ')} failed: ${why}`);
  }
  return r.stdout;
}

/** Parses `ninja -t query` output into edges (by absolute output path). */
export function parseQuery(text: string, abs: (p: string) => string, into = new Map<string, NinjaEdge>()): Map<string, NinjaEdge> {
  let cur: NinjaEdge | undefined;
  let part = '';
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (!line.startsWith(' ')) {
      cur = { rule: '', inputs: [], orderOnly: [], deps: [] };
      into.set(abs(line.replace(/:$/, '')), cur);
      part = '';
    } else if (/^ {2}input: /.test(line)) {
      cur!.rule = line.slice('  input: '.length).trim();
      part = 'input';
    } else if (/^ {2}\S/.test(line)) {
      part = line.trim();
    } else if (part === 'input' && cur) {
      const name = line.trim();
      if (name.startsWith('|| ')) cur.orderOnly.push(abs(name.slice(3)));
      else cur.inputs.push(abs(name.replace(/^\| /, '')));
    }
  }
  return into;
}

/** Parses `ninja -t deps` output: target -> recorded dependencies. */
export function parseDeps(text: string, abs: (p: string) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of text.split('\n')) {
    if (!line) cur = undefined;
    else if (!line.startsWith(' ')) {
      const m = /^(.*): #deps /.exec(line);
      cur = m ? [] : undefined;
      if (m) out.set(abs(m[1]), cur!);
    } else if (cur) cur.push(abs(line.trim()));
  }
  return out;
}

/** Outputs of edges with the same key were made by one command (the same rule and inputs). */
const edgeKey = (e: NinjaEdge): string => JSON.stringify([e.rule, e.inputs, e.orderOnly]);

export function ninjaGraph(dirArg: string): Graph {
  if (!path.isAbsolute(dirArg) && workingDir() === undefined) {
    throw new CheckError('E_BAD_INPUT', `--ninja ${dirArg}: the working directory ${unnamedWorkingDir()}: give the ninja build directory as an absolute path`);
  }
  const dir = path.resolve(dirArg);
  if (!fs.existsSync(path.join(dir, 'build.ninja'))) {
    throw new CheckError('E_BAD_INPUT', `--ninja ${dirArg}: no build.ninja there: give the ninja build directory of the traced build`);
  }
  const abs = (p: string) => (p.startsWith('/') ? normalizeAbs(p) : normalizeAbs(`${dir}/${p}`));
  const names = ninja(dir, ['-t', 'targets', 'all'])
    .split('\n')
    .map((l) => /^(.*): \S+$/.exec(l)?.[1])
    .filter((n): n is string => !!n);
  const edges = new Map<string, NinjaEdge>();
  for (let i = 0; i < names.length; i += BATCH) parseQuery(ninja(dir, ['-t', 'query', ...names.slice(i, i + BATCH)]), abs, edges);
  for (const [t, deps] of parseDeps(ninja(dir, ['-t', 'deps']), abs)) {
    const e = edges.get(t);
    if (e) e.deps = deps;
  }
  const together = new Map<string, string[]>();
  for (const [t, e] of edges) {
    if (e.rule === 'phony') continue;
    const k = edgeKey(e);
    together.set(k, [...(together.get(k) ?? []), t]);
  }
  // an edge is ordered after the edges making its inputs of every kind (phony ones too), not after its recorded deps
  const order = new OrderIndex((n) => {
    const e = edges.get(n);
    return e ? [...e.inputs, ...e.orderOnly] : [];
  });
  const madeWith = (t: string): Set<string> => {
    const e = edges.get(t);
    return new Set(e ? (together.get(edgeKey(e)) ?? [t]) : [t]);
  };
  const manifest = madeWith(abs('build.ninja'));
  const memo = new Map<string, Set<string>>();
  const closure = (t: string): Set<string> => {
    let seen = memo.get(t);
    if (seen) return seen;
    seen = new Set<string>();
    const stack = [t];
    while (stack.length) {
      const e = edges.get(stack.pop()!);
      for (const q of [...(e?.inputs ?? []), ...(e?.deps ?? [])]) {
        if (seen.has(q)) continue;
        seen.add(q);
        stack.push(q);
      }
    }
    memo.set(t, seen);
    return seen;
  };
  return {
    isTarget: (p) => {
      const e = edges.get(p);
      return !!e && e.rule !== 'phony';
    },
    dependsOn: closure,
    madeWith,
    targetsIn: pathsUnder(() => [...edges.keys()].filter((t) => edges.get(t)!.rule !== 'phony')),
    ordered: (from, to) => {
      if (manifest.has(from)) return true;
      const e = edges.get(from);
      return order.after(e ? edgeKey(e) : from, madeWith(from), [to]);
    },
    manifest: (t) => manifest.has(t) && !!edges.get(t) && edges.get(t)!.rule !== 'phony',
    recipe: () => ({ lines: [], auto: {} }),
    recipeTargets: () => [],
    ruleOf: (t) => {
      const e = edges.get(t);
      return e && e.rule !== 'phony' ? e.rule : undefined;
    },
    // ninja's tools do not say where in build.ninja an edge is
    recipeAt: () => undefined,
    system: 'ninja',
    dir,
    generator: generatorOf(dir),
    own: (p) => OWN.has(baseName(p)) || p.endsWith('.d'),
    // a phony input without inputs of its own is always dirty (ninja's FORCE)
    readsDepfiles: () => false,
    always: (t) =>
      (edges.get(t)?.inputs ?? []).some((q) => {
        const e = edges.get(q);
        return e?.rule === 'phony' && !e.inputs.length && !e.orderOnly.length;
      }),
  };
}

/**
 * The ninja processes of the build that ran in `dir` (ninja -C DIR, or
 * started there, as cmake --build starts it): the jobs they started are the
 * ones DIR's graph describes. A job anything else started (CMake's
 * configure step run by a shell, which writes build.ninja; a try-compile's
 * ninja in a directory of its own) is held to no edge of it.
 */
export function ninjasIn(build: Build, dir: string): Set<number> {
  const here = new Set([path.resolve(dir)]);
  try {
    here.add(fs.realpathSync(dir));
  } catch {
    // ninjaGraph has read it
  }
  const out = new Set<number>();
  for (const p of build.model.processes) {
    if (!build.jobs.runsDriver(p.proc) || isDriver(p, OTHER_DRIVERS, build.model.files)) continue;
    if (here.has(p.chdirs?.at(-1) ?? p.cwd)) out.add(p.proc);
  }
  return out;
}

/**
 * The generator's command ("meson --internal regenerate") when regenerating
 * the manifest was all that the ninjas in DIR ran: each process they
 * started wrote DIR/build.ninja, itself or in its tree (ninja's `sh -c`
 * running meson, a driver, whose writes belong to no job). Undefined
 * otherwise. Then no job built an edge, and that is no mistake of the
 * user's: ninja had nothing else out of date.
 */
export function onlyGenerator(build: Build, ninjas: ReadonlySet<number>, dir: string): string | undefined {
  const manifest = build.file(normalizeAbs(`${dir}/build.ninja`));
  if (!manifest) return undefined;
  const writers = new Set(manifest.procs.filter((a) => a.firstWrite >= 0 && a.kinds & WRITES).map((a) => a.proc));
  const started = build.model.processes.filter((p) => ninjas.has(p.parent));
  let label: string | undefined;
  for (const s of started) {
    let writer: Process | undefined;
    for (const q of subtree(build, s.proc)) {
      if (!writers.has(q.proc)) continue;
      writer = q;
      break;
    }
    if (!writer) return undefined;
    label ??= commandName(writer);
  }
  return label;
}

/** A command by its program and the words after it up to the first path: "meson --internal regenerate", "cmake --regenerate-during-build". */
function commandName(p: Process): string {
  const name = programName(p);
  const at = p.argv.findIndex((a) => baseName(a) === name);
  const words: string[] = [name];
  for (const a of p.argv.slice(at + 1)) {
    if (a.includes('/')) break;
    words.push(a);
  }
  return words.join(' ');
}

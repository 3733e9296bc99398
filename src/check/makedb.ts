/**
 * Make's own view of the build: bt check --make runs `make -pnq` with the
 * traced make's program, directory, arguments and environment (make
 * reads the makefiles and the included .d files as they are after the
 * build, prints its database, and runs no recipe: MAKE=true turns recursive
 * $(MAKE) lines into no-ops, `nice $(MAKE)` and `env X=1 $(MAKE)` too), and parses the
 * database: every target with its prerequisites (direct, found through
 * pattern rules, from included .d files; a relative one also as found
 * through VPATH and vpath, as in an out-of-tree build), the targets made
 * by the same rule, the pattern rules, .PHONY, and the makefiles read
 * (MAKEFILE_LIST).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { CheckError } from '../errors.js';
import type { Build, Process } from '../model/index.js';
import { normalizeAbs } from '../normalize/paths.js';
import { endedText, formatDuration, shellJoin, signalNumber } from '../present/format.js';

/** The programs that are make: their processes have a database (make -pnq) and start jobs. */
export const MAKES: ReadonlySet<string> = new Set(['make', 'gmake']);

export interface MakeTarget {
  path: string;
  /** Normal prerequisites: a newer one remakes the target. */
  prereqs: string[];
  /** Order-only prerequisites (after `|`): made first, but a newer one does not remake the target. */
  orderOnly: string[];
  /** Targets made by the same recipe (grouped targets, `a b: c` with one recipe). */
  siblings: string[];
  /** The target has a recipe of its own, maybe empty (`x: ;`); else an implicit rule may apply. */
  hasRecipe: boolean;
  /** Make searched the implicit rules for it (its prerequisites include what it found). */
  implicitDone: boolean;
  /** Its recipe as make prints it, unexpanded: one entry per line (a line continued with `\` keeps its `\` and newline); blank lines, which run nothing, left out (an empty rule `%.d: ;` has none). */
  recipe: string[];
  /** The stem a pattern rule matched (`%.o: %.c` making main.o: "main"). */
  stem?: string;
  /** The automatic variables make printed for it (`# @ := out/a.o`, `# < := a.c`): `@`, `<`, `^`, `*`… as make expanded them. */
  automatic: Record<string, string>;
  /** Where its recipe is: the makefile (absolute) and the line make names (`# recipe to execute (from 'Makefile', line 20)`). */
  recipeAt?: { file: string; line: number };
}

export interface PatternRule {
  targets: string[];
  prereqs: string[];
  orderOnly: string[];
  /** Its recipe, unexpanded (as MakeTarget.recipe). */
  recipe: string[];
}

export interface MakeDb {
  /** The directory make ran in (CURDIR). */
  curdir: string;
  targets: Map<string, MakeTarget>;
  patterns: PatternRule[];
  /** Absolute paths of every makefile read, included .d files too. */
  makefiles: Set<string>;
  /** .PHONY targets. */
  phony: Set<string>;
  /** Where make may find a prerequisite named `name`: in CURDIR (or absolute), then through VPATH/vpath. */
  resolve(name: string): string[];
}

/**
 * make's options that take a value, the one table of them: the letter, the
 * long names, how the value is given, and whether make -pnq drops the
 * option (with its value). 'word': attached or the next word (-f FILE,
 * -fFILE, --file FILE, --file=FILE); 'number': optional, attached or the
 * next word when that is a number (-j2, -j 2, --jobs 2, --jobs=2), as make
 * reads it; 'attached': optional, attached only (-Oline, --output-sync=line).
 */
const VALUE_OPTIONS: ReadonlyArray<{ short?: string; long: readonly string[]; value: 'word' | 'number' | 'attached'; drop: boolean }> = [
  { short: 'C', long: ['directory'], value: 'word', drop: false },
  { short: 'f', long: ['file', 'makefile'], value: 'word', drop: false },
  { short: 'I', long: ['include-dir'], value: 'word', drop: false },
  { short: 'o', long: ['old-file', 'assume-old'], value: 'word', drop: false },
  { short: 'W', long: ['what-if', 'new-file', 'assume-new'], value: 'word', drop: true },
  { short: 'j', long: ['jobs'], value: 'number', drop: true },
  { short: 'l', long: ['load-average', 'max-load'], value: 'number', drop: true },
  { short: 'O', long: ['output-sync'], value: 'attached', drop: true },
];
/** Short options without a value dropped: no-op/question/touch modes, printing, debugging, always-make, silent, keep-going, stop. */
const DROP_SHORT = 'BnqtpdskwS';
/** Long options without a value (or with an attached one: --debug=b) dropped. */
const DROP_LONG =
  /^--(always-make|just-print|dry-run|recon|question|touch|print-data-base|debug|trace|silent|quiet|print-directory|no-print-directory|keep-going|no-keep-going|stop|jobserver-auth|jobserver-fds|jobserver-style|shuffle)(=|$)/;
const NUMBER = /^\d+(\.\d+)?$/;

/** The traced make's arguments without -j, -n, -B, -p… (make -pnq adds its own). */
export function makeArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  /** The value of an option given as the next word, if it takes one there (i advanced past it). */
  const nextValue = (value: 'word' | 'number' | 'attached'): string[] => {
    if (value === 'attached' || i + 1 >= args.length) return [];
    if (value === 'number' && !NUMBER.test(args[i + 1])) return [];
    return [args[++i]];
  };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const opt = VALUE_OPTIONS.find((o) => o.long.includes(name));
      if (opt) {
        const value = eq < 0 ? nextValue(opt.value) : [];
        if (!opt.drop) out.push(a, ...value);
      } else if (!DROP_LONG.test(a)) out.push(a);
      continue;
    }
    if (!a.startsWith('-') || a === '-') {
      out.push(a);
      continue;
    }
    let kept = '';
    for (let k = 1; k < a.length; k++) {
      const c = a[k];
      const opt = VALUE_OPTIONS.find((o) => o.short === c);
      if (opt) {
        // the value ends the cluster: the rest of the word, else (maybe) the next word
        const rest = a.slice(k + 1);
        const value = rest ? [rest] : nextValue(opt.value);
        if (!opt.drop) {
          if (kept) out.push(`-${kept}`);
          kept = '';
          out.push(`-${c}`, ...(value.length ? value : ['']));
        }
        break;
      }
      if (!DROP_SHORT.includes(c)) kept += c;
    }
    if (kept) out.push(`-${kept}`);
  }
  return out;
}

/** MAKEFLAGS without job-server, -j and mode flags ("j2 --jobserver-auth=3,4 -- X=1" -> "-- X=1"). */
export function cleanMakeflags(flags: string): string {
  const words = flags.trim().split(/(?<!\\) +/).filter(Boolean);
  const dash = words.indexOf('--');
  const opts = dash < 0 ? words : words.slice(0, dash);
  const vars = dash < 0 ? [] : words.slice(dash);
  if (opts.length && !opts[0].startsWith('-')) opts[0] = `-${opts[0]}`;
  return [...makeArgs(opts), ...vars].join(' ');
}

/**
 * Variables of the traced environment that make -pnq must not inherit: a
 * preload (or audit library) and the state of the wrapper that set it.
 * Under fakeroot, LD_PRELOAD=libfakeroot and FAKEROOTKEY name a faked
 * daemon that is gone: libfakeroot waits for it forever. libeatmydata,
 * faketime's or a sanitizer's preload would change what make does, or
 * fail it. LD_LIBRARY_PATH stays: without a preload it only says where a
 * make built against other libraries finds them.
 */
const WRAPPER_STATE = /^(?:LD_PRELOAD|LD_AUDIT|FAKEROOT.*|FAKED_MODE|FAKETIME.*|FAKE_LD_PRELOAD)$/;

/**
 * The environment make -pnq runs with: the traced process's own (or ours),
 * in the C locale, without a preload and its wrapper's state
 * (WRAPPER_STATE), and with MAKEFLAGS and GNUMAKEFLAGS cleaned of the job
 * server (its fds, or fifo, were the traced make's) and of mode flags.
 */
export function makeEnv(p: Pick<Process, 'env'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (p.env.length) {
    for (const e of p.env) {
      const i = e.indexOf('=');
      if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
    }
  } else Object.assign(env, process.env);
  for (const name of Object.keys(env)) if (WRAPPER_STATE.test(name)) delete env[name];
  if (env.MAKEFLAGS !== undefined) env.MAKEFLAGS = cleanMakeflags(env.MAKEFLAGS);
  if (env.GNUMAKEFLAGS !== undefined) env.GNUMAKEFLAGS = cleanMakeflags(env.GNUMAKEFLAGS);
  delete env.MFLAGS;
  delete env.LANGUAGE;
  env.LC_ALL = 'C';
  return env;
}

/** The makefiles a make's arguments name (-f FILE, -fFILE, --file=FILE, --makefile FILE), as written. */
export function makefileArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    const long = /^--(?:file|makefile)(?:=(.*))?$/.exec(a);
    if (long) out.push(long[1] ?? args[++i] ?? '');
    else if (/^-[^-]*f/.test(a)) {
      // -f ends a cluster of short options (-sf confmf, -fMakefile)
      const rest = a.slice(a.indexOf('f') + 1);
      out.push(rest || (args[++i] ?? ''));
    }
  }
  return out;
}

/**
 * A make that cannot be asked again, by the build's own doing: it ran in a
 * directory the build removed (CMake's CMakeScratch/TryCompile-*, a
 * configure test's conftest.dir), on a makefile the build removed
 * (configure's conftest.make), or on a makefile read from its standard
 * input (`make -f -`: config.status's am--depfiles).
 */
export function removedByBuild(build: Build, p: Process): boolean {
  if (!p.cwd) return false;
  const gone = (path: string) => build.file(path)?.removed === true && !fs.existsSync(path);
  if (gone(p.cwd)) return true;
  return makefileArgs(p.argv.slice(1)).some((f) => f === '-' || gone(normalizeAbs(f.startsWith('/') ? f : `${p.cwd}/${f}`)));
}

/** How long make -pnq may take before it is killed (ms): a big tree's database takes seconds. */
export const MAKE_DB_TIMEOUT_MS = 300_000;

/** Runs `make -pnq` as the traced make process `p` ran, and parses the database; `timeoutMs`: when to give up on it. */
export async function makeDatabase(p: Process, timeoutMs = MAKE_DB_TIMEOUT_MS): Promise<MakeDb> {
  const exe = p.exe && fs.existsSync(p.exe) ? p.exe : 'make';
  if (!p.cwd || !fs.existsSync(p.cwd)) {
    throw new CheckError('E_BAD_INPUT', `--make runs make in the traced directory ${p.cwd || '(unknown)'}, which is gone: check on the machine and tree that were traced`);
  }
  // MAKE=true keeps recursive $(MAKE) lines (run even under -n) from walking the sub-makes: each has its own database.
  // (A program, not the builtin `:`: a wrapper such as `nice $(MAKE)` or `env X=1 $(MAKE)` execs it.)
  const args = [...makeArgs(p.argv.slice(1)), '-p', '-n', '-q', 'MAKE=true'];
  const r = await run(exe, args, p.cwd, makeEnv(p), timeoutMs);
  const ran = `${shellJoin([exe, ...args])} in ${p.cwd}`;
  if (r.error) throw new CheckError('E_BAD_INPUT', `cannot run ${exe} -pnq in ${p.cwd}: ${r.error.message}`, { cause: r.error });
  if (r.timedOut) throw new CheckError('E_BAD_INPUT', `${ran} did not finish: killed by SIGKILL after ${formatDuration(timeoutMs * 1e6)}`);
  if (r.signal) {
    const n = signalNumber(r.signal);
    throw new CheckError('E_BAD_INPUT', `${ran} was ${n ? endedText(-1, n) : `killed by ${r.signal}`}`);
  }
  // make prints its database even when it stops on an error (no makefile, a syntax error): -q exits 2 then, 0 or 1 otherwise
  if (r.status !== null && r.status > 1) {
    const lines = r.stderr.trim().split('\n');
    const why = lines.find((l) => l.includes('***')) ?? lines[0] ?? '';
    throw new CheckError('E_BAD_INPUT', `make -pnq in ${p.cwd} failed (${why.trim() || `exit status ${r.status}`}): --make needs the makefiles as they were when the build ran`);
  }
  const at = r.stdout.lastIndexOf('# GNU Make');
  if (at < 0 || !r.stdout.includes('\n# Files', at)) {
    const why = r.stderr.trim().split('\n')[0] || `exit status ${r.status}`;
    throw new CheckError('E_BAD_INPUT', `make -pnq in ${p.cwd} gave no database (${why}): --make needs GNU make and the makefiles as they were`);
  }
  return parseMakeDb(r.stdout.slice(at), p.cwd);
}

/** The databases of several make processes, `jobs` make runs at a time (a CheckError where make gave none). */
export async function makeDatabases(procs: readonly Process[], jobs = Math.max(1, os.cpus().length)): Promise<Array<MakeDb | CheckError>> {
  const out: Array<MakeDb | CheckError> = new Array(procs.length);
  let next = 0;
  const worker = async () => {
    while (next < procs.length) {
      const i = next++;
      try {
        out[i] = await makeDatabase(procs[i]);
      } catch (err) {
        if (!(err instanceof CheckError)) throw err;
        out[i] = err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, procs.length) }, worker));
  return out;
}

interface RunResult {
  stdout: string;
  stderr: string;
  status: number | null;
  /** The signal that ended it (`close`'s), if one did. */
  signal: NodeJS.Signals | null;
  /** We killed it: it ran longer than its time. */
  timedOut: boolean;
  error?: Error;
}

function run(exe: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(exe, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ stdout: '', stderr: '', status: null, signal: null, timedOut, error });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), status, signal, timedOut });
    });
  });
}

const TARGET_VAR = /^[^\t#][^:]*?: \S+ (?:[+?!]|::?)?= /;

/** Parses the output of `make -p` (the last database in it). */
export function parseMakeDb(text: string, cwd: string): MakeDb {
  const lines = text.split('\n');
  let section = '';
  let curdir = cwd;
  let makefileList = '';
  let general = false;
  const vpaths: { pattern: string; dirs: string[] }[] = [];
  const blocks: { section: string; lines: string[] }[] = [];
  let block: string[] = [];
  const flush = () => {
    if (block.length) blocks.push({ section, lines: block });
    block = [];
  };
  for (const line of lines) {
    const head = /^# (Variables|Implicit Rules|Files|Directories|Pattern-specific Variable Values|VPATH Search Paths|files hash-table stats|Finished Make data base)/.exec(line);
    if (head) {
      flush();
      section = head[1];
      continue;
    }
    if (section === 'Variables') {
      const m = /^(CURDIR|MAKEFILE_LIST) :?= ?(.*)$/.exec(line);
      if (m) {
        if (m[1] === 'CURDIR') curdir = m[2];
        else makefileList = m[2];
      }
      continue;
    }
    if (section === 'VPATH Search Paths') {
      const v = /^vpath (\S+) (.+)$/.exec(line);
      if (v) vpaths.push({ pattern: v[1], dirs: v[2].split(':') });
      else if (general) vpaths.push({ pattern: '%', dirs: line.replace(/^# /, '').split(/[:\s]+/) });
      general = line.startsWith("# General ('VPATH' variable) search path:");
      continue;
    }
    if (section !== 'Files' && section !== 'Implicit Rules') continue;
    if (line === '') flush();
    else block.push(line);
  }
  flush();

  const abs = (name: string) => (name.startsWith('/') ? normalizeAbs(name) : normalizeAbs(`${curdir}/${name}`));
  /** A prerequisite where make may find it: here, and through VPATH/vpath. */
  const found = (name: string): string[] => {
    const out = [abs(name)];
    if (name.startsWith('/')) return out;
    for (const v of vpaths) {
      if (v.pattern !== '%' && !matchesPattern(v.pattern, name)) continue;
      for (const d of v.dirs) if (d) out.push(abs(`${d}/${name}`));
    }
    return out;
  };
  const targets = new Map<string, MakeTarget>();
  const patterns: PatternRule[] = [];
  const byRecipe = new Map<string, string[]>();
  for (const b of blocks) {
    const rule = b.lines.find((l) => !l.startsWith('#') && !l.startsWith('\t') && !TARGET_VAR.test(l));
    if (!rule) continue;
    const m = /^(.+?)(::?)(?:\s+(.*))?$/.exec(rule);
    if (!m) continue;
    const names = m[1].trim().split(/\s+/);
    const words = (m[3] ?? '').trim().split(/\s+/).filter(Boolean);
    const bar = words.indexOf('|');
    const prereqs = bar < 0 ? words : words.slice(0, bar);
    const orderOnly = bar < 0 ? [] : words.slice(bar + 1);
    if (b.section === 'Implicit Rules') {
      patterns.push({ targets: names, prereqs, orderOnly, recipe: recipeLines(b.lines) });
      continue;
    }
    const recipe = b.lines.find((l) => l.startsWith('#  recipe to execute (from'));
    const stem = stemOf(b.lines);
    const lines = recipeLines(b.lines);
    const auto = automaticOf(b.lines);
    const also = b.lines.find((l) => l.startsWith('#  Also makes:'));
    for (const n of names) {
      const path = abs(n);
      const t: MakeTarget = {
        path,
        prereqs: [...new Set(prereqs.flatMap(found))],
        orderOnly: [...new Set(orderOnly.flatMap(found))],
        siblings: also ? also.slice('#  Also makes:'.length).trim().split(/\s+/).map(abs).filter((s) => s !== path) : [],
        hasRecipe: lines.length > 0 || recipe !== undefined,
        recipe: lines,
        stem,
        automatic: auto,
        implicitDone: b.lines.includes('#  Implicit rule search has been done.'),
        recipeAt: recipeAt(recipe, abs),
      };
      const old = targets.get(path);
      if (old) {
        // double-colon rules: one entry per rule
        old.prereqs = [...new Set([...old.prereqs, ...t.prereqs])];
        old.orderOnly = [...new Set([...old.orderOnly, ...t.orderOnly])];
        old.hasRecipe ||= t.hasRecipe;
        if (!old.recipe.length) old.recipe = t.recipe;
      } else targets.set(path, t);
      if (recipe && stem === undefined) {
        let same = byRecipe.get(recipe);
        if (!same) byRecipe.set(recipe, (same = []));
        same.push(path);
      }
    }
  }
  // `a b: c` with one recipe: each is made by the same command
  for (const same of byRecipe.values()) {
    if (same.length < 2 || same.length > 64) continue;
    for (const p of same) {
      const t = targets.get(p)!;
      t.siblings = [...new Set([...t.siblings, ...same.filter((s) => s !== p)])];
    }
  }
  const makefiles = new Set(makefileList.trim().split(/\s+/).filter(Boolean).map(abs));
  const phony = new Set(targets.get(abs('.PHONY'))?.prereqs ?? []);
  return { curdir, targets, patterns, makefiles, phony, resolve: found };
}

/** The pattern stem of a database entry (`#  Implicit/static pattern stem: 'main'`), if it has one. */
function stemOf(block: readonly string[]): string | undefined {
  for (const l of block) {
    const m = /^#  Implicit\/static pattern stem: '(.*)'$/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

/** The automatic variables of a database entry, as make prints them for a target it visited (`# automatic` then `# @ := out/a.o`). */
function automaticOf(block: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; i < block.length; i++) {
    const m = /^# ([@*<^+?|%]) := (.*)$/.exec(block[i]);
    if (m && block[i - 1] === '# automatic') out[m[1]] = m[2];
  }
  return out;
}

/** The recipe lines of a database entry: its tab lines, a line ending in `\` joined with the next; blank ones (make runs nothing for them: `x: ;`) left out. */
function recipeLines(block: readonly string[]): string[] {
  const out: string[] = [];
  let open = false;
  for (const l of block) {
    if (!l.startsWith('\t')) {
      open = false;
      continue;
    }
    const text = l.slice(1);
    if (open) out[out.length - 1] += `\n${text}`;
    else out.push(text);
    open = /(^|[^\\])(\\\\)*\\$/.test(text);
  }
  return out.filter((l) => l.trim() !== '');
}

/** A make pattern ("%.c", "foo") matches a name. */
export function matchesPattern(pat: string, name: string): boolean {
  const i = pat.indexOf('%');
  if (i < 0) return pat === name;
  return name.length >= pat.length - 1 && name.startsWith(pat.slice(0, i)) && name.endsWith(pat.slice(i + 1));
}

/** The makefile and line of make's `#  recipe to execute (from 'Makefile', line 20):`, the file absolute (`abs`). */
function recipeAt(line: string | undefined, abs: (name: string) => string): { file: string; line: number } | undefined {
  const m = line === undefined ? null : /^#  recipe to execute \(from '(.+)', line (\d+)\):/.exec(line);
  return m ? { file: abs(m[1]), line: Number(m[2]) } : undefined;
}

/**
 * bt export compile-commands: a JSON Compilation Database
 * (https://clang.llvm.org/docs/JSONCompilationDatabase.html) from the build
 * model.
 *
 *  - One entry per compile of a source file: `directory` (the compiler's cwd), `file`
 *    (absolute), `arguments` (never a shell string; argv[0] is the program
 *    as executed, i.e. its absolute path; other sources of the same command
 *    are left out, the order of the rest is kept) and `output` (the -o file
 *    or the default object name, absolute).
 *  - Compilers are recognised by program name: cc, c++, gcc, g++, clang,
 *    clang++, with cross prefixes and version suffixes
 *    (x86_64-linux-gnu-gcc-12, arm-none-eabi-gcc, clang-16), plus any
 *    name given with `compilers`. Compiler-internal programs (cc1, cc1plus,
 *    as, collect2, ld, lto1) never produce entries; neither do -E, -M/-MM,
 *    --version and friends, nor pure link steps (no source file).
 *  - ccache, sccache, distcc and icecc are unwrapped: the entry is the
 *    compiler command they were given. Whatever runs below a recognised
 *    compile (the wrapper's real compiler, cc1, as) is part of it and adds
 *    nothing. libtool is a script that runs the compiler: the compiler it
 *    runs is what counts.
 *  - A file compiled several times (variants, PIC and not, a -fsyntax-only
 *    check) has an entry for each distinct command; the same command again
 *    in the same directory (configure's conftest.c) is one entry. A file's
 *    entries come together, at its first compile in start order, those that
 *    write an output first: clangd takes a file's first entry.
 *  - A probe compile has no entry unless `probes` (probeOf: --probes): one
 *    a configure step ran (answers/phases.ts configureStepOf: autoconf's
 *    conftest.c, CMake's compiler identification CMakeCCompilerId.c, its
 *    ABI check and try-compiles, meson setup's sanity checks), which probes
 *    the toolchain and builds nothing of the project, whether its source is
 *    still there or not; one of a source the build made and removed (go's
 *    /tmp/go-build…/_cgo_export.c); or one of no regular file (kbuild's
 *    cc-option and try-run: `-x c /dev/null -o .tmp_1234/tmp`; a source
 *    read from stdin `-` is none already). There is nothing for an editor
 *    to open, or what there is would be opened with a probe's flags (a
 *    try-compile of a project source comes before its real compile). A
 *    file that is there, compiled into a scratch directory the build
 *    removed outside a configure step, keeps its entry, as with Bear
 *    (kbuild's try-run of a source of the tree). A note says how many
 *    were left out, and why.
 */
import fs from 'node:fs';
import { Kind, READS, type Build, type Process } from '../model/index.js';
import { envMap } from '../model/env.js';
import { configureStepOf } from '../answers/phases.js';
import { COMPILER_INTERNAL, isCompilerName, SOURCE_EXT, WITH_VALUE } from '../model/toolargs.js';
import { baseName, isPseudoPath, normalizeAbs } from '../normalize/paths.js';
import { describeFsError } from '../log/io.js';
import { count } from '../present/format.js';

export interface CompileCommand {
  directory: string;
  file: string;
  arguments: string[];
  output?: string;
}

export interface CompileCommandsOptions {
  /** More compiler program names (`--compiler NAME`), matched on the basename of argv[0] or the executable. */
  compilers?: readonly string[];
  /** Replace `@file` arguments by the file's arguments (read from disk now, relative to the compile's cwd). */
  expandResponseFiles?: boolean;
  /** Keep the probe compiles (probeOf: those a configure step ran, and those of sources the build made and removed or of no regular file), by default left out. */
  probes?: boolean;
  /** Told what could not be done (a response file that cannot be read now), one line each. */
  onNote?: (line: string) => void;
  /**
   * Only the compiles of which one of these processes is part (the compiler
   * command or what it ran: cc1, as): a display filter's processes with
   * their ancestors (export/select.ts), so a compile is kept when it is
   * one of them or an ancestor of one.
   */
  procs?: ReadonlySet<number>;
}


/** Programs that run a compiler given as their first non-option argument. */
const WRAPPERS = new Set(['ccache', 'sccache', 'distcc', 'icecc']);


/** Compilers of languages a compilation database has no entries for: named in the note of an empty database. */
const OTHER_LANGUAGE_COMPILERS = new Set(['javac', 'ecj', 'kotlinc', 'kotlinc-jvm', 'scalac', 'groovyc', 'rustc', 'tsc', 'csc', 'ghc']);

/** Options that make the call something other than a compile. */
const NOT_A_COMPILE = new Set(['-E', '-M', '-MM', '--version', '-dumpversion', '-dumpfullversion', '-dumpmachine', '-dumpspecs', '--help', '-###', '--target-help']);

/** Splits a response file's text the way gcc does: whitespace-separated, '…' and "…" quoting, backslash escapes. */
export function splitResponseFile(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (quote) {
      if (c === quote) quote = '';
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Replaces `@file` arguments by their content (recursively, up to a depth); unreadable ones stay as they are (`unreadable` is told which, and why). */
export function expandResponseFiles(args: readonly string[], cwd: string, depth = 0, unreadable?: (path: string, err: unknown) => void): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a.length > 1 && a[0] === '@' && depth < 16) {
      const file = normalizeAbs(a.slice(1).startsWith('/') ? a.slice(1) : `${cwd}/${a.slice(1)}`);
      let text: string | undefined;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        unreadable?.(file, err);
      }
      if (text !== undefined) {
        out.push(...expandResponseFiles(splitResponseFile(text), cwd, depth + 1, unreadable));
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

interface Parsed {
  /** Indices of the source files in args. */
  sources: number[];
  output?: string;
  /** -c, -S or -fsyntax-only (which writes nothing, whatever -c, -S or -o say): what gets written. */
  stop: 'c' | 'S' | 'syntax' | 'link';
}

/** Parses a compiler command line (args[0] = the compiler); undefined if it compiles nothing. */
export function parseCompile(args: readonly string[]): Parsed | undefined {
  const sources: number[] = [];
  let lang = '';
  let output: string | undefined;
  let stop: Parsed['stop'] = 'link';
  let endOfOptions = false;
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (!endOfOptions && a.length > 1 && a[0] === '-') {
      if (a === '--') {
        endOfOptions = true;
        continue;
      }
      if (NOT_A_COMPILE.has(a) || a.startsWith('-print-') || a.startsWith('--print-')) return undefined;
      // the earliest stage asked for wins, in any order: -fsyntax-only, then -S, then -c
      if (a === '-c') {
        if (stop === 'link') stop = 'c';
      } else if (a === '-S') {
        if (stop !== 'syntax') stop = 'S';
      } else if (a === '-fsyntax-only') stop = 'syntax';
      else if (a === '-o' || a === '--output') output = args[i + 1];
      else if (a.startsWith('--output=')) output = a.slice('--output='.length);
      else if (a.startsWith('-o')) output = a.slice(2);
      else if (a === '-x') lang = args[i + 1] ?? '';
      else if (a.startsWith('-x')) lang = a.slice(2);
      if (WITH_VALUE.has(a)) i++;
      continue;
    }
    if (a[0] === '@' && a.length > 1) continue; // a response file not expanded: not a source
    if (a === '-') continue; // stdin
    const dot = a.lastIndexOf('.');
    const ext = dot > a.lastIndexOf('/') ? a.slice(dot + 1) : '';
    const isSource = lang && lang !== 'none' ? true : SOURCE_EXT.has(ext);
    if (isSource) sources.push(i);
  }
  if (!sources.length) return undefined;
  return { sources, output, stop };
}

/** The default output of compiling `file` when no -o is given (gcc's rule: in the cwd). */
function defaultOutput(file: string, stop: Parsed['stop']): string | undefined {
  const base = baseName(file);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  if (stop === 'c') return `${stem}.o`;
  if (stop === 'S') return `${stem}.s`;
  if (stop === 'link') return 'a.out';
  return undefined;
}

const abs = (cwd: string, p: string): string => normalizeAbs(p.startsWith('/') ? p : `${cwd}/${p}`);

/** The entries of one compiler command run in `cwd`, in argument order. */
export function entriesOf(args: readonly string[], cwd: string): CompileCommand[] {
  const parsed = parseCompile(args);
  if (!parsed) return [];
  const sourceSet = new Set(parsed.sources);
  const out: CompileCommand[] = [];
  for (const s of parsed.sources) {
    const file = abs(cwd, args[s]);
    const entry: CompileCommand = {
      directory: cwd,
      file,
      arguments: args.filter((_, i) => i === s || !sourceSet.has(i)),
    };
    const o = parsed.stop === 'syntax' ? undefined : parsed.output ?? defaultOutput(file, parsed.stop);
    // `-o -` writes to stdout: no file
    if (o !== undefined && o !== '-' && (parsed.output === undefined || parsed.sources.length === 1 || parsed.stop === 'link')) {
      entry.output = abs(cwd, o);
    }
    out.push(entry);
  }
  return out;
}

/** What a process ran, as a compiler command (argv[0] = as executed), or undefined if it is no compile. */
function compilerCommand(p: Process, build: Build, extra: ReadonlySet<string>): string[] | undefined {
  // a #! script (a wrapper script, a compiler that is one) as its caller ran it, not its interpreter's argv
  const argv = p.invoked ?? p.argv;
  if (!argv.length) return undefined;
  const names = [baseName(argv[0]), p.exe ? baseName(p.exe) : ''];
  if (names.some((n) => COMPILER_INTERNAL.has(n))) return undefined;
  const wrapper = names.find((n) => WRAPPERS.has(n));
  if (wrapper !== undefined && !isCompilerName(names[0], extra)) {
    // `ccache [options] COMPILER ARGS…`: the compiler command it was given.
    let i = 1;
    while (i < argv.length && argv[i].startsWith('-')) i++;
    if (i >= argv.length) return undefined;
    return [executed(p, argv[i], build), ...argv.slice(i + 1)];
  }
  if (names.some((n) => n && isCompilerName(n, extra))) return [p.exe || argv[0], ...argv.slice(1)];
  return undefined;
}

/**
 * The program a wrapper ran for compiler word `word`: the executable of a
 * descendant that ran a program of that name; on a cache hit no compiler
 * runs, so the word is looked up in the wrapper's PATH (on this machine, now),
 * else kept as it is.
 */
function executed(p: Process, word: string, build: Build): string {
  if (word.startsWith('/')) return word;
  const name = baseName(word);
  const stack = [...p.children];
  while (stack.length) {
    const c = build.process(stack.shift()!);
    if (!c) continue;
    if (c.execd && c.exe && baseName(c.exe) === name) return c.exe;
    stack.push(...c.children);
  }
  return onPath(word, p) ?? word;
}

/** `name` looked up now in the PATH the process had (what a wrapper's execvp would find), if found. */
function onPath(name: string, p: Process): string | undefined {
  if (name.includes('/')) return undefined;
  const path = envMap(p.env).get('PATH') ?? '/usr/local/bin:/usr/bin:/bin';
  for (const dir of path.split(':')) {
    if (!dir.startsWith('/')) continue;
    const cand = normalizeAbs(`${dir}/${name}`);
    try {
      fs.accessSync(cand, fs.constants.X_OK);
      if (fs.statSync(cand).isFile()) return cand;
    } catch {
      /* not there */
    }
  }
  return undefined;
}

/** Why a compile is a probe, as the note says it. */
const PROBE_WHY = {
  configure: 'run by a configure step',
  removed: 'of sources the build made and removed',
  pseudo: 'of no regular file',
} as const;
type ProbeWhy = keyof typeof PROBE_WHY;

/**
 * Why compile `e` of process `proc` only probed the compiler, if it did: a
 * configure step ran it, or its source is no regular file the build leaves
 * (a file it made and removed, a device such as /dev/null).
 */
function probeOf(build: Build, proc: number, e: CompileCommand): ProbeWhy | undefined {
  if (configureStepOf(build, proc) !== undefined) return 'configure';
  if (isPseudoPath(e.file)) return 'pseudo';
  const f = build.file(e.file);
  return f && f.created && f.removed ? 'removed' : undefined;
}

/** The compilation database of a build. */
export function compileCommands(build: Build, opts: CompileCommandsOptions = {}): CompileCommand[] {
  const extra = new Set(opts.compilers ?? []);
  const claimed = new Set<number>();
  const seen = new Set<string>();
  // By file, in the order of each file's first compile: those that write an output, then -fsyntax-only ones.
  const byFile = new Map<string, { real: CompileCommand[]; syntax: CompileCommand[] }>();
  const unread = new Map<string, { why: string; n: number }>();
  /** Probe compiles left out: their keys (one per distinct command), the compiler runs they stand for, the names of their sources (as the note shows them), and why. */
  const probes = new Set<string>();
  const probeRuns = new Set<number>();
  const probed = new Set<string>();
  const whys = new Set<ProbeWhy>();
  /** The compiler commands (by the program's name as run, how many times), for the note of an empty database. */
  const ran = new Map<string, number>();
  for (const p of build.model.processes) {
    // Whatever a recognised compile runs (cc1, as, the real compiler under ccache) is part of it.
    if (p.parent && claimed.has(p.parent)) {
      claimed.add(p.proc);
      continue;
    }
    if (!p.execd) continue;
    let args = compilerCommand(p, build, extra);
    if (!args) continue;
    claimed.add(p.proc);
    if (opts.procs && !opts.procs.has(p.proc)) continue;
    const name = baseName((p.invoked ?? p.argv)[0] ?? p.exe);
    ran.set(name, (ran.get(name) ?? 0) + 1);
    if (opts.expandResponseFiles) {
      args = expandResponseFiles(args, p.cwd, 0, (file, err) => {
        const u = unread.get(file);
        if (u) u.n++;
        else unread.set(file, { why: describeFsError(err), n: 1 });
      });
    }
    const syntaxOnly = parseCompile(args)?.stop === 'syntax';
    for (const e of entriesOf(args, p.cwd)) {
      // a source the build only looked for and never found (a compile that failed on it): no entry, as Bear
      const f = build.file(e.file);
      if (f && f.kinds & Kind.PROBE && !(f.kinds & READS)) continue;
      const key = JSON.stringify([e.directory, e.file, e.arguments]);
      const why = opts.probes ? undefined : probeOf(build, p.proc, e);
      if (why) {
        probes.add(key);
        probeRuns.add(p.proc);
        probed.add(isPseudoPath(e.file) ? e.file : baseName(e.file));
        whys.add(why);
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      let file = byFile.get(e.file);
      if (!file) byFile.set(e.file, (file = { real: [], syntax: [] }));
      (syntaxOnly ? file.syntax : file.real).push(e);
    }
  }
  for (const [file, { why, n }] of unread) {
    opts.onNote?.(`cannot read the response file ${file} now (${why}): its @ argument is left as it is in ${n === 1 ? '1 compile' : `${n} compiles`}`);
  }
  if (probes.size) {
    const n = probes.size === 1 ? '1 probe compile' : `${probes.size} probe compiles`;
    // the same command run again is one entry: configure's 252 runs of `gcc -c conftest.c` are a few compiles
    const runs = probeRuns.size > probes.size ? `${count(probeRuns.size)} compiler runs; ` : '';
    const names = `${[...probed].slice(0, 2).join(', ')}${probed.size > 2 ? ', …' : ''}`;
    const why = (Object.keys(PROBE_WHY) as ProbeWhy[]).filter((w) => whys.has(w)).map((w) => PROBE_WHY[w]);
    const whyText = why.length > 1 ? `${why.slice(0, -1).join(', ')} or ${why[why.length - 1]}` : why[0];
    opts.onNote?.(`left out ${n} (${runs}${names}: ${whyText}): --probes keeps them`);
  }
  if (!byFile.size && !probes.size && !opts.procs) opts.onNote?.(emptyWhy(build, ran));
  return [...byFile.values()].flatMap((f) => [...f.real, ...f.syntax]);
}

/** Times, in words: "1 time", "3 times". */
const times = (n: number) => (n === 1 ? '1 time' : `${n} times`);

/**
 * Why a build's database is empty, in one line: no C-family compiler ran
 * (naming the compilers of other languages that did: javac), or the
 * compiler commands that ran (cc linking, a `--compiler javac`) named no
 * C-family source, which is known by its extension (SOURCE_EXT).
 */
function emptyWhy(build: Build, ran: ReadonlyMap<string, number>): string {
  if (ran.size) {
    const which = [...ran].map(([name, n]) => `${name} ran ${times(n)}`).join(', ');
    return `no entries: ${which} but named no C-family source (a C, C++, Objective-C or CUDA file, known by its extension: .c, .cc, .cpp, .m, .cu, …)`;
  }
  const others = new Map<string, number>();
  for (const p of build.model.processes) {
    const name = p.execd ? baseName(p.exe) : '';
    if (OTHER_LANGUAGE_COMPILERS.has(name)) others.set(name, (others.get(name) ?? 0) + 1);
  }
  const other = others.size ? `; ${[...others].map(([name, n]) => `${name} ran ${times(n)}`).join(', ')}: a compilation database is for C, C++, Objective-C and CUDA sources only` : '';
  return `no entries: no C-family compiler (cc, gcc, clang, c++, g++, clang++ or one named with --compiler) ran in this build${other}`;
}

/** The database as JSON text (2-space indented, like Bear's). */
export function compileCommandsJson(entries: readonly CompileCommand[]): string {
  return `${JSON.stringify(entries, null, 2)}\n`;
}

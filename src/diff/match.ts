/**
 * Matching the processes of two builds. A process is known by its tool
 * (argv[0]'s name), its arguments with temporary names and the start
 * directory masked, and its working directory relative to the start
 * directory. The two builds' roots (the traced commands) always pair,
 * whatever their arguments, unless one is a shell that ran the other's
 * command among its own (rootPair: `sh -c './configure && make -j2'`
 * against a later `make -j2`), or a wrapper that ran it (`timeout 600
 * make -j2`): then that command pairs with the other root. The other processes with the same key pair up
 * in start order; the rest pair, when they can, as "the same command with
 * other arguments": the same tool writing the same output, then the same
 * tool under matched parents, then the same tool and directory; in both,
 * the most arguments in common first, and only pairs that share at least
 * half their words or where one's words are all in the other (only words
 * added or only removed: `gen` and `gen --fast x`; a shell's -c script
 * counts as its words, `compared`). Last, what is left
 * pairs by what it made: the topmost unpaired processes of each side whose
 * trees alone wrote the same file (`gcc -c u.c`, whose `as` wrote u.o,
 * against `clang -c u.c`; `gcc -o prog`, whose ld paired with clang's).
 */
import { posix } from 'node:path';
import { programName, WRITES, type Build, type Process } from '../model/index.js';
import { baseName } from '../normalize/paths.js';
import { isWrapper, shellInline } from '../model/program.js';
import { rootProcess } from './base.js';
import type { Masker } from './mask.js';

export interface Side {
  build: Build;
  mask: Masker;
  /** Processes that ran a program (forks that did not exec run their parent's). */
  procs: Process[];
  /** Masked argv (argv[0] kept as its name), cwd and key per proc id. */
  argv: Map<number, string[]>;
  cwd: Map<number, string>;
  key: Map<number, string>;
  /** Non-temporary file keys each process wrote. */
  wrote: Map<number, string[]>;
  /** Non-temporary file keys each process and its subprocesses wrote (what it made). */
  made: Map<number, Set<string>>;
  /** The source files each process names in its words (`sources`), as file keys, sorted and joined; '' for none. */
  source: Map<number, string>;
  /** Every non-temporary file key the build wrote, and those files' names (a quick test of a word before it is resolved). */
  madeKeys: Set<string>;
  madeNames: Set<string>;
  /** The file keys a process names in its words that either build made (`named`, filled when asked). */
  named: Map<number, Set<string>>;
}

export interface Matching {
  /** A proc -> B proc: same key. */
  same: Map<number, number>;
  /** A proc -> B proc: the same command with other arguments. */
  changed: Map<number, number>;
  onlyA: Process[];
  onlyB: Process[];
  /** The pair standing for the two traced commands (rootPair): A's proc and B's; none when a build has no root that ran a program. */
  roots?: [number, number];
  /** A root shell that only wrapped the pair's command (rootPair), of A or of B: unpaired, in onlyA or onlyB. */
  wrapperA?: number;
  wrapperB?: number;
}

/** Pairs compared with an LCS at most (bigger groups pair by output and parent only). */
const MAX_GROUP = 300;

export function side(build: Build, mask: Masker): Side {
  const procs = build.model.processes.filter((p) => p.execd);
  const s: Side = {
    build,
    mask,
    procs,
    argv: new Map(),
    cwd: new Map(),
    key: new Map(),
    wrote: new Map(),
    made: new Map(),
    source: new Map(),
    madeKeys: new Set(),
    madeNames: new Set(),
    named: new Map(),
  };
  for (const p of procs) {
    const argv = [programName(p), ...p.argv.slice(1).map((a) => mask.text(a, p.cwd))];
    const cwd = mask.cwd(p.cwd);
    s.argv.set(p.proc, argv);
    s.cwd.set(p.proc, cwd);
    s.key.set(p.proc, JSON.stringify([cwd, argv]));
    const wrote: string[] = [];
    for (const a of p.files.values()) {
      if (!(a.kinds & WRITES)) continue;
      const f = build.model.files[a.file];
      if (f.dir || (f.created && f.removed)) continue;
      const k = mask.path(f.path);
      if (k !== '<tmp>' && !k.startsWith('/dev/')) {
        wrote.push(k);
        s.madeKeys.add(k);
        s.madeNames.add(baseName(f.path));
      }
    }
    s.wrote.set(p.proc, wrote);
    // each source as a file's key (resolved from the working directory): `$START/x.c` and `../x.c` from a build directory are one
    // (a temporary is no source: a made and removed `x.c` names nothing both builds had)
    const src = sources(p.argv).map((w) => mask.path(posix.resolve(p.cwd || '/', w)));
    s.source.set(p.proc, [...new Set(src.filter((k) => !k.includes('<tmp>')))].sort().join('\0'));
  }
  for (const p of procs) s.made.set(p.proc, new Set());
  for (const p of procs) {
    const w = s.wrote.get(p.proc)!;
    if (!w.length) continue;
    // the process and each ancestor that ran a program (a fork that ran none has no entry)
    for (let up: Process | undefined = p; up; up = build.process(up.parent)) {
      const m = s.made.get(up.proc);
      if (m) for (const k of w) m.add(k);
    }
  }
  return s;
}

/** Source files by extension: what a compiler's operands look like. */
const SOURCE = /^[^-<][^\s]*\.(?:c|cc|cp|cpp|cxx|c\+\+|C|m|mm|S|sx|f|f90|f95|for|rs|go|java|swift|ads|adb|cu)$/;

/** The source files an argv names (a shell's -c script as its words), unquoted, sorted. */
export function sources(argv: readonly string[]): string[] {
  const words = compared(argv).words.slice(1).map((w) => w.replace(/^['"]|['"]$/g, ''));
  return [...new Set(words.filter((w) => SOURCE.test(w)))].sort();
}

/**
 * The file keys a process names in its words that either build made: each
 * word split at blanks, quotes, shell operators, `=` and `,` (a shell
 * script's words, and the scripts quoted in it: kbuild's `trap 'rm -f
 * kernel/panic.o; …' INT`, `awk -v file=kernel/panic.o`), resolved from its
 * working directory.
 */
function named(s: Side, p: Process, other: Side): Set<string> {
  let out = s.named.get(p.proc);
  if (out) return out;
  out = new Set();
  for (const w of compared(p.argv).words.slice(1)) {
    for (const t of w.split(/[\s'"`;|&()<>=,]+/)) {
      if (!t || t.includes('$')) continue;
      const n = baseName(t);
      if (s.madeNames.has(n) || other.madeNames.has(n)) out.add(s.mask.path(posix.resolve(p.cwd || '/', t)));
    }
  }
  s.named.set(p.proc, out);
  return out;
}

/**
 * Whether two processes are two commands whatever their words: they name
 * other sources; their trees made files, none in common; or each names
 * files its build made and neither names one the other's build made (two
 * incremental rebuilds' kbuild checks of what each compiled, recipe lines
 * of their own: `check-local-export kernel/panic.o` after A's compile of
 * panic.o, `… kernel/fork.o` after B's of fork.o, and their trap shells).
 */
function distinct(a: Side, p: Process, b: Side, q: Process): boolean {
  const sa = a.source.get(p.proc)!;
  const sb = b.source.get(q.proc)!;
  if (sa && sb && sa !== sb) return true;
  const ma = a.made.get(p.proc)!;
  const mb = b.made.get(q.proc)!;
  if (ma.size && mb.size) {
    for (const k of ma) if (mb.has(k)) return false;
    return true;
  }
  const na = named(a, p, b);
  const nb = named(b, q, a);
  const ownA = [...na].filter((k) => a.madeKeys.has(k));
  const ownB = [...nb].filter((k) => b.madeKeys.has(k));
  return ownA.length > 0 && ownB.length > 0 && !ownA.some((k) => nb.has(k)) && !ownB.some((k) => na.has(k));
}

/** Whether two paired processes made a file in common (a job's duration and the files it read compare only then), or neither made any. */
export function madeAlike(a: Side, x: number, b: Side, y: number): boolean {
  const ma = a.made.get(x);
  const mb = b.made.get(y);
  if (!ma?.size && !mb?.size) return true;
  if (!ma || !mb) return false;
  for (const k of ma) if (mb.has(k)) return true;
  return false;
}

export function match(a: Side, b: Side): Matching {
  const same = new Map<number, number>();
  const changed = new Map<number, number>();
  const usedB = new Set<number>();
  // 0. the roots: each build has one, the command bt traced (or the command of it that the other build traced)
  const roots = rootPair(a, b);
  if (roots) {
    const [x, y] = roots.pair;
    (a.key.get(x) === b.key.get(y) ? same : changed).set(x, y);
    usedB.add(y);
  }
  // a wrapper pairs with nothing: its own commands (configure) are of its build only
  const { wrapperA, wrapperB } = roots ?? {};
  if (wrapperB !== undefined) usedB.add(wrapperB);
  // 1. same key, in start order
  const byKey = new Map<string, Process[]>();
  for (const p of b.procs) {
    if (usedB.has(p.proc)) continue;
    const k = b.key.get(p.proc)!;
    let l = byKey.get(k);
    if (!l) byKey.set(k, (l = []));
    l.push(p);
  }
  for (const p of a.procs) {
    if (same.has(p.proc) || changed.has(p.proc) || p.proc === wrapperA) continue;
    const l = byKey.get(a.key.get(p.proc)!);
    const q = l?.shift();
    if (q) {
      same.set(p.proc, q.proc);
      usedB.add(q.proc);
    }
  }
  const freeOfA = (p: Process) => !same.has(p.proc) && !changed.has(p.proc) && p.proc !== wrapperA;
  const freeA = () => a.procs.filter(freeOfA);
  const tool = (s: Side, p: Process) => s.argv.get(p.proc)![0];
  const pair = (p: Process, q: Process) => {
    changed.set(p.proc, q.proc);
    usedB.add(q.proc);
  };
  // 2. the same tool writing the same output
  const byOut = new Map<string, Process>();
  for (const q of b.procs) {
    if (usedB.has(q.proc)) continue;
    for (const k of b.wrote.get(q.proc)!) byOut.set(`${tool(b, q)}\0${k}`, q);
  }
  for (const p of freeA()) {
    for (const k of a.wrote.get(p.proc)!) {
      const q = byOut.get(`${tool(a, p)}\0${k}`);
      if (q && !usedB.has(q.proc)) {
        pair(p, q);
        break;
      }
    }
  }
  // 2b. jobs of the same tool that made a file in common (jobs do not nest: each file names one job of each build)
  const jobOut = new Map<string, Process>();
  for (const q of b.procs) {
    if (usedB.has(q.proc) || q.job !== q.proc) continue;
    for (const k of b.made.get(q.proc)!) if (!jobOut.has(`${tool(b, q)}\0${k}`)) jobOut.set(`${tool(b, q)}\0${k}`, q);
  }
  for (const p of freeA()) {
    if (p.job !== p.proc) continue;
    for (const k of a.made.get(p.proc)!) {
      const q = jobOut.get(`${tool(a, p)}\0${k}`);
      if (q && !usedB.has(q.proc)) {
        pair(p, q);
        break;
      }
    }
  }
  // 2c. the same tool compiling the same source, in start order
  const bySource = new Map<string, Process[]>();
  for (const q of b.procs) {
    const src = b.source.get(q.proc)!;
    if (usedB.has(q.proc) || !src) continue;
    const k = `${tool(b, q)}\0${src}`;
    bySource.set(k, [...(bySource.get(k) ?? []), q]);
  }
  for (const p of freeA()) {
    const src = a.source.get(p.proc)!;
    if (!src) continue;
    const l = bySource.get(`${tool(a, p)}\0${src}`) ?? [];
    const i = l.findIndex((q) => !usedB.has(q.proc) && !distinct(a, p, b, q));
    if (i >= 0) pair(p, l.splice(i, 1)[0]!);
  }
  // 3. under matched parents (again while it pairs: a paired sub-make's children), 4. same tool and directory: most arguments in common
  const partner = (id: number) => same.get(id) ?? changed.get(id);
  // inside a job of each build, processes pair by their words only when their jobs are a pair (a check or a shell of
  // kbuild's compile of panic.o is not one of fork.o's: the two compiles are two commands)
  const inJob = (p: Process) => (p.job && p.job !== p.proc ? p.job : 0);
  const otherJobs = (p: Process, q: Process) => inJob(p) !== 0 && inJob(q) !== 0 && partner(inJob(p)) !== inJob(q);
  for (let round = 0; round < 2; round++) {
    const scored = new Map<string, string>(); // a group compared already, by its sizes then (the same sizes: the same members)
    for (;;) {
      const paired = changed.size;
      const groups = new Map<string, { as: Process[]; bs: Process[] }>();
      const groupOf = (s: Side, p: Process, parent: number | undefined) =>
        round === 0 ? (parent ? `${parent}\0${tool(s, p)}` : undefined) : `${s.cwd.get(p.proc)}\0${tool(s, p)}`;
      for (const p of freeA()) {
        const g = groupOf(a, p, partner(p.parent));
        if (g === undefined) continue;
        let e = groups.get(g);
        if (!e) groups.set(g, (e = { as: [], bs: [] }));
        e.as.push(p);
      }
      for (const q of b.procs) {
        if (usedB.has(q.proc)) continue;
        const e = groups.get(groupOf(b, q, q.parent || undefined) ?? '');
        if (e) e.bs.push(q);
      }
      for (const [g, { as, bs }] of groups) {
        if (!bs.length || as.length * bs.length > MAX_GROUP * MAX_GROUP || scored.get(g) === `${as.length},${bs.length}`) continue;
        scored.set(g, `${as.length},${bs.length}`);
        const scores: Array<[number, Process, Process]> = [];
        for (const p of as) {
          for (const q of bs) {
            if (distinct(a, p, b, q) || otherJobs(p, q)) continue;
            const x = compared(a.argv.get(p.proc)!).words;
            const y = compared(b.argv.get(q.proc)!).words;
            const common = lcs(x, y).length;
            const s = common / Math.max(x.length, y.length);
            if (s >= 0.5 || common === Math.min(x.length, y.length)) scores.push([s, p, q]);
          }
        }
        scores.sort((u, v) => v[0] - u[0] || u[1].start - v[1].start);
        for (const [, p, q] of scores) if (!changed.has(p.proc) && !usedB.has(q.proc)) pair(p, q);
      }
      if (round === 1 || changed.size === paired) break;
    }
  }
  // 5. another tool that made the same output (CC=gcc against CC=clang): the topmost unpaired processes whose trees wrote it,
  // whoever in the tree wrote it (gcc's link: its ld, paired with clang's ld)
  const tops = (s: Side, free: (p: Process) => boolean) => {
    const out = new Map<string, Process | null>(); // null: more than one tree wrote it
    for (const p of s.procs) {
      let top = free(p) ? p : undefined;
      for (let up = s.build.process(p.parent); up; up = s.build.process(up.parent)) {
        if (!up.execd) continue; // a fork that ran no program of its own
        if (!free(up)) break;
        top = up;
      }
      if (!top) continue;
      for (const k of s.wrote.get(p.proc)!) {
        const seen = out.get(k);
        out.set(k, seen === undefined || seen === top ? top : null);
      }
    }
    return out;
  };
  const topsB = tops(b, (q) => !usedB.has(q.proc));
  for (const [k, p] of tops(a, freeOfA)) {
    const q = topsB.get(k);
    if (p && q && freeOfA(p) && !usedB.has(q.proc)) pair(p, q);
  }
  const unpaired = (s: Side, proc: number | undefined) => (proc === undefined ? [] : [s.build.process(proc)!]);
  return {
    same,
    changed,
    onlyA: [...unpaired(a, wrapperA), ...freeA()],
    onlyB: [...unpaired(b, wrapperB), ...b.procs.filter((q) => !usedB.has(q.proc))],
    ...(roots ? { roots: roots.pair } : {}),
    ...(wrapperA !== undefined ? { wrapperA } : {}),
    ...(wrapperB !== undefined ? { wrapperB } : {}),
  };
}

/**
 * The pair of processes standing for the two traced commands: the roots;
 * or, when one root is a shell's -c script or a wrapper (isWrapper) that
 * ran the other root's command (the same key: arguments and directory) as
 * a command of its own (`sh -c './configure && make -j2'`, then `make -j2`
 * after an edit; `timeout 600 make -j2` against `make -j2`), that command,
 * its first such, and the other root, the shell or wrapper being a wrapper
 * (`wrapperA` or `wrapperB`) whose other commands ran in its build only.
 */
function rootPair(a: Side, b: Side): { pair: [number, number]; wrapperA?: number; wrapperB?: number } | undefined {
  const ra = rootProcess(a.build);
  const rb = rootProcess(b.build);
  if (!ra || !rb) return undefined;
  if (a.key.get(ra.proc) !== b.key.get(rb.proc)) {
    const inA = ranBy(a, ra, b.key.get(rb.proc)!);
    if (inA) return { pair: [inA.proc, rb.proc], wrapperA: ra.proc };
    const inB = ranBy(b, rb, a.key.get(ra.proc)!);
    if (inB) return { pair: [ra.proc, inB.proc], wrapperB: rb.proc };
  }
  return { pair: [ra.proc, rb.proc] };
}

/**
 * The first command with key `key` that `sh` ran itself (its nearest
 * ancestor that ran a program), if `sh` is a shell's -c script or a
 * wrapper (program.ts isWrapper: `timeout 600 make -j2`, `/usr/bin/time
 * make -j2`, `fakeroot make install`).
 */
function ranBy(s: Side, sh: Process, key: string): Process | undefined {
  if (!shellInline(sh.argv) && !isWrapper(sh)) return undefined;
  return s.procs.find((p) => {
    if (s.key.get(p.proc) !== key) return false;
    let up = s.build.process(p.parent);
    while (up && !up.execd) up = s.build.process(up.parent);
    return up === sh;
  });
}

/** Longest common subsequence of two token lists, as index pairs. */
export function lcs(x: readonly string[], y: readonly string[]): Array<[number, number]> {
  const n = x.length;
  const m = y.length;
  if (n * m > 4e6) return greedyCommon(x, y);
  const t: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) t[i][j] = x[i] === y[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  const out: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push([i, j]);
      i++;
      j++;
    } else if (t[i + 1][j] >= t[i][j + 1]) i++;
    else j++;
  }
  return out;
}

/** A word of an argument diff; `script`: a word of a shell's -c script, as written there (quotes kept). */
export type ArgOp = { op: '=' | '-' | '+'; arg: string; script?: true };

/**
 * The argument diff of two argv lists: kept, removed (-) and added (+) words
 * in order, a shell's -c script word by word (`compared`).
 */
export function argDiff(argvX: readonly string[], argvY: readonly string[]): ArgOp[] {
  const cx = compared(argvX);
  const cy = compared(argvY);
  const [x, y] = [cx.words, cy.words];
  const op = (o: ArgOp['op'], c: Compared, k: number): ArgOp => (k >= c.from && k < c.to ? { op: o, arg: c.words[k]!, script: true } : { op: o, arg: c.words[k]! });
  const out: ArgOp[] = [];
  let i = 0;
  let j = 0;
  for (const [ci, cj] of [...lcs(x, y), [x.length, y.length] as [number, number]]) {
    while (i < ci) out.push(op('-', cx, i++));
    while (j < cj) out.push(op('+', cy, j++));
    if (ci < x.length) out.push(op('=', cx, ci));
    i = ci + 1;
    j = cj + 1;
  }
  return out;
}

/** An argv as compared word by word: `words`, of which [from, to) are the words of a shell's -c script. */
interface Compared {
  words: string[];
  from: number;
  to: number;
}

const comparedOf = new WeakMap<readonly string[], Compared>();

/**
 * An argv as compared word by word: a shell's -c script (ninja's and make's
 * `sh -c 'cc -O1 -c x.c'`) as its words, so that a flag changed in it
 * compares as the compiler's own argument does; the rest as it is.
 */
export function compared(argv: readonly string[]): Compared {
  let c = comparedOf.get(argv);
  if (c) return c;
  const sh = shellInline(argv);
  if (!sh) c = { words: [...argv], from: 0, to: 0 };
  else {
    const script = scriptWords(sh.script);
    c = { words: [...argv.slice(0, sh.at + 1), ...script, ...argv.slice(sh.at + 2)], from: sh.at + 1, to: sh.at + 1 + script.length };
  }
  comparedOf.set(argv, c);
  return c;
}

/**
 * A shell script's words as written: split at blanks outside quotes, the
 * quotes and backslashes kept; `;`, `&&`, `||`, `|`, `&` and parentheses
 * are words of their own (`sleep 0.1;` is `sleep`, `0.1`, `;`).
 */
export function scriptWords(s: string): string[] {
  const out: string[] = [];
  let w = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (w) out.push(w);
      w = '';
    } else if (';&|()'.includes(c) && !/[<>]$/.test(w)) {
      if (w) out.push(w);
      let j = i;
      while (c !== '(' && c !== ')' && j + 1 < s.length && s[j + 1] === c) j++;
      out.push(s.slice(i, j + 1));
      w = '';
      i = j;
    } else if (c === '\\') {
      w += s.slice(i, i + 2);
      i++;
    } else if (c === "'") {
      const j = s.indexOf("'", i + 1);
      const e = j < 0 ? s.length : j + 1;
      w += s.slice(i, e);
      i = e - 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      w += s.slice(i, j + 1);
      i = j;
    } else w += c;
  }
  if (w) out.push(w);
  return out;
}

/** Common words in order, greedily (for argument lists too long for an LCS table). */
function greedyCommon(x: readonly string[], y: readonly string[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let j = 0;
  for (let i = 0; i < x.length && j < y.length; i++) {
    const k = y.indexOf(x[i], j);
    if (k >= 0 && k - j < 64) {
      out.push([i, k]);
      j = k + 1;
    }
  }
  return out;
}

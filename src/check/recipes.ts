/**
 * The lines of one make recipe as one unit. GNU make runs every line of a
 * recipe as a process of its own, each started as the one before it is
 * reaped, so the model sees one job per line:
 *
 *     out.txt: in.txt
 *             cat in.txt secret.cfg > out.tmp
 *             mv out.tmp out.txt
 *
 * is two jobs, the first of which writes no target. bt check --make joins
 * them again: from the job that wrote the target (the anchor), it walks to
 * a job its make started shortly (MAX_GAP_NS) after the one before it
 * ended, and to one it started shortly after the anchor ended, as long as
 * each one's command is the recipe's line before (after) the one matched
 * so far. A line is compared with a command as make would have expanded
 * it: its literal words in order, the automatic variables filled in,
 * anything where the line names another variable or function. Lines that
 * make expands to nothing (no process), and lines made only of expansions
 * (they would match any command), end the walk there. A job runs a line
 * if any program its root exec'd does: the shell given the line forks for
 * every command but the last, which it execs itself (`sh -c 'cmp … && rm
 * tmp'` ends as `rm tmp`), and `nice $(MAKE)` ends as make.
 */
import type { Build, Job } from '../model/index.js';
import { programsOf, shellInline } from '../model/index.js';

/** make starts the next line of a recipe as it reaps the one before: a gap longer than this is not one recipe. */
const MAX_GAP_NS = 1e9;

/** A recipe line as a pattern: literal pieces in order, `*` where make expands something. */
export interface LinePattern {
  /** Literal pieces; between two of them anything may stand. */
  pieces: string[];
  /** The line starts (ends) with an expansion: the first (last) piece need not be at the start (end). */
  openStart: boolean;
  openEnd: boolean;
}

/** Spaces collapsed, line continuations and quotes dropped: how a line and a command are compared. */
function plain(s: string): string {
  return s.replace(/\\\n/g, ' ').replace(/["']/g, '').replace(/\s+/g, ' ');
}

/** The end of the reference that starts at `$` at s[i] ($x, $(…), ${…}), nested parentheses counted. */
function referenceEnd(s: string, i: number): number {
  const open = s[i + 1];
  if (open !== '(' && open !== '{') return Math.min(i + 2, s.length);
  const close = open === '(' ? ')' : '}';
  let depth = 0;
  for (let k = i + 1; k < s.length; k++) {
    if (s[k] === open) depth++;
    else if (s[k] === close && --depth === 0) return k + 1;
  }
  return s.length;
}

/** Automatic variables known for a target: `@`, `@F`, `@D`, `*` → their values. */
export type Automatic = Readonly<Record<string, string>>;

/**
 * The automatic variables of a target named `name` (as make names it),
 * with its pattern stem, and what make printed of them itself (`@`, `<`,
 * `^`, `*`: those win).
 */
export function automatic(name: string, stem?: string, printed: Readonly<Record<string, string>> = {}): Automatic {
  const at = printed['@'] ?? name;
  const slash = at.lastIndexOf('/');
  const out: Record<string, string> = { '@': at, '@F': at.slice(slash + 1), '@D': slash < 0 ? '.' : at.slice(0, slash) || '/' };
  const star = printed['*'] ?? stem;
  if (star !== undefined && star !== '') out['*'] = star;
  for (const v of ['<', '^', '+']) if (printed[v]) out[v] = printed[v];
  return out;
}

/** The pattern of one recipe line (unexpanded, as make -p prints it); `auto` fills in the automatic variables known. */
export function linePattern(line: string, auto: Automatic = {}): LinePattern {
  // make's prefixes: @ (silent), - (ignore errors), + (always run), with any blanks
  const text = line.replace(/^[\s@+-]+/, '');
  const raw: Array<string | null> = []; // null: an expansion
  let lit = '';
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '$') {
      lit += text[i++];
      continue;
    }
    if (text[i + 1] === '$') {
      lit += '$';
      i += 2;
      continue;
    }
    const end = referenceEnd(text, i);
    const name = text[i + 1] === '(' || text[i + 1] === '{' ? text.slice(i + 2, end - 1) : text.slice(i + 1, end);
    i = end;
    if (auto[name] !== undefined) {
      lit += auto[name];
      continue;
    }
    raw.push(lit, null);
    lit = '';
  }
  raw.push(lit);
  // raw alternates literal, expansion, literal…: it starts and ends with a literal ('' next to an expansion at an end)
  const pieces: string[] = [];
  raw.forEach((p, k) => {
    if (p === null) return;
    // a blank next to an expansion may vanish with it (an empty variable): trim there
    let s = plain(p);
    if (k === 0 || raw[k - 1] === null) s = s.trimStart();
    if (k === raw.length - 1 || raw[k + 1] === null) s = s.trimEnd();
    pieces.push(s);
  });
  if (pieces.length === 1) return { pieces, openStart: false, openEnd: false };
  return { pieces, openStart: pieces[0] === '', openEnd: pieces[pieces.length - 1] === '' };
}

/** Does the command (as run) match the line's pattern? Literal pieces in order, leftmost first. */
export function matchesLine(p: LinePattern, command: string): boolean {
  const s = plain(command).trim();
  const pieces = p.pieces;
  if (pieces.length === 1) return s === pieces[0];
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (!p.openStart && !s.startsWith(first)) return false;
  if (!p.openEnd && !s.endsWith(last)) return false;
  let at = p.openStart ? 0 : first.length;
  const end = p.openEnd ? s.length : s.length - last.length;
  for (let k = p.openStart ? 0 : 1; k < pieces.length - (p.openEnd ? 0 : 1); k++) {
    if (!pieces[k]) continue;
    const i = s.indexOf(pieces[k], at);
    if (i < 0 || i + pieces[k].length > end) return false;
    at = i + pieces[k].length;
  }
  return at <= end;
}

/** A pattern with some literal text: one made only of expansions (`$(Q)$(CMD)`) would match any command. */
const specific = (p: LinePattern) => p.pieces.some((s) => s.length > 0);

/** The command a job's root process ran, as make gave it: the shell's `-c` text, else the words. */
export function commandOf(argv: readonly string[]): string {
  return shellScript(argv) ?? argv.join(' ');
}

/** The script of a shell run as make runs recipes (`sh -c SCRIPT`, `bash -e -o pipefail -c SCRIPT`), else undefined. */
export function shellScript(argv: readonly string[]): string | undefined {
  return shellInline(argv)?.script;
}

/** The index of the first of `list` (sorted by key) whose key is above `t`. */
function firstAbove(list: readonly Job[], t: number, key: (j: Job) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(list[mid]) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The jobs of each make process in start order, to find the line started right before or after another. */
export class RecipeChains {
  private readonly siblings = new Map<number, Job[]>();
  /** The same jobs by end. */
  private readonly byEnd = new Map<number, Job[]>();
  private readonly parentOf = new Map<number, number>();

  constructor(private readonly build: Build) {
    for (const job of build.jobs.jobs) {
      const parent = build.process(job.proc)?.parent ?? 0;
      this.parentOf.set(job.proc, parent);
      let list = this.siblings.get(parent);
      if (!list) this.siblings.set(parent, (list = []));
      list.push(job);
    }
    for (const [parent, list] of this.siblings) {
      list.sort((a, b) => a.start - b.start || a.proc - b.proc);
      this.byEnd.set(parent, [...list].sort((a, b) => a.end - b.end || a.proc - b.proc));
    }
  }

  /**
   * Jobs of the same make that ended shortly before `job` started, the
   * last to end first. (Not only the last one: make may reap a line that
   * ended early only when another one ends, and start both next lines then.)
   */
  before(job: Job): Job[] {
    const list = this.byEnd.get(this.parentOf.get(job.proc) ?? 0) ?? [];
    const out: Job[] = [];
    for (let i = firstAbove(list, job.start, (j) => j.end) - 1; i >= 0 && job.start - list[i].end <= MAX_GAP_NS; i--) if (list[i] !== job) out.push(list[i]);
    return out;
  }

  /** Jobs of the same make started shortly after `job` ended, the first to start first. */
  after(job: Job): Job[] {
    const list = this.siblings.get(this.parentOf.get(job.proc) ?? 0) ?? [];
    const out: Job[] = [];
    for (let i = firstAbove(list, job.end - 1, (j) => j.start); i < list.length && list[i].start - job.end <= MAX_GAP_NS; i++) {
      if (list[i] !== job && list[i].start >= job.end) out.push(list[i]);
    }
    return out;
  }

  /** The commands of the programs a job's root exec'd (commandOf each), in order: the line make gave it is one of them. */
  commands(job: Pick<Job, 'proc'>): string[] {
    const p = this.build.process(job.proc);
    return p ? programsOf(p).map((x) => commandOf(x.argv)) : [''];
  }

  /**
   * Whether `job` runs a line of the recipe `lines` (a recipe of no line
   * runs none). A job that wrote a target but runs no line of that
   * target's recipe is a line of another recipe: automake's `.c.lo` moving
   * its `.deps/X.Tpo` onto `.deps/X.Plo`, which `$(am__depfiles_remade):`
   * also names; CMake's `cmake_symlink_library` line writing the symlinks
   * whose own rules only touch them.
   */
  runsLineOf(job: Pick<Job, 'proc'>, lines: readonly string[], auto: Automatic): boolean {
    const cmds = this.commands(job);
    return lines.some((l) => {
      // a line made only of expansions (`$(Q)$(CMD)`, `$(MKDIR_P) $(@D)` before $(@D) is filled in) may be any command
      const known = [linePattern(l, auto), linePattern(l)].filter(specific);
      return !known.length || known.some((p) => cmds.some((c) => matchesLine(p, c)));
    });
  }

  /**
   * The jobs that ran the recipe `lines` of which `anchor` ran one, in
   * order; [anchor] when the recipe has one line or its neighbours do not
   * run the lines next to it. `free` says whether a job may join (not
   * already a unit of its own).
   */
  unit(anchor: Job, lines: readonly string[], auto: Automatic, free: (j: Job) => boolean): Job[] {
    if (lines.length < 2) return [anchor];
    const runs = (p: LinePattern, j: Job) => this.commands(j).some((c) => matchesLine(p, c));
    // with the target's own name in place of $@: the lines of another target's run of the same rule do not match
    let patterns = lines.map((l) => linePattern(l, auto));
    if (!patterns.some((p) => runs(p, anchor))) patterns = lines.map((l) => linePattern(l));
    let best = [anchor];
    for (let i = 0; i < patterns.length; i++) {
      if (!runs(patterns[i], anchor)) continue;
      const unit = [anchor];
      let cur = anchor;
      for (let k = i - 1; k >= 0 && specific(patterns[k]); k--) {
        const prev = this.before(cur).find((j) => free(j) && !unit.includes(j) && runs(patterns[k], j));
        if (!prev) break;
        unit.unshift(prev);
        cur = prev;
      }
      cur = anchor;
      for (let k = i + 1; k < patterns.length && specific(patterns[k]); k++) {
        const next = this.after(cur).find((j) => free(j) && !unit.includes(j) && runs(patterns[k], j));
        if (!next) break;
        unit.push(next);
        cur = next;
      }
      if (unit.length > best.length) best = unit;
    }
    return best;
  }
}

/** bt diff's output: text for people (most important first), JSON for scripts. Formatting goes through src/present/. */
import { baseName, dirName, relativeInside } from '../normalize/paths.js';
import { commandLine, count, counted, displayPath, formatDuration, plural, quoteArg } from '../present/format.js';
import { commandIn } from '../present/label.js';
import { foldDirs } from '../present/fold.js';
import type { ArgOp } from './match.js';
import { differs, type Command, type DiffReport, type FileEntry, type OnlyCommand } from './index.js';
import type { ContentComparison } from './contents.js';

/** Lines listed per section in text (JSON has them all); one more is listed rather than "… and 1 more". */
const MAX_LINES = 40;

/** An argument diff longer than this shows the kept words next to a change only (… for the rest). */
const LONG_DIFF = 160;
/** Kept words shown on each side of a change in a long argument diff. */
const CONTEXT = 2;

function where(c: Command): string {
  return c.cwd && c.cwd !== '.' ? `  (in ${c.cwd})` : '';
}

/**
 * The words of an argument diff, a run of 3 or more equal ones as one
 * (`[-'<tmp>'-]×18`); a shell script's words as written in it
 * (`sh -c cc {+-O1+} -c '$START/x.c'`).
 */
function diffWords(ops: readonly ArgOp[]): Array<{ text: string; changed: boolean }> {
  const out: Array<{ text: string; changed: boolean; n: number }> = [];
  for (const o of ops) {
    const word = o.script ? displayPath(o.arg) : quoteArg(o.arg);
    const text = o.op === '=' ? word : o.op === '-' ? `[-${word}-]` : `{+${word}+}`;
    const last = out[out.length - 1];
    if (last && last.text === text) last.n++;
    else out.push({ text, changed: o.op !== '=', n: 1 });
  }
  return out.flatMap((w) => (w.n >= 3 ? [{ text: `${w.text}×${w.n}`, changed: w.changed }] : Array.from({ length: w.n }, () => ({ text: w.text, changed: w.changed }))));
}

/** git word-diff style: kept words plain, [-removed-], {+added+}; a run of 3 or more equal words once, with ×count. */
export function wordDiff(ops: readonly ArgOp[]): string {
  return diffWords(ops)
    .map((w) => w.text)
    .join(' ');
}

/**
 * An argument diff with its moves apart: the removed and added words the
 * other side does not have (as many times as it has them fewer), in
 * order; how many removed words the other side has elsewhere (`moved`);
 * and how many arguments the first argv has (argv[0] apart).
 */
function netChange(ops: readonly ArgOp[]): { net: ArgOp[]; moved: number; args: number } {
  const tally = new Map<string, { minus: number; plus: number }>();
  for (const o of ops) {
    if (o.op === '=') continue;
    const t = tally.get(o.arg) ?? { minus: 0, plus: 0 };
    if (o.op === '-') t.minus++;
    else t.plus++;
    tally.set(o.arg, t);
  }
  // per word, min(removed, added) of its removals and additions are moves: the first ones of each
  const skipped = new Map<string, { minus: number; plus: number }>();
  const net: ArgOp[] = [];
  let moved = 0;
  for (const o of ops) {
    if (o.op === '=') continue;
    const t = tally.get(o.arg)!;
    const both = Math.min(t.minus, t.plus);
    const k = skipped.get(o.arg) ?? { minus: 0, plus: 0 };
    skipped.set(o.arg, k);
    const side = o.op === '-' ? 'minus' : 'plus';
    if (k[side] < both) {
      k[side]++;
      if (o.op === '-') moved++;
    } else net.push(o);
  }
  return { net, moved, args: Math.max(0, ops.filter((o) => o.op !== '+').length - 1) };
}

/** The program's name of an argument diff: its first word when kept. */
function programOf(ops: readonly ArgOp[]): string {
  return ops[0]?.op === '=' ? quoteArg(ops[0].arg) : '';
}

/**
 * An argument diff that moved words, as its net change: `autom4te (same
 * 212 arguments, reordered)` when no word was added or removed; else the
 * program's name, the words added and removed only, and how many others
 * moved. Undefined when no word moved.
 */
function reorderedDiff(ops: readonly ArgOp[]): string | undefined {
  const { net, moved, args } = netChange(ops);
  if (!moved) return undefined;
  const name = programOf(ops);
  if (!net.length) return `${name}${name ? ' ' : ''}(same ${counted(args, 'argument')}, reordered)`;
  return `${[name, wordDiff(net)].filter(Boolean).join(' ')} (${counted(moved, 'other argument')} reordered)`;
}

/**
 * wordDiff shortened when longer than LONG_DIFF characters: the program's
 * name, the changes and CONTEXT kept words on each side of each; each run
 * of other kept words is one `…`. Arguments that only moved are not
 * listed (reorderedDiff): the same arguments in another order are said to
 * be, a long diff that moved some lists the added and removed ones only.
 */
export function shortDiff(ops: readonly ArgOp[]): string {
  const words = diffWords(ops);
  const full = words.map((w) => w.text).join(' ');
  const reordered = reorderedDiff(ops);
  if (reordered && (full.length > LONG_DIFF || !netChange(ops).net.length)) return reordered;
  if (full.length <= LONG_DIFF) return full;
  const keep = words.map((w, i) => i === 0 || w.changed);
  words.forEach((w, i) => {
    if (!w.changed) return;
    for (let j = Math.max(0, i - CONTEXT); j <= Math.min(words.length - 1, i + CONTEXT); j++) keep[j] = true;
  });
  const out: string[] = [];
  words.forEach((w, i) => {
    if (keep[i]) out.push(w.text);
    else if (keep[i - 1] !== false || i === 0) out.push('…');
  });
  return out.join(' ');
}

/** A line of a text section and the number of entries (commands, files…) it stands for. */
interface Line {
  text: string;
  commands: number;
}

/** The edit of an argument diff, its changed words only: `[--O2-] {+-O0+}`; moved words apart (`(same 212 arguments, reordered)`). */
function edit(ops: readonly ArgOp[]): string {
  const { net, moved, args } = netChange(ops);
  if (!moved) return wordDiff(ops.filter((o) => o.op !== '='));
  if (!net.length) return `(same ${counted(args, 'argument')}, reordered)`;
  return `${wordDiff(net)} (${counted(moved, 'other argument')} reordered)`;
}

/**
 * The argument section's lines, each with the commands it stands for:
 * commands with the same edit (`[--O2-] {+-O0+}` in each
 * compile and its cc1) as one group, in the order of their first command:
 * a single command as its (shortened) diff; a group as the edit, its count
 * and the count per program, then the first command of each program with
 * the number of others like it.
 */
function argumentLines(items: DiffReport['arguments']): Line[] {
  const groups = new Map<string, DiffReport['arguments']>();
  for (const x of items) {
    const k = edit(x.diff);
    const g = groups.get(k);
    if (g) g.push(x);
    else groups.set(k, [x]);
  }
  const out: Line[] = [];
  for (const [k, xs] of groups) {
    if (xs.length === 1) {
      out.push({ text: `${shortDiff(xs[0].diff)}${where(xs[0].b)}`, commands: 1 });
      continue;
    }
    const byTool = new Map<string, DiffReport['arguments']>();
    for (const x of xs) {
      const t = x.diff[0]?.op === '=' ? x.diff[0].arg : baseName(x.b.argv[0] ?? '');
      const l = byTool.get(t);
      if (l) l.push(x);
      else byTool.set(t, [x]);
    }
    out.push({ text: `${k} in ${xs.length} commands: ${[...byTool].map(([t, l]) => `${t} (${l.length})`).join(', ')}`, commands: 0 });
    for (const l of byTool.values()) {
      const more = l.length > 1 ? `  (and ${l.length - 1} more like it)` : '';
      out.push({ text: `  ${shortDiff(l[0].diff)}${where(l[0].b)}${more}`, commands: l.length });
    }
  }
  return out;
}

/** How a folded line names a command: its program's name and arguments, cut. */
const FOLD_LABEL = 60;

/**
 * An inputs-only section's lines: the build tree's files a command of both
 * builds read too; then, per command that ran only in this build, one line
 * for the files only it read (what a command only in one build reads, a
 * compiler's headers and libraries, follows from its running: the command
 * is listed above), commands whose cut labels are the same (go's cgo
 * compiles, cut before their source) sharing one line that counts them;
 * then the other files a command of both builds read (node-gyp's own
 * modules, outside the tree). The files as fileLines gives them: FOLD_AT or
 * more under one directory as one line.
 */
function inputLines(entries: readonly FileEntry[], only: readonly OnlyCommand[], name: string): Line[] {
  const folded = new Map<number, number>();
  const shared: FileEntry[] = [];
  for (const e of entries) {
    if (e.only_command === undefined) shared.push(e);
    else folded.set(e.only_command, (folded.get(e.only_command) ?? 0) + 1);
  }
  const out = fileLines(shared.filter((e) => !e.path.startsWith('/')));
  const byLabel = new Map<string, { files: number; commands: number }>();
  for (const c of only) {
    const n = folded.get(c.proc);
    if (!n) continue;
    const label = commandLine([baseName(c.argv[0] ?? ''), ...c.argv.slice(1)], FOLD_LABEL);
    const g = byLabel.get(label) ?? { files: 0, commands: 0 };
    byLabel.set(label, { files: g.files + n, commands: g.commands + 1 });
  }
  for (const [label, g] of byLabel) {
    const who = g.commands === 1 ? `${label}, which` : `${g.commands} commands like ${label}, which`;
    out.push({ text: `+${plural(g.files, 'file')} read by ${who} ran only in ${name}`, commands: g.files });
  }
  return [...out, ...fileLines(shared.filter((e) => e.path.startsWith('/')))];
}

/**
 * A file list's key as foldDirs (present/fold.ts) takes it: absolute; a
 * key of the build tree (relative to the base directory, or to `$BUILD`)
 * under a stand-in top directory, which never folds, so that its
 * directories do (`tsrc/`) and the tree as a whole does not.
 */
function foldKey(path: string): string {
  if (path.startsWith('/')) return path;
  return path.startsWith('$BUILD/') ? `/${path}` : `/$START/${path}`;
}

/** A directory foldDirs gave for foldKey's keys, as the list names it (`tsrc`, `$BUILD/kernel`, `/usr/include`). */
function unfoldKey(dir: string): string {
  return dir.startsWith('/$START/') ? dir.slice('/$START/'.length) : dir.startsWith('/$BUILD/') ? dir.slice(1) : dir;
}

/**
 * A file list's lines: FOLD_AT or more files under one directory (in the
 * build tree or outside it, as bt deps and bt graph fold them:
 * present/fold.ts foldDirs) as one line at the place of the first, which
 * counts them (`tsrc/  (158 files: cp; --json lists them)`); the others
 * one a line. `named`: a list whose files are the answer (what B remade)
 * is not folded into one line that stands for all of it when it fits in
 * the section (CMake's 12 remade files, all under build/).
 */
function fileLines(entries: readonly FileEntry[], named = false): Line[] {
  const all = foldDirs(entries.map((e) => foldKey(e.path)));
  const whole = entries.length > 0 && entries.length <= MAX_LINES && all.size === entries.length && new Set(all.values()).size === 1;
  const dirOf = named && whole ? new Map<string, string>() : all;
  const folds = new Map<string, FileEntry[]>();
  const out: Array<Line | FileEntry[]> = [];
  for (const e of entries) {
    const dir = dirOf.get(foldKey(e.path));
    if (dir === undefined) out.push({ text: `${displayPath(e.path)}  (${e.tools.join(', ')})`, commands: 1 });
    else {
      let f = folds.get(dir);
      if (!f) {
        folds.set(dir, (f = []));
        out.push(f);
      }
      f.push(e);
    }
  }
  return out.map((x) => {
    if (!Array.isArray(x)) return x;
    const dir = dirOf.get(foldKey(x[0]!.path))!;
    const dirs = new Set(x.map((e) => dirName(foldKey(e.path)))).size;
    const where = dirs === 1 && dirName(foldKey(x[0]!.path)) === dir ? '' : ` in ${plural(dirs, 'directory', 'directories')} under it`;
    const tools = [...new Set(x.flatMap((e) => e.tools))].sort().join(', ');
    return { text: `${displayPath(unfoldKey(dir))}/  (${count(x.length)} files${where}: ${tools}; --json lists them)`, commands: x.length };
  });
}

function value(v: string | null): string {
  return v === null ? '(unset)' : quoteArg(v);
}

/** A note for a log that is not the whole build: "B is incomplete (the log is truncated at byte 228)". */
function incomplete(r: DiffReport): string {
  const notes = (['a', 'b'] as const).filter((k) => r[k].incomplete).map((k) => `${k.toUpperCase()} is incomplete (${r[k].incomplete})`);
  return notes.length ? `; ${notes.join('; ')}` : '';
}

function side(name: string, b: DiffReport['a']): string {
  const st = b.exit_status === null ? 'no exit status' : `exit ${b.exit_status}`;
  return `${name} = ${commandLine(b.command, 60)} in ${b.start_dir} (${formatDuration(b.duration_ms * 1e6)}, ${st})`;
}

export function diffText(r: DiffReport): string {
  const out: string[] = [];
  const remade = r.remade_in_b ? `; B remade ${count(r.remade_in_b.files.length)} of A's ${counted(r.remade_in_b.of, 'output')}` : '';
  out.push(`bt diff: ${differs(r) ? 'the builds differ' : 'no differences'}${incomplete(r)}; ${side('A', r.a)}; ${side('B', r.b)}${remade}`);
  // past MAX_LINES lines, the count of the entries left, as the title counts them (a group's heading stands for none)
  const lines = (title: string, items: readonly Line[]) => {
    const count = items.reduce((n, x) => n + x.commands, 0);
    if (!count) return;
    out.push('', `${title} (${count})`);
    let shown = items.length > MAX_LINES + 1 ? MAX_LINES : items.length;
    while (shown > 0 && shown < items.length && items[shown - 1]!.commands === 0) shown--; // no heading without its first line
    for (const x of items.slice(0, shown)) out.push(`  ${x.text}`);
    const left = items.slice(shown).reduce((n, x) => n + x.commands, 0);
    if (left) out.push(`  … and ${left} more (--json lists them all)`);
  };
  const section = <T>(title: string, items: readonly T[], line: (x: T) => string, first: readonly Line[] = []) => lines(title, [...first, ...folded(items.map(line))]);
  section('started in another directory (A -> B)', r.start_dir, (x) => {
    const from = x.a_base === x.b_base ? `${displayPath(x.a_base)} in both` : `${displayPath(x.a_base)} in A, ${displayPath(x.b_base)} in B`;
    return `${displayPath(x.a)} -> ${displayPath(x.b)}  (paths compared from ${from})`;
  });
  section('exit status changed', r.exit_status, (x) => `${commandIn(x.b.argv, 120)}: ${x.a_status} -> ${x.b_status}${where(x.b)}`);
  const only = (x: OnlyCommand) => {
    const notes = [...(x.status !== 'exit 0' ? [x.status] : []), ...(x.hidden ? [`and ${plural(x.hidden, 'subprocess', 'subprocesses')}`] : [])];
    return `${commandIn(x.argv, 120)}${where(x)}${notes.length ? `  (${notes.join('; ')})` : ''}`;
  };
  section('commands only in A', r.only_in_a, only);
  section('commands only in B', r.only_in_b, only);
  lines('arguments changed (A -> B)', argumentLines(r.arguments));
  // each build directory as its build's paths show (relative to its base when inside it)
  const inBase = (dir: string, base: string) => displayPath(relativeInside(base, dir) ?? dir);
  const moves = r.build_dir.map((x) => ({
    text: `build directory ${inBase(x.a, r.a.base_dir)} -> ${inBase(x.b, r.b.base_dir)}  ($BUILD: ${counted(x.commands, 'command')} ran there in both)`,
    commands: 1,
  }));
  section('ran in another directory (A -> B)', r.directories, (x) => `${commandIn(x.b.argv, 120)}: ${displayPath(x.a.cwd)} -> ${displayPath(x.b.cwd)}`, moves);
  section('environment changed (A -> B)', r.environment, (x) => `${x.name}: ${value(x.a)} -> ${value(x.b)}  (${x.tools.join(', ')})`);
  section('umask changed (A -> B)', r.umask, (x) => `${x.a} -> ${x.b}  (${counted(x.commands, 'command')}: ${x.tools.join(', ')})`);
  // what changed in the files both builds read, before the files one build read: the reason, then its consequences
  const change = (x: DiffReport['inputs_changed'][number]) =>
    x.by === 'size' || x.a === x.b ? `${x.a_size} -> ${x.b_size} bytes` : `${mtimeText(x.a)} -> ${mtimeText(x.b)}`;
  section('inputs changed (A -> B)', r.inputs_changed, (x) => `${displayPath(x.path)}: ${change(x)}  (${x.tools.join(', ')})`);
  lines('inputs read only in A', inputLines(r.inputs_only_in_a, r.only_in_a, 'A'));
  lines('inputs read only in B', inputLines(r.inputs_only_in_b, r.only_in_b, 'B'));
  section('read from another place (A -> B)', r.resolved_elsewhere, (x) => `${displayPath(x.name)}: ${x.a.map(displayPath).join(' ')} -> ${x.b.map(displayPath).join(' ')}  (${x.tools.join(', ')})`);
  lines('outputs only in A', fileLines(r.outputs_only_in_a));
  lines('outputs only in B', fileLines(r.outputs_only_in_b));
  lines('remade in B', fileLines(r.remade_in_b?.files ?? [], true));
  if (r.outputs_content) out.push(...contentLines(r.outputs_content));
  section('job durations changed most', r.durations, (x) => `${x.change_ms > 0 ? '+' : ''}${x.change_ms} ms  ${commandIn(x.b.argv, 120)}  (${x.a_ms} ms -> ${x.b_ms} ms)`);
  return `${out.join('\n')}\n`;
}

/** --contents: the outputs that differ on disk now, each with both sizes, then what was compared. */
function contentLines(c: ContentComparison): string[] {
  const out: string[] = [];
  if (c.differ.length) {
    out.push('', `outputs that differ in content now (A -> B) (${count(c.differ.length)})`);
    const shown = c.differ.slice(0, MAX_LINES);
    for (const x of shown) {
      const size = x.a_size === x.b_size ? `${counted(x.a_size, 'byte')} in both` : `${count(x.a_size)} -> ${counted(x.b_size, 'byte')}`;
      out.push(`  ${displayPath(x.path)}  (${size}; ${x.tools.join(', ')})`);
    }
    if (c.differ.length > shown.length) out.push(`  … and ${count(c.differ.length - shown.length)} more (--json lists them all)`);
  }
  const notes = [`${count(c.same)} the same`, `${count(c.differ.length)} ${c.differ.length === 1 ? 'differs' : 'differ'}`];
  if (c.missing) notes.push(`${count(c.missing)} gone from disk or unreadable`);
  if (c.one_file) notes.push(`${count(c.one_file)} one file in both builds (not compared)`);
  out.push('', `outputs of both builds by content now: ${notes.join(', ')}`);
  return out;
}

/** Lines, each the same text once with the count of its entries (`cat .version: exit 1 -> exit 0  (×32)`), in the order of the first. */
function folded(texts: readonly string[]): Line[] {
  const n = new Map<string, number>();
  for (const t of texts) n.set(t, (n.get(t) ?? 0) + 1);
  return [...n].map(([text, k]) => ({ text: k > 1 ? `${text}  (×${k})` : text, commands: k }));
}

/** "sec.nsec" as a UTC time to the microsecond: 2026-11-30 15:01:02.123456 UTC. */
function mtimeText(m: string): string {
  const [sec, nsec = '0'] = m.split('.');
  const d = new Date(Number(sec) * 1000);
  if (Number.isNaN(d.getTime())) return m;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${nsec.padStart(9, '0').slice(0, 6)} UTC`;
}

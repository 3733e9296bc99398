/** bt diff's output: text for people (most important first), JSON for scripts. Formatting goes through src/present/. */
import { commandLine, displayPath, formatDuration, quoteArg } from '../present/format.js';
import type { ArgOp } from './match.js';
import { differs, type Command, type DiffReport, type FileEntry } from './index.js';

/** Entries listed per section in text (JSON has them all). */
const MAX_LINES = 40;

function where(c: Command): string {
  return c.cwd && c.cwd !== '.' ? `  (in ${c.cwd})` : '';
}

/** git word-diff style: kept words plain, [-removed-], {+added+}. */
export function wordDiff(ops: readonly ArgOp[]): string {
  return ops.map((o) => (o.op === '=' ? quoteArg(o.arg) : o.op === '-' ? `[-${quoteArg(o.arg)}-]` : `{+${quoteArg(o.arg)}+}`)).join(' ');
}

function value(v: string | null): string {
  return v === null ? '(unset)' : quoteArg(v);
}

function side(name: string, b: DiffReport['a']): string {
  const st = b.exit_status === null ? 'no exit status' : `exit ${b.exit_status}`;
  return `${name} = ${commandLine(b.command, 60)} in ${b.start_dir} (${formatDuration(b.duration_ms * 1e6)}, ${st})`;
}

export function diffText(r: DiffReport): string {
  const out: string[] = [];
  out.push(`bt diff: ${differs(r) ? 'the builds differ' : 'no differences'}; ${side('A', r.a)}; ${side('B', r.b)}`);
  const section = <T>(title: string, items: readonly T[], line: (x: T) => string) => {
    if (!items.length) return;
    out.push('', `${title} (${items.length})`);
    for (const x of items.slice(0, MAX_LINES)) out.push(`  ${line(x)}`);
    if (items.length > MAX_LINES) out.push(`  … and ${items.length - MAX_LINES} more (--json lists them all)`);
  };
  const files = (e: FileEntry) => `${displayPath(e.path)}  (${e.tools.join(', ')})`;
  section('exit status changed', r.exit_status, (x) => `${commandLine(x.b.argv)}: ${x.a_status} -> ${x.b_status}${where(x.b)}`);
  const only = (x: Command & { hidden: number }) =>
    `${commandLine(x.argv)}${where(x)}${x.hidden ? `  (and ${x.hidden} subprocess${x.hidden === 1 ? '' : 'es'})` : ''}`;
  section('commands only in A', r.only_in_a, only);
  section('commands only in B', r.only_in_b, only);
  section('arguments changed (A -> B)', r.arguments, (x) => `${wordDiff(x.diff)}${where(x.b)}`);
  section('environment changed (A -> B)', r.environment, (x) => `${x.name}: ${value(x.a)} -> ${value(x.b)}  (${x.tools.join(', ')})`);
  section('inputs read only in A', r.inputs_only_in_a, files);
  section('inputs read only in B', r.inputs_only_in_b, files);
  section('read from another place (A -> B)', r.resolved_elsewhere, (x) => `${displayPath(x.name)}: ${x.a.map(displayPath).join(' ')} -> ${x.b.map(displayPath).join(' ')}  (${x.tools.join(', ')})`);
  section('inputs changed (modification time, A -> B)', r.inputs_changed, (x) => `${displayPath(x.path)}: ${mtimeText(x.a)} -> ${mtimeText(x.b)}  (${x.tools.join(', ')})`);
  section('outputs only in A', r.outputs_only_in_a, files);
  section('outputs only in B', r.outputs_only_in_b, files);
  section('job durations changed most', r.durations, (x) => `${x.change_ms > 0 ? '+' : ''}${x.change_ms} ms  ${commandLine(x.b.argv)}  (${x.a_ms} ms -> ${x.b_ms} ms)`);
  return `${out.join('\n')}\n`;
}

/** "sec.nsec" as a UTC time to the microsecond: 2026-11-30 15:01:02.123456 UTC. */
function mtimeText(m: string): string {
  const [sec, nsec = '0'] = m.split('.');
  const d = new Date(Number(sec) * 1000);
  if (Number.isNaN(d.getTime())) return m;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${nsec.padStart(9, '0').slice(0, 6)} UTC`;
}

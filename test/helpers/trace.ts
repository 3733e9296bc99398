/**
 * Runs the real `bt` CLI (compiled and bundled, dist/src/cli/bt.cjs: what users run) and loads logs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Options } from 'execa';
import { LogReader } from '../../src/log/reader.js';
import { tmpdir } from './tmp.js';
import type { LogHeader, LogRecord, Trailer } from '../../src/log/schema.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BT = path.join(REPO, 'dist', 'src', 'cli', 'bt.cjs');
export const PROGS = path.join(REPO, 'test-programs', 'bin');
export const prog = (name: string) => path.join(PROGS, name);

export interface RunResult {
  /** The exit status; -1 when bt died of a signal. */
  code: number;
  /** The signal bt died of (bt trace: the one its build died of, re-raised). */
  signal?: string;
  stdout: string;
  stderr: string;
}

/** Runs `bt ARGS`; never rejects. */
export async function bt(args: string[], opts: Options = {}): Promise<RunResult> {
  const r = await execa(process.execPath, [BT, ...args], { reject: false, all: false, ...opts });
  return { code: r.exitCode ?? -1, ...(r.signal ? { signal: r.signal } : {}), stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

export interface Loaded {
  header: LogHeader;
  records: LogRecord[];
  trailer?: Trailer;
  torn?: { offset: number; reason: string };
  complete: boolean;
}

export function loadLog(file: string): Loaded {
  const r = LogReader.open(file);
  try {
    const records = [...r.records()];
    return { header: r.header, records, trailer: r.trailer, torn: r.torn, complete: r.complete };
  } finally {
    r.close();
  }
}

export { tmpdir };

export interface Traced extends RunResult {
  log: Loaded;
  file: string;
}

/** Traces COMMAND with `bt trace` into a temporary log; LC_ALL=C keeps locale noise out. */
export async function trace(
  command: string[],
  opts: { args?: string[]; env?: NodeJS.ProcessEnv; cwd?: string; shared?: boolean } = {},
): Promise<Traced> {
  const dir = tmpdir('bt-log-');
  if (opts.shared) fs.chmodSync(dir, 0o1777); // a sudo user (SUDO_UID) creates the log: like /tmp
  const file = path.join(dir, 'test.trace');
  const res = await bt(['trace', '-q', '-o', file, ...(opts.args ?? []), '--', ...command], {
    env: { ...process.env, LC_ALL: 'C', ...opts.env },
    cwd: opts.cwd,
  });
  return { ...res, log: loadLog(file), file };
}

export const ofType = <K extends keyof LogRecord>(records: LogRecord[], k: K) =>
  records.filter((r) => r[k] !== undefined) as Array<LogRecord & Required<Pick<LogRecord, K>>>;

/** Process forks (not threads) as [parent pid, child pid]. */
export function forkEdges(records: LogRecord[]): Array<[number, number]> {
  return ofType(records, 'fork')
    .filter((r) => !r.fork.thread)
    .map((r) => [r.pid, r.fork.child]);
}

export function exitOf(records: LogRecord[], pid: number | undefined) {
  const exits = ofType(records, 'exit').filter((r) => r.pid === pid);
  return exits.length === 1 ? exits[0].exit : undefined;
}

/** Records whose path/from/to is not part of program start-up (loader, libc, locale). */
export function isStartupNoise(r: LogRecord): boolean {
  const p = r.open?.path ?? '';
  return /^\/etc\/ld\.so\.cache$|\.so(\.\d+)*$|^\/usr\/lib\/locale|^\/usr\/share\/locale|gconv/.test(p);
}

/** Bad input: exit 2, nothing on stdout, one line on stderr matching `re`. */
export function oneLineError(r: RunResult, re: RegExp): void {
  assert.equal(r.code, 2, `exit 2: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], re);
}

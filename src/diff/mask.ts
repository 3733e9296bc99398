/**
 * What is not a difference between two builds: where they ran (the start
 * directory becomes `$START`), and temporary names (files the build made
 * and removed, gcc's /tmp/cc*.s, mktemp names, `.tmp_<pid>`), which become
 * `<tmp>`; `--mask REGEX` adds patterns (matches become `*`).
 */
import { DiffError } from '../errors.js';
import type { Build } from '../model/index.js';
import { relativeInside } from '../normalize/paths.js';

/** Built-in temporary-name patterns. */
const TEMP_PATTERNS: readonly RegExp[] = [
  /\/(?:var\/)?tmp\/cc[A-Za-z0-9]{6}(?:\.[A-Za-z0-9]+)?/g,
  /\/(?:var\/)?tmp\/tmp\.[A-Za-z0-9]{6,}(?:\.[A-Za-z0-9]+)?/g,
  /\.tmp_\d+/g,
];

/** Compiles --mask patterns; a bad one is a DiffError E_BAD_INPUT. */
export function compileMasks(masks: readonly string[] | undefined): RegExp[] {
  return (masks ?? []).map((m) => {
    if (!m) throw new DiffError('E_BAD_INPUT', '--mask needs a regular expression, got an empty string');
    try {
      return new RegExp(m, 'g');
    } catch (err) {
      throw new DiffError('E_BAD_INPUT', `bad regular expression in --mask "${m}": ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`, {
        cause: err,
      });
    }
  });
}

export class Masker {
  private readonly start: string;
  /** The start directory where it is a whole path part (followed by /, the end, or a separator such as : or a space). */
  private readonly startRe: RegExp;
  private readonly temps: Set<string>;

  constructor(
    build: Build,
    private readonly user: readonly RegExp[] = [],
  ) {
    this.start = build.startDir || '/';
    this.startRe = new RegExp(`${this.start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$|[^\\w.+-])`, 'g');
    this.temps = new Set(build.model.files.filter((f) => f.created && f.removed && !f.dir).map((f) => f.path));
  }

  /** A string from the build (argument, environment value) with its run-specific parts masked. */
  text(s: string): string {
    let out = s;
    if (out.includes('/')) {
      out = out.replace(/\/[^\s:=,;'"]+/g, (p) => (this.temps.has(p) ? '<tmp>' : p));
      for (const re of TEMP_PATTERNS) out = out.replace(re, '<tmp>');
      // the start directory as a whole path part: /w/proj-deps is not $START-deps
      if (this.start !== '/') out = out.replace(this.startRe, '$$START');
    }
    for (const re of this.user) out = out.replace(re, '*');
    return out;
  }

  /** A file's key: relative inside the start directory, else its masked absolute path. */
  path(p: string): string {
    if (this.temps.has(p)) return '<tmp>';
    const rel = relativeInside(this.start, p);
    if (rel !== undefined) return this.user.length ? this.text(rel) : rel;
    return this.text(p);
  }

  /** A working directory relative to the start directory ("." for it). */
  cwd(p: string): string {
    const rel = relativeInside(this.start, p);
    return rel === undefined ? this.text(p) : rel;
  }
}

/**
 * What bt check reports: one Finding per problem, naming the file(s) and
 * the job(s) by command line, with times relative to the build's start.
 */
import { programsOf, unitId, type Build } from '../model/index.js';
import { readsHeaders } from '../model/toolargs.js';
import { baseName } from '../normalize/paths.js';

export type FindingKind =
  | 'hermeticity'
  | 'write-write'
  | 'read-write'
  | 'used-before-produced'
  | 'missing-dep'
  | 'concurrent-append'
  | 'undeclared-input'
  | 'undeclared-output';

/** Most important first: the order findings are listed in. */
export const KIND_ORDER: readonly FindingKind[] = [
  'write-write',
  'read-write',
  'used-before-produced',
  'missing-dep',
  'undeclared-input',
  'undeclared-output',
  'concurrent-append',
  'hermeticity',
];

/** A job (or a process outside any job) as a finding names it. */
export interface JobRef {
  proc: number;
  /** The command its parent started: the first program its process exec'd (a recipe line's shell that went on to exec its last command: the shell's). */
  argv: string[];
  /** Seconds since the build's start. */
  start: number;
  end: number;
}

/** One use of one file by one job. */
export interface FileUse {
  path: string;
  /** Kind names of the use ("read", "probe", "write", …). */
  access: string[];
  /** Seconds since the build's start of the first such use. */
  time: number;
  proc: number;
}

/**
 * How a finding's sentence names a file: relative to the build's start
 * directory when under it, unless --absolute (present/format.ts
 * pathShower, as the text report names them).
 */
export type PathNamer = (path: string) => string;

export interface Finding {
  kind: FindingKind;
  /** The file (absolute); for hermeticity the directory. */
  file: string;
  jobs: JobRef[];
  /** What happened, in a sentence that names files through a PathNamer. */
  detail: string;
  /** Seconds since the build's start: when it first showed. */
  time: number;
  /** The uses behind the finding (hermeticity: every file in the directory). */
  uses: FileUse[];
  /** What to change so that it goes away (src/check/fix.ts), naming files as `detail` does. */
  fix?: string;
  /** undeclared-*: the finding stands for this many files of one recipe (src/check/grouped.ts): `file` is the directory holding them all, `uses` has each. */
  files?: number;
  /** undeclared-*, missing-dep: the make/ninja target the (first) job built. */
  target?: string;
  /** Races: the two jobs (or drivers) whose uses raced, writer first (not in the JSON: missing-dep takes the race's place). */
  pair?: [number, number];
}

/** Seconds since the build's start, to the microsecond. */
export function secondsSince(build: Build, ts: number): number {
  return Math.round((ts - build.model.startTs) / 1e3) / 1e6;
}

/** The job a process belongs to, or the process itself when it is in no job (drivers, the root). */
export function jobOf(build: Build, proc: number): number {
  const p = build.process(proc);
  return p ? unitId(p) : proc;
}

/** A job (by its root proc, or a process outside jobs) as a JobRef. */
export function jobRef(build: Build, id: number): JobRef {
  const job = build.jobs.get(id);
  const p = build.process(id);
  const start = job?.start ?? p?.start ?? build.model.startTs;
  const end = job?.end ?? p?.end ?? start;
  const argv = p ? programsOf(p)[0].argv : [];
  return { proc: id, argv: [...argv], start: secondsSince(build, start), end: secondsSince(build, end) };
}

/** Sorts findings: by kind (KIND_ORDER), then time, then file. */
export function sortFindings(fs: Finding[]): Finding[] {
  return fs.sort(
    (a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.time - b.time || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0),
  );
}

/** A compiler read the file `proc` read: `proc` or its parent is a compiler (the driver, or gcc's cc1 under it). */
export function compiled(build: Build, proc: number): boolean {
  const p = build.process(proc);
  const parent = p && build.process(p.parent);
  return [p, parent].some((q) => !!q && readsHeaders(baseName(q.exe || q.argv[0] || '')));
}

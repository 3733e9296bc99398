/**
 * The build model packed for the static page: strings interned in one
 * table, processes and accesses as flat number arrays, times relative to
 * the build's start. unpack() (pure, run in the browser) gives back objects
 * of the model's shape, which the shared queries read.
 */
import type { LogHeader } from '../log/schema.js';
import type { BuildFile, BuildModel, FileAccess, Process } from '../model/types.js';

export interface Packed {
  v: 1;
  header: Partial<LogHeader>;
  startTs: number;
  endTs: number;
  /** The build's end (BuildModel.buildEndTs); endTs when absent. */
  buildEndTs?: number;
  /** Processes bt trace left running (BuildModel.outlived). */
  outlived?: BuildModel['outlived'];
  incomplete: boolean;
  /** A running bt trace still wrote the log when the page was made. */
  live?: boolean;
  lost: number;
  /** BuildModel.shortfalls and notExited. */
  shortfalls?: BuildModel['shortfalls'];
  notExited?: number;
  exitStatus: number | null;
  strings: string[];
  envs: number[][];
  /** per process: proc, pid, parent, exe, cwd, env, start, end, exitCode, signal, execd, job */
  procs: number[];
  argv: number[][];
  /** The chains of the processes that exec'd several programs (Process.execs), each program as [proc, ts, exe, cwd, argv], in order; absent when none did. */
  execs?: Array<[number, number, number, number, number[]]>;
  /** per file: path, flags (1 dir, 2 created, 4 removed, 8 written after the build by a process left running), kinds */
  files: number[];
  /** per access: proc, file, kinds, first, last, count, firstWrite (-1) */
  acc: number[];
  groups: Record<string, number[]>;
  /** The files bt summary leaves out as runtime noise (ids). */
  noise?: number[];
  summary?: unknown;
  /** The tests (their job roots) and the failed ones, as bt summary counts them (view/host.ts testsOf). */
  tests?: TestRoots;
  links: BuildModel['links'];
}

/** The build's tests by job root, and those that failed (a harness's by its result), as bt summary counts them. */
export interface TestRoots {
  roots: number[];
  failed: number[];
}

const P = 12;
const F = 3;
const A = 7;

export function pack(model: BuildModel, extra: { groups?: Record<string, readonly number[]>; noise?: readonly number[]; summary?: unknown; tests?: TestRoots } = {}): Packed {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const s = (v: string) => {
    let i = ids.get(v);
    if (i === undefined) {
      i = strings.length;
      strings.push(v);
      ids.set(v, i);
    }
    return i;
  };
  const envs: number[][] = [];
  const envIds = new Map<readonly string[], number>();
  const t0 = model.startTs;
  const procs: number[] = [];
  const argv: number[][] = [];
  const execs: NonNullable<Packed['execs']> = [];
  const acc: number[] = [];
  for (const p of model.processes) {
    let e = envIds.get(p.env);
    if (e === undefined) {
      e = envs.length;
      envs.push(p.env.map(s));
      envIds.set(p.env, e);
    }
    procs.push(p.proc, p.pid, p.parent, s(p.exe), s(p.cwd), e, p.start - t0, p.end - t0, p.exitCode, p.signal, p.execd ? 1 : 0, p.job);
    argv.push(p.argv.map(s));
    for (const x of p.execs ?? []) execs.push([p.proc, x.ts - t0, s(x.exe), s(x.cwd), x.argv.map(s)]);
    for (const a of p.files.values()) acc.push(a.proc, a.file, a.kinds, a.first - t0, a.last - t0, a.count, a.firstWrite < 0 ? -1 : a.firstWrite - t0);
  }
  const files: number[] = [];
  for (const f of model.files) files.push(s(f.path), (f.dir ? 1 : 0) | (f.created ? 2 : 0) | (f.removed ? 4 : 0) | (f.afterBuild ? 8 : 0), f.kinds);
  const h = model.header;
  return {
    v: 1,
    header: {
      command: h.command,
      cwd: h.cwd,
      hostname: h.hostname,
      kernel_release: h.kernel_release,
      bt_version: h.bt_version,
      boot_to_wall_ns: h.boot_to_wall_ns,
    },
    startTs: t0,
    endTs: model.endTs,
    buildEndTs: model.buildEndTs,
    outlived: model.outlived,
    incomplete: model.incomplete,
    live: model.live,
    lost: model.lostEvents,
    shortfalls: model.shortfalls,
    notExited: model.notExited,
    exitStatus: model.trailer?.exit_status ?? null,
    strings,
    envs,
    procs,
    argv,
    ...(execs.length ? { execs } : {}),
    files,
    acc,
    groups: Object.fromEntries(Object.entries(extra.groups ?? {}).map(([k, v]) => [k, [...v]])),
    noise: [...(extra.noise ?? [])],
    summary: extra.summary,
    ...(extra.tests ? { tests: extra.tests } : {}),
    links: model.links,
  };
}

/** The model back from its packed form (times relative again to startTs). */
export function unpack(d: Packed): BuildModel {
  const S = d.strings;
  const t0 = d.startTs;
  const envs = d.envs.map((e) => e.map((i) => S[i]));
  const processes: Process[] = [];
  const byId = new Map<number, Process>();
  for (let i = 0, k = 0; k < d.procs.length; i++, k += P) {
    const v = d.procs;
    const p: Process = {
      proc: v[k],
      pid: v[k + 1],
      parent: v[k + 2],
      children: [],
      exe: S[v[k + 3]],
      cwd: S[v[k + 4]],
      env: envs[v[k + 5]],
      start: v[k + 6] + t0,
      end: v[k + 7] + t0,
      exitCode: v[k + 8],
      signal: v[k + 9],
      execd: v[k + 10] === 1,
      job: v[k + 11],
      argv: d.argv[i].map((j) => S[j]),
      failedExecs: 0,
      files: new Map(),
      pipeRead: [],
      pipeWrite: [],
    };
    processes.push(p);
    byId.set(p.proc, p);
  }
  for (const p of processes) byId.get(p.parent)?.children.push(p.proc);
  for (const [proc, ts, exe, cwd, argv] of d.execs ?? []) {
    const p = byId.get(proc);
    if (p) (p.execs ??= []).push({ ts: ts + t0, exe: S[exe], cwd: S[cwd], argv: argv.map((j) => S[j]) });
  }
  const files: BuildFile[] = [];
  for (let id = 0, k = 0; k < d.files.length; id++, k += F) {
    const fl = d.files[k + 1];
    const f: BuildFile = { id, path: S[d.files[k]], dir: (fl & 1) !== 0, created: (fl & 2) !== 0, removed: (fl & 4) !== 0, kinds: d.files[k + 2], procs: [] };
    if (fl & 8) f.afterBuild = true;
    files.push(f);
  }
  for (let k = 0; k < d.acc.length; k += A) {
    const v = d.acc;
    const firstWrite = v[k + 6] < 0 ? -1 : v[k + 6] + t0;
    // the page has no use for when writes and reads ended: the last use bounds them
    const a: FileAccess = { proc: v[k], file: v[k + 1], kinds: v[k + 2], first: v[k + 3] + t0, last: v[k + 4] + t0, count: v[k + 5], firstWrite, lastWrite: firstWrite < 0 ? -1 : v[k + 4] + t0, closed: -1 };
    byId.get(a.proc)?.files.set(a.file, a);
    files[a.file]?.procs.push(a);
  }
  return {
    header: d.header as LogHeader,
    trailer: d.exitStatus === null ? undefined : ({ exit_status: d.exitStatus } as BuildModel['trailer']),
    processes,
    files,
    roots: processes.filter((p) => !p.parent || !byId.has(p.parent)).map((p) => p.proc),
    links: d.links ?? [],
    incomplete: d.incomplete,
    live: d.live ?? false,
    lostEvents: d.lost,
    shortfalls: d.shortfalls ?? { truncated: 0, failedExecArgv: 0, repeatCounts: 0 },
    notExited: d.notExited ?? 0,
    startTs: t0,
    endTs: d.endTs,
    outlived: d.outlived ?? [],
    buildEndTs: d.buildEndTs ?? d.endTs,
  };
}

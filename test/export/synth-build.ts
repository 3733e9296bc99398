/**
 * Test helper: a build model from a short description of processes (the
 * normalized records a trace of them would give).
 */
import type { LogHeader, LogRecord } from '../../src/log/schema.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { makeHeader } from '../normalize/synth.js';

export interface FakeProc {
  proc: number;
  parent?: number;
  argv: string[];
  /** default: /usr/bin/<argv[0]'s name> */
  exe?: string;
  cwd?: string;
  start?: number;
  end?: number;
  exit?: number;
  signal?: number;
  /** Opens: [abspath, access bits] at start+1. */
  opens?: Array<[string, number]>;
  /** A failed exec before the successful one: its path. */
  failedExec?: string;
}

export function fakeBuild(procs: FakeProc[], cwd = '/src', extra: Partial<LogHeader> = {}): Build {
  const header = { ...makeHeader(100, cwd), normalized: true, start_ts: 1000, ...extra };
  const recs: LogRecord[] = [];
  for (const p of procs) {
    const start = p.start ?? 1000 + p.proc * 10;
    const exe = p.exe ?? (p.argv[0].startsWith('/') ? p.argv[0] : `/usr/bin/${p.argv[0].split('/').pop()}`);
    const pid = 100 + p.proc;
    if (p.failedExec) {
      recs.push({ ts: start, pid, tid: pid, proc: p.proc, abspath: p.failedExec, exec: { path: p.failedExec, argv: p.argv, cwd: p.cwd ?? cwd, errno: 2 } } as unknown as LogRecord);
    }
    recs.push({ ts: start, pid, tid: pid, proc: p.proc, abspath: exe, exec: { path: exe, argv: p.argv, cwd: p.cwd ?? cwd, errno: 0 } } as unknown as LogRecord);
    for (const [path, access] of p.opens ?? []) {
      recs.push({ ts: start + 1, pid, tid: pid, proc: p.proc, abspath: path, access, open: { path, flags: 0, fd: 3, errno: 0 } } as unknown as LogRecord);
    }
  }
  for (const p of procs) {
    const start = p.start ?? 1000 + p.proc * 10;
    const exe = p.exe ?? (p.argv[0].startsWith('/') ? p.argv[0] : `/usr/bin/${p.argv[0].split('/').pop()}`);
    recs.push({
      ts: p.end ?? start + 5,
      pid: 100 + p.proc,
      tid: 100 + p.proc,
      proc: p.proc,
      process: {
        proc: p.proc,
        pid: 100 + p.proc,
        parent: p.parent ?? 0,
        exe,
        argv: p.argv,
        cwd: p.cwd ?? cwd,
        start_ts: start,
        end_ts: p.end ?? start + 5,
        exit_code: p.exit ?? 0,
        signal: p.signal ?? 0,
      },
    } as unknown as LogRecord);
  }
  recs.sort((a, b) => a.ts - b.ts);
  return buildFromRecords(header, recs);
}

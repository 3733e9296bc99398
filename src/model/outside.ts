/**
 * Work done outside the trace: by a build server that was running before
 * the build (a Gradle daemon, an sccache server, bazel's server). bt sees
 * only the traced command's processes; the client hands the work to the
 * server over a socket, which the log does not record. Two kinds of
 * evidence are in the log all the same:
 *
 *  - a file the build found missing (a failed lookup or open, or its own
 *    removal) and later found present, with an mtime inside the trace, that
 *    no process of the build wrote: something outside the trace made it
 *    during the build (sccache's server writing the `a.o` make then stats).
 *    markMadeOutside sets BuildFile.outside on such files.
 *  - a client of a known build server ran and the server did not run in the
 *    trace (buildServers): gradle's client read its daemon registry and no
 *    daemon ran in the trace; sccache compiled and its server did not start
 *    in the trace; bazel ran and its server did not. The build's work may
 *    have been done there: what the build read and wrote is not all here.
 */
import type { LogHeader } from '../log/schema.js';
import { baseName } from '../normalize/paths.js';
import { READS, WRITES } from './kinds.js';
import { outlivedProcs } from './outlived.js';
import type { BuildFile, BuildModel, Process } from './types.js';

/** A file the build found missing (`missing`, ns) then present (`found`), and the first mtime it found after that. */
export interface Appeared {
  missing: number;
  found: number;
  mtime?: { sec: number; nsec: number; ts: number };
}

/** Pseudo file systems: their files come and go with processes, not builds. */
const PSEUDO = /^\/(?:proc|sys|dev)\//;

/** The file system's clock may lag the one bt's times are on by a tick (a coarse clock): ns. */
const CLOCK_SLACK = 20e6;

/**
 * Marks the files that appeared (model.ts: missing, then present, the build
 * making none of it) with an mtime inside the trace ([startTs, endTs], on
 * the log's clock) and that no process of the build wrote: made during the
 * build by a process outside the trace (BuildFile.outside).
 */
export function markMadeOutside(files: readonly BuildFile[], appeared: ReadonlyMap<number, Appeared>, header: LogHeader, startTs: number, endTs: number): void {
  const toWall = header.boot_to_wall_ns ?? 0;
  if (!toWall) return;
  const from = (startTs + toWall) / 1e9 - CLOCK_SLACK / 1e9;
  for (const [id, ap] of appeared) {
    const f = files[id];
    if (f.kinds & WRITES || PSEUDO.test(f.path) || !ap.mtime) continue;
    const m = ap.mtime.sec + ap.mtime.nsec / 1e9;
    const until = (Math.min(ap.mtime.ts, endTs) + toWall + CLOCK_SLACK) / 1e9;
    if (m >= from && m <= until) f.outside = { missing: ap.missing, found: ap.found };
  }
}

/** A build server whose client ran in the trace while the server did not: the build's work may have been done there. */
export interface ServerHint {
  /** Its name, as a user knows it ("the Gradle daemon"). */
  server: string;
  /** What in the log says so. */
  evidence: string;
  /** How to trace the work too. */
  advice: string;
}

/** A known build server: how its client shows in the log, how the server does, and the advice. */
interface ServerRule {
  server: string;
  /** The evidence a process of the build gives that it is a client (undefined: none). */
  client(p: Process, files: readonly BuildFile[]): string | undefined;
  /** The process is the server (started in the trace); `left`: bt trace left it running after the build. */
  isServer(p: Process, left: boolean): boolean;
  advice: string;
}

/** gradle's client reads the daemon registry of its user home (~/.gradle/daemon/VERSION/registry.bin) to find a daemon. */
const GRADLE_REGISTRY = /\/daemon\/[^/]+\/registry\.bin$/;

function readFile(p: Process, files: readonly BuildFile[], re: RegExp): string | undefined {
  for (const a of p.files.values()) if (a.kinds & READS && re.test(files[a.file].path)) return files[a.file].path;
  return undefined;
}

function named(p: Process, ...names: string[]): boolean {
  return names.includes(baseName(p.exe)) || (!!p.argv[0] && names.includes(baseName(p.argv[0])));
}

/** The known build servers: one table. */
const SERVERS: readonly ServerRule[] = [
  {
    server: 'the Gradle daemon',
    client: (p, files) => {
      const reg = readFile(p, files, GRADLE_REGISTRY);
      return reg ? `gradle's client read its registry ${reg}` : undefined;
    },
    isServer: (p) => p.argv.some((a) => a.endsWith('.GradleDaemon')),
    advice: 'trace `gradle --no-daemon …`, or stop the daemon first (`gradle --stop`): the build then starts one inside the trace',
  },
  {
    server: "sccache's server",
    // a compile through sccache (`sccache cc -c …`), not one of its own commands (`sccache --show-stats`)
    client: (p) => (named(p, 'sccache') && p.argv.length > 1 && !p.argv[1].startsWith('-') ? `${p.argv.slice(0, 2).join(' ')} ran` : undefined),
    // the client starts it with SCCACHE_START_SERVER=1 (`sccache --start-server` too); a server lives on after the build
    isServer: (p, left) => named(p, 'sccache') && (left || p.env.includes('SCCACHE_START_SERVER=1') || p.argv.includes('--start-server')),
    advice: 'stop the server first (`sccache --stop-server`): the build\'s first sccache then starts it inside the trace',
  },
  {
    server: "bazel's server",
    client: (p) => (named(p, 'bazel', 'bazelisk') && p.argv.length > 1 ? `${p.argv.slice(0, 2).join(' ')} ran` : undefined),
    isServer: (p) => p.argv.some((a) => a.endsWith('/A-server.jar')),
    advice: 'run `bazel shutdown` before tracing: the build then starts its server inside the trace',
  },
];

/** The known build servers (SERVERS) whose client ran in the build while the server did not run in the trace. */
export function buildServers(model: Pick<BuildModel, 'processes' | 'files' | 'outlived'>): ServerHint[] {
  const out: ServerHint[] = [];
  const left = outlivedProcs(model.outlived);
  for (const rule of SERVERS) {
    let evidence: string | undefined;
    let server = false;
    for (const p of model.processes) {
      if (rule.isServer(p, left.has(p.proc))) server = true;
      else evidence ??= rule.client(p, model.files);
    }
    if (evidence && !server) out.push({ server: rule.server, evidence, advice: rule.advice });
  }
  return out;
}

/** The note a server hint makes, one line: what may have happened, why bt thinks so, what to do. */
export function serverNote(h: ServerHint): string {
  return `the build's work may have been done by ${h.server} outside the trace (${h.evidence}; the server was not in the trace): ${h.advice}`;
}

/** The advice when files were made outside the trace and no known server explains it. */
export const OUTSIDE_ADVICE = 'a build server running before the build does its work where bt cannot see it: stop it before tracing, so that the build starts it inside the trace';

/** The files (not directories) made during the build by processes outside the trace (BuildFile.outside), by path. */
export function madeOutside(model: Pick<BuildModel, 'files'>): BuildFile[] {
  return model.files.filter((f) => f.outside && !f.dir).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

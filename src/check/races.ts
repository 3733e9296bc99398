/**
 * Races: the -j bugs, visible in one run without knowing the build system.
 * Two jobs that ran at the same time (their spans overlap) and are not
 * ordered by ancestry (neither contains the other) both touched a file:
 *
 *   write-write           both wrote it: which content wins is luck
 *   read-write            one wrote it, the other read or looked for it
 *                         (before or after the write)
 *   used-before-produced  one read or looked for it before the other
 *                         (started earlier or later) created it: it worked
 *                         (or not) by luck of scheduling
 *
 * A job that started after the other's root process had exited, and after
 * every process of the other that used the file had exited (a process may
 * write through an fd it opened long before), is ordered after it: the
 * driver waited for that root (a recipe that leaves a daemon running
 * stretches its job's span, not what the driver waited for). Directories, pseudo-files and
 * noise (noise.ts) are left out.
 */
import { Kind, USES, WRITES, type Build, type BuildFile, type FileAccess } from '../model/index.js';
import { relativeInside } from '../normalize/paths.js';
import { jobRef, secondsSince, type FileUse, type Finding } from './finding.js';
import { isPseudoPath, type Noise } from './noise.js';

const LOOKS = USES | Kind.PROBE;
/** Findings per file at most (a log every job appends to would give one per pair). */
const MAX_PER_FILE = 10;

/** How one job used one file. */
interface JobUse {
  job: number;
  /** First write-like use (ns), -1 if none. */
  write: number;
  /** The job made the file (create). */
  created: boolean;
  /** First read/lookup (ns), -1 if none. */
  look: number;
  lookKinds: number;
  proc: number;
  writer: number;
  /** When the last of the job's processes that used the file exited (ns; Infinity if one did not). */
  usersEnd: number;
}

export function races(build: Build, noise: Noise): Finding[] {
  const skip = (f: BuildFile, a: FileAccess) => noise.use(f, a);
  const out: Finding[] = [];
  const span = new Map<number, [number, number]>();
  for (const j of build.jobs.jobs) span.set(j.proc, [j.start, j.end]);
  for (const f of build.model.files) {
    if (f.dir || !(f.kinds & WRITES) || isPseudoPath(f.path)) continue;
    const uses = jobUses(build, f, skip);
    if (uses.length < 2 || !uses.some((u) => u.write >= 0)) continue;
    if (noise.file(f)) continue;
    // in start order: a job can only overlap the ones that start before it ends
    uses.sort((a, b) => span.get(a.job)![0] - span.get(b.job)![0] || a.job - b.job);
    const here: Finding[] = [];
    let more = 0;
    for (let i = 0; i < uses.length; i++) {
      const si = span.get(uses[i].job)!;
      for (let k = i + 1; k < uses.length; k++) {
        const sk = span.get(uses[k].job)!;
        if (sk[0] >= si[1]) break;
        const u = uses[i];
        const v = uses[k];
        if (u.write < 0 && v.write < 0) continue;
        if (!(si[0] < sk[1])) continue;
        if (ordered(build, u.job, v.job)) continue;
        // the later job started once the earlier one's root had exited, and every process of it that used the file
        if (sk[0] >= rootEnd(build, u.job) && u.usersEnd <= sk[0]) continue;
        let w = u;
        let o = v;
        if (u.write < 0 || (v.write >= 0 && v.write < u.write)) [w, o] = [v, u];
        if (o.write < 0 && o.look < 0) continue;
        if (here.length >= MAX_PER_FILE) more++;
        else here.push(finding(build, f, w, o, span.get(w.job)!, span.get(o.job)!));
      }
    }
    if (more) here[here.length - 1].detail += ` (and ${more} more pairs of jobs on this file)`;
    out.push(...here);
  }
  return out;
}

function jobUses(build: Build, f: BuildFile, skip: (f: BuildFile, a: FileAccess) => boolean): JobUse[] {
  const by = new Map<number, JobUse>();
  for (const a of f.procs) {
    if (skip(f, a)) continue;
    const job = build.process(a.proc)?.job ?? 0;
    if (!job) continue;
    let u = by.get(job);
    if (!u) by.set(job, (u = { job, write: -1, created: false, look: -1, lookKinds: 0, proc: a.proc, writer: 0, usersEnd: 0 }));
    const end = build.process(a.proc)?.end || Infinity;
    if (end > u.usersEnd) u.usersEnd = end;
    if (a.firstWrite >= 0 && (u.write < 0 || a.firstWrite < u.write)) {
      u.write = a.firstWrite;
      u.writer = a.proc;
    }
    if (a.kinds & Kind.CREATE) u.created = true;
    if (a.kinds & LOOKS) {
      u.lookKinds |= a.kinds & LOOKS;
      if (u.look < 0 || a.first < u.look) {
        u.look = a.first;
        u.proc = a.proc;
      }
    }
  }
  return [...by.values()].sort((a, b) => a.job - b.job);
}

/** When a job's root process exited (what the driver waited for); its span's end if unknown. */
function rootEnd(build: Build, job: number): number {
  const p = build.process(job);
  return p && p.end > 0 ? p.end : (build.jobs.get(job)?.end ?? Infinity);
}

/** One job's root is an ancestor of the other's. */
function ordered(build: Build, a: number, b: number): boolean {
  return isAncestor(build, a, b) || isAncestor(build, b, a);
}

function isAncestor(build: Build, anc: number, proc: number): boolean {
  let p = build.process(proc);
  while (p && p.parent) {
    if (p.parent === anc) return true;
    p = build.process(p.parent);
  }
  return false;
}

function finding(build: Build, f: BuildFile, w: JobUse, o: JobUse, sw: [number, number], so: [number, number]): Finding {
  const name = relativeInside(build.startDir || '/', f.path) ?? f.path;
  const at = (ts: number) => `+${secondsSince(build, ts).toFixed(6)}`;
  const overlap = `${at(Math.max(sw[0], so[0]))}..${at(Math.min(sw[1], so[1]))}`;
  // how the other job used it: ran it (a tool the build made), read it, or only looked for it
  const ran = (o.lookKinds & (Kind.EXEC | Kind.READ)) === Kind.EXEC;
  const looked = ran ? 'ran' : o.lookKinds & ~Kind.PROBE ? 'read' : 'looked for';
  const ww = o.write >= 0;
  // looked for before the other job made it: whichever of the two started first, it was there or not by luck of scheduling
  const ubp = !ww && w.created && o.look < w.write;
  const wUse: FileUse = { path: f.path, access: ['write'], time: secondsSince(build, w.write), proc: w.writer };
  const oUse: FileUse = ww
    ? { path: f.path, access: ['write'], time: secondsSince(build, o.write), proc: o.writer }
    : { path: f.path, access: ran ? ['exec'] : o.lookKinds & ~Kind.PROBE ? ['read'] : ['probe'], time: secondsSince(build, o.look), proc: o.proc };
  if (ww) {
    const [first, second] = w.write <= o.write ? [w, o] : [o, w];
    return {
      kind: 'write-write',
      file: f.path,
      jobs: [jobRef(build, first.job), jobRef(build, second.job)],
      detail: `jobs ${first.job} and ${second.job} both wrote ${name} while running at the same time (${overlap}) and nothing orders them: which content wins is luck`,
      time: Math.min(wUse.time, oUse.time),
      uses: wUse.time <= oUse.time ? [wUse, oUse] : [oUse, wUse],
    };
  }
  if (ubp) {
    return {
      kind: 'used-before-produced',
      file: f.path,
      jobs: [jobRef(build, o.job), jobRef(build, w.job)],
      detail: `job ${o.job} ${looked} ${name} at ${at(o.look)}, before job ${w.job}, ${so[0] < sw[0] ? 'started later' : 'started first'} and not ordered before it (both ran ${overlap}), created it at ${at(w.write)}`,
      time: oUse.time,
      uses: [oUse, wUse],
    };
  }
  const [first, second] = o.look <= w.write ? [oUse, wUse] : [wUse, oUse];
  return {
    kind: 'read-write',
    file: f.path,
    jobs: [jobRef(build, w.job), jobRef(build, o.job)],
    detail:
      o.look < w.write
        ? `job ${o.job} ${looked} ${name} at ${at(o.look)}, before job ${w.job}, not ordered after it (both ran ${overlap}), wrote it at ${at(w.write)}`
        : `job ${w.job} wrote ${name} at ${at(w.write)} and job ${o.job}, not ordered after it (both ran ${overlap}), ${looked} it at ${at(o.look)}`,
    time: first.time,
    uses: [first, second],
  };
}

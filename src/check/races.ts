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
 *   concurrent-append     several jobs appended (O_APPEND) to it at the same
 *                         time (a log): one finding per file, the order of
 *                         its lines varies
 *
 * The two jobs are compared where their driver ran them: a recursive make's
 * sub-makes run as jobs of the top make, so a job inside `make -C lib` and
 * one inside `make -C app` race when the two `make -C` (the children of the
 * nearest process both descend from) ran at the same time, whether or not
 * the inner jobs overlapped (ar wrote libfoo.a before ld read it, by luck).
 * A driver's own lookups of missing files (a sub-make looking for a
 * prerequisite) and its writes count as its own unit's; its reads and stats
 * (makefiles, timestamps) do not, nor does its lookup of a file one of its
 * own jobs makes (its own target).
 *
 * A job that started after the other's root process had exited, and after
 * every process of the other that used the file had exited (a process may
 * write through an fd it opened long before), is ordered after it: the
 * driver waited for that root (a recipe that leaves a daemon running
 * stretches its job's span, not what the driver waited for). Directories, pseudo-files,
 * noise (noise.ts; not the linker's library search: a library another job
 * makes is a file of the build) and the caches concurrent compiles share
 * under their tool's locking (present/fold.ts CacheGroup.shared: ccache's,
 * sccache's, Go's, with their stats, locks and logs) are left out. A use
 * is named as it was: read, ran, looked at (a stat), looked for.
 *
 * In a build that failed, a job that failed after looking for a file (not
 * found) that another job, not containing it, created later is a
 * used-before-produced too, even when the two did not overlap: the build
 * broke because nothing ordered them (make -j2 ran the generator after).
 */
import { failed, Kind, USES, WRITES, type Build, type BuildFile, type FileAccess, unitId } from '../model/index.js';
import { commandLine, exitText, pathShower, signalName } from '../present/format.js';
import { cmakeRaceFix, cmakeSubMake, RACE_FIX } from './fix.js';
import { jobRef, secondsSince, type FileUse, type Finding, type PathNamer } from './finding.js';
import { isLibraryPath, type Noise } from './noise.js';
import { isPseudoPath } from '../normalize/paths.js';
import { cacheGroups } from '../present/fold.js';

const LOOKS = USES | Kind.PROBE;
/** Findings per file at most (a log every job appends to would give one per pair). */
const MAX_PER_FILE = 10;

/** How one job (or a driver process, for its own uses) used one file. */
interface JobUse {
  /** The job (its root proc), or the process itself when it is in no job (a driver). */
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

/** Where two uses meet: the two units their nearest common ancestor ran (the jobs themselves, or the sub-builds holding them). */
interface Sides {
  w: number;
  o: number;
}

/** The races of a build; their sentences name files by `show`. */
export function races(build: Build, noise: Noise, show: PathNamer = pathShower(build.startDir)): Finding[] {
  // the linker's search for a library is noise for hermeticity, not when another job of the build makes that library
  const skip = (f: BuildFile, a: FileAccess) => noise.use(f, a) && !(a.kinds === Kind.PROBE && isLibraryPath(f.path));
  const out: Finding[] = [];
  const units = new Units(build);
  const groups = cacheGroups(build);
  const buildFailed = !!build.model.trailer && (build.model.trailer.exit_status ?? 0) !== 0;
  for (const f of build.model.files) {
    if (f.dir || !(f.kinds & WRITES) || isPseudoPath(f.path)) continue;
    // a driver looking for a file one of its own jobs makes is checking its own target, not using another's
    const all = jobUses(build, f, skip);
    const uses = all.filter((u) => u.write >= 0 || build.jobs.get(u.job) || !all.some((v) => v.write >= 0 && v.job !== u.job && units.contains(u.job, v.job)));
    if (uses.length < 2 || !uses.some((u) => u.write >= 0)) continue;
    // a cache concurrent compiles share under its tool's locking (ccache's, Go's): one key holds one content, and its stats, locks and log are the tool's
    if (noise.file(f) || groups[f.id]?.shared) continue;
    uses.sort((a, b) => units.span(a.job)[0] - units.span(b.job)[0] || a.job - b.job);
    const here: Finding[] = [];
    /** Appends by unordered concurrent jobs: one finding for the file. */
    const appenders = new Map<number, JobUse>();
    const appendOnly = f.appendOnly === true && !(f.kinds & (Kind.TRUNCATE | Kind.RENAME_TO));
    let more = 0;
    // an append-only file's appenders: which ran at the same time, by a sweep over their spans (not every pair of a log ten thousand jobs append to)
    if (appendOnly) concurrentAppenders(units, uses, appenders);
    // each pair with a writer once (a header a thousand jobs read and one wrote: a thousand pairs); of an append-only file, its writers with its readers
    const partners = appendOnly ? uses.flatMap((u, k) => (u.write < 0 ? [k] : [])) : undefined;
    for (let i = 0; i < uses.length; i++) {
      if (uses[i].write < 0) continue;
      const n = partners ? partners.length : uses.length;
      for (let x = 0; x < n; x++) {
        const k = partners ? partners[x] : x;
        if (k === i || (k < i && uses[k].write >= 0)) continue;
        const [u, v] = k < i ? [uses[k], uses[i]] : [uses[i], uses[k]];
        let w = u;
        let o = v;
        if (u.write < 0 || (v.write >= 0 && v.write < u.write)) [w, o] = [v, u];
        if (o.write < 0 && o.look < 0) continue;
        const sides = units.sides(w.job, o.job);
        if (!sides) continue; // one runs inside the other
        const sw = units.span(sides.w);
        const so = units.span(sides.o);
        let late = false;
        if (sw[0] < so[1] && so[0] < sw[1]) {
          // the later one started once the earlier one's root had exited, and every process of it that used the file
          const [e, eu, l] = sw[0] <= so[0] ? [sides.w, w, sides.o] : [sides.o, o, sides.w];
          if (units.span(l)[0] >= units.rootEnd(e) && eu.usersEnd <= units.span(l)[0]) continue;
        } else {
          // no overlap: only a failed job that looked for what a later job created, in a failed build
          late = buildFailed && o.write < 0 && o.lookKinds === Kind.PROBE && w.created && o.look < w.write && jobFailed(build, o.job);
          if (!late) continue;
        }
        if (here.length >= MAX_PER_FILE) more++;
        else here.push(finding(build, units, f, w, o, sides, late, show));
      }
    }
    if (more) here[here.length - 1].detail += ` (and ${more} more pairs of jobs on this file)`;
    if (appenders.size) here.push(appended(build, f, [...appenders.values()], show));
    out.push(...here);
  }
  return out;
}

/**
 * The appenders of an append-only file whose spans overlap and neither of
 * which runs inside the other, into `into` (uses sorted by start): a sweep
 * that keeps the appenders still running.
 */
function concurrentAppenders(units: Units, uses: readonly JobUse[], into: Map<number, JobUse>): void {
  let running: JobUse[] = [];
  for (const u of uses) {
    if (u.write < 0) continue;
    const start = units.span(u.job)[0];
    running = running.filter((r) => units.span(r.job)[1] > start);
    for (const r of running) if (!units.contains(r.job, u.job) && !units.contains(u.job, r.job)) into.set(r.job, r).set(u.job, u);
    running.push(u);
  }
}

/** The job's root process failed (the job of a driver's own use: that driver). */
function jobFailed(build: Build, job: number): boolean {
  const p = build.process(job);
  return !!p && failed(p);
}

/** Processes as units of scheduling: spans, ends, and where two of them meet. */
class Units {
  private readonly chains = new Map<number, number[]>();
  /** Per process, its chain's index of each ancestor (made for sides()). */
  private readonly depths = new Map<number, Map<number, number>>();
  private readonly spans = new Map<number, [number, number]>();

  constructor(private readonly build: Build) {}

  /** A job's span, or a process's (a driver in no job: its subtree's). */
  span(unit: number): [number, number] {
    let s = this.spans.get(unit);
    if (!s) {
      const j = this.build.jobs.get(unit);
      const p = this.build.process(unit);
      s = j ? [j.start, j.end] : [p?.start ?? 0, p?.end || Infinity];
      this.spans.set(unit, s);
    }
    return s;
  }

  /** When a unit's root process exited (what the driver waited for); its span's end if unknown. */
  rootEnd(unit: number): number {
    const p = this.build.process(unit);
    return p && p.end > 0 ? p.end : this.span(unit)[1];
  }

  /** The process and its ancestors, nearest first. */
  private chain(proc: number): number[] {
    let c = this.chains.get(proc);
    if (!c) {
      c = [];
      for (let p = this.build.process(proc); p; p = p.parent ? this.build.process(p.parent) : undefined) c.push(p.proc);
      this.chains.set(proc, c);
    }
    return c;
  }

  /** `outer` is `inner` or one of its ancestors. */
  contains(outer: number, inner: number): boolean {
    return this.chain(inner).includes(outer);
  }

  /**
   * The children of the nearest common ancestor of `w` and `o` on the way
   * to each (the units themselves when their driver started both);
   * undefined when one contains the other.
   */
  sides(w: number, o: number): Sides | undefined {
    const cw = this.chain(w);
    const co = this.chain(o);
    let onO = this.depths.get(o);
    if (!onO) this.depths.set(o, (onO = new Map(co.map((p, i) => [p, i]))));
    for (let i = 0; i < cw.length; i++) {
      const j = onO.get(cw[i]);
      if (j === undefined) continue;
      if (i === 0 || j === 0) return undefined;
      return { w: cw[i - 1], o: co[j - 1] };
    }
    return { w: cw[cw.length - 1], o: co[co.length - 1] };
  }
}

function jobUses(build: Build, f: BuildFile, skip: (f: BuildFile, a: FileAccess) => boolean): JobUse[] {
  const by = new Map<number, JobUse>();
  for (const a of f.procs) {
    if (skip(f, a)) continue;
    const p = build.process(a.proc);
    if (!p) continue;
    // a driver's own use: its lookups of what is missing (make looking for a prerequisite) and its writes,
    // not the reads and stats of its bookkeeping (makefiles, timestamps)
    const kinds = p.job ? a.kinds : a.kinds & (Kind.PROBE | WRITES);
    if (!kinds) continue;
    const job = unitId(p);
    let u = by.get(job);
    if (!u) by.set(job, (u = { job, write: -1, created: false, look: -1, lookKinds: 0, proc: a.proc, writer: 0, usersEnd: 0 }));
    const end = p.end || Infinity;
    if (end > u.usersEnd) u.usersEnd = end;
    if (a.firstWrite >= 0 && (u.write < 0 || a.firstWrite < u.write)) {
      u.write = a.firstWrite;
      u.writer = a.proc;
    }
    if (kinds & Kind.CREATE) u.created = true;
    if (kinds & LOOKS) {
      u.lookKinds |= kinds & LOOKS;
      if (u.look < 0 || a.first < u.look) {
        u.look = a.first;
        u.proc = a.proc;
      }
    }
  }
  return [...by.values()].sort((a, b) => a.job - b.job);
}

/**
 * How a job used a file it did not write, its strongest use: read it (or
 * linked from it), ran it, listed it (a directory), stat'ed it (its size
 * or mtime: a recipe's `test -nt`; make's own stats are its unit's
 * bookkeeping, jobUses), or looked for it and did not find it.
 */
function lookOf(kinds: number): 'read' | 'exec' | 'list' | 'stat' | 'probe' {
  if (kinds & (Kind.READ | Kind.LINK_FROM | Kind.CHECKSUM)) return 'read';
  if (kinds & Kind.EXEC) return 'exec';
  if (kinds & Kind.LIST) return 'list';
  if (kinds & Kind.STAT) return 'stat';
  return 'probe';
}

/** The verb of a finding's sentence for each use (lookOf). */
const LOOKED = { read: 'read', exec: 'ran', list: 'listed', stat: 'looked at', probe: 'looked for' } as const;

/** "job 7", "process 3" (a driver in no job). */
function unitName(build: Build, unit: number): string {
  return `${build.jobs.get(unit) ? 'job' : 'process'} ${unit}`;
}

function finding(build: Build, units: Units, f: BuildFile, w: JobUse, o: JobUse, sides: Sides, late: boolean, show: PathNamer): Finding {
  const name = show(f.path);
  const at = (ts: number) => `+${secondsSince(build, ts).toFixed(6)}`;
  const sw = units.span(sides.w);
  const so = units.span(sides.o);
  const overlap = `from ${at(Math.max(sw[0], so[0]))} to ${at(Math.min(sw[1], so[1]))}`;
  // the jobs, and the sub-builds holding them when their driver did not run them itself
  const nested = sides.w !== w.job || sides.o !== o.job;
  const side = (u: JobUse, s: number) => (u.job === s ? unitName(build, u.job) : `${unitName(build, u.job)} (under ${unitName(build, s)})`);
  const wName = side(w, sides.w);
  const oName = side(o, sides.o);
  const subs = () =>
    `${unitName(build, sides.w)} (${commandLine(build.process(sides.w)?.argv ?? [], 60)}) and ${unitName(build, sides.o)} (${commandLine(build.process(sides.o)?.argv ?? [], 60)})`;
  const both = nested ? `${subs()} ran at the same time (${overlap}) and nothing orders them` : `they overlapped ${overlap}`;
  // how the other job used it: ran it (a tool the build made), read it, or only looked for it
  const how = lookOf(o.lookKinds);
  const looked = LOOKED[how];
  const ww = o.write >= 0;
  // looked for before the other job made it: whichever of the two started first, it was there or not by luck of scheduling
  const ubp = !ww && w.created && o.look < w.write;
  const wUse: FileUse = { path: f.path, access: ['write'], time: secondsSince(build, w.write), proc: w.writer };
  const oUse: FileUse = ww
    ? { path: f.path, access: ['write'], time: secondsSince(build, o.write), proc: o.writer }
    : { path: f.path, access: [how], time: secondsSince(build, o.look), proc: o.proc };
  const refs = (a: JobUse, sa: number, b: JobUse, sb: number) => [
    jobRef(build, sa),
    jobRef(build, sb),
    ...(a.job !== sa ? [jobRef(build, a.job)] : []),
    ...(b.job !== sb ? [jobRef(build, b.job)] : []),
  ];
  const pair: [number, number] = [w.job, o.job];
  // two of CMake's per-target sub-makes (make -f CMakeFiles/<target>.dir/build.make): the order to add is between CMake's targets
  const subW = nested ? cmakeSubMake(build.process(sides.w) ?? { argv: [], cwd: '' }) : undefined;
  const subO = subW && cmakeSubMake(build.process(sides.o) ?? { argv: [], cwd: '' });
  const cmake = subW && subO && subW.target !== subO.target ? { w: subW.target, o: subO.target, dir: subW.dir } : undefined;
  if (ww) {
    const [first, second] = w.write <= o.write ? [w, o] : [o, w];
    const [s1, s2] = w.write <= o.write ? [sides.w, sides.o] : [sides.o, sides.w];
    return {
      kind: 'write-write',
      fix: cmake
        ? cmakeRaceFix('write-write', f.path, show, first === w ? cmake.w : cmake.o, first === w ? cmake.o : cmake.w, cmake.dir)
        : RACE_FIX['write-write'](name, first.job, second.job),
      file: f.path,
      jobs: refs(first, s1, second, s2),
      detail: nested
        ? `${side(first, s1)} and ${side(second, s2)} both wrote ${name}: ${subs()} ran at the same time (${overlap}) and nothing orders them: which content wins is luck`
        : `jobs ${first.job} and ${second.job} both wrote ${name} while running at the same time (${overlap}) and nothing orders them: which content wins is luck`,
      time: Math.min(wUse.time, oUse.time),
      uses: wUse.time <= oUse.time ? [wUse, oUse] : [oUse, wUse],
      pair,
    };
  }
  if (late) {
    const p = build.process(o.job);
    const status = p?.signal ? `was killed by ${signalName(p.signal)}` : `failed (${exitText(p?.exitCode ?? -1, 0)})`;
    return {
      kind: 'used-before-produced',
      fix: cmake ? cmakeRaceFix('used-before-produced', f.path, show, cmake.w, cmake.o, cmake.dir) : RACE_FIX['used-before-produced'](name, w.job, o.job),
      file: f.path,
      jobs: refs(o, sides.o, w, sides.w),
      detail: `${oName} looked for ${name} at ${at(o.look)}, did not find it and ${status}; ${wName}, not ordered before it, created it later, at ${at(w.write)}: nothing made the build wait for it`,
      time: oUse.time,
      uses: [oUse, wUse],
      pair,
    };
  }
  if (ubp) {
    return {
      kind: 'used-before-produced',
      fix: cmake ? cmakeRaceFix('used-before-produced', f.path, show, cmake.w, cmake.o, cmake.dir) : RACE_FIX['used-before-produced'](name, w.job, o.job),
      file: f.path,
      jobs: refs(o, sides.o, w, sides.w),
      detail: `${oName} ${looked} ${name} at ${at(o.look)}, before ${wName}, ${so[0] < sw[0] ? 'started later' : 'started first'} and not ordered before it (${both}), created it at ${at(w.write)}`,
      time: oUse.time,
      uses: [oUse, wUse],
      pair,
    };
  }
  const [first, second] = o.look <= w.write ? [oUse, wUse] : [wUse, oUse];
  return {
    kind: 'read-write',
    fix: cmake ? cmakeRaceFix('read-write', f.path, show, cmake.w, cmake.o, cmake.dir) : RACE_FIX['read-write'](name, w.job, o.job),
    file: f.path,
    jobs: refs(w, sides.w, o, sides.o),
    detail:
      o.look < w.write
        ? `${oName} ${looked} ${name} at ${at(o.look)}, before ${wName}, not ordered after it (${both}), wrote it at ${at(w.write)}`
        : `${wName} wrote ${name} at ${at(w.write)} and ${oName}, not ordered after it (${both}), ${looked} it at ${at(o.look)}`,
    time: first.time,
    uses: [first, second],
    pair,
  };
}

/** One finding for a file that unordered concurrent jobs appended to. */
function appended(build: Build, f: BuildFile, by: JobUse[], show: PathNamer): Finding {
  const name = show(f.path);
  by.sort((a, b) => a.write - b.write || a.job - b.job);
  const uses: FileUse[] = by.map((u) => ({ path: f.path, access: ['append'], time: secondsSince(build, u.write), proc: u.writer }));
  return {
    kind: 'concurrent-append',
    fix: RACE_FIX['concurrent-append'](name),
    file: f.path,
    jobs: by.map((u) => jobRef(build, u.job)),
    detail: `${name} was appended to by ${by.length} jobs that ran at the same time and that nothing orders (${by.map((u) => u.job).join(', ')}): the order of its lines varies from build to build`,
    time: uses[0].time,
    uses,
  };
}

/**
 * The build model: public API.
 *
 *   normalized(path)          the one pull-based stream of normalized records
 *   loadBuild(path, opts)     a log (raw or normalized) -> Build (model + jobs + lookups)
 *   buildFromRecords(...)     the same from in-memory normalized records (tests)
 */
import { ModelError } from '../errors.js';
import type { Damage } from '../log/check.js';
import type { LogHeader, LogRecord, Trailer } from '../log/schema.js';
import type { NormalizeOptions, NormalizeSummary } from '../normalize/normalize.js';
import { LateRecordError } from '../normalize/order.js';
import { normalizeAbs } from '../normalize/paths.js';
import { JobIndex, type JobOptions } from './jobs.js';
import { Kind, READS, WRITES } from './kinds.js';
import { ModelBuilder } from './model.js';
import type { BuildFile, BuildModel, Process } from './types.js';
import { normalized } from './stream.js';
import { usrMergeOf } from '../log/usrmerge.js';
import { nearestNames } from './nearest.js';
import { endInBuild } from './outlived.js';
import { buildServers, serverNote } from './outside.js';
import { distinctFiles, otherUsrName } from './usrmerge.js';
import { displayPath } from '../present/format.js';

export { DEFAULT_DRIVERS, isDriver, JobIndex, readersOf, writersOf, type Job, type JobOptions, unitId } from './jobs.js';
export { Kind, KIND_NAMES, kindBit, kindNames, READS, USES, WRITES, type KindName } from './kinds.js';
export { ModelBuilder } from './model.js';
export { buildEndOf, endInBuild, outlivedOf, outlivedProcs, type Outlived } from './outlived.js';
export { buildServers, madeOutside, OUTSIDE_ADVICE, serverNote, type ServerHint } from './outside.js';
export { dryRun, failedJobRoot, failedJobs, failedProbe, failedProbeRoot, failedProbes, innermostFailure } from './failures.js';
export { FAILING_RESULTS, harnessReports, harnessResult, type HarnessOutcome, type TestResult } from './tests.js';
export { failed, type BuildFile, type BuildModel, type ExecdProgram, type FileAccess, type FileLink, type Process } from './types.js';
export { normalized, NormalizedLog } from './stream.js';
export { isLibtool, isShell, programName, programsOf, scriptIndex, shellInline } from './program.js';

export interface LoadOptions extends JobOptions {
  normalize?: NormalizeOptions;
  /** Called every PROGRESS_EVERY records with the number read so far (a start-over begins at 0 again). */
  onProgress?: (records: number) => void;
  /** Told as records are read and when the build is loaded (default: setLoadProgress's). */
  progress?: LoadProgress;
}

/** Records between two onProgress calls. */
export const PROGRESS_EVERY = 500_000;
/** Records between two LoadProgress.records calls. */
const RECORDS_EVERY = 16_384;

/** Someone watching a log being read: a terminal's progress line (cli/progress.ts). */
export interface LoadProgress {
  /** Records of the log at `path` read so far (a start-over begins at 0 again). */
  records(n: number, path: string): void;
  /** The build is loaded: `raw` when the log was normalized on the way. */
  done(info: { path: string; records: number; raw: boolean; ms: number }): void;
}

let defaultProgress: LoadProgress | undefined;

/**
 * The progress every loadBuild without one of its own reports to: the
 * command line sets it once (on a terminal), so every reader, whichever
 * layer loads its log, shows how far it got.
 */
export function setLoadProgress(p: LoadProgress | undefined): void {
  defaultProgress = p;
}

/** A build: the model, its jobs, and lookups by id and path. */
export class Build {
  readonly jobs: JobIndex;
  private readonly byProc = new Map<number, Process>();
  private readonly byPath = new Map<string, BuildFile>();

  constructor(
    readonly model: BuildModel,
    opts: JobOptions = {},
    /** Set when the log was raw and normalized on the fly. */
    readonly summary?: NormalizeSummary,
    /** How the log was damaged, if it was: where it is torn, how the trailer's counts disagree. */
    readonly damage: Damage = {},
  ) {
    for (const p of model.processes) this.byProc.set(p.proc, p);
    for (const f of model.files) this.byPath.set(f.path, f);
    this.jobs = new JobIndex(model, opts);
  }

  get header(): LogHeader {
    return this.model.header;
  }

  /** The directory the build started in. */
  get startDir(): string {
    return this.model.header.cwd ?? '';
  }

  process(proc: number): Process | undefined {
    return this.byProc.get(proc);
  }

  file(path: string): BuildFile | undefined {
    return this.byPath.get(path);
  }

  /** Duration of the build (ns): until its last process that did not outlive it ended (outlived.ts). */
  get durationNs(): number {
    return Math.max(0, this.model.buildEndTs - this.model.startTs);
  }

  /** Duration of the trace (ns): until the log's end, bt trace's wait for processes left running included. */
  get traceNs(): number {
    return Math.max(0, this.model.endTs - this.model.startTs);
  }

  /** The file at `path`, else on a merged /usr the file at its other name (/bin/sh for /usr/bin/sh, when the build used it by that name only). */
  private byEitherName(path: string): BuildFile | undefined {
    const f = this.byPath.get(path);
    if (f) return f;
    const other = otherUsrName(path, usrMergeOf(this.header));
    return other === undefined ? undefined : this.byPath.get(other);
  }

  /** When process `p` stopped counting for the build's times: its end, or the build's end for a process that outlived it (outlived.ts). */
  endInBuild(p: Process): number {
    return endInBuild(this.model, p);
  }

  /**
   * The file a user named: an absolute path, a path relative to the build's
   * start directory, or a unique path suffix (`vmlinux`, `cproject/hello`).
   * Of several files a name matches, those `accept` takes are preferred,
   * then those the build read or wrote over those it only looked up (a
   * header probed in each -I directory before it was found in one); a bare
   * name (no `/`) that the start directory only had looked for yields to a
   * file of that name the build read or wrote, while a path is that path.
   * On a merged /usr (model/usrmerge.ts) a file is one whatever its name:
   * a path the build used by its other name only (/usr/bin/sh for /bin/sh)
   * is the file of that name, and a name matching both (sh) is the file
   * under /usr.
   * A path the build never used by that name may be the name of one it did
   * through a directory link: `realpath` (this machine's, given by the
   * caller) names it as the normalizer names paths through links
   * (normalize/aliases.ts), and that file is the answer.
   * Throws ModelError E_NO_FILE or E_AMBIGUOUS (listing candidates).
   */
  resolveFile(name: string, accept: (f: BuildFile) => boolean = () => true, realpath?: (p: string) => string | undefined): BuildFile {
    if (!name) throw new ModelError('E_NO_FILE', 'no file named: give a path or a unique end of one');
    const exact = name.startsWith('/') ? normalizeAbs(name) : this.startDir ? normalizeAbs(`${this.startDir}/${name}`) : '';
    const hit = exact ? this.byEitherName(exact) : undefined;
    // a path (absolute, or relative with a directory in it) is that path, found or not; a bare name is a name
    if (hit && (name.includes('/') || hit.kinds !== Kind.PROBE)) return hit;
    const used = (f: BuildFile) => (f.kinds & (READS | WRITES)) !== 0;
    const suffix = name.startsWith('/') ? name : `/${name.replace(/^\.\//, '')}`;
    // on a merged /usr, /bin/sh and /usr/bin/sh are one file: a candidate once, by its /usr name
    let found = distinctFiles(this, this.model.files.filter((f) => f.path.endsWith(suffix)).map((f) => f.id)).map((id) => this.model.files[id]);
    const lookedUp = found.filter((f) => !used(f)).length;
    if (hit) {
      found = found.filter(used);
      if (!found.length) return hit;
    }
    if (found.length > 1) {
      const preferred = found.filter(accept);
      if (preferred.length >= 1) found = preferred;
    }
    if (found.length > 1) {
      const content = found.filter(used);
      if (content.length >= 1) found = content;
    }
    if (found.length === 1) return found[0];
    if (found.length === 0) {
      const physical = exact && name.includes('/') ? realpath?.(exact) : undefined;
      const linked = physical && physical !== exact ? this.byEitherName(physical) : undefined;
      if (linked) return linked;
      const near = nearestNames(name, this.model.files.filter(used).map((f) => f.path));
      const meant = near.length ? ` (did you mean ${near.map(displayPath).join(' or ')}?)` : '';
      // a build server outside the trace may have written it: say so (outside.ts)
      const servers = buildServers(this.model).map((h) => `; ${serverNote(h)}`).join('');
      throw new ModelError('E_NO_FILE', `the build never touched a file named ${displayPath(name)}${meant}: give its path, or a unique end of it${servers}`);
    }
    const list = found.slice(0, 8).map((f) => f.path);
    const more = found.length > list.length ? ', …' : '';
    const which = lookedUp && found.every(used) ? ` the build read or wrote (and ${lookedUp} it only looked up)` : '';
    throw new ModelError('E_AMBIGUOUS', `${name} names ${found.length} files${which}: ${list.join(', ')}${more}; give more of the path`);
  }
}

/** Loads the build model of a log file (raw logs are normalized on the fly). */
export function loadBuild(path: string, opts: LoadOptions = {}): Build {
  const sort = opts.normalize?.sort ?? 'auto';
  if (sort === 'auto') {
    // Almost every log fits the reorder window: try it without a first scan, start over if a record is too late.
    try {
      return loadWith(path, { ...opts.normalize, sort: 'window' }, opts);
    } catch (err) {
      if (!(err instanceof LateRecordError)) throw err;
      return loadWith(path, { ...opts.normalize, sort: 'external' }, opts);
    }
  }
  return loadWith(path, opts.normalize ?? {}, opts);
}

function loadWith(path: string, normalize: NormalizeOptions, opts: LoadOptions): Build {
  const t0 = performance.now();
  const progress = opts.progress ?? defaultProgress;
  const log = normalized(path, normalize);
  const b = new ModelBuilder(log.header);
  let n = 0;
  let next = PROGRESS_EVERY;
  let nextRecords = RECORDS_EVERY;
  for (const batch of log.batches()) {
    for (let i = 0; i < batch.length; i++) b.add(batch[i]);
    n += batch.length;
    if (n >= next && opts.onProgress) {
      opts.onProgress(n);
      next += PROGRESS_EVERY;
    }
    if (n >= nextRecords && progress) {
      progress.records(n, path);
      nextRecords = n + RECORDS_EVERY;
    }
  }
  const model = b.finish({ incomplete: !log.complete, live: log.live, trailer: log.trailer });
  const build = new Build(model, opts, log.summary, { torn: log.torn, trailerMismatch: log.trailerMismatch, live: log.live });
  progress?.done({ path, records: n, raw: !log.wasNormalized, ms: performance.now() - t0 });
  return build;
}

/** The build model of in-memory normalized records (in time order). */
export function buildFromRecords(
  header: LogHeader,
  records: Iterable<LogRecord>,
  opts: JobOptions & { trailer?: Trailer; incomplete?: boolean } = {},
): Build {
  const b = new ModelBuilder(header);
  for (const r of records) b.add(r);
  return new Build(b.finish({ incomplete: opts.incomplete, trailer: opts.trailer }), opts);
}

/**
 * Cargo build scripts' undeclared inputs: the Cargo form of the stale
 * build. Checked whenever the build ran a build script (check's "cargo").
 *
 * A build script is the program cargo runs as build-script-* with OUT_DIR
 * and CARGO_MANIFEST_DIR set. It tells cargo when to run it again by the
 * lines it prints, which cargo keeps in `output` beside OUT_DIR
 * (target/<profile>/build/<pkg>-<hash>/output):
 *
 *   cargo:rerun-if-changed=PATH       (cargo::rerun-if-changed= since
 *                                     cargo 1.77) PATH relative to the
 *                                     package directory; a directory
 *                                     covers every file under it
 *   cargo:rerun-if-env-changed=VAR    an environment variable
 *
 * With neither kind of line, cargo reruns the script when any file of its
 * package changes (files outside the package are not covered); with any,
 * only for what they name. A named path that is not there makes cargo
 * rerun the script at every build: nothing is undeclared then.
 *
 * undeclared-input: a file under the build's start directory that the
 * build did not make, read by the script or a process it started, that no
 * line covers: editing it never reruns the script, and what the script
 * generated goes stale. The finding's target is the script's directory
 * (where `output` and OUT_DIR are); its fix is the println! to add to the
 * script's source, with the path as cargo takes it (from the package).
 * An `output` that is gone (cargo clean since) is a note, not an error.
 * What the scripts declared also says which files rebuild their crates
 * (reruns): depinfo.ts asks it for rustc's reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kind, unitId, type Build, type Process } from '../model/index.js';
import { readSmallFile } from '../log/io.js';
import { envMap } from '../model/env.js';
import { baseName, dirName, normalizeAbs, relativeInside } from '../normalize/paths.js';
import { jobRef, secondsSince, type Finding, type PathNamer } from './finding.js';
import type { Noise } from './noise.js';

/** What a build script declared in its `output`. */
export interface Declared {
  /** Absolute paths of its rerun-if-changed lines. */
  files: string[];
  /** Variables of its rerun-if-env-changed lines. */
  env: string[];
  /** It printed cargo::… (cargo 1.77's syntax): a fix says it the same way. */
  twoColons: boolean;
}

/** The rerun-if lines of a build script's `output` (paths resolved from the package directory). */
export function parseOutput(text: string, pkgDir: string): Declared {
  const out: Declared = { files: [], env: [], twoColons: false };
  for (const line of text.split('\n')) {
    const m = /^cargo(:{1,2})(rerun-if-changed|rerun-if-env-changed)=(.*)$/.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    if (m[1] === '::') out.twoColons = true;
    if (m[2] === 'rerun-if-env-changed') out.env.push(m[3]);
    else if (m[3]) out.files.push(normalizeAbs(path.resolve(pkgDir, m[3])));
  }
  return out;
}

/** The value of NAME in the process's environment, undefined when unset or empty. */
function envOf(p: Process, name: string): string | undefined {
  return envMap(p.env).get(name) || undefined;
}

/** The build scripts cargo ran: job roots named build-script-* with OUT_DIR and CARGO_MANIFEST_DIR. */
export function buildScripts(build: Build): Process[] {
  return build.model.processes.filter(
    (p) => p.execd && baseName(p.exe).startsWith('build-script-') && !!envOf(p, 'OUT_DIR') && !!envOf(p, 'CARGO_MANIFEST_DIR') && (!p.job || p.job === p.proc),
  );
}

/**
 * The sources of the build scripts, by the directory of the program: the
 * file each rustc that compiled one named (`--crate-name
 * build_script_build … app/build.rs --out-dir DIR`, DIR holding the
 * program). One pass over the build's processes.
 */
function scriptSources(build: Build): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of build.model.processes) {
    if (baseName(p.exe) !== 'rustc' || !p.argv.some((a) => a.startsWith('build_script_'))) continue;
    const o = p.argv.indexOf('--out-dir');
    const src = p.argv.find((a) => a.endsWith('.rs'));
    if (o < 0 || !src) continue;
    const dir = normalizeAbs(path.resolve(p.cwd, p.argv[o + 1] ?? ''));
    if (!out.has(dir)) out.set(dir, normalizeAbs(path.resolve(p.cwd, src)));
  }
  return out;
}

export interface CargoChecked {
  findings: Finding[];
  notes: string[];
}

/** A build script's run, as cargo left it. */
export interface ScriptRun {
  script: Process;
  /** The package's name and directory (CARGO_PKG_NAME, CARGO_MANIFEST_DIR). */
  pkg: string;
  pkgDir: string;
  /** target/<profile>/build/<pkg>-<hash>: where `output` and OUT_DIR are. */
  runDir: string;
  /** Its source: the file its rustc compiled, else build.rs in its package. */
  src: string;
  /** What its `output` declared; undefined when the output is gone (cargo clean since the build). */
  declared?: Declared;
  /** A path it declared is not there: cargo reruns it at every build. */
  always: boolean;
}

/** The runs of the build scripts the build ran, in start order. */
export function scriptRuns(build: Build): ScriptRun[] {
  const sources = scriptSources(build);
  return buildScripts(build).map((script) => {
    const pkgDir = normalizeAbs(envOf(script, 'CARGO_MANIFEST_DIR')!);
    const runDir = dirName(normalizeAbs(envOf(script, 'OUT_DIR')!));
    const text = readSmallFile(`${runDir}/output`);
    const declared = text === undefined ? undefined : parseOutput(text, pkgDir);
    return {
      script,
      pkg: envOf(script, 'CARGO_PKG_NAME') ?? baseName(pkgDir),
      pkgDir,
      runDir,
      src: sources.get(dirName(script.exe)) ?? `${pkgDir}/build.rs`,
      declared,
      always: !!declared?.files.some((f) => !fs.existsSync(f)),
    };
  });
}

/**
 * Whether changing `file` reruns the script, as cargo decides: a
 * rerun-if-changed line covers it, or the script prints neither kind of
 * line and the file is in its package. False when its output is gone.
 */
export function reruns(run: ScriptRun, file: string): boolean {
  const d = run.declared;
  if (!d) return false;
  if (run.always || d.files.some((f) => relativeInside(f, file) !== undefined)) return true;
  return !d.files.length && !d.env.length && relativeInside(run.pkgDir, file) !== undefined;
}

/** What the processes read, each file once at its first read: file id -> when and by which process. */
export function firstReads(procs: Iterable<Process>): Map<number, { at: number; proc: number }> {
  const reads = new Map<number, { at: number; proc: number }>();
  for (const p of procs) {
    for (const a of p.files.values()) {
      if (!(a.kinds & Kind.READ)) continue;
      const had = reads.get(a.file);
      if (!had || a.first < had.at) reads.set(a.file, { at: a.first, proc: p.proc });
    }
  }
  return reads;
}

/** The build scripts' undeclared inputs. */
export function cargoScripts(build: Build, runs: readonly ScriptRun[], noise: Noise, show: PathNamer): CargoChecked {
  const start = build.startDir || '/';
  const findings: Finding[] = [];
  const notes: string[] = [];
  for (const run of runs) {
    const { script: s, pkg, pkgDir, runDir, src, declared } = run;
    if (!declared) {
      notes.push(`the build script of ${pkg} left no ${show(`${runDir}/output`)} (cargo clean since the build?): what it declared is unknown, its inputs were not checked`);
      continue;
    }
    if (run.always) continue; // cargo reruns it at every build
    const none = !declared.files.length && !declared.env.length;
    const job = unitId(s);
    const procs = build.jobs.get(job)?.procs ?? [s.proc];
    const reads = firstReads(procs.map((id) => build.process(id)).filter((p): p is Process => !!p));
    const colons = declared.twoColons ? '::' : ':';
    for (const [id, { at, proc }] of [...reads].sort((a, b) => a[1].at - b[1].at)) {
      const f = build.model.files[id];
      if (f.dir || f.created || relativeInside(start, f.path) === undefined || reruns(run, f.path) || noise.file(f)) continue;
      const name = show(f.path);
      const why = none
        ? `which is outside its package (${show(pkgDir)}): with no rerun-if-changed line, cargo reruns it only when a file of the package changes`
        : declared.files.length
          ? `which its rerun-if-changed lines do not cover`
          : `and it prints no rerun-if-changed line (only rerun-if-env-changed, so cargo no longer watches the files of the package)`;
      const time = secondsSince(build, at);
      findings.push({
        kind: 'undeclared-input',
        file: f.path,
        target: runDir,
        jobs: [jobRef(build, job)],
        detail: `the build script of ${pkg} (${show(src)}, job ${job}) read ${name}, ${why}: changing ${name} will not rerun it, and what it generated goes stale`,
        fix: `add println!("cargo${colons}rerun-if-changed=${path.relative(pkgDir, f.path)}") to ${show(src)}`,
        time,
        uses: [{ path: f.path, access: ['read'], time, proc }],
      });
    }
  }
  return { findings, notes };
}

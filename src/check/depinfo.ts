/**
 * Files rustc read that its dep-info does not list: the other Cargo form
 * of the stale build (check's "cargo", with the build scripts of cargo.ts).
 *
 * Cargo rebuilds a crate of the workspace when a file listed in the
 * dep-info rustc wrote for it (target/<profile>/deps/<crate>-<hash>.d)
 * changes. rustc lists its sources there, and what include_str!,
 * include_bytes! and mod read; it does not list what a proc macro read
 * with std::fs while running inside it (a template, an SQL file: askama's
 * and sqlx's way), nor what a program rustc started read (a linker script
 * the linker found). Editing such a file rebuilds nothing.
 *
 * Checked for each compile cargo drove (rustc with CARGO_MANIFEST_DIR set)
 * of a local crate (a registry or git dependency, built with --cap-lints,
 * is not watched at all) that wrote dep-info: the files rustc, and the
 * processes it started, read under the build's start directory that the
 * build did not make, outside cargo's target directories (where
 * .rustc_info.json is, and above <profile>/deps) and the toolchains' homes,
 * not noise, not rustup's rust-toolchain files (its rustc proxy reads them
 * before it runs rustc), and not covered by the package's build script:
 * when a rerun-if-changed line of it covers the file, changing the file
 * reruns the script, and cargo rebuilds the crate after it.
 *
 * The dep-info is read at its path from the log, as rustc wrote it (paths
 * relative to rustc's working directory); one that is gone is a note.
 */
import path from 'node:path';
import { programName, WRITES, type Build, type Process, unitId } from '../model/index.js';
import { envMap } from '../model/env.js';
import { subtree } from '../model/subtree.js';
import { baseName, dirName, normalizeAbs, relativeInside } from '../normalize/paths.js';
import { firstReads, reruns, type CargoChecked, type ScriptRun } from './cargo.js';
import { readDepfile } from './declared.js';
import { jobRef, secondsSince, type Finding, type PathNamer } from './finding.js';
import type { Noise } from './noise.js';
import { toolchainRoots } from './toolchain.js';

/** The compilers cargo runs as rustc (clippy-driver: cargo clippy's). */
const RUSTC = new Set(['rustc', 'clippy-driver']);

/** rustup's toolchain files: its rustc proxy reads them in the workspace before it execs the real rustc. */
const TOOLCHAIN_FILES = new Set(['rust-toolchain', 'rust-toolchain.toml']);

/** One compile of a local crate that wrote dep-info. */
interface Compile {
  rustc: Process;
  crate: string;
  pkg: string;
  pkgDir: string;
  /** The dep-info file (absolute). */
  depInfo: string;
  /** The proc macros rustc loaded (--extern NAME=….so it read). */
  macros: string[];
}

/** The value of `--flag VALUE` or `--flag=VALUE` in argv. */
function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** The compiles of local crates cargo drove that wrote dep-info, in start order. */
export function localCompiles(build: Build): Compile[] {
  const out: Compile[] = [];
  for (const p of build.model.processes) {
    if (!p.execd || !RUSTC.has(baseName(p.exe)) || p.argv.includes('--cap-lints')) continue;
    const env = envMap(p.env);
    const pkgDir = env.get('CARGO_MANIFEST_DIR');
    const crate = flag(p.argv, '--crate-name');
    if (!pkgDir || !crate) continue;
    let depInfo: string | undefined;
    for (const a of p.files.values()) {
      const f = build.model.files[a.file];
      if (a.kinds & WRITES && f.path.endsWith('.d')) depInfo ??= f.path;
    }
    if (!depInfo) continue;
    const macros: string[] = [];
    for (const a of p.argv.filter((_, i) => p.argv[i - 1] === '--extern')) {
      const m = /^([^=]+)=(.+\.so)$/.exec(a);
      const f = m && build.file(normalizeAbs(path.resolve(p.cwd, m[2])));
      if (f?.procs.some((u) => u.proc === p.proc)) macros.push(m![1]);
    }
    out.push({ rustc: p, crate, pkg: env.get('CARGO_PKG_NAME') || baseName(pkgDir), pkgDir: normalizeAbs(pkgDir), depInfo, macros });
  }
  return out;
}

/** Cargo's target directories: where it keeps .rustc_info.json, and the directory above each compile's <profile>/deps. */
function targetDirs(build: Build, compiles: readonly Compile[]): string[] {
  const out = new Set<string>();
  for (const f of build.model.files) if (baseName(f.path) === '.rustc_info.json') out.add(dirName(f.path));
  for (const { rustc } of compiles) {
    const dir = flag(rustc.argv, '--out-dir');
    if (dir && baseName(dir) === 'deps') out.add(dirName(dirName(normalizeAbs(path.resolve(rustc.cwd, dir)))));
  }
  return [...out];
}

/** The files compiles of local crates read that their dep-info does not list. */
export function undeclaredByDepInfo(build: Build, compiles: readonly Compile[], runs: readonly ScriptRun[], noise: Noise, show: PathNamer): CargoChecked {
  const start = build.startDir || '/';
  const outside = [...targetDirs(build, compiles), ...toolchainRoots(build)];
  const findings: Finding[] = [];
  const gone: string[] = [];
  const runOf = new Map(runs.map((r) => [r.pkgDir, r]));
  for (const c of compiles) {
    // the package's build script: changing a file it reruns for rebuilds the crate after it (not the script's own compile)
    const run = c.crate.startsWith('build_script_') ? undefined : runOf.get(c.pkgDir);
    const reads = [...firstReads(subtree(build, c.rustc.proc))].filter(([id]) => {
      const f = build.model.files[id];
      if (f.dir || f.created || f.removed || relativeInside(start, f.path) === undefined || f.path === start) return false;
      if (TOOLCHAIN_FILES.has(baseName(f.path)) || outside.some((d) => relativeInside(d, f.path) !== undefined)) return false;
      return !(run && reruns(run, f.path)) && !noise.file(f);
    });
    if (!reads.length) continue;
    const listed = readDepfile(c.depInfo, c.rustc.cwd);
    if (!listed) {
      gone.push(`${c.crate} (${show(c.depInfo)})`);
      continue;
    }
    const known = new Set(listed);
    const job = unitId(c.rustc);
    for (const [id, { at, proc }] of reads.sort((a, b) => a[1].at - b[1].at)) {
      const f = build.model.files[id];
      if (known.has(f.path)) continue;
      const name = show(f.path);
      const rel = path.relative(c.pkgDir, f.path);
      const rerun = `println!("cargo${run?.declared?.twoColons ? '::' : ':'}rerun-if-changed=${rel}")`;
      const inScript = run ? `add ${rerun} to ${show(run.src)}` : `add ${rerun} to a build script of ${c.pkg} (${show(`${c.pkgDir}/build.rs`)})`;
      const reader = build.process(proc)!;
      const macros = c.macros.length ? ` (${c.macros.join(', ')})` : '';
      const by =
        proc === c.rustc.proc
          ? `read ${name} in a proc macro${macros}`
          : `ran ${programName(reader)} (process ${proc}), which read ${name}`;
      // the package when its name is not the crate's (cargo's crate names have _ for -)
      const of = c.pkg.replace(/-/g, '_') === c.crate ? '' : ` (package ${c.pkg})`;
      const time = secondsSince(build, at);
      findings.push({
        kind: 'undeclared-input',
        file: f.path,
        target: c.depInfo,
        jobs: [jobRef(build, job)],
        detail:
          `${programName(c.rustc)} compiling ${c.crate}${of} (job ${job}) ${by}, which its dep-info ${show(c.depInfo)} does not list: ` +
          `cargo rebuilds ${c.crate} when a file listed there changes, so changing ${name} will not rebuild it`,
        // a proc macro's read is tracked when its expansion includes the file; a build script's rerun rebuilds the crate after it
        fix:
          proc === c.rustc.proc
            ? `make the proc macro${macros} emit \`const _: &[u8] = include_bytes!("${f.path}");\` with its expansion, so that rustc lists ${name}${run ? `; or ${inScript}` : ''}`
            : inScript,
        time,
        uses: [{ path: f.path, access: ['read'], time, proc }],
      });
    }
  }
  const notes = gone.length
    ? [`the dep-info of ${gone.join(', ')} is gone (cargo clean since the build?): what rustc read there was not checked against it`]
    : [];
  return { findings, notes };
}

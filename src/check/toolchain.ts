/**
 * The homes of the toolchains a build ran, which bt check's hermeticity
 * allows as it allows the system roots (and reports under --strict, as it
 * does /usr): where go, cargo and rustup keep their own installation,
 * configuration and cache. They are the toolchain's own files, as
 * /usr/lib/gcc is gcc's: every build with that toolchain uses them, and
 * flagging them would make every default Go or Cargo build fail the
 * check.
 *
 *   go     GOROOT (the environment's, else the directory above the go
 *          program's bin/ when the build ran its pkg/tool/), GOCACHE (default ~/.cache/go-build), GOENV
 *          (default ~/.config/go/env), GOMODCACHE (default
 *          GOPATH/pkg/mod) and GOPATH/go.mod for each GOPATH entry
 *          (default ~/go: go looks for it to warn that GOPATH is no
 *          module root)
 *   cargo, rustc, rustup
 *          CARGO_HOME (default ~/.cargo), RUSTUP_HOME (default ~/.rustup),
 *          and the installation of the program (the directory above its
 *          bin/) when the build used its lib/rustlib/
 *   and git's user configuration (~/.gitconfig, ~/.config/git/config),
 *          which go's VCS stamping and cargo's workspace discovery read
 *
 * A toolchain's homes count only when its build tool drove part of the
 * build (a go or cargo process ran: the build is a Go or Cargo build, or
 * has one inside), and are found from the environments of its programs
 * (HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME and the variables above). A
 * build that only runs rustc or git from a script (the kernel's Kconfig
 * asking `rustc --version`, found in ~/.cargo/bin; setlocalversion's git
 * reading ~/.gitconfig) keeps those findings: whether the builder has
 * rustc in their home changes that build's configuration.
 * The search for a VCS or workspace marker up the parent directories is
 * noise.ts's (discovery walks).
 */
import { type Build, type Process } from '../model/index.js';
import { envMap } from '../model/env.js';
import { goCacheOf } from '../model/gotool.js';
import { baseName, dirName } from '../normalize/paths.js';

type Toolchain = 'go' | 'rust';

const PROGRAMS: ReadonlyMap<string, Toolchain> = new Map([
  ['go', 'go'],
  ['cargo', 'rust'],
  ['rustc', 'rust'],
  ['rustdoc', 'rust'],
  ['rustup', 'rust'],
  ['clippy-driver', 'rust'],
]);

/** The build tool of each toolchain: its homes count only when it ran. */
const DRIVER: Readonly<Record<Toolchain, string>> = { go: 'go', rust: 'cargo' };

/** The value of NAME in an environment, undefined when unset or empty. */
function envValue(env: readonly string[], name: string): string | undefined {
  return envMap(env).get(name) || undefined;
}

/**
 * The directory above a program's bin/ (its installation), when the build
 * used `inner` under it (go's pkg/tool/, rust's lib/rustlib/): a go in
 * ~/bin does not make all of ~ go's.
 */
function installation(build: Build, exe: string, inner: string): string | undefined {
  const bin = dirName(exe);
  if (baseName(bin) !== 'bin') return undefined;
  const prefix = `${dirName(bin)}/${inner}/`;
  // once per installation: cargo runs each crate's rustc with an environment of its own
  let used = usedPrefixes.get(build);
  if (!used) usedPrefixes.set(build, (used = new Map()));
  let yes = used.get(prefix);
  if (yes === undefined) used.set(prefix, (yes = build.model.files.some((f) => f.path.startsWith(prefix))));
  return yes ? dirName(bin) : undefined;
}

/** Per build: whether it used a file under a prefix (installation's question). */
const usedPrefixes = new WeakMap<Build, Map<string, boolean>>();

/** The homes one toolchain's program uses, from its environment. */
function homesOf(build: Build, kind: Toolchain, p: Process): string[] {
  const env = p.env;
  const home = envValue(env, 'HOME');
  const config = envValue(env, 'XDG_CONFIG_HOME') ?? (home && `${home}/.config`);
  const cache = envValue(env, 'XDG_CACHE_HOME') ?? (home && `${home}/.cache`);
  const out: Array<string | undefined> = [];
  if (kind === 'go') {
    const gopath = (envValue(env, 'GOPATH') ?? (home && `${home}/go`))?.split(':').filter(Boolean) ?? [];
    const goenv = envValue(env, 'GOENV');
    out.push(
      envValue(env, 'GOROOT') ?? installation(build, p.exe, 'pkg/tool'),
      goCacheOf(env),
      goenv === 'off' ? undefined : (goenv ?? (config && `${config}/go/env`)),
      envValue(env, 'GOMODCACHE') ?? (gopath[0] && `${gopath[0]}/pkg/mod`),
      ...gopath.map((d) => `${d}/go.mod`),
    );
  } else if (kind === 'rust') {
    out.push(
      envValue(env, 'CARGO_HOME') ?? (home && `${home}/.cargo`),
      envValue(env, 'RUSTUP_HOME') ?? (home && `${home}/.rustup`),
      installation(build, p.exe, 'lib/rustlib'),
    );
  }
  // git's user configuration: git itself, and go and cargo, which discover and stamp the repository
  out.push(config && `${config}/git/config`, home && `${home}/.gitconfig`);
  // only absolute places: a relative GOPATH is go's error, not a home
  return out.filter((d): d is string => !!d && d.startsWith('/') && d !== '/');
}

/** The toolchain homes of the build (absolute, sorted, each once): allowed roots outside --strict. */
export function toolchainRoots(build: Build): string[] {
  const out = new Set<string>();
  const program = (p: Process) => baseName(p.exe || p.argv[0] || '');
  const driven = new Set<Toolchain>();
  for (const p of build.model.processes) {
    const kind = PROGRAMS.get(program(p));
    if (kind && p.execd && program(p) === DRIVER[kind]) driven.add(kind);
  }
  // processes with the same environment and program share their homes: look once
  const seen = new Map<readonly string[], Set<string>>();
  for (const p of build.model.processes) {
    const kind = PROGRAMS.get(program(p));
    if (!kind || !p.execd || !driven.has(kind)) continue;
    let programs = seen.get(p.env);
    if (!programs) seen.set(p.env, (programs = new Set()));
    if (programs.has(p.exe)) continue;
    programs.add(p.exe);
    for (const d of homesOf(build, kind, p)) out.add(d.length > 1 ? d.replace(/\/+$/, '') : d);
  }
  return [...out].sort();
}

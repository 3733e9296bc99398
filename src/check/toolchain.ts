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
 *   python, pip
 *          the configuration of pip and setuptools: PIP_CONFIG_FILE,
 *          ~/.config/pip (pip.conf), ~/.pip (its old place),
 *          ~/.pydistutils.cfg; pip's cache, PIP_CACHE_DIR (default
 *          ~/.cache/pip); and the user site-packages
 *          (PYTHONUSERBASE, default ~/.local: lib/pythonX.Y/site-packages,
 *          for each X.Y the build used), which every python looks for at
 *          its start, where pip install --user puts packages (as
 *          ~/.cargo/registry is cargo's). What a traced `python3 setup.py
 *          build` and `pip wheel .` look at in HOME is exactly these.
 *          Not homes, and still findings: ~/.netrc and ~/.pypirc
 *          (credentials of any network client, read only when pip goes to
 *          the network: a build that does should show it), the project's
 *          own setup.cfg or pyproject.toml (inputs in the start directory)
 *   ccache, sccache
 *          the compiler cache's directory (CCACHE_DIR, default ~/.ccache
 *          or ~/.cache/ccache; SCCACHE_DIR, default ~/.cache/sccache), its
 *          configuration (CCACHE_CONFIGPATH, ~/.config/ccache,
 *          /etc/ccache.conf; SCCACHE_CONF, ~/.config/sccache) and the log
 *          it was told to write (CCACHE_LOGFILE, SCCACHE_ERROR_LOG):
 *          model/compilercache.ts. Every ccache looks for its
 *          configuration and reads and writes its cache: a build through
 *          ccache (CC="ccache gcc", /usr/lib/ccache/gcc) is no less
 *          hermetic than the same build without
 *   java, javac, jar (the JDK's programs)
 *          the JDK the build ran (java.home: the directory whose
 *          lib/modules, or JDK 8's lib/rt.jar, the program read; a JDK in
 *          a home or a CI tool cache, as sdkman, asdf and setup-java put it)
 *   gradle (a JVM running org.gradle.*: the launcher, the daemon, the wrapper, a worker)
 *          GRADLE_USER_HOME (else -Dgradle.user.home, else ~/.gradle: its
 *          caches, daemon registry, wrapper distributions, gradle.properties,
 *          init scripts), the installation (the directory above the lib/ of
 *          the gradle-launcher jar on its class path) and ~/.m2 (mavenLocal's
 *          settings.xml)
 *   maven (a JVM running plexus-classworlds' Launcher)
 *          ~/.m2 (the local repository, settings.xml), ~/.mavenrc, and
 *          maven.home (its -D, else M2_HOME or MAVEN_HOME)
 *   ant (a JVM running org.apache.tools.ant.launch.Launcher)
 *          ~/.ant (ant.conf, lib/), ~/.antrc, and ant.home (its -D)
 *   and git's user configuration (~/.gitconfig, ~/.config/git/config),
 *          which go's VCS stamping and cargo's workspace discovery read
 *
 * A toolchain's homes count only when its build tool drove part of the
 * build (a go or cargo process ran: the build is a Go or Cargo build, or
 * has one inside; for python, pip ran, or python ran a setup.py or `-m
 * build` or `-m pip`: a build that only runs python scripts, meson's or the
 * kernel's, is not a Python build; for java, javac or jar ran, or a JVM
 * ran gradle, maven or ant: a script's `java -version` is no Java build),
 * and are found from the environments of its programs
 * (HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME and the variables above). A
 * build that only runs rustc or git from a script (the kernel's Kconfig
 * asking `rustc --version`, found in ~/.cargo/bin; setlocalversion's git
 * reading ~/.gitconfig) keeps those findings: whether the builder has
 * rustc in their home changes that build's configuration.
 * The search for a VCS or workspace marker up the parent directories is
 * noise.ts's (discovery walks).
 */
import { READS, type Build, type Process } from '../model/index.js';
import { envMap } from '../model/env.js';
import { goCacheOf } from '../model/gotool.js';
import { compilerCacheHomes, compilerCacheTool, type CompilerCacheTool } from '../model/compilercache.js';
import { gradleInstallation, gradleUserHome, jvmProperty, jvmTool } from '../model/jvmtool.js';
import { baseName, dirName } from '../normalize/paths.js';

type Toolchain = 'go' | 'rust' | 'python' | 'java' | CompilerCacheTool;

const PROGRAMS: ReadonlyMap<string, Toolchain> = new Map([
  ['go', 'go'],
  ['cargo', 'rust'],
  ['rustc', 'rust'],
  ['rustdoc', 'rust'],
  ['rustup', 'rust'],
  ['clippy-driver', 'rust'],
  ['java', 'java'],
  ['javac', 'java'],
  ['jar', 'java'],
  ['javadoc', 'java'],
  ['jlink', 'java'],
  ['jmod', 'java'],
  ['jdeps', 'java'],
]);

/** The JDK a JDK program ran from (java.home): the directory whose lib/modules (JDK 9 and later) or lib/rt.jar (8) the process read. */
function javaHome(build: Build, p: Process): string | undefined {
  for (const a of p.files.values()) {
    if (!(a.kinds & READS)) continue;
    const m = JAVA_RUNTIME.exec(build.model.files[a.file].path);
    if (m) return m[1];
  }
  return undefined;
}

const JAVA_RUNTIME = /^(\/.+)\/lib\/(?:modules|rt\.jar)$/;

/** python, python3, python3.11, pip, pip3, pip3.11. */
const PYTHON = /^(python|pip)\d*(\.\d+)?$/;

/** The toolchain a process's program is of (a compiler cache by its exe too: /usr/lib/ccache/gcc is ccache). */
function toolchainOf(program: string, p: Process): Toolchain | undefined {
  return compilerCacheTool(p) ?? PROGRAMS.get(program) ?? (PYTHON.test(program) ? 'python' : undefined);
}

/** Whether a process of the toolchain is its build tool driving the build: go, cargo, javac, jar, a JVM running gradle, maven or ant, pip, python running setup.py, -m build or -m pip; any ccache or sccache. */
function drives(kind: Toolchain, program: string, argv: readonly string[]): boolean {
  if (kind === 'ccache' || kind === 'sccache') return true;
  if (kind === 'go') return program === 'go';
  if (kind === 'rust') return program === 'cargo';
  if (kind === 'java') return program === 'javac' || program === 'jar' || jvmTool(program, argv) !== undefined;
  if (program.startsWith('pip')) return true;
  // what the interpreter runs: -m MODULE, -c CODE, or the first word that is no option (-W and -X take one)
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-m') return argv[i + 1] === 'build' || argv[i + 1] === 'pip';
    if (a === '-c') return false;
    if (a === '-W' || a === '-X') i++;
    else if (!a.startsWith('-')) return baseName(a) === 'setup.py' || /^pip\d*(\.\d+)?$/.test(baseName(a));
  }
  return false;
}

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

/** The user site-packages under a user base (BASE/lib/pythonX.Y/site-packages) the build used, for each X.Y: once per base. */
function userSites(build: Build, base: string | undefined): string[] {
  if (!base) return [];
  let sites = userSitesOf.get(build);
  if (!sites) userSitesOf.set(build, (sites = new Map()));
  let out = sites.get(base);
  if (!out) {
    const found = new Set<string>();
    const prefix = `${base}/lib/python`;
    for (const f of build.model.files) {
      if (!f.path.startsWith(prefix)) continue;
      const m = /^\d+\.\d+\/site-packages(?=\/|$)/.exec(f.path.slice(prefix.length));
      if (m) found.add(prefix + m[0]);
    }
    sites.set(base, (out = [...found]));
  }
  return out;
}

/** Per build: the user site-packages found under each user base (userSites' answer). */
const userSitesOf = new WeakMap<Build, Map<string, string[]>>();

/** The homes one toolchain's program uses, from its environment. */
function homesOf(build: Build, kind: Toolchain, p: Process): string[] {
  const env = p.env;
  if (kind === 'ccache' || kind === 'sccache') {
    const h = compilerCacheHomes(kind, env);
    return [...h.caches, ...h.configs, ...h.logs];
  }
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
  } else if (kind === 'java') {
    out.push(javaHome(build, p));
    const tool = jvmTool(programOf(p), p.argv);
    if (tool === 'gradle') {
      out.push(gradleUserHome(env, p.argv), gradleInstallation(p.argv), home && `${home}/.m2`);
    } else if (tool === 'maven') {
      out.push(home && `${home}/.m2`, home && `${home}/.mavenrc`, jvmProperty(p.argv, 'maven.home') ?? envValue(env, 'M2_HOME') ?? envValue(env, 'MAVEN_HOME'));
    } else if (tool === 'ant') {
      out.push(home && `${home}/.ant`, home && `${home}/.antrc`, jvmProperty(p.argv, 'ant.home'));
    }
  } else if (kind === 'python') {
    out.push(
      envValue(env, 'PIP_CONFIG_FILE'),
      config && `${config}/pip`,
      home && `${home}/.pip`,
      home && `${home}/.pydistutils.cfg`,
      envValue(env, 'PIP_CACHE_DIR') ?? (cache && `${cache}/pip`),
      ...userSites(build, envValue(env, 'PYTHONUSERBASE') ?? (home && `${home}/.local`)),
    );
  }
  // git's user configuration: git itself, and go and cargo, which discover and stamp the repository
  out.push(config && `${config}/git/config`, home && `${home}/.gitconfig`);
  // only absolute places: a relative GOPATH is go's error, not a home
  return out.filter((d): d is string => !!d && d.startsWith('/') && d !== '/');
}

/** The program a process ran, by its name. */
function programOf(p: Process): string {
  return baseName(p.exe || p.argv[0] || '');
}

/** The toolchain homes of the build (absolute, sorted, each once): allowed roots outside --strict. */
export function toolchainRoots(build: Build): string[] {
  const out = new Set<string>();
  const program = programOf;
  const driven = new Set<Toolchain>();
  for (const p of build.model.processes) {
    const kind = toolchainOf(program(p), p);
    if (kind && p.execd && drives(kind, program(p), p.argv)) driven.add(kind);
  }
  // processes with the same environment and program share their homes: look once
  const seen = new Map<readonly string[], Set<string>>();
  for (const p of build.model.processes) {
    const kind = toolchainOf(program(p), p);
    if (!kind || !p.execd || !driven.has(kind)) continue;
    let programs = seen.get(p.env);
    if (!programs) seen.set(p.env, (programs = new Set()));
    // a JVM's homes are those of what it runs too (gradle's, maven's), and of the JDK it read
    const key = kind === 'java' ? `${p.exe}\0${jvmTool(program(p), p.argv) ?? ''}` : p.exe;
    if (programs.has(key)) continue;
    programs.add(key);
    for (const d of homesOf(build, kind, p)) out.add(d.length > 1 ? d.replace(/\/+$/, '') : d);
  }
  return [...out].sort();
}

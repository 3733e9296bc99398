/**
 * What a process runs, from its argv and exe: its program's name, whether
 * it is a shell, and the inline script a shell was given. The graph's
 * labels, check's recipe lines and every answer that names a process read
 * these, so that `sh -ec CODE`, `bash -o pipefail -c CODE` and
 * `sh ./configure` are told apart the same way everywhere.
 */
import { baseName } from '../normalize/paths.js';
import type { ExecdProgram, Process } from './types.js';

/**
 * Every program a process exec'd, in order, the last (its exe and argv)
 * included: one for most; a shell's `-c` line that exec'd its last command
 * (`sh -c 'a && b'` then b), a wrapper (`nice make`: nice then make), a
 * compiler cache that ran the compiler in its place. A fork that never
 * exec'd has its parent's program (at its start, as is the time of an only one).
 */
export function programsOf(p: Pick<Process, 'execs' | 'exe' | 'argv' | 'cwd' | 'start'>): readonly ExecdProgram[] {
  return p.execs ?? [{ ts: p.start, exe: p.exe, argv: p.argv, cwd: p.cwd }];
}

/** Shells (their base names): `-c` in a cluster of options (`sh -ec SCRIPT`) runs inline code. */
const SHELL = /^(?:(?:ba|da|z|k|mk|c|tc|fi|a)?sh|busybox)$/;

/** Programs that run scripts: shells and other interpreters, and env. */
const INTERPRETER = /^(?:(?:ba|da|z|k|mk|c|tc|fi|a)?sh|busybox|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node(?:js)?|tclsh[0-9.]*|lua[0-9.]*|php[0-9.]*|env)$/;

/** Python interpreters, by program name (python3, python3.11, pypy3). */
const PYTHON = /^(?:python|pypy)[0-9.]*$/;

/**
 * Programs that copy files: each file they write is the file they read
 * for it (cp, cp -r, install, `cmake -E copy`), by program name and the
 * argv words after it. Not rsync (its receiver writes what its sender read
 * and sent through a pipe), not tar or cpio (an archive, or names on their
 * input), not ln or mv (links and renames: jobs.ts movedOnto).
 */
const COPY_TOOL: readonly (readonly string[])[] = [
  ['cp'],
  ['install'],
  ['cmake', '-E', 'copy'],
  ['cmake', '-E', 'copy_if_different'],
  ['cmake', '-E', 'copy_directory'],
];

/**
 * Wrappers: programs that run the command their arguments end with, under
 * a changed priority, time limit, environment, root identity or clock,
 * and whose own work (fakeroot's getopt, sed and cut, its faked daemon) is
 * not the build's: `nice make`, `timeout 600 make -j2`, `/usr/bin/time
 * make`, `fakeroot make install`. By program name (a wrapper that is a
 * script, as fakeroot is, by the script's).
 */
const WRAPPERS: ReadonlySet<string> = new Set([
  'nice', 'nohup', 'timeout', 'time', 'env', 'ionice', 'chrt', 'taskset', 'numactl', 'prlimit', 'stdbuf', 'setsid',
  'unbuffer', 'chronic', 'flock', 'sudo', 'doas', 'unshare', 'fakeroot', 'fakeroot-sysv', 'fakeroot-tcp', 'pseudo',
  'eatmydata', 'faketime', 'xvfb-run',
]);

/** True if the process runs a wrapper (WRAPPERS). */
export function isWrapper(p: Pick<Process, 'argv' | 'exe' | 'pid'>): boolean {
  return WRAPPERS.has(programName(p));
}

/**
 * True if `argv` is the command wrapper argv `outer` ends with: its last
 * words, the program compared by name (`timeout 600 make -j2` runs
 * `/usr/bin/make -j2` or `make -j2`).
 */
export function endsWithCommand(outer: readonly string[], argv: readonly string[]): boolean {
  const k = outer.length - argv.length;
  if (!argv.length || k < 1) return false;
  if (baseName(outer[k]!) !== baseName(argv[0]!)) return false;
  return argv.every((w, i) => i === 0 || outer[k + i] === w);
}

/** A shell's option that takes the next argument as its value (`-o pipefail`). */
const shellTakesValue = (a: string) => a === '-o' || a === '+o';

/** True if `program` (a path or a base name) is a shell. */
export function isShell(program: string): boolean {
  return SHELL.test(baseName(program));
}

/**
 * The inline script of a shell given one (`sh -c SCRIPT`, `bash -ec SCRIPT`,
 * `bash -e -o pipefail -c SCRIPT`): the script and the index in argv of the
 * option that holds `c`. Undefined for a shell that runs a file or reads its
 * input, and for any other program.
 */
export function shellInline(argv: readonly string[]): { script: string; at: number } | undefined {
  if (!argv.length || !isShell(argv[0]!)) return undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(a)) return i + 1 < argv.length ? { script: argv[i + 1]!, at: i } : undefined;
    if (!/^[-+]./.test(a) || a === '--') return undefined; // an operand (the script file) before any -c
    if (shellTakesValue(a)) i++;
  }
  return undefined;
}

/**
 * The program name of a process: argv[0]'s name, else the exe's. A script
 * is named by the script, not its interpreter: a #! script's exe is the
 * script itself, and `sh ./configure` names it in argv (`sh -c CODE` runs
 * no script).
 */
export function programName(p: Pick<Process, 'argv' | 'exe' | 'pid'>): string {
  const a0 = p.argv[0] ? baseName(p.argv[0]) : p.exe ? baseName(p.exe) : '';
  if (!a0) return `pid ${p.pid}`;
  if (INTERPRETER.test(a0)) {
    if (p.exe && !INTERPRETER.test(baseName(p.exe))) return baseName(p.exe);
    const script = scriptArgument(p.argv);
    if (script) return baseName(script);
  }
  return a0;
}

/** True if the process runs a copy tool (COPY_TOOL: cp, install, `cmake -E copy`), by its program name and argv. */
export function isCopyTool(p: Pick<Process, 'argv' | 'exe' | 'pid'>): boolean {
  const name = programName(p);
  return COPY_TOOL.some(([tool, ...words]) => tool === name && words.every((w, i) => p.argv[i + 1] === w));
}

/** True if the process runs a Python interpreter (by argv[0] or its exe: a #! script's argv names its interpreter). */
export function isPython(p: Pick<Process, 'argv' | 'exe'>): boolean {
  return (!!p.argv[0] && PYTHON.test(baseName(p.argv[0]))) || (!!p.exe && PYTHON.test(baseName(p.exe)));
}

/** libtool by its name: the script configure makes (`$(SHELL) $(top_builddir)/libtool`), glibtool on some systems. */
export function isLibtool(name: string): boolean {
  return name === 'libtool' || name === 'glibtool';
}

/**
 * Options of an interpreter that take the next word as their value, by the
 * interpreter's name: python's `-W error`, `-X dev`; perl's `-I lib`;
 * node's `-r mod`; ruby's `-I dir`, `-r lib`. (Python's `-I` is a flag.)
 */
const VALUE_OPTIONS: ReadonlyArray<[RegExp, ReadonlySet<string>]> = [
  [/^python/, new Set(['-W', '-X'])],
  [/^perl/, new Set(['-I'])],
  [/^node(js)?$/, new Set(['-r', '--require', '--import', '--loader', '--experimental-loader'])],
  [/^ruby/, new Set(['-I', '-r'])],
];

/**
 * Where the script an interpreter's argv names is: its first operand,
 * unless code is given inline or read from the input (-c, -e, -m..., a
 * shell's -ec or -s; a shell's -e is errexit); -1 when none. An option's
 * value (a shell's `-o pipefail`, python's `-W error`, perl's `-I lib`) is
 * not the script. The one rule for "which word is the script": programName,
 * labels and check's recipe tools read it.
 */
export function scriptIndex(argv: readonly string[]): number {
  const a0 = baseName(argv[0] ?? '');
  const shell = isShell(argv[0] ?? '');
  const values = VALUE_OPTIONS.find(([re]) => re.test(a0))?.[1];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-' || (shell ? /^-[A-Za-z]*[cs][A-Za-z]*$/.test(a) : ['-c', '-e', '-E', '-m', '--eval'].includes(a))) return -1;
    if (shell ? shellTakesValue(a) : !!values?.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-') || a.startsWith('+') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) continue; // options; env's NAME=value
    return i;
  }
  return -1;
}

function scriptArgument(argv: readonly string[]): string | undefined {
  const i = scriptIndex(argv);
  return i > 0 ? argv[i] : undefined;
}

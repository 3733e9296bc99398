/**
 * A command line in little room: a process node's label in the graph (at
 * most LINE_MAX_CHARS characters), and a job's one line in summary, diff,
 * check and the viewer (commandIn): the program and the arguments that
 * tell most.
 *
 *  - a command that fits is shown whole (each argument at most
 *    ARG_MAX_CHARS: a path keeps its file name and the nearest whole
 *    directories, `…/core.dir/src/core.c.o`; another argument is cut in the
 *    middle);
 *  - the program is the one that does the work: a script's interpreter
 *    gives way to the script (`bash ./libtool …` is `libtool …`,
 *    `tclsh8.6 tool/mksqlite3h.tcl …` is `mksqlite3h.tcl …`), as in the
 *    tool table (programName);
 *  - else the tool's leading words stay (`cmake -E rename`, `ar qc`,
 *    `git -C DIR describe`, `go build`, `go tool compile`, `cargo +nightly
 *    build`, `python3 -m MODULE`, `npm run NAME`), then -c, then -o OUTPUT
 *    (after the sources when it is a temporary, a file of /tmp or /var/tmp
 *    outside the build's directory), the sources (cut from the left to fit),
 *    the build's own files, the others; never an option's value (-I DIR);
 *    " …" says that something was left out;
 *  - libtool shows its mode and the command it wraps, whose kept words
 *    stay in their order with " …" where words were left out, its own
 *    options' values (-rpath DIR) never shown:
 *    `libtool --mode=compile gcc … -c -o png.lo png.c`;
 *  - a shell's `-c SCRIPT` that does not fit shows the script's first real
 *    command, labelled the same way: `sh -c 'ar qc libcore.a …'`, skipping
 *    `:`, `true`, `cd DIR` (whose DIR the command's paths are relative to),
 *    `set`, `trap`, `export`, tests, assignments, progress lines (`echo`,
 *    `printf`) and clean-ups before the work (`rm -f`, `mkdir -p`,
 *    `cmake -E rm` / `make_directory`); " …" after it says the script does
 *    more, or redirects its input or output (`>sqlite3.h`).
 *
 * So a label never reads as another real command: a word keeps its role
 * (a compiler's -c is not shown after bash, an option's value is not shown
 * as a file).
 */
import { commandLine, middle, quoteArg, shellJoin } from './format.js';
import { baseName, relativeInside, resolvePath } from '../normalize/paths.js';
import { SOURCE_EXT, takesValue } from '../model/toolargs.js';
import { isLibtool, isShell, programName, scriptIndex, shellInline } from '../model/program.js';

/** The most an argument takes of a label when the whole command fits. */
export const ARG_MAX_CHARS = 28;
/** The most a label's command line takes. */
export const LINE_MAX_CHARS = 48;

/** Source files of compilers other than gcc's (SOURCE_EXT) that a label prefers too. */
const LABEL_SOURCE_EXT = new Set([
  ...SOURCE_EXT, 'rs', 'java', 'kt', 'scala', 'swift', 'zig', 'nim', 'hs', 'ml', 'cs', 'vala', 'pas', 'asm', 'nasm',
  'y', 'yy', 'l', 'll', 'proto', 'pyx', 'py',
]);

/**
 * Program and shortened arguments, for a node label (see the module's
 * comment for the rules).
 */
export function shortCommand(p: { argv: readonly string[]; cwd: string }, program: string, max = LINE_MAX_CHARS): string {
  const rest = argsAfter(p.argv, program);
  if (isShell(program)) {
    const s = shellLabel(program, rest, p.cwd, max);
    if (s !== undefined) return s;
  }
  return commandLabel(program, rest, p.cwd, max);
}

/**
 * A job's command on one line of at most `max` characters: whole when it
 * fits, else as a label shows it (the program's name, its leading words,
 * -c, -o OUTPUT and the sources before the rest), so that five cgo
 * compiles differing only in their source do not look alike when cut at
 * the end. `cwd`: paths under it are shown relative (none when empty).
 */
export function commandIn(argv: readonly string[], max: number, cwd = ''): string {
  if (shellJoin(argv).length <= max || !argv.length) return commandLine(argv, max);
  return shortCommand({ argv, cwd }, programOf(argv), max);
}

/** The program a command runs, a script rather than its interpreter (`bash ./libtool` runs libtool). */
function programOf(argv: readonly string[]): string {
  return programName({ argv, exe: '', pid: 0 });
}

/**
 * The arguments that follow the program: for a script that an interpreter
 * runs (`sh gen.sh x`, named gen.sh by programName), those after the
 * script, not the script again.
 */
function argsAfter(argv: readonly string[], program: string): string[] {
  if (argv.length > 0 && baseName(argv[0]!) !== program) {
    const i = scriptIndex(argv);
    if (i > 0 && baseName(argv[i]!) === program) return argv.slice(i + 1);
  }
  return argv.slice(1);
}

/** An argument as a label shows it: relative to the cwd when inside it, shell-quoted. */
function display(a: string, cwd: string): string {
  let s = a;
  if (s.startsWith('/') && cwd) {
    const rel = relativeInside(cwd, s);
    if (rel !== undefined && rel !== '.') s = rel;
  }
  return quoteArg(s);
}

/** A shown argument that is a path (not an option, `NAME=value` or a quoted string). */
function isPath(s: string): boolean {
  return /^(?![-'+]|\$')[^=]*\/[^/]+$/.test(s);
}

/**
 * A path shortened from the left to at most `max` characters: its file
 * name and as many of the nearest whole directories as fit, after "…/".
 * Undefined when not even "…/NAME" fits.
 */
export function shortPath(s: string, max: number): string | undefined {
  if (s.length <= max) return s;
  let cut = s.lastIndexOf('/');
  if (cut < 0 || s.length - cut + 1 > max) return undefined;
  for (;;) {
    const j = s.lastIndexOf('/', cut - 1);
    if (j < 0 || s.length - j + 1 > max) break;
    cut = j;
  }
  return `…/${s.slice(cut + 1)}`;
}

/** A shown argument cut to `max`: a path from the left (keeping its name), anything else in the middle. */
function shortArg(s: string, max: number): string {
  if (s.length <= max) return s;
  return (isPath(s) ? shortPath(s, max) : undefined) ?? middle(s, max);
}

/** A temporary: a file of /tmp or /var/tmp that is not in the tree the process works in (or, for the graph's temporaries, the build's start directory). */
export function isTemp(path: string, cwd: string): boolean {
  const top = /^\/(?:var\/)?tmp\/[^/]+/.exec(path)?.[0];
  return top !== undefined && cwd !== top && !cwd.startsWith(`${top}/`);
}

/** Part of a label: its text, the words of the command it shows (`at`, `words`), and how to shorten it to a given room (else it is left out). */
interface Group {
  text: string;
  at: number;
  words: number;
  shrink?: (room: number) => string | undefined;
}

/** Program and groups while they fit in `max`, with " …" (within `max`) when something is left out. */
function fitGroups(program: string, groups: readonly Group[], omitted: boolean, max: number): string {
  let line = program;
  for (let i = 0; i < groups.length; i++) {
    const room = max - line.length - 1 - (omitted || i < groups.length - 1 ? 2 : 0);
    const g = groups[i]!;
    const text = g.text.length <= room ? g.text : g.shrink?.(room);
    if (text === undefined || text.length > room) return `${line} …`;
    line += ` ${text}`;
  }
  return omitted ? `${line} …` : line;
}

/**
 * Program and groups (taken in their order of importance while they fit in
 * `max`) shown in the command's order of its `n` arguments, with " …"
 * wherever words are left out: `gcc … -c -o png.lo png.c`.
 */
function fitInOrder(program: string, groups: readonly Group[], n: number, max: number): string {
  const render = (kept: readonly { g: Group; text: string }[]): string => {
    let line = program;
    let next = 0;
    for (const { g, text } of [...kept].sort((x, y) => x.g.at - y.g.at)) {
      if (g.at > next) line += ' …';
      line += ` ${text}`;
      next = g.at + g.words;
    }
    return next < n ? `${line} …` : line;
  };
  const kept: { g: Group; text: string }[] = [];
  for (const g of groups) {
    const over = render([...kept, { g, text: g.text }]).length - max;
    const text = over <= 0 ? g.text : g.shrink?.(g.text.length - over);
    if (text === undefined || render([...kept, { g, text }]).length > max) break;
    kept.push({ g, text });
  }
  return render(kept);
}

/** How commandLabel shows a command: its kept words in their order (else by importance), and options that take a value besides the program's own (takesValue). */
interface LabelStyle {
  inOrder?: boolean;
  takes?: (option: string) => boolean;
}

/** The program and the arguments that tell most, in at most `max` characters (see the module's comment). */
function commandLabel(program: string, rest: readonly string[], cwd: string, max: number, style: LabelStyle = {}): string {
  const prog = program.length > max - 2 ? middle(program, max - 2) : program;
  const show = (a: string) => shortArg(display(a, cwd), ARG_MAX_CHARS);
  const all = [prog, ...rest.map(show)].join(' ');
  if (all.length <= max) return all;
  if (isLibtool(program)) {
    const s = libtoolLabel(prog, rest, cwd, max);
    if (s !== undefined) return s;
  }
  const lead = leadArgs(program, rest);
  const groups: Group[] = lead.map((i) => ({ text: show(rest[i]!), at: i, words: 1 }));
  // the other arguments, by their index in rest
  const tail = rest.map((_, i) => i).filter((i) => !lead.includes(i));
  let shown = lead.length;
  const ci = tail.find((i) => rest[i] === '-c');
  if (ci !== undefined) {
    groups.push({ text: '-c', at: ci, words: 1 });
    shown++;
  }
  const oi = tail.findIndex((i) => rest[i] === '-o');
  const outAt = oi >= 0 && oi + 1 < tail.length ? tail[oi] : undefined;
  const out = outAt !== undefined ? rest[tail[oi + 1]!] : undefined;
  const takes = (o: string) => takesValue(program, o) || (style.takes?.(o) ?? false);
  const seen = new Set<string>(out !== undefined ? [out] : []);
  const files = tail.filter((i, k) => {
    const a = rest[i]!;
    if (a.startsWith('-') || takes(rest[tail[k - 1]!] ?? '') || seen.has(a) || !/[./]/.test(a) || (a.startsWith('.') && !a.includes('/'))) return false;
    seen.add(a);
    return true;
  });
  // the shortened path of a file, cut further from the left when the room is less
  const pathGroup = (a: string, at: number, words = 1, prefix = ''): Group => {
    const d = display(a, cwd);
    return {
      text: `${prefix}${shortArg(d, ARG_MAX_CHARS)}`,
      at,
      words,
      shrink: isPath(d)
        ? (room) => {
            const s = shortPath(d, room - prefix.length);
            return s === undefined ? undefined : `${prefix}${s}`;
          }
        : undefined,
    };
  };
  const source = (i: number) => {
    const a = rest[i]!;
    return LABEL_SOURCE_EXT.has(a.slice(a.lastIndexOf('.') + 1)) && a.lastIndexOf('.') > a.lastIndexOf('/') + 1;
  };
  const local = (i: number) => !rest[i]!.startsWith('/') || (!!cwd && relativeInside(cwd, rest[i]!) !== undefined);
  const temp = out !== undefined && isTemp(out, cwd);
  if (out !== undefined && !temp) groups.push(pathGroup(out, outAt!, 2, '-o '));
  for (const i of files.filter(source)) groups.push(pathGroup(rest[i]!, i));
  if (out !== undefined && temp) groups.push(pathGroup(out, outAt!, 2, '-o '));
  for (const i of files.filter((f) => !source(f) && local(f))) groups.push({ text: show(rest[i]!), at: i, words: 1 });
  for (const i of files.filter((f) => !source(f) && !local(f))) groups.push({ text: show(rest[i]!), at: i, words: 1 });
  shown += files.length + (out !== undefined ? 2 : 0);
  if (style.inOrder) return fitInOrder(prog, groups, rest.length, max);
  return fitGroups(prog, groups, shown < rest.length, max);
}


/** libtool's modes, given as a word when not as --mode=MODE (`libtool compile gcc …`). */
const LIBTOOL_MODES = new Set(['compile', 'link', 'install', 'execute', 'finish', 'uninstall', 'clean']);

/** libtool's options, among the wrapped command's arguments, whose value is the next argument (`-rpath /usr/local/lib`). */
const LIBTOOL_WITH_VALUE = new Set([
  '-rpath', '-R', '-version-info', '-version-number', '-release', '-export-symbols', '-export-symbols-regex',
  '-precious-files-regex', '-bindir', '-Xcompiler', '-Xlinker', '-XCClinker', '-weak', '-dlopen', '-dlpreopen',
]);

/**
 * libtool's label: its mode and the command it wraps, that command's kept
 * words in their order (`libtool --mode=compile gcc … -c -o png.lo png.c`).
 * Undefined when libtool wraps no command (`libtool --finish DIR`).
 */
function libtoolLabel(prog: string, rest: readonly string[], cwd: string, max: number): string | undefined {
  const mode: string[] = [];
  let i = 0;
  while (i < rest.length && rest[i]!.startsWith('-')) {
    const a = rest[i]!;
    if (a === '--mode' || a === '--tag') {
      if (a === '--mode') mode.push(a, rest[i + 1] ?? '');
      i += 2;
      continue;
    }
    if (a.startsWith('--mode=')) mode.push(a);
    i++;
  }
  if (!mode.length && LIBTOOL_MODES.has(rest[i] ?? '')) mode.push(rest[i++]!);
  if (i >= rest.length) return undefined;
  // words left out before the mode (--tag=CC, --silent) do not change what it does; the wrapped command's are marked
  const head = [prog, ...mode.map(quoteArg)].join(' ');
  const room = max - head.length - 1;
  const tool = baseName(rest[i]!);
  if (room < tool.length + 2) return undefined;
  return `${head} ${commandLabel(tool, rest.slice(i + 1), cwd, room, { inOrder: true, takes: (o) => LIBTOOL_WITH_VALUE.has(o) })}`;
}

/** cmake's options that say what it does, each followed by its first word (`-E rename`, `--build DIR`). */
const CMAKE_MODES = new Set(['-E', '-P', '--build', '--install', '--open', '--check-build-system']);

/** Tools whose first word is a subcommand (`meson compile`, `docker build`). */
const SUBCOMMAND_TOOLS = new Set(['meson', 'docker', 'podman', 'bazel', 'bazelisk', 'pip', 'pip3', 'rustup', 'dotnet', 'swift', 'conan']);

/**
 * The indexes of the arguments that name what a tool does, kept first in
 * its label: `cmake -E rename`, `ar qc`, `git -C DIR describe`, `go build`,
 * `go tool compile`, `cargo +nightly build`, `python3 -B -m MODULE`,
 * `npm run NAME`, `meson compile`.
 */
function leadArgs(program: string, rest: readonly string[]): number[] {
  const n = rest.length;
  const word = (i: number) => i < n && !rest[i]!.startsWith('-');
  const upTo = (i: number) => Array.from({ length: i + 1 }, (_, k) => k);
  if (program === 'cmake') {
    // its mode and the mode's first word, wherever it is (`cmake -S… -B… --check-build-system CMakeFiles/Makefile.cmake 0`)
    const i = rest.findIndex((a) => CMAKE_MODES.has(a));
    return i >= 0 && i + 1 < n ? [i, i + 1] : [];
  }
  if (/(?:^|-)ar$/.test(program)) {
    // the operation and its modifiers (qc, rcs, -crD), after any --plugin FILE
    let i = 0;
    while (i < n && rest[i]!.startsWith('--')) i += rest[i] === '--plugin' ? 2 : 1;
    return i < n - 1 && /^-?[A-Za-z]+$/.test(rest[i]!) ? [i] : [];
  }
  if (program === 'git') {
    let i = 0;
    while (i < n && rest[i]!.startsWith('-')) i += ['-C', '-c', '--git-dir', '--work-tree', '--namespace'].includes(rest[i]!) ? 2 : 1;
    return i < n ? upTo(i) : [];
  }
  if (program === 'go') {
    if (!word(0)) return [];
    return ['tool', 'mod', 'work', 'env'].includes(rest[0]!) && word(1) ? [0, 1] : [0];
  }
  if (program === 'cargo') {
    const i = n > 0 && rest[0]!.startsWith('+') ? 1 : 0;
    return word(i) ? upTo(i) : [];
  }
  if (/^(?:python|pypy)[0-9.]*$/.test(program)) {
    let i = 0;
    while (i < n && /^-[A-Za-z]+$/.test(rest[i]!) && rest[i] !== '-m' && rest[i] !== '-c') i += rest[i] === '-W' || rest[i] === '-X' ? 2 : 1;
    return rest[i] === '-m' && i + 1 < n ? upTo(i + 1) : [];
  }
  if (['npm', 'pnpm', 'yarn', 'bun'].includes(program)) {
    if (!word(0)) return [];
    return ['run', 'run-script', 'exec', 'x'].includes(rest[0]!) && word(1) ? [0, 1] : [0];
  }
  if (SUBCOMMAND_TOOLS.has(program)) return word(0) ? [0] : [];
  return [];
}

/** Words that start a compound command or modify the one that follows (the command is after them). */
const PREFIX_WORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time', 'exec', 'command', 'builtin', 'nohup']);

/** Commands that do not do the work: state, tests, the ends of compound commands. */
const NOISE = new Set([
  ':', 'true', 'false', 'cd', 'pushd', 'popd', 'set', 'trap', 'export', 'unset', 'umask', 'ulimit', 'shopt', 'local',
  'readonly', 'wait', 'exit', 'return', 'test', '[', '[[', 'fi', 'done', 'esac', '}', 'for', 'case', 'in', 'function',
]);

/** Commands that only say what is being done (kbuild's `echo '  CC      kernel/x.o';`). */
const PROGRESS = new Set(['echo', 'printf']);

/** Clean-ups before the work: removing the old output, making its directory. */
function preparation(words: readonly string[]): boolean {
  const prog = baseName(words[0]!);
  if (prog === 'rm' || prog === 'mkdir') return true;
  return prog === 'cmake' && words[1] === '-E' && ['rm', 'remove', 'remove_directory', 'make_directory'].includes(words[2] ?? '');
}

/** A simple command of a shell script: its words, and whether it redirects its input or output (left out of the words). */
export interface ScriptCommand {
  words: string[];
  redirects: boolean;
}

/**
 * The simple commands of a shell script, each as its words (quotes
 * removed, redirections left out, `$(…)` and backquotes kept as written),
 * split at `;`, `&&`, `||`, `|`, `&`, newlines and parentheses.
 */
export function scriptCommands(s: string): ScriptCommand[] {
  const cmds: ScriptCommand[] = [];
  let words: string[] = [];
  let redirects = false;
  let word = '';
  let inWord = false;
  let redirect = false;
  const endWord = () => {
    if (inWord) {
      if (redirect) redirect = false;
      else words.push(word);
    }
    word = '';
    inWord = false;
  };
  const endCmd = () => {
    endWord();
    redirect = false;
    if (words.length) cmds.push({ words, redirects });
    words = [];
    redirects = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      if (s[i + 1] !== '\n') word += s[i + 1] ?? '';
      inWord = inWord || s[i + 1] !== '\n';
      i++;
    } else if (c === "'") {
      const j = s.indexOf("'", i + 1);
      const e = j < 0 ? s.length : j;
      word += s.slice(i + 1, e);
      inWord = true;
      i = e;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && '$`"\\\n'.includes(s[j + 1] ?? '')) word += s[++j] === '\n' ? '' : s[j];
        else word += s[j];
      }
      inWord = true;
      i = j;
    } else if (c === '$' && s[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < s.length; j++) {
        if (s[j] === '(') depth++;
        else if (s[j] === ')' && --depth === 0) break;
      }
      word += s.slice(i, j + 1);
      inWord = true;
      i = j;
    } else if (c === '`') {
      const j = s.indexOf('`', i + 1);
      const e = j < 0 ? s.length : j;
      word += s.slice(i, e + 1);
      inWord = true;
      i = e;
    } else if (c === '#' && !inWord) {
      const j = s.indexOf('\n', i);
      i = (j < 0 ? s.length : j) - 1;
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else if ('\n;&|()'.includes(c)) {
      endCmd();
    } else if (c === '<' || c === '>') {
      // a redirection: its fd number before, its target after are not arguments
      if (inWord && /^\d+$/.test(word)) {
        word = '';
        inWord = false;
      } else {
        endWord();
      }
      while ('<>&|'.includes(s[i + 1] ?? 'x')) i++;
      if (s[i + 1] === '-') i++;
      redirect = true;
      redirects = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  endCmd();
  return cmds;
}

/** A command's words without the assignments and prefix words before the program. */
function commandWords(words: readonly string[]): string[] {
  let i = 0;
  while (i < words.length && (PREFIX_WORDS.has(words[i]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!))) i++;
  return words.slice(i);
}

/** A label's shell-quoted text: in single quotes, or double ones when it holds a single quote. */
function quoteText(s: string): string {
  if (!s.includes("'")) return `'${s}'`;
  if (!/["$`\\]/.test(s)) return `"${s}"`;
  return quoteArg(s);
}

/**
 * A shell's label: the whole command when it fits, else `sh -c` and the
 * script's first real command (see the module's comment). Undefined when
 * the shell runs no -c script.
 */
function shellLabel(program: string, rest: readonly string[], cwd: string, max: number): string | undefined {
  // options before -c (-e, -x, -o pipefail); -c may be in a cluster (-ec)
  const inline = shellInline([program, ...rest]);
  if (!inline) return undefined;
  const ci = inline.at - 1;
  const whole = [program, ...rest.map((a) => display(a, cwd))].join(' ');
  if (whole.length <= max) return whole;
  let prefix = [program, ...rest.slice(0, ci + 1).map(quoteArg)].join(' ');
  // options that leave the script no room (bash --norc -o pipefail -e -u -c): the shell and its -c alone
  if (max - prefix.length - 3 < 16) prefix = `${program} ${quoteArg(rest[ci]!)}`;
  const script = rest[ci + 1]!;
  const cmds = scriptCommands(script)
    .map((c) => ({ ...c, words: commandWords(c.words) }))
    .filter((c) => c.words.length > 0);
  const prog = (c: ScriptCommand) => baseName(c.words[0]!);
  const real = (c: ScriptCommand) => !NOISE.has(prog(c)) && !PROGRESS.has(prog(c)) && !preparation(c.words);
  let k = cmds.findIndex(real);
  if (k < 0) k = cmds.findIndex((c) => !NOISE.has(prog(c)));
  const room = max - prefix.length - 3;
  if (k < 0) return `${prefix} ${quoteText(middle(script, room))}`;
  // the directory the command runs in: the cwd, after the `cd DIR` before it
  let dir = cwd;
  for (const c of cmds.slice(0, k)) {
    if (prog(c) === 'cd' && c.words.length === 2 && !/[$`~]/.test(c.words[1]!)) dir = resolvePath(dir || undefined, c.words[1]!) ?? dir;
  }
  const { words, redirects } = cmds[k]!;
  const more = redirects || rest.length > ci + 2 || cmds.slice(k + 1).some((c) => prog(c) !== ':' && prog(c) !== 'true');
  const cmd = programOf(words);
  let inner = commandLabel(cmd, argsAfter(words, cmd), dir, more ? room - 2 : room);
  if (more && !inner.endsWith(' …')) inner += ' …';
  return `${prefix} ${quoteText(inner)}`;
}

/**
 * Temporary names where a build's words give them relatively (mask.ts
 * masks the absolute ones): autoconf's `conf$$.dir`, config.status's
 * `./confXXXXXX/subs.awk`, CMake's `CMakeFiles/cmTC_xxxxx.dir/…` and
 * `-o cmTC_xxxxx` in its try-compile directory.
 *
 *  - a relative path in an argument, resolved against the working
 *    directory of the process that has it: a file the build made and
 *    removed is `<tmp>` (the whole word), and so is each component that
 *    is one of the build's temporary directories (`./<tmp>/stdin`)
 *  - a name made of letters and a process id of the build (autoconf's
 *    `conf$$`, `$$` the configure shell's pid) that is the name, less its
 *    extension, of a file or directory the build made and removed: `<tmp>`
 *    wherever it starts a word or a path component, so that the names it
 *    never made compare too (`rm -f conf9937 conf9937.exe`, `'conf9937*'`)
 *  - CMake's try-compile target names, `cmTC_` and 5 random hex digits,
 *    wherever they are (`ninja cmTC_52a0e` of a check that made no
 *    program, whose name is a file of neither build)
 */
import type { Build } from '../model/index.js';
import { baseName, dirName } from '../normalize/paths.js';

/** A word that may be a relative path: not absolute, not already masked, between separators. */
const WORD = /(?<![^\s:=,;'"])[^\s:=,;'"/<$][^\s:=,;'"]*/g;

/** A name made of letters and a number, where it starts a word or a path component. */
const PID_NAME = /(?<![A-Za-z0-9_.-])[A-Za-z_]+\d+(?!\d)/g;

/** CMake's try-compile target name. */
const CMAKE_TRY = /(?<![A-Za-z0-9_])cmTC_[0-9a-f]{5}(?![A-Za-z0-9_])/g;

/** The letters-and-number start of a file name (`conf9937` of `conf9937.dir`), the number apart. */
const PID_STEM = /^([A-Za-z_]+)(\d+)(?!\d)/;

export class RelativeTemps {
  /** The names (last components) of the temporary files and directories: a quick test before resolving a word. */
  private readonly names: Set<string>;
  /** `conf$$` names of the build's temporaries. */
  private readonly pidNames = new Set<string>();

  constructor(
    build: Build,
    private readonly files: ReadonlySet<string>,
    private readonly dirs: ReadonlySet<string>,
  ) {
    this.names = new Set([...files, ...dirs].map(baseName));
    const pids = new Set(build.model.processes.map((p) => String(p.pid)));
    for (const n of this.names) {
      const m = PID_STEM.exec(n);
      if (m && pids.has(m[2])) this.pidNames.add(m[0]);
    }
  }

  /** `s` with its relative temporary paths (resolved against `cwd`) and its `conf$$` names as `<tmp>`. */
  text(s: string, cwd: string | undefined): string {
    let out = s;
    if (cwd?.startsWith('/') && this.names.size) out = out.replace(WORD, (w) => this.word(w, cwd));
    if (this.pidNames.size && /\d/.test(out)) out = out.replace(PID_NAME, (m) => (this.pidNames.has(m) ? '<tmp>' : m));
    if (out.includes('cmTC_')) out = out.replace(CMAKE_TRY, '<tmp>');
    return out;
  }

  private word(w: string, cwd: string): string {
    const parts = w.split('/');
    if (!parts.some((c) => this.names.has(c))) return w;
    let dir = cwd;
    for (let i = 0; i < parts.length; i++) {
      const c = parts[i]!;
      if (c === '' || c === '.') continue;
      dir = c === '..' ? dirName(dir) : dir === '/' ? `/${c}` : `${dir}/${c}`;
      if (this.dirs.has(dir)) parts[i] = '<tmp>';
    }
    return this.files.has(dir) ? '<tmp>' : parts.join('/');
  }
}

/**
 * libtool's own files, as `bt check --make` meets them on an autotools
 * build. A recipe that runs libtool writes more than its target, by
 * libtool's design, and reads the `libtool` script configure made:
 *
 *   X.lo (a compile)     writes X.o and .libs/X.o beside it
 *   libX.la (a link)     writes .libs/libX.so*, .libs/libX-R.so* (-release),
 *                        .libs/libX.a, .libs/libX.lai, .libs/libX.la, …
 *   PROG (a link)        writes .libs/PROG (the program; PROG is libtool's
 *                        wrapper script), .libs/lt-PROG*
 *
 * Those side files are the target's (no undeclared output). The script is
 * a real undeclared input (changing it rebuilds nothing), but every recipe
 * reads it: its findings are one, for the whole build (oneForScript).
 */
import { isLibtool, programName, type Build, type Job } from '../model/index.js';
import { baseName, dirName } from '../normalize/paths.js';
import type { Finding, PathNamer } from './finding.js';

/** Some process of the unit ran libtool (`/bin/bash ../libtool --mode=compile …`). */
export function ranLibtool(build: Build, unit: readonly Job[]): boolean {
  return unit.some((j) => j.procs.some((id) => {
    const p = build.process(id);
    return !!p && isLibtool(programName(p));
  }));
}

/** `path` is one of the files libtool writes beside `target` (see the header): X.o and .libs/X.o of X.lo, .libs/N* of N.la or a program N. */
export function libtoolSide(target: string, path: string): boolean {
  const dir = dirName(target);
  const name = baseName(target);
  const stem = name.replace(/\.l[ao]$/, '');
  if (name.endsWith('.lo') && path === `${dir}/${stem}.o`) return true;
  const libs = `${dir}/.libs/`;
  if (!path.startsWith(libs)) return false;
  const first = path.slice(libs.length).split('/')[0];
  const own = (n: string) => n === stem || n.startsWith(`${stem}.`) || (name.endsWith('.la') && n.startsWith(`${stem}-`));
  return own(first) || (first.startsWith('lt-') && own(first.slice(3)));
}

/**
 * The undeclared-input findings of the libtool script, one for the whole
 * build: the first, saying how many other targets' recipes run it; the
 * other findings as they were, in order.
 */
export function oneForScript(findings: readonly Finding[], show: PathNamer): Finding[] {
  const script = (f: Finding) => f.kind === 'undeclared-input' && isLibtool(baseName(f.file));
  const all = findings.filter(script);
  if (all.length < 2) return [...findings];
  const first = all.reduce((a, b) => (b.time < a.time ? b : a));
  const others = [...new Set(all.filter((f) => f !== first && f.file === first.file).map((f) => f.target!))];
  if (!others.length) return [...findings];
  const names = others.slice(0, 3).map(show);
  const more = others.length > names.length ? `, and ${others.length - names.length} more` : '';
  const them = `the ${others.length} other target${others.length === 1 ? '' : 's'} whose recipes run it`;
  const one: Finding = {
    ...first,
    detail: `${first.detail}; nor do ${them} (${names.join(', ')}${more})`,
    fix: `${first.fix}; and the same for ${them}`,
  };
  return findings.filter((f) => !(script(f) && f.file === first.file && f !== first)).map((f) => (f === first ? one : f));
}

/**
 * Inspectors: programs that read files only to checksum them. What they
 * read is no input of what their job writes, and a file the build made
 * that only they read stays an output (not an intermediate):
 *
 *  - dh_autoreconf runs `md5sum` over the whole tree before and after
 *    autoreconf, in the same job: without this, `bt rdeps src/hello.c`
 *    would list configure, config.h and every object after them;
 *  - dpkg-genchanges and dpkg-genbuildinfo read the `.deb`, `.buildinfo`
 *    and other artifacts only to put their checksums in the `.changes`:
 *    without this, the `.deb` is an intermediate, not the package's output.
 *
 * One table: a program by name, and which of its reads are checksums (all,
 * or those of paths matching `files`: dpkg-genchanges reads debian/control
 * and debian/changelog for real). The model turns such a read into the
 * `checksum` kind (kinds.ts), which is not in READS.
 */
import { Kind, WRITES } from './kinds.js';
import { programName } from './program.js';
import type { BuildFile, Process } from './types.js';

/** Debian's artifacts, which dpkg checksums into .changes and .buildinfo files. */
const DEB_ARTIFACTS = /\.(?:u?deb|ddeb|buildinfo|changes|dsc|tar\.[a-z0-9]+|diff\.gz)$/;

/** Inspector programs by name: every read (undefined) or the reads of the paths `files` matches. */
export const INSPECTORS: ReadonlyMap<string, RegExp | undefined> = new Map<string, RegExp | undefined>([
  ['md5sum', undefined],
  ['sha1sum', undefined],
  ['sha224sum', undefined],
  ['sha256sum', undefined],
  ['sha384sum', undefined],
  ['sha512sum', undefined],
  ['b2sum', undefined],
  ['cksum', undefined],
  ['sum', undefined],
  ['dpkg-genchanges', DEB_ARTIFACTS],
  ['dpkg-genbuildinfo', DEB_ARTIFACTS],
]);

/**
 * Turns the reads of inspector processes (INSPECTORS) into checksums:
 * READ becomes CHECKSUM on each such access of a file the process did not
 * write itself; the kinds of the files it touched are recomputed.
 */
export function markChecksums(processes: readonly Process[], files: readonly BuildFile[]): void {
  const touched = new Set<BuildFile>();
  for (const p of processes) {
    if (!p.execd || !INSPECTORS.has(programName(p))) continue;
    const only = INSPECTORS.get(programName(p));
    for (const a of p.files.values()) {
      if (!(a.kinds & Kind.READ) || a.kinds & WRITES) continue;
      const f = files[a.file];
      if (only && !only.test(f.path)) continue;
      a.kinds = (a.kinds & ~Kind.READ) | Kind.CHECKSUM;
      touched.add(f);
    }
  }
  for (const f of touched) {
    f.kinds = 0;
    for (const a of f.procs) f.kinds |= a.kinds;
  }
}

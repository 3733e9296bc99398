/**
 * bt check's noise on synthetic builds: the dynamic loader's search is
 * never reported, wherever the library directory is (a toolchain in the
 * builder's home, an RPATH entry), while what the same process really
 * read or looked for there is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hermeticity } from '../../src/check/hermeticity.js';
import { Noise } from '../../src/check/noise.js';
import { fakeBuild } from '../export/synth-build.js';

/** Access bits of a normalized open: 1 read, 16 failed (a probe, as a failed stat is). */
const READ = 1;
const MISSING = 16;

const TC = '/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu';

/** What ld.so (glibc 2.36) does for libdl.so.2 with $ORIGIN/../lib in cargo's RUNPATH: each subdirectory, then the directory. */
function loaderSearch(dir: string, lib: string, found: boolean): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const sub of ['glibc-hwcaps/x86-64-v4', 'glibc-hwcaps/x86-64-v3', 'glibc-hwcaps/x86-64-v2', 'tls/haswell/x86_64', 'tls/haswell', 'tls/x86_64', 'tls', 'haswell/x86_64', 'haswell', 'x86_64']) {
    out.push([`${dir}/${sub}/${lib}`, MISSING], [`${dir}/${sub}`, MISSING]);
  }
  out.push([`${dir}/${lib}`, found ? READ : MISSING]);
  if (!found) out.push([dir, MISSING]);
  return out;
}

test('noise: the loader\'s probes of glibc-hwcaps, tls and platform subdirectories and of RPATH directories, anywhere', () => {
  const build = fakeBuild(
    [
      { proc: 1, argv: ['make'] },
      {
        proc: 2,
        parent: 1,
        argv: [`${TC}/bin/cargo`, 'build'],
        opens: [
          ...loaderSearch(`${TC}/lib`, 'libdl.so.2', false),
          // an RPATH entry that is not there at all, then the library found in the next one
          ...loaderSearch('/opt/gone/lib', 'libz.so.1', false),
          ...loaderSearch(`${TC}/lib/rustlib/x86_64-unknown-linux-gnu/lib`, 'librustc_driver-1a2b.so', true),
          // the linker's -lc through an -L directory: libc.so, then libc.a
          [`${TC}/lib/rustlib/x86_64-unknown-linux-gnu/lib/libc.a`, MISSING],
          // not the loader: a configuration file and a directory looked for without a library in it
          ['/root/.cargo/config.toml', MISSING],
          [`${TC}/lib/rustlib/src/rust`, MISSING],
        ],
      },
      // another process looking for a directory named like a loader subdirectory, without looking for a library there
      { proc: 3, parent: 1, argv: ['ls', `${TC}/lib/glibc-hwcaps/x86-64-v4`], opens: [[`${TC}/lib/glibc-hwcaps/x86-64-v4`, MISSING]] },
    ],
    '/src',
  );
  // --strict: the toolchain's home is allowed otherwise (toolchain.ts)
  const found = hermeticity(build, new Noise(build), { strict: true }).filter((f) => f.file.startsWith('/root/') || f.file.startsWith('/opt/'));
  assert.deepEqual(
    found.map((f) => [f.file, f.uses.map((u) => [u.path, u.access.join('+'), u.proc])]).sort(),
    [
      // one finding: the toolchain, with what its cargo looked for elsewhere (hermeticity.ts joinByProgram)
      [
        TC,
        [
          ['/root/.cargo/config.toml', 'probe', 2],
          [`${TC}/bin/cargo`, 'exec', 2],
          [`${TC}/lib/glibc-hwcaps/x86-64-v4`, 'probe', 3],
          [`${TC}/lib/rustlib/src/rust`, 'probe', 2],
          [`${TC}/lib/rustlib/x86_64-unknown-linux-gnu/lib/librustc_driver-1a2b.so`, 'read', 2],
        ],
      ],
    ],
    'the loader\'s probes (and the linker\'s libc.a) are gone; the exec, the read library and the other lookups stay',
  );
});

test('noise: autoconf\'s PATH-separator test (a name looked for under PATH=/bin;/bin) is never reported; a name missing in a directory that merely has a ; in it is', () => {
  const build = fakeBuild(
    [
      { proc: 1, argv: ['/bin/sh', './configure'], opens: [['/bin;/bin/sh', MISSING], ['/usr/bin;/bin/sh', MISSING], ['/opt/a;b/tool', MISSING]] },
    ],
    '/src',
  );
  assert.deepEqual(
    hermeticity(build, new Noise(build), {}).map((f) => f.uses.map((u) => u.path)),
    [['/opt/a;b/tool']],
  );
});

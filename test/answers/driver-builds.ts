/**
 * Synthetic builds of drivers that write files themselves (cargo, go), with
 * exactly known times, for bt deps / rdeps and bt export makedeps.
 */
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CLOEXEC, O_CREAT, O_RDWR, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

export const W = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;

export function modelOf(t: TraceBuilder): Build {
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

/** Opens, then closes, FILE in process `pid` (for writing with `flags`). */
export function touch(t: TraceBuilder, pid: number, file: string, flags = 0): void {
  t.open(pid, file, { fd: 3, flags: flags | O_CLOEXEC });
  t.close(pid, 3);
}

/**
 * go build -o app: go writes importcfg (from main.go's imports) first;
 * compile makes _pkg_.a; the link job is link and the external ld it runs,
 * and ld truncates and writes anew the a.out link had begun; go reads
 * a.out, stamps it in place and renames it onto ./app, or copies it there
 * (as go does when the two are on different file systems).
 */
export function goExternalLink(place: 'rename' | 'copy' = 'rename'): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/go', ['go', 'build', '-o', 'app'], '/w');
  touch(t, 1, 'main.go');
  touch(t, 1, '/tmp/go-build1/b001/importcfg', W);
  t.fork(1, 2);
  t.exec(2, '/usr/lib/go/pkg/tool/compile', ['compile', 'main.go'], '/w');
  touch(t, 2, '/tmp/go-build1/b001/importcfg');
  touch(t, 2, 'main.go');
  touch(t, 2, '/tmp/go-build1/b001/_pkg_.a', W);
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/usr/lib/go/pkg/tool/link', ['link', '-o', 'a.out'], '/w');
  touch(t, 3, '/tmp/go-build1/b001/_pkg_.a');
  touch(t, 3, '/tmp/go-build1/b001/exe/a.out', W);
  t.fork(3, 4);
  t.exec(4, '/usr/bin/ld', ['ld', '-o', 'a.out'], '/w');
  touch(t, 4, '/tmp/go-build1/b001/exe/a.out', W);
  t.exit(4, 0);
  t.exit(3, 0);
  touch(t, 1, '/tmp/go-build1/b001/exe/a.out');
  touch(t, 1, '/tmp/go-build1/b001/exe/a.out', O_RDWR);
  if (place === 'rename') t.pathOp2(1, 'rename', '/tmp/go-build1/b001/exe/a.out', 'app');
  else {
    t.open(1, '/tmp/go-build1/b001/exe/a.out', { fd: 3, flags: O_CLOEXEC });
    t.open(1, 'app', { fd: 4, flags: W });
    t.close(1, 4);
    t.close(1, 3);
    t.pathOp(1, 'unlink', '/tmp/go-build1/b001/exe/a.out');
  }
  t.exit(1, 0);
  return t;
}

export const TINY = '0123456789abcdef';
export const APP = 'fedcba9876543210';
export const RUN = '0a1b2c3d4e5f6789';

/**
 * A cargo workspace: app (a build script that turns spec.txt into gen.rs)
 * depends on tinyhex. cargo looks for every unit's product first (the
 * lookup and the later hard link are one access of each file), writes each
 * unit's fingerprint after its rustc from rustc's dep-info, hard-links the
 * products into target/debug with a dep-info beside each, and at the end
 * sets the time of tinyhex's fingerprint dep-info (a write that lasts from
 * tinyhex's rustc to the end of the build, while app's files are open).
 */
export function cargoWorkspace(): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  const rustc = (pid: number, crate: string, reads: string[], writes: string[]) => {
    t.fork(1, pid);
    t.exec(pid, '/usr/bin/rustc', ['rustc', '--crate-name', crate], '/w');
    for (const r of reads) touch(t, pid, r);
    for (const w of writes) touch(t, pid, w, W);
    t.exit(pid, 0);
  };
  t.exec(1, '/usr/bin/cargo', ['cargo', 'build'], '/w');
  touch(t, 1, 'Cargo.toml');
  touch(t, 1, 'app/Cargo.toml');
  touch(t, 1, 'vendor/tinyhex/Cargo.toml');
  for (const p of [`deps/libtinyhex-${TINY}.rlib`, `deps/app-${APP}`]) t.open(1, p, { fd: 3, flags: O_CLOEXEC, errno: -2 });
  rustc(2, 'tinyhex', ['vendor/tinyhex/src/lib.rs'], [`deps/libtinyhex-${TINY}.rlib`, `deps/tinyhex-${TINY}.d`]);
  touch(t, 1, `deps/tinyhex-${TINY}.d`);
  touch(t, 1, `.fingerprint/tinyhex-${TINY}/dep-lib-tinyhex`, W);
  touch(t, 1, `.fingerprint/tinyhex-${TINY}/lib-tinyhex`, W);
  t.pathOp2(1, 'link', `deps/libtinyhex-${TINY}.rlib`, 'libtinyhex.rlib');
  t.fork(1, 3);
  t.exec(3, `/w/build/app-${RUN}/build-script-build`, ['build-script-build'], '/w');
  touch(t, 3, 'app/spec.txt');
  touch(t, 3, `build/app-${RUN}/out/gen.rs`, W);
  t.exit(3, 0);
  rustc(4, 'app', ['app/src/main.rs', `build/app-${RUN}/out/gen.rs`, `deps/libtinyhex-${TINY}.rlib`], [`deps/app-${APP}`, `deps/app-${APP}.d`]);
  touch(t, 1, `deps/app-${APP}.d`);
  touch(t, 1, `.fingerprint/app-${APP}/dep-bin-app`, W);
  t.pathOp2(1, 'link', `deps/app-${APP}`, 'app');
  touch(t, 1, 'app.d', W);
  touch(t, 1, 'libtinyhex.d', W);
  t.push(1, { meta: { op: 'utimensat', path: `.fingerprint/tinyhex-${TINY}/dep-lib-tinyhex`, dirfd: -100, errno: 0 } });
  t.exit(1, 0);
  return t;
}


/**
 * A build tool's cache and bookkeeping fold by default (present/fold.ts
 * cacheGroupOf): the Go build cache, Cargo's .fingerprint and incremental
 * directories and rustc's codegen units are one node in bt graph (and the
 * viewer's provenance, which draws with it) and one line in bt summary's
 * lists; --unfold draws each, the summary's JSON names each. Also: bt
 * graph's title counts what it draws.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../src/answers/summary.js';
import { depsText, summaryText } from '../../src/answers/text.js';
import { rdeps } from '../../src/answers/deps.js';
import { buildGraph, toDot, type GraphOptions } from '../../src/graph/index.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { cacheContext, cacheGroupOf } from '../../src/present/fold.js';
import { goCacheOf } from '../../src/model/gotool.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';
import { fileNodes, parseDot, procNodes, readsOf, writesOf, type DotGraph } from '../graph/dot-parse.js';

const W = { flags: O_WRONLY | O_CREAT | O_TRUNC };
const hex = (i: number, d: string) => `${d}${String(i).padStart(2, '0').repeat(31)}`;

test('fold: the rules, path by path', () => {
  const ctx = cacheContext(
    ['/p/target/debug/.fingerprint/app-1/bin-app', `/var/gc/ab/${hex(1, 'ab')}-d`],
    [['HOME=/home/ann'], ['GOCACHE=/cache/go/', 'HOME=/root'], ['GOCACHE=off'], ['XDG_CACHE_HOME=/x']],
  );
  assert.deepEqual([...ctx.goCaches].sort(), ['/cache/go', '/home/ann/.cache/go-build', '/var/gc', '/x/go-build']);
  assert.deepEqual([...ctx.cargoProfiles], ['/p/target/debug']);
  const group = (p: string) => {
    const g = cacheGroupOf(p, ctx);
    return g && `${g.name} ${g.what}`;
  };
  assert.equal(group('/home/ann/.cache/go-build/trim.txt'), '/home/ann/.cache/go-build/ Go build cache');
  assert.equal(group('/var/gc/00'), '/var/gc/ Go build cache', 'found by its entries: GOCACHE set by go env -w');
  assert.equal(group('/p/target/debug/.fingerprint/app-1'), "/p/target/debug/.fingerprint/ Cargo's fingerprints");
  assert.equal(group('/p/target/debug/.fingerprint'), "/p/target/**/ Cargo's directories", 'the directory itself is of the layout');
  assert.equal(group('/p/target/debug/incremental/app-x/s-1/a.o'), "/p/target/debug/incremental/ rustc's incremental cache");
  assert.equal(group('/p/src/incremental/a.c'), undefined, 'an incremental directory outside a Cargo profile is the project');
  assert.equal(group('/p/target/debug/build/app-1/out/gen.rs'), undefined, "a build script's OUT_DIR is the build's own");
  assert.equal(group('/p/target/debug/deps/app-1.app.9k2-cgu.0.rcgu.o'), "/p/target/debug/deps/app-1.*.rcgu.o rustc's codegen units");
  assert.equal(group('/p/target/debug/deps/app-1'), undefined);
  assert.equal(goCacheOf(['GOCACHE=rel/dir']), undefined, 'go refuses a relative GOCACHE');
  assert.equal(goCacheOf([]), undefined);
});

test("fold: go's work directories, Cargo's directories and rustc's scratch directories, path by path", () => {
  const ctx = cacheContext(['/p/target/debug/.fingerprint/app-1/bin-app', '/q/target/x86_64-unknown-linux-gnu/release/.fingerprint/a-1/lib-a'], []);
  assert.deepEqual([...ctx.cargoTargets], [
    ['/p/target', '/p/target'],
    ['/q/target/x86_64-unknown-linux-gnu', '/q/target'],
    ['/q/target', '/q/target'],
  ]);
  const group = (p: string) => {
    const g = cacheGroupOf(p, ctx);
    return g && `${g.name} ${g.what}`;
  };
  assert.equal(group('/tmp/go-build4061131759'), "/tmp/go-build4061131759/ go's work directory");
  assert.equal(group('/tmp/go-build4061131759/b001/exe/a.out'), "/tmp/go-build4061131759/ go's work directory");
  assert.equal(group('/tmp/go-link-453760143/go.o'), "/tmp/go-link-453760143/ the go linker's work directory");
  assert.equal(group('/tmp/go-build/x'), undefined, 'not without its number');
  for (const d of ['/p/target', '/p/targetQWfvUu', '/p/target/debug', '/p/target/debug/deps', '/p/target/debug/incremental', '/p/target/debug/build', '/p/target/debug/examples', '/p/target/debug/build/app-91a0', '/p/target/debug/build/app-91a0/out']) {
    assert.equal(group(d), "/p/target/**/ Cargo's directories", d);
  }
  assert.equal(group('/q/target/x86_64-unknown-linux-gnu/release/deps'), "/q/target/**/ Cargo's directories");
  assert.equal(group('/q/target/x86_64-unknown-linux-gnu'), "/q/target/**/ Cargo's directories");
  assert.equal(group('/p/target/debug/build/app-91a0/out/gen.rs'), undefined, "OUT_DIR's files are the build's own");
  assert.equal(group('/p/target/debug/deps/libutil-b344.rlib'), undefined);
  assert.equal(group('/p/target/debug/app'), undefined);
  assert.equal(group('/p/target-x'), undefined);
  assert.equal(group('/p/targetQWfvU-'), undefined);
  assert.equal(group('/p/target/debug/deps/rmetaT0bM1E'), "/p/target/debug/deps/{.tmp,rmeta,rustc}*/ rustc's scratch directories");
  assert.equal(group('/p/target/debug/deps/rustcvvbmYD/symbols.o'), "/p/target/debug/deps/{.tmp,rmeta,rustc}*/ rustc's scratch directories");
  assert.equal(group('/p/target/debug/deps/.tmpa9xmMA.temp-archive'), "/p/target/debug/deps/{.tmp,rmeta,rustc}*/ rustc's scratch directories");
  assert.equal(group('/p/target/debug/build/app-992f/rustcIY5a4K/raw-dylibs'), "/p/target/debug/build/app-992f/{.tmp,rmeta,rustc}*/ rustc's scratch directories");
  assert.equal(group('/p/src/rustcABCDEF/main.rs'), undefined, 'outside a Cargo profile: the project');
  // a build without Cargo has no Cargo directories
  assert.equal(cacheGroupOf('/p/target/debug', cacheContext([], [])), undefined);
});

test("fold: CMake's try-compile scratch, one group per build directory, path by path", () => {
  const group = (p: string) => {
    const g = cacheGroupOf(p, cacheContext([], []));
    return g && `${g.name} ${g.what}${g.whole ? ' (whole)' : ''}`;
  };
  // CMake 3.24 and later: a TryCompile-XXXXXX directory per check
  const scratch = "/p/build/CMakeFiles/CMakeScratch/TryCompile-*/ CMake's try-compile scratch (whole)";
  assert.equal(group('/p/build/CMakeFiles/CMakeScratch'), scratch);
  assert.equal(group('/p/build/CMakeFiles/CMakeScratch/TryCompile-BlEMts'), scratch);
  assert.equal(group('/p/build/CMakeFiles/CMakeScratch/TryCompile-BlEMts/CMakeFiles/cmTC_9d51a.dir/SIZEOF_LONG.c.o'), scratch);
  assert.equal(group('/p/b2/CMakeFiles/CMakeScratch/TryCompile-x/cmTC_1'), "/p/b2/CMakeFiles/CMakeScratch/TryCompile-*/ CMake's try-compile scratch (whole)");
  // before: CMakeTmp
  assert.equal(group('/p/build/CMakeFiles/CMakeTmp/CMakeFiles/cmTC_1.dir/src.c.o'), "/p/build/CMakeFiles/CMakeTmp/ CMake's try-compile scratch (whole)");
  assert.equal(group('/p/build/CMakeFiles/CMakeTmp'), "/p/build/CMakeFiles/CMakeTmp/ CMake's try-compile scratch (whole)");
  // the rest of CMakeFiles is the build's
  assert.equal(group('/p/build/CMakeFiles/CMakeScratch/other'), undefined);
  assert.equal(group('/p/build/CMakeFiles/CMakeTmpX/a'), undefined);
  assert.equal(group('/p/build/CMakeFiles/3.25.1/CompilerIdC/a.out'), undefined);
  assert.equal(group('/p/build/CMakeFiles/app.dir/main.c.o'), undefined);
});

/** GOCACHE entries the go tool writes: 14, in 2 of its xx directories. */
const ENTRIES = Array.from({ length: 14 }, (_, i) => {
  const d = i < 7 ? '0a' : '0b';
  return `/gc/${d}/${hex(i, d)}-${i % 2 ? 'a' : 'd'}`;
});

/**
 * go build (GOCACHE=/gc) makes two cache directories, reads trim.txt, runs compile (main.go -> /tmp/b001/_pkg_.a), stores
 * 14 entries, writes app. `underMake`: make runs go (a driver under the root, as in a real build), and go holds _pkg_.a
 * open while it stores the entries and writes app.
 */
function goTrace(opts: { underMake?: boolean } = {}): TraceBuilder {
  const t = new TraceBuilder(1, '/p');
  const go = opts.underMake ? 2 : 1;
  if (opts.underMake) {
    t.exec(1, '/usr/bin/make', ['make'], '/p');
    t.fork(1, go);
  }
  t.exec(go, '/usr/bin/go', ['go', 'build', '-o', 'app', '.'], '/p', { env: ['HOME=/root', 'GOCACHE=/gc'] });
  t.pathOp(go, 'mkdir', '/gc/0a');
  t.pathOp(go, 'mkdir', '/gc/0b');
  t.open(go, '/gc/trim.txt', { fd: 3 });
  t.close(go, 3);
  t.fork(go, go + 1);
  t.exec(go + 1, '/usr/lib/go/pkg/tool/linux_amd64/compile', ['compile', '-o', '/tmp/b001/_pkg_.a', 'main.go'], '/p');
  t.open(go + 1, 'main.go', { fd: 3 });
  t.close(go + 1, 3);
  t.open(go + 1, '/tmp/b001/_pkg_.a', { fd: 3, ...W });
  t.close(go + 1, 3);
  t.exit(go + 1, 0);
  t.open(go, '/tmp/b001/_pkg_.a', { fd: 4 });
  if (!opts.underMake) t.close(go, 4);
  for (const e of ENTRIES) {
    t.open(go, e, { fd: 3, ...W });
    t.close(go, 3);
  }
  t.open(go, 'app', { fd: 3, ...W });
  t.close(go, 3);
  if (opts.underMake) {
    t.close(go, 4);
    t.exit(go, 0);
  }
  t.exit(1, 0);
  return t;
}

/** cargo writes 3 fingerprints; rustc (its job) writes 3 codegen units, two incremental objects, its dep-info and, through cc, the binary. */
function cargoTrace(): TraceBuilder {
  const t = new TraceBuilder(1, '/p');
  const fp = ['bin-app', 'bin-app.json', 'dep-bin-app'].map((f) => `target/debug/.fingerprint/app-1/${f}`);
  const cgu = ['a1', 'b2', 'c3'].map((c) => `target/debug/deps/app-1.${c}.s0.rcgu.o`);
  t.exec(1, '/root/.cargo/bin/cargo', ['cargo', 'build'], '/p');
  t.pathOp(1, 'mkdir', 'target/debug/.fingerprint/app-1');
  t.fork(1, 2);
  t.exec(2, '/root/.rustup/toolchains/stable/bin/rustc', ['rustc', '--crate-name', 'app', 'src/main.rs'], '/p');
  t.open(2, 'src/main.rs', { fd: 3 });
  t.close(2, 3);
  for (const f of [...cgu, 'target/debug/incremental/app-x/s-1/a.o', 'target/debug/incremental/app-x/s-1/b.o', 'target/debug/deps/app-1.d']) {
    t.open(2, f, { fd: 3, ...W });
    t.close(2, 3);
  }
  t.fork(2, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-o', 'target/debug/deps/app-1', ...cgu], '/p');
  for (const f of cgu) {
    t.open(3, f, { fd: 3 });
    t.close(3, 3);
  }
  t.open(3, 'target/debug/deps/app-1', { fd: 3, ...W });
  t.close(3, 3);
  t.exit(3, 0);
  for (const f of cgu) t.pathOp(2, 'unlink', f);
  t.exit(2, 0);
  for (const f of fp) {
    t.open(1, f, { fd: 3, ...W });
    t.close(1, 3);
  }
  t.pathOp2(1, 'link', 'target/debug/deps/app-1', 'target/debug/app');
  t.exit(1, 0);
  return t;
}

function graphOf(t: TraceBuilder, opts: GraphOptions = {}): DotGraph {
  const n = normalizeRecords(t.header, t.records);
  return parseDot(toDot(buildGraph(n.records, opts, n.header)));
}

function summaryOf(t: TraceBuilder) {
  const n = normalizeRecords(t.header, t.records);
  return summarize(buildFromRecords(n.header, n.records));
}

const labels = (g: DotGraph) => fileNodes(g).map((id) => g.nodes.get(id)!.label);
const section = (text: string, from: string, to: string) => text.slice(text.indexOf(from), text.indexOf(to));

test('graph: the Go build cache is one node, its 2 directories and 15 files under it; --unfold draws each', () => {
  const g = graphOf(goTrace());
  assert.deepEqual(labels(g), ['/gc/ ×15\nGo build cache', 'main.go', '/tmp/b001/_pkg_.a', 'app']);
  const go = procNodes(g).find((id) => g.nodes.get(id)!.label!.startsWith('go build'))!;
  assert.deepEqual(writesOf(g, go), ['/gc/ ×15\nGo build cache', 'app'], 'one edge for the 14 entries written, one for the directories made');
  assert.deepEqual(readsOf(g, go), ['/gc/ ×15\nGo build cache', '/tmp/b001/_pkg_.a']);
  const cache = fileNodes(g).find((id) => g.nodes.get(id)!.label!.startsWith('/gc/'))!;
  assert.equal(g.nodes.get(cache)!.shape, 'folder');
  assert.match(g.nodes.get(cache)!.tooltip!, /^Go build cache \/gc\/: 15 files and 2 directories \(--unfold draws each\):\n\/gc\/0a\n/);
  assert.equal(fileNodes(graphOf(goTrace(), { unfold: true })).length, 2 + 1 + 14 + 3);
  // --collapse program folds it the same way
  assert.ok(labels(graphOf(goTrace(), { collapse: 'program' })).includes('/gc/ ×15\nGo build cache'));
});

test('graph: Cargo fingerprints, the incremental cache and the codegen units of one rustc are a node each', () => {
  const g = graphOf(cargoTrace());
  // in order of first use: cargo made the fingerprints' directory first
  assert.deepEqual(labels(g), [
    "target/debug/.fingerprint/ ×3\nCargo's fingerprints",
    'src/main.rs',
    "target/debug/deps/app-1.*.rcgu.o ×3\nrustc's codegen units",
    "target/debug/incremental/ ×2\nrustc's incremental cache",
    'target/debug/deps/app-1.d',
    'target/debug/deps/app-1',
    'target/debug/app',
  ]);
  const cc = procNodes(g).find((id) => g.nodes.get(id)!.label!.startsWith('cc '))!;
  assert.deepEqual(readsOf(g, cc), ["target/debug/deps/app-1.*.rcgu.o ×3\nrustc's codegen units"]);
  const cgu = fileNodes(g).find((id) => g.nodes.get(id)!.label!.includes('rcgu'))!;
  assert.equal(g.nodes.get(cgu)!.style, 'filled,dashed', 'all three are gone after the build');
  assert.equal(g.nodes.get(cgu)!.shape, 'note');
});

test('summary: a cache is one line after the other files, with its count; the JSON names every file', () => {
  const s = summaryOf(goTrace());
  assert.deepEqual(s.outputs, ['/p/app', ...ENTRIES], 'the product first');
  assert.deepEqual(s.caches, [{ name: '/gc/', what: 'Go build cache', files: [...ENTRIES, '/gc/trim.txt'], shared: 'go' }], 'by path');
  const text = summaryText(s);
  assert.equal(section(text, 'inputs from elsewhere', 'intermediates'), [
    'inputs from elsewhere (1):',
    '  /gc/trim.txt  (Go build cache)',
    'outputs (15):',
    '  app',
    '  /gc/  (Go build cache: 14 entries)',
    '',
  ].join('\n'));

  const c = summaryText(summaryOf(cargoTrace()));
  assert.equal(section(c, 'outputs', 'probes'), [
    'outputs (7):',
    '  target/debug/app',
    '  target/debug/deps/app-1.d',
    "  target/debug/incremental/  (rustc's incremental cache: 2 files)",
    "  target/debug/.fingerprint/  (Cargo's fingerprints: 3 files)",
    'intermediates (4):',
    '  target/debug/deps/app-1',
    "  target/debug/deps/app-1.*.rcgu.o  (rustc's codegen units: 3 files)",
    '',
  ].join('\n'));
});

test('graph: the title counts the boxes and file nodes drawn, and what they stand for', () => {
  const title = (opts: GraphOptions) => graphOf(goTrace(), opts).graph.label;
  assert.match(title({ unfold: true }), / — 2 processes, 20 files shown$/);
  assert.match(title({}), / — 2 processes, 4 file nodes for 20 files shown$/);
  assert.match(title({ depth: 0 }), / — 1 process box for 2 processes, 4 file nodes for 20 files shown$/);
  const cargo = (depth?: number) => graphOf(cargoTrace(), { depth, unfold: true }).graph.label;
  assert.match(cargo(), / — 3 processes, 13 files shown$/);
  assert.match(cargo(1), / — 2 process boxes for 3 processes, 13 files shown$/);
  assert.match(cargo(0), / — 1 process box for 3 processes, 13 files shown$/);
});

test("rdeps' text: the cache entries made from a file, with nothing but cache below them, are one line; --json keeps each", () => {
  const t = goTrace({ underMake: true });
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const r = rdeps(build, build.file('/p/main.go')!);
  const text = depsText(r, { reverse: true, start: '/p' });
  const tree = text.slice(0, text.indexOf('\n\n'));
  assert.equal(
    tree,
    [
      'main.go',
      '  /tmp/b001/_pkg_.a  <- made by compile -o /tmp/b001/_pkg_.a main.go [proc 3]',
      '    /gc/  (Go build cache: 14 files; --unfold or --json lists them)',
      '    app  <- made by go build -o app . [proc 2]',
    ].join('\n'),
  );
  // the JSON's tree names every entry, marked with its group
  const entries = r.tree.children[0]!.children.filter((c) => c.cache);
  assert.deepEqual(entries.map((c) => c.path).sort(), [...ENTRIES].sort());
  assert.deepEqual(entries[0]!.cache, { name: '/gc/', what: 'Go build cache' });
});

test("deps' --inputs/--outputs: a cache is one line, its directory with a slash, where its first file would be; --unfold lists each", () => {
  const t = goTrace({ underMake: true });
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const r = rdeps(build, build.file('/p/main.go')!);
  assert.equal(depsText(r, { only: 'outputs', reverse: true, start: '/p' }), 'app\n/gc/\n/tmp/b001/_pkg_.a\n');
  assert.equal(depsText(r, { only: 'outputs', reverse: true, start: '/p', unfold: true }), ['app', ...ENTRIES.slice().sort(), '/tmp/b001/_pkg_.a', ''].join('\n'));
  // --unfold draws each entry in the tree too
  const tree = depsText(r, { reverse: true, start: '/p', unfold: true });
  assert.equal(tree.split('\n').filter((l) => l.includes('/gc/')).length, 14);
});

test("fold: npm's cache (its _cacache directory, wherever npm's cache is), path by path", () => {
  const group = (p: string) => {
    const g = cacheGroupOf(p, cacheContext([], []));
    return g && `${g.name} ${g.what}`;
  };
  assert.equal(group('/root/.npm/_cacache/content-v2/sha512/86/91/17a0d9198be3'), "/root/.npm/_cacache/ npm's cache");
  assert.equal(group('/root/.npm/_cacache/index-v5/db/8b/93ec27b2b2fb'), "/root/.npm/_cacache/ npm's cache");
  assert.equal(group('/root/.npm/_cacache'), "/root/.npm/_cacache/ npm's cache");
  assert.equal(group('/srv/npm-cache/_cacache/tmp/a1b2c3'), "/srv/npm-cache/_cacache/ npm's cache");
  // npm's logs and the rest of ~/.npm are not its cache
  assert.equal(group('/root/.npm/_logs/2026-12-02T09_55_46_995Z-debug-0.log'), undefined);
  assert.equal(group('/root/.npm/_cacache_old/x'), undefined);
});

test("summary: npm install's reads and writes of its cache are one line each; the JSON names every file", () => {
  const W = { flags: O_WRONLY | O_CREAT | O_TRUNC };
  const t = new TraceBuilder(1, '/p');
  t.exec(1, '/usr/bin/node', ['npm', 'install'], '/p', { env: ['HOME=/root'] });
  t.open(1, 'package.json', { fd: 3 });
  const read = Array.from({ length: 30 }, (_, i) => `/root/.npm/_cacache/content-v2/sha512/${hex(i, 'c')}`);
  for (const f of read) t.open(1, f, { fd: 4 });
  t.open(1, `/root/.npm/_cacache/index-v5/aa/${hex(1, 'aa')}`, { fd: 5, ...W });
  t.open(1, 'node_modules/long/index.js', { fd: 6, ...W });
  t.exit(1, 0);
  const s = summaryOf(t);
  assert.equal(s.caches.length, 1);
  assert.equal(s.caches[0].name, '/root/.npm/_cacache/');
  assert.equal(s.caches[0].files.length, 31);
  const text = summaryText(s);
  // before: 30 lines of hashed paths (more than 20: per directory, each its own)
  assert.equal(section(text, 'inputs from elsewhere', 'intermediates'), [
    'inputs from elsewhere (30):',
    "  /root/.npm/_cacache/  (npm's cache: 30 files)",
    'outputs (2):',
    '  node_modules/long/index.js',
    `  /root/.npm/_cacache/index-v5/aa/${hex(1, 'aa')}  (npm's cache)`,
    '',
  ].join('\n'));
});

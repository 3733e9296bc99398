/**
 * ccache on a synthetic make -j2: two compiles through ccache at the same
 * time, both updating one stats file under its lock, one reading a cache
 * entry the other wrote, and a recipe that stats (only) a file another
 * job writes. ccache's cache is a shared cache (present/fold.ts): no race
 * on it, no job linked to another through its bookkeeping; a stat is
 * reported as a stat.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortFindings } from '../../src/check/finding.js';
import { Noise } from '../../src/check/noise.js';
import { races } from '../../src/check/races.js';
import { toolchainRoots } from '../../src/check/toolchain.js';
import { criticalPath } from '../../src/answers/summary.js';
import { rdeps } from '../../src/answers/deps.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { bookkeepingOf, cacheContext, cacheGroupOf, cacheGroups, isBookkeeping } from '../../src/present/fold.js';
import { BASE_TS, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const DIR = '/w';
const W = { flags: O_WRONLY | O_CREAT | O_TRUNC };
const ENV = ['PATH=/usr/bin:/bin', 'HOME=/home/ann', 'CCACHE_DIR=/cc', 'CCACHE_LOGFILE=/w/ccache.log'];
const MS = 1_000_000;

/**
 * make (1) runs `ccache gcc -c a.c` (2, gcc in 4) and `ccache gcc -c b.c`
 * (3) at once, and after both the link (6). 2 writes the stats of /cc/5
 * and a.o and stores an entry /cc/5/a/xyzR; 3 reads and rewrites the same
 * stats, reads the entry with `sharesEntry` (a hit of what 2 stored),
 * stats gen.txt (only) that 2 writes and writes b.o. The link reads a.o
 * and b.o.
 */
function ccacheBuild(sharesEntry = false): Build {
  const t = new TraceBuilder(1, DIR);
  t.at(BASE_TS).exec(1, '/usr/bin/make', ['make', '-j2'], DIR, { env: ENV });
  t.fork(1, 2);
  t.exec(2, '/usr/bin/ccache', ['ccache', 'gcc', '-c', '-o', 'a.o', 'a.c'], DIR, { env: ENV });
  t.fork(1, 3);
  t.exec(3, '/usr/bin/ccache', ['ccache', 'gcc', '-c', '-o', 'b.o', 'b.c'], DIR, { env: ENV });
  t.at(BASE_TS + 10 * MS).open(2, `${DIR}/a.c`, { fd: 3 });
  t.close(2, 3);
  t.fork(2, 4);
  t.exec(4, '/usr/bin/gcc', ['gcc', '-c', '-o', 'a.o', 'a.c'], DIR, { env: ENV });
  t.open(4, `${DIR}/a.o`, { ...W, fd: 3 });
  t.close(4, 3);
  t.exit(4, 0);
  t.open(2, `${DIR}/gen.txt`, { ...W, fd: 3 });
  t.close(2, 3);
  t.at(BASE_TS + 20 * MS).open(2, '/cc/5/a/xyzR', { ...W, fd: 3 });
  t.close(2, 3);
  t.open(2, '/cc/5/stats', { ...W, fd: 3 });
  t.close(2, 3);
  t.at(BASE_TS + 30 * MS).open(3, `${DIR}/b.c`, { fd: 3 });
  t.close(3, 3);
  t.open(3, '/cc/5/stats', { fd: 3 });
  t.close(3, 3);
  if (sharesEntry) {
    t.open(3, '/cc/5/a/xyzR', { fd: 3 });
    t.close(3, 3);
  }
  t.push(3, { lookup: { op: 'newfstatat', path: `${DIR}/gen.txt`, dirfd: -100, flags: 0, mode: 0, errno: 0, ftype: 8, mtime: 1_700_000_000, mtime_nsec: 0 } });
  t.open(3, `${DIR}/b.o`, { ...W, fd: 3 });
  t.close(3, 3);
  t.open(3, '/cc/5/stats', { ...W, fd: 3 });
  t.close(3, 3);
  t.at(BASE_TS + 40 * MS).exit(2, 0);
  t.at(BASE_TS + 50 * MS).exit(3, 0);
  t.fork(1, 6);
  t.exec(6, '/usr/bin/gcc', ['gcc', '-o', 'app', 'a.o', 'b.o'], DIR, { env: ENV });
  t.open(6, `${DIR}/a.o`, { fd: 3 });
  t.close(6, 3);
  t.open(6, `${DIR}/b.o`, { fd: 3 });
  t.close(6, 3);
  t.open(6, `${DIR}/app`, { ...W, fd: 3 });
  t.close(6, 3);
  t.at(BASE_TS + 60 * MS).exit(6, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records, { trailer: t.trailer(0) });
}

test('ccache: the cache directory and log by the environment, the entries apart from the bookkeeping; the legacy ~/.ccache and a cache_dir by its layout', () => {
  const ctx = cacheContext([], [], [{ tool: 'ccache', env: ENV }, { tool: 'ccache', env: ['HOME=/root', 'XDG_CACHE_HOME=/xc'] }, { tool: 'sccache', env: ['HOME=/root'] }], [
    '/etc/cc/3/CACHEDIR.TAG',
    '/etc/cc/3/a/3/b/zzM', // ccache looking deeper for an entry: inside /etc/cc
  ]);
  assert.deepEqual([...ctx.compilerCaches].sort(), [
    ['/cc', 'ccache'],
    ['/etc/cc', 'ccache'],
    ['/root/.cache/sccache', 'sccache'],
    ['/root/.ccache', 'ccache'],
    ['/xc/ccache', 'ccache'],
  ]);
  assert.deepEqual([...ctx.compilerLogs], [['/w/ccache.log', 'ccache']]);
  const group = (p: string) => {
    const g = cacheGroupOf(p, ctx);
    return g && `${g.name} ${g.what} ${isBookkeeping(p, g) ? 'bookkeeping' : 'entry'}`;
  };
  assert.equal(group('/cc/5/a/xyz12M'), "/cc/ ccache's cache entry");
  assert.equal(group('/cc/5/a/xyz12R'), "/cc/ ccache's cache entry");
  assert.equal(group('/cc/5/a/stats'), "/cc/ ccache's cache bookkeeping");
  assert.equal(group('/cc/5/stats.lock'), "/cc/ ccache's cache bookkeeping");
  assert.equal(group('/cc/tmp/cpp_stdout.tmp.5JJQZF.i'), "/cc/ ccache's cache bookkeeping");
  assert.equal(group('/w/ccache.log'), "/w/ccache.log ccache's log bookkeeping");
  assert.equal(group('/etc/cc/3/a/3/b/zzM'), "/etc/cc/ ccache's cache entry");
  assert.equal(group('/w/a.o'), undefined);
});

test('ccache: no race on its stats, entries or log; a stat of a file another job wrote is "looked at", not "read"', () => {
  for (const shares of [false, true]) {
    const build = ccacheBuild(shares);
    const got = sortFindings(races(build, new Noise(build)));
    assert.deepEqual(
      got.map((f) => [f.kind, f.file, f.uses.map((u) => u.access.join())]),
      [['read-write', `${DIR}/gen.txt`, ['write', 'stat']]],
    );
    assert.match(got[0]!.detail, /^job 2 wrote gen\.txt at \+0\.01\d+ and job 3, not ordered after it \(they overlapped [^)]*\), looked at it at \+0\.03/);
  }
});

test('ccache: the critical path and rdeps go through its entries, not its stats', () => {
  const build = ccacheBuild();
  const flags = bookkeepingOf(build);
  const groups = cacheGroups(build);
  const kinds = (p: string) => {
    const f = build.file(p)!;
    return `${groups[f.id]?.name} ${flags[f.id]}`;
  };
  assert.deepEqual(['/cc/5/stats', '/cc/5/a/xyzR', '/w/a.o'].map(kinds), ['/cc/ 1', '/cc/ 0', 'undefined 0']);
  // 3 read the stats 2 wrote: no link, the longer compile then the link (proc 5: procs are numbered in start order)
  assert.deepEqual(
    criticalPath(build).map(({ job }) => job.proc),
    [3, 5],
  );
  assert.deepEqual(rdeps(build, build.file(`${DIR}/a.c`)!).outputs, ['/cc/5/a/xyzR', '/w/a.o', '/w/app', '/w/gen.txt']);
  // 3 read the entry 2 stored (a hit of what 2 compiled): b.o is made of it, that link stays
  const hit = ccacheBuild(true);
  assert.deepEqual(
    criticalPath(hit).map(({ job }) => job.proc),
    [2, 3, 5],
  );
  assert.deepEqual(rdeps(hit, hit.file(`${DIR}/a.c`)!).outputs, ['/cc/5/a/xyzR', '/w/a.o', '/w/app', '/w/b.o', '/w/gen.txt']);
});

test('ccache: its homes are toolchain homes (the cache, its configuration, the legacy ~/.ccache it looks for, its log)', () => {
  assert.deepEqual(toolchainRoots(ccacheBuild()), ['/cc', '/etc/ccache.conf', '/home/ann/.ccache', '/home/ann/.config/ccache', '/w/ccache.log']);
});

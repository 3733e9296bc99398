/**
 * A make -j2 build through ccache, REAL traces (eBPF, as root): a clean
 * build (every compile a miss), then after `make clean` the same build
 * (every compile a direct hit), with CCACHE_DIR and CCACHE_LOGFILE in a
 * temporary directory. ccache's cache, its stats, locks, CACHEDIR.TAG,
 * tmp/ and log are a build tool's cache (present/fold.ts), as Go's build
 * cache is: folded in summary, no job linked to another through them (the
 * critical path, rdeps), no race on them, its homes allowed by
 * hermeticity (one finding under --strict), and its LRU touches of the
 * entries it used no changed inputs in diff.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ebpfTest } from '../helpers/ebpf.js';
import { needTools } from '../helpers/tools.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';


const MAKEFILE = [
  'CC = ccache gcc',
  'OBJS = a.o b.o c.o',
  'app: $(OBJS)',
  '\t$(CC) -o $@ $(OBJS)',
  '%.o: %.c common.h',
  '\t$(CC) -O2 -c -o $@ $<',
  'clean:',
  '\trm -f app $(OBJS)',
  '',
].join('\n');

/** A C file with enough to compile that two compiles overlap under -j2. */
const source = (name: string) =>
  `#include "common.h"\n#include <stdio.h>\n#include <string.h>\n#include <stdlib.h>\nint ${name}(int x) { char b[32]; snprintf(b, sizeof b, "%d", x); return (int)strlen(b) + atoi(b); }\n`;

async function json<T>(args: string[], cwd: string): Promise<T> {
  const r = await bt([...args, '--json'], { cwd });
  assert.ok(r.code === 0 || ((args[0] === 'diff' || args[0] === 'check') && r.code === 1), `bt ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface Summary {
  duration_ms: number;
  outputs: string[];
  inputs: { elsewhere: string[] };
  caches: Array<{ name: string; what: string; files: string[] }>;
  ccache: { compiles: number; direct_hits: number; preprocessed_hits: number; misses: number; uncached: number } | null;
  critical_path: Array<{ argv: string[]; ccache?: string }>;
  critical_path_ms: number;
}

ebpfTest(
  'make -j2 CC="ccache gcc", a miss build then a hit build: ccache\'s cache is a cache, not the build\'s files',
  async (t) => {
    if (!needTools(t, 'ccache')) return;
    const base = tmpdir('bt-ccache-');
    const dir = path.join(base, 'proj');
    const cache = path.join(base, 'cache');
    const logfile = path.join(base, 'ccache.log');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'Makefile'), MAKEFILE);
    fs.writeFileSync(path.join(dir, 'common.h'), '#define ONE 1\n');
    fs.writeFileSync(path.join(dir, 'a.c'), `${source('fa')}int main(void) { return fa(ONE) - 2; }\n`);
    for (const n of ['b', 'c']) fs.writeFileSync(path.join(dir, `${n}.c`), source(`f${n}`));
    const env = { CCACHE_DIR: cache, CCACHE_LOGFILE: logfile };
    const build = async () => {
      const r = await trace(['make', '-j2'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      await execa('make', ['clean'], { cwd: dir });
      return r.file;
    };
    const miss = await build();
    const hit = await build();
    const hit2 = await build();

    const inCache = (p: string) => p === logfile || p.startsWith(`${cache}/`);
    for (const [file, outcome] of [
      [miss, 'miss'],
      [hit, 'direct hit'],
    ] as const) {
      const s = await json<Summary>(['summary', file], dir);
      // the build made app; the rest of what it wrote is ccache's, folded
      assert.deepEqual(s.outputs.filter((p) => !inCache(p)), [`${dir}/app`]);
      assert.deepEqual(s.inputs.elsewhere.filter((p) => !inCache(p)), []);
      assert.deepEqual(
        s.caches.map((c) => `${c.name} ${c.what}`),
        [`${cache}/ ccache's cache`, `${logfile} ccache's log`],
      );
      assert.ok(s.caches[0]!.files.some((f) => /\/[0-9a-z]\/[0-9a-z]\/[0-9a-z]+R$/.test(f)), 'the cache entries (results) are listed');
      assert.deepEqual(
        s.ccache,
        outcome === 'miss'
          ? { compiles: 3, direct_hits: 0, preprocessed_hits: 0, misses: 3, uncached: 0 }
          : { compiles: 3, direct_hits: 3, preprocessed_hits: 0, misses: 0, uncached: 0 },
      );
      // one compile, then the link: no chain of compiles through ccache's stats, never longer than the build
      assert.ok(s.critical_path_ms <= s.duration_ms, `critical path ${s.critical_path_ms} ms in a ${s.duration_ms} ms build`);
      assert.equal(s.critical_path.length, 2, JSON.stringify(s.critical_path.map((j) => j.argv.join(' '))));
      assert.equal(s.critical_path[0]!.ccache, outcome);
      assert.deepEqual(s.critical_path[1]!.argv.slice(-4), ['app', 'a.o', 'b.o', 'c.o']);

      // a change of b.c makes b.o and app stale, not a.o or c.o (through ccache's stats files)
      const r = await json<{ outputs: string[]; processes: Array<{ argv: string[] }> }>(['rdeps', 'b.c', file], dir);
      assert.deepEqual(r.outputs.filter((p) => !inCache(p)), [`${dir}/app`, `${dir}/b.o`]);
      // on a miss, the cache entries ccache stored b.o's compile in (its manifest and result): made of b.c too; never its stats or log
      assert.deepEqual(r.outputs.filter(inCache).map((p) => p.slice(-1)), outcome === 'miss' ? ['R', 'M'] : []);
      assert.deepEqual(
        r.processes.map((p) => p.argv.at(-1)),
        ['b.c', 'c.o'],
      );

      const c = await json<{ findings: Array<{ kind: string; file: string }> }>(['check', file], dir);
      assert.deepEqual(c.findings, [], 'no race on the stats, locks, tmp/ or log; its homes allowed');
      const strict = await json<{ findings: Array<{ kind: string; file: string }> }>(['check', file, '--strict'], dir);
      assert.deepEqual(
        strict.findings.filter((f) => f.file.startsWith(cache)).map((f) => `${f.kind} ${f.file}`),
        // the miss build made the cache itself: no outside dependency
        outcome === 'miss' ? [] : [`hermeticity ${cache}`],
        'the cache is one finding under --strict, not one per hash directory',
      );
    }

    // ccache touched the entries it used (its LRU): no input of the build changed
    const d = await json<{ inputs_changed: Array<{ path: string }> }>(['diff', hit, hit2], dir);
    assert.deepEqual(d.inputs_changed, []);
  },
  120_000,
);

ebpfTest(
  'a compile ccache cannot cache (two sources): it execs gcc in its place, uncached in summary; compile-commands has gcc\'s entries',
  async (t) => {
    if (!needTools(t, 'ccache')) return;
    const base = tmpdir('bt-ccache-');
    const dir = path.join(base, 'proj');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'Makefile'), 'app: a.c b.c m.c\n\tccache gcc -c a.c b.c\n\tccache gcc -c m.c\n\tccache gcc -o app a.o b.o m.o\n');
    fs.writeFileSync(path.join(dir, 'a.c'), 'int a(void) { return 1; }\n');
    fs.writeFileSync(path.join(dir, 'b.c'), 'int b(void) { return 2; }\n');
    fs.writeFileSync(path.join(dir, 'm.c'), 'int a(void); int b(void);\nint main(void) { return a() + b() - 3; }\n');
    const r = await trace(['make'], { cwd: dir, env: { CCACHE_DIR: path.join(base, 'cache') } });
    assert.equal(r.code, 0, r.stderr);
    const s = await json<Summary & { jobs: unknown }>(['summary', r.file], dir);
    assert.deepEqual(s.ccache, { compiles: 2, direct_hits: 0, preprocessed_hits: 0, misses: 1, uncached: 1 });
    const text = await bt(['summary', r.file], { cwd: dir });
    assert.match(text.stdout, /^ccache: 2 compiles: 0 direct hits, 0 preprocessed hits, 1 miss, 1 uncached$/m);
    // the job's process ends as gcc (ccache exec'd it): its command is gcc's, with every source
    const cc = await bt(['export', 'compile-commands', r.file, '-o', '-'], { cwd: dir });
    assert.equal(cc.code, 0, cc.stderr);
    const entries = JSON.parse(cc.stdout) as Array<{ file: string; arguments: string[]; output: string }>;
    assert.deepEqual(
      entries.map((e) => [path.relative(dir, e.file), path.basename(e.arguments[0]!), ...e.arguments.slice(1), path.relative(dir, e.output)]),
      [
        ['a.c', 'gcc', '-c', 'a.c', 'a.o'],
        ['b.c', 'gcc', '-c', 'b.c', 'b.o'],
        ['m.c', 'gcc', '-c', 'm.c', 'm.o'],
      ],
    );
  },
  60_000,
);

/**
 * Corrupt and hostile logs: the reproducers of issue 12 (fixtures/corrupt)
 * and a fixed 2,000-case seed of the fuzzer, in-process, plus a few runs
 * of the real CLI.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BT, REPO, tmpdir } from '../helpers/trace.js';
import { fuzz, runReaders } from './fuzz.js';
import { seedLogs } from './seeds.js';

const CORRUPT = path.join(REPO, 'test', 'log', 'fixtures', 'corrupt');
const corrupt = fs.readdirSync(CORRUPT).filter((f) => f.endsWith('.trace')).sort();

describe('corrupt logs from issue 12', () => {
  it('has the reproducers', () => {
    assert.equal(corrupt.length, 22);
  });

  for (const name of corrupt) {
    const file = path.join(CORRUPT, name);
    // the command the file crashed (the svg ones: graph --format svg)
    const args = name.startsWith('crash-normalize')
      ? ['normalize', '-o', 'OUT']
      : name.startsWith('crash-graph')
        ? ['graph']
        : name.startsWith('crash-svg')
          ? ['graph', '--format', 'svg']
          : ['normalize', '-o', 'OUT'];
    it(`${name}: bt ${args.filter((a) => a !== '-o' && a !== 'OUT').join(' ')} exits 1 with one warning naming the byte offset; every reader agrees`, async () => {
      const work = tmpdir('bt-corrupt-');
      const argv = args.map((a) => (a === 'OUT' ? path.join(work, 'out.norm.trace') : a));
      const res = spawnSync(process.execPath, [BT, ...argv, file], { encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.equal(res.status, 1, res.stderr);
      assert.doesNotMatch(res.stderr, /internal error|    at /);
      const warnings = res.stderr.split('\n').filter((l) => /: warning: /.test(l));
      assert.equal(warnings.length, 1, res.stderr);
      if (name.startsWith('silent-record-deleted')) {
        assert.match(warnings[0]!, /the trailer counts 6 records but 5 were read \(exec: 1 in the trailer, 0 read\)/);
      } else {
        assert.match(warnings[0]!, /(damaged|truncated) at byte (188|20[0-9]|210) \(/);
      }
      // in-process: dump, normalize, graph, graph of the normalized output, svg
      const r = await runReaders(file, work, { svg: true });
      assert.equal(r.crash, undefined);
      assert.equal(r.disagreement, undefined);
      const verdict = name.startsWith('silent') ? 'mismatch' : /^torn@\d+$/;
      for (const k of ['dump', 'normalize', 'graph']) {
        if (typeof verdict === 'string') assert.equal(r.outcomes[k], verdict, k);
        else assert.match(r.outcomes[k]!, verdict, k);
      }
      assert.equal(r.outcomes.svg, 'ok');
    });
  }

  it('keeps the records before the damage (a record length past the end, after good records)', async () => {
    const work = tmpdir('bt-corrupt-');
    const [seed] = seedLogs(work);
    // the 6th record gets a length of 8 GiB
    const { frameOffsets } = await import('./fuzz.js');
    const offs = frameOffsets(seed!);
    const at = offs[6]!;
    let q = at;
    while (seed![q]! >= 0x80) q++;
    const bad = Buffer.concat([seed!.subarray(0, at), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x20]), seed!.subarray(q + 1)]);
    const file = path.join(work, 'bad.trace');
    fs.writeFileSync(file, bad);
    const res = spawnSync(process.execPath, [BT, 'dump', '--json', file], { encoding: 'utf8' });
    assert.equal(res.status, 1);
    assert.equal(res.stdout.trim().split('\n').length, 1 + 5, 'the header and the 5 records before the damage');
    assert.equal(res.stderr, `bt: warning: ${file} is truncated at byte ${at} (record of 8589934592 bytes runs past end of file (${bad.length - at - 5} bytes left)); the 5 records before it were read\n`);
    const r = await runReaders(file, work);
    assert.deepEqual(r.outcomes, { dump: `torn@${at}`, normalize: `torn@${at}`, graph: `torn@${at}`, 'graph-normalized': 'ok' });
  });
});

/** A scratch directory in memory when there is one: every normalize fsyncs its output. */
function scratch(): string {
  if (!fs.existsSync('/dev/shm')) return tmpdir('bt-fuzz-');
  const dir = fs.mkdtempSync('/dev/shm/bt-fuzz-');
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('a log over 4 GiB (sparse)', () => {
  it('a record length of 4.5 GiB inside a 5 GiB file is damage, not an allocation: every reader keeps the records before it', async () => {
    const work = tmpdir('bt-big-');
    const [seed] = seedLogs(work);
    const offs = (await import('./fuzz.js')).frameOffsets(seed!);
    const at = offs[4]!;
    const len = 4.5 * 2 ** 30;
    const prefix: number[] = [];
    for (let v = len; ; v = Math.floor(v / 128)) {
      if (v < 128) {
        prefix.push(v);
        break;
      }
      prefix.push((v % 128) | 0x80);
    }
    const file = path.join(work, 'big.trace');
    fs.writeFileSync(file, Buffer.concat([seed!.subarray(0, at), Buffer.from(prefix)]));
    fs.truncateSync(file, 5 * 2 ** 30); // sparse: no disk used
    const r = await runReaders(file, work, { normalized: false });
    assert.equal(r.crash, undefined);
    assert.deepEqual(r.outcomes, { dump: `torn@${at}`, normalize: `torn@${at}`, graph: `torn@${at}` });
    const res = spawnSync(process.execPath, [BT, 'dump', file], { encoding: 'utf8' });
    assert.equal(res.status, 1);
    assert.equal(res.stdout.trim().split('\n').length, 1 + 3);
    assert.match(res.stderr, new RegExp(`damaged at byte ${at} \\(record of ${len} bytes is larger than any bt record \\(64 MiB\\)\\); the 3 records before it were read`));
    fs.rmSync(file);
  });
});

describe('fuzzer (fixed seed)', () => {
  it('2,000 mutated logs: no crash, no hang, every reader agrees', { timeout: 300_000 }, async () => {
    const work = scratch();
    const seeds = seedLogs(work);
    const stats = await fuzz(seeds, { seed: 12, cases: 2000, work, svgEvery: 100, normalizedEvery: 8 });
    assert.equal(stats.cases, 2000);
    assert.deepEqual(stats.crashes.slice(0, 3), []);
    assert.deepEqual(stats.disagreements.slice(0, 3), []);
    // the mutations did reach the readers: damage, trailer mismatches and refused files were all seen
    assert.ok(stats.torn > 200, `torn ${stats.torn}`);
    assert.ok(stats.mismatch > 20, `mismatch ${stats.mismatch}`);
    assert.ok(stats.refused > 50, `refused ${stats.refused}`);
    assert.ok(stats.slowestMs < 10_000, `a case took ${stats.slowestMs} ms`);
  });
});

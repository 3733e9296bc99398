/**
 * The log fuzzer: mutates real bt logs and runs every reader on them
 * in-process (bt dump as text and JSON, bt normalize, bt graph on the raw
 * and on the normalized log, and now and then SVG rendering).
 *
 * A case passes when every reader either ends normally or throws a BtError
 * (a one-line error, exit 1 or 2), and when the readers agree: the same
 * error code for an unreadable header, the same torn offset, the same
 * verdict on the trailer's counts. Anything else (a TypeError, a RangeError:
 * what bt reports as "internal error", exit 70) is a crash.
 *
 * Used by test/fuzz/fuzz.test.ts (a fixed seed, 2,000 cases) and by
 * bench/fuzz.ts (`npm run fuzz`: as many cases as asked, with a watchdog).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { BtError } from '../../src/errors.js';
import { runDump } from '../../src/cli/dump.js';
import { graphFile, renderDot } from '../../src/graph/index.js';
import { MAGIC } from '../../src/log/schema.js';
import { normalizeFile } from '../../src/normalize/normalize.js';
import { varint } from '../helpers/varint.js';

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets of the length prefixes of the header and every record (test-side framing). */
export function frameOffsets(b: Buffer): number[] {
  const out: number[] = [];
  let p = MAGIC.length;
  while (p < b.length) {
    out.push(p);
    let len = 0;
    let mul = 1;
    let i = p;
    for (;;) {
      if (i >= b.length) return out;
      const c = b[i++]!;
      len += (c & 0x7f) * mul;
      mul *= 128;
      if (c < 0x80) break;
    }
    p = i + len;
  }
  return out;
}

/** Files that are not bt logs, as seeds for "other file types". */
function otherFiles(r: () => number): Buffer[] {
  const random = Buffer.alloc(1 + Math.floor(r() * 2000));
  for (let i = 0; i < random.length; i++) random[i] = Math.floor(r() * 256);
  const elf = fs.existsSync('/bin/true') ? fs.readFileSync('/bin/true').subarray(0, 4096) : Buffer.from('\x7fELF');
  return [
    Buffer.alloc(0),
    Buffer.from(MAGIC),
    Buffer.concat([MAGIC, random]),
    Buffer.concat([MAGIC, Buffer.from([0])]),
    Buffer.concat([MAGIC, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])]),
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]),
    elf,
    Buffer.from('#!/bin/sh\necho not a trace\n'),
    random,
  ];
}

export const MUTATIONS = [
  'bitflip',
  'truncate',
  'insert',
  'delete',
  'huge-length',
  'duplicate-record',
  'swap-records',
  'delete-record',
  'garbage',
  'zero-span',
  'tag-byte',
  'other-file',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** One mutation of `seed` chosen by `r`. */
export function mutate(seed: Buffer, r: () => number, kind: Mutation): Buffer {
  const pick = (n: number) => Math.floor(r() * n);
  const frames = frameOffsets(seed);
  const recs = frames.slice(1); // after the header
  const recordEnd = (i: number) => (i + 1 < recs.length ? recs[i + 1]! : seed.length);
  const anyPos = () => (recs.length && r() < 0.8 ? recs[0]! + pick(seed.length - recs[0]!) : pick(seed.length));
  const b = Buffer.from(seed);
  switch (kind) {
    case 'bitflip': {
      const n = 1 + pick(4);
      for (let i = 0; i < n; i++) {
        const p = anyPos();
        b[p] = b[p]! ^ (1 << pick(8));
      }
      return b;
    }
    case 'truncate':
      return b.subarray(0, pick(b.length));
    case 'insert': {
      const p = anyPos();
      const ins = Buffer.alloc(1 + pick(16));
      for (let i = 0; i < ins.length; i++) ins[i] = pick(256);
      return Buffer.concat([b.subarray(0, p), ins, b.subarray(p)]);
    }
    case 'delete': {
      const p = anyPos();
      return Buffer.concat([b.subarray(0, p), b.subarray(p + 1 + pick(16))]);
    }
    case 'huge-length': {
      if (!recs.length) return b;
      const i = pick(recs.length);
      const start = recs[i]!;
      let q = start;
      while (q < b.length && b[q]! >= 0x80) q++;
      const lens = [2 ** 32 + pick(1000), 2 ** 34 - 1, 2 ** 31, 0x7fffffff, 64 * 1024 * 1024 + 1, b.length, 1 + pick(2 ** 28)];
      const huge = Buffer.from(varint(lens[pick(lens.length)]!));
      return Buffer.concat([b.subarray(0, start), huge, b.subarray(q + 1)]);
    }
    case 'duplicate-record': {
      if (!recs.length) return b;
      const i = pick(recs.length);
      const rec = b.subarray(recs[i]!, recordEnd(i));
      const at = recs[pick(recs.length)]!;
      return Buffer.concat([b.subarray(0, at), rec, b.subarray(at)]);
    }
    case 'swap-records': {
      if (recs.length < 2) return b;
      const i = pick(recs.length - 1);
      const j = i + 1 + pick(recs.length - 1 - i);
      const a = b.subarray(recs[i]!, recordEnd(i));
      const c = b.subarray(recs[j]!, recordEnd(j));
      return Buffer.concat([b.subarray(0, recs[i]!), c, b.subarray(recordEnd(i), recs[j]!), a, b.subarray(recordEnd(j))]);
    }
    case 'delete-record': {
      if (!recs.length) return b;
      const i = pick(recs.length);
      return Buffer.concat([b.subarray(0, recs[i]!), b.subarray(recordEnd(i))]);
    }
    case 'garbage': {
      const p = anyPos();
      const n = Math.min(b.length - p, 1 + pick(64));
      for (let i = 0; i < n; i++) b[p + i] = pick(256);
      return b;
    }
    case 'zero-span': {
      const p = anyPos();
      b.fill(0, p, Math.min(b.length, p + 1 + pick(256)));
      return b;
    }
    case 'tag-byte': {
      // a record's first bytes are field tags: replace one with another tag
      if (!recs.length) return b;
      const i = pick(recs.length);
      let q = recs[i]!;
      while (q < b.length && b[q]! >= 0x80) q++;
      q += 1 + pick(Math.max(1, Math.min(8, recordEnd(i) - q - 1)));
      if (q < b.length) b[q] = ((1 + pick(40)) << 3) | [0, 1, 2, 5, 3, 7][pick(6)]!;
      return b;
    }
    case 'other-file': {
      const others = otherFiles(r);
      return others[pick(others.length)]!;
    }
  }
}

/** What the readers did with one file. */
export interface CaseResult {
  /** Not a BtError: bt would print "internal error" and exit 70. */
  crash?: string;
  /** The readers disagree (see agree()). */
  disagreement?: string;
  /** What each reader said: an error code, or 'ok'/'torn@N'/'mismatch'. */
  outcomes: Record<string, string>;
  ms: number;
}

class Sink extends Writable {
  text = 0;
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.length;
    cb();
  }
}

function describe(err: unknown): string {
  const e = err as Error;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}\n${(e?.stack ?? '').split('\n').slice(1, 4).join('\n')}`;
}

/**
 * Runs every reader on `file` (scratch files go to `work`). `svg`: also
 * renders the graph as SVG (slower).
 */
export async function runReaders(
  file: string,
  work: string,
  opts: { svg?: boolean; json?: boolean; normalized?: boolean } = {},
): Promise<CaseResult> {
  const t0 = performance.now();
  const outcomes: Record<string, string> = {};
  let crash: string | undefined;
  const guard = async (name: string, fn: () => Promise<string> | string): Promise<void> => {
    try {
      outcomes[name] = await fn();
    } catch (err) {
      if (err instanceof BtError) outcomes[name] = err.code;
      else {
        outcomes[name] = 'CRASH';
        crash ??= `${name}: ${describe(err)}`;
      }
    }
  };
  const errSink = new Sink();
  let dumpWarnings = '';
  await guard('dump', async () => {
    const err = new Writable({
      write(chunk: Buffer, _e, cb) {
        dumpWarnings += chunk.toString();
        cb();
      },
    });
    const status = await runDump(file, { json: opts.json }, new Sink(), err);
    const torn = /at byte (\d+) /.exec(dumpWarnings);
    return torn ? `torn@${torn[1]}` : status === 1 ? 'mismatch' : 'ok';
  });
  void errSink;
  const norm = path.join(work, 'out.norm.trace');
  fs.rmSync(norm, { force: true });
  await guard('normalize', () => {
    const s = normalizeFile(file, norm, { tmpDir: work });
    return s.torn ? `torn@${s.torn.offset}` : s.trailerMismatch ? 'mismatch' : 'ok';
  });
  let dot = '';
  await guard('graph', () => {
    const g = graphFile(file, { maxNodes: 0 });
    dot = g.dot;
    return g.torn ? `torn@${g.torn.offset}` : g.trailerMismatch ? 'mismatch' : 'ok';
  });
  if ((opts.normalized ?? true) && fs.existsSync(norm)) {
    await guard('graph-normalized', () => {
      const g = graphFile(norm, { maxNodes: 0, collapse: 'program' });
      return g.torn ? `torn@${g.torn.offset}` : 'ok';
    });
  }
  if (opts.svg && dot) {
    await guard('svg', async () => {
      await renderDot(dot, 'svg');
      return 'ok';
    });
  }
  return { crash, disagreement: agree(outcomes), outcomes, ms: performance.now() - t0 };
}

/** dump, normalize and graph must judge the raw file the same way. */
function agree(o: Record<string, string>): string | undefined {
  const a = o.dump;
  for (const k of ['normalize', 'graph']) {
    const b = o[k];
    if (b === undefined || b === 'CRASH' || a === 'CRASH') continue;
    // normalize refuses a log that is already normalized, which dump and graph read
    if (b === 'E_ALREADY_NORMALIZED') continue;
    if (b !== a) return `dump says ${a}, ${k} says ${b}`;
  }
  if (o['graph-normalized'] && o['graph-normalized'] !== 'ok') return `the normalized output is ${o['graph-normalized']}`;
  return undefined;
}

export interface FuzzStats {
  cases: number;
  crashes: Array<{ case: number; mutation: string; file: string; crash: string }>;
  disagreements: Array<{ case: number; mutation: string; file: string; what: string }>;
  byMutation: Record<string, number>;
  /** cases where the readers found damage / a trailer mismatch / an unreadable header */
  torn: number;
  mismatch: number;
  refused: number;
  slowestMs: number;
}

/**
 * Runs `cases` mutations of the seed logs with PRNG seed `seed`. Failing
 * inputs are kept in `keepDir` (when given).
 */
export async function fuzz(
  seeds: Buffer[],
  opts: {
    seed: number;
    cases: number;
    work: string;
    keepDir?: string;
    /** render SVG every N cases */
    svgEvery?: number;
    /** graph the normalized output every N cases (default 1) */
    normalizedEvery?: number;
    /** skip the cases before this one (replaying from a case on) */
    first?: number;
    onCase?: (i: number) => void;
  },
): Promise<FuzzStats> {
  const r = rng(opts.seed);
  const stats: FuzzStats = { cases: 0, crashes: [], disagreements: [], byMutation: {}, torn: 0, mismatch: 0, refused: 0, slowestMs: 0 };
  const file = path.join(opts.work, 'case.trace');
  for (let i = 0; i < opts.cases; i++) {
    const kind = MUTATIONS[Math.floor(r() * MUTATIONS.length)]!;
    const seed = seeds[Math.floor(r() * seeds.length)]!;
    let bytes = mutate(seed, r, kind);
    if (r() < 0.15) bytes = mutate(bytes, r, MUTATIONS[Math.floor(r() * (MUTATIONS.length - 1))]!); // sometimes two
    if ((opts.first ?? 0) > i) continue; // replaying a range: same PRNG sequence
    fs.writeFileSync(file, bytes);
    const res = await runReaders(file, opts.work, {
      svg: opts.svgEvery ? i % opts.svgEvery === 0 : false,
      json: i % 2 === 0,
      normalized: i % (opts.normalizedEvery ?? 1) === 0,
    });
    opts.onCase?.(i);
    stats.cases++;
    stats.byMutation[kind] = (stats.byMutation[kind] ?? 0) + 1;
    stats.slowestMs = Math.max(stats.slowestMs, res.ms);
    const d = res.outcomes.dump ?? '';
    if (d.startsWith('torn')) stats.torn++;
    else if (d === 'mismatch') stats.mismatch++;
    else if (d !== 'ok') stats.refused++;
    if (res.crash || res.disagreement) {
      let kept = '';
      if (opts.keepDir) {
        kept = path.join(opts.keepDir, `case-${opts.seed}-${i}.trace`);
        fs.writeFileSync(kept, bytes);
      }
      if (res.crash) stats.crashes.push({ case: i, mutation: kind, file: kept, crash: res.crash });
      if (res.disagreement) stats.disagreements.push({ case: i, mutation: kind, file: kept, what: res.disagreement });
    }
  }
  return stats;
}

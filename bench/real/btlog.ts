/**
 * The bt side of the benchmark: reads logs with bt's log API and runs
 * `bt normalize`. (The fidelity core, facts.ts, does not depend on src/.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { LogReader } from '../../src/log/reader.js';
import type { Trailer } from '../../src/log/schema.js';
import { BtFacts, type Facts, type Masker } from './facts.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BT = path.join(REPO, 'dist', 'src', 'cli', 'bt.cjs');

/** bt's own resource usage, as bt trace wrote it in its log's trailer; undefined when the trailer has none. */
export function btUsage(trailer: Trailer | undefined): { userSeconds: number; systemSeconds: number; maxRssKiB: number } | undefined {
  if (!trailer?.bt_max_rss_kib) return undefined;
  return { userSeconds: Number(trailer.bt_user_us ?? 0) / 1e6, systemSeconds: Number(trailer.bt_sys_us ?? 0) / 1e6, maxRssKiB: Number(trailer.bt_max_rss_kib) };
}

/** Loss reasons that mean events are missing from the log (as bt trace reports them). */
export const LOSS_REASONS = ['ringbuf', 'pair_map', 'incomplete_exec'];

export interface LogSummary {
  bytes: number;
  records: number;
  trailer?: Trailer;
  complete: boolean;
  torn?: string;
  /** events lost (ring full, pair map full, incomplete exec) */
  lost: number;
  /** per reason, from the trailer */
  lostByReason: Record<string, number>;
}

/** Size, record count and losses of a raw log (reads it through). */
export function summarizeLog(file: string): LogSummary {
  const r = LogReader.open(file);
  let n = 0;
  // a log of ring batches (format 2): what the decoding could not complete is found by its readers, in-band
  const readerFinds: Record<string, number> = {};
  try {
    for (const rec of r.records()) {
      n++;
      if (rec.lost && r.header.format_version === 2 && (rec.lost.reason === 'incomplete_exec' || rec.lost.reason === 'repeat_count')) {
        readerFinds[rec.lost.reason] = (readerFinds[rec.lost.reason] ?? 0) + Number(rec.lost.count ?? 0);
      }
    }
  } finally {
    r.close();
  }
  const lostByReason: Record<string, number> = { ...(r.trailer?.lost ?? {}) };
  for (const [k, v] of Object.entries(readerFinds)) lostByReason[k] = (lostByReason[k] ?? 0) + v;
  const lost = LOSS_REASONS.reduce((a, k) => a + (lostByReason[k] ?? 0), 0);
  return {
    bytes: fs.statSync(file).size,
    records: n,
    trailer: r.trailer,
    complete: r.complete,
    torn: r.torn ? `${r.torn.reason} at byte ${r.torn.offset}` : undefined,
    lost,
    lostByReason,
  };
}

/**
 * Normalizes `raw` into `out` with `bt normalize`; falls back to the library
 * (dist/src/normalize) when this bt has no normalize command yet.
 */
export async function normalize(raw: string, out: string): Promise<void> {
  const r = await execa(process.execPath, [BT, 'normalize', '-q', raw, '-o', out], { reject: false });
  if (r.exitCode === 0 && fs.existsSync(out)) return;
  const lib = path.join(REPO, 'dist', 'src', 'normalize', 'index.js');
  if (!fs.existsSync(lib)) throw new Error(`bt normalize failed (${String(r.stderr).trim()}) and ${lib} is missing`);
  const m = (await import(pathToFileURL(lib).href)) as { normalizeFile: (a: string, b: string) => unknown };
  m.normalizeFile(raw, out);
}

/** Facts of a normalized bt log. */
export function btLogFacts(file: string, mask?: Masker): Facts {
  const r = LogReader.open(file);
  try {
    if (!r.header.normalized) throw new Error(`${file} is not normalized: run bt normalize first`);
    const f = new BtFacts(mask);
    for (const rec of r.records()) f.push(rec);
    if (r.torn) f.b.count('tornLog');
    return f.finish();
  } finally {
    r.close();
  }
}

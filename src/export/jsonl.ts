/**
 * bt export jsonl: the normalized records as JSON Lines, exactly what
 * `bt dump --json` prints for a normalized log (a raw log is normalized on
 * the fly): a header object, one object per record, then the trailer.
 */
import { headerToJson, toJson, trailerToJson } from '../log/dump.js';
import { recordType, type Trailer } from '../log/schema.js';
import { normalized } from '../model/index.js';
import type { NormalizeOptions } from '../normalize/normalize.js';
import type { Sink } from './sink.js';

/** Writes the JSON Lines of `log` to `sink`; returns the number of records. */
export function exportJsonl(log: string, sink: Sink, opts: NormalizeOptions = {}): number {
  const s = normalized(log, opts);
  const h = s.header;
  sink.write(`${JSON.stringify(headerToJson(h))}\n`);
  let n = 0;
  let buf = '';
  const counts: Record<string, number> = {};
  for (const r of s) {
    // a shared environment (log/env.ts) is shown in the execs that refer to it, as bt dump does;
    // it still counts in the trailer, which is the normalized log's
    if (!r.env) buf += `${JSON.stringify(toJson(r, h))}\n`;
    n++;
    const t = recordType(r);
    if (t) counts[t] = (counts[t] ?? 0) + 1;
    if (buf.length >= 1 << 16) {
      sink.write(buf);
      buf = '';
    }
  }
  const t = s.wasNormalized ? s.trailer : normalizedTrailer(s.trailer, n, counts, s.summary?.lostByReason ?? {});
  if (t) buf += `${JSON.stringify(trailerToJson(t))}\n`;
  if (buf) sink.write(buf);
  return n;
}

/** The trailer bt normalize writes for a raw log's trailer: counts of the normalized records, lost events by reason. */
function normalizedTrailer(t: Trailer | undefined, records: number, counts: Record<string, number>, lost: Record<string, number>): Trailer | undefined {
  if (!t) return undefined;
  return {
    end_ts: t.end_ts ?? 0,
    exit_status: t.exit_status ?? 0,
    exit_code: t.exit_code ?? 0,
    exit_signal: t.exit_signal ?? 0,
    records,
    counts,
    lost: { ...lost },
    leftover: [...(t.leftover ?? [])],
  } as Trailer;
}

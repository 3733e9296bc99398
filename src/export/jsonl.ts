/**
 * bt export jsonl: the normalized records as JSON Lines, exactly what
 * `bt dump --json` prints for a normalized log (a raw log is normalized on
 * the fly): a header object, one object per record, then the trailer.
 * With a display filter, only the records it matches (model/records.ts, as
 * bt dump --json --filter prints them; the header and the trailer are the log's).
 */
import type { Filter } from '../filter/index.js';
import type { Damage } from '../log/check.js';
import { headerToJson, toJson, trailerToJson } from '../log/dump.js';
import { recordType } from '../log/schema.js';
import { normalized } from '../model/index.js';
import { recordFilter } from '../model/records.js';
import { normalizedTrailer, type NormalizeOptions } from '../normalize/normalize.js';
import type { Sink } from './sink.js';

/** Writes the JSON Lines of `log` to `sink`; returns how the log was damaged, if it was, and how many records were written. */
export function exportJsonl(log: string, sink: Sink, opts: NormalizeOptions = {}, filter?: Filter): Damage & { written: number } {
  const filtered = filter ? recordFilter(log, filter, opts) : undefined;
  const keep = filtered?.keep;
  const s = filtered ? filtered.stream : normalized(log, opts);
  const h = s.header;
  sink.write(`${JSON.stringify(headerToJson(h))}\n`);
  let n = 0;
  let written = 0;
  let buf = '';
  const counts: Record<string, number> = {};
  for (const r of s) {
    // a shared environment (log/env.ts) is shown in the execs that refer to it, as bt dump does;
    // it still counts in the trailer, which is the normalized log's
    if (!r.env && (!keep || keep(r))) {
      buf += `${JSON.stringify(toJson(r, h))}\n`;
      written++;
    }
    n++;
    const t = recordType(r);
    if (t) counts[t] = (counts[t] ?? 0) + 1;
    if (buf.length >= 1 << 16) {
      sink.write(buf);
      buf = '';
    }
  }
  const t = s.wasNormalized ? s.trailer : normalizedTrailer(s.trailer, s.summary?.lostByReason ?? {}, { records: n, counts });
  if (t) buf += `${JSON.stringify(trailerToJson(t))}\n`;
  if (buf) sink.write(buf);
  return { torn: s.torn, trailerMismatch: s.trailerMismatch, live: s.live, written };
}

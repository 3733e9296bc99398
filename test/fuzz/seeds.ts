/**
 * Seed logs for the fuzzer: synthetic builds written by the real LogWriter
 * (raw, normalized, with and without trailer) and the sample log of the
 * log tests, and a log of ring batches (format 2). bench/fuzz.ts adds real
 * traces when it can make them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { normalizeFile } from '../../src/normalize/normalize.js';
import { HEADER, TRAILER, logBytes, sampleRecords } from '../log/fixtures.js';
import { addPipeline, cBuildTrace, forkerTrace } from '../normalize/synth.js';
import { build, writeRing } from '../log/ring/synth.js';

export function seedLogs(work: string): Buffer[] {
  const out: Buffer[] = [];
  const c = cBuildTrace(['a', 'b', 'c']);
  addPipeline(c);
  const raw = c.write(path.join(work, 'seed-c.trace'));
  out.push(fs.readFileSync(raw));
  normalizeFile(raw, path.join(work, 'seed-c.norm.trace'), { tmpDir: work });
  out.push(fs.readFileSync(path.join(work, 'seed-c.norm.trace')));
  out.push(fs.readFileSync(forkerTrace().write(path.join(work, 'seed-f.trace'), { trailer: false })));
  out.push(logBytes(HEADER, sampleRecords(), TRAILER).bytes);
  // a log of ring batches (format 2, as bt trace writes it): every reader decodes its batches
  writeRing(path.join(work, 'seed-ring.trace'), build());
  out.push(fs.readFileSync(path.join(work, 'seed-ring.trace')));
  return out;
}

/**
 * A log of ring batches written by an earlier bt, whose bt_open had 56
 * bytes (before opens carried the file's mtime and size), reads as it did:
 * through LogReader and through bt normalize's fast path, its paths whole
 * and no mtime made up; a layout this bt does not know is refused in one
 * line.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { LogError } from '../../../src/errors.js';
import { LogReader } from '../../../src/log/reader.js';
import { ringLayoutId, ringVariant, ringVariantIds } from '../../../src/log/ring/layout.js';
import { normalizeFile } from '../../../src/normalize/normalize.js';
import { tmpdir } from '../../helpers/trace.js';
import { open, writeRing } from './synth.js';

const OLD = ringVariantIds().find((id) => ringVariant(id)?.openSize === 56)!;

function opens(file: string): Array<[string, number, number | undefined, number | undefined]> {
  const r = LogReader.open(file);
  const out = [...r.records()].filter((x) => x.open).map((x) => [x.open!.path, x.open!.fd, x.open!.mtime || undefined, x.open!.size || undefined] as [string, number, number | undefined, number | undefined]);
  r.close();
  return out;
}

test('a log of the layout before opens carried mtime and size reads with whole paths and no mtime', () => {
  assert.ok(OLD && OLD !== ringLayoutId());
  assert.equal(OLD, 'f72a4d8cce484324'); // what session 23's bt wrote in its logs' headers
  const dir = tmpdir();
  const old = path.join(dir, 'old.trace');
  writeRing(old, [open(1_000, 7, '/src/main.c', 3, { size: 56 }), open(2_000, 7, '/src/missing.h', -2, { size: 56 })], OLD);
  assert.deepEqual(opens(old), [
    ['/src/main.c', 3, undefined, undefined],
    ['/src/missing.h', -1, undefined, undefined],
  ]);
  const norm = `${old}.norm`;
  normalizeFile(old, norm);
  assert.deepEqual(opens(norm), opens(old));
  // today's layout: the same opens with the file's time and size
  const now = path.join(dir, 'now.trace');
  writeRing(now, [open(1_000, 7, '/src/main.c', 3, { stat: [1_700_000_000, 5, 1234] })]);
  assert.deepEqual(opens(now), [['/src/main.c', 3, 1_700_000_000, 1234]]);
});

test('a layout this bt does not know is refused in one line that says how to read it', () => {
  const file = path.join(tmpdir(), 'other.trace');
  writeRing(file, [open(1_000, 7, '/src/main.c', 3)], '0123456789abcdef');
  assert.throws(
    () => LogReader.open(file),
    (e: unknown) => e instanceof LogError && e.code === 'E_LOG_HEADER' && /layout 0123456789abcdef.*read it with that bt, or have that bt normalize it/.test(e.message) && !e.message.includes('\n'),
  );
});

/**
 * The live progress line (capture/progress.ts): redrawn in place, and never
 * wider than the terminal (a line that wraps cannot be redrawn in place).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProgress, Progress } from '../../src/capture/progress.js';

function terminal(columns: number): { out: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const out = { columns, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  return { out, written };
}

const stats = { elapsedMs: 1500, started: 12, running: 3, fileEvents: 4567, bytes: 8192, lost: 0 };

test('the progress line is cut to the width of the terminal, and fits whole when it can', () => {
  const narrow = terminal(50);
  new Progress(true, narrow.out).update(stats, true);
  assert.equal(narrow.written.length, 1);
  const shown = narrow.written[0]!.replace('\r\x1b[2K', '');
  assert.equal(shown.length, 49);
  assert.ok(shown.endsWith('…'));
  assert.equal(shown.slice(0, 48), formatProgress(stats).slice(0, 48));
  const wide = terminal(200);
  const p = new Progress(true, wide.out);
  p.update(stats, true);
  assert.equal(wide.written[0], `\r\x1b[2K${formatProgress(stats)}`);
  p.clear();
  assert.equal(wide.written[1], '\r\x1b[2K');
});

/**
 * bt export jsonl on a real trace: exactly what bt dump --json prints for
 * the normalized log (the raw log is normalized on the fly).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, prog, tmpdir, trace } from '../helpers/trace.js';

ebpfTest('jsonl: exactly what bt dump --json prints for the normalized log', async () => {
  const t = await trace([prog('forker')]);
  assert.equal(t.code, 0, t.stderr);
  const norm = path.join(tmpdir('bt-jsonl-'), 'forker.norm.trace');
  assert.equal((await bt(['normalize', t.file, '-o', norm])).code, 0);
  const ours = await bt(['export', 'jsonl', t.file]);
  const dump = await bt(['dump', '--json', norm]);
  assert.equal(ours.code, 0, ours.stderr);
  const parse = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));
  const lines = parse(ours.stdout);
  assert.deepEqual(lines, parse(dump.stdout));
  assert.equal(lines[0].type, 'header');
  assert.equal(lines[0].normalized, true);
  assert.equal(lines.at(-1).type, 'trailer');
  assert.equal(lines.filter((o) => o.type === 'process').length, 4);
  assert.equal(lines.filter((o) => o.type === 'fork').length, 3);
  assert.ok(lines.filter((o) => o.type === 'exit').every((o) => typeof o.proc === 'number'));
  // a normalized log gives the same bytes as dump
  assert.equal((await bt(['export', 'jsonl', norm])).stdout, dump.stdout);
});

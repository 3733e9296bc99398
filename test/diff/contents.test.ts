/**
 * bt diff --contents: the outputs of both builds compared by what is on
 * disk now (a user review of a Debian package build, s32: bt diff could not
 * say that the two builds' .debs were the same). Synthetic logs of two
 * builds in two directories, with their outputs written on disk by the test.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { diffBuilds, differs } from '../../src/diff/index.js';
import { diffText } from '../../src/diff/report.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { bt, tmpdir } from '../helpers/trace.js';
import { cBuildTrace, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;

/** A build in `dir` whose cp wrote same.txt, app.bin and gone.txt (and each file's content on disk, when given). */
function build(dir: string, files: Record<string, string | undefined>): Build {
  const t = new TraceBuilder(1, dir);
  t.exec(1, '/usr/bin/make', ['make'], dir);
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cp', ['cp', 'src', '.'], dir);
  let fd = 3;
  for (const [name, content] of Object.entries(files)) {
    t.open(2, `${dir}/${name}`, { fd: fd++, flags: W });
    if (content !== undefined) fs.writeFileSync(path.join(dir, name), content);
  }
  t.exit(2);
  t.exit(1);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('diff --contents: an output whose bytes differ now is listed with both sizes; the same ones and the gone ones are counted', () => {
  const root = tmpdir('bt-contents-');
  const [da, db] = [path.join(root, 'a'), path.join(root, 'b')];
  fs.mkdirSync(da);
  fs.mkdirSync(db);
  const a = build(da, { 'same.txt': 'same\n', 'app.bin': 'x'.repeat(100), 'gone.txt': 'a' });
  const b = build(db, { 'same.txt': 'same\n', 'app.bin': 'y'.repeat(120), 'gone.txt': undefined });
  const r = diffBuilds(a, b, { contents: true });
  assert.deepEqual(r.outputs_content, { differ: [{ path: 'app.bin', a_size: 100, b_size: 120, tools: ['cp'] }], same: 1, missing: 1, one_file: 0 });
  assert.ok(differs(r));
  const text = diffText(r);
  assert.match(text, /\noutputs that differ in content now \(A -> B\) \(1\)\n {2}app\.bin {2}\(100 -> 120 bytes; cp\)\n/);
  assert.match(text, /\noutputs of both builds by content now: 1 the same, 1 differs, 1 gone from disk or unreadable\n/);
  // same size, other bytes: still different
  fs.writeFileSync(path.join(db, 'app.bin'), 'z'.repeat(100));
  assert.deepEqual(diffBuilds(a, b, { contents: true }).outputs_content!.differ, [{ path: 'app.bin', a_size: 100, b_size: 100, tools: ['cp'] }]);
  // one tree built twice: one file, nothing to compare; without --contents, nothing read
  assert.deepEqual(diffBuilds(a, a, { contents: true }).outputs_content, { differ: [], same: 0, missing: 0, one_file: 3 });
  assert.equal(diffBuilds(a, b).outputs_content, null);
});

test('bt diff --contents of logs recorded on another host: one line, exit 2', async () => {
  const dir = tmpdir('bt-contents-cli-');
  const log = cBuildTrace(['a']).write(path.join(dir, 'b.trace'));
  const r = await bt(['diff', '--contents', log, log]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^bt: --contents reads the outputs on this machine, and \S+b\.trace was recorded on host testhost, not on \S+: compare there$/);
});

/**
 * bt diff on synthetic builds: a source whose first stat is a statx that did
 * not ask for the mtime (the JVM's STATX_TYPE|STATX_MODE: the kernel leaves
 * the time out, the record carries 0.0, "not recorded") takes its time from
 * the next stat or open that has one, so an edit between two builds is an
 * input that changed, and `bt dump` does not print 0.0 as a time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiffReport } from '../../src/diff/index.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { bt, tmpdir } from '../helpers/trace.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const STATX_TYPE_MODE = 0x3;
const STATX_BASIC_STATS = 0x7ff;

/** javac: statx of the source without the mtime, then with it (`mtime`), reads it, writes the class. */
function javac(mtime: number): TraceBuilder {
  const t = new TraceBuilder(1, '/w', { command: ['javac', '-d', 'out', 'S.java'] });
  t.exec(1, '/usr/bin/javac', ['javac', '-d', 'out', 'S.java'], '/w');
  t.push(1, { lookup: { op: 'statx', path: 'S.java', dirfd: -100, flags: 0, mode: STATX_TYPE_MODE, errno: 0, ftype: 8, mtime: 0, mtime_nsec: 0 } });
  t.push(1, { lookup: { op: 'statx', path: '/w/S.java', dirfd: -100, flags: 0, mode: STATX_BASIC_STATS, errno: 0, ftype: 8, mtime, mtime_nsec: 5 } });
  t.open(1, 'S.java', { fd: 3 });
  t.close(1, 3);
  t.open(1, 'out/S.class', { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.close(1, 3);
  t.exit(1, 0);
  return t;
}

test('a statx without the mtime is no time: the next stat gives the file its mtime, and diff sees the edit', async () => {
  const a = javac(1_796_207_728), b = javac(1_796_207_871);
  const n = normalizeRecords(a.header, a.records);
  assert.equal(buildFromRecords(n.header, n.records).file('/w/S.java')?.mtime, '1796207728.000000005');

  const dir = tmpdir('bt-statx-');
  const fa = a.write(`${dir}/a.trace`), fb = b.write(`${dir}/b.trace`);
  const j = await bt(['diff', '--json', fa, fb]);
  assert.equal(j.code, 1, j.stderr);
  const r = JSON.parse(j.stdout) as DiffReport;
  assert.deepEqual(r.inputs_changed, [
    { path: 'S.java', by: 'mtime', a: '1796207728.000000005', b: '1796207871.000000005', tools: ['javac'] },
  ]);

  const d = await bt(['dump', fa]);
  assert.equal(d.code, 0, d.stderr);
  const stats = d.stdout.split('\n').filter((l) => l.includes(' stat '));
  assert.deepEqual(stats.map((l) => l.replace(/^\S+ \S+ /, '')), [
    'stat "S.java" (statx) = 0 file proc=1 abspath=/w/S.java',
    'stat "/w/S.java" (statx) = 0 file mtime=1796207728.000000005 proc=1 abspath=/w/S.java',
  ]);
});

/**
 * mknod, mknodat and fchmodat2 (test-programs/nodes.c): each record exactly,
 * and what the build model makes of them (a FIFO or device made is an output).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { toJson } from '../../src/log/dump.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, prog, tmpdir, trace } from '../helpers/trace.js';

const S_IFIFO = 0o010000;
const S_IFREG = 0o100000;

ebpfTest('mknod, mknodat and fchmodat2 are recorded exactly; the nodes made are outputs', async () => {
  const dir = tmpdir();
  const t = await trace([prog('nodes'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const shown = t.log.records
    .map((r) => toJson(r, t.log.header) as Record<string, unknown>)
    .filter((o) => o.type === 'mknod' || o.op === 'fchmodat2')
    .map((o) => [o.type, o.op, o.path, o.dirfd === -100 ? 'cwd' : 'DIR', o.errno, o.mode]);
  assert.deepEqual(shown, [
    ['mknod', 'mknodat', 'fifo1', 'DIR', 0, S_IFIFO | 0o644],
    ['mknod', 'mknodat', 'regnode', 'DIR', 0, S_IFREG | 0o600],
    ['mknod', 'mknodat', 'fifo1', 'DIR', 17, S_IFIFO | 0o644],
    ['mknod', 'mknodat', 'no/such', 'DIR', 2, S_IFIFO | 0o644],
    ['chmod', 'fchmodat2', 'regnode', 'DIR', 0, 0o640],
    ['chmod', 'fchmodat2', 'gone', 'DIR', 2, 0o640],
    ['mknod', 'mknod', 'node2', 'cwd', 0, S_IFREG | 0o644],
  ]);
  const s = await bt(['summary', '--json', t.file]);
  assert.equal(s.code, 0, s.stderr);
  const summary = JSON.parse(s.stdout) as { outputs: Array<{ path: string } | string> };
  const outputs = summary.outputs.map((o) => (typeof o === 'string' ? o : o.path)).sort();
  assert.deepEqual(outputs, ['fifo1', 'node2', 'regnode'].map((f) => path.join(dir, f)));
});

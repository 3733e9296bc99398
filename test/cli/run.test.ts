/**
 * The entry point's exit statuses (src/cli/run.ts): a reader of the output
 * that goes away (`bt … | head`, EPIPE) ends every command quietly with
 * status 0, whether it writes stdout itself or a pipe given with -o; an
 * input a command cannot use is bad input, status 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BT, bt, oneLineError, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

describe('a closed stdout (EPIPE)', () => {
  const dir = tmpdir('bt-epipe-');
  // outputs of several pipe buffers: the reader is gone long before bt has written them
  const log = cBuildTrace(Array.from({ length: 400 }, (_, i) => `s${i}`)).write(path.join(dir, 'big.trace'));

  const cases: string[][] = [
    ['dump', log],
    ['normalize', log, '-o', '-'],
    ['normalize', '-q', log, '-o', '-'],
    ['normalize', log, '-o', '/dev/stdout'],
    ['graph', '--max-nodes', '0', log],
    ['graph', '--max-nodes', '0', log, '-o', '/dev/stdout'],
    ['export', 'jsonl', log, '-o', '-'],
    ['export', 'jsonl', log, '-o', '/dev/stdout'],
    ['view', '--html', '/dev/stdout', log],
  ];
  for (const args of cases) {
    it(`bt ${args.join(' ').replace(log, 'big.trace')} | head -c 8: quiet, status 0`, () => {
      const r = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$@" | head -c 8 >/dev/null', process.execPath, BT, ...args], { encoding: 'utf8' });
      assert.equal(r.stderr.replace(/^bt view: .*\n/gm, ''), '');
      assert.equal(r.status, 0);
    });
  }
});

describe('bad input: one line, status 2', () => {
  it('bt normalize on a log that is already normalized', async () => {
    const dir = tmpdir('bt-normalized-');
    const raw = cBuildTrace(['a']).write(path.join(dir, 'b.trace'));
    const norm = path.join(dir, 'b.norm.trace');
    assert.equal((await bt(['normalize', '-q', raw, '-o', norm])).code, 0);
    const r = await bt(['normalize', norm, '-o', path.join(dir, 'again.trace')]);
    oneLineError(r, new RegExp(`^bt: ${norm.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is already normalized \\(from .*b\\.trace\\): use it as it is$`));
  });
});

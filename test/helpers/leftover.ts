/**
 * A real build that leaves a process running: `make -s` of a Makefile
 * whose recipe ends in `(…; exec sleep 5) &`, traced with `--grace 1`, so
 * bt trace reports `sleep 5` as left running. `withLeftover` checks that,
 * runs the test's body, and kills what was left running, pass or fail.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadBuild, type Build } from '../../src/model/index.js';
import { tmpdir, trace, type Traced } from './trace.js';

export interface Leftover {
  dir: string;
  t: Traced;
  b: Build;
  /** The processes left running (BuildModel.outlived): exactly `sleep 5`. */
  left: Build['model']['outlived'];
}

export async function withLeftover(prefix: string, makefile: string, body: (l: Leftover) => Promise<void> | void): Promise<void> {
  const dir = tmpdir(prefix);
  fs.writeFileSync(path.join(dir, 'Makefile'), makefile);
  const t = await trace(['make', '-s'], { cwd: dir, args: ['--grace', '1'] });
  const b = loadBuild(t.file);
  const left = b.model.outlived;
  try {
    assert.equal(t.code, 0, t.stderr);
    assert.deepEqual(
      left.map((o) => o.command),
      ['sleep 5'],
    );
    await body({ dir, t, b, left });
  } finally {
    for (const o of left) {
      try {
        process.kill(o.pid);
      } catch {
        /* gone already */
      }
    }
  }
}

/**
 * bt graph on a real traced build of 453 processes (a shell runs /bin/true
 * 450 times, each with its own argument, and writes 30 files): the
 * --max-nodes refusal is counted before the view is built (graph/view.ts
 * buildView), and its message is the same as when the whole view was built
 * first; a default graph past TALL_BOXES process boxes is drawn with a
 * one-line note naming what makes it smaller (quiet with -q); one under it
 * has none.
 */
import assert from 'node:assert/strict';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import { parseDot, procNodes } from './dot-parse.js';

/** A build of 3 + n processes and 30 files (sh, two seqs, n × true). */
async function loop(n: number): Promise<string> {
  const t = await trace(['sh', '-c', `for i in $(seq ${n}); do /bin/true $i; done; for i in $(seq 30); do echo $i > f$i; done`], { cwd: tmpdir('bt-size-') });
  assert.equal(t.code, 0, t.stderr);
  return t.file;
}

const TRY = `--exe NAME, --filter 'path ~ "GLOB"' (the processes that used such files; --include GLOB hides files, not processes), or raise --max-nodes`;

ebpfTest('graph: a default graph of 453 process boxes is drawn with a note; -q, --collapse and one of 303 boxes have none; the --max-nodes refusal says what it said', async () => {
  const big = await loop(450);
  const r = await bt(['graph', big]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(procNodes(parseDot(r.stdout)).length, 453, 'still drawn, one box per process');
  assert.equal(
    r.stderr,
    'bt graph: note: the graph has 453 process boxes, a picture many screens tall: try --collapse program (4 nodes), --focus FILE (how one file was made), --exe NAME, or --depth N',
  );
  for (const args of [['-q'], ['--collapse', 'identical'], ['--depth', '5'], ['--exe', 'true']]) {
    const q = await bt(['graph', big, ...args]);
    assert.deepEqual([q.code, q.stderr], [0, ''], `${args.join(' ')}: no note`);
  }
  const small = await bt(['graph', await loop(300)]);
  assert.deepEqual([small.code, small.stderr, procNodes(parseDot(small.stdout)).length], [0, '', 303]);

  // refused: the same words as before the count came first (the 30 files alone are over 20: no --depth fits)
  const over100 = await bt(['graph', big, '--max-nodes', '100']);
  assert.deepEqual([over100.code, over100.stdout], [2, '']);
  assert.equal(
    over100.stderr,
    `bt: the graph would have 483 nodes (453 processes, 30 files), over --max-nodes 100: try --collapse program (4 nodes), --depth 0 (31 nodes), ${TRY}`,
  );
  const over20 = await bt(['graph', big, '--max-nodes', '20']);
  assert.equal(over20.code, 2);
  assert.equal(over20.stderr, `bt: the graph would have 483 nodes (453 processes, 30 files), over --max-nodes 20: try --collapse program (4 nodes), ${TRY}`);
});

/**
 * The umask each program starts with (bt_exec.umask, from the task's
 * fs->umask as the exec ends): what reprotest varies, and what the modes
 * of the build's files follow. A shell's `umask` reaches the programs it
 * runs after it; a failed exec carries none.
 */
import assert from 'node:assert/strict';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, ofType, trace } from '../helpers/trace.js';

ebpfTest('each exec carries the umask its program started with: 0022 inherited, 0027 then 0000 set by shells; a failed exec none', async () => {
  const old = process.umask(0o022); // bt trace, and so the build, inherit the test's umask
  let t: Awaited<ReturnType<typeof trace>>;
  try {
    t = await trace(['/bin/sh', '-c', 'umask 027; exec /bin/sh -c "umask 0; /bin/true; /nonexistent/prog"']);
  } finally {
    process.umask(old);
  }
  const execs = ofType(t.log.records, 'exec').map((r) => r.exec);
  assert.deepEqual(
    execs.map((e) => [e.path, e.errno, e.umask ?? null]),
    [
      ['/bin/sh', 0, 0o022],
      ['/bin/sh', 0, 0o027],
      ['/bin/true', 0, 0],
      ['/nonexistent/prog', 2, null],
    ],
  );
  // bt dump shows it as umask(1) does, in the text and in the JSON
  const text = (await bt(['dump', t.file])).stdout;
  assert.match(text, / exec \/bin\/true \[\/bin\/true\] cwd=\S+ umask=0000\n/);
  const json = (await bt(['dump', '--json', t.file])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; umask?: string });
  assert.deepEqual(json.filter((r) => r.type === 'exec').map((r) => r.umask ?? null), ['0022', '0027', '0000', null]);
});

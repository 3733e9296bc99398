/**
 * The trace's cgroup (src/capture/cgroup.ts): its removal when a task is
 * still exiting in it. Needs root and cgroup v2, like the capture.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TraceCgroup } from '../../src/capture/cgroup.js';
import { ebpfTest } from '../helpers/ebpf.js';

// A task that has begun to exit can no longer be moved out of its cgroup, and
// keeps it busy until the kernel has freed its memory. bt's exit kills a
// launcher it did not use and removes the cgroup at once: the same race
// (CI once found the cgroup of such a run left behind).
ebpfTest('removing the cgroup waits for a task that is still exiting in it', async () => {
  const cg = TraceCgroup.create();
  try {
    // a process whose exit takes a while: 512 MiB of memory to free
    const child = spawn('sh', ['-c', `echo $$ > ${cg.procsFile} && exec "${process.execPath}" -e "const b = Buffer.alloc(2 ** 29, 1); console.log('ready'); setInterval(() => {}, 1000)"`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    assert.deepEqual(fs.readFileSync(cg.procsFile, 'utf8').trim(), String(child.pid));
    child.kill('SIGKILL');
    await sleep(3); // it is exiting now, freeing its memory
    cg.remove();
    assert.equal(fs.existsSync(cg.dir), false, 'the cgroup is gone');
  } finally {
    if (fs.existsSync(cg.dir)) {
      await sleep(1000);
      fs.rmdirSync(cg.dir);
    }
  }
});

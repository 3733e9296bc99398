/** Temporary directories for tests, removed when the test process exits. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Under `sudo npm test`, bt would write its outputs as the invoking user,
// who cannot enter the tests' root-owned temporary directories: tests that
// want a sudo user set SUDO_UID/SUDO_GID themselves.
for (const k of ['SUDO_UID', 'SUDO_GID', 'SUDO_USER', 'SUDO_COMMAND']) delete process.env[k];

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory (its real path), removed at process exit. */
export function tmpdir(prefix = 'bt-test-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/**
 * A directory like /tmp (sticky, world-writable) inside a root-owned 755
 * one (`base`), for the tests of bt's root-safe outputs: whatever a test
 * puts in `base` (a victim file, a log) other users cannot touch.
 */
export function sharedTmp(prefix = 'bt-out-'): { base: string; dir: string } {
  const base = tmpdir(prefix);
  fs.chmodSync(base, 0o755);
  const dir = path.join(base, 'tmp');
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o1777);
  return { base, dir };
}

/**
 * Tools a test traces (ninja, cmake, meson, ccache, GNU parallel…), which
 * scripts/setup.sh installs: a test that needs one fails under CI when it
 * is missing (setup.sh must install it), and elsewhere skips, saying which.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';

const BIN_DIRS = ['/usr/bin', '/usr/local/bin'];

/** True when every one of `tools` is installed; else fails under CI, or skips the test saying what is missing and returns false. */
export function needTools(t: TestContext, ...tools: string[]): boolean {
  const missing = tools.filter((c) => !BIN_DIRS.some((d) => fs.existsSync(path.join(d, c))));
  if (!missing.length) return true;
  const what = missing.join(' and ');
  if (process.env.CI) throw new Error(`${what} ${missing.length === 1 ? 'is' : 'are'} required in CI (scripts/setup.sh installs ${missing.length === 1 ? 'it' : 'them'})`);
  t.skip(`${what} ${missing.length === 1 ? 'is' : 'are'} not installed`);
  return false;
}

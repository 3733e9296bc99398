/**
 * Tools a test traces (ninja, cmake, meson, ccache, GNU parallel…), which
 * scripts/setup.sh installs: a test that needs one fails under CI when it
 * is missing (setup.sh must install it), and elsewhere skips, saying which.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** rustup's cargo (~/.cargo/bin), which this machine kind comes with: the cargo tests need it, Debian 12's cargo (1.65, setup.sh's) fails them. */
export const CARGO = path.join(os.homedir(), '.cargo', 'bin', 'cargo');

/** The program `name` runs as, found as spawn and sh find it (itself when it has a slash, else the first on PATH); undefined when it is not installed. */
export function toolPath(name: string): string | undefined {
  const dirs = name.includes('/') ? [''] : (process.env.PATH ?? '').split(':').filter(Boolean);
  return dirs.map((d) => path.resolve(d, name)).find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/** True when every one of `tools` is installed (toolPath); else fails under CI, or skips the test saying what is missing and returns false. */
export function needTools(t: TestContext, ...tools: string[]): boolean {
  return need(t, tools.filter((c) => !toolPath(c)));
}

/** As needTools, for files a test loads that are no program (a library it preloads). */
export function needFiles(t: TestContext, ...files: string[]): boolean {
  return need(t, files.filter((f) => !fs.existsSync(f)));
}

/** As needTools, for the modules `python` must import (pip, setuptools). */
export function needPythonModules(t: TestContext, python: string, ...modules: string[]): boolean {
  return need(t, modules.filter((m) => spawnSync(python, ['-c', `import ${m}`]).status !== 0).map((m) => `${python}'s ${m}`));
}

function need(t: TestContext, missing: string[]): boolean {
  if (!missing.length) return true;
  const what = missing.join(' and ');
  if (process.env.CI) throw new Error(`${what} ${missing.length === 1 ? 'is' : 'are'} required in CI (scripts/setup.sh installs ${missing.length === 1 ? 'it' : 'them'})`);
  t.skip(`${what} ${missing.length === 1 ? 'is' : 'are'} not installed`);
  return false;
}

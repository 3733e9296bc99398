/**
 * Real traces (eBPF, as root) of the test projects in test-programs/, each
 * built on a fresh copy.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, tmpdir, trace } from './trace.js';

export interface TracedProject {
  /** The project copy (the build's start directory). */
  dir: string;
  /** The log. */
  file: string;
}

/**
 * Copies test-programs/NAME to a fresh directory, removes the files of
 * `clean` (build products a local build may have left in the source
 * tree), and traces `make -jN ARGS` there (or `command`: `sh -c
 * './configure && make -j2'`).
 */
export async function traceProject(name: string, opts: { args?: string[]; jobs?: number; clean?: string[]; command?: string[] } = {}): Promise<TracedProject> {
  const jobs = opts.jobs ?? 2;
  const dir = path.join(tmpdir(`bt-${name}-`), name);
  fs.cpSync(path.join(REPO, 'test-programs', name), dir, { recursive: true });
  for (const f of opts.clean ?? []) fs.rmSync(path.join(dir, f), { force: true });
  const command = opts.command ?? ['make', `-j${jobs}`, ...(opts.args ?? [])];
  const t = await trace(command, { cwd: dir });
  assert.equal(t.code, 0, `${command.join(' ')} in ${name} failed: ${t.stderr}`);
  return { dir, file: t.file };
}

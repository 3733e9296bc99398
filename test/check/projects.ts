/**
 * Real traces of the bt check test projects (test-programs/defects and its
 * clean twin), built with make -j2 on a fresh copy, as root.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, tmpdir, trace } from '../helpers/trace.js';

export interface TracedProject {
  /** The project copy (the build's start directory). */
  dir: string;
  /** The log. */
  file: string;
  /** defects: the directory outside the tree version.txt is read from. */
  ext?: string;
}

/** Copies test-programs/NAME to a fresh directory and traces `make -jN ARGS` there. */
export async function traceProject(name: 'defects' | 'clean' | 'races', args: string[] = [], jobs = 2): Promise<TracedProject> {
  const dir = path.join(tmpdir(`bt-${name}-`), name);
  fs.cpSync(path.join(REPO, 'test-programs', name), dir, { recursive: true });
  const t = await trace(['make', `-j${jobs}`, ...args], { cwd: dir });
  assert.equal(t.code, 0, `make -j${jobs} in ${name} failed: ${t.stderr}`);
  return { dir, file: t.file };
}

/** The defects project, with its outside file in a directory made under /tmp before the build. */
export async function traceDefects(): Promise<TracedProject> {
  const ext = tmpdir('bt-ext-');
  fs.writeFileSync(path.join(ext, 'version.txt'), '1.0\n');
  const p = await traceProject('defects', [`EXT=${ext}`]);
  return { ...p, ext };
}

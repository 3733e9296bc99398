/**
 * Real traces of the bt check test projects (test-programs/defects and its
 * clean twin), built with make -j2 on a fresh copy, as root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { traceProject, type TracedProject as Traced } from '../helpers/projects.js';
import assert from 'node:assert/strict';
import { tmpdir, trace } from '../helpers/trace.js';

export { traceProject };

export interface TracedProject extends Traced {
  /** defects: the directory outside the tree version.txt is read from. */
  ext?: string;
}

/** The defects project, with its outside file in a directory made under /tmp before the build. */
export async function traceDefects(): Promise<TracedProject> {
  const ext = tmpdir('bt-ext-');
  fs.writeFileSync(path.join(ext, 'version.txt'), '1.0\n');
  const p = await traceProject('defects', { args: [`EXT=${ext}`] });
  return { ...p, ext };
}

/** A make project of `makefile` (and `files`: name -> content, in subdirectories too) in a new directory, traced with `make -jJOBS` (2), or make with the arguments `jobs`. */
export async function traceMake(prefix: string, makefile: string, files: Record<string, string> = {}, jobs: number | readonly string[] = 2): Promise<{ dir: string; file: string }> {
  const dir = path.join(tmpdir(prefix), 'p');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'Makefile'), makefile);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const t = await trace(['make', ...(typeof jobs === 'number' ? [`-j${jobs}`] : jobs)], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  return { dir, file: t.file };
}

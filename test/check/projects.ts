/**
 * Real traces of the bt check test projects (test-programs/defects and its
 * clean twin), built with make -j2 on a fresh copy, as root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { traceProject, type TracedProject as Traced } from '../helpers/projects.js';
import { tmpdir } from '../helpers/trace.js';

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

/** Ninja's view of the build (bt check --ninja DIR). */
import { CheckError } from '../errors.js';
import type { Build } from '../model/index.js';
import type { Graph } from './declared.js';

export function ninjaGraph(dir: string, _build: Build): Graph {
  throw new CheckError('E_BAD_INPUT', `--ninja ${dir}: not implemented yet`);
}

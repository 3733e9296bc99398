/** The display filter in the static page (no server): none yet. */
import type { BuildModel } from '../src/model/model.js';
import type { FilterCompiler } from '../src/view/query.js';

export function browserFilter(_model: BuildModel): FilterCompiler | undefined {
  return undefined;
}

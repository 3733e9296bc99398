/** The display filter in the static page (no server): the same code as the server's. */
import type { BuildModel } from '../src/model/types.js';
import { modelFilter } from '../src/view/filter.js';
import type { FilterCompiler } from '../src/view/query.js';

export function browserFilter(model: BuildModel): FilterCompiler {
  return modelFilter(model);
}

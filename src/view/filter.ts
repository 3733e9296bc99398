/**
 * The display-filter compiler of the viewer: src/filter's language applied
 * to the model through subjects.ts. Pure code (server and static page).
 */
import { parseFilter, type FilterTarget } from '../filter/index.js';
import type { BuildModel } from '../model/types.js';
import { FilterSyntaxError, type FilterCompiler } from './query.js';
import { matchModel, ModelSubjects } from './subjects.js';

/** The viewer tests its filter on processes and files (subjects.ts). */
export const VIEW_FILTER: FilterTarget = { subjects: 'processes and files', command: 'bt view' };

export function modelFilter(model: BuildModel): FilterCompiler {
  const subjects = new ModelSubjects(model);
  return (src) => {
    let f;
    try {
      f = parseFilter(src, VIEW_FILTER);
    } catch (err) {
      const e = err as { code?: string; column?: number; detail?: string; message?: string };
      if (e?.code === 'E_FILTER') throw new FilterSyntaxError(e.detail ?? e.message ?? 'invalid filter', e.column ?? 1);
      throw err;
    }
    return matchModel(f, subjects);
  };
}

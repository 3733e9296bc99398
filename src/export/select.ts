/**
 * What bt export --filter keeps of a build: the selection bt summary
 * --filter makes (answers/summary.ts filterSelection: the processes a
 * display filter matches or that made an access it matches, and the files
 * it matches or those processes touched), and, for the timelines, bt graph
 * --filter's processes: those with their ancestors, so that the tree stays
 * connected. jsonl alone tests each record, as bt dump --filter (jsonl.ts).
 */
import { filterSelection } from '../answers/summary.js';
import type { Filter } from '../filter/index.js';
import type { Build } from '../model/index.js';
import { ModelEnv } from '../model/subject.js';
import { withAncestors } from '../model/subtree.js';

export interface Selection {
  /** The processes selected. */
  procs: ReadonlySet<number>;
  /** Those and their ancestors. */
  tree: ReadonlySet<number>;
  /** Whether the file of this id is selected. */
  files: (id: number) => boolean;
  /** Nothing is selected: no process, so no file either (a file is selected through a process). */
  empty: boolean;
}

/** What `filter` selects of `build`. */
export function selection(build: Build, filter: Filter): Selection {
  const env = new ModelEnv(build);
  const { procs, files } = filterSelection(build, env, filter.bind(env));
  return { procs, tree: withAncestors(build, procs), files, empty: procs.size === 0 };
}

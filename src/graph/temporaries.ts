/**
 * Temporaries in the graph (model.ts isTemporaryFile: files the build made
 * and removed again in /tmp or /var/tmp, such as gcc's /tmp/ccXXXXXX.s,
 * written by cc1, read by as, removed by the driver; and, anywhere, a
 * process's own temporaries, made and removed or renamed into place by one
 * process and read by no other, such as ar's stXXXXXX and sed -i's
 * sedXXXXXX). They are hidden by default, but their data flow stays drawn:
 * an edge from the process node that wrote one to the node that read it,
 * labelled with the file's name (dot.ts flowLabel); an own temporary has
 * no reader, and the write of its final name is the process's own edge.
 * --temporaries, --all-files and --include GLOB (which chooses the files
 * to show) draw them as files again.
 */
import type { FileNode } from './model.js';
import type { GraphOptions, VProc } from './view.js';

/** What passed from one process node to another through hidden temporaries. */
export interface Flow {
  from: VProc;
  to: VProc;
  /** The temporaries, in order of first use. */
  files: FileNode[];
}

/** Whether `opts` hide the temporaries (and draw their flows instead). */
export function hidesTemporaries(opts: GraphOptions): boolean {
  return !(opts.temporaries || opts.allFiles || opts.include?.length);
}

/**
 * The flows of hidden temporaries `files` between the process nodes
 * (`nodeOf`: the node a proc is drawn in, after --depth and --collapse),
 * one per pair of nodes, in order of first use; none inside a node, none
 * to or from a process not drawn.
 */
export function temporaryFlows(files: readonly FileNode[], nodeOf: ReadonlyMap<number, VProc>): Flow[] {
  const flows = new Map<string, Flow>();
  for (const f of files) {
    for (const pass of f.passes) {
      const from = nodeOf.get(pass.from);
      const to = nodeOf.get(pass.to);
      if (!from || !to || from === to) continue;
      const key = `${from.id}>${to.id}`;
      const flow = flows.get(key);
      if (!flow) flows.set(key, { from, to, files: [f] });
      else if (!flow.files.includes(f)) flow.files.push(f);
    }
  }
  return [...flows.values()];
}

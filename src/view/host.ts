/**
 * What the server adds to the shared queries: the display filter, the file
 * groups of `bt summary`, and the answers that need Node: the summary and
 * provenance graphs (`bt deps` / `bt rdeps` scopes drawn like `bt graph
 * --focus`, laid out by the wasm Graphviz, sent as SVG with a map from
 * graph nodes to processes and files). A file's provenance stays in the
 * phase of the build that made it, as bt graph --focus does; `phases=all`
 * follows what other phases made too (the page's "All phases" button, as
 * --all-phases does).
 */
import { deps, depsScope, rdeps } from '../answers/deps.js';
import { fileGroups, linkInputOf, noiseOf, pathNoiseOf } from '../answers/groups.js';
import { summarize, testResults } from '../answers/summary.js';
import { dotToSvg, graphBuild, programName, toDot } from '../graph/index.js';
import { DEFAULT_MAX_NODES } from '../graph/view.js';
import { GraphError } from '../errors.js';
import type { Focus } from '../graph/model.js';
import type { Build } from '../model/index.js';
import { withAncestors } from '../model/subtree.js';
import type { ApiAnswer, ExtraApi } from './api.js';
import { modelFilter } from './filter.js';
import { ViewQuery, type FileGroups } from './query.js';
import type { TestRoots } from './pack.js';

/** bt summary's groups, by the files table's group names. */
export function groupsOf(build: Build): FileGroups {
  const g = fileGroups(build);
  return {
    inputs_tree: g.inputs.tree,
    inputs_system: g.inputs.system,
    inputs_elsewhere: g.inputs.elsewhere,
    outputs: g.outputs,
    intermediates: g.intermediates,
    temporaries: g.temporaries,
    tests: g.tests,
    probes: g.probes,
  };
}

/** The files bt summary leaves out of its groups as runtime noise (the loader, shared libraries, /proc, …). */
export function noiseIds(build: Build): number[] {
  const ids: number[] = [];
  noiseOf(build).forEach((v, id) => v && ids.push(id));
  return ids;
}

/** The build's tests by job root, and the failed ones as bt summary counts them (a harness's by its result, its report none). */
export function testsOf(build: Build): TestRoots {
  return { roots: build.jobs.tests.map((j) => j.proc), failed: testResults(build, build.jobs.tests).failed_tests.map((t) => t.proc) };
}

/** The queries over a loaded build. */
export function viewQuery(build: Build): ViewQuery {
  return new ViewQuery(build.model, modelFilter(build.model), groupsOf(build), noiseIds(build), testsOf(build));
}

/** What a graph draws; `stops`: the files whose making a file's provenance did not follow (depsScope), drawn marked. */
type Scope = { procs: Set<number>; files: Set<number>; stops?: Focus['stops'] };

/** How the graph's tooltips name what follows another phase's making (the page's toggle, web/graph.ts). */
const ALL_PHASES = '"All phases" above the graph';

/** A process, its job's processes, their ancestors, and the files they read and wrote. */
function procScope(build: Build, proc: number): Scope {
  const job = build.jobs.of(proc);
  const procs = withAncestors(build, job ? job.procs : [proc]);
  const files = new Set<number>();
  const noise = pathNoiseOf(build);
  for (const id of job ? job.procs : [proc]) {
    for (const a of build.process(id)?.files.values() ?? []) {
      // runtime noise by its path, unless this process read it as a link input (-lfoo's libfoo.so)
      if (!noise[a.file] || linkInputOf(build, a.file, [id])) files.add(a.file);
    }
  }
  return { procs, files };
}

/** The jobs that read `file` and everything they made, transitively, with ancestors. */
function rdepsScope(build: Build, fileId: number): Scope {
  const f = build.model.files[fileId];
  const r = rdeps(build, f);
  const procs = withAncestors(build, r.processes.flatMap((u) => build.jobs.get(u.proc)?.procs ?? [u.proc]));
  const files = new Set<number>([fileId]);
  for (const path of [...r.inputs, ...r.outputs]) {
    const g = build.file(path);
    if (g) files.add(g.id);
  }
  return { procs, files };
}

/** A provenance graph as the page gets it. */
interface GraphAnswer {
  svg: string;
  /** Graph node -> "p12" / "f34". */
  nodes: Record<string, string>;
  count: number;
  title: string;
  note?: string;
  /** The files drawn whose making another phase of the build did (not followed), and the programs that phase started with. */
  earlier?: { files: number; by: string[] };
}

/**
 * The provenance graph as SVG and the node -> "p12"/"f34" map. Repeated
 * processes are collapsed; when that leaves too many nodes to draw (a kernel
 * object file's provenance reaches every Kconfig file), processes are
 * collapsed by program, and `note` says so.
 */
async function graphOf(build: Build, scope: Scope, title: string, allPhases = false): Promise<GraphAnswer> {
  let view;
  let note: string | undefined;
  try {
    view = graphBuild(build, { systemFiles: false, collapse: 'identical', foldForks: true, maxNodes: DEFAULT_MAX_NODES }, scope);
  } catch (err) {
    if (!(err instanceof GraphError) || err.code !== 'E_TOO_BIG') throw err;
    try {
      view = graphBuild(build, { systemFiles: false, collapse: 'program', foldForks: true, maxNodes: DEFAULT_MAX_NODES }, scope);
    } catch (err2) {
      if (!(err2 instanceof GraphError) || err2.code !== 'E_TOO_BIG') throw err2;
      const cmd = `bt graph --focus FILE${allPhases ? ' --all-phases' : ''} --include GLOB`;
      throw new GraphError('E_TOO_BIG', `too big to draw: ${err2.message.replace(/: try .*$/, '')}; the inputs are listed below, and ${cmd} draws parts of it`);
    }
    note = `${/would have (\d+) nodes/.exec(err.message)?.[1] ?? 'too many'} nodes with one box per command: processes are collapsed by program`;
  }
  const nodes: Record<string, string> = {};
  for (const p of view.procs) nodes[p.id] = `p${p.rep.proc}`;
  for (const f of view.files) {
    const bf = build.file(f.file.path);
    if (bf) nodes[f.id] = `f${bf.id}`;
  }
  const earlier = view.files.filter((f) => f.file.madeBy?.why === 'phase');
  const by = [...new Set(earlier.map((f) => programName(f.file.madeBy!.proc)))].sort();
  const svg = await dotToSvg(toDot(view, { allPhases: ALL_PHASES }));
  return { svg, nodes, count: view.nodeCount, title, ...(note ? { note } : {}), ...(earlier.length ? { earlier: { files: earlier.length, by } } : {}) };
}

/** Server-only API calls. */
export function serverExtras(build: Build, _q: ViewQuery): ExtraApi {
  let summary: unknown;
  return {
    summary: () => ({ status: 200, body: (summary ??= summarize(build)) }),
    deps: (p): ApiAnswer => {
      const f = build.model.files[Number(p.file)];
      if (!f) return { status: 404, body: { error: `no file ${p.file}` } };
      const r = p.dir === 'rdeps' ? rdeps(build, f) : deps(build, f, { samePhase: p.phases !== 'all' });
      const { tree: _tree, ...rest } = r;
      return { status: 200, body: rest };
    },
    graph: async (p): Promise<ApiAnswer> => {
      if (p.proc !== undefined) {
        const id = Number(p.proc);
        if (!build.process(id)) return { status: 404, body: { error: `no process ${p.proc}` } };
        return { status: 200, body: await graphOf(build, procScope(build, id), `process ${id}`) };
      }
      const id = Number(p.file);
      const f = build.model.files[id];
      if (!f) return { status: 404, body: { error: `no file ${p.file}` } };
      const allPhases = p.phases === 'all';
      const scope = p.dir === 'rdeps' ? rdepsScope(build, id) : depsScope(build, f, { allPhases });
      scope.files.add(id);
      return { status: 200, body: await graphOf(build, scope, f.path, allPhases) };
    },
  };
}

/** What the static page carries besides the model: file groups, noise and the summary. */
export function staticExtras(build: Build): { groups?: Record<string, readonly number[]>; noise?: readonly number[]; summary?: unknown; tests?: TestRoots } {
  return { groups: groupsOf(build), noise: noiseIds(build), summary: summarize(build), tests: testsOf(build) };
}

/**
 * bt graph: public API.
 *
 *   buildGraph(records, options, header)  normalized records -> GraphView
 *   toDot(view)                           -> DOT text (deterministic)
 *   renderDot(dot, 'svg' | 'png')         -> bytes, without system Graphviz
 *   graphFile(path, options)              a log file (raw or normalized) -> view and DOT
 *   focusGraph(build, file, options)      the provenance of one file (--focus)
 */
import type { TornInfo } from '../log/frames.js';
import type { LogHeader, LogRecord } from '../log/schema.js';
import type { NormalizeOptions, NormalizeSummary } from '../normalize/normalize.js';
import { toDot } from './dot.js';
import { buildFromRecords, loadBuild, type Build, type BuildFile } from '../model/index.js';
import { depsScopes, type Scope, type ScopeOptions } from '../answers/deps.js';
import { graphModel, type BuildModel, type IngestOptions } from './model.js';
import { buildView, computeView, pathFilter, type GraphOptions, type GraphView } from './view.js';

export { dotString, fileLabel, graphTitle, shellJoin, shortCommand, toDot, type DotOptions } from './dot.js';
export { compileGlob, DEFAULT_HIDDEN, SYSTEM_PATHS } from './glob.js';
export { buildModel, failed, graphModel, programName, Use, type BuildModel, type FileNode, type ProcNode } from './model.js';
export { dotToSvg, graphvizVersion, renderDot, svgToPng, type GraphFormat, type RenderOptions } from './render.js';
export {
  buildView,
  computeView,
  DEFAULT_MAX_NODES,
  fileIds,
  pathFilter,
  systemFilter,
  type CollapseMode,
  type FilesMode,
  type GraphOptions,
  type GraphView,
  type VFile,
  type VProc,
} from './view.js';

const MINIMAL_HEADER: LogHeader = {
  bt_version: '',
  kernel_release: '',
  hostname: '',
  clock: 'CLOCK_BOOTTIME',
  boot_to_wall_ns: 0,
  command: [],
  cwd: '',
  uid: 0,
  gid: 0,
  start_ts: 0,
};

function ingest(options: GraphOptions, header: LogHeader): IngestOptions {
  return {
    keepPath: pathFilter(options, header.cwd ?? ''),
    probes: !!options.probes,
    dirOpens: options.dirOpens ?? !!options.allFiles,
  };
}

/**
 * The graph of normalized records (e.g. normalizeRecords(...).records, or
 * a normalized log's records). Throws GraphError E_TOO_BIG over maxNodes.
 */
export function buildGraph(
  records: Iterable<LogRecord>,
  options: GraphOptions = {},
  header: LogHeader = MINIMAL_HEADER,
  state: { incomplete?: boolean } = {},
): GraphView {
  const build = buildFromRecords(header, records, { incomplete: state.incomplete });
  return buildView(graphModel(build, ingest(options, header)), options);
}

/** The graph of a build (the model of src/model/), e.g. with --focus. */
export function graphBuild(build: Build, options: GraphOptions = {}, focus?: IngestOptions['focus']): GraphView {
  return buildView(graphModel(build, { ...ingest(options, build.header), focus }), options);
}

/**
 * Process boxes a focus graph draws at most with repeated processes
 * collapsed (the default): past them (a libtool library's provenance, every
 * compile a libtool script with its seds) the picture is many screens
 * tall, and unless --collapse was given it collapses by program instead.
 */
export const FOCUS_MAX_BOXES = 60;

/**
 * The graph of `file`'s provenance (bt graph --focus; answers/deps.ts
 * depsScope): `scope.depth` is its depth in jobs, 1 or more (options.depth,
 * the process tree's, is not used), and so is the --depth that --max-nodes
 * suggests. Forks fold into the process they are a fork of unless
 * --collapse none (GraphOptions.foldForks); without --collapse
 * (options.collapse undefined), a graph of more than FOCUS_MAX_BOXES
 * process boxes collapses by program (GraphView.collapsedFrom).
 */
export function focusGraph(build: Build, file: BuildFile, options: GraphOptions, scope: ScopeOptions = {}): { view: GraphView; focus: Scope } {
  const at = depsScopes(build, file, scope);
  const focus = at(scope.depth);
  let opts: GraphOptions = { ...options, depth: undefined, foldForks: options.foldForks ?? options.collapse !== 'none' };
  const model = (s: Scope) => graphModel(build, { ...ingest(opts, build.header), focus: s });
  const m = model(focus);
  const boxes = options.collapse === undefined ? computeView(m, opts, true).procs.length : 0;
  if (boxes > FOCUS_MAX_BOXES) opts = { ...opts, collapse: 'program' };
  const view = buildView(m, opts, { current: scope.depth, min: 1, count: (d) => computeView(model(at(d)), opts, true).nodeCount });
  if (boxes > FOCUS_MAX_BOXES) view.collapsedFrom = boxes;
  return { view, focus };
}

export interface GraphFileResult {
  view: GraphView;
  dot: string;
  model: BuildModel;
  /** Set when the log was raw and normalized on the fly. */
  summary?: NormalizeSummary;
  build: Build;
  /** Where the log is damaged (the graph shows the records before it). */
  torn?: TornInfo;
  /** How the trailer's counts disagree with the records read. */
  trailerMismatch?: string;
}

/**
 * The graph of a log file: a normalized log is read as it is, a raw one is
 * normalized on the fly (memory bounded by the reorder window).
 */
export function graphFile(path: string, options: GraphOptions = {}, normalize: NormalizeOptions = {}): GraphFileResult {
  const build = loadBuild(path, { normalize });
  const model = graphModel(build, ingest(options, build.header));
  const view = buildView(model, options);
  return { view, dot: toDot(view), model, summary: build.summary, build, torn: build.damage.torn, trailerMismatch: build.damage.trailerMismatch };
}

/**
 * bt graph: public API.
 *
 *   buildGraph(records, options, header)  normalized records -> GraphView
 *   toDot(view)                           -> DOT text (deterministic)
 *   renderDot(dot, 'svg' | 'png')         -> bytes, without system Graphviz
 *   graphFile(path, options)              a log file (raw or normalized) -> view and DOT
 */
import { GraphError } from '../errors.js';
import type { TornInfo } from '../log/frames.js';
import type { LogHeader, LogRecord } from '../log/schema.js';
import { forEachNormalized, type NormalizeOptions, type NormalizeSummary } from '../normalize/normalize.js';
import { toDot } from './dot.js';
import { GraphBuilder, type BuildModel } from './model.js';
import { buildView, pathFilter, type GraphOptions, type GraphView } from './view.js';

export { dotString, fileLabel, graphTitle, shellJoin, shortCommand, toDot } from './dot.js';
export { compileGlob, DEFAULT_HIDDEN, SYSTEM_PATHS } from './glob.js';
export { buildModel, failed, GraphBuilder, programName, Use, type BuildModel, type FileNode, type ProcNode } from './model.js';
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

function newBuilder(header: LogHeader, options: GraphOptions): GraphBuilder {
  return new GraphBuilder(header, {
    keepPath: pathFilter(options, header.cwd ?? ''),
    probes: !!options.probes,
    dirOpens: options.dirOpens ?? !!options.allFiles,
  });
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
  const b = newBuilder(header, options);
  for (const r of records) b.add(r);
  return buildView(b.finish(state), options);
}

export interface GraphFileResult {
  view: GraphView;
  dot: string;
  model: BuildModel;
  /** Set when the log was raw and normalized on the fly. */
  summary?: NormalizeSummary;
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
  let builder: GraphBuilder | undefined;
  const res = forEachNormalized(
    path,
    (header) => {
      builder = newBuilder(header, options);
      const b = builder;
      return { write: (r) => b.add(r) };
    },
    normalize,
  );
  if (!builder) throw new GraphError('E_INTERNAL', `no records were read from ${path}`);
  const model = (builder as GraphBuilder).finish({ incomplete: !res.complete });
  const view = buildView(model, options);
  return { view, dot: toDot(view), model, summary: res.summary, torn: res.torn, trailerMismatch: res.trailerMismatch };
}

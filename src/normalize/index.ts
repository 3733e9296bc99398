/** bt normalize: public API. */
export { Access, accessString, classifyOpen, isRead, isWrite } from './access.js';
export { baseName, dirName, normalizeAbs, relativeInside, resolvePath } from './paths.js';
export { compareRecords, externalSort, LateRecordError, reorderWindow, type OrderStats, type Ordered, type RunCodec } from './order.js';
export { PassThroughWriter, RawEntry, RawLogSource } from './raw.js';
export { Normalizer, type PipeInfo } from './state.js';
export {
  copyHeader,
  defaultOutputPath,
  formatSummary,
  normalizedHeader,
  normalizeFile,
  normalizeRecords,
  normalizeStream,
  rawSource,
  readerSource,
  type NormalizeOptions,
  type NormalizeResult,
  type NormalizeSummary,
  type RecordSink,
  type RecordSource,
} from './normalize.js';

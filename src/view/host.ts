/**
 * What the server adds to the shared queries: the display-filter compiler,
 * the file groups and the answers that need Node (summary, provenance
 * graphs drawn with the wasm Graphviz).
 */
import type { Build } from '../model/index.js';
import type { ExtraApi } from './api.js';
import { ViewQuery } from './query.js';

/** The queries over a loaded build. */
export function viewQuery(build: Build): ViewQuery {
  return new ViewQuery(build.model, undefined, {});
}

/** Server-only API calls. */
export function serverExtras(_build: Build, _q: ViewQuery): ExtraApi {
  return {};
}

/** What the static page carries besides the model: file groups and the summary. */
export function staticExtras(_build: Build): { groups?: Record<string, readonly number[]>; summary?: unknown } {
  return {};
}

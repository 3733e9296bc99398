/**
 * The viewer's JSON API, by name: one dispatcher that the HTTP server and
 * the static page (in the browser) share. Parameters come as strings (a
 * URL's query); the answer is a status and a JSON-able body.
 *
 * Pure code (no Node APIs).
 */
import { FilterSyntaxError, type ViewQuery } from './query.js';

export interface ApiAnswer {
  status: number;
  body: unknown;
}

type Params = Record<string, string | undefined>;

const num = (v: string | undefined): number | undefined => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? undefined : Number(v));
const int = (v: string | undefined, what: string): number => {
  const n = num(v);
  if (n === undefined || !Number.isInteger(n)) throw new BadRequest(`${what}: give a whole number`);
  return n;
};

class BadRequest extends Error {}

/** Extra answers a host provides (the server: summary, provenance graphs). */
export type ExtraApi = Record<string, (p: Params) => Promise<ApiAnswer> | ApiAnswer>;

/** Answers API call `name` with `params` from `q`. */
export async function answer(q: ViewQuery, name: string, params: Params, extra: ExtraApi = {}): Promise<ApiAnswer> {
  const f = params.f ?? '';
  try {
    switch (name) {
      case 'meta':
        return ok({ ...q.meta(), features: Object.keys(extra) });
      case 'check': {
        const e = q.check(f);
        return ok(e ?? { ok: true, matched: q.state(f).matchedProcs, matchedFiles: q.state(f).matchedFiles });
      }
      case 'timeline':
        return ok(q.timeline({ f, t0: num(params.t0), t1: num(params.t1), px: num(params.px) }));
      case 'children':
        return ok(q.children({ f, parent: num(params.parent) ?? 0, offset: num(params.offset), limit: num(params.limit) }));
      case 'ancestors':
        return ok(q.ancestors({ f, id: int(params.id, 'id') }));
      case 'search':
        return ok(q.search({ f, q: params.q ?? '' }));
      case 'files':
        return ok(
          q.files({ f, group: params.group, sort: params.sort, desc: params.desc === '1', offset: num(params.offset), limit: num(params.limit) }),
        );
      case 'fileindex':
        return ok(q.fileIndex({ f, group: params.group, sort: params.sort, desc: params.desc === '1', id: int(params.id, 'id') }));
      case 'proc': {
        const r = q.proc({ id: int(params.id, 'id'), limit: num(params.limit) });
        return r ? ok(r) : { status: 404, body: { error: `no process ${params.id}` } };
      }
      case 'file': {
        const r = q.file({ id: int(params.id, 'id'), limit: num(params.limit) });
        return r ? ok(r) : { status: 404, body: { error: `no file ${params.id}` } };
      }
      default: {
        const x = extra[name];
        if (x) return await x(params);
        return { status: 404, body: { error: `no such API call: ${name}` } };
      }
    }
  } catch (err) {
    if (err instanceof FilterSyntaxError) return { status: 400, body: { error: err.message, column: err.column >= 0 ? err.column : undefined, filter: true } };
    if (err instanceof BadRequest) return { status: 400, body: { error: err.message } };
    const e = err as { code?: string; message?: string };
    if (e && typeof e.code === 'string' && e.code.startsWith('E_')) return { status: 400, body: { error: e.message } };
    throw err;
  }
}

function ok(body: unknown): ApiAnswer {
  return { status: 200, body };
}

/**
 * Where the page gets its answers: the bt view server (fetch, relative to
 * the page's URL, which carries the token), or, in a static --html page,
 * the same query code running here over the embedded data.
 */
import { answer, type ExtraApi } from '../src/view/api.js';
import { unpack, type Packed } from '../src/view/pack.js';
import { ViewQuery } from '../src/view/query.js';
import { browserFilter } from './filter.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface Backend {
  readonly kind: 'server' | 'static';
  get<T = any>(name: string, params?: Record<string, string | number | boolean | undefined>): Promise<T>;
  /** Text answers (SVG). */
  text(name: string, params?: Record<string, string | number | boolean | undefined>): Promise<string>;
}

function qs(params: Record<string, string | number | boolean | undefined> = {}): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

class ServerBackend implements Backend {
  readonly kind = 'server' as const;
  async raw(name: string, params?: Record<string, string | number | boolean | undefined>): Promise<Response> {
    const r = await fetch(`api/${name}${qs(params)}`);
    if (!r.ok) {
      let body: Record<string, unknown> = {};
      try {
        body = await r.json();
      } catch {
        /* not JSON */
      }
      throw new ApiError(String(body.error ?? `${r.status} ${r.statusText}`), r.status, body);
    }
    return r;
  }
  async get<T>(name: string, params?: Record<string, string | number | boolean | undefined>): Promise<T> {
    return (await this.raw(name, params)).json() as Promise<T>;
  }
  async text(name: string, params?: Record<string, string | number | boolean | undefined>): Promise<string> {
    return (await this.raw(name, params)).text();
  }
}

class StaticBackend implements Backend {
  readonly kind = 'static' as const;
  constructor(
    private readonly q: ViewQuery,
    private readonly summary: unknown,
  ) {}
  async get<T>(name: string, params: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
    const p: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) p[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    const unavailable = () => ({ status: 404, body: { error: 'provenance graphs are drawn by the bt view server: run bt view on the log' } });
    const extra: ExtraApi = { graph: unavailable, deps: unavailable };
    if (this.summary) extra.summary = () => ({ status: 200, body: this.summary });
    const a = await answer(this.q, name, p, extra);
    if (a.status !== 200) {
      const body = (a.body ?? {}) as Record<string, unknown>;
      throw new ApiError(String(body.error ?? a.status), a.status, body);
    }
    return a.body as T;
  }
  async text(): Promise<string> {
    throw new ApiError('provenance graphs are drawn by the bt view server: run bt view on the log', 404, {});
  }
}

async function inflate(b64: string): Promise<string> {
  const bin = atob(b64.trim());
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
}

/** The backend of this page. */
export async function openBackend(): Promise<Backend> {
  const data = document.getElementById('bt-data');
  if (!data) return new ServerBackend();
  const packed = JSON.parse(await inflate(data.textContent ?? '')) as Packed;
  data.remove();
  const model = unpack(packed);
  return new StaticBackend(new ViewQuery(model, browserFilter(model), packed.groups, packed.noise, packed.tests), packed.summary);
}

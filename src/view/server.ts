/**
 * bt view's HTTP server: node:http bound to loopback (by default) on a free
 * port. Every request must carry the per-run token as its first path
 * segment (`/TOKEN/…`) and a Host header naming this server; anything else
 * gets 403. It serves the page (assets inlined) and the JSON API (api.ts)
 * over the build model: pages and aggregates, never the whole log.
 */
import crypto from 'node:crypto';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError, ViewError } from '../errors.js';
import type { Build } from '../model/index.js';
import { answer, type ExtraApi } from './api.js';
import { pageHtml } from './page.js';
import { ViewQuery } from './query.js';
import { serverExtras, viewQuery } from './host.js';

export interface ServeOptions {
  host?: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** For tests: a fixed token. */
  token?: string;
  title?: string;
}

export interface ViewServer {
  url: string;
  token: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

let arimoBytes: Buffer | undefined;
function arimo(): Buffer {
  arimoBytes ??= fs.readFileSync(createRequire(import.meta.url).resolve('@expo-google-fonts/arimo/400Regular/Arimo_400Regular.ttf'));
  return arimoBytes;
}

const ANY = new net.BlockList();
ANY.addAddress('0.0.0.0', 'ipv4');
ANY.addAddress('::', 'ipv6');

/** Whether an address (literal) is every interface's: 0.0.0.0, ::, ::0, ::ffff:0.0.0.0. */
function isWildcard(address: string): boolean {
  const family = net.isIP(address);
  return family !== 0 && ANY.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** This machine's own addresses but loopback's, IPv4 first (none of IPv6 link-local fe80::, which needs an interface). */
function machineAddresses(): string[] {
  const all = Object.values(os.networkInterfaces()).flatMap((list) => list ?? []);
  const usable = all.filter((a) => !a.internal && !(a.family === 'IPv6' && /^fe80:/i.test(a.address)));
  return [...usable.filter((a) => a.family === 'IPv4'), ...usable.filter((a) => a.family !== 'IPv4')].map((a) => a.address);
}

/**
 * Refuses a --host that would listen on every address (0.0.0.0, ::, '', or a
 * name such as 0 that resolves to one), before the log is read. The server
 * answers only requests whose Host header names the address it serves on
 * (a DNS rebinding page names its own domain), so a wildcard would listen
 * everywhere and answer 403 to every request through the machine's real
 * address: the user is told to give that address, and which ones there are.
 */
export async function refuseWildcardHost(host: string): Promise<void> {
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  let address = literal;
  if (literal !== '' && net.isIP(literal) === 0) {
    try {
      address = (await dns.lookup(literal)).address;
    } catch {
      return; // a name that does not resolve: listening says so
    }
  }
  if (address !== '' && !isWildcard(address)) return;
  const mine = machineAddresses();
  const listed = mine.length ? ` (this machine's: ${mine.slice(0, 3).join(', ')}${mine.length > 3 ? ', …' : ''})` : '';
  throw new UsageError(
    'E_USAGE',
    `--host ${host === '' ? '""' : host} listens on every address, but the page answers only at the address its URL names: give the address to serve on${listed}, e.g. --host ${mine[0] ?? '127.0.0.1'}`,
  );
}

/** Host header values this server answers to. */
function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (host && !isWildcard(host)) names.add(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  const out = new Set<string>();
  for (const n of names) out.add(`${n}:${port}`.toLowerCase());
  return out;
}

/** Starts the server for `build`. */
export async function serveBuild(build: Build, opts: ServeOptions = {}): Promise<ViewServer> {
  const q: ViewQuery = viewQuery(build);
  const extra: ExtraApi = serverExtras(build, q);
  const token = opts.token ?? crypto.randomBytes(18).toString('base64url');
  const host = opts.host ?? '127.0.0.1';
  let hosts = new Set<string>();
  let page: string | undefined;
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ error: String((err as Error)?.message ?? err) }));
      else res.destroy();
    });
  });
  const send = (res: http.ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src 'self'; connect-src 'self'",
    });
    res.end(body);
  };
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/');
    // constant-time token comparison
    const given = Buffer.from(parts[1] ?? '');
    const want = Buffer.from(token);
    const tokenOk = given.length === want.length && crypto.timingSafeEqual(given, want);
    if (!hosts.has(hostHeader) || !tokenOk) {
      send(res, 403, 'text/plain; charset=utf-8', 'forbidden: open the URL bt view printed (it carries the token)\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'only GET\n');
      return;
    }
    const rest = parts.slice(2).join('/');
    if (rest === '') {
      page ??= pageHtml({ title: opts.title ?? 'bt view' });
      send(res, 200, 'text/html; charset=utf-8', page);
      return;
    }
    if (rest === 'font/arimo.ttf') {
      // the font Graphviz measured the provenance graphs with (Helvetica metrics)
      res.writeHead(200, { 'content-type': 'font/ttf', 'cache-control': 'max-age=86400' });
      res.end(arimo());
      return;
    }
    if (rest.startsWith('api/')) {
      const params: Record<string, string> = {};
      for (const [k, v] of url.searchParams) params[k] = v;
      const a = await answer(q, rest.slice(4), params, extra);
      if (typeof a.body === 'string' && a.status === 200) send(res, 200, 'image/svg+xml; charset=utf-8', a.body);
      else send(res, a.status, 'application/json', JSON.stringify(a.body));
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ViewError(
          'E_VIEW_LISTEN',
          `cannot listen on ${host}:${opts.port ?? 0}: ${err.code ?? err.message}${err.code === 'EADDRINUSE' ? ' (choose another --port, or leave it out for a free one)' : ''}`,
          { cause: err },
        ),
      ),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  // (a wildcard is refused by bt view: refuseWildcardHost; given here anyway, the URL is loopback's)
  const urlHost = !host || isWildcard(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/${token}/`,
    token,
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

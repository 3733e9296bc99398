/**
 * The viewer's one HTML page, with its script and style inlined (bundled at
 * build time by scripts/bundle-web.mjs into dist/src/view/assets/): no
 * CDN, no other request for assets. The static --html page also carries
 * the build's data, compressed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ViewError } from '../errors.js';

/** dist/src/view/assets: next to this module, or beside the bundle (dist/src/cli/bt-program.cjs) that contains it. */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ASSETS = [path.join(HERE, 'assets'), path.join(HERE, '..', 'view', 'assets')].find((d) => fs.existsSync(path.join(d, 'app.js'))) ?? path.join(HERE, 'assets');

export interface Assets {
  js: string;
  css: string;
}

let cached: Assets | undefined;

/** The bundled script and style (throws if the build step did not make them). */
export function loadAssets(): Assets {
  if (cached) return cached;
  try {
    cached = {
      js: fs.readFileSync(path.join(ASSETS, 'app.js'), 'utf8'),
      css: fs.readFileSync(path.join(ASSETS, 'app.css'), 'utf8'),
    };
  } catch (err) {
    throw new ViewError('E_VIEW_ASSETS', `the viewer's page is not built (${ASSETS}): run npm run build`, { cause: err });
  }
  return cached;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * The page. `data` (base64 of gzip'd JSON) makes it a static page that needs
 * no server; `hash`, the state (web/state.ts) it opens in when its URL has
 * none (bt view --html --filter).
 */
export function pageHtml(opts: { title: string; data?: string; hash?: string }): string {
  const a = loadAssets();
  // `</script` cannot occur in base64; the script is escaped for safety.
  const js = a.js.replace(/<\/script/gi, '<\\/script');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${a.css}</style>`,
    '</head><body>',
    '<div id="app"></div>',
    opts.data ? `<script id="bt-data" type="application/octet-stream">${opts.data}</script>` : '',
    opts.hash ? `<script>if (!location.hash) location.replace(${JSON.stringify(opts.hash).replace(/</g, '\\u003c')});</script>` : '',
    `<script>${js}</script>`,
    '</body></html>',
  ].join('\n');
}

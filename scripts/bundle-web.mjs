#!/usr/bin/env node
// Bundles the viewer's page (web/) into dist/src/view/assets/{app.js,app.css}
// with esbuild: one script, one style, inlined into the page by the server
// and the static --html file. No CDN, nothing fetched at run time.
// node:os (used by src/present/format.js for signal names) becomes a table
// of this machine's signal numbers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'src', 'view', 'assets');
fs.mkdirSync(out, { recursive: true });

const osShim = {
  name: 'os-shim',
  setup(build) {
    build.onResolve({ filter: /^(node:)?os$/ }, () => ({ path: 'os', namespace: 'os-shim' }));
    build.onLoad({ filter: /.*/, namespace: 'os-shim' }, () => ({
      contents: `export default { constants: { signals: ${JSON.stringify(os.constants.signals)} } };`,
      loader: 'js',
    }));
  },
};

await esbuild.build({
  entryPoints: [path.join(root, 'web', 'main.ts')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  outfile: path.join(out, 'app.js'),
  plugins: [osShim],
  logLevel: 'error',
});
await esbuild.build({
  entryPoints: [path.join(root, 'web', 'style.css')],
  bundle: true,
  minify: true,
  outfile: path.join(out, 'app.css'),
  external: ['font/*'],
  logLevel: 'error',
});

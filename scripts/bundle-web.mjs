#!/usr/bin/env node
// Bundles the viewer's page (web/) into dist/src/view/assets/{app.js,app.css}
// with esbuild: one script, one style, inlined into the page by the server
// and the static --html file. No CDN, nothing fetched at run time.
// node:os (used by src/present/format.js and src/filter for signal names)
// becomes a table of this machine's signal numbers.
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

// The display filter runs in the static page too: of the log schema it needs
// only the event type names (the protobuf side stays out of the page).
const { EVENT_TYPES } = await import(path.join(root, 'dist', 'src', 'log', 'schema.js'));
const schemaShim = {
  name: 'schema-shim',
  setup(build) {
    build.onResolve({ filter: /\/log\/schema\.js$/ }, () => ({ path: 'schema', namespace: 'schema-shim' }));
    build.onLoad({ filter: /.*/, namespace: 'schema-shim' }, () => ({
      contents: `export const EVENT_TYPES = ${JSON.stringify(EVENT_TYPES)};`,
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
  plugins: [osShim, schemaShim],
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

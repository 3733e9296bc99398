// (esbuild keeps main.js's #! line.) Bundles the compiled CLI (dist/src/cli/main.js) into one file,
// dist/src/cli/bt.mjs: what `bt` runs. One file loads several times faster
// than hundreds of modules (start-up: see npm run bench). Native and wasm
// packages stay external. The bundle sits next to main.js, so the paths bt
// finds relative to itself (proto/, build/) are the same.
import { build } from 'esbuild';
import protobuf from 'protobufjs';

// The log schema, parsed once here (src/log/schema.ts reads bt.proto itself when unbundled).
const schema = new protobuf.Root().loadSync('proto/bt.proto', { keepCase: true }).toJSON();

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/src/cli/bt.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi', '@hpcc-js/*', '@resvg/*', '@expo-google-fonts/*', '@duckdb/*'],
  banner: { js: "import { createRequire as __btRequire } from 'node:module'; const require = __btRequire(import.meta.url);" },
  define: { __BT_PROTO_JSON__: JSON.stringify(schema) },
  logLevel: 'warning',
});

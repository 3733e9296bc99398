// Bundles the compiled CLI (dist/src/cli/main.js) into one CommonJS file,
// dist/src/cli/bt-program.cjs, bt trace alone (trace-main.js) into
// bt-trace.cjs, and bt trace's head start into bt-early.cjs, and makes V8's
// code cache for the first two: `bt` (dist/src/cli/bt.cjs, from
// src/cli/bt.cts) runs the program from that cache. One file loads several times faster than hundreds of modules, and
// the cache spares compiling it (start-up: see npm run bench). Native and
// wasm packages stay external. The bundle sits next to main.js, so the paths
// bt finds relative to itself (proto/, build/) are the same.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import protobuf from 'protobufjs';

const PROGRAM = 'dist/src/cli/bt-program.cjs';
const TRACE = 'dist/src/cli/bt-trace.cjs';
const EARLY = 'dist/src/cli/bt-early.cjs';
const BT = 'dist/src/cli/bt.cjs';

// The log schema, parsed once here (src/log/schema.ts reads bt.proto itself when unbundled), and the
// messages as the writer encodes them (src/log/wiredesc.ts): bt trace writes its log without protobufjs.
const protoRoot = new protobuf.Root().loadSync('proto/bt.proto', { keepCase: true });
const schema = protoRoot.toJSON();
const { describeRoot } = await import(new URL('../dist/src/log/wiredesc.js', import.meta.url).href);
const wire = describeRoot(protoRoot);
// The ring layouts' id (src/log/ring/layout.ts ringLayoutId): bt trace writes it before its build starts, without hashing anything.
const { ringLayoutId } = await import(new URL('../dist/src/log/ring/layout.js', import.meta.url).href);
const ringLayout = ringLayoutId();
// bt's version (src/version.ts reads package.json when unbundled)
const version = JSON.parse(fs.readFileSync('package.json', 'utf8')).version;
// Names this build of the program: its code cache must carry the same id (src/cli/bt.cts).
const id = crypto.randomBytes(8).toString('hex');
// Each bundle is one function expression, the parameters being what bt's
// executable (src/cli/bt.cts run()) passes: it compiles the file as it is,
// without making a second copy of ~0.35 MB of source to wrap it (that copy
// was young-generation garbage: a scavenge of it, measured).
const wrap = {
  banner: { js: `// bt-build ${id}\n(function (exports, require, module, __filename, __dirname, __btUrl) {"use strict";` },
  footer: { js: '})' },
};

const programOptions = (entry, outfile) => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['koffi', '@hpcc-js/*', '@resvg/*', '@expo-google-fonts/*', '@duckdb/*'],
  // protobufjs loads long.js if it can, and long.js compiles a WebAssembly
  // module as it loads (~5 ms of every start); bt clears protobuf.util.Long
  // anyway (src/log/schema.ts: 64-bit fields are numbers), so the program
  // gets none.
  plugins: [
    {
      // commander loads node:child_process (and with it net, dgram and
      // streams: ~4 ms) only to run executable subcommands, which bt has
      // none of: it gets the module on first use instead.
      name: 'lazy-child-process-for-commander',
      setup(b) {
        b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
          /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'bt-lazy-cp' } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'bt-lazy-cp' }, () => ({
          contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
          loader: 'js',
        }));
      },
    },
    {
      name: 'no-long',
      setup(b) {
        b.onResolve({ filter: /^long$/ }, () => ({ path: 'long', namespace: 'bt-no-long' }));
        b.onLoad({ filter: /.*/, namespace: 'bt-no-long' }, () => ({ contents: 'module.exports = null;', loader: 'js' }));
      },
    },
  ],
  // the ESM sources' import.meta.url: the program's own file URL, which bt.cts passes in
  ...wrap,
  define: {
    __BT_PROTO_JSON__: JSON.stringify(schema),
    __BT_RING_LAYOUT_ID__: JSON.stringify(ringLayout),
    __BT_VERSION__: JSON.stringify(version),
    __BT_WIRE__: JSON.stringify(wire),
    'import.meta.url': '__btUrl',
  },
  logLevel: 'warning',
});
for (const out of [PROGRAM, TRACE, EARLY]) fs.rmSync(`${out}.cache`, { force: true });
await build(programOptions('dist/src/cli/main.js', PROGRAM));
await build(programOptions('dist/src/cli/trace-main.js', TRACE));

// bt trace's head start (src/cli/early.ts) on its own: bt.cts runs it before
// it even reads the program, which it hands the load over to through a global.
await build({
  entryPoints: ['dist/src/cli/early.js'],
  outfile: EARLY,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['koffi'],
  // run by bt's executable as the program is (its own code cache, the same id), which passes __btUrl in
  ...wrap,
  define: { __BT_RING_LAYOUT_ID__: JSON.stringify(ringLayout), 'import.meta.url': '__btUrl' },
  logLevel: 'warning',
});

// esbuild gives each module that imports a Node built-in (`import fs from
// 'node:fs'`) its own __toESM copy of the module object: ~100 property
// getters each, 13 times in bt-early.cjs alone (~2 ms before bt trace's BPF
// load can start, measured). The copies are all alike, so each module
// object is copied once per process: bt trace's head start and program,
// two bundles, share the copies (~70 KB of new objects less before its
// build starts, measured).
for (const out of [PROGRAM, TRACE, EARLY]) {
  const code = fs.readFileSync(out, 'utf8');
  const helper = 'var __toESM = (mod, isNodeMode, target) => (';
  const strict = '"use strict";\n';
  if (!code.includes(helper) || !code.includes(strict)) throw new Error(`bundle: esbuild's __toESM helper is not as expected in ${out}: update scripts/bundle.mjs`);
  const once =
    'var __btEsm = (globalThis.__btEsm ??= new WeakMap());\n' +
    'function __toESM(mod, isNodeMode) {\n' +
    '  if (mod == null || (typeof mod !== "object" && typeof mod !== "function")) return __toESMEach(mod, isNodeMode);\n' +
    '  const key = isNodeMode ? 1 : 0, seen = __btEsm.get(mod) ?? [];\n' +
    '  if (!seen[key]) { seen[key] = __toESMEach(mod, isNodeMode); __btEsm.set(mod, seen); }\n' +
    '  return seen[key];\n' +
    '}\n';
  fs.writeFileSync(out, ascii(code.replace(strict, strict + once).replace(helper, 'var __toESMEach = (mod, isNodeMode, target) => (')));
}

/**
 * The bundle in ASCII: bt's executable (src/cli/bt.cts) reads it as latin1,
 * ~2x faster than UTF-8 (~3 ms of bt trace's start for its bundle). esbuild
 * escapes what it writes of strings, but leaves comments and regular
 * expressions as they were: every other UTF-16 unit becomes a \uXXXX escape,
 * which means the same unit in a string, a template, a regular expression
 * and an identifier, and nothing in a comment. Where an escape could mean
 * something else (after a backslash, a character outside the BMP, in
 * String.raw's raw text) the build stops instead. A tagged template of
 * another tag with such a character would change unseen: none of bt's code
 * or packages has one (esbuild escapes every other template).
 */
function ascii(code) {
  const out = code.replace(/[^\x00-\x7f]/g, (c, at) => {
    const refuse = (why) => {
      throw new Error(`bundle: ${why} at ${at} (${JSON.stringify(code.slice(Math.max(0, at - 40), at + 10))}): cannot make the bundle ASCII`);
    };
    let slashes = 0;
    while (code[at - 1 - slashes] === '\\') slashes++;
    // an escaped character (`\…`) would become a backslash and 'u…'
    if (slashes % 2) refuse('an escaped non-ASCII character');
    // outside the Basic Multilingual Plane: a pair of escapes is no identifier
    if (c >= '\ud800' && c <= '\udfff') refuse('a character outside the BMP');
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  // a tagged template keeps its raw text, which an escape changes; esbuild leaves them as written
  if (/String\.raw\s*`[^`]*[^\x00-\x7f]/.test(code)) throw new Error('bundle: String.raw`…` with a non-ASCII character: cannot make the bundle ASCII');
  if (/[^\x00-\x7f]/.test(out)) throw new Error('bundle: not ASCII after escaping');
  return out;
}

// A code cache holds what a run compiled. bt trace's: as root (setup, CI)
// a real trace of /bin/true, the start-up that matters most, through
// bt.cjs (the head start's cache, and the program's), then through bt's
// executable (build/bt, made before this), as users run it: the program's
// cache is then that run's, whose head start, in the program, takes the
// executable's load (src/cli/bt.cts). Else (or if that cannot run) bt
// trace --help. The whole program's: bt --version.
const FRONT = 'build/bt';
const write = (args, exe = process.execPath) =>
  execFileSync(exe, exe === process.execPath ? [BT, ...args] : args, { env: { ...process.env, BT_WRITE_CODE_CACHE: '1' }, stdio: 'ignore' });
let traced = false;
if (process.getuid?.() === 0) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bundle-'));
  try {
    write(['trace', '-q', '-o', path.join(dir, 'true.trace'), '--', '/bin/true']);
    traced = true;
    if (fs.existsSync(FRONT)) write(['trace', '-q', '-o', path.join(dir, 'front.trace'), '--', '/bin/true'], FRONT);
  } catch {
    /* no BPF here: the --help cache below; the executable's trace failed: bt.cjs's caches */
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
if (!traced) write(['trace', '--help']);
write(['--version']);
for (const out of [PROGRAM, TRACE, EARLY]) {
  if (!fs.existsSync(`${out}.cache`)) throw new Error(`bundle: no code cache was written for ${out}`);
}

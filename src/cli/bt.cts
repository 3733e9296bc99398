#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS BT_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node
/**
 * bt's executable. It runs the bundled program (bt-program.cjs, made by
 * scripts/bundle.mjs) from V8's code cache (bt-program.cjs.cache): no
 * parsing and compiling of ~0.9 MB of JavaScript at every start (bt trace
 * starts ~35 ms sooner; npm run bench prints the phases). `bt trace` runs
 * a bundle of its own (bt-trace.cjs, src/cli/trace-main.ts), with its own
 * cache: it reads and deserializes none of the other commands.
 *
 * The cache is used only when its first line names the build id written
 * in the program's second line: both are written together by
 * scripts/bundle.mjs, so a program rebuilt without its cache is compiled
 * as usual. (V8 itself checks its version, flags and the source length.)
 * BT_WRITE_CODE_CACHE=1 makes this run write the cache at exit, from what
 * it compiled: only scripts/bundle.mjs sets it, and the path is fixed,
 * beside this file. BT_TIMING=1 says on stderr (at exit) whether the cache was used.
 */
// No inspector on SIGUSR1, from the first statement: see src/cli/guard.ts (bt runs as root).
process.on('SIGUSR1', () => {});
// NODE_EXTRA_CA_CERTS makes Node 20 read and parse CA certificates before
// it runs any JavaScript: 35-60 ms of every start here (bt makes no TLS
// connection). The #! line above takes it out of Node's environment and
// keeps its value aside; it is put back for everything bt starts (the build
// above all). Run as `node bt.cjs`, the #! line is not read: nothing changes.
if (process.env.BT_NODE_EXTRA_CA_CERTS !== undefined) {
  const saved = process.env.BT_NODE_EXTRA_CA_CERTS;
  delete process.env.BT_NODE_EXTRA_CA_CERTS;
  if (saved) process.env.NODE_EXTRA_CA_CERTS = saved;
}

// bt trace's head start before anything else (src/cli/early.ts): its BPF programs load while the program below loads.
if (process.argv[2] === 'trace') {
  try {
    require('./bt-early.cjs');
  } catch {
    /* not built: the program starts the load itself */
  }
}

import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');
import { createRequire } from 'node:module';

const traceProgram = path.join(__dirname, 'bt-trace.cjs');
const program = process.argv[2] === 'trace' && fs.existsSync(traceProgram) ? traceProgram : path.join(__dirname, 'bt-program.cjs');
const cacheFile = `${program}.cache`;
// ASCII (scripts/bundle.mjs makes it so): read as latin1, ~2x faster than UTF-8
let source = fs.readFileSync(program, 'latin1');
if (source.startsWith('#!')) source = `//${source.slice(2)}`;
const id = /^(?:.*\n)?\/\/ bt-build (\w+)\n/.exec(source)?.[1]; // on the first line, or on the second after a #! line

let cachedData: Buffer | undefined;
let cacheState = 'absent';
try {
  const cache = fs.readFileSync(cacheFile);
  const nl = cache.indexOf(10);
  cacheState = 'stale';
  if (id && nl > 0 && cache.toString('latin1', 0, nl) === id) cachedData = cache.subarray(nl + 1);
} catch {
  /* no cache: compile */
}

const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __btUrl) {${source}\n})`, {
  filename: program,
  cachedData,
});
if (cachedData) cacheState = script.cachedDataRejected ? 'rejected' : 'used';
// said at the end: process.stderr costs ~3 ms to make, which bt trace's timing would count. bt trace
// says it with its timing (src/capture/timing.ts), which comes also when bt ends by the build's signal.
if (process.env.BT_TIMING) {
  const shared = globalThis as { __btCodeCache?: string };
  shared.__btCodeCache = cacheState;
  process.once('exit', () => {
    if (shared.__btCodeCache) fs.writeSync(2, `bt: code cache ${shared.__btCodeCache}\n`);
  });
}
if (process.env.BT_WRITE_CODE_CACHE === '1' && id) {
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]), { flag: 'wx', mode: 0o644 });
    fs.renameSync(tmp, cacheFile);
  });
}
// The program's own import() has no module loader behind it when it comes from the cache: it uses this one (src/external.ts).
(globalThis as { __btImport?: (s: string) => Promise<unknown> }).__btImport = (s) => import(s);
const module_ = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void)(module_.exports, createRequire(program), module_, program, __dirname, fileUrl(program));

/** A file: URL for an absolute path, each segment percent-encoded ('#', '%' and '?' included): what fileURLToPath reverses. */
function fileUrl(file: string): string {
  return `file://${file.split('/').map(encodeURIComponent).join('/')}`;
}

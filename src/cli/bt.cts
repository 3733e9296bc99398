#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS BT_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node
/**
 * bt's executable. It runs the bundled program (bt-program.cjs, made by
 * scripts/bundle.mjs) from V8's code cache (bt-program.cjs.cache): no
 * parsing and compiling of ~0.9 MB of JavaScript at every start (bt trace
 * starts ~35 ms sooner; npm run bench prints the phases). `bt trace` runs
 * a bundle of its own (bt-trace.cjs, src/cli/trace-main.ts), with its own
 * cache: it reads and deserializes none of the other commands, nor
 * commander. What it leaves to commander (--help, a usage error) the whole
 * program does, run then (__btRunProgram below).
 *
 * bt trace's head start (bt-early.cjs, src/cli/early.ts) runs the same
 * way, from a cache of its own: compiling it took ~3-7 ms of every trace's
 * start before its build could run (measured, interleaved).
 *
 * A cache is used only when its first line names the build id written in
 * its bundle's first line: both are written together by scripts/bundle.mjs,
 * so a bundle rebuilt without its cache is compiled as usual. (V8 itself
 * checks its version, flags and the source length.) BT_WRITE_CODE_CACHE=1
 * makes this run write the caches of the bundles it ran at exit, from what
 * it compiled: only scripts/bundle.mjs sets it, and the paths are fixed,
 * beside this file. BT_TIMING=1 says on stderr (at exit) whether the caches were used.
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

// The BPF load bt's executable started (native/bt-front.c): kept here, never seen by the build.
if (process.env.BT_FRONT_LOAD !== undefined) {
  const m = /^(\d{1,9}):(\d{1,9})$/.exec(process.env.BT_FRONT_LOAD);
  delete process.env.BT_FRONT_LOAD;
  if (m) (globalThis as { __btFrontLoad?: { pid: number; fd: number } }).__btFrontLoad = { pid: Number(m[1]), fd: Number(m[2]) };
}

import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');
import { createRequire } from 'node:module';

/** A bundle beside this file, compiled from its code cache when the cache is of the same build, and what became of the cache. */
interface Bundle {
  file: string;
  script: vm.Script;
  id: string;
  cache: 'used' | 'rejected' | 'stale' | 'absent';
}

const shared = globalThis as { __btCodeCache?: string; __btImport?: (s: string) => Promise<unknown>; __btRunProgram?: () => void };
const loaded: Bundle[] = [];

/** How each bundle's second line begins (scripts/bundle.mjs): the function run() calls. */
const BUNDLE_START = '(function (exports, require, module, __filename, __dirname, __btUrl) {';

/** A bundle bt cannot run (a half-done install): one line, status 70. */
function refuse(file: string, what: string): never {
  fs.writeSync(2, `bt: ${file} ${what}: run npm run build\n`);
  process.exit(70);
}

function load(file: string): Bundle {
  let source: string;
  try {
    // ASCII (scripts/bundle.mjs makes it so): read as latin1, ~2x faster than UTF-8
    source = fs.readFileSync(file, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    refuse(file, code === 'ENOENT' ? 'is missing' : `cannot be read (${code})`);
  }
  if (source.startsWith('#!')) source = `//${source.slice(2)}`;
  const head = /^(?:.*\n)?\/\/ bt-build (\w+)\n(.*)/.exec(source); // on the first line, or on the second after a #! line
  // not run: a bundle of an older bt beside this executable (a half-done install) would run its statements here
  if (!head?.[2].startsWith(BUNDLE_START)) refuse(file, "is not a bundle of this bt's build");
  const id = head[1];
  let cachedData: Buffer | undefined;
  let cache: Bundle['cache'] = 'absent';
  try {
    const raw = fs.readFileSync(`${file}.cache`);
    const nl = raw.indexOf(10);
    cache = 'stale';
    if (nl > 0 && raw.toString('latin1', 0, nl).trimEnd() === id) cachedData = raw.subarray(nl + 1);
  } catch {
    /* no cache: compile */
  }
  // the file is a function expression (scripts/bundle.mjs): compiled as it is, with no wrapped copy of it
  const script = new vm.Script(source, { filename: file, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  const bundle = { file, script, id, cache };
  loaded.push(bundle);
  return bundle;
}

/** Runs a bundle: its file is a function of (exports, require, module, __filename, __dirname, __btUrl) (scripts/bundle.mjs). */
function run(b: Bundle): void {
  const module_ = { exports: {} };
  (b.script.runInThisContext() as (...args: unknown[]) => void)(module_.exports, createRequire(b.file), module_, b.file, __dirname, fileUrl(b.file));
}

/** A file: URL for an absolute path, each segment percent-encoded ('#', '%' and '?' included): what fileURLToPath reverses. */
function fileUrl(file: string): string {
  return `file://${file.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * A cache's first line: the build id, padded with spaces to a multiple of 8
 * bytes. V8 copies cached data that does not start 8-byte aligned before it
 * reads it (its AlignedCachedData), and the data is a slice of the file's
 * buffer, which starts aligned: ~280 KB of fresh memory for bt trace's.
 */
function cacheHeader(id: string): Buffer {
  return Buffer.from(`${id.padEnd(Math.ceil((id.length + 1) / 8) * 8 - 1)}\n`, 'latin1');
}

// said at the end: process.stderr costs ~3 ms to make, which bt trace's timing would count. bt trace
// says it with its timing (src/capture/timing.ts), which comes also when bt ends by the build's signal.
if (process.env.BT_TIMING) {
  process.once('exit', () => {
    if (shared.__btCodeCache) fs.writeSync(2, `bt: code cache ${shared.__btCodeCache}\n`);
  });
}
if (process.env.BT_WRITE_CODE_CACHE === '1') {
  process.once('exit', () => {
    for (const { file, script, id } of loaded) {
      const tmp = `${file}.cache.${process.pid}.tmp`;
      fs.writeFileSync(tmp, Buffer.concat([cacheHeader(id), script.createCachedData()]), { flag: 'wx', mode: 0o644 });
      fs.renameSync(tmp, `${file}.cache`);
    }
  });
}

// bt trace's head start before anything else (src/cli/early.ts): its BPF
// programs load while the program below loads. Not when bt's executable
// loads them (BT_FRONT_LOAD, above): the program's own copy of the head
// start then takes that load and starts the launcher, as its first module,
// and bt reads, deserializes and sets up one bundle instead of two
// (3-5 ms sooner to the build's first instruction, measured).
let early: Bundle | undefined;
const earlyStart = path.join(__dirname, 'bt-early.cjs');
// not built: the program starts the load itself
if (process.argv[2] === 'trace' && !(globalThis as { __btFrontLoad?: unknown }).__btFrontLoad && fs.existsSync(earlyStart)) {
  early = load(earlyStart);
  try {
    run(early);
  } catch {
    /* the program starts the load itself, and says what fails */
  }
}

const traceProgram = path.join(__dirname, 'bt-trace.cjs');
const wholeProgram = path.join(__dirname, 'bt-program.cjs');
const program = load(process.argv[2] === 'trace' && fs.existsSync(traceProgram) ? traceProgram : wholeProgram);
if (process.env.BT_TIMING) shared.__btCodeCache = early ? `${program.cache} (head start: ${early.cache})` : program.cache;
// The program's own import() has no module loader behind it when it comes from the cache: it uses this one (src/external.ts).
shared.__btImport = (s) => import(s);
// bt trace's bundle reads its command line without commander; what it leaves to commander (--help, a usage error), the whole program does
shared.__btRunProgram = () => {
  const whole = load(wholeProgram);
  if (process.env.BT_TIMING) shared.__btCodeCache += `, then the whole program: ${whole.cache}`;
  run(whole);
};
run(program);

/**
 * bt graph on real traces of the test programs (eBPF, as root): the DOT is
 * parsed and its structure asserted (processes, spawn and pipe edges, file
 * reads and writes, exit codes), and every graph is rendered to SVG with the
 * bundled wasm Graphviz to prove it is valid.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildGraph, graphFile, renderDot, toDot, type GraphOptions } from '../../src/graph/index.js';
import { normalizeFile, normalizeRecords } from '../../src/normalize/normalize.js';
import { ENOENT, O_CREAT, O_RDWR, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, prog, REPO, tmpdir, trace } from '../helpers/trace.js';
import { fileNodes, flowEdges, parseDot, procNodes, spawnEdges, type DotGraph } from './dot-parse.js';

interface Graphed {
  file: string;
  dot: string;
  g: DotGraph;
}

/** Traces COMMAND for real and graphs the raw log (normalized on the fly). */
async function traceGraph(command: string[], options: GraphOptions = {}, opts: { cwd?: string } = {}): Promise<Graphed> {
  const t = await trace(command, opts);
  assert.equal(t.code, 0, `${command.join(' ')} failed: ${t.stderr}`);
  const { dot } = graphFile(t.file, options);
  return { file: t.file, dot, g: parseDot(dot) };
}

/** Renders with the wasm Graphviz: valid DOT, every node drawn. */
async function assertRenders(x: Graphed): Promise<void> {
  const svg = (await renderDot(x.dot, 'svg')).toString('utf8');
  assert.match(svg, /<svg[\s>]/);
  for (const id of x.g.nodes.keys()) assert.ok(svg.includes(`<title>${id}</title>`), `node ${id} is drawn`);
}

const label = (g: DotGraph, id: string) => g.nodes.get(id)?.label ?? '';
const tooltip = (g: DotGraph, id: string) => g.nodes.get(id)?.tooltip ?? '';

/** The one process node whose label matches. */
function proc(g: DotGraph, re: RegExp): string {
  const hits = procNodes(g).filter((id) => re.test(label(g, id)));
  assert.equal(hits.length, 1, `one process labelled ${re}: ${hits.map((id) => label(g, id)).join(' | ')}`);
  return hits[0];
}

/** Absolute paths (tooltips) of the files process node p reads (file -> p, dashed). */
function reads(g: DotGraph, p: string): string[] {
  return g.edges
    .filter((e) => e.to === p && e.attrs.style === 'dashed' && g.nodes.get(e.from)?.shape !== 'box')
    .map((e) => tooltip(g, e.from))
    .sort();
}

/** Absolute paths of the files process node p writes (p -> file, solid). */
function writes(g: DotGraph, p: string): string[] {
  return g.edges
    .filter((e) => e.from === p && !e.attrs.style && g.nodes.get(e.to)?.shape !== 'box')
    .map((e) => tooltip(g, e.to))
    .sort();
}

const under = (dir: string) => (p: string) => p.startsWith(`${dir}/`);

ebpfTest('forker: exactly the root, two children and one grandchild, with their exit codes', async () => {
  const x = await traceGraph([prog('forker')]);
  const { g } = x;
  assert.equal(procNodes(g).length, 4);
  assert.deepEqual(fileNodes(g), [], 'the loader and libc are hidden by default');
  const main = proc(g, /^forker$/);
  // the children failed and the program went on and succeeded, leaving nothing of them: failed probes (model/failures.ts)
  const child1 = proc(g, /^forker \(fork\)\nexit 1 \(failed probe\)$/);
  const child2 = proc(g, /^forker \(fork\)\nexit 2 \(failed probe\)$/);
  const grandchild = proc(g, /^forker \(fork\)\nexit 3 \(failed probe\)$/);
  assert.equal(main, 'p1', 'the traced command is the first process');
  assert.deepEqual(spawnEdges(g), [`${main}->${child1}`, `${main}->${child2}`, `${child1}->${grandchild}`].sort());
  assert.equal(g.edges.length, 3, 'spawn edges only');
  for (const id of [child1, child2, grandchild]) assert.deepEqual([g.nodes.get(id)?.color, g.nodes.get(id)?.style], [undefined, 'rounded,filled,dashed'], 'nonzero exits are marked, not red');
  assert.equal(g.nodes.get(main)?.color, undefined);
  assert.match(tooltip(g, main), /exit 0/);
  assert.match(g.graph.label, /— 4 processes, 0 files shown$/);
  await assertRenders(x);
});

ebpfTest(
  'cproject (make -B -j2): each compile reads its .c and headers and writes its .o; the link reads the .o files and writes hello',
  async () => {
    const cdir = path.join(REPO, 'test-programs', 'cproject');
    const x = await traceGraph(['make', '-B', '-j2', '-C', cdir], {}, { cwd: REPO });
    const { g } = x;
    // the same log with the temporaries drawn (the same node ids: p<proc>)
    const t = parseDot(graphFile(x.file, { temporaries: true }).dot);
    const flows: string[] = [];
    const inProject = under(cdir);
    const make = proc(g, /^make -B -j2 -C /);
    assert.equal(make, 'p1');
    assert.deepEqual(reads(g, make).filter(inProject), [`${cdir}/Makefile`]);
    const headers: Record<string, string[]> = { main: ['greet.h', 'util.h'], util: ['util.h'], greet: ['greet.h', 'util.h'] };
    const spawn = spawnEdges(g);
    for (const s of ['main', 'util', 'greet']) {
      const cc = proc(g, new RegExp(`^cc -c -o ${s}\\.o ${s}\\.c$`));
      assert.ok(spawn.includes(`${make}->${cc}`), `make runs the compile of ${s}.c`);
      const cc1 = proc(g, new RegExp(`^cc1 .*\\b${s}\\.c\\b`));
      const as = proc(g, new RegExp(`^as .*-o ${s}\\.o\\b`));
      assert.ok(spawn.includes(`${cc}->${cc1}`), `cc -> cc1 for ${s}.c`);
      assert.ok(spawn.includes(`${cc}->${as}`), `cc -> as for ${s}.c`);
      // cc1 reads the source and its headers (system headers are hidden by default)...
      assert.deepEqual(reads(g, cc1).filter(inProject), [`${s}.c`, ...headers[s]].map((f) => `${cdir}/${f}`).sort());
      // ... and writes the assembly that as reads (a hidden temporary: an edge from cc1 to as, named after it); as writes the object
      const asm = writes(t, cc1);
      assert.equal(asm.length, 1);
      assert.match(asm[0], /^\/tmp\/cc\w+\.s$/);
      assert.deepEqual(reads(t, as), asm, `as reads what cc1 wrote for ${s}.c`);
      assert.deepEqual(writes(g, cc1), []);
      assert.deepEqual(reads(g, as).filter((f) => f.startsWith('/tmp/')), []);
      flows.push(`${cc1}->${as}:${path.basename(asm[0])}`);
      assert.deepEqual(writes(g, as), [`${cdir}/${s}.o`]);
      const obj = [...g.nodes].find(([, a]) => a.tooltip === `${cdir}/${s}.o`)?.[0] as string;
      assert.equal(g.nodes.get(obj)?.style, 'filled', `${s}.o is not a temporary (as unlinks it before writing it)`);
      assert.ok(!g.edges.some((e) => e.to === obj && e.attrs.label === 'rm'));
    }
    // the link: cc -o hello -> collect2 -> ld, which reads the objects and writes hello
    const link = procNodes(g).filter((id) => writes(g, id).includes(`${cdir}/hello`));
    assert.equal(link.length, 1, 'one process writes hello');
    assert.deepEqual(reads(g, link[0]).filter(inProject), ['greet.o', 'main.o', 'util.o'].map((f) => `${cdir}/${f}`));
    const ccLink = proc(g, /^cc -o hello main\.o util\.o greet\.o$/);
    assert.ok(spawn.includes(`${make}->${ccLink}`));
    const parents = new Map(spawn.map((e) => e.split('->')).map(([a, b]) => [b, a]));
    let up: string | undefined = link[0];
    while (up && up !== ccLink) up = parents.get(up);
    assert.equal(up, ccLink, 'the linker runs under cc -o hello');
    // the driver made each .s empty (mkstemp) before cc1 wrote it: the edge comes from cc1 alone; the link's temporaries go nowhere
    assert.deepEqual(flowEdges(g), flows.sort());
    // only the project's files are shown (and with --temporaries the compiler's temporaries)
    for (const id of fileNodes(g)) assert.ok(inProject(tooltip(g, id)), tooltip(g, id));
    for (const id of fileNodes(t)) assert.ok(inProject(tooltip(t, id)) || tooltip(t, id).startsWith('/tmp/'), tooltip(t, id));
    assert.ok(procNodes(g).every((id) => g.nodes.get(id)?.color === undefined), 'nothing failed');
    await assertRenders(x);
  },
  120_000,
);

ebpfTest('pipeline.sh: pipe edges from the shell’s children, writer to reader', async () => {
  const d = tmpdir();
  const x = await traceGraph([path.join(REPO, 'test-programs', 'pipeline.sh'), d]);
  const { g } = x;
  assert.equal(procNodes(g).length, 4);
  const sh = 'p1';
  const printf = proc(g, /\(fork\)$/);
  const sort = proc(g, /^sort$/);
  const tr = proc(g, /^tr a-z A-Z$/);
  assert.deepEqual(spawnEdges(g), [`${sh}->${printf}`, `${sh}->${sort}`, `${sh}->${tr}`].sort());
  const pipes = g.edges.filter((e) => e.attrs.label === 'pipe').map((e) => `${e.from}->${e.to}`);
  assert.deepEqual(pipes.sort(), [`${printf}->${sort}`, `${sort}->${tr}`].sort());
  assert.deepEqual(writes(g, tr), [`${d}/out.txt`]);
  assert.deepEqual(reads(g, sh), [path.join(REPO, 'test-programs', 'pipeline.sh')], 'the shell reads its script');
  await assertRenders(x);
});

ebpfTest('threads: one process node writing every thread’s file', async () => {
  const d = tmpdir();
  const x = await traceGraph([prog('threads'), d, '3']);
  assert.deepEqual(procNodes(x.g), ['p1']);
  assert.deepEqual(writes(x.g, 'p1'), [0, 1, 2].map((i) => `${d}/thread-${i}.txt`));
  await assertRenders(x);
});

ebpfTest('exec-chain: one process node, labelled with its last program', async () => {
  const x = await traceGraph([prog('exec-chain'), '4']);
  assert.deepEqual(procNodes(x.g), ['p1']);
  assert.equal(label(x.g, 'p1'), 'true done');
  assert.equal(x.g.edges.length, 0);
  await assertRenders(x);
});

ebpfTest('fail-exec: a failed exec of a missing program is a probe (--probes); the process did not fail', async () => {
  const d = tmpdir();
  const x = await traceGraph([prog('fail-exec'), d], { probes: true });
  const { g } = x;
  assert.deepEqual(procNodes(g), ['p1']);
  assert.equal(g.nodes.get('p1')?.color, undefined);
  const probes = g.edges.filter((e) => e.attrs.label === '?').map((e) => tooltip(g, e.to)).sort();
  assert.deepEqual(probes, [`${d}/does-not-exist`], 'not-exec was written here: a write edge, no probe');
  assert.deepEqual(writes(g, 'p1'), [`${d}/not-exec`]);
  const quiet = graphFile(x.file).dot;
  assert.ok(!quiet.includes('does-not-exist'), 'probes only with --probes');
  await assertRenders(x);
});

ebpfTest('opens, fsops, fds, extra-ops: every graph (all files, probes) is valid and shows the right files', async () => {
  const dirs = { opens: tmpdir(), fsops: tmpdir(), fds: tmpdir(), 'extra-ops': tmpdir() };
  const all: GraphOptions = { allFiles: true, probes: true, dirOpens: true, collapse: 'none' };
  // opens: creates a.txt, b.txt, c.txt, link.txt and sub/, and reads a.txt, b.txt and link.txt
  // back (read-write edges); probes two missing files
  let d = dirs.opens;
  let x = await traceGraph([prog('opens'), d], all);
  let inDir = (ps: string[]) => ps.filter(under(d));
  assert.deepEqual(inDir(writes(x.g, 'p1')), [`${d}/a.txt`, `${d}/b.txt`, `${d}/c.txt`, `${d}/link.txt`, `${d}/sub`]);
  const both = x.g.edges.filter((e) => e.from === 'p1' && e.attrs.dir === 'both').map((e) => tooltip(x.g, e.to));
  assert.deepEqual(inDir(both).sort(), [`${d}/a.txt`, `${d}/b.txt`, `${d}/link.txt`]);
  assert.equal(x.g.nodes.get([...x.g.nodes].find(([, a]) => a.tooltip === `${d}/sub`)?.[0] as string)?.shape, 'folder');
  const probed = x.g.edges.filter((e) => e.attrs.label === '?').map((e) => tooltip(x.g, e.to));
  assert.deepEqual(inDir(probed).sort(), [`${d}/missing.h`, `${d}/nodir/x.h`]);
  await assertRenders(x);
  // fsops: renames and links between files, deletions
  d = dirs.fsops;
  x = await traceGraph([prog('fsops'), d], all);
  inDir = (ps: string[]) => ps.filter(under(d));
  const fileEdge = (kind: string) =>
    x.g.edges.filter((e) => e.attrs.label === kind && x.g.nodes.get(e.from)?.shape !== 'box').map((e) => `${tooltip(x.g, e.from)} -> ${tooltip(x.g, e.to)}`).sort();
  assert.deepEqual(fileEdge('mv'), [`${d}/f -> ${d}/g`, `${d}/g -> ${d}/d/h`].sort());
  assert.deepEqual(fileEdge('ln'), [`${d}/d/h -> ${d}/hl`, `${d}/hl -> ${d}/hl2`].sort());
  const removed = x.g.edges.filter((e) => e.attrs.label === 'rm').map((e) => tooltip(x.g, e.to)).sort();
  assert.deepEqual(inDir(removed), [`${d}/d/e`, `${d}/f`, `${d}/g`, `${d}/hl`, `${d}/hl2`].sort());
  for (const p of [`${d}/hl`, `${d}/hl2`, `${d}/d/e`, `${d}/f`, `${d}/g`]) {
    const id = [...x.g.nodes].find(([, a]) => a.tooltip === p)?.[0] as string;
    assert.equal(x.g.nodes.get(id)?.style, 'filled,dashed', `${p} is gone after the run`);
  }
  await assertRenders(x);
  // fds and extra-ops
  x = await traceGraph([prog('fds'), dirs.fds], all);
  assert.deepEqual(writes(x.g, 'p1').filter(under(dirs.fds)), [`${dirs.fds}/x`]);
  await assertRenders(x);
  d = dirs['extra-ops'];
  x = await traceGraph([prog('extra-ops'), d], all);
  assert.equal(label(x.g, 'p1'), 'true extra');
  assert.deepEqual(writes(x.g, 'p1').filter(under(d)), [`${d}/r`, `${d}/r1`, `${d}/r2`]);
  await assertRenders(x);
});

ebpfTest('a real log: raw and normalized give the same graph; bt graph --format svg works without Graphviz', async () => {
  const t = await trace([prog('forker')]);
  const norm = t.file.replace(/\.trace$/, '.norm.trace');
  normalizeFile(t.file, norm);
  assert.equal(graphFile(t.file).dot, graphFile(norm).dot);
  const svg = path.join(path.dirname(t.file), 'g.svg');
  const r = await bt(['graph', t.file, '--format', 'svg', '-o', svg], { env: { ...process.env, PATH: '/nonexistent' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(fs.readFileSync(svg, 'utf8'), /<svg[\s>][\s\S]*<title>p4<\/title>/);
});

test('what as and ld do (unlink the output, then write it) is a write, not a removal; a removed temporary is', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh', 'build'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/as', ['as', '-o', 'x.o', '/tmp/x.s'], '/w');
  t.open(2, '/tmp/x.s', { fd: 3 });
  t.pathOp(2, 'unlink', 'x.o');
  t.open(2, 'x.o', { fd: 4, flags: O_RDWR | O_CREAT | O_TRUNC });
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-c', 'y.c'], '/w');
  t.open(3, 'y.tmp', { fd: 3, flags: O_WRONLY | O_CREAT });
  t.pathOp(3, 'unlink', 'y.tmp');
  t.exec(3, '/usr/bin/missing-tool', ['missing-tool'], '/w', { errno: ENOENT });
  t.exit(3, 0);
  t.exit(1, 0);
  const graph = (o: GraphOptions = {}) => {
    const n = normalizeRecords(t.header, t.records);
    return parseDot(toDot(buildGraph(n.records, o, n.header)));
  };
  const g = graph();
  const as = proc(g, /^as /);
  assert.deepEqual(writes(g, as), ['/w/x.o']);
  assert.ok(!g.edges.some((e) => e.attrs.label === 'rm' && tooltip(g, e.to) === '/w/x.o'), 'no rm edge to x.o');
  const xo = [...g.nodes].find(([, a]) => a.tooltip === '/w/x.o')![0];
  assert.equal(g.nodes.get(xo)?.style, 'filled', 'x.o exists after the build');
  // y.tmp, made and removed by cc alone, is a temporary: hidden, drawn dashed and removed with --temporaries
  assert.ok(!fileNodes(g).some((id) => tooltip(g, id) === '/w/y.tmp'), 'y.tmp hidden by default');
  const tg = graph({ temporaries: true });
  const tmp = [...tg.nodes].find(([, a]) => a.tooltip === '/w/y.tmp')![0];
  assert.equal(tg.nodes.get(tmp)?.style, 'filled,dashed', 'y.tmp is a temporary');
  assert.ok(tg.edges.some((e) => e.to === tmp && e.attrs.label === 'rm'));
  assert.ok(!fileNodes(g).some((id) => tooltip(g, id) === '/usr/bin/missing-tool'));
  const p = graph({ probes: true, systemFiles: true });
  assert.ok(p.edges.some((e) => e.attrs.label === '?' && tooltip(p, e.to) === '/usr/bin/missing-tool'), 'the failed exec is a probe');
});

/**
 * Temporaries in bt graph (src/graph/temporaries.ts): files the build made
 * and removed again in /tmp or /var/tmp are hidden by default, an edge from
 * the writer to the reader standing for each, and so are a process's own
 * temporaries anywhere (made and removed, or renamed into place, by one
 * process, read by no other); --temporaries, --all-files and --include
 * draw them again. What is not a temporary stays drawn.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { buildGraph, toDot, type GraphOptions } from '../../src/graph/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { cBuildTrace, O_CREAT, O_EXCL, O_RDWR, O_TRUNC, O_WRONLY, renameIntoPlaceTrace, tempDir, TraceBuilder } from '../normalize/synth.js';
import { fileNodes, flowEdges, nodeByLabel, parseDot, type DotGraph } from './dot-parse.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;

function graphOf(t: TraceBuilder, opts: GraphOptions = {}): DotGraph {
  const n = normalizeRecords(t.header, t.records);
  return parseDot(toDot(buildGraph(n.records, opts, n.header)));
}

const paths = (g: DotGraph) => fileNodes(g).map((id) => g.nodes.get(id)!.tooltip).sort();

/**
 * gcc as it runs: the driver (pid 2) makes /tmp/ccX.s empty with mkstemp
 * (O_RDWR|O_CREAT|O_EXCL), cc1 (3) writes it anew (O_TRUNC), as (4) reads
 * it, the driver removes it.
 */
function gccTrace(cwd = '/w'): TraceBuilder {
  const t = new TraceBuilder(2, cwd);
  t.exec(2, '/usr/bin/cc', ['cc', '-c', 'a.c', '-o', 'a.o'], cwd);
  t.open(2, '/tmp/ccX.s', { fd: 3, flags: O_RDWR | O_CREAT | O_EXCL });
  t.close(2, 3);
  t.fork(2, 3);
  t.exec(3, '/usr/libexec/cc1', ['cc1', 'a.c', '-o', '/tmp/ccX.s'], cwd);
  t.open(3, 'a.c', { fd: 3 });
  t.close(3, 3);
  t.open(3, '/tmp/ccX.s', { fd: 3, flags: W });
  t.close(3, 3);
  t.exit(3, 0);
  t.fork(2, 4);
  t.exec(4, '/usr/bin/as', ['as', '-o', 'a.o', '/tmp/ccX.s'], cwd);
  t.open(4, '/tmp/ccX.s', { fd: 3 });
  t.close(4, 3);
  t.open(4, 'a.o', { fd: 3, flags: W });
  t.close(4, 3);
  t.exit(4, 0);
  t.pathOp(2, 'unlink', '/tmp/ccX.s');
  t.exit(2, 0);
  return t;
}

test("gcc's temporary: hidden, one edge from cc1 to as (not from the driver that made it empty)", () => {
  const g = graphOf(gccTrace());
  assert.deepEqual(paths(g), ['/w/a.c', '/w/a.o']);
  assert.deepEqual(flowEdges(g), [`${nodeByLabel(g, 'cc1 a.c')}->${nodeByLabel(g, 'as -o a.o')}:ccX.s`]);
  const e = g.edges.find((x) => x.attrs.label === 'ccX.s')!;
  assert.equal(e.attrs.tooltip, 'cc1 wrote a temporary that as read (--temporaries draws them):\n/tmp/ccX.s');
  // --temporaries, --all-files and an --include that names it draw the file, and no edge for it
  for (const opts of [{ temporaries: true }, { allFiles: true }, { include: ['/tmp/**', '*.c'] }] as GraphOptions[]) {
    const t = graphOf(gccTrace(), opts);
    assert.ok(paths(t).includes('/tmp/ccX.s'), JSON.stringify(opts));
    assert.deepEqual(flowEdges(t), [], JSON.stringify(opts));
  }
  assert.deepEqual(paths(graphOf(gccTrace(), { include: ['*.c'] })), ['/w/a.c'], '--include shows what it names only');
  // no files, no edges for them; an excluded temporary is gone with its edge
  assert.deepEqual(flowEdges(graphOf(gccTrace(), { processesOnly: true })), []);
  assert.deepEqual(flowEdges(graphOf(gccTrace(), { exclude: ['/tmp'] })), []);
  // --depth folds cc1 and as into the driver: nothing passes between nodes
  assert.deepEqual(flowEdges(graphOf(gccTrace(), { depth: 0 })), []);
});

test('not temporaries: a file kept at the end, files of a build that works in /tmp; a file its maker renamed into place is one', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh', 'gen.sh'], '/w');
  t.open(1, '/tmp/kept.txt', { fd: 3, flags: W });
  t.close(1, 3);
  t.open(1, '/tmp/out.tmp', { fd: 3, flags: W });
  t.close(1, 3);
  t.pathOp2(1, 'rename', '/tmp/out.tmp', 'out.h');
  t.open(1, '/var/tmp/scratch', { fd: 3, flags: W });
  t.close(1, 3);
  t.pathOp(1, 'unlink', '/var/tmp/scratch');
  t.exit(1, 0);
  assert.deepEqual(paths(graphOf(t)), ['/tmp/kept.txt', '/w/out.h']);
  assert.deepEqual(paths(graphOf(t, { temporaries: true })), ['/tmp/kept.txt', '/tmp/out.tmp', '/var/tmp/scratch', '/w/out.h']);
  // a build in /tmp/proj: its own scratch files are the build's (conftest.c, which cc reads), the compiler's in /tmp are temporaries
  assert.deepEqual(paths(graphOf(gccTrace('/tmp/proj'))), ['/tmp/proj/a.c', '/tmp/proj/a.o']);
  const inTree = new TraceBuilder(1, '/tmp/proj');
  inTree.exec(1, '/bin/sh', ['sh', 'configure'], '/tmp/proj');
  inTree.open(1, 'conftest.c', { fd: 3, flags: W });
  inTree.close(1, 3);
  inTree.fork(1, 2);
  inTree.exec(2, '/usr/bin/cc', ['cc', '-c', 'conftest.c'], '/tmp/proj');
  inTree.open(2, 'conftest.c', { fd: 3 });
  inTree.close(2, 3);
  inTree.exit(2, 0);
  inTree.pathOp(1, 'unlink', 'conftest.c');
  inTree.exit(1, 0);
  assert.deepEqual(paths(graphOf(inTree)), ['/tmp/proj/conftest.c']);
});

/** The edges to and from files, by node label: `FROM -> TO`, then the edge's label, or `rw` for a read-write edge. */
function fileEdges(g: DotGraph): string[] {
  const label = (id: string) => g.nodes.get(id)!.label;
  return g.edges
    .filter((e) => e.from.startsWith('f_') || e.to.startsWith('f_'))
    .map((e) => `${label(e.from)} -> ${label(e.to)}${e.attrs.label ? ` ${e.attrs.label}` : e.attrs.dir === 'both' ? ' rw' : ''}`);
}

test("a process's own temporaries, anywhere, are hidden: made and removed, or renamed into place, by one process and read by no other (sed -i, mkstemp + os.replace, ar's stXXXXXX)", () => {
  const g = graphOf(renameIntoPlaceTrace());
  assert.deepEqual(paths(g), [
    '/w/gen.py',
    '/w/lib.a',
    '/w/main.c',
    '/w/main.o',
    '/w/out/config.h',
    '/w/out/list',
    '/w/out/list.tmp',
    '/w/out/stamp',
    '/w/out/v.h',
    '/w/out/v.tmp',
  ]);
  // the process that renamed its temporary onto the final file writes that file; a file moved by mv, or read under its temporary name, stays drawn
  assert.deepEqual(fileEdges(g), [
    'gen.py -> gen.py',
    'gen.py -> out/config.h',
    'sed -i s/a/b/ out/stamp -> out/stamp rw',
    'out/config.h -> cc -c main.c',
    'main.c -> cc -c main.c',
    'cc -c main.c -> main.o',
    'main.o -> ar qc lib.a main.o',
    'ar qc lib.a main.o -> lib.a',
    'gen out/list.tmp -> out/list.tmp',
    'mv out/list.tmp out/list -> out/list.tmp rm',
    'mv out/list.tmp out/list -> out/list',
    'gen out/v.h -> out/v.tmp',
    'gen out/v.h -> out/v.tmp rm',
    'gen out/v.h -> out/v.h',
    'out/v.tmp -> cat out/v.tmp',
    'out/list.tmp -> out/list mv',
    'out/v.tmp -> out/v.h mv',
  ]);
  assert.deepEqual(flowEdges(g), []);
  // --temporaries draws them, with their removal and the rename onto the final file
  const all = fileEdges(graphOf(renameIntoPlaceTrace(), { temporaries: true }));
  assert.deepEqual(
    all.filter((e) => /tmpa1b2|sedAb12Cd|stXy34Zw/.test(e)),
    [
      'gen.py -> out/tmpa1b2.tmp rw',
      'gen.py -> out/tmpa1b2.tmp rm',
      'sed -i s/a/b/ out/stamp -> out/sedAb12Cd rw',
      'sed -i s/a/b/ out/stamp -> out/sedAb12Cd rm',
      'ar qc lib.a main.o -> stXy34Zw rw',
      'ar qc lib.a main.o -> stXy34Zw rm',
      'out/tmpa1b2.tmp -> out/config.h mv',
      'out/sedAb12Cd -> out/stamp mv',
    ],
  );
});

test('--collapse program: one edge per pair of nodes, named by what the temporaries share', () => {
  const g = graphOf(cBuildTrace(['a', 'b', 'c']), { collapse: 'program' });
  assert.deepEqual(flowEdges(g), [`${nodeByLabel(g, 'cc1 ×3')}->${nodeByLabel(g, 'as ×3')}:cc*.s ×3`]);
  assert.ok(!paths(g).some((p) => p.startsWith('/tmp/')));
  const t = graphOf(cBuildTrace(['a', 'b', 'c']), { collapse: 'program', temporaries: true });
  assert.deepEqual(flowEdges(t), []);
  assert.ok(fileNodes(t).some((id) => t.nodes.get(id)!.label === '/tmp/cc*.s ×3'));
});

test('bt graph --temporaries draws them; by default the DOT says what the edges stand for', async () => {
  const { bt } = await import('../helpers/trace.js');
  const log = gccTrace().write(path.join(tempDir(), 'build.trace'));
  const dflt = await bt(['graph', log]);
  assert.equal(dflt.code, 0, dflt.stderr);
  assert.match(dflt.stdout, /\n {2}\/\/ hidden temporaries: writer -> reader\n {2}p2 -> p3 \[style="dashed", color="#e37400", label="ccX\.s"/);
  const shown = await bt(['graph', log, '--temporaries']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(paths(parseDot(shown.stdout)), ['/tmp/ccX.s', '/w/a.c', '/w/a.o']);
  assert.doesNotMatch(shown.stdout, /hidden temporaries/);
});

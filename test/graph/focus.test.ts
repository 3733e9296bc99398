/**
 * bt graph --focus on a configure-then-make build (configureMakeTrace): the
 * walk stays in the phase of the build that made FILE (make), showing what
 * configure made as a file "made earlier" without its makers; --all-phases
 * follows it; --depth N follows N jobs; bad values are one-line usage errors.
 * On node-gyp's rebuild (nodeGypTrace), its clean's removals of the old
 * build's files are no edges of the files the build made again.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { buildGraph, focusGraph, toDot, type DotOptions, type GraphOptions } from '../../src/graph/index.js';
import type { ScopeOptions } from '../../src/answers/deps.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { configureMakeTrace, nodeGypTrace, tempDir, type TraceBuilder } from '../normalize/synth.js';
import { fileNodes, flowEdges, parseDot, procNodes, type DotGraph } from './dot-parse.js';

function modelOf(t: TraceBuilder): Build {
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

function focus(file: string, scope: ScopeOptions = {}, options: GraphOptions = {}, dot: DotOptions = {}): DotGraph {
  const b = modelOf(configureMakeTrace());
  return parseDot(toDot(focusGraph(b, b.resolveFile(file), options, scope).view, dot));
}

/** The labels of the nodes, processes or files, sorted. */
const labels = (g: DotGraph, ids: string[]) => ids.map((id) => g.nodes.get(id)!.label).sort();
/** Every edge as "FROM-LABEL -> TO-LABEL", sorted (first lines of the labels). */
const edges = (g: DotGraph) => g.edges.map((e) => `${g.nodes.get(e.from)!.label.split('\n')[0]} -> ${g.nodes.get(e.to)!.label.split('\n')[0]}`).sort();

test('--focus stops at what an earlier phase made: config.h is drawn, marked, its makers are not', () => {
  const g = focus('main.o');
  assert.deepEqual(labels(g, procNodes(g)), ["sh -c './configure && make'", 'as -o main.o /tmp/ccmain.s', 'cc -c main.c -o main.o', 'cc1 main.c -o /tmp/ccmain.s', 'make'].sort());
  assert.deepEqual(labels(g, fileNodes(g)), ['config.h\nmade earlier by configure', 'main.c', 'main.o', 'util.h']);
  assert.deepEqual(edges(g), [
    "sh -c './configure && make' -> make",
    'as -o main.o /tmp/ccmain.s -> main.o',
    'cc -c main.c -o main.o -> as -o main.o /tmp/ccmain.s',
    'cc -c main.c -o main.o -> cc1 main.c -o /tmp/ccmain.s',
    'cc1 main.c -o /tmp/ccmain.s -> as -o main.o /tmp/ccmain.s', // the hidden /tmp/ccmain.s
    'config.h -> cc1 main.c -o /tmp/ccmain.s',
    'main.c -> cc1 main.c -o /tmp/ccmain.s',
    'make -> cc -c main.c -o main.o',
    'util.h -> cc1 main.c -o /tmp/ccmain.s',
  ].sort());
  const config = g.nodes.get('f_config_h')!;
  assert.equal(config.fillcolor, '#e6f4ea', 'green: the build made it');
  assert.equal(config.tooltip, '/w/config.h\nmade by an earlier phase of the build (not followed; --all-phases follows it): /bin/sh ./configure');
  // bt view names its own control instead of the command line's
  const inView = focus('main.o', {}, {}, { allPhases: '"All phases" above the graph' }).nodes.get('f_config_h')!;
  assert.equal(inView.tooltip, '/w/config.h\nmade by an earlier phase of the build (not followed; "All phases" above the graph follows it): /bin/sh ./configure');
});

test('--focus --all-phases follows config.h into configure, with every process of its job', () => {
  const g = focus('main.o', { allPhases: true });
  assert.deepEqual(labels(g, procNodes(g)), [
    "sh -c './configure && make'",
    'as -o main.o /tmp/ccmain.s',
    'cc -c main.c -o main.o',
    'cc -o conftest conftest.c\n×3',
    'cc1 main.c -o /tmp/ccmain.s',
    'config.status',
    'configure',
    'make',
  ].sort());
  // config.status read Makefile.in after it was done writing config.h: not what config.h was made of
  assert.deepEqual(labels(g, fileNodes(g)), ['confdefs.h', 'config.h', 'config.status', 'configure', 'conftest.c', 'main.c', 'main.o', 'util.h']);
  assert.ok(edges(g).includes('config.status -> config.h'));
});

test('--focus in the configure phase follows configure; FILE made by make draws the whole make phase', () => {
  const c = focus('config.h');
  assert.deepEqual(labels(c, procNodes(c)), ["sh -c './configure && make'", 'cc -o conftest conftest.c\n×3', 'config.status', 'configure'].sort());
  assert.ok(!labels(c, fileNodes(c)).some((l) => l.includes('made')), 'nothing is made elsewhere');
  const app = focus('app');
  assert.deepEqual(labels(app, fileNodes(app)), ['app', 'config.h\nmade earlier by configure', 'main.c', 'main.o', 'util.c', 'util.h', 'util.o']);
  assert.equal(procNodes(app).length, 10, 'the root, make, two compiles of three processes, cc and ld');
});

test('--depth N follows N jobs: the files made beyond say by what', () => {
  const d1 = focus('app', { depth: 1 });
  assert.deepEqual(labels(d1, procNodes(d1)), ["sh -c './configure && make'", 'cc -o app main.o util.o', 'ld -o app main.o util.o', 'make'].sort());
  assert.deepEqual(labels(d1, fileNodes(d1)), ['app', 'main.o\nmade by cc -c main.c -o main.o', 'util.o\nmade by cc -c util.c -o util.o']);
  assert.equal(d1.nodes.get('f_main_o')!.tooltip, '/w/main.o\nmade by cc -c main.c -o main.o (beyond --depth: not followed)');
  const d2 = focus('app', { depth: 2 });
  assert.deepEqual(labels(d2, fileNodes(d2)), labels(focus('app'), fileNodes(focus('app'))), 'two jobs deep is all of it in this phase');
  assert.deepEqual(flowEdges(d2).length, 2);
  // with --all-phases, the depth cuts configure's job at config.h
  const d2all = focus('app', { depth: 2, allPhases: true });
  assert.ok(labels(d2all, fileNodes(d2all)).includes('config.h\nmade by configure'));
  // --collapse program keeps files made by different jobs apart, so each keeps its maker
  const p = focus('app', { depth: 1 }, { collapse: 'program' });
  assert.deepEqual(labels(p, fileNodes(p)), labels(d1, fileNodes(d1)));
});

test('--focus with --max-nodes suggests the --depth of the provenance that fits, never 0', () => {
  const b = modelOf(configureMakeTrace(['main', 'util', 'a', 'b', 'c']));
  assert.throws(
    () => focusGraph(b, b.resolveFile('app'), { maxNodes: 10, collapse: 'none' }, {}),
    (e: unknown) => {
      const m = (e as Error).message;
      assert.match(m, /^the graph would have 32 nodes \(19 processes, 13 files\), over --max-nodes 10: try /);
      assert.match(m, / --depth 1 \(10 nodes\), /, 'ld, cc, make, the root and app with its 5 objects');
      return true;
    },
  );
  assert.throws(
    () => focusGraph(b, b.resolveFile('app'), { maxNodes: 5 }, {}),
    (e: unknown) => !/--depth/.test((e as Error).message),
  );
});

test('bt graph --focus: --depth 0, -1, x and --all-phases alone are one-line usage errors (exit 2)', async () => {
  const { bt } = await import('../helpers/trace.js');
  const log = configureMakeTrace().write(path.join(tempDir(), 'build.trace'));
  const usage = async (args: string[], line: string) => {
    const r = await bt(['graph', log, ...args]);
    assert.deepEqual([r.code, r.stderr, r.stdout], [2, line, '']);
  };
  await usage(['--focus', 'main.o', '--depth', '0'], 'bt: invalid depth "0" with --focus: give 1 or more (the jobs of the provenance to follow; 1: the job that made FILE)');
  await usage(['--focus', 'main.o', '--depth', '-1'], 'bt: invalid depth "-1": give a whole number (0 or more)');
  await usage(['--focus', 'main.o', '--depth', 'x'], 'bt: invalid depth "x": give a whole number (0 or more)');
  await usage(['--all-phases'], 'bt: --all-phases goes with --focus FILE');
  const ok = await bt(['graph', log, '--focus', 'app', '--depth', '1']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  assert.deepEqual(fileNodes(parseDot(ok.stdout)).sort(), ['f_app', 'f_main_o', 'f_util_o']);
});

test("--focus of node-gyp's a.node: its clean's removal of the old a.o is no edge of the new a.o; a file removed for good keeps its rm edge", () => {
  const b = modelOf(nodeGypTrace());
  const g = parseDot(toDot(focusGraph(b, b.resolveFile('build/a.node'), {}, {}).view));
  // before: node-gyp.js rebuild -> build/a.o (rm)
  assert.deepEqual(edges(g).filter((e) => e.startsWith('node-gyp.js')), ['node-gyp.js rebuild -> make -C build']);
  assert.deepEqual(g.edges.filter((e) => e.attrs.label === 'rm'), []);
  const all = parseDot(toDot(focusGraph(b, b.resolveFile('build/a.node'), {}, { allPhases: true }).view));
  assert.ok(!all.edges.some((e) => e.attrs.label === 'rm'));
  const t = nodeGypTrace();
  const n = normalizeRecords(t.header, t.records);
  const whole = parseDot(toDot(buildGraph(n.records, {}, n.header)));
  assert.deepEqual(
    whole.edges.filter((e) => e.attrs.label === 'rm').map((e) => `${whole.nodes.get(e.from)!.label} -> ${whole.nodes.get(e.to)!.label}`),
    ['node-gyp.js rebuild -> build/gone.txt'],
  );
});

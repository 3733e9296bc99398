/**
 * bt graph --focus on a configure-then-make build (configureMakeTrace): the
 * walk stays in the phase of the build that made FILE (make), showing what
 * configure made as a file "made earlier" without its makers; --all-phases
 * follows it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphBuild, toDot, type GraphOptions } from '../../src/graph/index.js';
import { depsScope, type ScopeOptions } from '../../src/answers/deps.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { configureMakeTrace, type TraceBuilder } from '../normalize/synth.js';
import { fileNodes, flowEdges, parseDot, procNodes, type DotGraph } from './dot-parse.js';

function modelOf(t: TraceBuilder): Build {
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

function focus(file: string, scope: ScopeOptions = {}, options: GraphOptions = {}): DotGraph {
  const b = modelOf(configureMakeTrace());
  return parseDot(toDot(graphBuild(b, options, depsScope(b, b.resolveFile(file), scope))));
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

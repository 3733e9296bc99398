/**
 * bt graph folds the files the build only read outside its tree, twelve or
 * more under one directory (present/fold.ts), into one node: a Python
 * generator's interpreter library is one node, not sixty. Files of the
 * tree, files the build wrote and fewer than twelve stay one node each;
 * --unfold, --all-files and --include draw every file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGraph, toDot, type GraphOptions } from '../../src/graph/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { addJob, TraceBuilder } from '../normalize/synth.js';
import { fileNodes, parseDot, procNodes, readsOf, type DotGraph } from './dot-parse.js';

const LIB = Array.from({ length: 12 }, (_, i) => `/opt/py/lib/python3.11/m${String.fromCharCode(97 + i)}.pyc`);
const OTHER = ['/opt/tool/share/a.dat', '/opt/tool/share/b.dat'];

/** make runs gen.py (python reads its library, two data files and gen.in, writes gen.h), then cc reads gen.h and makes a.o. */
function trace(libs: string[]): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  addJob(t, { parent: 1, pid: 2, exe: '/opt/py/bin/python3', argv: ['python3', 'gen.py'], reads: [...libs, ...OTHER, 'gen.py', 'gen.in'], writes: ['gen.h'] });
  addJob(t, { parent: 1, pid: 3, exe: '/usr/bin/cc', argv: ['cc', '-c', 'a.c'], reads: ['gen.h'], writes: ['a.o'] });
  t.exit(1, 0);
  return t;
}

/** The process node running gen.py (its label is the script's name, as a file's may be). */
function python(g: DotGraph): string {
  return procNodes(g).find((id) => g.nodes.get(id)!.label === 'gen.py')!;
}

function graphOf(t: TraceBuilder, opts: GraphOptions = {}): DotGraph {
  const n = normalizeRecords(t.header, t.records);
  return parseDot(toDot(buildGraph(n.records, opts, n.header)));
}

test('graph: twelve files read under /opt/py are one node, with one edge to the process that read them', () => {
  const g = graphOf(trace(LIB));
  assert.deepEqual(readsOf(g, python(g)), ['/opt/py/lib/python3.11/m*.pyc ×12', '/opt/tool/share/a.dat', '/opt/tool/share/b.dat', 'gen.in', 'gen.py']);
  assert.equal(fileNodes(g).length, 5 + 2, 'and gen.h, a.o');
});

test('graph: eleven stay one node each; --unfold, --all-files and --include draw every file', () => {
  // the 11, the 2 others, gen.py, gen.in, gen.h and a.o
  assert.equal(fileNodes(graphOf(trace(LIB.slice(1)))).length, 11 + 2 + 2 + 2);
  for (const opts of [{ unfold: true }, { include: ['**'] }] as GraphOptions[]) {
    const g = graphOf(trace(LIB), opts);
    assert.ok(readsOf(g, python(g)).includes('/opt/py/lib/python3.11/ma.pyc'), JSON.stringify(opts));
  }
  const all = graphOf(trace(LIB), { allFiles: true });
  assert.equal(readsOf(all, python(all)).filter((l) => l.startsWith('/opt/py/lib/')).length, 12);
});

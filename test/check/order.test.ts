/** The ordering search of bt check's missing-dep: paths of prerequisites, and the memo of nodes that reach none. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrderIndex } from '../../src/check/order.js';

test('OrderIndex: a target is after a rule when a path of prerequisites reaches one of its outputs; searches that found none are remembered', () => {
  // app <- main.o, util.o; main.o <- main.c || order; order (phony) <- gen.h; util.o <- util.c; gen.h, gen2.h <- gen.in (one rule)
  const graph: Record<string, string[]> = {
    app: ['main.o', 'util.o'],
    'main.o': ['main.c', 'order'],
    order: ['gen.h'],
    'util.o': ['util.c'],
    'gen.h': ['gen.in'],
    'gen2.h': ['gen.in'],
  };
  const asked: string[] = [];
  const idx = new OrderIndex((n) => {
    asked.push(n);
    return graph[n] ?? [];
  });
  const gen = new Set(['gen.h', 'gen2.h']);
  assert.equal(idx.after('gen', gen, ['main.o']), true, 'through the phony order-only node');
  assert.equal(idx.after('gen', gen, ['app']), true);
  assert.equal(idx.after('gen', gen, ['util.o']), false);
  asked.length = 0;
  assert.equal(idx.after('gen', gen, ['util.o']), false);
  assert.deepEqual(asked, ['util.o'], 'util.c is known to reach no output of the rule: not asked again');
  assert.equal(idx.after('other', new Set(['util.c']), ['util.o']), true, 'the memo is per rule');
  assert.equal(idx.after('gen', gen, ['gen.in']), false);
});

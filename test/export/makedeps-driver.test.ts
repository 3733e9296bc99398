/**
 * bt export makedeps and what a driver put in place itself: a file cargo
 * hard-linked (target/debug/app from deps/app-HASH) or go renamed (./app
 * from its link job's a.out, gone at the end) gets the rule of its source,
 * as bt deps follows it; the driver's own bookkeeping and its copies get
 * none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makedeps } from '../../src/export/makedeps.js';
import type { Build } from '../../src/model/index.js';
import { APP, cargoWorkspace, goExternalLink, modelOf, RUN, TINY } from '../answers/driver-builds.js';

function rulesOf(b: Build, outputOf?: string): Map<string, string[]> {
  let text = '';
  makedeps(b, (s) => (text += s), { outputOf });
  const rules = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\S+):(.*)$/.exec(line);
    if (m && m[2]) rules.set(m[1], m[2].trim().split(' '));
  }
  return rules;
}

test('makedeps: what cargo hard-linked into place has its source\'s rule; cargo\'s fingerprints have none', () => {
  const b = modelOf(cargoWorkspace());
  const rules = rulesOf(b);
  // inputs in order of first use (cargo looked for the rlib first)
  const deps = [`/w/deps/libtinyhex-${TINY}.rlib`, `/w/build/app-${RUN}/out/gen.rs`, '/w/app/src/main.rs'];
  assert.deepEqual(rules.get(`/w/deps/app-${APP}`), deps);
  assert.deepEqual(rules.get('/w/app'), deps);
  assert.deepEqual(rules.get('/w/libtinyhex.rlib'), ['/w/vendor/tinyhex/src/lib.rs']);
  assert.deepEqual([...rules.keys()].filter((o) => o.includes('.fingerprint') || o.endsWith('.d') && !o.includes('/deps/')), []);
  // --output-of gives it alone
  assert.deepEqual([...rulesOf(b, 'app').entries()], [['/w/app', deps]]);
});

test('makedeps: go\'s ./app, renamed from its link job\'s a.out, has a.out\'s rule though a.out is gone; a copy has none', () => {
  assert.deepEqual([...rulesOf(modelOf(goExternalLink('rename')), '/w/app').entries()], [['/w/app', ['/tmp/go-build1/b001/_pkg_.a']]]);
  assert.throws(() => rulesOf(modelOf(goExternalLink('copy')), '/w/app'), { message: /^\/w\/app has no rule: / });
});

test('makedeps --output-of a file the build did not write, or one only a driver wrote for itself: one line that says why', () => {
  const b = modelOf(cargoWorkspace());
  for (const f of ['/w/app/spec.txt', `/w/.fingerprint/tinyhex-${TINY}/dep-lib-tinyhex`]) {
    assert.throws(() => rulesOf(b, f), {
      message: `${f} has no rule: no job of this build wrote it, and no driver moved it into place from a file a job wrote (bt export makedeps lists every rule)`,
    });
  }
});

/**
 * bt deps as text draws each file once: two objects that include the same
 * headers list them under the first; under the second, the ones already
 * drawn are one line (`… 3 inputs shown above`), one alone is marked
 * `(see above)`, and with --unfold each is marked. A kernel's vmlinux was
 * 208,448 lines of 800 headers repeated under every object; --json keeps
 * every node.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps, depNodes } from '../../src/answers/deps.js';
import { depsText } from '../../src/answers/text.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { addJob, TraceBuilder } from '../normalize/synth.js';

/** make in /w: a.o and b.o from a.c and b.c, both including x.h, y.h and z.h (b.c also w.h), by cc; prog linked from both. */
function build() {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  const headers = ['/w/x.h', '/w/y.h', '/w/z.h'];
  addJob(t, { parent: 1, pid: 2, exe: '/usr/bin/cc', argv: ['cc', '-c', 'a.c'], reads: ['/w/a.c', ...headers], writes: ['/w/a.o'] });
  addJob(t, { parent: 1, pid: 3, exe: '/usr/bin/cc', argv: ['cc', '-c', 'b.c'], reads: ['/w/b.c', '/w/w.h', ...headers], writes: ['/w/b.o'] });
  addJob(t, { parent: 1, pid: 4, exe: '/usr/bin/cc', argv: ['cc', '-o', 'prog', 'a.o', 'b.o'], reads: ['/w/a.o', '/w/b.o'], writes: ['/w/prog'] });
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('deps text: the headers two objects share are drawn under the first, one line under the second; one already drawn is marked (see above)', () => {
  const b = build();
  const d = deps(b, b.file('/w/prog')!);
  assert.deepEqual(depsText(d, { start: '/w' }).split('\n'), [
    'prog  <- written by cc -o prog a.o b.o [proc 4]',
    '  a.o  <- written by cc -c a.c [proc 2]',
    '    a.c',
    '    x.h',
    '    y.h',
    '    z.h',
    '    /usr/bin/cc',
    '  b.o  <- written by cc -c b.c [proc 3]',
    '    b.c',
    '    w.h',
    '    … 4 inputs shown above',
    '  /usr/bin/cc (see above)',
    '',
    '7 inputs and 2 intermediate files through 3 jobs',
    '',
  ]);
  // --unfold: every file on a line of its own, those drawn before marked
  assert.deepEqual(depsText(d, { start: '/w', unfold: true }).split('\n').slice(7, 15), [
    '  b.o  <- written by cc -c b.c [proc 3]',
    '    b.c',
    '    w.h',
    '    x.h (see above)',
    '    y.h (see above)',
    '    z.h (see above)',
    '    /usr/bin/cc (see above)',
    '  /usr/bin/cc (see above)',
  ]);
  // the JSON's tree keeps each job's every input
  const b_o = [...depNodes(d.tree)].find((n) => n.path === '/w/b.o')!;
  assert.deepEqual(
    b_o.children.map((c) => c.path),
    ['/w/b.c', '/w/w.h', '/w/x.h', '/w/y.h', '/w/z.h', '/usr/bin/cc'],
  );
});

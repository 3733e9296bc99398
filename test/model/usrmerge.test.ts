/**
 * A merged /usr (which directories were links: test/log/usrmerge.test.ts):
 * bt summary's and bt deps' listings naming a file used as /bin/sh and
 * /usr/bin/sh once, by its /usr name, only then.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps } from '../../src/answers/deps.js';
import { fileGroups } from '../../src/answers/groups.js';
import { summarize } from '../../src/answers/summary.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { mergedUsr, otherUsrName } from '../../src/model/usrmerge.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

test('mergedUsr and otherUsrName: only a merged directory\'s paths have a /usr name (and back), not a sibling of the same beginning nor /usr/local', () => {
  const dirs = new Set(['bin', 'lib']);
  assert.equal(mergedUsr('/lib/x86_64-linux-gnu/crti.o', dirs), '/usr/lib/x86_64-linux-gnu/crti.o');
  assert.equal(mergedUsr('/sbin/ldconfig', dirs), '/sbin/ldconfig');
  assert.equal(mergedUsr('/libexec/x', dirs), '/libexec/x');
  assert.equal(otherUsrName('/bin/sh', dirs), '/usr/bin/sh');
  assert.equal(otherUsrName('/usr/bin/sh', dirs), '/bin/sh');
  assert.equal(otherUsrName('/usr/lib', dirs), '/lib');
  assert.equal(otherUsrName('/usr/sbin/ldconfig', dirs), undefined);
  assert.equal(otherUsrName('/usr/libexec/x', dirs), undefined);
  assert.equal(otherUsrName('/usr/local/bin/sh', dirs), undefined);
  assert.equal(otherUsrName('/bin/sh', new Set()), undefined);
});

/** make runs `/bin/sh -c 'sh gen.sh > gen.h'` (sh found on PATH in /usr/bin); both read /usr/include/x.h through /usr and /lib/x.conf as /lib; then cc reads gen.h and writes prog. */
function build(mergedUsr: string | undefined): Build {
  const W = O_WRONLY | O_CREAT | O_TRUNC;
  const t = new TraceBuilder(1, '/w', { options: mergedUsr === undefined ? {} : { merged_usr: mergedUsr } });
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', 'sh gen.sh > gen.h'], '/w');
  t.open(2, 'gen.h', { fd: 1, flags: W });
  t.open(2, '/lib/x.conf', { fd: 4 });
  t.fork(2, 3);
  t.exec(3, '/usr/bin/sh', ['sh', 'gen.sh'], '/w');
  t.open(3, 'gen.sh', { fd: 3 });
  t.open(3, '/usr/lib/x.conf', { fd: 4 });
  t.open(3, '/usr/lib/missing.conf', { fd: -1, errno: 2 });
  t.open(3, '/lib/missing.conf', { fd: -1, errno: 2 });
  t.exit(3, 0);
  t.exit(2, 0);
  t.fork(1, 4);
  t.exec(4, '/usr/bin/cc', ['cc', '-o', 'prog', 'gen.c'], '/w');
  t.open(4, 'gen.c', { fd: 3 });
  t.open(4, 'gen.h', { fd: 4 });
  t.open(4, 'prog', { fd: 5, flags: W });
  t.exit(4, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

test('summary and deps on a merged /usr: /bin/sh and /usr/bin/sh are one input, listed as /usr/bin/sh; a probe by both names is one', () => {
  const b = build('bin,lib,lib64,sbin');
  const s = summarize(b);
  assert.deepEqual(s.inputs.system, ['/usr/bin/cc', '/usr/bin/make', '/usr/bin/sh', '/usr/lib/x.conf']);
  assert.deepEqual(s.probes, [{ dir: '/usr/lib', count: 1 }]);
  assert.equal(s.probe_count, 1);
  const d = deps(b, b.file('/w/prog')!);
  assert.deepEqual(d.inputs, ['/usr/bin/cc', '/usr/bin/sh', '/usr/lib/x.conf', '/w/gen.c', '/w/gen.sh']);
  const gen = d.tree.children.find((c) => c.path === '/w/gen.h')!;
  assert.deepEqual(gen.children.map((c) => c.path), ['/w/gen.sh', '/usr/bin/sh', '/usr/lib/x.conf']);
  // the viewer's groups are the same groups
  assert.deepEqual(fileGroups(b).inputs.system.map((id) => b.model.files[id].path), s.inputs.system);
});

test('summary and deps on a system without a merged /usr: /bin/sh and /usr/bin/sh can be two files and are both listed', () => {
  for (const b of [build('none'), build(undefined)]) {
    const s = summarize(b);
    assert.deepEqual(s.inputs.system, ['/bin/sh', '/lib/x.conf', '/usr/bin/cc', '/usr/bin/make', '/usr/bin/sh', '/usr/lib/x.conf']);
    assert.equal(s.probe_count, 2);
    const d = deps(b, b.file('/w/prog')!);
    assert.deepEqual(d.inputs, ['/bin/sh', '/lib/x.conf', '/usr/bin/cc', '/usr/bin/sh', '/usr/lib/x.conf', '/w/gen.c', '/w/gen.sh']);
  }
});

test('summary --filter on a merged /usr: a selection that used the file by one name only lists it by that name', () => {
  const b = build('bin,lib,lib64,sbin');
  // make's /bin/sh -c alone (process 2), not the sh it ran from /usr/bin
  const s = summarize(b, { procs: new Set([2]) });
  assert.deepEqual(s.inputs.system, ['/bin/sh', '/lib/x.conf']);
  const both = summarize(b, { procs: new Set([2, 3]) });
  assert.deepEqual(both.inputs.system, ['/usr/bin/sh', '/usr/lib/x.conf']);
});

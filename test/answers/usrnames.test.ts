/**
 * A file named by the user on a merged /usr: /bin/sh and /usr/bin/sh are
 * one file when the log's merged_usr says /bin was a link into /usr, so
 * bt rdeps and bt deps of either name answer for the readers of both, a
 * name the build used only the other way finds the file, and a bare name
 * matching both is one file. With merged_usr "none" the names stay apart.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { deps, rdeps } from '../../src/answers/deps.js';
import { depsText } from '../../src/answers/text.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { bt, tmpdir } from '../helpers/trace.js';
import { addJob, TraceBuilder } from '../normalize/synth.js';


/**
 * make's jobs: `/bin/sh -c 'date > a.txt'` (which reads /lib/only.conf),
 * `sh gen.sh` run from PATH as /usr/bin/sh writing b.txt, then `cat a.txt
 * b.txt` writing all.txt.
 */
function trace(mergedUsr: string): TraceBuilder {
  const t = new TraceBuilder(1, '/w', { options: { merged_usr: mergedUsr } });
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  const job = (pid: number, exe: string, argv: string[], reads: string[], write: string) => addJob(t, { parent: 1, pid, exe, argv, reads, writes: [write] });
  job(2, '/bin/sh', ['/bin/sh', '-c', 'date > a.txt'], ['/lib/only.conf'], 'a.txt');
  job(3, '/usr/bin/sh', ['sh', 'gen.sh'], ['gen.sh'], 'b.txt');
  job(4, '/usr/bin/cat', ['cat', 'a.txt', 'b.txt'], ['a.txt', 'b.txt'], 'all.txt');
  t.exit(1, 0);
  return t;
}

function build(mergedUsr: string): Build {
  const t = trace(mergedUsr);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

const rdepsOf = (b: Build, name: string) => depsText(rdeps(b, b.resolveFile(name)), { reverse: true, start: b.startDir });
const depsOf = (b: Build, name: string) => depsText(deps(b, b.resolveFile(name)), { start: b.startDir });

/** rdeps of the shell by both names on a merged /usr. */
const BOTH = (name: string) =>
  [
    name,
    "  a.txt  <- made by /bin/sh -c 'date > a.txt' [proc 2]",
    '    all.txt  <- made by cat a.txt b.txt [proc 4]',
    '  b.txt  <- made by sh gen.sh [proc 3]',
    '    all.txt (see above)',
    '',
    '3 files made from it by 3 jobs',
    '',
  ].join('\n');

test('rdeps on a merged /usr: /bin/sh and /usr/bin/sh are one file, followed through the readers of both names', () => {
  const b = build('bin,lib,lib64,sbin');
  assert.equal(rdepsOf(b, '/bin/sh'), BOTH('/bin/sh'));
  assert.equal(rdepsOf(b, '/usr/bin/sh'), BOTH('/usr/bin/sh'));
  assert.deepEqual(rdeps(b, b.file('/bin/sh')!).outputs, ['/w/a.txt', '/w/all.txt', '/w/b.txt']);
  // deps of the input: its readers by either name
  const readers = ['read by:', "  [proc 2] /bin/sh -c 'date > a.txt'", '  [proc 3] sh gen.sh', ''];
  assert.equal(depsOf(b, '/bin/sh'), ['/bin/sh is an input: the build did not write it.', ...readers].join('\n'));
  assert.equal(depsOf(b, '/usr/bin/sh'), ['/usr/bin/sh is an input: the build did not write it.', ...readers].join('\n'));
});

test('resolveFile on a merged /usr: a path the build used by its other name only is that file; a bare name matching both names is the file under /usr', () => {
  const b = build('bin,lib,lib64,sbin');
  assert.equal(b.resolveFile('/usr/lib/only.conf').path, '/lib/only.conf');
  assert.equal(b.resolveFile('sh').path, '/usr/bin/sh');
  // /sbin is merged too, but nothing under it was used; /usr/local/bin is no merged directory
  assert.throws(() => b.resolveFile('/usr/sbin/sh'), /the build never touched a file named \/usr\/sbin\/sh/);
  assert.throws(() => b.resolveFile('/usr/local/bin/sh'), /the build never touched a file named \/usr\/local\/bin\/sh/);
});

test('rdeps, deps and resolveFile where /usr is not merged (merged_usr "none"): /bin/sh and /usr/bin/sh are two files', () => {
  const b = build('none');
  assert.equal(
    rdepsOf(b, '/bin/sh'),
    ['/bin/sh', "  a.txt  <- made by /bin/sh -c 'date > a.txt' [proc 2]", '    all.txt  <- made by cat a.txt b.txt [proc 4]', '', '2 files made from it by 2 jobs', ''].join('\n'),
  );
  assert.equal(
    rdepsOf(b, '/usr/bin/sh'),
    ['/usr/bin/sh', '  b.txt  <- made by sh gen.sh [proc 3]', '    all.txt  <- made by cat a.txt b.txt [proc 4]', '', '2 files made from it by 2 jobs', ''].join('\n'),
  );
  assert.equal(depsOf(b, '/bin/sh'), ['/bin/sh is an input: the build did not write it.', 'read by:', "  [proc 2] /bin/sh -c 'date > a.txt'", ''].join('\n'));
  assert.throws(() => b.resolveFile('/usr/lib/only.conf'), /the build never touched a file named \/usr\/lib\/only.conf/);
  assert.throws(() => b.resolveFile('sh'), (e: Error & { code?: string }) => e.code === 'E_AMBIGUOUS' && e.message.startsWith('sh names 2 files: /bin/sh, /usr/bin/sh;'));
});

test('bt rdeps /bin/sh and /usr/bin/sh: the same answer on a merged /usr, each its own readers otherwise', async () => {
  const dir = tmpdir('bt-usrnames-');
  const merged = trace('bin,lib,lib64,sbin').write(path.join(dir, 'merged.trace'));
  const apart = trace('none').write(path.join(dir, 'apart.trace'));
  for (const name of ['/bin/sh', '/usr/bin/sh']) {
    const r = await bt(['rdeps', name, merged, '--outputs']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'a.txt\nall.txt\nb.txt', name); // execa drops the last newline
  }
  assert.equal((await bt(['rdeps', '/bin/sh', apart, '--outputs'])).stdout, 'a.txt\nall.txt');
  assert.equal((await bt(['rdeps', '/usr/bin/sh', apart, '--outputs'])).stdout, 'all.txt\nb.txt');
});

/**
 * A file hard-linked into place and then unlinked, on real traces: like a
 * rename into place (model/temporary.ts). One process that writes t.o,
 * link()s it to final.o and unlink()s it made a temporary, and final.o is
 * its output, made of what it read; a make recipe whose `cat` writes t.o,
 * `ln` links it and `rm` removes it handed t.o from one process to another
 * (as `cat` then `mv` does): an intermediate, and final.o is the job's, made
 * of its source.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { deps, rdeps } from '../../src/answers/deps.js';
import { fileGroups } from '../../src/answers/groups.js';
import { loadBuild, type Build } from '../../src/model/index.js';
import { isOwnTemporary } from '../../src/model/temporary.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { tmpdir, trace } from '../helpers/trace.js';

/** The build's groups, paths relative to `dir` (outputs, intermediates, temporaries). */
function groups(b: Build, dir: string) {
  const g = fileGroups(b);
  const rel = (ids: number[]) => ids.map((id) => path.relative(dir, b.model.files[id].path));
  return { outputs: rel(g.outputs), intermediates: rel(g.intermediates), temporaries: rel(g.temporaries) };
}

const PERL = 'open(I, "<", "src.c") or die; my $s = <I>; open(F, ">", "t.o") or die; print F $s; close F; link("t.o", "final.o") or die; unlink("t.o") or die';

ebpfTest('one process links its temporary into place and unlinks it: a temporary; the final name its output, made of its inputs', async () => {
  const dir = tmpdir('bt-lntmp-');
  fs.writeFileSync(path.join(dir, 'src.c'), 'int x;\n');
  const t = await trace(['perl', '-e', PERL], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const b = loadBuild(t.file);
  assert.ok(isOwnTemporary(b.file(path.join(dir, 't.o'))!));
  assert.deepEqual(groups(b, dir), { outputs: ['final.o'], intermediates: [], temporaries: ['t.o'] });
  const d = deps(b, b.file(path.join(dir, 'final.o'))!);
  assert.deepEqual(d.inputs.filter((p) => p.startsWith(dir)), [path.join(dir, 'src.c')]);
  assert.deepEqual(d.tree.writer?.argv.slice(0, 2), ['perl', '-e']);
  assert.deepEqual(rdeps(b, b.file(path.join(dir, 'src.c'))!).outputs, [path.join(dir, 'final.o')]);
});

ebpfTest('a recipe whose cat writes t.o, `ln` links it to final.o, `rm` removes it: t.o is an intermediate, as with mv; deps final.o reaches the job and its input', async () => {
  const dir = tmpdir('bt-lnsh-');
  fs.writeFileSync(path.join(dir, 'src.c'), 'int x;\n');
  fs.writeFileSync(path.join(dir, 'Makefile'), 'all: final.o moved.o\nfinal.o: src.c\n\tcat src.c > t.o; ln t.o final.o; rm t.o\nmoved.o: src.c\n\tcat src.c > m.o; mv m.o moved.o\n');
  const t = await trace(['make', '-s'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const b = loadBuild(t.file);
  assert.deepEqual(groups(b, dir), { outputs: ['final.o', 'moved.o'], intermediates: ['m.o', 't.o'], temporaries: [] });
  const d = deps(b, b.file(path.join(dir, 'final.o'))!);
  assert.deepEqual(d.tree.writer?.argv, ['/bin/sh', '-c', 'cat src.c > t.o; ln t.o final.o; rm t.o']);
  assert.deepEqual(d.inputs.filter((p) => p.startsWith(dir)), [path.join(dir, 'src.c')]);
  assert.deepEqual(rdeps(b, b.file(path.join(dir, 'src.c'))!).outputs, [path.join(dir, 'final.o'), path.join(dir, 'moved.o')]);
});

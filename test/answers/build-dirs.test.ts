/**
 * bt summary on a REAL traced make (eBPF, as root), built out of tree as
 * kbuild's `make O=DIR` is (`make -C OUT -f SRC/Makefile`, started in SRC):
 *
 *  - a file its own job read back (`cc -o prog …; nm prog > prog.map` in one
 *    recipe, as kbuild's link step runs nm and sorttable on vmlinux) is an
 *    output, not an intermediate; the goal make was asked for comes first;
 *  - the directories the build's makes ran in (OUT, via -C) count as the
 *    tree for ordering: the intermediates open with OUT's object, not gcc's
 *    /tmp/cc*.s (the directory's name sorts after /tmp/cc);
 *  - scratch files made and removed in a directory the build made and
 *    removed (kbuild's try-run `.tmp_<pid>`) are temporaries, not
 *    intermediates, though a shell wrote them and cc read them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

const MAKEFILE = [
  'prog: prog.o',
  '\tcc -o prog prog.o && nm prog > prog.map',
  'prog.o: $(SRC)/prog.c',
  // kbuild's try-run: a scratch directory, a source a shell writes and cc reads, all removed
  '\tmkdir -p .tmp_$$$$ && echo "int x;" > .tmp_$$$$/tmp.c && cc -c -o .tmp_$$$$/tmp.o .tmp_$$$$/tmp.c; rm -rf .tmp_$$$$',
  '\tcc -c -o prog.o $(SRC)/prog.c',
  '',
].join('\n');

ebpfTest('bt summary: out of tree, a file read back only by its own job is an output, the goal first; the build directory first among intermediates; scratch files are temporaries', async () => {
  // "x-…": after /tmp/cc in path order, so that only the build directory rule puts OUT first
  const dir = tmpdir('x-answers-');
  const src = path.join(dir, 'src');
  const out = path.join(dir, 'out');
  fs.mkdirSync(src);
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(src, 'Makefile'), MAKEFILE);
  fs.writeFileSync(path.join(src, 'prog.c'), 'int main(void) { return 0; }\n');
  const t = await trace(['make', '-C', out, '-f', path.join(src, 'Makefile'), `SRC=${src}`, 'prog'], { cwd: src });
  assert.equal(t.code, 0);
  const r = await bt(['summary', '--json', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { outputs: string[]; intermediates: string[]; temporaries: number };
  // prog: written by cc's link, read by nm in the same recipe; prog.map beside it
  assert.deepEqual(s.outputs, [`${out}/prog`, `${out}/prog.map`]);
  // prog.o (another job linked it) first, then gcc's temporaries; no scratch file
  assert.equal(s.intermediates[0], `${out}/prog.o`);
  assert.deepEqual(
    s.intermediates.filter((p) => !/^\/tmp\/cc\w+\.\w+$/.test(p)),
    [`${out}/prog.o`],
  );
  assert.ok(s.intermediates.length > 1, 'gcc\'s /tmp/cc*.s are intermediates');
  // .tmp_<pid>/tmp.c and tmp.o: made and removed in a directory the build made and removed
  assert.ok(s.temporaries >= 2, String(s.temporaries));
  const text = await bt(['summary', t.file]);
  // OUT is outside the start directory: its paths are absolute
  assert.ok(text.stdout.includes(`\noutputs (2):\n  ${out}/prog\n  ${out}/prog.map\nintermediates (${s.intermediates.length}):\n  ${out}/prog.o\n`), text.stdout);
  // bt graph hides the scratch files with the other temporaries, and --temporaries draws them
  const dot = await bt(['graph', t.file]);
  assert.equal(dot.code, 0, dot.stderr);
  const scratchNodes = (d: string) => d.split('\n').filter((l) => /^\s*f_\w+ \[label="[^"]*\.tmp_\d+\/tmp\.[co]"/.test(l)).length;
  assert.equal(scratchNodes(dot.stdout), 0, dot.stdout);
  const all = await bt(['graph', '--temporaries', t.file]);
  assert.equal(all.code, 0, all.stderr);
  assert.equal(scratchNodes(all.stdout), 2, all.stdout);
});

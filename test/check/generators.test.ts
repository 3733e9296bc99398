/**
 * bt check --make on code generators, traced for real (eBPF, as root): a
 * lemon-like generator in a 3-line recipe beside an empty rule for its
 * header, and a generator that reads a tree of files (one finding for
 * them, its script apart).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt } from '../helpers/trace.js';
import { traceMake } from './projects.js';

interface Json {
  count: number;
  findings: Array<{ kind: string; file: string; files?: number; target?: string; jobs: Array<{ proc: number; argv: string[] }>; detail: string; fix?: string; uses: Array<{ path: string; access: string[] }> }>;
}

async function check(file: string, json: boolean): Promise<string> {
  const r = await bt(['check', '--make', ...(json ? ['--json'] : []), file]);
  assert.equal(r.code, 1, `bt check: ${r.stderr}`);
  return r.stdout;
}

/** A generator like lemon: writes NAME.c, NAME.out and, last, NAME.h from NAME.y. */
const TOOL_C = `#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  char text[4096], name[256];
  const char *ext[] = { ".c", ".out", ".h" };
  FILE *in = fopen(argv[1], "r");
  size_t n = fread(text, 1, sizeof text, in);
  fclose(in);
  for (int i = 0; i < 3; i++) {
    snprintf(name, sizeof name, "%.*s%s", (int)(strlen(argv[1]) - 2), argv[1], ext[i]);
    FILE *out = fopen(name, "w");
    fwrite(text, 1, n, out);
    fclose(out);
  }
  return 0;
}
`;

ebpfTest('check --make: the generator line of a 3-line recipe (cp, rm -f the header, generate) is its rule\'s, not the empty rule of the header it also writes', async () => {
  // sqlite's fts5parse.c: `cp …/fts5parse.y .` / `rm -f fts5parse.h` / `./lemon -S fts5parse.y`, and `fts5parse.h: fts5parse.c`
  const { dir, file } = await traceMake(
    'bt-lemon-',
    'all: gram.c gram.h\ngram.c: src/gram.y tool\n\tcp src/gram.y .\n\trm -f gram.h\n\t./tool gram.y\ngram.h: gram.c\ntool: tool.c\n\tcc -o tool tool.c\n',
    { 'src/gram.y': '%token X.\n', 'tool.c': TOOL_C },
  );
  const json = JSON.parse(await check(file, true)) as Json;
  // the grammar the recipe copies in is a side output of the recipe (as parse.y of sqlite's parse.c), never an input;
  // with gram.out, the recipe's two undeclared outputs: one finding (grouped.ts), declared together
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file) || '.', f.files, path.relative(dir, f.target ?? ''), f.jobs.map((j) => j.argv.join(' '))]),
    [['undeclared-output', '.', 2, 'gram.c', ['./tool gram.y', 'cp src/gram.y .']]],
  );
  assert.deepEqual(json.findings[0].uses.map((u) => path.relative(dir, u.path)), ['gram.y', 'gram.out']);
  assert.match(json.findings[0].detail, /^jobs \d+, \d+, \d+ \(the 3 lines of its recipe\) built gram\.c and also wrote 2 files that no rule for gram\.c declares, through cp \(1\), tool \(1\): \.\/ \(2\); nothing else may use them safely$/);
  assert.match(json.findings[0].fix ?? '', /else make them targets of the rule for gram\.c \(its recipe is at Makefile:3\), grouped \(GNU make 4\.3: gram\.c … &: …\), or have the recipe not write them$/);
});

ebpfTest('check --make: a generator reading many undeclared files of the tree is one finding, its script one of its own; ten stay ten; a stamp recipe\'s many outputs are one', async () => {
  const files: Record<string, string> = { manifest: 'a b\n', 'gen.sh': 'cat a/*.txt b/*.txt | cksum\ncat manifest\n' };
  for (let i = 0; i < 20; i++) files[`a/f${i}.txt`] = `${i}\n`;
  for (let i = 0; i < 10; i++) files[`b/g${i}.txt`] = `${i}\n`;
  for (let i = 0; i < 10; i++) files[`c/h${i}.txt`] = `${i}\n`;
  const { dir, file } = await traceMake(
    'bt-many-',
    'all: out.h small.h stage.stamp\nout.h: manifest\n\tsh gen.sh > out.h\nsmall.h:\n\tcat c/*.txt > small.h\n' +
      'stage.stamp: $(wildcard a/*.txt)\n\tmkdir -p stage\n\tcp a/*.txt stage\n\ttouch stage.stamp\n',
    files,
  );
  const json = JSON.parse(await check(file, true)) as Json;
  const rel = (p: string) => path.relative(dir, p) || '.';
  const seen = json.findings.map((f) => [f.kind, rel(f.file), f.files ?? 1, rel(f.target ?? '')].join(' ')).sort();
  assert.deepEqual(seen, [
    'undeclared-input . 30 out.h',
    ...Array.from({ length: 10 }, (_, i) => `undeclared-input c/h${i}.txt 1 small.h`),
    'undeclared-input gen.sh 1 out.h',
    'undeclared-output stage 20 stage.stamp',
  ]);
  const many = json.findings.find((f) => f.files === 30)!;
  assert.deepEqual(many.uses.map((u) => [rel(u.path), u.access.join('+')]).sort(), [
    ...Array.from({ length: 20 }, (_, i) => [`a/f${i}.txt`, 'read']),
    ...Array.from({ length: 10 }, (_, i) => [`b/g${i}.txt`, 'read']),
  ].sort(), '--json lists every file');
  assert.match(many.detail, /^job \d+ built out\.h and read 30 files that out\.h does not depend on, through cat: a\/ \(20\), b\/ \(10\); changing them will not rebuild out\.h$/);
  assert.equal(
    many.fix,
    'declaring 30 files one by one is not practical: if out.h must change with them, make it depend on a file that changes with them, a manifest or a stamp file (its recipe is at Makefile:3): out.h: STAMP; if cat only looks them over (a checksum, a listing), nothing to do',
  );
  const script = json.findings.find((f) => rel(f.file) === 'gen.sh')!;
  assert.equal(script.fix, 'add gen.sh to the prerequisites of out.h (its recipe is at Makefile:3): out.h: gen.sh');
  const staged = json.findings.find((f) => f.kind === 'undeclared-output')!;
  assert.equal(staged.uses.length, 20);
  assert.match(staged.detail, /^jobs \d+, \d+, \d+ \(the 3 lines of its recipe\) built stage\.stamp and also wrote 20 files that no rule for stage\.stamp declares, through cp: stage\/ \(20\); nothing else may use them safely$/);

  // the text: one header line per finding, the grouped ones by count and directory, the first uses and where the rest are
  const text = await check(file, false);
  const heads = text.split('\n').filter((l) => /^[a-z-]+ {2}/.test(l));
  assert.equal(heads.length, 13);
  assert.ok(heads.includes('undeclared-input  30 files in ./  (target out.h)'), heads.join('\n'));
  assert.ok(heads.includes('undeclared-input  gen.sh  (target out.h)'));
  assert.ok(heads.includes('undeclared-output  20 files in stage/  (target stage.stamp)'));
  assert.ok(text.includes('    … and 18 more (--json lists them all)\n'), 'the 30 files: 12 shown');
});

ebpfTest("check --make: the stamp-file idiom (javac -d classes, touch .classes): the recipe's few undeclared outputs are one finding, with one fix", async () => {
  // as `javac -d build/classes $(SRC)` then `touch build/.classes`: cp stands for javac
  const { dir, file } = await traceMake(
    'bt-stamp-',
    'app.jar: build/.classes\n\tcat build/classes/a/A.class build/classes/b/B.class build/classes/b/C.class > app.jar\n' +
      'build/.classes: A.java B.java C.java\n\tmkdir -p build/classes/a build/classes/b\n\tcp A.java build/classes/a/A.class; cp B.java build/classes/b/B.class; cp C.java build/classes/b/C.class\n\ttouch build/.classes\n',
    { 'A.java': 'class A {}\n', 'B.java': 'class B {}\n', 'C.java': 'class C {}\n' },
  );
  const json = JSON.parse(await check(file, true)) as Json;
  const rel = (p: string) => path.relative(dir, p) || '.';
  assert.deepEqual(
    json.findings.map((f) => [f.kind, rel(f.file), f.files, rel(f.target ?? ''), f.uses.map((u) => rel(u.path))]),
    [['undeclared-output', 'build/classes', 3, 'build/.classes', ['build/classes/a/A.class', 'build/classes/b/B.class', 'build/classes/b/C.class']]],
  );
  assert.match(json.findings[0].fix ?? '', /^if build\/\.classes is their stamp \(every rule that reads the files in build\/classes\/b\/, build\/classes\/a\/ depends on build\/\.classes/);
}, 60_000);

ebpfTest('check --make: a compile reading 12 undeclared headers keeps one finding per header, each with the -MMD -MP fix (no grouping)', async () => {
  const files: Record<string, string> = {};
  const includes: string[] = [];
  for (let i = 1; i <= 12; i++) {
    files[`include/h${i}.h`] = `#define H${i} ${i}\n`;
    includes.push(`#include "h${i}.h"`);
  }
  files['main.c'] = `${includes.join('\n')}\nint main(void) { return H1 - 1; }\n`;
  const { dir, file } = await traceMake('bt-headers-', 'main.o: main.c\n\tcc -Iinclude -c main.c\n', files);
  const json = JSON.parse(await check(file, true)) as Json;
  const rel = (p: string) => path.relative(dir, p);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, rel(f.file), f.files ?? 1].join(' ')).sort(),
    Array.from({ length: 12 }, (_, i) => `undeclared-input include/h${i + 1}.h 1`).sort(),
  );
  for (const f of json.findings) {
    assert.equal(
      f.fix,
      `add ${rel(f.file)} to the prerequisites of main.o (its recipe is at Makefile:2): main.o: ${rel(f.file)}; or have the compiler list the headers it reads: -MMD -MP in its flags, and -include the .d files`,
    );
  }
});

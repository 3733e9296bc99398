/**
 * check --make on recursive make's classic staleness: `lib/libfoo.a:` with
 * no prerequisites and `$(MAKE) -C lib` as its recipe runs the sub-make
 * only while lib/libfoo.a is missing, so a changed lib/foo.c never
 * rebuilds it from the top. The same rule with FORCE (or .PHONY) is fine.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/**
 * A top Makefile building app from main.c and lib/libfoo.a, the library by a sub-make; its rule has no prerequisites
 * (stale), depends on FORCE (forced), or on lib/foo.c but not on lib/foo.h, which foo.c includes (partial).
 */
function project(mode: 'stale' | 'forced' | 'partial' | 'nice'): string {
  const dir = path.join(tmpdir('bt-submake-'), mode);
  fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
  const prereq = { stale: '', forced: ' FORCE', partial: ' lib/foo.c', nice: '' }[mode];
  // nice: the sub-make through a wrapper that execs it (its process runs nice, then make)
  const run = mode === 'nice' ? 'nice -n 1 $(MAKE) -C lib' : '$(MAKE) -C lib';
  fs.writeFileSync(
    path.join(dir, 'Makefile'),
    `app: main.c lib/libfoo.a\n\tcc -o $@ main.c lib/libfoo.a\n\nlib/libfoo.a:${prereq}\n\t${run}\n${mode === 'forced' ? '\nFORCE:\n.PHONY: FORCE\n' : ''}`,
  );
  fs.writeFileSync(path.join(dir, 'lib', 'Makefile'), 'libfoo.a: foo.o\n\tar rcs $@ foo.o\n\nfoo.o: foo.c foo.h\n\tcc -c -o $@ foo.c\n');
  fs.writeFileSync(path.join(dir, 'lib', 'foo.h'), '#define ONE 1\n');
  fs.writeFileSync(path.join(dir, 'lib', 'foo.c'), '#include "foo.h"\nint foo(void) { return ONE; }\n');
  fs.writeFileSync(path.join(dir, 'main.c'), 'int foo(void);\nint main(void) { return foo() - 1; }\n');
  return dir;
}

ebpfTest('check --make: a sub-make run by a rule with no prerequisites is reported with what it read; with FORCE it is not', async () => {
  const stale = project('stale');
  const tr = await trace(['make'], { cwd: stale });
  assert.equal(tr.code, 0, tr.stderr);
  const r = await bt(['check', '--make', '--json', tr.file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as { findings: Array<{ kind: string; file: string; target: string; detail: string; fix: string; uses: Array<{ path: string; access: string[] }> }> };
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(stale, f.file), path.relative(stale, f.target), f.uses.map((u) => `${path.relative(stale, u.path)}:${u.access.join('+')}`)]),
    [['undeclared-input', 'lib/foo.c', 'lib/libfoo.a', ['lib/foo.c:read', 'lib/foo.h:read']]],
  );
  assert.match(
    json.findings[0].detail,
    /^process \d+ built lib\/libfoo\.a by running make -C lib, which read lib\/foo\.c, lib\/foo\.h; the rule for lib\/libfoo\.a has no prerequisites and is not \.PHONY: once lib\/libfoo\.a exists, changing them will not run make -C lib again$/,
  );
  assert.equal(json.findings[0].fix, 'make the rule for lib/libfoo.a run at every build (its recipe is at Makefile:5): lib/libfoo.a: FORCE (with an empty rule FORCE:), so the sub-make decides what is out of date');

  const forced = project('forced');
  const ok = await trace(['make'], { cwd: forced });
  assert.equal(ok.code, 0, ok.stderr);
  const clean = await bt(['check', '--make', ok.file]);
  assert.equal(clean.code, 0, clean.stdout);
});

ebpfTest('check --make: a stale sub-make run through `nice $(MAKE)` is reported as one run by $(MAKE)', async () => {
  const dir = project('nice');
  const tr = await trace(['make'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const r = await bt(['check', '--make', '--json', tr.file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as { findings: Array<{ kind: string; file: string; target: string; detail: string; uses: Array<{ path: string }> }> };
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target), f.uses.map((u) => path.relative(dir, u.path))]),
    [['undeclared-input', 'lib/foo.c', 'lib/libfoo.a', ['lib/foo.c', 'lib/foo.h']]],
  );
  assert.match(json.findings[0].detail, /^process \d+ built lib\/libfoo\.a by running make -C lib, which read lib\/foo\.c, lib\/foo\.h; /);
});

ebpfTest('check --make: a sub-make run by a rule that depends on some of what the sub-make reads is reported with the rest', async () => {
  const dir = project('partial');
  const tr = await trace(['make'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const r = await bt(['check', '--make', '--json', tr.file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as { findings: Array<{ kind: string; file: string; target: string; detail: string; fix: string; uses: Array<{ path: string }> }> };
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target), f.uses.map((u) => path.relative(dir, u.path))]),
    [['undeclared-input', 'lib/foo.h', 'lib/libfoo.a', ['lib/foo.h']]],
  );
  assert.match(
    json.findings[0].detail,
    /^process \d+ built lib\/libfoo\.a by running make -C lib, which read lib\/foo\.h; the rule for lib\/libfoo\.a does not depend on it and is not \.PHONY: changing it will not run make -C lib again$/,
  );
});

ebpfTest('check --make: a sub-make in the same directory (make -f, as kbuild runs syncconfig) whose rule lists some of what it read is not held to the rest', async () => {
  const dir = path.join(tmpdir('bt-submake-'), 'samedir');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'Makefile'), 'all: gen.txt\n\ngen.txt: a.txt\n\t$(MAKE) -f sub.mk\n');
  fs.writeFileSync(path.join(dir, 'sub.mk'), 'gen.txt: a.txt b.txt\n\tcat a.txt b.txt > gen.txt\n');
  fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b\n');
  const tr = await trace(['make'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const r = await bt(['check', '--make', tr.file]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /^bt check: nothing found in make in /);
});

/**
 * Non-recursive automake (libpng): the phony `all: gen.h` runs `$(MAKE) all-am` in the same directory; the compile under
 * it moves its .deps/main.Tpo onto .deps/main.Po, which `$(am__depfiles_remade):` (no prerequisites, automake's dummy
 * recipe) also names, and writes sub/.dirstamp by that rule's own recipe. Neither rule ran the sub-make: no staleness
 * (the fix `.deps/main.Po: FORCE` would overwrite the real dependency file with `# dummy` at every build).
 */
ebpfTest('check --make: a sub-make started by a phony target in the same directory (automake\'s all: → make all-am) is not the staleness of the rules whose files its jobs wrote', async () => {
  const dir = path.join(tmpdir('bt-submake-'), 'automake');
  fs.mkdirSync(path.join(dir, '.deps'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'Makefile'),
    [
      'all: gen.h',
      '\t$(MAKE) all-am',
      'all-am: prog',
      'prog: main.o sub/x.o',
      '\tcc -o prog main.o sub/x.o',
      'gen.h: gen.in',
      '\tcp gen.in gen.h',
      'main.o: main.c',
      '\tcc -MT $@ -MD -MP -MF .deps/main.Tpo -c -o $@ main.c',
      '\tmv -f .deps/main.Tpo .deps/main.Po',
      'sub/x.o: sub/x.c sub/.dirstamp',
      '\tcc -c -o $@ sub/x.c',
      'sub/.dirstamp:',
      '\t@mkdir -p sub',
      '\t@: > sub/.dirstamp',
      'am__depfiles_remade = ./.deps/main.Po',
      '$(am__depfiles_remade):',
      '\t@mkdir -p $(@D)',
      "\t@echo '# dummy' >$@-t && mv -f $@-t $@",
      'include ./.deps/main.Po',
      '.PHONY: all all-am',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, '.deps', 'main.Po'), '# dummy\n');
  fs.writeFileSync(path.join(dir, 'gen.in'), '#define ONE 1\n');
  fs.writeFileSync(path.join(dir, 'main.c'), '#include "gen.h"\nint x(void);\nint main(void) { return x() - ONE; }\n');
  fs.writeFileSync(path.join(dir, 'sub', 'x.c'), 'int x(void) { return 1; }\n');
  const tr = await trace(['make'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  assert.match(fs.readFileSync(path.join(dir, '.deps', 'main.Po'), 'utf8'), /^main\.o: main\.c .*gen\.h$/m);
  const r = await bt(['check', '--make', tr.file]);
  assert.equal(r.stdout, `bt check: nothing found in make in ${dir} (exit status 0) (checked: hermeticity, races, make)`);
  assert.equal(r.code, 0);
});

/**
 * bt diff on real traces (eBPF, as root) of small make projects shaped
 * like a kernel build: a build directory given as O= (kbuild's `make -C
 * DIR`), two incremental rebuilds that compiled other files, a clean
 * build against an incremental one with a probe repeated by sub-makes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import type { DiffReport } from '../../src/diff/index.js';
import { sectionOf } from './sections.js';

/** A project directory with `files` written in it. */
function project(files: Record<string, string>): string {
  const dir = path.join(tmpdir('bt-diffk-'), 'proj');
  fs.mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function traced(dir: string, argv: string[]): Promise<string> {
  const t = await trace(argv, { cwd: dir });
  assert.equal(t.code, 0, `${argv.join(' ')}: ${t.stderr}`);
  return t.file;
}

async function diff(a: string, b: string): Promise<{ r: DiffReport; text: string }> {
  const j = await bt(['diff', '--json', a, b]);
  assert.ok(j.code === 0 || j.code === 1, `bt diff failed (${j.code}): ${j.stderr}`);
  const t = await bt(['diff', a, b]);
  return { r: JSON.parse(j.stdout) as DiffReport, text: t.stdout };
}

/** kbuild in small: the top make runs `make -C $(O) -f $(CURDIR)/build.mk`, which compiles in the build directory. */
const KBUILD_LIKE = {
  Makefile: 'O ?= .\nall:\n\t$(MAKE) -C $(abspath $(O)) -f $(CURDIR)/build.mk SRC=$(CURDIR)\n',
  'build.mk': 'all: prog\nprog: main.o util.o\n\tcc -o prog main.o util.o\n%.o: $(SRC)/%.c\n\tcc -c -o $@ $<\n',
  'main.c': 'int util(void);\nint main(void) { return util(); }\n',
  'util.c': 'int util(void) { return 0; }\n',
};

ebpfTest(
  'diff: the same build in another O= build directory pairs every command below the sub-make and compares its outputs there',
  async () => {
    const src = project(KBUILD_LIKE);
    const objA = path.join(tmpdir('bt-diffk-obj-'), 'objA');
    fs.mkdirSync(objA);
    fs.mkdirSync(path.join(src, 'out'));
    const a = await traced(src, ['make', `O=${objA}`]);
    const b = await traced(src, ['make', 'O=out']);
    const { r, text } = await diff(a, b);
    // 2 compiles (cc, cc1, as) and the link (cc, collect2, ld) ran in the build directory of both (the sub-make went there)
    assert.deepEqual(r.build_dir, [{ a: objA, b: path.join(src, 'out'), commands: 9 }]);
    assert.deepEqual(r.only_in_a, []);
    assert.deepEqual(r.only_in_b, []);
    assert.deepEqual(r.directories, []);
    assert.deepEqual(r.outputs_only_in_a, []);
    assert.deepEqual(r.outputs_only_in_b, []);
    assert.deepEqual(
      r.arguments.map((x) => [x.a.argv, x.b.argv]),
      [[['make', `O=${objA}`], ['make', 'O=out']]],
    );
    // the traced command as typed: the build directory the user changed, not $BUILD
    assert.deepEqual(sectionOf(text, 'arguments changed (A -> B)'), ['arguments changed (A -> B) (1)', `  make [-O=${objA}-] {+O=out+}`]);
    assert.deepEqual(sectionOf(text, 'ran in another directory (A -> B)'), [
      'ran in another directory (A -> B) (1)',
      `  build directory ${objA} -> out  ($BUILD: 9 commands ran there in both)`,
    ]);
  },
  120_000,
);

ebpfTest(
  'diff: a recursive make whose first `$(MAKE) -C dir` differs (another order of SUBDIRS) has no build directory: lib and app are not one',
  async () => {
    const files = {
      'lib/Makefile': 'all: lib.o\nlib.o: lib.c\n\tcc -c -o lib.o lib.c\n',
      'lib/lib.c': 'int lib(void) { return 0; }\n',
      'app/Makefile': 'all: app.o\napp.o: app.c\n\tcc -c -o app.o app.c\n',
      'app/app.c': 'int main(void) { return 0; }\n',
    };
    const a = await traced(project({ ...files, Makefile: 'all:\n\t$(MAKE) -C lib\n\t$(MAKE) -C app\n' }), ['make', '-s']);
    const b = await traced(project({ ...files, Makefile: 'all:\n\t$(MAKE) -C app\n\t$(MAKE) -C lib\n' }), ['make', '-s']);
    const { r, text } = await diff(a, b);
    assert.deepEqual(r.build_dir, []);
    assert.ok(!text.includes('build directory'), text);
    // each directory's compile pairs with its own: nothing only in one build
    assert.deepEqual(r.outputs_only_in_a, []);
    assert.deepEqual(r.outputs_only_in_b, []);
  },
  120_000,
);

/** Four compiles, two of each header of one name in two directories (kernel/events/internal.h, fs/internal.h). */
const TWO_HEADERS = {
  Makefile:
    'prog: a.o b.o c.o d.o\n\tcc -o prog a.o b.o c.o d.o\n' +
    'a.o b.o: x/conf.h\nc.o d.o: y/conf.h\n' +
    'a.o b.o: CFLAGS = -Ix\nc.o d.o: CFLAGS = -Iy\n' +
    '%.o: %.c\n\tcc $(CFLAGS) -c -o $@ $<\n',
  'x/conf.h': '#define X 1\n',
  'y/conf.h': '#define Y 1\n',
  'a.c': '#include "conf.h"\nint a(void) { return 0; }\n',
  'b.c': '#include "conf.h"\nint b(void) { return 0; }\n',
  'c.c': '#include "conf.h"\nint c(void) { return 0; }\n',
  'd.c': '#include "conf.h"\nint main(void) { return 0; }\n',
};

ebpfTest(
  'diff: two incremental rebuilds that compiled other files pair no compile with another: they are only in A and only in B',
  async () => {
    const dir = project(TWO_HEADERS);
    await execa('make', [], { cwd: dir });
    // every file 100 s old, then a header touched (in the past too: what a rebuild makes is newer)
    const ago = (f: string, s: number) => fs.utimesSync(path.join(dir, f), new Date(Date.now() - s * 1000), new Date(Date.now() - s * 1000));
    for (const f of [...Object.keys(TWO_HEADERS), 'a.o', 'b.o', 'c.o', 'd.o', 'prog']) ago(f, 100);
    ago('x/conf.h', 50);
    const a = await traced(dir, ['make']);
    ago('y/conf.h', 40);
    const b = await traced(dir, ['make']);
    const { r, text } = await diff(a, b);
    assert.deepEqual(
      r.only_in_a.map((c) => c.argv.join(' ')),
      ['cc -Ix -c -o a.o a.c', 'cc -Ix -c -o b.o b.c'],
    );
    assert.deepEqual(
      r.only_in_b.map((c) => c.argv.join(' ')),
      ['cc -Iy -c -o c.o c.c', 'cc -Iy -c -o d.o d.c'],
    );
    assert.deepEqual(r.arguments, []);
    assert.deepEqual(r.resolved_elsewhere, []);
    assert.deepEqual(r.outputs_only_in_a.map((e) => e.path), ['a.o', 'b.o']);
    assert.deepEqual(r.outputs_only_in_b.map((e) => e.path), ['c.o', 'd.o']);
    // durations: only the link, which made prog in both, may be compared
    for (const d of r.durations) assert.equal(d.b.argv.join(' '), 'cc -o prog a.o b.o c.o d.o');
    assert.deepEqual(sectionOf(text, 'read from another place (A -> B)'), []);
    assert.deepEqual(sectionOf(text, 'arguments changed (A -> B)'), []);
  },
  120_000,
);

/** A probe every make repeats (kbuild's `cat include/config/kernel.release`), failing until the build made the file. */
const PROBED = {
  Makefile:
    'R := $(shell cat ver 2>/dev/null)\n' +
    'all:\n\t$(MAKE) -f probe.mk\n\t$(MAKE) -f probe.mk\n\t$(MAKE) -f probe.mk\n\t$(MAKE) prog\n' +
    'prog: a.o b.o\n\tcc -o prog a.o b.o\n\techo 1 > ver\n' +
    '%.o: %.c\n\tcc -c -o $@ $<\n',
  'probe.mk': 'R := $(shell cat ver 2>/dev/null)\nall: ;\n',
  'a.c': 'int main(void) { return 0; }\n',
  'b.c': 'int b(void) { return 0; }\n',
};

ebpfTest(
  'diff: clean against incremental folds a repeated probe into one line and says what B remade',
  async () => {
    const dir = project(PROBED);
    const a = await traced(dir, ['make']);
    const t = new Date(Date.now() + 2000); // newer than b.o, whatever the clock's step
    fs.utimesSync(path.join(dir, 'b.c'), t, t);
    const b = await traced(dir, ['make']);
    const { r, text } = await diff(a, b);
    // 5 makes (the top one, 3 of probe.mk, the one that links): each probe's shell and its cat
    assert.equal(r.exit_status.length, 10);
    assert.deepEqual(sectionOf(text, 'exit status changed'), [
      'exit status changed (10)',
      "  /bin/sh -c 'cat ver 2>/dev/null': exit 1 -> exit 0  (×5)",
      '  cat ver: exit 1 -> exit 0  (×5)',
    ]);
    assert.deepEqual(r.outputs_only_in_a.map((e) => e.path), ['a.o']);
    assert.deepEqual(r.remade_in_b, {
      of: 4,
      files: [
        { path: 'b.o', tools: ['as'] },
        { path: 'prog', tools: ['ld'] },
        { path: 'ver', tools: ['sh'] },
      ],
    });
    assert.match(text.split('\n')[0]!, /; B remade 3 of A's 4 outputs$/);
    assert.deepEqual(sectionOf(text, 'remade in B'), ['remade in B (3)', '  b.o  (as)', '  prog  (ld)', '  ver  (sh)']);
  },
  120_000,
);

/**
 * kbuild's rule in small: each object's recipe compiles it, then checks it
 * in a recipe line of its own (`check-local-export kernel/panic.o`, its
 * nm and awk) and runs a line that only sets traps; an archive reads two
 * objects of one name in two directories (kernel/sched/core.o and
 * kernel/events/core.o).
 */
const CHECKED = {
  Makefile:
    'lib.a: x/core.o y/core.o\n\tar rcs lib.a x/core.o y/core.o\n' +
    "%.o: %.c\n\tcc -c -o $@ $<\n\tset -e; trap 'rm -f $@' INT; nm $@ | awk -v file=$@ 'END { exit 0 }'\n\tset -e; trap 'rm -f $@; trap - INT' INT;\n",
  'x/core.c': 'int x(void) { return 0; }\n',
  'y/core.c': 'int y(void) { return 0; }\n',
};

ebpfTest(
  "diff: two incremental rebuilds pair no check of one object with another's, and an archive that read both objects of one name read none from another place",
  async () => {
    const dir = project(CHECKED);
    await execa('make', [], { cwd: dir });
    const ago = (f: string, s: number) => fs.utimesSync(path.join(dir, f), new Date(Date.now() - s * 1000), new Date(Date.now() - s * 1000));
    for (const f of [...Object.keys(CHECKED), 'x/core.o', 'y/core.o', 'lib.a']) ago(f, 100);
    ago('x/core.c', 50);
    const a = await traced(dir, ['make']);
    ago('y/core.c', 40);
    const b = await traced(dir, ['make']);
    const { r, text } = await diff(a, b);
    assert.deepEqual(r.arguments, []);
    assert.deepEqual(r.resolved_elsewhere, []);
    // each build's compile, check and trap line of the object it rebuilt: none paired with the other build's
    assert.deepEqual(sectionOf(text, 'commands only in A'), [
      'commands only in A (3)',
      '  cc -c -o x/core.o x/core.c  (and 2 subprocesses)',
      "  /bin/sh -c 'set -e; trap '\\''rm -f x/core.o'\\'' INT; nm x/core.o | awk -v file=x/core.o '\\''END { exit 0 }'\\'''  (and 2 subprocesses)",
      "  /bin/sh -c 'set -e; trap '\\''rm -f x/core.o; trap - INT'\\'' INT;'",
    ]);
    assert.deepEqual(sectionOf(text, 'commands only in B'), [
      'commands only in B (3)',
      '  cc -c -o y/core.o y/core.c  (and 2 subprocesses)',
      "  /bin/sh -c 'set -e; trap '\\''rm -f y/core.o'\\'' INT; nm y/core.o | awk -v file=y/core.o '\\''END { exit 0 }'\\'''  (and 2 subprocesses)",
      "  /bin/sh -c 'set -e; trap '\\''rm -f y/core.o; trap - INT'\\'' INT;'",
    ]);
    assert.deepEqual(sectionOf(text, 'arguments changed (A -> B)'), []);
    // ar read x/core.o and y/core.o in both builds: each is an input of one build only because the other made it
    assert.deepEqual(sectionOf(text, 'read from another place (A -> B)'), []);
    assert.deepEqual(sectionOf(text, 'inputs read only in A'), [
      'inputs read only in A (2)',
      '  y/core.o  (ar)',
      '  +1 file read by cc -c -o x/core.o x/core.c, which ran only in A',
    ]);
    assert.deepEqual(sectionOf(text, 'inputs read only in B'), [
      'inputs read only in B (2)',
      '  x/core.o  (ar)',
      '  +1 file read by cc -c -o y/core.o y/core.c, which ran only in B',
    ]);
  },
  120_000,
);

/**
 * The phases of a build (src/answers/phases.ts): configure steps wherever
 * they run, else the topmost build driver, else the unit; and --focus
 * (depsScope) staying in the phase of the process that made FILE, also
 * when make's recipe ran configure (binutils' `cd bfd && ./configure`);
 * deps with samePhase (bt view's provenance) alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps, depsScope } from '../../src/answers/deps.js';
import { configureStepOf, isConfigureStep, phaseOf, stepOf } from '../../src/answers/phases.js';
import { commandIn } from '../../src/present/label.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { configureMakeTrace, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;

function modelOf(t: TraceBuilder): Build {
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

/** Each phase (the argv of the process it starts at) with the argv of its processes, in proc order. */
function phases(b: Build): Array<[string, string[]]> {
  const out = new Map<string, string[]>();
  for (const p of b.model.processes) {
    const top = b.process(phaseOf(b, p.proc))!.argv.join(' ');
    out.set(top, [...(out.get(top) ?? []), p.argv.join(' ')]);
  }
  return [...out];
}

test('configure steps: autoconf scripts however run, cmake configuring, meson setup', () => {
  const step = (argv: string[], exe = '/bin/sh') => isConfigureStep({ argv, exe, pid: 1 });
  assert.equal(step(['/bin/sh', './configure', '--prefix=/usr']), true);
  assert.equal(step(['/bin/bash', '/src/binutils/bfd/configure', '--srcdir=/src/binutils/bfd']), true);
  assert.equal(step(['/bin/bash', './config.status', 'bfd.h']), true);
  assert.equal(step(['sh', '-c', './configure && make']), false, 'a shell running it is not it');
  assert.equal(step(['make', 'configure-bfd'], '/usr/bin/make'), false);
  assert.equal(step(['cmake', '-S', '.', '-B', 'build'], '/usr/bin/cmake'), true);
  assert.equal(step(['cmake', '..'], '/usr/bin/cmake'), true);
  assert.equal(step(['cmake', '--build', 'build'], '/usr/bin/cmake'), false);
  assert.equal(step(['cmake', '-E', 'copy', 'a', 'b'], '/usr/bin/cmake'), false);
  assert.equal(step(['cmake'], '/usr/bin/cmake'), false);
  assert.equal(step(['meson', 'setup', 'build'], '/usr/bin/meson'), true);
  assert.equal(step(['meson', '--internal', 'regenerate', '/src', '/build'], '/usr/bin/meson'), true);
  assert.equal(step(['meson', 'compile', '-C', 'build'], '/usr/bin/meson'), false);
  // meson is a #! script: its words are those its caller ran (Process.invoked), not its interpreter's
  const meson = (invoked: string[]) => isConfigureStep({ argv: ['/usr/bin/python3', '/usr/bin/meson', ...invoked.slice(1)], invoked, exe: '/usr/bin/python3.11', pid: 1 });
  assert.equal(meson(['meson', 'setup', 'build', 'src']), true);
  assert.equal(meson(['/usr/bin/meson', '--internal', 'regenerate', '/src', '/build']), true);
  assert.equal(meson(['meson', 'compile', '-C', 'build']), false);
  // gyp writing node-gyp's Makefiles, by its script
  assert.equal(step(['/usr/bin/python3', '/usr/lib/node_modules/node-gyp/gyp/gyp_main.py', 'binding.gyp', '-f', 'make'], '/usr/bin/python3.11'), true);
  assert.equal(step(['/usr/bin/python3', 'gen_table.py', 'a', 'b'], '/usr/bin/python3.11'), false);
  // CMake's check run by its Makefiles configures again when it must: a configure step (of make's step in bt summary, stepOf)
  assert.equal(step(['/usr/bin/cmake', '-S/w', '-B/w/build', '--check-build-system', 'CMakeFiles/Makefile.cmake', '0'], '/usr/bin/cmake'), true);
});

test("cmake's label keeps the words that say what it does, wherever they are", () => {
  assert.equal(commandIn(['/usr/bin/cmake', '-S/w/project/source', '-B/w/project/source/build', '--check-build-system', 'CMakeFiles/Makefile.cmake', '0'], 60), 'cmake --check-build-system CMakeFiles/Makefile.cmake …');
  assert.equal(commandIn(['cmake', '-DX=1', '-P', 'script.cmake', 'more', 'args', 'that', 'are', 'long'], 24), 'cmake -P script.cmake …');
  assert.equal(commandIn(['/usr/bin/cmake', '-E', 'cmake_link_script', 'CMakeFiles/core.dir/link.txt', '--verbose='], 40), 'cmake -E cmake_link_script …');
});

test('the phases of sh -c "./configure && make": configure with all its processes, make with its jobs', () => {
  const b = modelOf(configureMakeTrace());
  for (const p of b.model.processes) assert.equal(stepOf(b, p.proc), phaseOf(b, p.proc), 'nothing nested: the steps are the phases');
  assert.deepEqual(phases(b), [
    ['sh -c ./configure && make', ['sh -c ./configure && make']],
    ['/bin/sh ./configure', ['/bin/sh ./configure', ...Array(3).fill('cc -o conftest conftest.c'), '/bin/sh ./config.status']],
    [
      'make',
      [
        'make',
        ...['main', 'util'].flatMap((s) => [`cc -c ${s}.c -o ${s}.o`, `/usr/libexec/gcc/cc1 ${s}.c -o /tmp/cc${s}.s`, `as -o ${s}.o /tmp/cc${s}.s`]),
        'cc -o app main.o util.o',
        'ld -o app main.o util.o',
      ],
    ],
  ]);
});

/**
 * `bt trace -- make`, whose first recipe is `. ./recipe.env; cd sub &&
 * ./configure && touch configured` (one job: the recipe's shell, which
 * reads recipe.env, configure with its conftest compile and config.status,
 * which writes sub/config.h, and touch); then `cc -c x.c` in sub reads it.
 */
function makeRunsConfigure(): TraceBuilder {
  const t = new TraceBuilder(1, '/w');
  const touch = (pid: number, file: string, flags = 0) => {
    t.open(pid, file, { fd: 3, flags });
    t.close(pid, 3);
  };
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  touch(1, 'Makefile');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['/bin/sh', '-c', '. ./recipe.env; cd sub && ./configure && touch configured'], '/w');
  touch(2, '/w/recipe.env');
  t.fork(2, 3);
  t.exec(3, '/bin/sh', ['/bin/sh', './configure'], '/w/sub');
  touch(3, '/w/sub/configure');
  t.fork(3, 4);
  t.exec(4, '/usr/bin/cc', ['cc', 'conftest.c'], '/w/sub');
  touch(4, '/usr/include/stdio.h');
  t.exit(4, 0);
  t.fork(3, 5);
  t.exec(5, '/bin/sh', ['/bin/sh', './config.status'], '/w/sub');
  touch(5, '/w/sub/config.h.in');
  touch(5, '/w/sub/config.h', W);
  t.exit(5, 0);
  t.exit(3, 0);
  t.fork(2, 7);
  t.exec(7, '/usr/bin/touch', ['touch', 'configured'], '/w/sub');
  touch(7, '/w/sub/configured', W);
  t.exit(7, 0);
  t.exit(2, 0);
  t.fork(1, 6);
  t.exec(6, '/usr/bin/cc', ['cc', '-c', 'x.c'], '/w/sub');
  touch(6, '/w/sub/x.c');
  touch(6, '/w/sub/config.h');
  touch(6, '/w/sub/x.o', W);
  t.exit(6, 0);
  t.exit(1, 0);
  return t;
}

test('a configure that make ran is a phase of its own: x.o stops at config.h, and the job that ran it is not drawn', () => {
  const b = modelOf(makeRunsConfigure());
  assert.deepEqual(phases(b), [
    ['make', ['make', '/bin/sh -c . ./recipe.env; cd sub && ./configure && touch configured', 'touch configured', 'cc -c x.c']],
    ['/bin/sh ./configure', ['/bin/sh ./configure', 'cc conftest.c', '/bin/sh ./config.status']],
  ]);
  // the configure step each process ran in (compile-commands' probe compiles): configure's conftest compile, not make's compile
  assert.deepEqual(
    b.model.processes.map((p) => [p.argv.join(' '), b.process(configureStepOf(b, p.proc) ?? 0)?.argv.join(' ')]),
    [
      ['make', undefined],
      ['/bin/sh -c . ./recipe.env; cd sub && ./configure && touch configured', undefined],
      ['/bin/sh ./configure', '/bin/sh ./configure'],
      ['cc conftest.c', '/bin/sh ./configure'],
      ['/bin/sh ./config.status', '/bin/sh ./configure'],
      ['touch configured', undefined],
      ['cc -c x.c', undefined],
    ],
  );
  // bt summary's steps: the configure make ran is part of make's, it ran inside it
  assert.deepEqual(
    [...new Set(b.model.processes.map((p) => b.process(stepOf(b, p.proc))!.argv.join(' ')))],
    ['make'],
  );
  const argvs = (procs: Iterable<number>) => [...procs].map((p) => b.process(p)!.argv.join(' ')).sort();
  const paths = (files: Iterable<number>) => [...files].map((f) => b.model.files[f].path).sort();
  const s = depsScope(b, b.file('/w/sub/x.o')!);
  assert.deepEqual(argvs(s.procs), ['cc -c x.c', 'make']);
  assert.deepEqual(paths(s.files), ['/usr/bin/cc', '/w/sub/config.h', '/w/sub/x.c', '/w/sub/x.o']);
  assert.deepEqual([...s.stops].map(([f, st]) => [b.model.files[f].path, st.why, b.process(st.proc)!.argv.join(' ')]), [
    ['/w/sub/config.h', 'phase', '/bin/sh ./configure'],
  ]);
  // config.h's own provenance: configure's processes (and their ancestors), not what the recipe's shell read, nor its touch
  const c = depsScope(b, b.file('/w/sub/config.h')!);
  const recipe = '/bin/sh -c . ./recipe.env; cd sub && ./configure && touch configured';
  assert.deepEqual(argvs(c.procs), ['/bin/sh ./config.status', '/bin/sh ./configure', recipe, 'cc conftest.c', 'make'].sort());
  assert.deepEqual(paths(c.files), ['/bin/sh', '/usr/bin/cc', '/usr/include/stdio.h', '/w/sub/config.h', '/w/sub/config.h.in', '/w/sub/configure']);
  assert.deepEqual(c.stops.size, 0);
  // --all-phases: the whole recipe job, and what its shell read
  const all = depsScope(b, b.file('/w/sub/x.o')!, { allPhases: true });
  assert.deepEqual(argvs(all.procs), [...argvs(c.procs), 'cc -c x.c', 'touch configured'].sort());
  assert.deepEqual(paths(all.files), [...paths(c.files), '/w/recipe.env', '/w/sub/x.c', '/w/sub/x.o'].sort());
});

test("deps with samePhase stays in make's phase: config.h is an input, configure's job and inputs are not; without it, every phase", () => {
  const b = modelOf(configureMakeTrace());
  const answer = (samePhase: boolean) => {
    const r = deps(b, b.file('/w/main.o')!, { samePhase });
    return { inputs: r.inputs, outputs: r.outputs, processes: r.processes.map((p) => p.argv.join(' ')) };
  };
  assert.deepEqual(answer(true), {
    inputs: ['/usr/bin/as', '/usr/bin/cc', '/usr/libexec/gcc/cc1', '/w/config.h', '/w/main.c', '/w/util.h'],
    outputs: [],
    processes: ['cc -c main.c -o main.o'],
  });
  assert.deepEqual(answer(false), {
    inputs: ['/bin/sh', '/usr/bin/as', '/usr/bin/cc', '/usr/include/stdio.h', '/usr/libexec/gcc/cc1', '/w/config.status', '/w/configure', '/w/main.c', '/w/util.h'],
    outputs: ['/w/config.h'],
    processes: ['/bin/sh ./configure', 'cc -c main.c -o main.o'],
  });
});

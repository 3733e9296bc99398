/**
 * bt export compile-commands: the rules on synthetic builds (wrappers,
 * libtool, internal programs, what is not a compile, dedup, several compiles
 * of a file and their order, response files) and, for real, on traces of
 * test-programs/cproject (make), the same with ccache (cold and warm cache),
 * a make compiling one file twice and checking another with -fsyntax-only,
 * and test-programs/cmproject (CMake configure and build), each compared with
 * what Debian's Bear writes for the same build; test-programs/cmchecks (CMake
 * with checks and a try_compile, Makefiles and Ninja) and a meson project,
 * compared with the build system's own compile_commands.json: a configure
 * step's compiles are probes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { compileCommands, entriesOf, expandResponseFiles, splitResponseFile, type CompileCommand } from '../../src/export/compile-commands.js';
import { isCompilerName } from '../../src/model/toolargs.js';
import { loadBuild } from '../../src/model/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { needTools } from '../helpers/tools.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';
import { fakeBuild } from './synth-build.js';

test('compiler names: drivers with cross prefixes and versions, not their helpers', () => {
  for (const n of ['cc', 'c++', 'gcc', 'g++', 'clang', 'clang++', 'gcc-12', 'clang-16', 'x86_64-linux-gnu-gcc-12', 'arm-none-eabi-gcc', 'aarch64-linux-gnu-g++', 'clang++-15']) {
    assert.ok(isCompilerName(n), n);
  }
  for (const n of ['cc1', 'cc1plus', 'as', 'collect2', 'ld', 'gcc-ar', 'gcc-nm', 'clang-tidy', 'clang-format', 'ccache', 'distcc', 'c++filt', 'make', 'lto1']) {
    assert.ok(!isCompilerName(n), n);
  }
  assert.ok(isCompilerName('nvcc', new Set(['nvcc'])), '--compiler adds names');
  assert.ok(!isCompilerName('ld', new Set(['ld'])), 'internal programs never count');
});

test('entries: one per source, other sources stripped, order kept; what is not a compile gives none', () => {
  assert.deepEqual(entriesOf(['/usr/bin/gcc', '-O2', '-c', 'a.c', 'b.c', '-Iinc'], '/p'), [
    { directory: '/p', file: '/p/a.c', arguments: ['/usr/bin/gcc', '-O2', '-c', 'a.c', '-Iinc'], output: '/p/a.o' },
    { directory: '/p', file: '/p/b.c', arguments: ['/usr/bin/gcc', '-O2', '-c', 'b.c', '-Iinc'], output: '/p/b.o' },
  ]);
  assert.deepEqual(entriesOf(['cc', '-o', 'hello', 'main.c', 'x.o'], '/p'), [
    { directory: '/p', file: '/p/main.c', arguments: ['cc', '-o', 'hello', 'main.c', 'x.o'], output: '/p/hello' },
  ]);
  // option values are not sources; -x makes anything a source
  assert.deepEqual(entriesOf(['cc', '-include', 'pre.h', '-MF', 'dep.c', '-o', 'out.c', '-c', 'src/m.c'], '/p').map((e) => e.file), ['/p/src/m.c']);
  assert.deepEqual(entriesOf(['cc', '-x', 'c', '-c', 'weird.txt'], '/p').map((e) => e.file), ['/p/weird.txt']);
  // -MD/-MMD/-fsyntax-only compile; -E, -M, -MM, --version, links do not
  assert.equal(entriesOf(['cc', '-MD', '-MF', 'a.d', '-c', 'a.c'], '/p').length, 1);
  // a compile and link without -o writes a.out; `-o -` writes to stdout, no file
  assert.equal(entriesOf(['cc', 'CMakeCCompilerId.c'], '/p')[0].output, '/p/a.out');
  assert.ok(!('output' in entriesOf(['gcc', '-S', 'src/a.c', '-o', '-'], '/p')[0]));
  assert.equal(entriesOf(['cc', '-MMD', '-c', 'a.c'], '/p').length, 1);
  assert.equal(entriesOf(['cc', '-fsyntax-only', 'a.c'], '/p').length, 1);
  assert.equal(entriesOf(['cc', '-fsyntax-only', 'a.c'], '/p')[0].output, undefined);
  // the earliest stage wins whatever the order (-S before or after -c writes a.s); --output in both spellings
  assert.equal(entriesOf(['cc', '-c', '-S', 'a.c'], '/p')[0].output, '/p/a.s');
  assert.equal(entriesOf(['cc', '-S', '-c', 'a.c'], '/p')[0].output, '/p/a.s');
  assert.equal(entriesOf(['cc', '--output=zz.o', '-c', 'b.c'], '/p')[0].output, '/p/zz.o');
  assert.deepEqual(entriesOf(['cc', '-c', 'b.c', '--output', 'zz2.o'], '/p').map((e) => [e.file, e.output]), [['/p/b.c', '/p/zz2.o']]);
  for (const bad of [['cc', '-E', 'a.c'], ['cc', '-M', 'a.c'], ['cc', '-MM', 'a.c'], ['cc', '--version'], ['cc', '-v'], ['cc', '-o', 'x', 'a.o', 'b.o', '-lm'], ['cc', '-print-file-name=libc.so']]) {
    assert.deepEqual(entriesOf(bad, '/p'), [], bad.join(' '));
  }
});

test('processes: compilers by name, internal children, ccache/distcc/icecc/sccache unwrapped, libtool seen through, dedup, --compiler', () => {
  const b = fakeBuild([
    { proc: 1, argv: ['make', '-j2'] },
    // a compile with its internal children
    { proc: 2, parent: 1, argv: ['cc', '-c', 'a.c'] },
    { proc: 3, parent: 2, argv: ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1', 'a.c', '-o', '/tmp/x.s'] },
    { proc: 4, parent: 2, argv: ['as', '-o', 'a.o', '/tmp/x.s'] },
    // ccache, cache miss: runs the real compiler (its entry is the wrapper's, resolved to the compiler it ran)
    { proc: 5, parent: 1, argv: ['ccache', 'gcc', '-O2', '-c', 'b.c'] },
    { proc: 6, parent: 5, argv: ['/usr/bin/gcc', '-O2', '-E', 'b.c'] },
    { proc: 7, parent: 5, argv: ['/usr/bin/gcc', '-O2', '-c', '-fdiagnostics-color', 'b.c'] },
    // distcc, icecc and sccache with a cross compiler
    { proc: 8, parent: 1, argv: ['distcc', 'arm-none-eabi-gcc', '-c', 'c.c'] },
    { proc: 9, parent: 8, argv: ['arm-none-eabi-gcc', '-c', 'c.c'], exe: '/opt/arm/bin/arm-none-eabi-gcc' },
    { proc: 10, parent: 1, argv: ['icecc', '/usr/bin/x86_64-linux-gnu-gcc-12', '-c', 'd.c'] },
    { proc: 11, parent: 1, argv: ['sccache', 'clang++', '-c', 'e.cpp'] },
    // libtool --mode=compile is a shell script running the compiler twice (PIC and not): both are compiles
    { proc: 12, parent: 1, argv: ['/bin/bash', '../libtool', '--tag=CC', '--mode=compile', 'gcc', '-c', 'f.c', '-o', 'f.lo'], exe: '/usr/bin/bash' },
    { proc: 13, parent: 12, argv: ['gcc', '-c', 'f.c', '-fPIC', '-DPIC', '-o', '.libs/f.o'] },
    { proc: 14, parent: 12, argv: ['gcc', '-c', 'f.c', '-o', 'f.o'] },
    // not compiles
    { proc: 15, parent: 1, argv: ['gcc', '-E', 'g.c'] },
    { proc: 16, parent: 1, argv: ['cc', '-MM', 'g.c'] },
    { proc: 17, parent: 1, argv: ['cc', '-o', 'prog', 'a.o', 'b.o'] },
    { proc: 18, parent: 17, argv: ['/usr/lib/gcc/x86_64-linux-gnu/12/collect2', '-o', 'prog', 'a.o'] },
    { proc: 19, parent: 18, argv: ['/usr/bin/ld', '-o', 'prog', 'a.o'] },
    { proc: 20, parent: 1, argv: ['nvcc', '-c', 'k.cu'] },
    // the same command again in the same directory: dropped; in another directory: kept
    { proc: 21, parent: 1, argv: ['cc', '-c', 'a.c'] },
    { proc: 22, parent: 1, argv: ['cc', '-c', 'a.c'], cwd: '/src/sub' },
  ]);
  const e = compileCommands(b);
  const view = (xs: CompileCommand[]) => xs.map((x) => `${x.directory} ${x.file}: ${x.arguments.join(' ')}`);
  assert.deepEqual(view(e), [
    '/src /src/a.c: /usr/bin/cc -c a.c',
    '/src /src/b.c: /usr/bin/gcc -O2 -c b.c',
    '/src /src/c.c: /opt/arm/bin/arm-none-eabi-gcc -c c.c',
    '/src /src/d.c: /usr/bin/x86_64-linux-gnu-gcc-12 -c d.c',
    '/src /src/e.cpp: ' + (fs.existsSync('/usr/bin/clang++') ? '/usr/bin/clang++' : 'clang++') + ' -c e.cpp',
    '/src /src/f.c: /usr/bin/gcc -c f.c -fPIC -DPIC -o .libs/f.o',
    '/src /src/f.c: /usr/bin/gcc -c f.c -o f.o',
    '/src/sub /src/sub/a.c: /usr/bin/cc -c a.c',
  ]);
  assert.equal(e.find((x) => x.file === '/src/f.c')?.output, '/src/.libs/f.o');
  assert.deepEqual(
    view(compileCommands(b, { compilers: ['nvcc'] })).filter((s) => s.includes('k.cu')),
    ['/src /src/k.cu: /usr/bin/nvcc -c k.cu'],
  );
});

test('several compiles of a file: one entry each, exact repeats once, those that write an output before -fsyntax-only ones', () => {
  const b = fakeBuild([
    { proc: 1, argv: ['make'] },
    { proc: 2, parent: 1, argv: ['gcc', '-DVARIANT_A', '-O0', '-c', 'src/twice.c', '-o', 'out/twice_a.o'] },
    { proc: 3, parent: 1, argv: ['/usr/bin/gcc', '-fsyntax-only', 'src/e.c'] },
    { proc: 4, parent: 1, argv: ['gcc', '-DVARIANT_B', '-O2', '-g', '-c', 'src/twice.c', '-o', 'out/twice_b.o'] },
    { proc: 5, parent: 1, argv: ['x86_64-linux-gnu-gcc-12', '-c', 'src/e.c', '-o', 'out/e.o'] },
    { proc: 6, parent: 1, argv: ['gcc', '-DVARIANT_A', '-O0', '-c', 'src/twice.c', '-o', 'out/twice_a.o'] },
    // -fsyntax-only writes nothing, whatever -c, -S or -o say
    { proc: 7, parent: 1, argv: ['gcc', '-c', '-fsyntax-only', 'src/e.c', '-o', 'out/e.o'] },
    { proc: 8, parent: 1, argv: ['gcc', '-S', 'src/e.c'] },
    // configure: conftest.c compiled and linked again and again, mostly with the same command
    ...[9, 10, 11, 12].map((proc) => ({ proc, parent: 1, argv: ['gcc', '-c', '-g', '-O2', 'conftest.c'], cwd: '/src/build' })),
    { proc: 13, parent: 1, argv: ['gcc', '-c', '-g', '-O2', '-Wall', 'conftest.c'], cwd: '/src/build' },
    ...[14, 15].map((proc) => ({ proc, parent: 1, argv: ['gcc', '-o', 'conftest', '-g', '-O2', 'conftest.c'], cwd: '/src/build' })),
    { proc: 16, parent: 1, argv: ['gcc', '-c', '-g', '-O2', 'conftest.c'], cwd: '/src/build' },
    // the same command in another directory is another compile
    { proc: 17, parent: 1, argv: ['gcc', '-DVARIANT_A', '-O0', '-c', 'src/twice.c', '-o', 'out/twice_a.o'], cwd: '/other' },
    // the same file from another directory: with the file's other entries (clangd takes a file's first)
    { proc: 18, parent: 1, argv: ['gcc', '-fsyntax-only', 'twice.c'], cwd: '/src/src' },
  ]);
  const cc = (directory: string, file: string, args: string[], output?: string): CompileCommand => ({
    directory,
    file,
    arguments: args,
    ...(output ? { output } : {}),
  });
  assert.deepEqual(compileCommands(b), [
    cc('/src', '/src/src/twice.c', ['/usr/bin/gcc', '-DVARIANT_A', '-O0', '-c', 'src/twice.c', '-o', 'out/twice_a.o'], '/src/out/twice_a.o'),
    cc('/src', '/src/src/twice.c', ['/usr/bin/gcc', '-DVARIANT_B', '-O2', '-g', '-c', 'src/twice.c', '-o', 'out/twice_b.o'], '/src/out/twice_b.o'),
    cc('/src/src', '/src/src/twice.c', ['/usr/bin/gcc', '-fsyntax-only', 'twice.c']),
    cc('/src', '/src/src/e.c', ['/usr/bin/x86_64-linux-gnu-gcc-12', '-c', 'src/e.c', '-o', 'out/e.o'], '/src/out/e.o'),
    cc('/src', '/src/src/e.c', ['/usr/bin/gcc', '-S', 'src/e.c'], '/src/e.s'),
    cc('/src', '/src/src/e.c', ['/usr/bin/gcc', '-fsyntax-only', 'src/e.c']),
    cc('/src', '/src/src/e.c', ['/usr/bin/gcc', '-c', '-fsyntax-only', 'src/e.c', '-o', 'out/e.o']),
    cc('/src/build', '/src/build/conftest.c', ['/usr/bin/gcc', '-c', '-g', '-O2', 'conftest.c'], '/src/build/conftest.o'),
    cc('/src/build', '/src/build/conftest.c', ['/usr/bin/gcc', '-c', '-g', '-O2', '-Wall', 'conftest.c'], '/src/build/conftest.o'),
    cc('/src/build', '/src/build/conftest.c', ['/usr/bin/gcc', '-o', 'conftest', '-g', '-O2', 'conftest.c'], '/src/build/conftest'),
    cc('/other', '/other/src/twice.c', ['/usr/bin/gcc', '-DVARIANT_A', '-O0', '-c', 'src/twice.c', '-o', 'out/twice_a.o'], '/other/out/twice_a.o'),
  ]);
  for (const syntax of [['cc', '-fsyntax-only', '-c', 'a.c'], ['cc', '-S', '-fsyntax-only', '-o', 'a.s', 'a.c']]) {
    assert.deepEqual(entriesOf(syntax, '/p'), [{ directory: '/p', file: '/p/a.c', arguments: syntax }], syntax.join(' '));
  }
});

test("probe compiles: the note counts the distinct commands and, when configure ran some again, the compiler runs", () => {
  const conftest = (proc: number) => ({ proc, parent: 2, argv: ['gcc', '-c', 'conftest.c'], cwd: '/src' });
  const b = fakeBuild([
    { proc: 1, argv: ['sh', '-c', './configure && make'] },
    { proc: 2, parent: 1, argv: ['/bin/sh', './configure'], cwd: '/src' },
    ...[3, 4, 5, 6, 7].map(conftest),
    { proc: 8, parent: 2, argv: ['gcc', '-c', '-DHAVE_X', 'conftest.c'], cwd: '/src' },
  ]);
  const notes: string[] = [];
  assert.deepEqual(compileCommands(b, { onNote: (l) => notes.push(l) }), []);
  assert.deepEqual(notes, ['left out 2 probe compiles (6 compiler runs; conftest.c: run by a configure step): --probes keeps them']);
});

test("a configure step's compiles are probes: CMake's compiler identification (its source stays), its try-compiles, a configure make ran; probes (--probes) keeps them", () => {
  const b = fakeBuild([
    { proc: 1, argv: ['sh', '-c', 'cmake -S . -B b && cmake --build b'] },
    { proc: 2, parent: 1, argv: ['cmake', '-S', '.', '-B', 'b'] },
    { proc: 3, parent: 2, argv: ['/usr/bin/cc', 'CMakeCCompilerId.c'], cwd: '/src/b/CMakeFiles/3.25.1/CompilerIdC' },
    { proc: 4, parent: 2, argv: ['/usr/bin/gmake', '-f', 'Makefile', 'cmTC_1/fast'], cwd: '/src/b/CMakeFiles/CMakeScratch/TryCompile-x' },
    { proc: 5, parent: 4, argv: ['/usr/bin/cc', '-o', 'CMakeFiles/cmTC_1.dir/a.c.o', '-c', '/src/a.c', '-DPROBE'], cwd: '/src/b/CMakeFiles/CMakeScratch/TryCompile-x' },
    { proc: 6, parent: 1, argv: ['cmake', '--build', 'b'] },
    { proc: 7, parent: 6, argv: ['/usr/bin/gmake', '-f', 'Makefile'], cwd: '/src/b' },
    // the Makefiles run cmake's check, which configures again and runs a new try-compile
    { proc: 8, parent: 7, argv: ['/usr/bin/cmake', '-S/src', '-B/src/b', '--check-build-system', 'CMakeFiles/Makefile.cmake', '0'], cwd: '/src/b' },
    { proc: 9, parent: 8, argv: ['/usr/bin/cc', '-o', 'CMakeFiles/cmTC_2.dir/src.c.o', '-c', '/src/b/CMakeFiles/CMakeScratch/TryCompile-y/src.c'], cwd: '/src/b/CMakeFiles/CMakeScratch/TryCompile-y' },
    { proc: 10, parent: 7, argv: ['/usr/bin/cc', '-o', 'CMakeFiles/app.dir/a.c.o', '-c', '/src/a.c'], cwd: '/src/b' },
    // autoconf's configure, run by a make recipe
    { proc: 11, parent: 7, argv: ['/bin/sh', './configure'], cwd: '/src/sub' },
    { proc: 12, parent: 11, argv: ['gcc', '-c', 'conftest.c'], cwd: '/src/sub' },
  ]);
  const notes: string[] = [];
  const view = (xs: CompileCommand[]) => xs.map((x) => `${x.directory} ${x.file}: ${x.arguments.join(' ')}`);
  assert.deepEqual(view(compileCommands(b, { onNote: (l) => notes.push(l) })), ['/src/b /src/a.c: /usr/bin/cc -o CMakeFiles/app.dir/a.c.o -c /src/a.c']);
  assert.deepEqual(notes, ['left out 4 probe compiles (CMakeCCompilerId.c, a.c, …: run by a configure step): --probes keeps them']);
  // kept, a.c's probe first: a.c's first entry (clangd's) would be the try-compile's
  assert.deepEqual(view(compileCommands(b, { probes: true })).map((l) => l.split(': ')[1]), [
    '/usr/bin/cc CMakeCCompilerId.c',
    '/usr/bin/cc -o CMakeFiles/cmTC_1.dir/a.c.o -c /src/a.c -DPROBE',
    '/usr/bin/cc -o CMakeFiles/app.dir/a.c.o -c /src/a.c',
    '/usr/bin/cc -o CMakeFiles/cmTC_2.dir/src.c.o -c /src/b/CMakeFiles/CMakeScratch/TryCompile-y/src.c',
    '/usr/bin/gcc -c conftest.c',
  ]);
});

test('an empty database says why on a note: no C-family compiler ran (javac did), or the compiler commands named no C-family source', () => {
  const notesOf = (b: ReturnType<typeof fakeBuild>, compilers?: string[]) => {
    const notes: string[] = [];
    assert.deepEqual(compileCommands(b, { compilers, onNote: (l) => notes.push(l) }), []);
    return notes;
  };
  const java = fakeBuild([
    { proc: 1, argv: ['make'] },
    { proc: 2, parent: 1, argv: ['javac', '-d', 'build/classes', 'src/A.java', 'src/B.java'] },
    { proc: 3, parent: 1, argv: ['jar', 'cf', 'app.jar', '-C', 'build/classes', '.'] },
  ]);
  assert.deepEqual(notesOf(java), [
    'no entries: no C-family compiler (cc, gcc, clang, c++, g++, clang++ or one named with --compiler) ran in this build; javac ran 1 time: a compilation database is for C, C++, Objective-C and CUDA sources only',
  ]);
  assert.deepEqual(notesOf(java, ['javac']), [
    'no entries: javac ran 1 time but named no C-family source (a C, C++, Objective-C or CUDA file, known by its extension: .c, .cc, .cpp, .m, .cu, …)',
  ]);
  // a link only (sccache compiled elsewhere)
  const link = fakeBuild([{ proc: 1, argv: ['make'] }, { proc: 2, parent: 1, argv: ['cc', '-o', 'app', 'a.o', 'b.o'] }]);
  assert.deepEqual(notesOf(link), ['no entries: cc ran 1 time but named no C-family source (a C, C++, Objective-C or CUDA file, known by its extension: .c, .cc, .cpp, .m, .cu, …)']);
  assert.deepEqual(notesOf(fakeBuild([{ proc: 1, argv: ['sh', '-c', 'true'] }])), ['no entries: no C-family compiler (cc, gcc, clang, c++, g++, clang++ or one named with --compiler) ran in this build']);
  // entries: no note
  const notes: string[] = [];
  assert.equal(compileCommands(fakeBuild([{ proc: 1, argv: ['cc', '-c', 'a.c'] }]), { onNote: (l) => notes.push(l) }).length, 1);
  assert.deepEqual(notes, []);
});

test('response files: split like gcc, expanded only when asked, recursively; unreadable ones kept', () => {
  assert.deepEqual(splitResponseFile(`-DX="a b" 'c d'\n-Ie\\ f  g.c`), ['-DX=a b', 'c d', '-Ie f', 'g.c']);
  const dir = tmpdir('bt-rsp-');
  fs.writeFileSync(path.join(dir, 'flags.rsp'), '-O2 @more.rsp\n-c "sp ace.c"\n');
  fs.writeFileSync(path.join(dir, 'more.rsp'), '-DONE=1');
  assert.deepEqual(expandResponseFiles(['cc', '@flags.rsp', '@missing.rsp'], dir), ['cc', '-O2', '-DONE=1', '-c', 'sp ace.c', '@missing.rsp']);
  const b = fakeBuild([{ proc: 1, argv: ['cc', '@flags.rsp'], cwd: dir }], dir);
  assert.deepEqual(compileCommands(b), [], 'not expanded: no source on the command line');
  assert.deepEqual(compileCommands(b, { expandResponseFiles: true }), [
    { directory: dir, file: `${dir}/sp ace.c`, arguments: ['/usr/bin/cc', '-O2', '-DONE=1', '-c', 'sp ace.c'], output: `${dir}/sp ace.o` },
  ]);
  // one that cannot be read now is said, once per file, with how many compiles keep their @ argument
  const notes: string[] = [];
  const gone = fakeBuild(
    [
      { proc: 1, argv: ['cc', '@gone.rsp', 'a.c'], cwd: dir },
      { proc: 2, argv: ['cc', '@gone.rsp', 'b.c'], cwd: dir },
    ],
    dir,
  );
  assert.deepEqual(compileCommands(gone, { expandResponseFiles: true, onNote: (l) => notes.push(l) }).map((e) => e.arguments[1]), ['@gone.rsp', '@gone.rsp']);
  assert.deepEqual(notes, [`cannot read the response file ${dir}/gone.rsp now (no such file or directory (ENOENT)): its @ argument is left as it is in 2 compiles`]);
});

// --- real builds, compared with Bear ------------------------------------------------

const CPROJECT = ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h'];

function copyProject(name: string, files: string[]): string {
  const dir = path.join(tmpdir('bt-cc-'), name);
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'test-programs', name, f), path.join(dir, f));
  }
  return dir;
}


type Key = string;
const key = (e: CompileCommand): Key => JSON.stringify([e.directory, e.file, e.arguments]);
const keys = (xs: CompileCommand[]) => new Set(xs.map(key));

async function bear(dir: string, command: string[], env: NodeJS.ProcessEnv = {}): Promise<CompileCommand[]> {
  const out = path.join(path.dirname(dir), 'bear.json');
  const r = await execa('bear', ['--output', out, '--', ...command], { cwd: dir, reject: false, env: { ...process.env, LC_ALL: 'C', ...env } });
  assert.equal(r.exitCode, 0, `bear failed: ${r.stderr}`);
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

async function btEntries(dir: string, command: string[], env: NodeJS.ProcessEnv = {}): Promise<CompileCommand[]> {
  const t = await trace(command, { cwd: dir, env });
  assert.equal(t.code, 0, `bt trace failed: ${t.stderr}`);
  const out = path.join(path.dirname(dir), 'bt.json');
  const r = await bt(['export', 'compile-commands', t.file, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

const cleanCproject = (dir: string) => {
  for (const f of fs.readdirSync(dir)) if (!CPROJECT.includes(f)) fs.rmSync(path.join(dir, f), { force: true });
};

ebpfTest('cproject (make -B -j2): exactly the three compiles, and the same set as Bear', async (t) => {
  if (!needTools(t, 'bear')) return;
  const dir = copyProject('cproject', CPROJECT);
  const ours = await btEntries(dir, ['make', '-B', '-j2']);
  const sorted = [...ours].sort((a, b) => a.file.localeCompare(b.file));
  assert.deepEqual(
    sorted,
    ['greet', 'main', 'util'].map((s) => ({
      directory: dir,
      file: `${dir}/${s}.c`,
      arguments: ['/usr/bin/cc', '-c', '-o', `${s}.o`, `${s}.c`],
      output: `${dir}/${s}.o`,
    })),
  );
  cleanCproject(dir);
  const theirs = await bear(dir, ['make', '-B', '-j2']);
  assert.deepEqual(keys(ours), keys(theirs));
});

ebpfTest('a compiler that is a #! script, and a wrapper script named ccache: the command as make ran it, not the interpreter\'s argv', async () => {
  const dir = path.join(tmpdir('bt-cc-'), 'scripts');
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'wrap'));
  fs.writeFileSync(path.join(dir, 'f.c'), 'int f(void) { return 1; }\n');
  fs.writeFileSync(path.join(dir, 'g.c'), 'int g(void) { return 2; }\n');
  fs.writeFileSync(path.join(dir, 'bin', 'my-gcc'), '#!/bin/sh\ngcc -DWRAPPED "$@"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'wrap', 'ccache'), '#!/bin/sh\n"$@"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'Makefile'), 'all: f.o g.o\nf.o: f.c\n\t./bin/my-gcc -c f.c -o f.o\ng.o: g.c\n\t./wrap/ccache cc -c g.c -o g.o\n');
  const entries = await btEntries(dir, ['make', '-B', '-j1']);
  assert.deepEqual(
    entries.map((e) => [path.relative(dir, e.file), e.arguments]),
    [
      ['f.c', [`${dir}/bin/my-gcc`, '-c', 'f.c', '-o', 'f.o']],
      ['g.c', ['/usr/bin/cc', '-c', 'g.c', '-o', 'g.o']],
    ],
  );
});

ebpfTest('cproject with CC="ccache cc", cold and warm cache: unwrapped to /usr/bin/cc like Bear (a cache hit runs no compiler)', async (t) => {
  if (!needTools(t, 'bear') || !needTools(t, 'ccache')) return;
  const dir = copyProject('cproject', CPROJECT);
  const env = { CCACHE_DIR: path.join(path.dirname(dir), 'ccache') };
  const cmd = ['make', '-B', '-j2', 'CC=ccache cc'];
  const cold = await btEntries(dir, cmd, env);
  const warm = await btEntries(dir, cmd, env);
  const want = ['greet', 'main', 'util'].map((s) => `${s}.c: /usr/bin/cc -c -o ${s}.o ${s}.c`);
  for (const got of [cold, warm]) {
    assert.deepEqual(got.map((e) => `${path.basename(e.file)}: ${e.arguments.join(' ')}`).sort(), want);
  }
  const theirs = await bear(dir, cmd, env);
  assert.deepEqual(keys(warm), keys(theirs));
});

/**
 * Bear (citnames) rewrites each command: it drops dependency-file options
 * (-M*, with their values) and rebuilds the line as
 * `COMPILER FLAGS… -c [-o OUTPUT] SOURCE`. bt keeps the command as it ran.
 */
function bearView(e: CompileCommand): CompileCommand {
  const [cc, ...rest] = e.arguments;
  const flags: string[] = [];
  let output: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-MF' || a === '-MT' || a === '-MQ') i++;
    else if (a === '-MD' || a === '-MMD' || a === '-MP') continue;
    else if (a === '-o') output = rest[++i];
    else if (a === '-c' || path.resolve(e.directory, a) === e.file) continue;
    else flags.push(a);
  }
  const tail = output && !/\.(o|obj)$/.test(output) ? [] : output ? ['-o', output] : [];
  // -fsyntax-only goes right after the -c it adds
  const syntax = flags.includes('-fsyntax-only') ? ['-fsyntax-only'] : [];
  const rebuilt = [cc, ...flags.filter((a) => a !== '-fsyntax-only'), '-c', ...syntax, ...tail];
  return { directory: e.directory, file: e.file, arguments: [...rebuilt, e.arguments.find((a) => path.resolve(e.directory, a) === e.file)!] };
}

ebpfTest('a file compiled twice with different flags, and one checked with -fsyntax-only before its compile: every distinct compile, the real ones first, the same set as Bear', async (t) => {
  if (!needTools(t, 'bear')) return;
  const dir = path.join(tmpdir('bt-cc-'), 'twice');
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'twice.c'), '#ifdef VARIANT_A\nint twice(void) { return 1; }\n#else\nint twice(void) { return 2; }\n#endif\n');
  fs.writeFileSync(path.join(dir, 'src', 'e.c'), 'int e(void) { return 3; }\n');
  const a = 'gcc -DVARIANT_A -O0 -c src/twice.c -o out/twice_a.o';
  fs.writeFileSync(
    path.join(dir, 'Makefile'),
    [
      'all: out/twice_a.o out/twice_b.o out/e.o',
      'out:\n\tmkdir -p out',
      `out/twice_a.o: src/twice.c | out\n\t${a}\n\t${a}`,
      'out/twice_b.o: src/twice.c | out\n\tgcc -DVARIANT_B -O2 -g -c src/twice.c -o out/twice_b.o',
      'out/e.o: src/e.c | out\n\t/usr/bin/gcc -fsyntax-only src/e.c\n\tcc -c src/e.c -o out/e.o',
      '',
    ].join('\n'),
  );
  const ours = await btEntries(dir, ['make', '-j1']);
  assert.deepEqual(ours, [
    { directory: dir, file: `${dir}/src/twice.c`, arguments: ['/usr/bin/gcc', '-DVARIANT_A', '-O0', '-c', 'src/twice.c', '-o', 'out/twice_a.o'], output: `${dir}/out/twice_a.o` },
    { directory: dir, file: `${dir}/src/twice.c`, arguments: ['/usr/bin/gcc', '-DVARIANT_B', '-O2', '-g', '-c', 'src/twice.c', '-o', 'out/twice_b.o'], output: `${dir}/out/twice_b.o` },
    { directory: dir, file: `${dir}/src/e.c`, arguments: ['/usr/bin/cc', '-c', 'src/e.c', '-o', 'out/e.o'], output: `${dir}/out/e.o` },
    { directory: dir, file: `${dir}/src/e.c`, arguments: ['/usr/bin/gcc', '-fsyntax-only', 'src/e.c'] },
  ]);
  fs.rmSync(path.join(dir, 'out'), { recursive: true });
  const theirs = await bear(dir, ['make', '-j1']);
  assert.deepEqual(new Set(ours.map((e) => key(bearView(e)))), keys(theirs));
});

ebpfTest(
  'cmproject (CMake configure and build, traced with Bear running inside): the project\'s three compiles; with --probes the same entries as Bear, up to Bear\'s rewriting',
  async (t) => {
    if (!needTools(t, 'bear') || !needTools(t, 'cmake')) return;
    const src = copyProject('cmproject', ['CMakeLists.txt', 'greet.c', 'shout.c', 'main.cpp', 'include/greet.h']);
    const work = path.dirname(src);
    const out = path.join(work, 'bear.json');
    // One build, seen by both: CMake's try-compile directories have random names.
    const tr = await trace(['bear', '--output', out, '--', 'sh', '-c', 'cmake -S cmproject -B build >/dev/null && cmake --build build >/dev/null'], { cwd: work });
    assert.equal(tr.code, 0, tr.stderr);
    const theirs: CompileCommand[] = JSON.parse(fs.readFileSync(out, 'utf8'));
    const model = loadBuild(tr.file);
    const ours = compileCommands(model);
    // the project's own three compiles, as CMake ran them, and nothing of its configure step
    const build = path.join(work, 'build');
    assert.deepEqual(ours.map((e) => `${e.directory} ${path.basename(e.file)}`).sort(), ['greet.c', 'main.cpp', 'shout.c'].map((f) => `${build} ${f}`));
    const greet = ours.find((e) => e.file.endsWith('greet.c'))!;
    assert.deepEqual(greet.arguments, [
      '/usr/bin/cc', '-DGREET_PREFIX="bt says"', `-I${src}/include`, '-MD', '-MT', 'CMakeFiles/greet.dir/greet.c.o',
      '-MF', 'CMakeFiles/greet.dir/greet.c.o.d', '-o', 'CMakeFiles/greet.dir/greet.c.o', '-c', `${src}/greet.c`,
    ]);
    assert.equal(greet.output, `${build}/CMakeFiles/greet.dir/greet.c.o`);
    // with --probes, CMake's configure-time compiles too (compiler identification, ABI checks): what Bear keeps
    const all = compileCommands(model, { probes: true });
    assert.ok(all.length >= 7, `${all.length} entries`);
    assert.deepEqual(new Set(all.map((e) => `${e.directory}\0${e.file}`)), new Set(theirs.map((e) => `${e.directory}\0${e.file}`)));
    assert.deepEqual(new Set(all.map((e) => key(bearView(e)))), keys(theirs));
  },
  180_000,
);

ebpfTest('a source the build made, compiled and removed (a conftest.c) has no entry unless --probes (or its old name, --removed-sources, hidden), and a note says so', async () => {
  const dir = path.join(tmpdir('bt-cc-'), 'removed');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'main.c'), 'int main(void) { return 0; }\n');
  const script = "echo 'int x;' > conftest.c && cc -c conftest.c -o conftest.o && rm -f conftest.c conftest.o && cc -c main.c -o main.o";
  const t = await trace(['sh', '-c', script], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const plain = await bt(['export', 'compile-commands', t.file]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual((JSON.parse(plain.stdout) as CompileCommand[]).map((e) => path.relative(dir, e.file)), ['main.c']);
  assert.equal(plain.stderr, 'bt export: note: left out 1 probe compile (conftest.c: of sources the build made and removed): --probes keeps them');
  const all = await bt(['export', 'compile-commands', '--probes', t.file]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual((JSON.parse(all.stdout) as CompileCommand[]).map((e) => [path.relative(dir, e.file), e.arguments.slice(1)]), [
    ['conftest.c', ['-c', 'conftest.c', '-o', 'conftest.o']],
    ['main.c', ['-c', 'main.c', '-o', 'main.o']],
  ]);
  assert.equal(all.stderr, '');
  // the old name still works, and is no longer in the help
  const old = await bt(['export', 'compile-commands', '--removed-sources', t.file]);
  assert.equal(old.code, 0, old.stderr);
  assert.equal(old.stdout, all.stdout);
  const help = await bt(['export', '--help']);
  assert.match(help.stdout, /--probes +compile-commands: keep the probe compiles/);
  assert.doesNotMatch(help.stdout, /--removed-sources/);
  for (const flag of ['--probes', '--removed-sources']) {
    const wrong = await bt(['export', 'makedeps', flag, t.file]);
    assert.equal(wrong.code, 2);
    assert.equal(wrong.stderr, `bt: ${flag} applies to bt export compile-commands only, not makedeps`);
  }
});

ebpfTest("kbuild's probes (cc-option's `-x c /dev/null -o .tmp_1/tmp`, a source from stdin) have no entry; the real compile has one; a file compiled into the scratch directory keeps its entry, as with Bear", async () => {
  const dir = path.join(tmpdir('bt-cc-'), 'probes');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'main.c'), 'int main(void) { return 0; }\n');
  fs.writeFileSync(path.join(dir, 'probe.c'), 'int probe;\n');
  // as kbuild's try-run: a scratch directory made, compiled into, removed
  const probe = (cmd: string) => `$(shell mkdir -p .tmp_1; if ${cmd}; then echo ok; fi; rm -rf .tmp_1)`;
  fs.writeFileSync(
    path.join(dir, 'Makefile'),
    `A := ${probe('cc -Werror -c -x c /dev/null -o .tmp_1/tmp')}\n` +
      `B := ${probe("echo 'int x;' | cc -c -x c - -o .tmp_1/tmp")}\n` +
      `C := ${probe('cc -c probe.c -o .tmp_1/tmp')}\n` +
      'main.o: main.c\n\t@echo $(A) $(B) $(C)\n\tcc -c -o main.o main.c\n',
  );
  const t = await trace(['make'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /^ok ok ok$/m);
  const plain = await bt(['export', 'compile-commands', t.file]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual((JSON.parse(plain.stdout) as CompileCommand[]).map((e) => [path.relative(dir, e.file), e.arguments.slice(1)]), [
    ['probe.c', ['-c', 'probe.c', '-o', '.tmp_1/tmp']],
    ['main.c', ['-c', '-o', 'main.o', 'main.c']],
  ]);
  assert.equal(plain.stderr, 'bt export: note: left out 1 probe compile (/dev/null: of no regular file): --probes keeps them');
  const all = await bt(['export', 'compile-commands', '--probes', t.file]);
  assert.deepEqual((JSON.parse(all.stdout) as CompileCommand[]).map((e) => e.file), ['/dev/null', `${dir}/probe.c`, `${dir}/main.c`]);
});

/** An entry as a build system's own database has it: no dependency-file options (CMake leaves them out), the compiler by its name and not under ccache or sccache (meson's has `ccache cc` when either is installed), `file` absolute. */
function ownView(e: CompileCommand & { command?: string }): string {
  let args = e.arguments ?? e.command!.split(/\s+/).filter(Boolean); // (the projects' commands hold no quoted words)
  if (['ccache', 'sccache'].includes(path.basename(args[0]))) args = args.slice(1);
  args = [path.basename(args[0]), ...args.slice(1)];
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (['-MT', '-MF', '-MQ'].includes(args[i])) i++;
    else if (!['-MD', '-MMD', '-MP'].includes(args[i])) kept.push(args[i]);
  }
  return JSON.stringify([e.directory, path.resolve(e.directory, e.file), kept]);
}

/** bt export compile-commands of a trace, and with --probes: the entries, and the note on stderr. */
async function exportBoth(file: string): Promise<{ entries: CompileCommand[]; all: CompileCommand[]; note: string }> {
  const plain = await bt(['export', 'compile-commands', file]);
  assert.equal(plain.code, 0, plain.stderr);
  const all = await bt(['export', 'compile-commands', '--probes', file]);
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stderr, '');
  return { entries: JSON.parse(plain.stdout), all: JSON.parse(all.stdout), note: plain.stderr };
}

for (const [generator, tool] of [['Unix Makefiles', 'make'], ['Ninja', 'ninja']] as const) {
  ebpfTest(
    `cmchecks (CMake configure with a header check, a source check and a try_compile of calc.c, then the build; ${generator}): exactly the entries of CMake's own compile_commands.json, none of the configure step's`,
    async (t) => {
      if (!needTools(t, 'cmake') || !needTools(t, tool)) return;
      const src = copyProject('cmchecks', ['CMakeLists.txt', 'config.h.in', 'calc.c', 'main.cpp']);
      const work = path.dirname(src);
      const build = path.join(work, 'build');
      const tr = await trace(['sh', '-c', `cmake -S cmchecks -B build -G '${generator}' -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null && cmake --build build >/dev/null`], { cwd: work });
      assert.equal(tr.code, 0, tr.stderr);
      const { entries, all, note } = await exportBoth(tr.file);
      const obj = (s: string) => ['-MD', '-MT', `CMakeFiles/calc.dir/${s}.o`, '-MF', `CMakeFiles/calc.dir/${s}.o.d`, '-o', `CMakeFiles/calc.dir/${s}.o`, '-c'];
      assert.deepEqual(
        [...entries].sort((a, b) => a.file.localeCompare(b.file)),
        [
          { directory: build, file: `${src}/calc.c`, arguments: ['/usr/bin/cc', `-I${build}`, ...obj('calc.c'), `${src}/calc.c`], output: `${build}/CMakeFiles/calc.dir/calc.c.o` },
          { directory: build, file: `${src}/main.cpp`, arguments: ['/usr/bin/c++', `-I${build}`, ...obj('main.cpp'), `${src}/main.cpp`], output: `${build}/CMakeFiles/calc.dir/main.cpp.o` },
        ],
      );
      const cmake: CompileCommand[] = JSON.parse(fs.readFileSync(path.join(build, 'compile_commands.json'), 'utf8'));
      assert.deepEqual(new Set(entries.map(ownView)), new Set(cmake.map(ownView)));
      // the configure step's compiles: the compiler identification (its source stays), the ABI checks, the checks and the try_compile of calc.c with -DPROBE
      const probes = all.filter((e) => !entries.some((x) => key(x) === key(e)));
      assert.ok(probes.some((e) => e.file === `${build}/CMakeFiles/${cmakeVersion(build)}/CompilerIdC/CMakeCCompilerId.c`), 'the C compiler identification');
      assert.ok(probes.some((e) => e.file === `${src}/calc.c` && e.arguments.includes('-DPROBE')), "the try_compile of the project's calc.c");
      assert.ok(probes.length >= 7, `${probes.length} probe compiles`);
      assert.equal(all.length, entries.length + probes.length);
      assert.match(note, new RegExp(`^bt export: note: left out ${probes.length} probe compiles \\((?:[\\d,]+ compiler runs; )?CMakeCCompilerId\\.c, CMakeCXXCompilerId\\.cpp, …: run by a configure step\\): --probes keeps them$`));
    },
    180_000,
  );
}

/** CMake's version directory in a build directory's CMakeFiles (3.25.1). */
function cmakeVersion(build: string): string {
  return fs.readdirSync(path.join(build, 'CMakeFiles')).find((d) => /^\d+\.\d+/.test(d))!;
}

ebpfTest("meson setup and ninja: exactly the entries of meson's own compile_commands.json, none of meson setup's sanity checks and compiler checks", async (t) => {
  if (!needTools(t, 'meson') || !needTools(t, 'ninja')) return;
  const work = tmpdir('bt-cc-');
  const src = path.join(work, 'mproj');
  fs.mkdirSync(src);
  fs.writeFileSync(
    path.join(src, 'meson.build'),
    [
      "project('mproj', 'c', 'cpp')",
      "cc = meson.get_compiler('c')",
      'conf = configuration_data()',
      "conf.set('HAVE_EMPTY_MAIN', cc.compiles('int main(void) { return 0; }', name: 'empty main'))",
      "conf.set('HAVE_PRINTF', cc.has_function('printf'))",
      "configure_file(output: 'config.h', configuration: conf)",
      "executable('app', 'main.c', 'util.cpp')",
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(src, 'main.c'), '#include "config.h"\nint u(void);\nint main(void) { return u(); }\n');
  fs.writeFileSync(path.join(src, 'util.cpp'), 'extern "C" int u() { return 0; }\n');
  const tr = await trace(['sh', '-c', 'meson setup build mproj >/dev/null && ninja -C build >/dev/null'], { cwd: work });
  assert.equal(tr.code, 0, tr.stderr);
  const { entries, all, note } = await exportBoth(tr.file);
  const build = path.join(work, 'build');
  assert.deepEqual(entries.map((e) => [e.directory, e.file, e.output]).sort(), [
    [build, `${src}/main.c`, `${build}/app.p/main.c.o`],
    [build, `${src}/util.cpp`, `${build}/app.p/util.cpp.o`],
  ]);
  const meson: CompileCommand[] = JSON.parse(fs.readFileSync(path.join(build, 'compile_commands.json'), 'utf8'));
  assert.deepEqual(new Set(entries.map(ownView)), new Set(meson.map(ownView)));
  // meson setup's: the sanity checks in meson-private (their sources stay), the compiler checks in /tmp
  const probes = all.length - entries.length;
  assert.ok(all.some((e) => e.file === `${build}/meson-private/sanitycheckc.c`));
  assert.ok(probes >= 4, `${probes} probe compiles`);
  assert.match(note, new RegExp(`^bt export: note: left out ${probes} probe compiles \\((?:[\\d,]+ compiler runs; )?sanitycheckc\\.c, sanitycheckcpp\\.cc, …: run by a configure step\\): --probes keeps them$`));
});

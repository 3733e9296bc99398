/**
 * bt deps and rdeps on a REAL CMake + Ninja build (eBPF, as root): a
 * check_include_file and a configure_file'd config.h, then ninja.
 *   - CMake's try-compile scratch (CMakeFiles/CMakeScratch/TryCompile-*,
 *     present/fold.ts) is one line in deps' tree, with what it was made
 *     from (the compiler's files of configure's checks): config.h reads
 *     the compiler ABI check's program; --unfold draws each file, marked
 *     removed (cmake removes the scratch).
 *   - --inputs/--outputs leave out the files gone at the build's end: the
 *     depfile ninja read and deleted (main.c.o.d), the scratch; --unfold
 *     lists them; the tree marks them "(removed)".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

const CMAKELISTS = `cmake_minimum_required(VERSION 3.13)
project(p C)
include(CheckIncludeFile)
check_include_file(stdio.h HAVE_STDIO_H)
configure_file(config.h.in config.h)
add_executable(app main.c)
target_include_directories(app PRIVATE \${CMAKE_CURRENT_BINARY_DIR} \${CMAKE_CURRENT_SOURCE_DIR})
`;

ebpfTest("bt deps/rdeps on cmake + ninja: the try-compile scratch is one line; --inputs/--outputs leave out what was gone at the build's end, --unfold lists it", async () => {
  const dir = tmpdir('bt-cmake-');
  fs.writeFileSync(path.join(dir, 'CMakeLists.txt'), CMAKELISTS);
  fs.writeFileSync(path.join(dir, 'config.h.in'), '#cmakedefine HAVE_STDIO_H 1\n');
  fs.writeFileSync(path.join(dir, 'main.c'), '#include "config.h"\n#include "h.h"\nint main(void) { return H; }\n');
  fs.writeFileSync(path.join(dir, 'h.h'), '#define H 0\n');
  const t = await trace(['sh', '-c', 'cmake -G Ninja -S . -B build >/dev/null && ninja -C build >/dev/null'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  /** bt ARGS on the trace, in the project: its stdout (execa drops the last newline). */
  const run = async (...args: string[]) => {
    const r = await bt([...args, t.file], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  // ninja read main.c.o.d (gcc's depfile) into .ninja_deps and deleted it
  assert.equal(await run('rdeps', 'h.h', '--outputs'), 'build/CMakeFiles/app.dir/main.c.o\nbuild/app');
  assert.equal(await run('rdeps', 'h.h', '--outputs', '--unfold'), 'build/CMakeFiles/app.dir/main.c.o\nbuild/CMakeFiles/app.dir/main.c.o.d\nbuild/app');
  const rtree = (await run('rdeps', 'h.h')).split('\n');
  assert.deepEqual(
    rtree.map((l) => l.replace(/  <- .*/, '')),
    ['h.h', '  build/CMakeFiles/app.dir/main.c.o', '    build/app', '  build/CMakeFiles/app.dir/main.c.o.d (removed)', '', '3 files made from it by 2 jobs'],
  );
  // deps: config.h, which cmake wrote after reading its compiler ABI check's program, folds that check
  const tree = (await run('deps', 'build/app')).split('\n');
  const config = tree.findIndex((l) => l.startsWith('    build/config.h  <- written by cmake -G Ninja -S . -B build [proc '));
  assert.ok(config > 0, tree.join('\n'));
  assert.deepEqual(tree.slice(config + 1, config + 3), ['      CMakeLists.txt', "      build/CMakeFiles/CMakeScratch/TryCompile-*/  (CMake's try-compile scratch: 2 files; --unfold or --json lists them)"]);
  assert.deepEqual(
    tree.filter((l) => l.includes('CMakeScratch')),
    [tree[config + 2]],
    'nothing else of it, nor what it was made from',
  );
  // --unfold draws the check: its program and object, removed
  const unfolded = (await run('deps', 'build/app', '--unfold')).split('\n').filter((l) => l.includes('CMakeScratch'));
  assert.deepEqual(
    unfolded.map((l) => l.replace(/TryCompile-\w+/, 'TryCompile-X').replace(/cmTC_\w+/g, 'cmTC').replace(/  <- .*/, '')),
    ['      build/CMakeFiles/CMakeScratch/TryCompile-X/cmTC (removed)', '        build/CMakeFiles/CMakeScratch/TryCompile-X/CMakeFiles/cmTC.dir/CMakeCCompilerABI.c.o (removed)'],
  );
  // --outputs: the files made on the way that are there at the end; --unfold adds the check's
  assert.equal(await run('deps', 'build/app', '--outputs'), 'build/CMakeFiles/app.dir/main.c.o\nbuild/config.h');
  const all = (await run('deps', 'build/app', '--outputs', '--unfold')).split('\n');
  assert.deepEqual(
    all.map((l) => l.replace(/TryCompile-\w+/, 'TryCompile-X').replace(/cmTC_\w+/g, 'cmTC')),
    ['build/CMakeFiles/CMakeScratch/TryCompile-X/CMakeFiles/cmTC.dir/CMakeCCompilerABI.c.o', 'build/CMakeFiles/CMakeScratch/TryCompile-X/cmTC', 'build/CMakeFiles/app.dir/main.c.o', 'build/config.h'],
  );
  // the summary's intermediates: the scratch is one line, the JSON names its files
  const s = JSON.parse(await run('summary', '--json'));
  const cache = s.caches.find((c: { what: string }) => c.what === "CMake's try-compile scratch");
  assert.equal(cache.name, path.join(dir, 'build/CMakeFiles/CMakeScratch/TryCompile-*/'));
  assert.ok(cache.files.length > 2 && cache.files.every((f: string) => f.startsWith(path.join(dir, 'build/CMakeFiles/CMakeScratch/TryCompile-'))), cache.files.join('\n'));
  const text = (await run('summary')).split('\n');
  assert.deepEqual(
    text.filter((l) => l.includes('CMakeScratch')),
    [`  build/CMakeFiles/CMakeScratch/TryCompile-*/  (CMake's try-compile scratch: ${cache.files.length} files)`],
  );
});

/**
 * bt check on a real traced CMake build of a shared library with a
 * VERSION/SOVERSION, linked with a version script CMake does not know
 * (json-c's pattern), configured and built in the trace: with Unix
 * Makefiles (--make) and with Ninja (--ninja). The symlinks the library's
 * recipe makes (cmake_symlink_library, its third line) are no undeclared
 * output; the version script is an undeclared input whose fix is the
 * target's LINK_DEPENDS; CMake's try-compile makes, in directories CMake
 * removed, are one note.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { needTools } from '../helpers/tools.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

interface Json {
  findings: Array<{ kind: string; file: string; target?: string; jobs: Array<{ proc: number; argv: string[] }>; detail: string; fix?: string }>;
}


/** The project: libutil.so.1.2.3 (and its symlinks) linked with util.sym, and app linked with it. */
function project(): string {
  const dir = path.join(tmpdir('bt-cmakelib-'), 'proj');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'CMakeLists.txt'),
    'cmake_minimum_required(VERSION 3.13)\nproject(demo C)\n' +
      'add_library(util SHARED util.c)\nset_target_properties(util PROPERTIES VERSION 1.2.3 SOVERSION 1)\n' +
      'target_link_options(util PRIVATE -Wl,--version-script,${CMAKE_CURRENT_SOURCE_DIR}/util.sym)\n' +
      'add_executable(app main.c)\ntarget_link_libraries(app util)\n',
  );
  fs.writeFileSync(path.join(dir, 'util.c'), 'int twice(int x) { return 2 * x; }\n');
  fs.writeFileSync(path.join(dir, 'util.sym'), '{ global: twice; local: *; };\n');
  fs.writeFileSync(path.join(dir, 'main.c'), 'int twice(int x);\nint main(void) { return twice(0); }\n');
  return dir;
}

const FIX = 'set_property(TARGET util APPEND PROPERTY LINK_DEPENDS ${CMAKE_SOURCE_DIR}/util.sym)';

async function check(file: string, args: string[]): Promise<{ code: number; json: Json; stderr: string }> {
  const r = await bt(['check', '--json', ...args, file]);
  assert.ok(r.code === 0 || r.code === 1, `bt check failed (${r.code}): ${r.stderr}`);
  return { code: r.code, json: JSON.parse(r.stdout) as Json, stderr: r.stderr };
}

ebpfTest('check --make on CMake: the version script is the library\'s one undeclared input (LINK_DEPENDS); its symlinks are its recipe\'s; the try-compiles are one note', async (t) => {
  if (!needTools(t, 'cmake')) return;
  const dir = project();
  const tr = await trace(['sh', '-c', 'cmake -S . -B build >/dev/null && make -C build -j2'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const { json, stderr } = await check(tr.file, ['--make']);
  const found = json.findings.filter((f) => f.kind !== 'hermeticity'); // cmake's own look around the machine
  assert.deepEqual(
    found.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? '')]),
    [['undeclared-input', 'util.sym', 'build/libutil.so.1.2.3']],
  );
  // the echo, cmake_link_script and cmake_symlink_library lines of the library's recipe
  assert.match(found[0].detail, /^jobs \d+, \d+, \d+ \(the 3 lines of its recipe\) built build\/libutil\.so\.1\.2\.3 and read util\.sym/);
  assert.equal(found[0].fix, `list util.sym in LINK_DEPENDS of the target util, which build/libutil.so.1.2.3 is the link of: ${FIX}`);
  const notes = stderr.trim().split('\n');
  assert.equal(notes.length, 1, stderr);
  assert.match(notes[0], /^bt: note: \d+ makes of the build ran in a directory or on a makefile that the build removed, .*\(configure's and CMake's tests\): their jobs were not compared$/);
});

ebpfTest('check --ninja on CMake: the version script is the library\'s one undeclared input, fixed with the target\'s LINK_DEPENDS', async (t) => {
  if (!needTools(t, 'cmake', 'ninja')) return;
  const dir = project();
  const tr = await trace(['sh', '-c', 'cmake -G Ninja -S . -B build >/dev/null && ninja -C build'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const { json } = await check(tr.file, ['--ninja', path.join(dir, 'build')]);
  const found = json.findings.filter((f) => f.kind !== 'hermeticity');
  assert.deepEqual(
    found.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? ''), f.fix]),
    [['undeclared-input', 'util.sym', 'build/libutil.so.1.2.3', `list util.sym in LINK_DEPENDS of the target util, which build/libutil.so.1.2.3 is the link of: ${FIX}`]],
  );
});

ebpfTest('check --make on CMake: a header a custom target makes, read by another target nothing orders after it, is a race whose fix is add_dependencies', async (t) => {
  if (!needTools(t, 'cmake')) return;
  // colors.h comes from add_custom_target(gencolors), and core, which includes it, neither depends on gencolors nor lists
  // colors.h among its sources: CMake's per-target sub-makes for the two run at the same time (the generator lingers after
  // writing, so that they overlap whatever the scheduling)
  const dir = path.join(tmpdir('bt-cmakerace-'), 'proj');
  const files: Record<string, string> = {
    'CMakeLists.txt':
      'cmake_minimum_required(VERSION 3.16)\nproject(cmk C)\n' +
      'add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/gen/colors.h\n  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/gen\n' +
      '  COMMAND sh ${CMAKE_SOURCE_DIR}/tools/gencolors.sh ${CMAKE_SOURCE_DIR}/tools/colors.txt ${CMAKE_BINARY_DIR}/gen/colors.h\n' +
      '  DEPENDS ${CMAKE_SOURCE_DIR}/tools/gencolors.sh ${CMAKE_SOURCE_DIR}/tools/colors.txt)\n' +
      'add_custom_target(gencolors ALL DEPENDS ${CMAKE_BINARY_DIR}/gen/colors.h)\n' +
      'add_library(core STATIC src/core.c src/paint.c)\ntarget_include_directories(core PUBLIC include ${CMAKE_BINARY_DIR}/gen)\n',
    'include/core.h': 'int core_value(void);\nint paint(int c);\n',
    'src/core.c': '#include "core.h"\nint core_value(void) { return 1; }\n',
    'src/paint.c': '#include "core.h"\n#include "colors.h"\nint paint(int c) { return c + COLOR_blue; }\n',
    'tools/colors.txt': 'red 1\nblue 3\n',
    'tools/gencolors.sh': 'echo "/* generated */" > "$2.tmp"\nwhile read n v; do echo "#define COLOR_$n $v" >> "$2.tmp"; done < "$1"\nmv "$2.tmp" "$2"\nsleep 1\n',
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const tr = await trace(['sh', '-c', 'cmake -S . -B build -G "Unix Makefiles" >/dev/null && cmake --build build -j 2 >/dev/null'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const { json } = await check(tr.file, ['--make']);
  const found = json.findings.filter((f) => f.kind !== 'hermeticity');
  assert.deepEqual(
    found.map((f) => [f.kind, path.relative(dir, f.file), f.fix]),
    [
      [
        'read-write',
        'build/gen/colors.h',
        'make the CMake target core wait for gencolors, which makes build/gen/colors.h: add_dependencies(core gencolors), or list ${CMAKE_BINARY_DIR}/gen/colors.h among the sources of core',
      ],
    ],
  );
});

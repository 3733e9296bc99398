/**
 * The fixes bt check pastes, in the terms of the file the user edits: a
 * CMake target's own compile or link is fixed with its properties
 * (OBJECT_DEPENDS, LINK_DEPENDS), a custom command with its DEPENDS and
 * BYPRODUCTS; a makefile names a file beside its directory as ../x.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fixUndeclaredInput, fixUndeclaredOutput } from '../../src/check/fix.js';
import type { Graph } from '../../src/check/makegraph.js';
import { tmpdir } from '../helpers/trace.js';

/** A graph of `dir` whose targets have the given rules (ninja) or recipes (make). */
function graph(dir: string, opts: { system: 'make' | 'ninja'; rules?: Record<string, string>; recipes?: Record<string, string[]>; generator?: Graph['generator'] }): Graph {
  return {
    isTarget: () => true,
    dependsOn: () => new Set(),
    madeWith: (t) => new Set([t]),
    targetsIn: () => [],
    own: () => false,
    always: () => false,
    manifest: () => false,
    readsDepfiles: () => false,
    ordered: () => false,
    ruleOf: (t) => opts.rules?.[t],
    recipeAt: (t) => (opts.recipes?.[t] ? { file: `${dir}/CMakeFiles/${path.basename(t).replace(/^lib|\.so.*$/g, '')}.dir/build.make`, line: 7 } : undefined),
    recipe: (t) => ({ lines: opts.recipes?.[t] ?? [], auto: {} }),
    recipeTargets: () => Object.keys(opts.recipes ?? {}),
    system: opts.system,
    dir,
    generator: opts.generator,
  };
}

test('fix: a CMake compile reads a file: OBJECT_DEPENDS of its source; a link: the target\'s LINK_DEPENDS; a custom command: DEPENDS', () => {
  const src = path.join(tmpdir('bt-fix-'), 'src');
  const build = `${src}/build`;
  fs.mkdirSync(build, { recursive: true });
  fs.writeFileSync(`${build}/CMakeCache.txt`, `CMAKE_HOME_DIRECTORY:INTERNAL=${src}\n`);
  const show = (p: string) => path.relative(src, p);
  const g = graph(build, {
    system: 'ninja',
    generator: 'CMake',
    rules: { [`${build}/app`]: 'C_EXECUTABLE_LINKER__my_app_Debug', [`${build}/gen.h`]: 'CUSTOM_COMMAND' },
  });
  assert.equal(
    fixUndeclaredInput(g, `${build}/CMakeFiles/my_app.dir/main.c.o`, `${src}/table.inc`, show, false),
    'list table.inc in OBJECT_DEPENDS of main.c, which build/CMakeFiles/my_app.dir/main.c.o is compiled from (target my_app): set_property(SOURCE main.c APPEND PROPERTY OBJECT_DEPENDS ${CMAKE_SOURCE_DIR}/table.inc)',
  );
  assert.equal(
    fixUndeclaredInput(g, `${build}/app`, `${build}/app.ld`, show, false),
    'list build/app.ld in LINK_DEPENDS of the target my_app, which build/app is the link of: set_property(TARGET my_app APPEND PROPERTY LINK_DEPENDS ${CMAKE_BINARY_DIR}/app.ld)',
  );
  assert.equal(fixUndeclaredInput(g, `${build}/gen.h`, `${src}/gen.py`, show, false), 'list gen.py in DEPENDS of the add_custom_command that makes build/gen.h');
  // outputs: a link's extra file; a custom command's in the build directory, and in the source tree
  assert.equal(
    fixUndeclaredOutput(g, `${build}/app`, `${build}/app.map`, show),
    'have the link of the target my_app not write build/app.map (CMake declares no other output of it), or write build/app.map in a step that declares it: add_custom_command(TARGET my_app POST_BUILD … BYPRODUCTS ${CMAKE_BINARY_DIR}/app.map)',
  );
  assert.equal(fixUndeclaredOutput(g, `${build}/gen.h`, `${build}/gen.log`, show), 'list build/gen.log in OUTPUT or BYPRODUCTS of the add_custom_command that makes build/gen.h');
  assert.equal(
    fixUndeclaredOutput(g, `${build}/gen.h`, `${src}/gen.log`, show),
    'list gen.log in OUTPUT or BYPRODUCTS of the add_custom_command that makes build/gen.h, or have it write gen.log in the build directory',
  );
  // CMake's Makefile generator: the link is the rule that runs cmake_link_script
  const m = graph(build, { system: 'make', generator: 'CMake', recipes: { [`${build}/libutil.so.1.2.3`]: ['$(CMAKE_COMMAND) -E cmake_link_script CMakeFiles/util.dir/link.txt --verbose=$(VERBOSE)'] } });
  assert.equal(
    fixUndeclaredInput(m, `${build}/libutil.so.1.2.3`, `${src}/util.sym`, show, false),
    'list util.sym in LINK_DEPENDS of the target util, which build/libutil.so.1.2.3 is the link of: set_property(TARGET util APPEND PROPERTY LINK_DEPENDS ${CMAKE_SOURCE_DIR}/util.sym)',
  );
});

test('fix: a makefile names a file beside its directory as ../x, one further away absolute', () => {
  const g = graph('/p/src', { system: 'make' });
  const show = (p: string) => path.relative('/p', p);
  assert.equal(fixUndeclaredInput(g, '/p/src/a.lo', '/p/libtool', show, false), 'add libtool to the prerequisites of src/a.lo: a.lo: ../libtool');
  assert.equal(fixUndeclaredInput(g, '/p/src/a.lo', '/p/src/x.cfg', show, false), 'add src/x.cfg to the prerequisites of src/a.lo: a.lo: x.cfg');
  assert.equal(fixUndeclaredInput(g, '/p/src/a.lo', '/q/x.cfg', show, false), 'add ../q/x.cfg to the prerequisites of src/a.lo: a.lo: /q/x.cfg');
});

/**
 * bt check --ninja on a real trace (eBPF, as root) of a small ninja build:
 * a compile whose headers ninja learned from its depfile (declared), a rule
 * reading a file its edge does not list, one reading a file its edge has
 * only as order-only (||: its change rebuilds nothing), and one writing a
 * file it does not declare.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { needTools } from '../helpers/tools.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

const BUILD_NINJA = `rule cc
  command = cc -MD -MF $out.d -c -o $out $in
  depfile = $out.d
  deps = gcc
rule link
  command = cc -o $out $in
rule cat
  command = cat $in extra.txt > $out
rule stamp
  command = echo done > $out && echo log > side.log
build main.o: cc main.c
build app: link main.o
build out.txt: cat in.txt
build stamp.txt: stamp | app
rule gen
  command = cp $in $out
rule catu
  command = cat $in util.h > $out
build util.h: gen util.in
build out2.txt: catu in2.txt || util.h
build all: phony app out.txt out2.txt stamp.txt
default all
`;

ebpfTest('check --ninja: exactly the undeclared input and the undeclared output', async (t) => {
  if (!needTools(t, 'ninja')) return;
  const dir = path.join(tmpdir('bt-ninja-'), 'proj');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'build.ninja'), BUILD_NINJA);
  fs.writeFileSync(path.join(dir, 'main.c'), '#include "h.h"\nint main(void) { return X; }\n');
  fs.writeFileSync(path.join(dir, 'h.h'), '#define X 0\n');
  fs.writeFileSync(path.join(dir, 'in.txt'), 'in\n');
  fs.writeFileSync(path.join(dir, 'extra.txt'), 'extra\n');
  fs.writeFileSync(path.join(dir, 'util.in'), 'util\n');
  fs.writeFileSync(path.join(dir, 'in2.txt'), 'in2\n');
  const tr = await trace(['ninja', '-j2'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);

  const r = await bt(['check', '--json', '--ninja', dir, tr.file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as { checked: string[]; findings: Array<{ kind: string; file: string; target: string; fix: string; jobs: Array<{ argv: string[] }> }> };
  assert.deepEqual(json.checked, ['hermeticity', 'races', 'ninja']);
  // what to change, in build.ninja's terms (no generator wrote it)
  assert.deepEqual(json.findings.map((f) => f.fix).sort(), [
    'add extra.txt to the implicit inputs of the edge that makes out.txt (build out.txt: … | extra.txt)',
    'add side.log to the outputs of the edge that makes stamp.txt (build stamp.txt | side.log: …)',
    'add util.h to the implicit inputs of the edge that makes out2.txt (build out2.txt: … | util.h)',
  ]);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target), f.jobs[0].argv.at(-1)]).sort(), // in time order: ninja -j2 runs the two cats in either order
    [
      ['undeclared-input', 'extra.txt', 'out.txt', 'cat in.txt extra.txt > out.txt'],
      ['undeclared-input', 'util.h', 'out2.txt', 'cat in2.txt util.h > out2.txt'],
      ['undeclared-output', 'side.log', 'stamp.txt', 'echo done > stamp.txt && echo log > side.log'],
    ],
    'h.h is declared through the depfile ninja recorded; main.o.d is ninja\'s own',
  );

  const noMake = await bt(['check', '--make', tr.file]);
  assert.equal(noMake.code, 2);
  assert.match(noMake.stderr.trim(), /^bt: --make: the build ran no make, so there is no make graph to compare with/);

  // another ninja directory: no ninja of the build ran there, and check says so
  const other = path.join(path.dirname(dir), 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'build.ninja'), 'rule cp\n  command = cp $in $out\nbuild x.txt: cp y.txt\n');
  const wrong = await bt(['check', '--ninja', other, tr.file]);
  assert.equal(wrong.code, 0, wrong.stderr);
  assert.match(wrong.stderr, new RegExp(`^bt: note: no ninja of the build ran in ${other} \\(ninja -C ${other}\\): nothing was compared with its graph \\(is it the build directory of the traced build\\?\\)$`, 'm'));

  const bad = await bt(['check', '--ninja', path.join(dir, 'nowhere'), tr.file]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^bt: --ninja \S+nowhere: no build\.ninja there: give the ninja build directory of the traced build$/);
});

/**
 * Generated files used by other edges: a header reached only through the
 * depfile ninja recorded (ordered by nothing: ninja -t missingdeps finds
 * it), one behind an order-only dependency, one behind a phony edge, and a
 * tool another edge built, run without depending on it.
 */
const GENERATED_NINJA = `rule gen
  command = cp $in $out
rule cc
  command = cc -MD -MF $out.d -Igen -c -o $out $in
  depfile = $out.d
  deps = gcc
rule link
  command = cc -o $out $in
rule run
  command = ./tool > $out
build gen/extra.h: gen extra.h.in
build gen/ordered.h: gen ordered.h.in
build gen/phony.h: gen phony.h.in
build headers: phony gen/phony.h
build main.o: cc main.c
build util.o: cc util.c || gen/ordered.h
build more.o: cc more.c | headers
build app: link main.o util.o more.o
build tool: link tool.c
build out.txt: run
build all: phony app out.txt
default all
`;

ebpfTest('check --ninja: a generated header reached only through a depfile is a missing dep; a generated tool run without a dependency, a missing dep that also says it will not rebuild (running is reading)', async (t) => {
  if (!needTools(t, 'ninja')) return;
  const dir = path.join(tmpdir('bt-ninja-'), 'gen');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'build.ninja'), GENERATED_NINJA);
  for (const h of ['extra', 'ordered', 'phony']) fs.writeFileSync(path.join(dir, `${h}.h.in`), `#define ${h.toUpperCase()} 1\n`);
  fs.writeFileSync(path.join(dir, 'main.c'), '#include "extra.h"\nint main(void) { return EXTRA - 1; }\n');
  fs.writeFileSync(path.join(dir, 'util.c'), '#include "ordered.h"\nint util(void) { return ORDERED; }\n');
  fs.writeFileSync(path.join(dir, 'more.c'), '#include "phony.h"\nint more(void) { return PHONY; }\n');
  fs.writeFileSync(path.join(dir, 'tool.c'), '#include <stdio.h>\nint main(void) { puts("made by tool"); return 0; }\n');
  // the generator and the tool first (as a luckier -j schedule would), then the rest
  const tr = await trace(['sh', '-c', 'ninja gen/extra.h tool && ninja'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'made by tool\n');

  const r = await bt(['check', '--json', '--ninja', dir, tr.file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as {
    findings: Array<{ kind: string; file: string; target: string; detail: string; fix: string; jobs: Array<{ argv: string[] }>; uses: Array<{ path: string; access: string[] }> }>;
  };
  const rel = (p: string) => path.relative(dir, p);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, rel(f.file), rel(f.target), f.jobs.map((j) => j.argv.at(-1)), f.uses.map((u) => u.access.join('+'))]),
    [
      ['missing-dep', 'gen/extra.h', 'main.o', ['cc -MD -MF main.o.d -Igen -c -o main.o main.c', 'cp extra.h.in gen/extra.h'], ['write', 'read']],
      // out.txt's rule does not depend on tool at all: unordered and undeclared, one finding that says both
      ['missing-dep', 'tool', 'out.txt', ['./tool > out.txt', 'cc -o tool tool.c'], ['write', 'exec']],
    ],
    'ordered.h (order-only) and phony.h (behind a phony edge) are ordered; main.o, util.o and more.o are inputs of app',
  );
  assert.match(
    json.findings[0].detail,
    /^job \d+ built main\.o and read gen\/extra\.h, which job \d+ generated \(rule gen\), but nothing in the ninja graph orders main\.o after gen\/extra\.h \(no explicit, implicit or order-only dependency path\): it was made first by luck of scheduling$/,
  );
  assert.match(json.findings[1].detail, /^job \d+ built out\.txt and ran tool, which job \d+ generated \(rule link\), .*; nor does out\.txt depend on it: changing tool will not rebuild out\.txt$/);
  assert.deepEqual(json.findings.map((f) => f.fix), [
    'add gen/extra.h to the inputs of the edge that makes main.o: implicit (build main.o: … | gen/extra.h) if main.o must be remade when it changes, else order-only (|| gen/extra.h)',
    'add tool to the inputs of the edge that makes out.txt: implicit (build out.txt: … | tool) if out.txt must be remade when it changes, else order-only (|| tool)',
  ]);
  // ninja's own tool agrees on the header (it knows nothing of the tool run: that is no depfile dependency)
  const { execa } = await import('execa');
  const md = await execa('ninja', ['-C', dir, '-t', 'missingdeps'], { reject: false });
  assert.match(String(md.stdout), /^Missing dep: main\.o uses gen\/extra\.h \(generated by gen\)$/m);
});

ebpfTest('check --ninja: a CMake custom target generating a header that another target includes, unordered (the missingdeps repro)', async (t) => {
  if (!needTools(t, 'cmake', 'ninja')) return;
  const dir = path.join(tmpdir('bt-ninja-'), 'proj');
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'CMakeLists.txt'),
    'cmake_minimum_required(VERSION 3.13)\nproject(demo CXX)\n' +
      'add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/gen/extra.h\n  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/extra.h.in ${CMAKE_BINARY_DIR}/gen/extra.h\n  DEPENDS ${CMAKE_SOURCE_DIR}/extra.h.in)\n' +
      'add_custom_target(genextra ALL DEPENDS ${CMAKE_BINARY_DIR}/gen/extra.h)\n' +
      'add_executable(app src/main.cpp)\ntarget_include_directories(app PRIVATE ${CMAKE_BINARY_DIR}/gen)\n',
  );
  fs.writeFileSync(path.join(dir, 'extra.h.in'), '#define EXTRA 1\n');
  fs.writeFileSync(path.join(dir, 'src', 'main.cpp'), '#include "extra.h"\nint main() { return EXTRA - 1; }\n');
  const build = path.join(dir, 'build');
  const { execa } = await import('execa');
  const conf = await execa('cmake', ['-G', 'Ninja', '-S', dir, '-B', build], { reject: false });
  assert.equal(conf.exitCode, 0, String(conf.stderr));
  const tr = await trace(['sh', '-c', 'ninja -C build genextra && ninja -C build'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);

  const r = await bt(['check', '--json', '--ninja', build, tr.file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as { findings: Array<{ kind: string; file: string; target: string; detail: string; fix: string; jobs: Array<{ argv: string[] }> }> };
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(build, f.file), path.relative(build, f.target), f.jobs.length]),
    [['missing-dep', 'gen/extra.h', 'CMakeFiles/app.dir/src/main.cpp.o', 2]],
  );
  const [f] = json.findings;
  assert.match(f.jobs[0].argv.join(' '), /-o CMakeFiles\/app\.dir\/src\/main\.cpp\.o -c \S+\/src\/main\.cpp/);
  assert.match(f.jobs[1].argv.join(' '), /cmake -E copy \S+\/extra\.h\.in \S+\/build\/gen\/extra\.h/);
  assert.match(f.detail, /which job \d+ generated \(rule CUSTOM_COMMAND\), but nothing in the ninja graph orders build\/CMakeFiles\/app\.dir\/src\/main\.cpp\.o after build\/gen\/extra\.h/);
  // in CMake's terms: the object's target by name
  assert.equal(f.fix, 'add_dependencies(app <the target whose custom command makes build/gen/extra.h>), or list build/gen/extra.h among the sources of app');
  const text = await bt(['check', '--ninja', build, tr.file]);
  assert.match(text.stdout, /^bt check: 1 finding in .*: 1 missing-dep \(checked: hermeticity, races, ninja\)\n\nmissing-dep {2}build\/gen\/extra\.h {2}\(target build\/CMakeFiles\/app\.dir\/src\/main\.cpp\.o\)\n/);
});

ebpfTest('check --ninja -j1: a compile that failed because its -I directory of generated headers was not there yet is a missing dep, though the generator never ran', async (t) => {
  if (!needTools(t, 'ninja')) return;
  const dir = path.join(tmpdir('bt-ninja-'), 'j1');
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'build.ninja'),
    'rule gen\n  command = mkdir -p gen && cp $in $out\nrule cc\n  command = cc -Igen -c -o $out $in\n' +
      'build main.o: cc main.c\nbuild gen/version.h: gen version.h.in\nbuild all: phony main.o gen/version.h\ndefault all\n',
  );
  fs.writeFileSync(path.join(dir, 'version.h.in'), '#define V 1\n');
  fs.writeFileSync(path.join(dir, 'main.c'), '#include "version.h"\nint main(void) { return V - 1; }\n');
  const tr = await trace(['ninja', '-j1'], { cwd: dir });
  assert.equal(tr.code, 1, 'the compile failed and ninja stopped');
  assert.equal(fs.existsSync(path.join(dir, 'gen')), false, 'the generator never ran');
  const r = await bt(['check', '--json', '--ninja', dir, tr.file]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, '', 'no note: the failed compile names its target');
  const json = JSON.parse(r.stdout) as { exit_status: number; findings: Array<{ kind: string; file: string; target: string; detail: string; uses: Array<{ path: string; access: string[] }> }> };
  assert.equal(json.exit_status, 1);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target), f.uses.map((u) => [path.relative(dir, u.path), u.access.join('+')])]),
    [['missing-dep', 'gen/version.h', 'main.o', [['gen', 'probe']]]],
  );
  assert.match(json.findings[0].detail, /^job \d+ failed building main\.o \(exit 1\) and looked for the directory gen, where the ninja graph makes gen\/version\.h \(rule gen\), before any job made it, but nothing in the ninja graph orders main\.o after gen\/version\.h/);
  // without the graph: no job made the header, no race
  const plain = await bt(['check', '--json', tr.file]);
  assert.equal(plain.code, 0, plain.stdout);
});

ebpfTest('check --ninja: a job that failed after its shell made the target (cat x > t) failed building it, it did not build it', async (t) => {
  if (!needTools(t, 'ninja')) return;
  const dir = path.join(tmpdir('bt-ninja-'), 'failed');
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'build.ninja'),
    'rule slow\n  command = sleep 0.3 && echo 1 > $out\nrule report\n  command = cat stats.txt > $out\n' +
      'build stats.txt: slow\nbuild report.txt: report\nbuild all: phony stats.txt report.txt\ndefault all\n',
  );
  const tr = await trace(['ninja', '-j2'], { cwd: dir });
  assert.equal(tr.code, 1, 'cat found no stats.txt and ninja stopped');
  const r = await bt(['check', '--json', '--ninja', dir, tr.file]);
  const json = JSON.parse(r.stdout) as { findings: Array<{ kind: string; file: string; target: string; detail: string }> };
  const dep = json.findings.find((f) => f.kind === 'missing-dep');
  assert.ok(dep, r.stdout);
  assert.deepEqual([path.relative(dir, dep.file), path.relative(dir, dep.target)], ['stats.txt', 'report.txt']);
  assert.match(dep.detail, /^job \d+ failed building report\.txt \(exit 1\) and (looked for|read) stats\.txt, which job \d+ generated/);
});

const REGEN_NINJA = `rule regen
  command = ./meson --internal regenerate
  generator = 1
build build.ninja: regen gen.in
rule cp
  command = cp $in $out
build out.txt: cp in.txt
default out.txt
`;

ebpfTest('check --ninja: a build where ninja only regenerated its manifest says so, without asking whether DIR is right', async (t) => {
  if (!needTools(t, 'ninja')) return;
  const dir = path.join(tmpdir('bt-ninja-'), 'regen');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'build.ninja'), REGEN_NINJA);
  fs.writeFileSync(path.join(dir, 'build.ninja.in'), REGEN_NINJA);
  // the generator is a build driver by its name (meson): its writes belong to no job, as meson's do
  fs.writeFileSync(path.join(dir, 'meson'), '#!/bin/sh\ncat build.ninja.in > build.ninja\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'gen.in'), 'gen\n');
  fs.writeFileSync(path.join(dir, 'in.txt'), 'in\n');
  const ago = (s: number) => new Date(Date.now() - s * 1000);
  // one time for all three: two calls of ago() a millisecond apart (a loaded machine) made gen.in newer than build.ninja, and the first build regenerated
  const old = ago(100);
  for (const f of ['build.ninja', 'gen.in', 'in.txt']) fs.utimesSync(path.join(dir, f), old, old);
  const first = await trace(['ninja'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  // gen.in changed (newer than build.ninja, older than what the generator writes): ninja reruns the generator, and nothing else is out of date
  fs.utimesSync(path.join(dir, 'gen.in'), ago(50), ago(50));
  const tr = await trace(['ninja'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const r = await bt(['check', '--ninja', dir, tr.file]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^bt check: nothing found in ninja in \S+ \(exit status 0\) \(checked: hermeticity, races, ninja\)$/);
  assert.equal(r.stderr, `bt: note: only the generator ran (meson --internal regenerate): no build edge to compare with the ninja graph in ${dir}`);
  // the first build ran an edge: compared, no note
  const full = await bt(['check', '--ninja', dir, first.file]);
  assert.equal(full.stderr, '');
});

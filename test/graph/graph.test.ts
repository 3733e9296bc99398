import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { graphCommand } from '../../src/cli/graph.js';
import { normalizeCommand } from '../../src/cli/normalize.js';
import { GraphError } from '../../src/errors.js';
import { compileGlob } from '../../src/graph/glob.js';
import { buildGraph, graphFile, renderDot, shellJoin, shortCommand, toDot, type GraphOptions } from '../../src/graph/index.js';
import type { ProcNode } from '../../src/graph/model.js';
import { programName } from '../../src/model/program.js';
import type { LogHeader } from '../../src/log/schema.js';
import { normalizeFile, normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder, addPipeline, cBuildTrace, forkerTrace, tempDir } from '../normalize/synth.js';
import { fileNodes, flowEdges, nodeByLabel, parseDot, procNodes, readsOf, spawnEdges, writesOf, type DotGraph } from './dot-parse.js';

function graphOf(t: TraceBuilder, opts: GraphOptions = {}): { dot: string; g: DotGraph } {
  const n = normalizeRecords(t.header, t.records);
  const dot = toDot(buildGraph(n.records, opts, n.header));
  return { dot, g: parseDot(dot) };
}

test('a script run by an interpreter is labelled by the script once, then its arguments', () => {
  const node = (argv: string[], exe: string): ProcNode => ({
    proc: 2, pid: 9, parent: 1, exe, argv, cwd: '/w', startTs: 0, endTs: 1, exitCode: 0, signal: 0,
    exited: true, execd: true, children: [], files: new Map(), pipeRead: [], pipeWrite: [],
  });
  const label = (argv: string[], exe: string) => shortCommand(node(argv, exe), programName({ argv, exe, pid: 9 }));
  assert.equal(label(['sh', 'gen.sh', 'version.txt'], '/usr/bin/dash'), 'gen.sh version.txt');
  assert.equal(label(['sh', 'probe.sh'], '/usr/bin/dash'), 'probe.sh');
  assert.equal(label(['/bin/sh', '-x', './tools/gen.sh', '-o', 'x.h'], '/usr/bin/dash'), 'gen.sh -o x.h');
  assert.equal(label(['sh', '-c', 'echo gen.sh'], '/usr/bin/dash'), "sh -c 'echo gen.sh'");
  assert.equal(label(['gcc', '-c', 'a.c'], '/usr/bin/gcc'), 'gcc -c a.c');
  assert.equal(label(['./gen.sh', 'v'], '/w/gen.sh'), 'gen.sh v');
  // too long: -o, then the source (outside the cwd), not the value of -I (a review: 'cc1 -o /tmp/ccLKKpYd.s gen …')
  const cc1 = [
    '/usr/libexec/gcc/x86_64-linux-gnu/12/cc1', '-quiet', '-I', '/w/gen', '-MD', 'CMakeFiles/util.dir/src/util.c.d',
    '-MF', 'CMakeFiles/util.dir/src/util.c.o.d', '/src/util.c', '-dumpbase', 'util.c', '-o', '/tmp/ccLKKpYd.s',
  ];
  // the source before a temporary output (a review: 'cc1 -o /tmp/cc31L3ER.s …' and no source)
  assert.equal(label(cc1, cc1[0]!), 'cc1 /src/util.c -o /tmp/ccLKKpYd.s …');
  // a path keeps its name and nearest directories (a review: 'CMakeFiles/cor…/src/core.c.o' lost core.dir)
  assert.equal(
    label(['as', '-I', '/w/gen', '--64', '-o', 'CMakeFiles/util.dir/src/util.c.o', '/tmp/ccLKKpYd.s'], '/usr/bin/as'),
    'as -o …/util.dir/src/util.c.o /tmp/ccLKKpYd.s …',
  );
});

/**
 * The first line of each process label of a build in which `make` (in
 * `cwd`) runs each command as a child, by the command's argv.
 */
function jobLabels(cwd: string, jobs: string[][]): Map<string, string> {
  const t = new TraceBuilder(10, cwd);
  t.exec(10, '/usr/bin/make', ['make'], cwd);
  let pid = 20;
  for (const argv of jobs) {
    const child = pid++;
    t.fork(10, child);
    const exe = argv[0]!.startsWith('/') ? argv[0]! : argv[0] === 'sh' ? '/bin/sh' : `/usr/bin/${argv[0]}`;
    t.exec(child, exe, argv, cwd);
    t.exit(child, 0);
  }
  t.exit(10, 0);
  const { g } = graphOf(t);
  const out = new Map<string, string>();
  for (const id of procNodes(g)) {
    const a = g.nodes.get(id)!;
    const line = a.label!.split('\n')[0]!;
    assert.ok([...line].length <= 48, `a label's command line is at most 48 characters: ${line}`);
    out.set(a.tooltip!.split('\n')[0]!, line);
  }
  return out;
}

test('labels keep what a command does: a shell script\'s real command, the source, subcommands, the nearest directories', () => {
  const cm = '/w/cm/build';
  const sh = (script: string) => ['/bin/sh', '-c', script];
  const jobs = {
    // Ninja's CMake jobs: three of them were all "sh -c ': && /usr/bin…bcore.a && :'"
    archive: sh(': && /usr/bin/cmake -E rm -f libcore.a && /usr/bin/ar qc libcore.a  CMakeFiles/core.dir/src/core.c.o CMakeFiles/core.dir/src/util.c.o && /usr/bin/ranlib libcore.a && :'),
    link1: sh(': && /usr/bin/cc   CMakeFiles/app1.dir/src/app1.c.o -o app1  libcore.a && :'),
    link2: sh(': && /usr/bin/cc   CMakeFiles/app2.dir/src/app2.c.o -o app2  libcore.a && :'),
    // a custom command: after `cd DIR` its paths are relative to DIR
    custom: sh(`cd ${cm} && /usr/bin/cmake -E make_directory ${cm}/generated && ${cm}/gentool /w/cm/VERSION ${cm}/generated/version.h.tmp && /usr/bin/cmake -E rename ${cm}/generated/version.h.tmp ${cm}/generated/version.h`),
    compile: sh(`/usr/bin/cc  -I/w/cm/src -I${cm}/generated  -MD -MT CMakeFiles/core.dir/src/core.c.o -MF CMakeFiles/core.dir/src/core.c.o.d -o CMakeFiles/core.dir/src/core.c.o -c /home/user/projects/example/src/core.c`),
    // kbuild: set -e, the progress line, the trap, then the compile
    kbuild: sh("set -e;  echo '  CC      kernel/fork.o'; trap 'rm -f kernel/fork.o; trap - HUP; kill -s HUP $$' HUP; gcc -Wp,-MMD,kernel/.fork.o.d -nostdinc -O2 -c -o kernel/fork.o kernel/fork.c; ./scripts/basic/fixdep kernel/.fork.o.d kernel/fork.o 'gcc' > kernel/.fork.o.cmd"),
    // only a progress line: that is the command (an argument cut in the middle, at 28 characters)
    progress: sh("echo '  GEN     include/generated/autoconf.h and more'"),
    // out of source: cc1's source, cut from the left, before its temporary output
    cc1: ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1', '-quiet', '-I', '/w/cm/src', '-MD', 'CMakeFiles/core.dir/src/util.c.d', '-MF', 'CMakeFiles/core.dir/src/util.c.o.d', '/home/user/projects/example/src/util.c', '-dumpbase', 'util.c', '-o', '/tmp/cc31L3ER.s'],
    cc: ['cc', '-I/w/cm/src', '-MD', '-MT', 'CMakeFiles/core.dir/src/core.c.o', '-o', 'CMakeFiles/core.dir/src/core.c.o', '-c', '/home/user/projects/example/src/core.c'],
    // subcommands
    rename: ['/usr/bin/cmake', '-E', 'rename', `${cm}/generated/version.h.tmp`, `${cm}/generated/version.h`],
    ar: ['/usr/bin/ar', 'qc', 'libcore.a', 'CMakeFiles/core.dir/src/core.c.o', 'CMakeFiles/core.dir/src/util.c.o'],
    git: ['git', '-C', '/w/cm', 'describe', '--tags', '--always', '--dirty=-modified', '--match', 'v[0-9]*'],
    gobuild: ['go', 'build', '-trimpath', '-ldflags', '-s -w -X main.version=1.2.3', '-o', 'bin/server', './cmd/server'],
    gotool: ['go', 'tool', 'compile', '-o', '/tmp/go-build1/b001/_pkg_.a', '-p', 'main', '-complete', '-pack', './main.go', './util.go'],
    cargo: ['cargo', '+nightly', 'build', '--release', '--target', 'x86_64-unknown-linux-gnu', '--manifest-path', `${cm}/crates/server/Cargo.toml`],
    python: ['/usr/bin/python3', '-B', '-m', 'grpc_tools.protoc', '-I', '/w/cm/proto', '--python_out=/w/cm/build/gen', 'service.proto'],
  };
  const labels = jobLabels(cm, Object.values(jobs));
  const got = Object.fromEntries(Object.entries(jobs).map(([k, argv]) => [k, labels.get(shellJoin(argv))]));
  assert.deepEqual(got, {
    archive: "sh -c 'ar qc libcore.a …'",
    link1: "sh -c 'cc -o app1 …/app1.dir/src/app1.c.o …'",
    link2: "sh -c 'cc -o app2 …/app2.dir/src/app2.c.o …'",
    custom: "sh -c 'gentool generated/version.h.tmp …'",
    compile: "sh -c 'cc -c -o …/core.dir/src/core.c.o …'",
    kbuild: "sh -c 'gcc -c -o kernel/fork.o …/fork.c …'",
    progress: `sh -c "echo '  GEN     inc…f.h and more'"`,
    cc1: 'cc1 …/example/src/util.c -o /tmp/cc31L3ER.s …',
    cc: 'cc -c -o …/core.dir/src/core.c.o …/src/core.c …',
    rename: 'cmake -E rename generated/version.h.tmp …',
    ar: 'ar qc libcore.a …/core.dir/src/core.c.o …',
    git: 'git -C /w/cm describe …',
    gobuild: 'go build -o bin/server ./cmd/server …',
    gotool: 'go tool compile ./main.go ./util.go …',
    cargo: 'cargo +nightly build crates/server/Cargo.toml …',
    python: 'python3 -B -m grpc_tools.protoc service.proto …',
  });
});

test('labels: shell scripts are split as the shell does; /tmp is a temporary only outside the build', () => {
  const node = (argv: string[], cwd: string): ProcNode => ({
    proc: 2, pid: 9, parent: 1, exe: `/usr/bin/${argv[0]}`, argv, cwd, startTs: 0, endTs: 1, exitCode: 0, signal: 0,
    exited: true, execd: true, children: [], files: new Map(), pipeRead: [], pipeWrite: [],
  });
  const label = (argv: string[], cwd = '/w') => shortCommand(node(argv, cwd), programName({ argv, exe: `/usr/bin/${argv[0]}`, pid: 9 }));
  // -c in a cluster; quotes, $(…) with a ';' inside, redirections and assignments are not the command's words
  assert.equal(
    label(['bash', '-ec', 'V="$(cat VERSION; echo)" LC_ALL=C sort -u "list of names.txt" 2>/dev/null > sorted.txt; mv sorted.txt out.txt']),
    `bash -ec "sort -u 'list of names.txt' …"`,
  );
  // options that would leave the script no room: the shell and its -c alone, the label within 48 characters
  const long = label(['bash', '--norc', '--noprofile', '-o', 'pipefail', '-e', '-u', '-x', '-c', 'gcc -O2 -c -o objects/module.o src/module.c && strip objects/module.o']);
  assert.equal(long, "bash -c 'gcc -c -o objects/module.o …'");
  assert.ok(long.length <= 48, long);
  // if/then: the command inside; a test before it is not the command
  assert.equal(
    label(['sh', '-c', 'if [ ! -d gen ]; then mkdir -p gen; fi; test -f gen/a.h || ./tools/mkheader --out gen/a.h --name a']),
    "sh -c 'mkheader --out gen/a.h --name a'",
  );
  // a script of nothing but ':' shows the script
  assert.equal(label(['sh', '-c', ': this one only says something long enough not to fit']), "sh -c ': this one only says…g enough not to fit'");
  // a build in /tmp: its own files there are not temporaries (the output stays first), cc's are
  const inTmp = ['cc', '-O2', '-c', '/tmp/b/src/some/deeper/directory/x.c', '-o', '/tmp/b/obj/some/deeper/directory/x.o'];
  assert.equal(label(inTmp, '/tmp/b/build'), 'cc -c -o …/some/deeper/directory/x.o …/x.c …');
  const cc1 = ['cc1', '-quiet', '/tmp/review-graph/cm/src/util.c', '-dumpbase', 'util.c', '-o', '/tmp/cc31L3ER.s'];
  assert.equal(label(cc1, '/tmp/review-graph/cm/build'), 'cc1 …/review-graph/cm/src/util.c …');
});

test('glob matching', () => {
  const m = (g: string, p: string, base = '/w') => compileGlob(g, base).test(p);
  assert.ok(m('*.c', '/w/src/a.c'));
  assert.ok(m('src', '/w/src/a.c'), 'a name matches directories on the way');
  assert.ok(!m('sr', '/w/src/a.c'));
  assert.ok(!m('*.c', '/w/src/a.cc'));
  assert.ok(m('src/**', '/w/src/x/y.h'));
  assert.ok(!m('src/**', '/w/other/src/y.h'));
  assert.ok(m('/usr', '/usr/include/stdio.h'), 'a directory matches what it holds');
  assert.ok(!m('/usr', '/usrx/a'));
  assert.ok(m('**/include/*.h', '/w/include/a.h'));
  assert.ok(m('/w/**/*.h', '/w/a.h'), '**/ matches no directory too');
  assert.ok(m('*.so.*', '/lib/libc.so.6'));
  assert.ok(m('lib{a,b}.a', '/x/libb.a'));
  assert.ok(m('file?.[ch]', '/x/file1.h'));
  assert.ok(!m('file?.[!ch]', '/x/file1.h'));
});

test('forker: exactly the root, two children and one grandchild', () => {
  const { g } = graphOf(forkerTrace());
  assert.deepEqual(procNodes(g).sort(), ['p1', 'p2', 'p3', 'p4']);
  assert.deepEqual(spawnEdges(g), ['p1->p2', 'p1->p3', 'p2->p4']);
  assert.equal(g.edges.length, 3);
  assert.deepEqual(fileNodes(g), [], 'the loader cache and libc are hidden by default');
  assert.equal(g.nodes.get('p1')!.label, 'forker');
  assert.equal(g.nodes.get('p2')!.label, 'forker (fork)\nexit 1');
  assert.equal(g.nodes.get('p3')!.label, 'forker (fork)\nexit 2');
  assert.equal(g.nodes.get('p4')!.label, 'forker (fork)\nexit 3');
  assert.equal(g.nodes.get('p4')!.color, '#c5221f', 'nonzero exits are marked');
  assert.match(g.nodes.get('p1')!.tooltip, /pid 100 \(proc 1\), exit 0, cwd \/work\/tp/);
  // --all-files shows them, as read edges of the root
  const all = graphOf(forkerTrace(), { allFiles: true }).g;
  assert.deepEqual(readsOf(all, 'p1'), ['/etc/ld.so.cache', '/lib/x86_64-linux-gnu/libc.so.6']);
});

test('C build: each compile reads its .c and headers and writes its .o; the link reads the .o files and writes the binary', () => {
  const { g } = graphOf(cBuildTrace(['a', 'b', 'c']));
  const flows: string[] = [];
  for (const s of ['a', 'b', 'c']) {
    const cc1 = nodeByLabel(g, `cc1 ${s}.c`);
    assert.deepEqual(readsOf(g, cc1), [`${s}.c`, 'include/common.h', `include/${s}.h`].sort());
    assert.deepEqual(writesOf(g, cc1), [], 'its temporary .s is hidden');
    const as = nodeByLabel(g, `as -o ${s}.o`);
    assert.deepEqual(readsOf(g, as), []);
    flows.push(`${cc1}->${as}:cc${['a', 'b', 'c'].indexOf(s)}.s`);
    assert.deepEqual(writesOf(g, as), [`${s}.o`]);
    // the compile's subtree: sh -> cc -> {cc1, as}
    const cc = nodeByLabel(g, `cc -c ${s}.c`);
    const sh = nodeByLabel(g, `sh -c 'cc -c ${s}.c`);
    assert.ok(spawnEdges(g).includes(`${sh}->${cc}`));
    assert.ok(spawnEdges(g).includes(`${cc}->${cc1}`));
    assert.ok(spawnEdges(g).includes(`${cc}->${as}`));
  }
  assert.deepEqual(flowEdges(g), flows.sort(), 'an edge labelled with its name goes from cc1 to as instead');
  const ld = nodeByLabel(g, 'ld -o app');
  assert.deepEqual(readsOf(g, ld), ['a.o', 'b.o', 'c.o']);
  assert.deepEqual(writesOf(g, ld), ['app']);
  assert.deepEqual(readsOf(g, 'p1'), ['Makefile']);
  // system headers only with --system-files
  const sys = graphOf(cBuildTrace(['a']), { systemFiles: true }).g;
  assert.deepEqual(readsOf(sys, nodeByLabel(sys, 'cc1 a.c')), ['/usr/include/stdio.h', 'a.c', 'include/a.h', 'include/common.h']);
  assert.ok(!fileNodes(sys).includes('f_null'), '--system-files does not show /dev');
  // hidden by default: /proc, /dev, locale, libc, the loader cache, system headers; probes
  const labels = fileNodes(g).map((id) => g.nodes.get(id)!.tooltip);
  for (const p of labels) assert.ok(!/^\/(proc|dev|usr)\/|locale|\.so|ld\.so/.test(p), `${p} should be hidden`);
  assert.ok(!labels.includes('/work/cproj/include/missing.h'));
  // stable, readable ids
  assert.ok(g.nodes.has('f_a_c') && g.nodes.has('f_a_o') && g.nodes.has('f_app') && g.nodes.has('f_common_h'));
  // files written are green, read-only ones pale
  assert.equal(g.nodes.get('f_a_o')!.fillcolor, '#e6f4ea');
  assert.equal(g.nodes.get('f_a_c')!.fillcolor, '#fef7e0');
  assert.equal(g.nodes.get('f_a_c')!.shape, 'note');
  // --temporaries: the .s files drawn, dashed (gone at the end), with an rm edge from cc, and no edge for them
  const t = graphOf(cBuildTrace(['a', 'b', 'c']), { temporaries: true }).g;
  assert.deepEqual(writesOf(t, nodeByLabel(t, 'cc1 a.c')), ['/tmp/cc0.s']);
  assert.deepEqual(readsOf(t, nodeByLabel(t, 'as -o a.o')), ['/tmp/cc0.s']);
  assert.equal(t.nodes.get('f_cc0_s')!.style, 'filled,dashed');
  assert.deepEqual(t.edges.filter((e) => e.to === 'f_cc0_s' && e.attrs.label === 'rm').map((e) => e.from), [nodeByLabel(t, 'cc -c a.c')]);
  assert.deepEqual(flowEdges(t), []);
});

test('failed processes are marked', () => {
  const { g } = graphOf(cBuildTrace(['a', 'b'], 'b'));
  const cc1 = nodeByLabel(g, 'cc1 b.c');
  assert.match(g.nodes.get(cc1)!.label, /\nexit 1$/);
  assert.equal(g.nodes.get(cc1)!.color, '#c5221f');
  assert.equal(g.nodes.get('p1')!.label, 'make\nexit 2');
  const ok = nodeByLabel(g, 'cc1 a.c');
  assert.equal(g.nodes.get(ok)!.color, undefined);
  // killed by a signal
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh'], '/w');
  t.exit(1, 0, 9);
  assert.equal(graphOf(t).g.nodes.get('p1')!.label, 'sh\nkilled by SIGKILL');
});

test('--depth: a job is red only when its own command failed; failed subprocesses and failed probes folded into it are lines of its label', () => {
  // make runs `sh -c genver.sh`, whose two readlink probes exit 1 before it succeeds, and the C build's failing compile of b.c
  const t = cBuildTrace(['b'], 'b');
  t.fork(10, 90);
  t.exec(90, '/bin/sh', ['/bin/sh', '-c', 'genver.sh'], '/work/cproj');
  for (const pid of [91, 92]) {
    t.fork(90, pid);
    t.exec(pid, '/usr/bin/readlink', ['readlink', 'pyenv'], '/work/cproj');
    t.exit(pid, 1);
  }
  t.exit(90, 0);
  const d = graphOf(t, { depth: 1 }).g;
  const attrs = (prefix: string) => {
    const a = d.nodes.get(nodeByLabel(d, prefix))!;
    return { label: a.label, color: a.color, penwidth: a.penwidth, fillcolor: a.fillcolor, fontcolor: a.fontcolor };
  };
  assert.deepEqual(attrs("sh -c genver.sh"), {
    // the readlinks failed under a job that succeeded: failed probes (graph/model.ts failedProbe), counted apart
    label: 'sh -c genver.sh\n+2 subprocesses\n2 failed probes among them',
    color: undefined,
    penwidth: undefined,
    fillcolor: '#e8f0fe',
    fontcolor: undefined,
  });
  assert.deepEqual(attrs("sh -c 'cc -c b.c"), {
    label: "sh -c 'cc -c b.c -o b.o'\n+2 subprocesses\nexit 1\n2 failed subprocesses",
    color: '#c5221f',
    penwidth: '2.5',
    fillcolor: '#fce8e6',
    fontcolor: '#a50e0e',
  });
  assert.match(d.nodes.get(nodeByLabel(d, 'sh -c genver.sh'))!.tooltip, /\n2 subprocesses folded in \(--depth\), 2 failed probes$/);
  assert.match(d.nodes.get(nodeByLabel(d, "sh -c 'cc -c b.c"))!.tooltip, /\n2 subprocesses folded in \(--depth\), 2 of them failed$/);
  // unfolded, the readlinks are a node of their own (the two, identical, collapsed): failed probes, grey and dashed, not red
  const all = graphOf(t).g;
  const readlink = all.nodes.get(nodeByLabel(all, 'readlink pyenv'))!;
  assert.deepEqual([readlink.label, readlink.color, readlink.style, readlink.fillcolor], ['readlink pyenv\n×2\n2 failed probes', undefined, 'rounded,filled,dashed', '#f1f3f4']);
  assert.equal(all.nodes.get(nodeByLabel(all, 'sh -c genver.sh'))!.color, undefined);
});

test('filters: --processes-only, --files, --include, --exclude, --probes, --all-files', () => {
  const t = cBuildTrace(['a', 'b']);
  const po = graphOf(t, { processesOnly: true }).g;
  assert.deepEqual(fileNodes(po), []);
  assert.equal(procNodes(po).length, 12);

  const r = graphOf(t, { files: 'read' }).g;
  assert.ok(r.edges.every((e) => !(r.nodes.get(e.from)?.shape === 'box' && r.nodes.get(e.to)?.shape !== 'box')), 'no write edges');
  assert.ok(!fileNodes(r).includes('f_app'));

  const w = graphOf(t, { files: 'written' }).g;
  assert.deepEqual(fileNodes(w).sort(), ['f_a_o', 'f_app', 'f_b_o']);
  assert.deepEqual(fileNodes(graphOf(t, { files: 'written', temporaries: true }).g).sort(), ['f_a_o', 'f_app', 'f_b_o', 'f_cc0_s', 'f_cc1_s']);

  const inc = graphOf(t, { include: ['*.c'] }).g;
  assert.deepEqual(fileNodes(inc).sort(), ['f_a_c', 'f_b_c']);

  const exc = graphOf(t, { exclude: ['include', '/usr', '/tmp/**'] }).g;
  assert.deepEqual(fileNodes(exc).sort(), ['f_Makefile', 'f_a_c', 'f_a_o', 'f_app', 'f_b_c', 'f_b_o']);

  const pr = graphOf(t, { probes: true }).g;
  assert.ok(pr.edges.some((e) => e.to === 'f_missing_h' && e.attrs.label === '?'));

  const all = graphOf(t, { allFiles: true }).g;
  const paths = fileNodes(all).map((id) => all.nodes.get(id)!.tooltip);
  assert.ok(paths.includes('/dev/null') && paths.includes('/proc/self/maps') && paths.includes('/usr/lib/locale/locale-archive'));
  // --include overrides the default hides for what it names
  const dev = graphOf(t, { include: ['/dev'] }).g;
  assert.deepEqual(fileNodes(dev), ['f_null']);
});

test('--exe keeps the subtrees of matching programs; --depth folds deeper processes', () => {
  const t = cBuildTrace(['a', 'b']);
  const e = graphOf(t, { exe: ['cc1'] }).g;
  assert.deepEqual(
    procNodes(e).map((id) => e.nodes.get(id)!.label.split(' ')[0]),
    ['cc1', 'cc1'],
  );
  assert.deepEqual(spawnEdges(e), []);
  const cc = graphOf(t, { exe: ['cc'] }).g;
  assert.equal(procNodes(cc).length, 8, 'three cc, with their cc1/as/ld children');

  const d = graphOf(t, { depth: 1 }).g;
  assert.equal(procNodes(d).length, 4, 'make and its three shells');
  const sh = nodeByLabel(d, "sh -c 'cc -c a.c");
  assert.match(d.nodes.get(sh)!.label, /\+3 subprocesses/);
  assert.ok(readsOf(d, sh).includes('a.c'), 'folded accesses belong to the shown ancestor');
  assert.ok(writesOf(d, sh).includes('a.o'));
  const d0 = graphOf(t, { depth: 0, processesOnly: true }).g;
  assert.deepEqual(procNodes(d0), ['p1']);
});

test('--collapse: identical subtrees and processes by program', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh', 'configure'], '/w');
  let pid = 2;
  for (let i = 0; i < 5; i++) {
    const p = pid++;
    t.fork(1, p);
    t.exec(p, '/bin/cat', ['cat', 'conftest.h'], '/w');
    t.open(p, 'conftest.h', { fd: 3 });
    t.exit(p, 0);
  }
  for (let i = 0; i < 3; i++) {
    const p = pid++;
    t.fork(1, p);
    t.exec(p, '/bin/sed', ['sed', `s/${i}/x/`, 'in'], '/w');
    t.open(p, 'in', { fd: 3 });
    t.open(p, `out${i}`, { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
    t.exit(p, 0);
  }
  t.exit(1, 0);
  const ident = graphOf(t).g;
  const cat = nodeByLabel(ident, 'cat conftest.h');
  assert.equal(ident.nodes.get(cat)!.label, 'cat conftest.h\n×5');
  assert.equal(procNodes(ident).length, 1 + 1 + 3);
  assert.equal(ident.edges.filter((e) => e.to === cat).length, 2, 'one spawn edge and one read edge');

  const prog = graphOf(t, { collapse: 'program' }).g;
  assert.equal(procNodes(prog).length, 3);
  const sed = nodeByLabel(prog, 'sed');
  assert.equal(prog.nodes.get(sed)!.label, 'sed ×3');
  assert.deepEqual(writesOf(prog, sed), ['out* ×3'], 'files with the same edges in one directory merge');
  const merged = prog.nodes.get(fileNodes(prog).find((id) => prog.nodes.get(id)!.label === 'out* ×3')!)!;
  assert.equal(merged.tooltip, '3 files:\n/w/out0\n/w/out1\n/w/out2');
  assert.deepEqual(readsOf(prog, sed), ['in']);

  const none = graphOf(t, { collapse: 'none' }).g;
  assert.equal(procNodes(none).length, 9);
});

test('--max-nodes refuses with the numbers and the filters that would help', () => {
  const t = cBuildTrace(['a', 'b', 'c', 'd']);
  const n = normalizeRecords(t.header, t.records);
  // with the temporaries drawn: 4 more file nodes
  assert.throws(
    () => buildGraph(n.records, { maxNodes: 25, temporaries: true }, n.header),
    (e: unknown) => {
      assert.ok(e instanceof GraphError);
      assert.equal(e.code, 'E_TOO_BIG');
      assert.match(e.message, /^the graph would have 39 nodes \(20 processes, 19 files\), over --max-nodes 25: try --processes-only \(20 nodes\)/);
      assert.match(e.message, /--depth 1 \(25 nodes\)/);
      // every filter suggested fits the limit
      for (const m of e.message.matchAll(/\((\d+) nodes\)/g)) assert.ok(Number(m[1]) <= 25, e.message);
      return true;
    },
  );
  // a limit that no single filter meets: none is suggested alone, only what fits
  assert.throws(
    () => buildGraph(n.records, { maxNodes: 12, temporaries: true }, n.header),
    (e: unknown) => {
      assert.ok(e instanceof GraphError);
      assert.doesNotMatch(e.message, /--processes-only \(20 nodes\)/);
      for (const m of e.message.matchAll(/\((\d+) nodes\)/g)) assert.ok(Number(m[1]) <= 12, e.message);
      assert.ok(!e.message.includes('\n'));
      return true;
    },
  );
  assert.doesNotThrow(() => buildGraph(n.records, { maxNodes: 0 }, n.header));
});

test('pipes connect writer and reader; renames and links; exec of a built program', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh', '-c', 'build'], '/w');
  addPipeline(t, ['sort', '-o', 'list.tmp']);
  t.open(3, 'list.tmp', { fd: 1, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.close(1, 3);
  t.close(1, 4);
  t.exit(2, 0);
  t.exit(3, 0);
  t.pathOp2(1, 'rename', 'list.tmp', 'list');
  t.fork(1, 4);
  t.exec(4, '/usr/bin/cc', ['cc', '-o', 'tool', 'tool.c'], '/w');
  t.open(4, 'tool.c', { fd: 3 });
  t.open(4, 'tool', { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.exit(4, 0);
  t.fork(1, 5);
  t.exec(5, './tool', ['./tool', 'list'], '/w');
  t.open(5, 'list', { fd: 3 });
  t.exit(5, 0);
  t.exit(1, 0);
  const { g } = graphOf(t);
  const gen = nodeByLabel(g, 'gen');
  const sort = nodeByLabel(g, 'sort');
  assert.ok(g.edges.some((e) => e.from === gen && e.to === sort && e.attrs.label === 'pipe'));
  assert.ok(g.edges.some((e) => e.from === 'f_list_tmp' && e.to === 'f_list' && e.attrs.label === 'mv'));
  const tool = nodeByLabel(g, 'tool list');
  assert.ok(g.edges.some((e) => e.from === 'f_tool' && e.to === tool && e.attrs.label === 'exec'));
  // /usr/bin/gen was not built here: no exec edge, no node
  assert.ok(!g.edges.some((e) => e.attrs.label === 'exec' && e.to === gen));
});

test('file ids stay readable when names repeat', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/cc', ['cc'], '/w');
  t.open(1, 'a/x.h', { fd: 3 });
  t.open(1, 'b/x.h', { fd: 4 });
  t.open(1, 'c/x-1.h', { fd: 5 });
  t.exit(1, 0);
  const { g } = graphOf(t);
  assert.deepEqual(fileNodes(g), ['f_x_h', 'f_x_h_2', 'f_x_1_h']);
});

test('raw and normalized logs give the same graph; deterministic bytes; wasm renders SVG and PNG', async () => {
  const dir = tempDir();
  const raw = cBuildTrace(['a', 'b']).write(path.join(dir, 'c.trace'));
  const norm = path.join(dir, 'c.norm.trace');
  normalizeFile(raw, norm);
  const a = graphFile(raw);
  const b = graphFile(norm);
  assert.equal(a.dot, b.dot);
  assert.equal(graphFile(raw).dot, a.dot, 'same log, same bytes');
  assert.ok(a.summary, 'raw logs are normalized on the fly');
  assert.equal(b.summary, undefined);

  const svg = (await renderDot(a.dot, 'svg')).toString('utf8');
  assert.match(svg, /^<\?xml/);
  const g = parseDot(a.dot);
  for (const id of g.nodes.keys()) assert.ok(svg.includes(`<title>${id}</title>`), `node ${id} in the SVG`);
  assert.equal((await renderDot(a.dot, 'svg')).toString('utf8'), svg, 'SVG is deterministic');
  const png = await renderDot(a.dot, 'png');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.length > 5000);
  assert.ok((await renderDot(a.dot, 'png')).equals(png), 'PNG is deterministic');
  // DOT that Graphviz rejects is a GraphError
  await assert.rejects(renderDot('digraph { a -> }', 'svg'), (e: unknown) => e instanceof GraphError && e.code === 'E_RENDER');
});

test('an incomplete trace with lost events says so in the title', () => {
  const t = forkerTrace();
  t.lost(7, 'ringbuf', t.ts, t.ts + 10);
  const n = normalizeRecords(t.header, t.records);
  const h: LogHeader = { ...n.header, command: ['./forker'] };
  const view = buildGraph(n.records, {}, h, { incomplete: true });
  const g = parseDot(toDot(view));
  assert.equal(g.graph.label, 'bt: ./forker — 4 processes, 0 files shown (incomplete trace, 7 events lost)');
});

test('CLI: bt normalize and bt graph write their files', async () => {
  const dir = tempDir();
  const raw = cBuildTrace(['a']).write(path.join(dir, 'build.trace'));
  const errWrite = process.stderr.write;
  let err = '';
  process.stderr.write = ((s: string) => {
    err += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    await normalizeCommand().exitOverride().parseAsync([raw], { from: 'user' });
    await graphCommand().exitOverride().parseAsync([path.join(dir, 'build.norm.trace'), '-o', path.join(dir, 'g.svg')], { from: 'user' });
    await graphCommand()
      .exitOverride()
      .parseAsync([raw, '-o', path.join(dir, 'g.dot'), '--processes-only', '--exclude', '*.h'], { from: 'user' });
  } finally {
    process.stderr.write = errWrite;
  }
  assert.match(err, /^bt normalize: 8 processes, /);
  assert.ok(fs.existsSync(path.join(dir, 'build.norm.trace')));
  assert.match(fs.readFileSync(path.join(dir, 'g.svg'), 'utf8'), /<svg/);
  const g = parseDot(fs.readFileSync(path.join(dir, 'g.dot'), 'utf8'));
  assert.equal(procNodes(g).length, 8);
  assert.deepEqual(fileNodes(g), []);
});

test(
  'pipes survive a normalized log on disk (ProcessInfo.pipe_read/pipe_write)',
  () => {
    const dir = tempDir();
    const t = new TraceBuilder(1, '/w');
    t.exec(1, '/bin/sh', ['sh', '-c', 'gen | sort'], '/w');
    addPipeline(t);
    t.exit(2, 0);
    t.exit(3, 0);
    t.exit(1, 0);
    const raw = t.write(path.join(dir, 'p.trace'));
    const norm = path.join(dir, 'p.norm.trace');
    normalizeFile(raw, norm);
    const a = graphFile(raw).dot;
    assert.equal(graphFile(norm).dot, a);
    assert.ok(parseDot(a).edges.some((e) => e.attrs.label === 'pipe'));
  },
);

test('bt graph validates --window and prints every normalization warning with --warnings all', async () => {
  const { spawnSync } = await import('node:child_process');
  const { BT } = await import('../helpers/trace.js');
  const dir = tempDir();
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/tool', ['tool'], '/w');
  for (const fd of [42, 43, 44]) t.open(1, 'x', { dirfd: fd, fd: 5 + fd });
  t.exit(1, 0);
  const log = t.write(path.join(dir, 'w.trace'));
  for (const bad of ['abc', '-5', '0', '']) {
    const r = spawnSync(process.execPath, [BT, 'graph', '--window', bad, log], { encoding: 'utf8' });
    assert.equal(r.status, 2, `--window ${bad}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^bt: invalid window "${bad}": give a positive number of ms`));
  }
  const count = spawnSync(process.execPath, [BT, 'graph', log], { encoding: 'utf8' });
  assert.equal(count.status, 0, count.stderr);
  assert.match(count.stderr, /bt graph: note: 6 normalization warnings \(--warnings all prints them\)/);
  const all = spawnSync(process.execPath, [BT, 'graph', '--warnings', 'all', log], { encoding: 'utf8' });
  assert.equal(all.status, 0, all.stderr);
  assert.deepEqual(all.stderr.split('\n').filter((l) => /^bt graph: warning: .*relative to fd/.test(l)).map((l) => /fd (\d+)/.exec(l)![1]), ['42', '43', '44']);
});

test('--collapse program names a script by the script, not its interpreter', async () => {
  const { programName } = await import('../../src/graph/model.js');
  const p = (argv: string[], exe: string) => programName({ pid: 1, argv, exe } as unknown as Parameters<typeof programName>[0]);
  assert.equal(p(['/bin/sh', './configure', '--prefix=/usr'], '/w/configure'), 'configure'); // #! script: exe is the script
  assert.equal(p(['/bin/bash', './config.status'], '/bin/bash'), 'config.status');
  assert.equal(p(['/bin/bash', '../libtool', '--mode=compile', 'gcc'], '/bin/bash'), 'libtool');
  assert.equal(p(['sh', '-c', 'echo hi'], '/usr/bin/sh'), 'sh');
  // a shell's -c in a cluster runs inline code; an option's value is not the script
  assert.equal(p(['/bin/sh', '-ec', 'cc -c a.c'], '/bin/sh'), 'sh');
  assert.equal(p(['bash', '-o', 'pipefail', '-c', 'cc -c a.c'], '/usr/bin/bash'), 'bash');
  assert.equal(p(['bash', '-o', 'pipefail', './gen.sh', 'out.h'], '/usr/bin/bash'), 'gen.sh');
  assert.equal(p(['python3', '-W', 'error', 'gen.py'], '/usr/bin/python3'), 'gen.py');
  assert.equal(p(['python3', '-m', 'pip'], '/usr/bin/python3'), 'python3');
  assert.equal(p(['env', 'A=1', 'make', '-j2'], '/usr/bin/env'), 'make');
  assert.equal(p(['gcc', '-c', 'a.c'], '/usr/bin/gcc'), 'gcc');
  // and in a collapsed graph: three configure-style scripts are not "sh ×3"
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  for (const [pid, script] of [[2, './configure'], [3, './config.status'], [4, './config.status']] as const) {
    t.fork(1, pid);
    t.exec(pid, script, ['/bin/sh', script], '/w');
    t.exit(pid, 0);
  }
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const dot = toDot(buildGraph(n.records, { collapse: 'program' }, n.header));
  assert.match(dot, /config\.status ×2/);
  assert.match(dot, /label="configure/);
  assert.doesNotMatch(dot, /sh ×/);
});

test('bt graph -o takes the format from the extension; one it does not know is refused before the log is read, unless --format says', async () => {
  const { bt } = await import('../helpers/trace.js');
  const dir = tempDir();
  const log = cBuildTrace(['a']).write(path.join(dir, 'build.trace'));
  const out = (name: string) => path.join(dir, name);
  for (const name of ['x.jpg', 'x.dot.bak', 'x.pdf']) {
    const r = await bt(['graph', log, '-o', out(name)]);
    assert.equal(r.stderr, `bt: cannot tell the graph format from the name ${out(name)}: end it in .dot, .gv, .svg or .png, or give --format dot|svg|png`);
    assert.equal(r.code, 2);
    assert.ok(!fs.existsSync(out(name)), `${name} not written`);
  }
  const missing = await bt(['graph', out('missing.trace'), '-o', out('x.jpg')]);
  assert.match(missing.stderr, /^bt: cannot tell the graph format/, 'the name is checked before the log is opened');
  const ok = async (args: string[], file: string, re: RegExp) => {
    const r = await bt(['graph', log, '-o', out(file), ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(fs.readFileSync(out(file)).subarray(0, 8).toString('latin1'), re, file);
  };
  await ok(['--format', 'svg'], 'x.jpg', /^<\?xml|^<svg/);
  await ok([], 'x.GV', /^digraph/);
  await ok([], 'noext', /^digraph/);
  await ok([], 'x.PNG', /^\x89PNG/);
});

test('merged files are named by what they share: a prefix, an extension, else their few names', async () => {
  const { mergedPattern } = await import('../../src/graph/dot.js');
  const files = (...paths: string[]) => paths.map((path) => ({ path })) as unknown as Parameters<typeof mergedPattern>[0];
  assert.equal(mergedPattern(files('/p/gen', '/p/obj')), '/p/{gen,obj}');
  assert.equal(mergedPattern(files('/p/a.o', '/p/b.o', '/p/c.o')), '/p/*.o');
  assert.equal(mergedPattern(files('/p/out1', '/p/out2', '/p/out3')), '/p/out*');
  assert.equal(mergedPattern(files('/p/x1.c', '/p/y2.h')), '/p/{x1.c,y2.h}');
  assert.equal(mergedPattern(files('/p/a/k.o', '/p/b/c/k.o')), '/p/**/k.o');
});

test('--collapse program: mv and ln edges go to the merged nodes (no undeclared node), once, and not inside a group', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/bin/sh', ['sh', '-c', 'gen'], '/w');
  for (const [pid, name] of [[2, 'k'], [3, 'm']] as const) {
    t.fork(1, pid);
    t.exec(pid, '/usr/bin/gen', ['gen', name], '/w');
    t.open(pid, `out/${name}.tmp`, { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
    t.close(pid, 3);
    t.pathOp2(pid, 'renameat', `out/${name}.tmp`, `out/${name}.txt`);
    t.pathOp2(pid, 'linkat', `out/${name}.txt`, `out/${name}.lnk`);
    t.exit(pid, 0);
  }
  t.exit(1, 0);
  // out/k.tmp and out/m.tmp, each renamed into place by the gen that made it, are temporaries: drawn with --temporaries
  const { g } = graphOf(t, { collapse: 'program', temporaries: true });
  const declared = new Set(g.nodes.keys());
  for (const e of g.edges) assert.ok(declared.has(e.from) && declared.has(e.to), `${e.from} -> ${e.to}: both declared`);
  const label = (id: string) => g.nodes.get(id)!.label;
  const links = g.edges.filter((e) => e.attrs.label === 'mv' || e.attrs.label === 'ln');
  assert.deepEqual(
    links.map((e) => `${label(e.from)} -${e.attrs.label}-> ${label(e.to)}`),
    ['out/*.tmp ×2 -mv-> out/*.txt ×2', 'out/*.txt ×2 -ln-> out/*.lnk ×2'],
  );
  const dflt = graphOf(t, { collapse: 'program' }).g;
  assert.deepEqual(
    dflt.edges.filter((e) => e.attrs.label === 'mv' || e.attrs.label === 'ln').map((e) => `${dflt.nodes.get(e.from)!.label} -${e.attrs.label}-> ${dflt.nodes.get(e.to)!.label}`),
    ['out/*.txt ×2 -ln-> out/*.lnk ×2'],
  );
});

test('--collapse program: file groups that would look the same are told apart', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  // two programs, each writing two objects to gen/: both groups are "gen/*.o ×2"
  for (const [pid, prog, names] of [[2, 'as', ['k', 'm']], [3, 'cc', ['n', 'q']]] as const) {
    t.fork(1, pid);
    t.exec(pid, `/usr/bin/${prog}`, [prog], '/w');
    for (const n of names) {
      t.open(pid, `gen/${n}.o`, { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
      t.close(pid, 3);
    }
    t.exit(pid, 0);
  }
  // two long-named groups of the same pattern: numbered
  for (const [pid, prog] of [[4, 'ld'], [5, 'ar']] as const) {
    t.fork(1, pid);
    t.exec(pid, `/usr/bin/${prog}`, [prog], '/w');
    for (let i = 0; i < 6; i++) {
      t.open(pid, `/tmp/${i}${prog}xxxxxxxxxx.res`, { fd: 3, flags: O_WRONLY | O_CREAT | O_TRUNC });
      t.close(pid, 3);
    }
    t.exit(pid, 0);
  }
  t.exit(1, 0);
  const { g } = graphOf(t, { collapse: 'program', include: ['gen/**', '/tmp/**'] });
  const labels = fileNodes(g).map((id) => g.nodes.get(id)!.label);
  assert.deepEqual(labels, ['gen/{k.o,m.o} ×2', 'gen/{n.o,q.o} ×2', '/tmp/*.res ×6 [1]', '/tmp/*.res ×6 [2]']);
});

test('merged files keep their common end from a dot: cc*.cdtor.o is not cc*.o', async () => {
  const { mergedPattern } = await import('../../src/graph/dot.js');
  const files = (...paths: string[]) => paths.map((path) => ({ path })) as unknown as Parameters<typeof mergedPattern>[0];
  assert.equal(mergedPattern(files('/tmp/ccA1.cdtor.o', '/tmp/ccB2.cdtor.o')), '/tmp/cc*.cdtor.o');
  assert.equal(mergedPattern(files('/tmp/ccA1.o', '/tmp/ccB2.o')), '/tmp/cc*.o');
  assert.equal(mergedPattern(files('/p/a/x.pb.h', '/p/b/c/y.pb.h')), '/p/**/*.pb.h');
  assert.equal(mergedPattern(files('/p/ab.o', '/p/ab.b.o')), '/p/ab.*', 'the end does not overlap the prefix (ab.*.o would not match ab.o)');
});

test('bt graph -o into a directory that does not exist is refused before the log is read; a graph that fails leaves no file', async () => {
  const { bt } = await import('../helpers/trace.js');
  const dir = tempDir();
  const bad = path.join(dir, 'nodir', 'x.png');
  // the log does not exist either: the output is what is said, so it was checked first
  const r = await bt(['graph', path.join(dir, 'missing.trace'), '-o', bad]);
  assert.equal(r.stderr.trim(), `bt: cannot write the graph ${bad}: no such file or directory (ENOENT): the directory does not exist`);
  assert.equal(r.code, 2);
  const log = cBuildTrace(['a']).write(path.join(dir, 'build.trace'));
  const outDir = path.join(dir, 'out');
  fs.mkdirSync(outDir);
  const failed = await bt(['graph', log, '--focus', 'nosuchfile', '-o', path.join(outDir, 'g.svg')]);
  assert.equal(failed.code, 2, failed.stderr);
  assert.deepEqual(fs.readdirSync(outDir), [], 'the temporary output is removed');
});

test('an empty graph says why on stderr (exit 0); the --max-nodes advice names what cuts processes', async () => {
  const { bt } = await import('../helpers/trace.js');
  const dir = tempDir();
  const log = cBuildTrace(['a', 'b', 'c', 'd']).write(path.join(dir, 'build.trace'));
  const note = async (...args: string[]) => {
    const r = await bt(['graph', log, ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^digraph build \{/);
    return r.stderr;
  };
  assert.equal(await note('--exe', 'nosuchprog'), 'bt graph: note: nothing matches --exe nosuchprog: the graph is empty');
  assert.equal(await note('--filter', 'exe == nosuchprog'), "bt graph: note: nothing matches --filter 'exe == nosuchprog': the graph is empty");
  assert.equal(await note('--include', '*.zzz'), 'bt graph: note: no file the build used matches --include *.zzz: the graph shows processes only');
  assert.equal(await note('--include', '*.zzz', '-q'), '', '-q: no notes');
  assert.equal(await note('--include', '*.o'), '', 'a graph with something in it: no note');

  // the advice: --include hides files only; --filter 'path ~ GLOB' keeps the processes that used such files
  const t = cBuildTrace(['a', 'b', 'c', 'd']);
  const n = normalizeRecords(t.header, t.records);
  const procsOf = (opts: GraphOptions) => procNodes(parseDot(toDot(buildGraph(n.records, { ...opts, maxNodes: 0 }, n.header)))).length;
  assert.throws(
    () => buildGraph(n.records, { maxNodes: 12, include: ['a.o'] }, n.header),
    (e: unknown) => e instanceof GraphError && e.message.endsWith(`--exe NAME, --filter 'path ~ "GLOB"' (the processes that used such files; --include GLOB hides files, not processes), or raise --max-nodes`),
  );
  assert.equal(procsOf({ include: ['a.o'] }), procsOf({}), '--include keeps every process');
  const filtered = (await bt(['graph', log, '--filter', 'path ~ "a.o"'])).stdout;
  assert.ok(procNodes(parseDot(filtered)).length < procsOf({}), '--filter path keeps fewer');
});

test('a PNG shrunk until its text cannot be read says so, with what to do', async () => {
  const { svgToPng, downscaleWarning } = await import('../../src/graph/render.js');
  // 3000 x 3000 pt = 4000 x 4000 px at zoom 1: 16 Mpixels; under a 1 Mpixel cap the scale is 0.25, 10 pt text 3 px
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="3000pt" height="3000pt" viewBox="0 0 3000 3000"><rect width="10" height="10"/></svg>';
  const warnings: string[] = [];
  const png = await svgToPng(svg, { maxPixels: 1_000_000, warn: (m) => warnings.push(m) });
  assert.equal(png.readUInt32BE(16), 1000, 'width in pixels');
  assert.deepEqual(warnings, [
    'the PNG is scaled to 0.25x to stay under 1 Mpixels: its text is about 3 px high, too small to read; write SVG instead (-o FILE.svg) or draw less (--collapse program, --processes-only, --depth N)',
  ]);
  // a small shrink keeps text readable: no word
  const quiet: string[] = [];
  await svgToPng(svg, { maxPixels: 12_000_000, warn: (m) => quiet.push(m) });
  assert.deepEqual(quiet, [], '0.87x: 11 px text');
  assert.equal(downscaleWarning(0.53, 64e6), undefined, '7 px: readable');
  assert.match(downscaleWarning(0.52, 64e6)!, /^the PNG is scaled to 0\.52x to stay under 64 Mpixels: its text is about 6 px high/);
});

test('a log cut short is described in the same words by bt graph, bt dump and bt normalize', async () => {
  const { bt } = await import('../helpers/trace.js');
  const dir = tempDir();
  const log = cBuildTrace(['a', 'b']).write(path.join(dir, 'build.trace'));
  const size = fs.statSync(log).size;
  fs.truncateSync(log, size - 40); // into the trailer or the last record
  const phrase = (stderr: string) => {
    const m = / is (truncated|damaged) at byte \d+ \([^\n]*\)(?=[;:] )/.exec(stderr);
    assert.ok(m, stderr);
    return m[0];
  };
  const graph = await bt(['graph', log]);
  assert.equal(graph.code, 1);
  const said = phrase(graph.stderr);
  assert.match(said, /^ is truncated at byte \d+ /, 'a log cut at its end is truncated, not damaged');
  assert.match(graph.stderr, new RegExp(`^bt graph: warning: ${log.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is truncated at byte \\d+ \\(.*\\): the graph shows the records before it$`, 'm'));
  assert.equal(phrase((await bt(['dump', log])).stderr), said);
  assert.equal(phrase((await bt(['normalize', log, '-o', path.join(dir, 'n.trace')])).stderr), said);
});

/**
 * bt summary, bt deps and bt rdeps on a REAL trace (eBPF, as root) of
 * test-programs/genproject built with make -j2: headers in include/, a
 * generated include/version.h, and a slow lib.o (the critical path).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before } from 'node:test';
import { ebpfTest, ebpfUnavailableReason } from '../helpers/ebpf.js';
import { traceProject } from '../helpers/projects.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';
import { localUsrMerge } from '../../src/log/usrmerge.js';

let dir = '';
let log = '';

/** Traces `make -j2` on a fresh copy of genproject, once. */
async function traced(): Promise<{ dir: string; log: string }> {
  if (log) return { dir, log };
  ({ dir, file: log } = await traceProject('genproject', { clean: ['app', 'app.o', 'lib.o', 'include/version.h'] }));
  return { dir, log };
}

before(async () => {
  if (!ebpfUnavailableReason()) await traced();
});

/** This machine's /bin is a link to /usr/bin (Debian 12): the answers name /bin/sh as /usr/bin/sh. */
const MERGED_BIN = localUsrMerge().includes('bin');

const inTree = (d: string, paths: string[]) => paths.filter((p) => p.startsWith(`${d}/`)).map((p) => p.slice(d.length + 1));

ebpfTest('bt summary --json: the groups, jobs and the critical path of a real build', async () => {
  const { dir: d, log: l } = await traced();
  const r = await bt(['summary', l, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(s.command, ['make', '-j2']);
  assert.equal(s.cwd, d);
  assert.equal(s.exit_status, 0);
  assert.equal(s.incomplete, false);
  assert.equal(s.lost, 0);
  assert.equal(s.failed, 0);
  assert.deepEqual(s.inputs.tree.map((p: string) => p.slice(d.length + 1)), [
    'Makefile',
    'gen-version.sh',
    'include/config.h',
    'src/app.c',
    'src/lib.c',
    'version.txt',
  ]);
  assert.deepEqual(s.inputs.elsewhere, []);
  assert.ok(s.inputs.system.includes('/usr/include/stdio.h'));
  // make's /bin/sh and the sh found on PATH: one file on a merged /usr, listed once
  assert.ok(s.inputs.system.includes('/usr/bin/sh'));
  assert.equal(s.inputs.system.includes('/bin/sh'), !MERGED_BIN);
  assert.ok(!s.inputs.system.some((p: string) => /^\/proc|^\/etc\/ld\.so|\/locale\//.test(p)), 'runtime noise is hidden');
  // the shared libraries left are ld's link inputs (the linker script libc.so, the libc.so.6 it names, libgcc_s), not the loader's mappings (libbfd, libz.so.1, …)
  const libs = s.inputs.system.filter((p: string) => /\.so(\.|$)/.test(p)).map((p: string) => path.basename(p));
  assert.ok(libs.includes('libc.so') && libs.includes('libc.so.6'), libs.join(' '));
  assert.deepEqual(libs.filter((n: string) => !/^(?:libc|libgcc_s|ld-linux[\w-]*)\.so(?:\.\d+)?$/.test(n)), []);
  assert.deepEqual(inTree(d, s.outputs), ['app']);
  assert.deepEqual(s.outputs.length, 1);
  assert.deepEqual(inTree(d, s.intermediates), ['app.o', 'include/version.h', 'lib.o']);
  assert.ok(s.intermediates.some((p: string) => /^\/tmp\/cc.*\.s$/.test(p)), 'the compiler temporaries are intermediates');
  assert.deepEqual(s.intermediates.slice(0, 3).map((p: string) => path.relative(d, p)), ['app.o', 'include/version.h', 'lib.o'], 'the tree\'s own first, then the temporaries');
  assert.equal(s.job_count, 4);
  assert.deepEqual(
    s.jobs.map((j: { argv: string[] }) => j.argv.join(' ')).sort(),
    [
      '/bin/sh -c sh gen-version.sh version.txt > include/version.h',
      '/bin/sh -c sleep 1 && cc -Iinclude -c -o lib.o src/lib.c',
      'cc -Iinclude -c -o app.o src/app.c',
      'cc -o app app.o lib.o',
    ],
  );
  assert.deepEqual(
    s.critical_path.map((j: { argv: string[] }) => j.argv.join(' ')),
    ['/bin/sh -c sleep 1 && cc -Iinclude -c -o lib.o src/lib.c', 'cc -o app app.o lib.o'],
  );
  assert.ok(s.critical_path[0].duration_ms >= 1000);
  const tools = Object.fromEntries(s.tools.map((t: { exe: string; count: number }) => [t.exe, t.count]));
  assert.deepEqual({ make: tools.make, cc: tools.cc, cc1: tools.cc1, as: tools.as, ld: tools.ld, sleep: tools.sleep }, {
    make: 1,
    cc: 3,
    cc1: 2,
    as: 2,
    ld: 1,
    sleep: 1,
  });
  assert.ok(s.probes.some((p: { dir: string }) => p.dir === `${d}/include`), 'header search probes in include/');
});

ebpfTest('bt summary (text) states the groups', async () => {
  const { log: l } = await traced();
  const r = await bt(['summary', l]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^build: make -j2$/m);
  assert.match(r.stdout, /^inputs in the tree \(6\):$/m);
  // the tree's paths relative to the start directory, named on the second line; the others absolute
  assert.match(r.stdout, /^ {2}in \/.*\/genproject$/m);
  assert.match(r.stdout, /^inputs in the tree \(6\):\n {2}Makefile\n {2}gen-version\.sh\n {2}include\/config\.h\n/m);
  assert.match(r.stdout, /^outputs \(1\):\n {2}app$/m);
  assert.match(r.stdout, /^intermediates \(\d+\):\n {2}app\.o\n {2}include\/version\.h\n {2}lib\.o\n {2}\/tmp\/cc/m);
  assert.match(r.stdout, /^ +\d+ {2}include$/m, 'the probes in include/');
  assert.match(r.stdout, /^inputs from the system \(\d+\):\n(?: {2}\/.*\n)*? {2}\/usr\/bin\/cc\n/m);
  assert.match(r.stdout, /^critical path \(2 jobs, /m);
});

ebpfTest('bt summary --absolute: every path absolute, as in the JSON', async () => {
  const { dir: d, log: l } = await traced();
  const r = await bt(['summary', l, '--absolute']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^inputs in the tree \\(6\\):\\n {2}${d}/Makefile\\n`, 'm'));
  assert.match(r.stdout, new RegExp(`^outputs \\(1\\):\\n {2}${d}/app$`, 'm'));
  assert.doesNotMatch(r.stdout, /^ {2}(?:app|Makefile|src\/)/m);
});

ebpfTest('bt deps app --inputs: exactly the sources and headers it came from', async () => {
  const { dir: d, log: l } = await traced();
  const r = await bt(['deps', 'app', l, '--inputs']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  // the tree's relative to the start directory, first; then the others, absolute
  const tree = ['gen-version.sh', 'include/config.h', 'src/app.c', 'src/lib.c', 'version.txt'];
  assert.deepEqual(lines.slice(0, 5), tree);
  assert.ok(lines.slice(5).every((p) => p.startsWith('/')), lines.join('\n'));
  assert.ok(lines.includes('/usr/include/stdio.h'));
  assert.ok(!lines.some((p) => p.startsWith('/tmp/cc')), 'temporaries made inside a job are not inputs');
  // --absolute: the JSON's list, one a line
  const abs = await bt(['deps', 'app', l, '--inputs', '--absolute']);
  const j = JSON.parse((await bt(['deps', 'app', l, '--json'])).stdout);
  assert.deepEqual(abs.stdout.trim().split('\n'), j.inputs);
  assert.deepEqual(inTree(d, j.inputs), tree);
});

ebpfTest('bt deps --json: the tree goes through the generated header to its generator', async () => {
  const { dir: d, log: l } = await traced();
  const r = await bt(['deps', 'app.o', l, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.file, `${d}/app.o`);
  assert.deepEqual(j.tree.writer.argv, ['cc', '-Iinclude', '-c', '-o', 'app.o', 'src/app.c']);
  const version = j.tree.children.find((c: { path: string }) => c.path === `${d}/include/version.h`);
  assert.deepEqual(version.writer.argv, ['/bin/sh', '-c', 'sh gen-version.sh version.txt > include/version.h']);
  // the shells the job ran are what it was made with too (make's /bin/sh -c, then sh found on PATH):
  // on a merged /usr one file, /usr/bin/sh (bt trace recorded which directories were links)
  assert.deepEqual(
    version.children.map((c: { path: string }) => c.path),
    MERGED_BIN ? [`${d}/gen-version.sh`, `${d}/version.txt`, '/usr/bin/sh'] : [`${d}/gen-version.sh`, `${d}/version.txt`, '/bin/sh', '/usr/bin/sh'],
  );
  assert.deepEqual(inTree(d, j.outputs), ['include/version.h']);
  assert.equal(j.processes.length, 2);
});

ebpfTest('bt rdeps: what is stale when a header or an input changes', async () => {
  const { dir: d, log: l } = await traced();
  const h = await bt(['rdeps', 'include/config.h', l, '--inputs']);
  assert.equal(h.code, 0, h.stderr);
  assert.deepEqual(h.stdout.trim().split('\n'), ['app', 'app.o', 'lib.o']);
  const tree = await bt(['rdeps', 'include/config.h', l]);
  // the objects in the order they were made: app.o first unless its compile took longer than lib.o's `sleep 1` (a loaded machine)
  const objs = [
    '  app.o  <- made by cc -Iinclude -c -o app.o src/app.c [proc N]',
    "  lib.o  <- made by /bin/sh -c 'sleep 1 && cc -Iinclude -c -o lib.o src/lib.c' [proc N]",
  ];
  const text = tree.stdout.replace(/\[proc \d+\]/g, '[proc N]');
  if (text.indexOf(objs[1]) < text.indexOf(objs[0])) objs.reverse();
  assert.equal(
    text,
    [
      'include/config.h',
      objs[0],
      '    app  <- made by cc -o app app.o lib.o [proc N]',
      objs[1],
      '    app (see above)',
      '',
      '3 files made from it by 3 jobs', // execa drops the last newline
    ].join('\n'),
  );
  assert.ok((await bt(['rdeps', 'include/config.h', l, '--absolute'])).stdout.startsWith(`${d}/include/config.h\n  ${d}/app.o  <- made by`));
  const v = await bt(['rdeps', 'version.txt', l, '--json']);
  const j = JSON.parse(v.stdout);
  assert.deepEqual(inTree(d, j.outputs), ['app', 'app.o', 'include/version.h']);
  assert.deepEqual(j.tree.children.map((c: { path: string }) => c.path), [`${d}/include/version.h`]);
  const app = await bt(['rdeps', 'app', l]);
  assert.match(app.stdout, /no process of the build read it, nothing depends on it/);
  // a file the build made: what was made from it (its own making is no reset of it)
  const lib = await bt(['rdeps', 'lib.o', l, '--inputs']);
  assert.deepEqual(lib.stdout.trim().split('\n'), ['app']);
  // read by make alone, which made nothing from it: no "1 job" that is the driver
  const mk = await bt(['rdeps', 'Makefile', l]);
  assert.match(mk.stdout, /\nno file was made from it \(read by make -j2 \[proc \d+\]\)$/);
  // --depth 0 visits no reader, but the header was read: no 'nobody read it'
  const d0 = await bt(['rdeps', 'include/config.h', l, '--depth', '0']);
  assert.equal(d0.code, 0, d0.stderr);
  assert.ok(d0.stdout.startsWith('include/config.h\n'), d0.stdout);
  assert.doesNotMatch(d0.stdout, /no process of the build read it/);
});

ebpfTest('bt deps of an input says so and who read it', async () => {
  const { log: l } = await traced();
  const r = await bt(['deps', 'src/lib.c', l]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /src\/lib\.c is an input: the build did not write it\.\nread by:\n {2}\[proc \d+\] \/bin\/sh -c 'sleep 1 && cc -Iinclude -c -o lib\.o src\/lib\.c'\nlooked up \(stat, access, readlink\) by:\n {2}\[proc 1\] make -j2$/, 'make compared its timestamp');
});

ebpfTest('bt deps of a file the build only looked for says it was never found, and who looked', async () => {
  const { log: l } = await traced();
  // cc1 looks for <stdio.h> in -Iinclude first: a probe, no read
  const r = await bt(['deps', 'include/stdio.h', l]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'include/stdio.h was looked for and never found: the build did not write it.');
  assert.equal(lines[1], 'no process of the build read it.');
  assert.equal(lines[2], 'looked for by:');
  assert.ok(lines.length >= 4 && lines.slice(3).every((x) => /^ {2}\[proc \d+\] .*cc -Iinclude -c/.test(x)), lines.join('\n'));
  const j = JSON.parse((await bt(['deps', 'include/stdio.h', l, '--json'])).stdout);
  assert.deepEqual(j.readers, []);
  assert.ok(j.lookups.length >= 1 && j.lookups.every((x: { found: boolean }) => x.found === false));
  // an input read by one job and only looked up by others keeps "is an input"
  const h = await bt(['deps', 'src/lib.c', l, '--json']);
  assert.ok(JSON.parse(h.stdout).readers.length >= 1);
});

ebpfTest('bt graph --focus: only the provenance of a file', async () => {
  const { dir: d, log: l } = await traced();
  const r = await bt(['graph', l, '--focus', 'lib.o']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /sleep 1/);
  assert.doesNotMatch(r.stdout, /app\.c/, 'app.o is not part of lib.o');
  assert.doesNotMatch(r.stdout, /version/);
  assert.equal(r.stderr.includes('note: nothing in the build wrote'), false);
  // the compile's chain stays whole: the assembler file cc1 wrote and as read is an edge between them (a hidden temporary) ...
  const cc1 = /\n {2}(p\d+) \[label="cc1 /.exec(r.stdout)?.[1];
  const as = /\n {2}(p\d+) \[label="as /.exec(r.stdout)?.[1];
  assert.ok(cc1 && as, r.stdout);
  assert.match(r.stdout, new RegExp(`\\n {2}${cc1} -> ${as} \\[style="dashed", color="#e37400", label="cc\\w+\\.s"`));
  // ... and with --temporaries a file drawn between them
  const t = await bt(['graph', l, '--focus', 'lib.o', '--temporaries']);
  const tmpS = /(f_\w+) \[label="(\/tmp\/cc\w+\.s)"/.exec(t.stdout);
  assert.ok(tmpS, t.stdout);
  const edgesOf = (re: RegExp) => t.stdout.split('\n').filter((l) => l.includes(tmpS[1]) && re.test(l));
  const cc = /\n {2}(p\d+) \[label="cc -Iinclude -c -o lib\.o/.exec(t.stdout)?.[1];
  const writers = edgesOf(new RegExp(`^\\s*p\\d+ -> ${tmpS[1]} \\[color`)).map((e) => e.trim().split(' ')[0]);
  assert.deepEqual(writers.sort(), [cc, cc1].sort(), 'cc1 wrote it (the driver made it, empty)');
  assert.deepEqual(edgesOf(new RegExp(`^\\s*${tmpS[1]} -> p\\d+ `)).map((e) => e.trim().split(' ')[2]), [as], 'as read it');
  // an input: nothing to draw, and a note says why
  const input = await bt(['graph', l, '--focus', 'src/app.c']);
  assert.equal(input.code, 0, input.stderr);
  assert.ok(input.stderr.split('\n').includes(`bt graph: note: nothing in the build wrote ${d}/src/app.c: it has no provenance to draw (bt rdeps shows what was made from it)`), input.stderr);
});

ebpfTest('bad input: one line and a non-zero status', async () => {
  const { log: l } = await traced();
  const cases: Array<[string[], RegExp, number]> = [
    [['deps', 'nothere.c', l], /^bt: the build never touched a file named nothere\.c/, 2],
    [['deps', 'Makefile', '/nonexistent.trace'], /^bt: cannot open \/nonexistent\.trace/, 2],
    [['summary', path.join(REPO, 'package.json')], /^bt: .*not a bt log/, 2],
    [['rdeps', 'o', l], /^bt: the build never touched a file named o: give its path/, 2],
  ];
  for (const [args, re, code] of cases) {
    const r = await bt(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  // the log given where the file goes (no build.trace here): said so, not "cannot open build.trace"
  const forgot = await bt(['deps', l], { cwd: tmpdir('bt-nolog-') });
  assert.equal(forgot.code, 2);
  assert.equal(forgot.stderr.trim(), `bt: ${l} is a bt log: name the file to ask about first (bt deps FILE ${l})`);
});

ebpfTest('--filter on dump, graph and summary; a broken filter gets the caret and exit 2', async () => {
  const { dir: d, log: l } = await traced();
  const dump = await bt(['dump', l, '--json', '--filter', `exe == "cc1" and path ~ "${d}/include/*.h" and access has read`]);
  assert.equal(dump.code, 0, dump.stderr);
  const recs = dump.stdout.split('\n').map((x) => JSON.parse(x)).filter((r) => r.type === 'open');
  assert.deepEqual([...new Set(recs.map((r) => r.abspath))].sort(), [`${d}/include/config.h`, `${d}/include/version.h`]);
  const probes = await bt(['dump', l, '--json', '--filter', `access has probe and path ~ "${d}/include/**"`]);
  const probed = probes.stdout.split('\n').map((x) => JSON.parse(x)).filter((r) => r.type === 'open');
  assert.ok(probed.length > 0 && probed.every((r) => r.errno === 2 && r.abspath.startsWith(`${d}/include/`)));

  const sum = await bt(['summary', l, '--json', '--filter', 'under(argv contains "-o lib.o")']);
  assert.equal(sum.code, 0, sum.stderr);
  const s = JSON.parse(sum.stdout);
  assert.equal(s.filter, 'under(argv contains "-o lib.o")');
  assert.deepEqual(s.jobs.map((j: { argv: string[] }) => j.argv.join(' ')), ['/bin/sh -c sleep 1 && cc -Iinclude -c -o lib.o src/lib.c']);
  assert.deepEqual(inTree(d, s.inputs.tree), ['include/config.h', 'src/lib.c']);
  // the critical path and the parallelism are of the matching jobs too (the one job: busy all of its own time span)
  assert.deepEqual(s.critical_path.map((j: { argv: string[] }) => j.argv.join(' ')), ['/bin/sh -c sleep 1 && cc -Iinclude -c -o lib.o src/lib.c']);
  assert.equal(s.parallelism, 1);
  // cc1 runs inside the compile jobs: those are its jobs, though their roots (cc, sh -c) do not match; the filter is named under the build
  const cc1 = await bt(['summary', l, '--filter', 'exe == "cc1"']);
  assert.match(cc1.stdout, /\n {2}started .*\nfilter: exe == "cc1" {2}\(only what it matches is counted below\)\nprocesses: 2 \(0 failed\); jobs: 2 \(those with a matching process; 0 failed\); average parallelism [\d.]+ \(of those jobs\)\n/);
  // a filter on files: the accesses that match, with their processes (it counted nothing: processes have no path)
  const byPath = await bt(['summary', l, '--json', '--filter', `path ~ "${d}/src/*.c"`]);
  assert.equal(byPath.code, 0, byPath.stderr);
  const p = JSON.parse(byPath.stdout);
  assert.deepEqual(inTree(d, p.inputs.tree), ['src/app.c', 'src/lib.c']);
  // both compiles read a source: two jobs, lib.o's though its root is sh -c 'sleep 1 && cc …'
  assert.equal(p.job_count, 2);
  assert.deepEqual(p.outputs, []);
  assert.ok(p.tools.some((t: { exe: string }) => t.exe === 'cc1'), 'cc1 read the sources');
  // a negated process filter keeps the other processes and their files, not the whole build
  const notCc1 = await bt(['summary', l, '--json', '--filter', 'exe != "cc1"']);
  const n = JSON.parse(notCc1.stdout);
  assert.ok(!n.tools.some((t: { exe: string }) => t.exe === 'cc1'), n.tools.map((t: { exe: string }) => t.exe).join(','));
  assert.ok(n.processes > 0);

  const graph = await bt(['graph', l, '--filter', 'exe == "cc1"']);
  assert.equal(graph.code, 0, graph.stderr);
  const labels = [...graph.stdout.matchAll(/^ {2}p\d+ \[label="([^"\\]*)/gm)].map((m) => m[1].split(' ')[0]);
  assert.deepEqual(labels.filter((x) => x === 'cc1').length, 2);
  assert.ok(labels.every((x) => ['make', 'sh', 'cc', 'cc1'].includes(x)), `only cc1 and its ancestors: ${labels.join(',')}`);

  const bad = await bt(['dump', l, '--filter', 'exe == and pid']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'bt: bad filter: expected a value after "==", got "and" at column 8\n  exe == and pid\n         ^');
  const unknown = await bt(['summary', l, '--filter', 'colour == red']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^bt: bad filter: unknown field "colour"/);
});

ebpfTest('a torn log: summary, deps, check, diff, export, sql and view each warn once, naming the byte, and exit 1', async () => {
  const { log: l } = await traced();
  const whole = fs.readFileSync(l);
  const torn = path.join(tmpdir(), 'torn.trace');
  fs.writeFileSync(torn, whole.subarray(0, whole.length - 5)); // the trailer cut short
  const warning = new RegExp(`^bt: warning: ${torn.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is truncated at byte \\d+ \\(.*\\): the records before it were read$`);
  const cases: Array<[string[], number]> = [
    [['summary', torn], 1],
    [['deps', 'app', torn], 1],
    [['check', torn], 1],
    [['diff', l, torn], 1],
    [['export', 'jsonl', torn], 1],
    [['export', 'compile-commands', torn], 1],
    [['sql', 'SELECT count(*) FROM processes', torn], 1],
  ];
  const out = tmpdir();
  const files: Array<[string[], string]> = [
    [['view', '-q', '--html', path.join(out, 'v.html'), torn], path.join(out, 'v.html')],
    [['export', 'parquet', '-q', '-o', path.join(out, 'pq'), torn], path.join(out, 'pq', 'processes.parquet')],
  ];
  for (const [args, code] of [...cases, ...files.map(([a]): [string[], number] => [a, 1])]) {
    const r = await bt(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((x) => x.startsWith('bt: warning:'));
    assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, warning, args.join(' '));
    const wrote = files.find(([a]) => a === args)?.[1];
    assert.ok(wrote ? fs.existsSync(wrote) : r.stdout.length > 0, `${args.join(' ')} still answers from the records before the damage`);
  }
  // the whole log: no warning, the usual status
  const ok = await bt(['summary', l]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.doesNotMatch(ok.stderr, /warning/);
});

ebpfTest('a file name with a newline and a byte that is not UTF-8 stays one line in bt summary', async () => {
  const dir = tmpdir();
  const t = await trace(['sh', '-c', 'printf x > "$(printf "we\\377ird\\nname.txt")"; cat "$(printf "we\\377ird\\nname.txt")" > copy.txt'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const shown = "$'we\\xffird\\nname.txt'"; // relative to the start directory, where it was made
  const sum = await bt(['summary', t.file]);
  assert.equal(sum.code, 0, sum.stderr);
  const lines = sum.stdout.split('\n');
  assert.ok(lines.includes(`  ${shown}`), sum.stdout);
  assert.ok(!lines.some((l) => l === 'name.txt' || l.endsWith('ird')), 'no path split over two lines');
});

ebpfTest('a file rewritten in place (sed -i, ranlib, strip: read, then a temporary renamed onto it) keeps what it was made of', async () => {
  const dir = path.join(tmpdir('bt-inplace-'), 'p');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'Makefile'), 'all: out.txt\nout.txt: in.txt\n\tcp in.txt out.txt\n\tsed -i s/x/y/ out.txt\n');
  fs.writeFileSync(path.join(dir, 'in.txt'), 'x\n');
  const t = await trace(['make'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const deps = await bt(['deps', 'out.txt', t.file, '--inputs']);
  assert.deepEqual(deps.stdout.trim().split('\n').filter((p) => !p.startsWith('/')), ['in.txt']);
  const rdeps = await bt(['rdeps', 'in.txt', t.file, '--inputs']);
  assert.deepEqual(rdeps.stdout.trim().split('\n'), ['out.txt']);
});

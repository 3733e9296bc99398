/**
 * bt check on real traces (eBPF, as root): the defects project gives
 * exactly its planted defects, with the right jobs and files; the clean
 * twin gives nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before } from 'node:test';
import { ebpfTest, ebpfUnavailableReason } from '../helpers/ebpf.js';
import { needTools } from '../helpers/tools.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import { traceDefects, traceMake, traceProject, type TracedProject } from './projects.js';

interface Json {
  command: string[];
  start_dir: string;
  exit_status: number | null;
  incomplete: boolean;
  checked: string[];
  count: number;
  findings: Array<{
    kind: string;
    file: string;
    target?: string;
    jobs: Array<{ proc: number; argv: string[]; start: number; end: number }>;
    detail: string;
    fix?: string;
    time: number;
    uses: Array<{ path: string; access: string[]; time: number; proc: number }>;
  }>;
}

let defects: TracedProject;
let clean: TracedProject;

before(async () => {
  if (ebpfUnavailableReason()) return;
  defects = await traceDefects();
  clean = await traceProject('clean');
});

async function checkJson(file: string, args: string[] = []): Promise<{ code: number; json: Json; stderr: string }> {
  const r = await bt(['check', '--json', ...args, file]);
  assert.ok(r.code === 0 || r.code === 1, `bt check failed (${r.code}): ${r.stderr}`);
  return { code: r.code, json: JSON.parse(r.stdout) as Json, stderr: r.stderr };
}

const A_JOB = ['/bin/sh', '-c', 'cp a.in shared.tmp; sleep 0.6; cp shared.tmp a.txt'];
const B_JOB = ['/bin/sh', '-c', 'sleep 0.3; cp b.in shared.tmp; cp shared.tmp b.txt'];

ebpfTest('check: the defects project gives exactly the write-write race and the outside read', async () => {
  const { code, json } = await checkJson(defects.file);
  assert.equal(code, 1, 'findings: exit status 1');
  assert.equal(json.start_dir, defects.dir);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, f.file]),
    [
      ['write-write', path.join(defects.dir, 'shared.tmp')],
      ['hermeticity', defects.ext],
    ],
  );
  const [race, herm] = json.findings;
  assert.deepEqual(race.jobs.map((j) => j.argv), [A_JOB, B_JOB], 'a.txt wrote it first, then b.txt');
  const [ja, jb] = race.jobs;
  assert.ok(ja.start < jb.end && jb.start < ja.end, 'the two jobs overlap in time');
  assert.ok(jb.end - jb.start >= 0.3 && ja.end - ja.start >= 0.6, 'the sleeps are in the spans');
  assert.deepEqual(race.uses.map((u) => [u.path, u.access]), [[race.file, ['write']], [race.file, ['write']]]);
  assert.ok(race.uses[1].time - race.uses[0].time >= 0.25, 'b wrote it ~0.3 s after a');
  assert.match(race.detail, /both wrote shared\.tmp while running at the same time/);
  assert.equal(fs.readFileSync(path.join(defects.dir, 'a.txt'), 'utf8'), 'b\n', 'the race really happened: a.txt has b.in');

  assert.deepEqual(herm.jobs.map((j) => j.argv), [['/bin/sh', '-c', `cat ${defects.ext}/version.txt > version.txt`]]);
  assert.deepEqual(herm.uses.map((u) => [u.path, u.access]), [[`${defects.ext}/version.txt`, ['read']]]);
  assert.equal(herm.detail, '1 file read outside the allowed roots, by 1 job');
  assert.equal(herm.fix, `if the build may use it: --allow '${defects.ext}/**'`);
});

ebpfTest('check: the clean twin gives nothing (exit 0)', async () => {
  const { code, json } = await checkJson(clean.file);
  assert.deepEqual(json.findings, []);
  assert.equal(code, 0);
  const text = await bt(['check', clean.file]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^bt check: nothing found in make -j2 in \S+ \(exit status 0\) \(checked: hermeticity, races\)$/);
  assert.equal(json.exit_status, 0);
  assert.equal(json.incomplete, false);
});

ebpfTest('check: --allow and --ignore silence the outside read; --strict reports the system roots by directory', async () => {
  const allowed = await checkJson(defects.file, ['--allow', defects.ext!]);
  assert.deepEqual(allowed.json.findings.map((f) => f.kind), ['write-write']);
  const ignored = await checkJson(defects.file, ['--ignore', 'version.txt', '--ignore', 'shared.tmp']);
  assert.deepEqual(ignored.json.findings, []);
  assert.equal(ignored.code, 0);

  const strict = await checkJson(clean.file, ['--strict']);
  const dirs = strict.json.findings.map((f) => f.file);
  // a directory inside another reported one joins it: /usr/bin is its own finding, or in /usr's
  // (when the build looked for something directly in /usr, as gcc does for /usr/x86_64-linux-gnu)
  const findingOf = (dir: string) => strict.json.findings.find((f) => f.file === dir || (f.file !== '/' && dir.startsWith(`${f.file}/`)));
  assert.ok(findingOf('/usr/bin'), `the tools in /usr/bin: ${dirs.join(' ')}`);
  assert.ok(findingOf('/usr/include')?.uses.some((u) => u.path.startsWith('/usr/include/') && u.access.includes('read')), 'the system headers');
  assert.ok(strict.json.findings.every((f) => f.kind === 'hermeticity'));
  for (const f of strict.json.findings) {
    assert.ok(!/^\/(usr\/lib\/gcc|usr\/lib\/locale|proc|dev)(\/|$)/.test(f.file), `noise is never reported: ${f.file}`);
    assert.ok(!f.uses.some((u) => /\.so(\.\d+)*$/.test(u.path) && u.path.startsWith('/lib')), `no loader noise in ${f.file}`);
    assert.ok(!f.uses.some((u) => u.path.startsWith('/tmp/')), 'the compiler temp files are the job\'s own');
  }
  const usrBin = findingOf('/usr/bin')!;
  assert.ok(usrBin.uses.some((u) => u.path === '/usr/bin/cp' && u.access.includes('exec')));
  assert.match(usrBin.detail, /^\d+ files read(, \d+ looked at)?(, \d+ looked for and missing)? outside the allowed roots, by \d+ jobs( and \d+ process(es)?)?$/);
  assert.equal(usrBin.fix, "if the build may use them: --allow '/usr/**'");
});

ebpfTest('check: the text report names the jobs by command line and the files with times', async () => {
  const r = await bt(['check', defects.file]);
  assert.equal(r.code, 1);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^bt check: 2 findings in make -j2 EXT=\S+ in \S+ \(exit status 0\): 1 write-write, 1 hermeticity \(checked: hermeticity, races\)$/);
  assert.ok(lines.includes('write-write  shared.tmp'), r.stdout);
  assert.ok(lines.some((l) => /^ {4}job \d+ {2}\+\d\.\d{6}\.\.\+\d\.\d{6} {2}\/bin\/sh -c 'cp a\.in shared\.tmp; sleep 0\.6; cp shared\.tmp a\.txt'$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^ {4}\+\d\.\d{6} {2}write {2}shared\.tmp {2}\(cp in job \d+\)$/.test(l)), r.stdout);
  assert.ok(lines.includes(`hermeticity  ${defects.ext}/`), r.stdout);
  // by its full path: the build has a version.txt of its own
  assert.ok(lines.includes(`hermeticity  ${defects.ext}/`), r.stdout);
  assert.ok(lines.some((l) => l.startsWith('    +') && l.endsWith(`  read  ${defects.ext}/version.txt  (cat in job ${/\(cat in job (\d+)\)$/.exec(l)?.[1]})`)), r.stdout);
});

ebpfTest('check --make: the header missing from main.o\'s prerequisites, and nothing else new', async () => {
  const { code, json } = await checkJson(defects.file, ['--make']);
  assert.equal(code, 1);
  assert.deepEqual(json.checked, ['hermeticity', 'races', 'make']);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, f.file]),
    [
      ['write-write', path.join(defects.dir, 'shared.tmp')],
      ['undeclared-input', path.join(defects.dir, 'config.h')],
      ['hermeticity', defects.ext],
    ],
    'shared.tmp is also an undeclared output of both jobs: reported once, as the race',
  );
  const u = json.findings[1];
  assert.equal(u.target, path.join(defects.dir, 'main.o'));
  assert.deepEqual(u.jobs.map((j) => j.argv), [['cc', '-c', '-o', 'main.o', 'main.c']]);
  assert.deepEqual(u.uses.map((x) => [x.path, x.access]), [[u.file, ['read']]]);
  assert.match(u.detail, /built main\.o and read config\.h, which main\.o does not depend on/);
  // a header a compiler read: the rule to add, or the depfiles that would list it
  assert.match(
    u.fix ?? '',
    /^add config\.h to the prerequisites of main\.o \(its recipe is at Makefile:\d+\): main\.o: config\.h; or have the compiler list the headers it reads: -MMD -MP in its flags, and -include the \.d files$/,
  );
  assert.match(json.findings[0].fix ?? '', /^have only one of jobs \d+ and \d+ write shared\.tmp, or order them: what job \d+ builds depends on what job \d+ builds$/);
});

ebpfTest('after the shared.tmp race, deps and rdeps agree: a.txt was made from b.in, through the job that wrote over shared.tmp', async () => {
  assert.equal(fs.readFileSync(path.join(defects.dir, 'a.txt'), 'utf8'), fs.readFileSync(path.join(defects.dir, 'b.in'), 'utf8'), 'the race happened');
  const deps = await bt(['deps', 'a.txt', defects.file, '--inputs']);
  assert.equal(deps.code, 0, deps.stderr);
  const inputs = deps.stdout.trim().split('\n').filter((p) => !p.startsWith('/')); // the tree's, relative to the start directory
  assert.ok(inputs.includes('b.in') && inputs.includes('a.in'), inputs.join(' '));
  const rdeps = await bt(['rdeps', 'b.in', defects.file, '--inputs']);
  assert.ok(rdeps.stdout.trim().split('\n').includes('a.txt'), rdeps.stdout);
  // shared.tmp holds what B's job wrote over A's: deps names B's job as its writer
  const shared = await bt(['deps', 'shared.tmp', defects.file, '--json']);
  assert.equal(shared.code, 0, shared.stderr);
  assert.deepEqual(JSON.parse(shared.stdout).tree.writer.argv, B_JOB);
  // B's cp truncated shared.tmp: what A's job had written there is gone, so shared.tmp and b.txt are not made of a.in
  const sharedInputs = await bt(['deps', 'shared.tmp', defects.file, '--inputs']);
  assert.deepEqual(sharedInputs.stdout.trim().split('\n').filter((p) => !p.startsWith('/')), ['b.in']);
  const fromA = await bt(['rdeps', 'a.in', defects.file, '--inputs']);
  assert.equal(fromA.code, 0, fromA.stderr);
  assert.ok(!fromA.stdout.includes('b.txt'), fromA.stdout);
});

ebpfTest('check --make: a read-write race on an undeclared input that another job generated is one missing dep, as without the race; without --make the race', async () => {
  const { dir, file } = await traceMake('bt-rwdecl-', 'all: gen.h out.txt\ngen.h:\n\tsleep 0.2; echo x > gen.h\nout.txt:\n\tsleep 0.5; cat gen.h > out.txt\n');
  const { json } = await checkJson(file, ['--make']);
  assert.deepEqual(json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? '')]), [['missing-dep', 'gen.h', 'out.txt']]);
  assert.match(json.findings[0].detail, /it was made first by luck of scheduling; nor does out\.txt depend on it: changing gen\.h will not rebuild out\.txt$/);
  assert.equal(json.findings[0].fix, 'add gen.h to the prerequisites of out.txt (its recipe is at Makefile:5): out.txt: gen.h');
  const races = await checkJson(file);
  assert.deepEqual(races.json.findings.map((f) => [f.kind, path.relative(dir, f.file)]), [['read-write', 'gen.h']]);
});

ebpfTest('check --make: a recipe writing a file it does not declare, which an unordered rule reads, gives the same findings at -j1 and at -j2, where the two jobs raced', async () => {
  const makefile = 'all: out.txt use.txt\nout.txt:\n\techo hi > data.txt; sleep 0.1; touch out.txt\nuse.txt:\n\tsleep 0.3; cat data.txt > use.txt\n';
  for (const jobs of [1, 2]) {
    const { dir, file } = await traceMake('bt-lucky-', makefile, {}, jobs);
    const { json } = await checkJson(file, ['--make']);
    assert.deepEqual(
      json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? '')]),
      [
        ['missing-dep', 'data.txt', 'use.txt'],
        ['undeclared-output', 'data.txt', 'out.txt'],
      ],
      `make -j${jobs}`,
    );
    // the race at -j2 is the missing dep; at -j1 the jobs did not overlap
    const races = await checkJson(file);
    assert.deepEqual(races.json.findings.map((f) => [f.kind, path.relative(dir, f.file)]), jobs === 2 ? [['read-write', 'data.txt']] : [], `make -j${jobs}`);
  }
});

ebpfTest('check --make: an order-only prerequisite declares no input, and an order-only phony one does not remake the target', async () => {
  // main.o reads gen.h (order-only: a newer gen.h does not remake main.o);
  // util.o reads util.h, declared nowhere, behind an order-only phony outdir
  const { dir, file } = await traceMake(
    'bt-orderonly-',
    'all: main.o util.o\nmain.o: main.c | gen.h\n\tcat main.c gen.h > main.o\ngen.h: gen.txt\n\tcp gen.txt gen.h\n' +
      'util.o: util.c | outdir\n\tcat util.c util.h > util.o\noutdir:\n\tmkdir -p out\n.PHONY: all outdir\n',
    Object.fromEntries(['main.c', 'gen.txt', 'util.c', 'util.h'].map((f) => [f, `${f}\n`])),
  );
  const { json } = await checkJson(file, ['--make']);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? '')]).sort(), // in time order: either job may run first
    [
      ['undeclared-input', 'gen.h', 'main.o'],
      ['undeclared-input', 'util.h', 'util.o'],
    ],
  );
});

ebpfTest('check: make -C into a tree outside the start directory reads its sources there without a hermeticity finding', async () => {
  const base = tmpdir('bt-makec-');
  const src = path.join(base, 'src');
  const elsewhere = path.join(base, 'elsewhere');
  fs.mkdirSync(src);
  fs.mkdirSync(elsewhere);
  fs.writeFileSync(path.join(src, 'Makefile'), 'out.txt: a.txt b.txt\n\tcat a.txt b.txt > out.txt\n');
  fs.writeFileSync(path.join(src, 'a.txt'), 'a\n');
  fs.writeFileSync(path.join(src, 'b.txt'), 'b\n');
  const t = await trace(['make', '-C', src], { cwd: elsewhere });
  assert.equal(t.code, 0, t.stderr);
  const { code, json } = await checkJson(t.file);
  assert.deepEqual(json.findings.map((f) => [f.kind, f.file]), []);
  assert.equal(code, 0);
});

ebpfTest('check: a recipe leaving a process running orders nothing by itself: no race after it, but its late write still races', async () => {
  // gen.h's recipe starts a detached sleep (a daemon): out.txt's job runs while it lives, ordered by make
  const bg = await traceMake('bt-bg-', "all: out.txt\ngen.h:\n\techo '#define X 1' > gen.h; (sleep 1 >/dev/null 2>&1 &)\nout.txt: gen.h\n\tcat gen.h > out.txt\n");
  const { code, json } = await checkJson(bg.file);
  assert.deepEqual(json.findings, []);
  assert.equal(code, 0);
  // the detached process writes late.h after its recipe ended, while the next job looks for it: a race
  const late = await traceMake('bt-bg-', 'all: out.txt\nlate.h:\n\t(sleep 0.5; echo x > late.h) >/dev/null 2>&1 &\nout.txt: late.h\n\tcat late.h > out.txt 2>/dev/null || true\n');
  const r2 = await checkJson(late.file);
  assert.deepEqual(r2.json.findings.map((f) => [f.kind, path.relative(late.dir, f.file)]), [['used-before-produced', 'late.h']]);
  // the recipe creates late.h and a detached subshell writes it later: the next job reads it half-written, a race too
  // (the recipe creates it itself: a subshell's own redirect may come after cat under load)
  const half = await traceMake('bt-bg-', 'all: out.txt\nlate.h:\n\t: > late.h; (sleep 0.5; echo x) >> late.h 2>/dev/null &\nout.txt: late.h\n\tcat late.h > out.txt\n');
  const r3 = await checkJson(half.file);
  assert.deepEqual(r3.json.findings.map((f) => [f.kind, path.relative(half.dir, f.file)]), [['read-write', 'late.h']]);
});

ebpfTest('check --make: the clean twin (pattern rules, .d files, temp files) gives nothing', async () => {
  const { code, json } = await checkJson(clean.file, ['--make']);
  assert.deepEqual(json.findings, []);
  assert.equal(code, 0);
  assert.ok(fs.existsSync(path.join(clean.dir, 'main.d')), 'the .d files declared the headers');
});

ebpfTest('check --make: a rule writing a file it does not declare (undeclared output); a recursive make', async () => {
  const dir = path.join(tmpdir('bt-undeclared-'), 'proj');
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Makefile'), 'all: out.txt sub\nout.txt:\n\techo x > out.txt; echo y > side.txt\nsub:\n\t$(MAKE) -C sub\n.PHONY: all sub\n');
  fs.writeFileSync(path.join(dir, 'sub', 'Makefile'), 'lib.txt: in.txt\n\tcat in.txt extra.txt > lib.txt\n');
  fs.writeFileSync(path.join(dir, 'sub', 'in.txt'), 'in\n');
  fs.writeFileSync(path.join(dir, 'sub', 'extra.txt'), 'extra\n');
  const t = await trace(['make'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const { json } = await checkJson(t.file, ['--make']);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? ''), f.jobs[0].argv.at(-1)]),
    [
      ['undeclared-input', 'sub/extra.txt', 'sub/lib.txt', 'cat in.txt extra.txt > lib.txt'],
      ['undeclared-output', 'side.txt', 'out.txt', 'echo x > out.txt; echo y > side.txt'],
    ],
  );
  // what to change: the rule as the sub-make's own Makefile names its files, and where that rule is
  assert.deepEqual(json.findings.map((f) => f.fix), [
    'add sub/extra.txt to the prerequisites of sub/lib.txt (its recipe is at sub/Makefile:2): lib.txt: extra.txt',
    'make side.txt a target of the rule for out.txt (its recipe is at Makefile:3): out.txt side.txt &: … (grouped targets, GNU make 4.3), or have the recipe not write it',
  ]);
  // make is asked in the traced tree: once it is gone, --make is bad input
  fs.rmSync(dir, { recursive: true });
  const gone = await bt(['check', '--make', t.file]);
  assert.equal(gone.code, 2);
  assert.equal(gone.stderr.trim().split('\n').length, 1);
  assert.match(gone.stderr, /^bt: --make runs make in the traced directory \S+proj, which is gone: check on the machine and tree that were traced/);
});

ebpfTest('check: a read-write race and a use before production between concurrent jobs (races project, -j4)', async () => {
  const races = await traceProject('races', { jobs: 4 });
  const { code, json } = await checkJson(races.file);
  assert.equal(code, 1);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(races.dir, f.file), f.jobs.map((j) => j.argv[2]), f.uses.map((u) => u.access[0])]),
    [
      ['read-write', 'data.txt', ['sleep 0.1; echo new > data.txt; sleep 0.8', 'sleep 0.5; cat data.txt > copy.txt'], ['write', 'read']],
      [
        'used-before-produced',
        'gen.txt',
        ['sleep 0.1; cat gen.txt > seen.txt 2>/dev/null || echo none > seen.txt; sleep 0.8', 'sleep 0.5; echo generated > gen.txt'],
        ['probe', 'write'],
      ],
      // the job that made it started first, the looker was over before it did: still luck
      ['used-before-produced', 'late.txt', ['sleep 0.1; cat late.txt > peek.txt 2>/dev/null || echo none > peek.txt', 'sleep 0.6; echo made > late.txt'], ['probe', 'write']],
    ],
  );
  const [rw, ubp, late] = json.findings;
  assert.match(rw.detail, /^job \d+ wrote data\.txt at \+[\d.]+ and job \d+, not ordered after it \(they overlapped from \+[\d.]+ to \+[\d.]+\), read it at \+[\d.]+$/);
  assert.match(ubp.detail, /^job \d+ looked for gen\.txt at \+[\d.]+, before job \d+, started later and not ordered before it \(they overlapped from /);
  assert.match(late.detail, /^job \d+ looked for late\.txt at \+[\d.]+, before job \d+, started first and not ordered before it \(they overlapped from /);
  assert.ok(late.jobs[1].start <= late.jobs[0].start && late.jobs[0].end < late.uses[1].time, 'the maker started first; the looker ended before it made the file');
  assert.equal(fs.readFileSync(path.join(races.dir, 'peek.txt'), 'utf8'), 'none\n');
  assert.ok(rw.uses[1].time - rw.uses[0].time >= 0.25, 'read ~0.4 s after the write');
  assert.ok(ubp.jobs[0].start <= ubp.jobs[1].start, 'the job that looked started first');
  assert.ok(ubp.uses[0].time < ubp.uses[1].time && ubp.uses[1].time < ubp.jobs[0].end, 'created while the first still ran');
  assert.equal(fs.readFileSync(path.join(races.dir, 'seen.txt'), 'utf8'), 'none\n', 'it really missed it');
  // the same file written by rules ordered by a prerequisite, or by a recursive make inside a rule: no race
  assert.equal(fs.readFileSync(path.join(races.dir, 'order.log'), 'utf8'), 'first\nsecond\n');
  assert.equal(fs.readFileSync(path.join(races.dir, 'nested.log'), 'utf8'), 'outer\ninner\n');
});

ebpfTest('check --make: depfiles count only where the build system reads them (CMake yes; a makefile that never includes them, no)', async (t) => {
  const src = (dir: string) => {
    fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', 'main.c'), '#include "util.h"\nint main(void) { return twice(0); }\n');
    fs.writeFileSync(path.join(dir, 'src', 'util.c'), '#include "util.h"\nint twice(int x) { return 2 * x; }\n');
    fs.writeFileSync(path.join(dir, 'src', 'util.h'), 'int twice(int x);\n');
  };
  // a makefile writing .d files and never including them: the headers really are undeclared
  const plain = path.join(tmpdir('bt-depfile-'), 'plain');
  src(plain);
  fs.writeFileSync(path.join(plain, 'Makefile'), 'app: src/main.o src/util.o\n\tcc -o app src/main.o src/util.o\n%.o: %.c\n\tcc -MMD -c -o $@ $<\n');
  const tp = await trace(['make', '-j2'], { cwd: plain });
  assert.equal(tp.code, 0, tp.stderr);
  const p = await checkJson(tp.file, ['--make']);
  assert.deepEqual(
    p.json.findings.map((f) => [f.kind, path.relative(plain, f.file), path.relative(plain, f.target ?? '')]).sort(),
    [
      ['undeclared-input', 'src/util.h', 'src/main.o'],
      ['undeclared-input', 'src/util.h', 'src/util.o'],
      ['undeclared-output', 'src/main.d', 'src/main.o'],
      ['undeclared-output', 'src/util.d', 'src/util.o'],
    ],
  );

  if (!needTools(t, 'cmake')) return;
  // CMake's Makefile generator: the compiler's .o.d files are consolidated by cmake before the next build
  const cm = path.join(tmpdir('bt-cmake-'), 'proj');
  src(cm);
  fs.writeFileSync(
    path.join(cm, 'CMakeLists.txt'),
    'cmake_minimum_required(VERSION 3.13)\nproject(demo C)\nadd_library(util STATIC src/util.c)\nadd_executable(app src/main.c)\ntarget_link_libraries(app util)\n',
  );
  const { execa } = await import('execa');
  const conf = await execa('cmake', ['-S', cm, '-B', path.join(cm, 'build')], { reject: false });
  assert.equal(conf.exitCode, 0, String(conf.stderr));
  const tc = await trace(['make', '-C', 'build', '-j2'], { cwd: cm });
  assert.equal(tc.code, 0, tc.stderr);
  const c = await checkJson(tc.file, ['--make']);
  assert.deepEqual(c.json.findings, []);
  assert.equal(c.code, 0);
});

ebpfTest('check: the loader searching RUNPATH directories (their glibc-hwcaps, tls and platform subdirectories) is never reported; the library it loads from outside is', async () => {
  const base = tmpdir('bt-rpath-');
  const sdk = path.join(base, 'sdk', 'lib');
  const dir = path.join(base, 'proj');
  fs.mkdirSync(sdk, { recursive: true });
  fs.mkdirSync(dir);
  // an RPATH entry that is not there (outside /tmp, whose probes are never reported), then the SDK's directory
  const gone = `/bt-no-such-sdk-${process.pid}/lib`;
  assert.ok(!fs.existsSync(gone));
  fs.writeFileSync(path.join(base, 'foo.c'), 'int foo(void) { return 42; }\n');
  fs.writeFileSync(path.join(base, 'app.c'), '#include <stdio.h>\nint foo(void);\nint main(void) { printf("%d\\n", foo()); return 0; }\n');
  const { execa } = await import('execa');
  for (const args of [
    ['-shared', '-fPIC', '-o', path.join(sdk, 'libfoo.so'), path.join(base, 'foo.c')],
    ['-o', path.join(dir, 'app'), path.join(base, 'app.c'), `-L${sdk}`, '-lfoo', `-Wl,-rpath,${gone}:${sdk}`],
  ]) {
    const r = await execa('cc', args, { reject: false });
    assert.equal(r.exitCode, 0, String(r.stderr));
  }
  fs.writeFileSync(path.join(dir, 'Makefile'), 'out.txt: app\n\t./app > out.txt\n');
  const t = await trace(['make'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), '42\n');
  const { json } = await checkJson(t.file);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, f.file, f.uses.map((u) => [u.path, u.access.join('+')])]),
    [['hermeticity', sdk, [[path.join(sdk, 'libfoo.so'), 'read']]]],
  );
});

ebpfTest('check --make: a target remade at every build (FORCE) reading a generated file nothing orders it after is a missing dep; order-only is enough', async () => {
  // out.txt and ok.txt need no declared inputs (FORCE remakes them), but they must come after gen.h:
  // ok.txt is ordered (| gen.h), out.txt only by the luck of `all`'s order (with -j2 they would run together)
  const { dir, file } = await traceMake(
    'bt-missingdep-',
    'all: gen.h out.txt ok.txt\ngen.h: gen.in\n\tcp gen.in gen.h\nout.txt: FORCE\n\tcat gen.h > out.txt\nok.txt: FORCE | gen.h\n\tcat gen.h > ok.txt\nFORCE:\n.PHONY: all FORCE\n',
    { 'gen.in': '#define X 1\n' },
    1,
  );
  const { code, json } = await checkJson(file, ['--make']);
  assert.equal(code, 1);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? ''), f.jobs.map((j) => j.argv.join(' ')), f.uses.map((u) => u.access[0])]),
    [['missing-dep', 'gen.h', 'out.txt', ['/bin/sh -c cat gen.h > out.txt', 'cp gen.in gen.h'], ['write', 'read']]],
  );
  assert.match(
    json.findings[0].detail,
    /^job \d+ built out\.txt and read gen\.h, which job \d+ generated, but nothing in the make graph orders out\.txt after gen\.h \(no normal or order-only prerequisite dependency path\): it was made first by luck of scheduling$/,
  );
  assert.equal(json.findings[0].fix, 'add gen.h to the prerequisites of out.txt (its recipe is at Makefile:5): out.txt: gen.h');
});

ebpfTest('check --make: a FORCE target that is not .PHONY (make looks for the file FORCE at every build) still remakes what depends on it', async () => {
  const { dir, file } = await traceMake(
    'bt-force-',
    'all: out.txt\nout.txt: FORCE\n\tcat in.txt > out.txt\nFORCE:\n.PHONY: all\n',
    { 'in.txt': 'in\n' },
  );
  const { code, json } = await checkJson(file, ['--make']);
  assert.deepEqual(json.findings.map((f) => [f.kind, path.relative(dir, f.file)]), [], 'in.txt needs no declaring: out.txt is remade at every build');
  assert.equal(code, 0);
  assert.ok(!fs.existsSync(path.join(dir, 'FORCE')));
});

ebpfTest('check --make: a rule remade at every build (FORCE) writing side files read only by a later sub-make (or by nothing) has no undeclared output', async () => {
  // kbuild's shape: `modpost` runs a sub-make whose FORCE'd rule writes symvers and, undeclared, export.c and map.txt;
  // `vmlinux`, which depends on modpost, runs the sub-make that compiles export.c; nothing reads map.txt
  const { dir, file } = await traceMake(
    'bt-forceside-',
    'all: vmlinux\nmodpost:\n\t$(MAKE) -f modpost.mk\nvmlinux: modpost\n\t$(MAKE) -f link.mk\n.PHONY: all modpost vmlinux\n',
    {
      'modpost.mk': "symvers: FORCE\n\techo sym > symvers; echo 'int x;' > export.c; echo map > map.txt\nFORCE:\n",
      'link.mk': 'export.o: export.c FORCE\n\tcc -c -o export.o export.c\nFORCE:\n',
    },
  );
  const { code, json } = await checkJson(file, ['--make']);
  assert.deepEqual(json.findings.map((f) => [f.kind, path.relative(dir, f.file)]), []);
  assert.equal(code, 0);
  assert.ok(fs.existsSync(path.join(dir, 'export.o')));
});

ebpfTest('check --make: a rule remade at every build (FORCE) writing a side file that an unordered rule reads under -j keeps its undeclared output, with the reader', async () => {
  const { dir, file } = await traceMake(
    'bt-forcerace-',
    'all: symvers use.txt\nsymvers: FORCE\n\techo sym > symvers; echo side > side.txt\nuse.txt:\n\tsleep 0.3; cat side.txt > use.txt\nFORCE:\n.PHONY: all FORCE\n',
  );
  const { code, json } = await checkJson(file, ['--make']);
  assert.equal(code, 1);
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? ''), f.uses.map((u) => u.access[0]).join(',')]),
    [
      ['missing-dep', 'side.txt', 'use.txt', 'write,read'],
      ['undeclared-output', 'side.txt', 'symvers', 'write,read'],
    ],
  );
  const side = json.findings[1];
  assert.match(
    side.detail,
    /^job (\d+) built symvers and also wrote side\.txt, which no rule for symvers declares: symvers is remade at every build, but job (\d+) read side\.txt building use\.txt and nothing in the make graph orders use\.txt after symvers: with -j it may read side\.txt before or while it is written$/,
  );
  assert.deepEqual(side.jobs.map((j) => j.argv.join(' ')), ['/bin/sh -c echo sym > symvers; echo side > side.txt', '/bin/sh -c sleep 0.3; cat side.txt > use.txt']);
});

ebpfTest('check --make: the lines of a recipe are one unit: what any line reads or writes counts for the target, a temporary file one line makes and the next moves or removes is the recipe\'s own', async () => {
  // out.txt: an undeclared read on the first line, the target written by the second (mv);
  // log.txt: an undeclared output on the first line; sorted.txt: a correct three-line recipe with a temporary file;
  // c.txt and d.txt: one pattern rule of two lines, run together (-j2): each line joins its own target's recipe
  const { dir, file } = await traceMake(
    'bt-recipe-',
    'all: out.txt log.txt sorted.txt c.txt d.txt\n' +
      'out.txt: in.txt\n\tcat in.txt secret.cfg > out.tmp\n\tmv out.tmp out.txt\n' +
      'log.txt: in.txt\n\techo side > side.txt\n\tcp in.txt log.txt\n' +
      'sorted.txt: in.txt\n\tsort in.txt > sorted.tmp\n\tuniq sorted.tmp > sorted.txt\n\t@rm -f sorted.tmp\n' +
      '%.txt: %.in\n\tsleep 0.2; cat $< $*.extra > $@.tmp\n\tmv $@.tmp $@\n',
    { 'in.txt': 'b\na\na\n', 'secret.cfg': 's\n', 'c.in': 'c\n', 'd.in': 'd\n', 'c.extra': '+\n', 'd.extra': '+\n' },
  );
  const { code, json } = await checkJson(file, ['--make']);
  assert.equal(code, 1);
  const got = json.findings
    .map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? ''), f.uses.map((u) => u.access[0]).join(',')])
    .sort((a, b) => (a.join() < b.join() ? -1 : 1));
  assert.deepEqual(got, [
    ['undeclared-input', 'c.extra', 'c.txt', 'read'],
    ['undeclared-input', 'd.extra', 'd.txt', 'read'],
    ['undeclared-input', 'secret.cfg', 'out.txt', 'read'],
    ['undeclared-output', 'side.txt', 'log.txt', 'write'],
  ]);
  const secret = json.findings.find((f) => f.file.endsWith('secret.cfg'))!;
  assert.match(secret.detail, /^jobs \d+, \d+ \(the 2 lines of its recipe\) built out\.txt and read secret\.cfg, which out\.txt does not depend on/);
  // the job that wrote the target, then the line that read the file
  assert.deepEqual(secret.jobs.map((j) => j.argv.join(' ')), ['mv out.tmp out.txt', '/bin/sh -c cat in.txt secret.cfg > out.tmp']);
  // each use names the process of the line that made it, not the target's job
  const side = json.findings.find((f) => f.file.endsWith('side.txt'))!;
  assert.notEqual(side.uses[0].proc, side.jobs[0].proc, 'echo wrote it, cp wrote log.txt');
  assert.deepEqual(side.jobs.map((j) => j.argv.join(' ')), ['cp in.txt log.txt', '/bin/sh -c echo side > side.txt'], 'the line that wrote it is among the jobs');
});

ebpfTest('check --make: an undeclared input that another job generated and nothing orders is reported once, as a missing dep that also says it will not rebuild', async () => {
  const { dir, file } = await traceMake(
    'bt-unordered-',
    'all: list.txt report.txt\nlist.txt: src.txt\n\tsort src.txt > list.txt\nreport.txt: report.in\n\tcat report.in list.txt > report.txt\n',
    { 'src.txt': 'b\na\n', 'report.in': 'r\n' },
    1,
  );
  const { json } = await checkJson(file, ['--make']);
  assert.deepEqual(json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? '')]), [['missing-dep', 'list.txt', 'report.txt']]);
  assert.match(json.findings[0].detail, /it was made first by luck of scheduling; nor does report\.txt depend on it: changing list\.txt will not rebuild report\.txt$/);
  assert.equal(json.findings[0].fix, 'add list.txt to the prerequisites of report.txt (its recipe is at Makefile:5): report.txt: list.txt');
});

ebpfTest('check --make: a makefile gone or broken since the build is one line and exit 2, not "nothing found"', async () => {
  const { dir, file } = await traceMake('bt-gone-', 'all: out.txt\nout.txt: in.txt\n\tcp in.txt out.txt\n', { 'in.txt': 'x\n' });
  fs.renameSync(path.join(dir, 'Makefile'), path.join(dir, 'Makefile.old'));
  const gone = await bt(['check', '--make', file]);
  assert.equal(gone.code, 2);
  assert.equal(gone.stdout, '');
  assert.equal(gone.stderr, `bt: make -pnq in ${dir} failed (make: *** No targets specified and no makefile found.  Stop.): --make needs the makefiles as they were when the build ran`);
  fs.writeFileSync(path.join(dir, 'Makefile'), `oops\n${fs.readFileSync(path.join(dir, 'Makefile.old'), 'utf8')}`);
  const broken = await bt(['check', '--make', file]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /^bt: make -pnq in .* failed \(Makefile:1: \*\*\* missing separator\.  Stop\.\): --make needs the makefiles as they were when the build ran$/);
});

ebpfTest('check: a race on a tool the build made says the other job ran it (exec), not read it', async () => {
  const { file } = await traceMake(
    'bt-toolrace-',
    'all: mktool out.txt\nmktool: mktool.c\n\tcc -o mktool mktool.c\nout.txt: in.txt\n\tsleep 0.8; ./mktool < in.txt > out.txt\n',
    { 'mktool.c': '#include <stdio.h>\nint main(void) { int c; while ((c = getchar()) != EOF) putchar(c); return 0; }\n', 'in.txt': 'x\n' },
  );
  const { json } = await checkJson(file);
  const race = json.findings.find((f) => f.kind === 'read-write');
  assert.ok(race, JSON.stringify(json.findings));
  assert.match(race.detail, /, ran it at \+\d/);
  assert.deepEqual(race.uses.map((u) => u.access[0]), ['write', 'exec']);
});

/** A make project traced as it is, failing or not: [dir, log, bt trace's exit status]. */
async function traceMakeAnyway(prefix: string, makefile: string, files: Record<string, string>, args: string[]): Promise<{ dir: string; file: string; code: number }> {
  const dir = path.join(tmpdir(prefix), 'p');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'Makefile'), makefile);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const t = await trace(['make', ...args], { cwd: dir });
  return { dir, file: t.file, code: t.code ?? -1 };
}

// main.o reads version.h, which only prog declares: the compile looks for it before it is made, fails, and so does the build
const GENHDR = 'all: prog\nprog: main.o version.h\n\tcc -o prog main.o\nmain.o: main.c\n\tcc -c -o main.o main.c\nversion.h:\n\tsleep 0.3; echo \'#define V 1\' > version.h\n';
const MAIN_C = '#include "version.h"\nint main(void) { return V - 1; }\n';

ebpfTest('check: a build broken by the race: the compile that failed looking for the generated header is a used-before-produced, and with --make a missing dep; the exit status is in the headline and the JSON', async () => {
  const { dir, file, code } = await traceMakeAnyway('bt-genhdr-', GENHDR, { 'main.c': MAIN_C }, ['-j2']);
  assert.equal(code, 2, 'make failed');
  const races = await checkJson(file);
  assert.equal(races.code, 1);
  assert.equal(races.json.exit_status, 2);
  assert.deepEqual(races.json.findings.map((f) => [f.kind, path.relative(dir, f.file), f.jobs.map((j) => j.argv.at(-1))]), [
    ['used-before-produced', 'version.h', ['main.c', "sleep 0.3; echo '#define V 1' > version.h"]],
  ]);
  const made = await checkJson(file, ['--make']);
  assert.deepEqual(made.json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target ?? '')]), [['missing-dep', 'version.h', 'main.o']]);
  assert.match(made.json.findings[0].detail, /^job \d+ failed building main\.o \(exit 1\) and looked for version\.h, which job \d+ generated, but nothing in the make graph orders main\.o after version\.h .*: job \d+ looked for it before job \d+ made it$/);
  assert.equal(made.json.findings[0].fix, 'add version.h to the prerequisites of main.o (its recipe is at Makefile:5): main.o: version.h');
  const text = await bt(['check', '--make', file]);
  assert.match(text.stdout.split('\n')[0], /^bt check: 1 finding in make -j2 in \S+ \(exit status 2\): 1 missing-dep \(checked: hermeticity, races, make\)$/);
  // -j1: make stops at the failed compile and never makes version.h: a target of the graph nothing ordered first
  const one = await traceMakeAnyway('bt-genhdr-', GENHDR, { 'main.c': MAIN_C }, ['-j1']);
  assert.equal(one.code, 2);
  assert.deepEqual((await checkJson(one.file)).json.findings, [], 'no job made it: no race');
  const oneMade = await checkJson(one.file, ['--make']);
  assert.deepEqual(oneMade.json.findings.map((f) => [f.kind, path.relative(one.dir, f.file), path.relative(one.dir, f.target ?? '')]), [['missing-dep', 'version.h', 'main.o']]);
  assert.match(oneMade.json.findings[0].detail, /looked for version\.h, a target of the make graph that no job had made, but nothing in the make graph orders main\.o after version\.h/);
});

ebpfTest('check: a recursive make whose sub-makes ran at the same time races on the library one makes and the other links, though the inner jobs did not overlap; ordered sub-makes give nothing', async () => {
  const base = path.join(tmpdir('bt-recursive-'), 'p');
  const top = (order: string) => `all: lib app\n${order}lib app:\n\t$(MAKE) -C $@\n.PHONY: all lib app\n`;
  fs.mkdirSync(path.join(base, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(base, 'app'));
  fs.writeFileSync(path.join(base, 'lib', 'Makefile'), 'libfoo.a: foo.in\n\tsleep 0.1; cp foo.in libfoo.a\n');
  fs.writeFileSync(path.join(base, 'lib', 'foo.in'), 'foo\n');
  fs.writeFileSync(path.join(base, 'app', 'Makefile'), 'app: main.in\n\tsleep 0.4; cat main.in ../lib/libfoo.a > app\n');
  fs.writeFileSync(path.join(base, 'app', 'main.in'), 'main\n');
  fs.writeFileSync(path.join(base, 'Makefile'), top(''));
  const t = await trace(['make', '-j2'], { cwd: base });
  assert.equal(t.code, 0, t.stderr);
  const { json } = await checkJson(t.file);
  assert.deepEqual(json.findings.map((f) => [f.kind, path.relative(base, f.file), f.jobs.map((j) => j.argv.join(' '))]), [
    ['read-write', 'lib/libfoo.a', ['make -C lib', 'make -C app', '/bin/sh -c sleep 0.1; cp foo.in libfoo.a', '/bin/sh -c sleep 0.4; cat main.in ../lib/libfoo.a > app']],
  ]);
  assert.match(json.findings[0].detail, /^job \d+ \(under process \d+\) wrote lib\/libfoo\.a at \+[\d.]+ and job \d+ \(under process \d+\), not ordered after it \(process \d+ \(make -C lib\) and process \d+ \(make -C app\) ran at the same time/);
  // app: lib orders them
  for (const d of ['lib', 'app']) for (const f of ['libfoo.a', 'app']) fs.rmSync(path.join(base, d, f), { force: true });
  fs.writeFileSync(path.join(base, 'Makefile'), top('app: lib\n'));
  const ordered = await trace(['make', '-j2'], { cwd: base });
  assert.equal(ordered.code, 0, ordered.stderr);
  const r = await checkJson(ordered.file);
  assert.deepEqual(r.json.findings, []);
  assert.equal(r.code, 0);
});

ebpfTest('check: every job appending a line to one log is one concurrent-append finding, not one write-write per pair', async () => {
  const { dir, file } = await traceMake('bt-applog-', 'all: a b c\na b c:\n\techo $@ >> build.log; sleep 0.3; echo $@ > $@\n', {}, 3);
  const { json } = await checkJson(file);
  assert.deepEqual(json.findings.map((f) => [f.kind, path.relative(dir, f.file), f.jobs.length, f.uses.map((u) => u.access[0])]), [
    ['concurrent-append', 'build.log', 3, ['append', 'append', 'append']],
  ]);
});

ebpfTest('check: a log cut short says so: "incomplete": true in the JSON, exit 1 (as every reader of a damaged log)', async () => {
  const cut = path.join(tmpdir('bt-cut-'), 'cut.trace');
  fs.writeFileSync(cut, fs.readFileSync(clean.file).subarray(0, 1000));
  const r = await bt(['check', '--json', cut]);
  assert.equal(r.code, 1);
  const json = JSON.parse(r.stdout) as Json;
  assert.equal(json.incomplete, true);
  assert.equal(json.exit_status, null);
  assert.match(r.stderr, /is truncated at byte \d+/);
  const text = await bt(['check', cut]);
  assert.match(text.stdout, /^bt check: nothing found in make -j2 in \S+ \(exit status unknown, log incomplete: the build as far as recorded\)/);
});

ebpfTest('check --make: two independent rules running the same command (a b: src, not grouped) each build the target make looked at last before starting them, not both the last one written', async () => {
  const { dir, file } = await traceMake(
    'bt-multitarget-',
    'all: use-a use-b\nuse-a: a.txt\n\tcat a.txt > use-a\nuse-b: b.txt\n\tsleep 0.05; cat b.txt > use-b\na.txt b.txt: src.txt\n\tsleep 0.2; cat src.txt extra.txt > a.txt; cat a.txt > b.txt\n',
    { 'src.txt': 's\n', 'extra.txt': 'e\n' },
  );
  const { json } = await checkJson(file, ['--make']);
  const extra = json.findings.filter((f) => f.kind === 'undeclared-input' && f.file.endsWith('extra.txt'));
  assert.deepEqual(extra.map((f) => path.relative(dir, f.target ?? '')).sort(), ['a.txt', 'b.txt'], JSON.stringify(json.findings.map((f) => [f.kind, f.file, f.target])));
  assert.notEqual(extra[0].jobs[0].proc, extra[1].jobs[0].proc);
});

/**
 * bt diff on real traces (eBPF, as root) of the test-programs C project,
 * built twice in two different directories: exactly the planted
 * differences are reported (temporary names and the directory masked).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ebpfTest } from '../helpers/ebpf.js';
import { CARGO, needTools } from '../helpers/tools.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';
import type { DiffReport } from '../../src/diff/index.js';
import { loadBuild } from '../../src/model/index.js';
import { Kind } from '../../src/model/kinds.js';

const SOURCES = ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h'];

/** A fresh copy of cproject, changed by `prepare`, traced with `make -j2` and CFLAGS in the environment. */
async function build(cflags: string, prepare: (dir: string) => void = () => {}, status = 0): Promise<string> {
  const dir = path.join(tmpdir('bt-diff-'), 'cproject');
  fs.mkdirSync(dir);
  for (const f of SOURCES) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(dir, f));
  prepare(dir);
  const t = await trace(['make', '-j2'], { cwd: dir, env: { CFLAGS: cflags } });
  assert.equal(t.code, status, `make: ${t.stderr}`);
  return t.file;
}

async function diff(a: string, b: string, args: string[] = []): Promise<{ code: number; r: DiffReport; text: string }> {
  const j = await bt(['diff', '--json', ...args, a, b]);
  assert.ok(j.code === 0 || j.code === 1, `bt diff failed (${j.code}): ${j.stderr}`);
  const t = await bt(['diff', ...args, a, b]);
  return { code: j.code, r: JSON.parse(j.stdout) as DiffReport, text: t.stdout };
}

const COMPILES = ['main', 'util', 'greet'];

/** Every section but durations (timing is not content) is empty. */
function assertOnly(r: DiffReport, keep: readonly (keyof DiffReport)[]): void {
  for (const k of ['start_dir', 'exit_status', 'only_in_a', 'only_in_b', 'arguments', 'directories', 'environment', 'inputs_only_in_a', 'inputs_only_in_b', 'resolved_elsewhere', 'inputs_changed', 'outputs_only_in_a', 'outputs_only_in_b'] as const) {
    if (!keep.includes(k)) assert.deepEqual(r[k], [], `nothing in ${k}`);
  }
}

ebpfTest(
  'diff: other CFLAGS and one extra header give exactly the argument, environment and input differences',
  async () => {
    const a = await build('-DMODE=1');
    const b = await build('-DMODE=2 -include extra.h', (dir) => fs.writeFileSync(path.join(dir, 'extra.h'), '#define EXTRA 1\n'));
    const { code, r, text } = await diff(a, b);
    assert.equal(code, 1);
    assertOnly(r, ['arguments', 'environment', 'inputs_only_in_b']);

    // cc and cc1 of each compile: -DMODE=1 became -DMODE=2 -include extra.h (cc1 gets -D MODE=…)
    const args = r.arguments.map((x) => [x.a.argv[0].split('/').pop(), x.removed, x.added] as const);
    const tools = args.map(([t]) => t).sort();
    assert.deepEqual(tools, ['cc', 'cc', 'cc', 'cc1', 'cc1', 'cc1']);
    for (const [tool, removed, added] of args) {
      if (tool === 'cc') {
        assert.deepEqual(removed, ['-DMODE=1']);
        assert.deepEqual(added, ['-DMODE=2', '-include', 'extra.h']);
      } else {
        assert.deepEqual(removed, ['MODE=1']);
        assert.deepEqual([...added].sort(), ['MODE=2', '-include', 'extra.h'].sort());
      }
    }
    const cc = r.arguments.filter((x) => x.a.argv[0] === 'cc').map((x) => x.b.argv.join(' ')).sort();
    assert.deepEqual(cc, COMPILES.map((s) => `cc -DMODE=2 -include extra.h -c -o ${s}.o ${s}.c`).sort());

    assert.deepEqual(
      r.environment.map((e) => [e.name, e.a, e.b]),
      [['CFLAGS', '-DMODE=1', '-DMODE=2 -include extra.h']],
    );
    // where it first differs: make's environment (its recipes inherit it)
    assert.deepEqual(r.environment[0].tools, ['make']);
    assert.deepEqual(r.inputs_only_in_b, [{ path: 'extra.h', tools: ['cc1'] }]);

    assert.match(text, /^bt diff: the builds differ; A = make -j2 in \S+ \(\d+\.\d+ s, exit 0\); B = make -j2 in \S+/);
    assert.ok(text.includes('  cc [--DMODE=1-] {+-DMODE=2+} {+-include+} {+extra.h+} -c -o main.o main.c'), text);
    assert.ok(text.includes("  CFLAGS: -DMODE=1 -> '-DMODE=2 -include extra.h'  (make)"), text);
    assert.ok(text.includes('inputs read only in B (1)\n  extra.h  (cc1)'), text);
    assert.ok(text.indexOf('arguments changed') < text.indexOf('environment changed'), 'most important first');
    assert.ok(text.indexOf('environment changed') < text.indexOf('inputs read only in B'));

    // --ignore-env and --mask silence what they name
    const quiet = await diff(a, b, ['--ignore-env', 'CFLAGS', '--mask', 'MODE=[12]', '--mask', '-include|extra\\.h']);
    assert.deepEqual(quiet.r.environment, []);
    assert.deepEqual(quiet.r.arguments.map((x) => x.added.filter((w) => w !== '*')), Array(6).fill([]), 'masked words are equal');
  },
  120_000,
);

ebpfTest(
  'diff: a header found in another directory, a failed command, and the same build twice',
  async () => {
    const moveHeader = (inc: string) => (dir: string) => {
      fs.mkdirSync(path.join(dir, inc));
      fs.renameSync(path.join(dir, 'util.h'), path.join(dir, inc, 'util.h'));
      fs.writeFileSync(path.join(dir, 'Makefile'), fs.readFileSync(path.join(dir, 'Makefile'), 'utf8').replace(/ util\.h/g, ''));
    };
    const a = await build('-Iinc1', moveHeader('inc1'));
    const b = await build('-Iinc2', moveHeader('inc2'));
    const { r } = await diff(a, b);
    assertOnly(r, ['arguments', 'environment', 'resolved_elsewhere']);
    assert.deepEqual(r.resolved_elsewhere, [{ name: 'util.h', a: ['inc1/util.h'], b: ['inc2/util.h'], tools: ['cc1'] }]);
    assert.deepEqual(
      r.arguments.map((x) => [path.basename(x.a.argv[0]), x.removed, x.added]).sort(),
      [
        ...Array(3).fill(['cc', ['-Iinc1'], ['-Iinc2']]),
        ...Array(3).fill(['cc1', ['inc1'], ['inc2']]),
        ...Array(3).fill(['as', ['inc1'], ['inc2']]),
      ].sort(),
      'cc1 and as get -I and the directory as two words',
    );

    const again = await build('-Iinc1', moveHeader('inc1'));
    const same = await diff(a, again);
    assert.equal(same.code, 0, `no differences: ${same.text}`);
    assertOnly(same.r, []);
    assert.match(same.text, /^bt diff: no differences; /);

    const broken = await build(
      '-Iinc1',
      (dir) => {
        moveHeader('inc1')(dir);
        fs.appendFileSync(path.join(dir, 'greet.c'), 'int broken(void) { return missing; }\n');
      },
      2,
    );
    const f = await diff(a, broken);
    assert.deepEqual(
      f.r.exit_status.map((x) => [path.basename(x.b.argv[0]), x.a_status, x.b_status]),
      [
        ['make', 'exit 0', 'exit 2'],
        ['cc', 'exit 0', 'exit 1'],
        ['cc1', 'exit 0', 'exit 1'],
      ],
    );
    assert.deepEqual(f.r.exit_status[1].b.argv, ['cc', '-Iinc1', '-c', '-o', 'greet.o', 'greet.c']);
    const onlyA = f.r.only_in_a.map((x) => [x.argv.join(' '), x.hidden] as const);
    assert.ok(onlyA.some(([c, n]) => c === 'cc -o hello main.o util.o greet.o' && n >= 2), JSON.stringify(onlyA));
    assert.ok(!onlyA.some(([c]) => String(c).startsWith('/usr/bin/ld') || String(c).includes('collect2')), 'the link\'s subprocesses are under it');
    assert.deepEqual(f.r.only_in_b, []);
    assert.deepEqual(f.r.outputs_only_in_a.map((e) => e.path).sort(), ['greet.o', 'hello']);
    assert.match(f.text, /exit status changed \(3\)\n  make -j2: exit 0 -> exit 2\n/);
  },
  120_000,
);

ebpfTest('diff: a source edited in place between two builds of one tree is an input changed, with both modification times', async () => {
  const dir = path.join(tmpdir('bt-diff-'), 'cproject');
  fs.mkdirSync(dir);
  for (const f of SOURCES) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(dir, f));
  await trace(['make', '-j2'], { cwd: dir }); // both traced builds below remake existing objects
  const a = await trace(['make', '-B', '-j2'], { cwd: dir });
  assert.equal(a.code, 0, a.stderr);
  const same = await diff(a.file, a.file);
  assert.deepEqual(same.r.inputs_changed, []);
  const util = path.join(dir, 'util.c');
  fs.appendFileSync(util, '/* edited */\n');
  fs.utimesSync(util, 1893553445.5, 1893553445.5); // 2030-01-02 03:04:05.5 UTC, exact in a double
  const b = await trace(['make', '-B', '-j2'], { cwd: dir });
  assert.equal(b.code, 0, b.stderr);
  const { code, r, text } = await diff(a.file, b.file);
  assert.equal(code, 1);
  assertOnly(r, ['inputs_changed']);
  assert.deepEqual(r.inputs_changed.map((x) => [x.path, x.b]), [['util.c', '1893553445.500000000']]);
  assert.ok(r.inputs_changed[0]!.tools.includes('make'), 'make compared its timestamp');
  assert.match(text, /\ninputs changed \(A -> B\) \(1\)\n {2}util\.c: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC -> 2030-01-02 03:04:05\.500000 UTC {2}\(/);
});

ebpfTest('diff: two checkouts in other directories name the source whose size differs, not every file copied at another time', async () => {
  const root = tmpdir('bt-diff-');
  const dirs = [path.join(root, 'ci'), path.join(root, 'laptop')];
  for (const dir of dirs) {
    fs.mkdirSync(dir);
    for (const f of SOURCES) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(dir, f));
  }
  const util = path.join(dirs[1]!, 'util.c');
  fs.appendFileSync(util, '/* edited */\n');
  // every file of one checkout has other times than the other's; greet.c's differ, its size does not
  fs.utimesSync(path.join(dirs[1]!, 'greet.c'), 1893553445.5, 1893553445.5);
  const a = await trace(['make', '-j2'], { cwd: dirs[0]! });
  const b = await trace(['make', '-j2'], { cwd: dirs[1]! });
  assert.equal(a.code + b.code, 0, a.stderr + b.stderr);
  const { r, text } = await diff(a.file, b.file);
  const size = fs.statSync(util).size;
  assert.deepEqual(
    r.inputs_changed.map((x) => [x.path, x.by, x.a_size, x.b_size]),
    [['util.c', 'size', size - '/* edited */\n'.length, size]],
  );
  assert.match(text, new RegExp(`\ninputs changed \\(A -> B\\) \\(1\\)\n {2}util\\.c: ${size - 13} -> ${size} bytes {2}\\(cc, cc1, make\\)`));
});

ebpfTest('diff: a no-op build (make only stats the sources) against the rebuild after a touch names the touched source', async () => {
  const dir = path.join(tmpdir('bt-diff-'), 'cproject');
  fs.mkdirSync(dir);
  for (const f of SOURCES) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(dir, f));
  await trace(['make', '-j2'], { cwd: dir });
  const a = await trace(['make', '-j2'], { cwd: dir });
  assert.equal(a.code, 0, a.stderr);
  const readByA = loadBuild(a.file).model.files.filter((f) => f.path.endsWith('.c') && f.kinds & Kind.READ);
  assert.deepEqual(readByA.map((f) => f.path), [], 'the no-op build read no source');
  fs.utimesSync(path.join(dir, 'greet.c'), 1893553445.5, 1893553445.5);
  const b = await trace(['make', '-j2'], { cwd: dir });
  assert.equal(b.code, 0, b.stderr);
  const { r, text } = await diff(a.file, b.file);
  assert.deepEqual(r.inputs_changed.map((x) => [x.path, x.b, x.tools]), [['greet.c', '1893553445.500000000', ['cc', 'cc1', 'make']]]);
  assert.match(text, /\ninputs changed \(A -> B\) \(1\)\n {2}greet\.c: .* -> 2030-01-02 03:04:05\.500000 UTC {2}\(cc, cc1, make\)\n/);
  assert.deepEqual(r.only_in_b.map((c) => c.argv.join(' ')), ['cc -c -o greet.o greet.c', 'cc -o hello main.o util.o greet.o']);
  // what the two commands of B only read (headers, crt files, the other objects) is one line each, after the input that changed
  const folded = r.inputs_only_in_b.filter((e) => e.only_command !== undefined).length;
  assert.equal(folded, r.inputs_only_in_b.length, 'every input only in B was read by a command only in B');
  const byCommand = r.only_in_b.map((c) => r.inputs_only_in_b.filter((e) => e.only_command === c.proc).length);
  assert.ok(r.inputs_only_in_b.some((e) => e.path === 'main.o' && e.only_command === r.only_in_b[1]!.proc), 'the link read main.o');
  assert.match(
    text,
    new RegExp(
      [
        '\ninputs changed \\(A -> B\\) \\(1\\)\n  greet\\.c: [^\n]*\n',
        `\ninputs read only in B \\(${folded}\\)`,
        `\n  \\+${byCommand[0]} files read by cc -c -o greet\\.o greet\\.c, which ran only in B`,
        `\n  \\+${byCommand[1]} files read by cc -o hello main\\.o util\\.o greet\\.o, which ran only in B\n\n`,
      ].join(''),
    ),
  );
});

ebpfTest('diff: the same build started from the directory above with env -C is one line, "started in another directory", and the same files', async () => {
  const root = tmpdir('bt-diff-');
  const dir = path.join(root, 'cproject');
  fs.mkdirSync(dir);
  for (const f of SOURCES) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(dir, f));
  const a = await trace(['make', '-j2'], { cwd: dir });
  assert.equal(a.code, 0, a.stderr);
  await execa('make', ['clean'], { cwd: dir });
  const b = await trace(['env', '-C', 'cproject', 'make', '-j2'], { cwd: root });
  assert.equal(b.code, 0, b.stderr);
  const { code, r, text } = await diff(a.file, b.file);
  assert.equal(code, 1);
  assertOnly(r, ['start_dir', 'inputs_only_in_b']);
  assert.deepEqual(r.start_dir, [{ a: dir, b: root, a_base: dir, b_base: dir }]);
  assert.deepEqual(r.inputs_only_in_b.map((e) => e.path.replace(/^\/bin\//, '/usr/bin/')), ['/usr/bin/env']);
  assert.equal(
    text.split('\n').slice(1, 7).join('\n'),
    ['', 'started in another directory (A -> B) (1)', `  ${dir} -> ${root}  (paths compared from ${dir} in both)`, '', 'inputs read only in B (1)', `  ${r.inputs_only_in_b[0]!.path}  (make)`].join('\n'),
  );
});

ebpfTest('diff: an intermediate the second build remade (it existed before it) is no input read only in B', async () => {
  const dir = path.join(tmpdir('bt-diff-'), 'chain');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'Makefile'), 'final.txt: out.txt\n\tcat out.txt > final.txt\nout.txt: in.txt\n\tcp in.txt out.txt\n');
  fs.writeFileSync(path.join(dir, 'in.txt'), 'in\n');
  const a = await trace(['make'], { cwd: dir });
  assert.equal(a.code, 0, a.stderr);
  const input = path.join(dir, 'in.txt');
  fs.utimesSync(input, 1893553445.5, 1893553445.5); // touched: make remakes out.txt over the old one, then final.txt
  const b = await trace(['make'], { cwd: dir });
  assert.equal(b.code, 0, b.stderr);
  const summary = await bt(['summary', '--json', b.file]);
  assert.deepEqual(JSON.parse(summary.stdout).intermediates, [path.join(dir, 'out.txt')], 'bt summary: out.txt is an intermediate of B');
  const { code, r, text } = await diff(a.file, b.file);
  assert.equal(code, 1);
  assertOnly(r, ['inputs_changed']);
  assert.deepEqual(r.inputs_changed.map((x) => [x.path, x.b, x.tools]), [['in.txt', '1893553445.500000000', ['cp', 'make']]]);
  assert.ok(!text.includes('inputs read only'), text);
});

ebpfTest(
  'diff: the same cargo build twice: rustc\'s temporary directory (rustcXXXXXX, in the linker\'s -L) is masked, no differences',
  async (t) => {
    if (!needTools(t, CARGO)) return;
    const dir = path.join(tmpdir('bt-diff-'), 'hello');
    fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n');
    fs.writeFileSync(path.join(dir, 'src', 'main.rs'), 'fn main() { println!("hello"); }\n');
    const { execa } = await import('execa');
    const lock = await execa(CARGO, ['generate-lockfile', '--offline'], { cwd: dir, reject: false }); // Cargo.lock first: both builds only read it
    assert.equal(lock.exitCode, 0, String(lock.stderr));
    const run = async () => {
      fs.rmSync(path.join(dir, 'target'), { recursive: true, force: true });
      // no incremental session directories (named by time: outputs of one build only)
      const r = await trace([CARGO, 'build', '--offline'], { cwd: dir, env: { CARGO_INCREMENTAL: '0', PATH: `${path.dirname(CARGO)}:${process.env.PATH ?? ''}` } });
      assert.equal(r.code, 0, r.stderr);
      return r.file;
    };
    const a = await run();
    const b = await run();
    const { code, r, text } = await diff(a, b);
    // the link really went through rustc's temporary directory: its -L is there, masked
    const link = loadBuild(a).model.processes.find((p) => p.argv.some((w) => /\/rustc[A-Za-z0-9]{6}\/raw-dylibs$/.test(w)));
    assert.ok(link, 'the linker got -L…/rustcXXXXXX/raw-dylibs');
    assertOnly(r, []);
    assert.equal(code, 0, text);
  },
  120_000,
);

/**
 * bt deps, bt rdeps and bt export makedeps on REAL traces (eBPF, as root)
 * of the two drivers that write files themselves: a cgo program built by
 * go (its link job runs the external ld, which writes a.out anew; go
 * renames it onto ./app) and a Cargo workspace (app, with a build script
 * that reads spec.txt, uses tinyhex, a path dependency; cargo hard-links
 * target/debug/app and writes every unit's fingerprint).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { CARGO, needTools, toolPath } from '../helpers/tools.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import { fileNodes, parseDot } from '../graph/dot-parse.js';

function write(dir: string, files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
}

const lines = (s: string) => s.trim().split('\n').filter(Boolean);

async function answer(args: string[], cwd: string): Promise<string[]> {
  const r = await bt(args, { cwd });
  assert.equal(r.code, 0, r.stderr);
  return lines(r.stdout);
}

ebpfTest('go build of a cgo program: rdeps of a source reaches ./app, as deps of ./app lists the source; makedeps has a rule for ./app', async (t) => {
  if (!needTools(t, 'go')) return;
  const go = toolPath('go')!;
  const base = tmpdir('bt-go-');
  const dir = path.join(base, 'gop');
  write(dir, {
    'go.mod': 'module example.com/gop\n\ngo 1.19\n',
    'cmd/app/main.go': 'package main\n\n// int twice(int x) { return 2 * x; }\nimport "C"\n\nimport "fmt"\n\nfunc main() { fmt.Println(C.twice(21)) }\n',
  });
  // a cache of its own (outside the tree): every package is built, as in a clean build
  const env = { GOCACHE: path.join(base, 'cache'), GOFLAGS: '-buildvcs=false', CGO_ENABLED: '1' };
  const r = await trace([go, 'build', '-o', 'app', './cmd/app'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  // one line for the Go build cache, which a script drops by its slash; go's work directory, gone when go ended, is
  // left out as its files are; --unfold lists each file, gone or not
  const made = await answer(['rdeps', 'cmd/app/main.go', r.file, '--outputs'], dir);
  assert.deepEqual(made, ['app', `${base}/cache/`]);
  assert.deepEqual(await answer(['deps', 'app', r.file, '--outputs'], dir), [], 'what go made on the way is all in its work directory, removed');
  const unfolded = await answer(['rdeps', 'cmd/app/main.go', r.file, '--outputs', '--unfold'], dir);
  assert.deepEqual(unfolded.filter((p) => p.endsWith('/')), []);
  const work = /^\/.+\/go-build\d+\//.exec(unfolded.find((p) => /\/go-build\d+\//.test(p)) ?? '')?.[0];
  assert.ok(work, unfolded.join('\n'));
  for (const f of [`${work}b001/_pkg_.a`, `${work}b001/exe/a.out`]) assert.ok(unfolded.includes(f), unfolded.join('\n'));
  assert.ok(unfolded.filter((p) => p.startsWith(`${base}/cache/`)).length > 1, unfolded.join('\n'));
  assert.ok((await answer(['deps', 'app', r.file, '--inputs'], dir)).includes('cmd/app/main.go'));
  const rule = await answer(['export', 'makedeps', r.file, '--output-of', 'app'], dir);
  assert.match(rule[0], new RegExp(`^${dir}/app: `));
  assert.ok(rule[0].split(' ').some((p) => /\/go-build\d+\/b001\/_pkg_\.a$/.test(p)), rule[0]);
}, 120_000);

ebpfTest('cargo workspace: a crate\'s source reaches its artifacts and fingerprints only; makedeps has a rule for target/debug/app', async (t) => {
  if (!needTools(t, CARGO)) return;
  const dir = path.join(tmpdir('bt-cargo-'), 'cw');
  write(dir, {
    'Cargo.toml': '[workspace]\nmembers = ["app"]\nresolver = "2"\n',
    'app/Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\ntinyhex = { path = "../vendor/tinyhex" }\n',
    'app/build.rs':
      'fn main() {\n  println!("cargo:rerun-if-changed=spec.txt");\n  let s = std::fs::read_to_string("spec.txt").unwrap();\n' +
      '  let out = std::env::var("OUT_DIR").unwrap();\n  std::fs::write(format!("{out}/gen.rs"), format!("pub const SPEC: &str = {:?};", s.trim())).unwrap();\n}\n',
    'app/spec.txt': 'hello\n',
    'app/src/main.rs': 'include!(concat!(env!("OUT_DIR"), "/gen.rs"));\nfn main() { println!("{} {}", SPEC, tinyhex::hex(255)); }\n',
    'vendor/tinyhex/Cargo.toml': '[package]\nname = "tinyhex"\nversion = "0.1.0"\nedition = "2021"\n',
    'vendor/tinyhex/src/lib.rs': 'pub fn hex(x: u32) -> String { format!("{x:x}") }\n',
  });
  const r = await trace([CARGO, 'build', '--offline'], { cwd: dir, env: { CARGO_INCREMENTAL: '0', PATH: `${path.dirname(CARGO)}:${process.env.PATH ?? ''}` } });
  assert.equal(r.code, 0, r.stderr);
  const fromSpec = await answer(['rdeps', 'app/spec.txt', r.file, '--outputs'], dir);
  assert.ok(fromSpec.includes('target/debug/app'), fromSpec.join('\n'));
  assert.ok(fromSpec.includes('target/debug/app.d'), fromSpec.join('\n'));
  assert.deepEqual(fromSpec.filter((p) => /tinyhex/.test(p)), []);
  // every one of app's: its build script's output, its rustc's, cargo's bookkeeping of its unit (its fingerprints, one line)
  const unit = fs.readdirSync(path.join(dir, 'target/debug/deps')).find((d) => /^app-[0-9a-f]{16}$/.test(d));
  // of the two build/app-*, the build script's run's (the other is its compile's)
  const run = fs.readdirSync(path.join(dir, 'target/debug/build')).find((d) => fs.existsSync(path.join(dir, 'target/debug/build', d, 'out/gen.rs')));
  assert.deepEqual(fromSpec, [
    'target/debug/.fingerprint/',
    'target/debug/app',
    'target/debug/app.d',
    `target/debug/build/${run}/out/gen.rs`,
    `target/debug/deps/${unit}`,
    `target/debug/deps/${unit}.d`,
  ]);
  const unfolded = await answer(['rdeps', 'app/spec.txt', r.file, '--outputs', '--unfold'], dir);
  assert.deepEqual(unfolded.filter((p) => !fromSpec.includes(p)).map((p) => p.replace(/[0-9a-f]{16}/, 'H')), [
    'target/debug/.fingerprint/app-H/bin-app',
    'target/debug/.fingerprint/app-H/bin-app.json',
    'target/debug/.fingerprint/app-H/dep-bin-app',
  ]);
  // tinyhex's fingerprint dep-info: of tinyhex's rustc's files, not of app's build script
  const fp = fs.readdirSync(path.join(dir, 'target/debug/.fingerprint')).find((d) => d.startsWith('tinyhex-'))!;
  const fpInputs = (await answer(['deps', `target/debug/.fingerprint/${fp}/dep-lib-tinyhex`, r.file, '--inputs'], dir)).filter((p) => !p.startsWith('/'));
  assert.deepEqual(fpInputs, ['vendor/tinyhex/src/lib.rs']);
  // bt graph: Cargo's directories and rustc's scratch directories are a node each, as the fingerprints are; --unfold draws each
  const graph = async (...opts: string[]) => {
    const g = await bt(['graph', r.file, ...opts], { cwd: dir });
    assert.equal(g.code, 0, g.stderr);
    return parseDot(g.stdout);
  };
  const g = await graph();
  const label = (id: string) => g.nodes.get(id)!.label!;
  // a group's tooltip names it in full (labels shorten long paths): `Cargo's directories /tmp/…/cw/target/**/: 9 directories …`
  const groups = fileNodes(g).filter((id) => label(id).includes('\n')).map((id) => /^(.+?) (\/\S+): /.exec(g.nodes.get(id)!.tooltip!)!);
  assert.deepEqual(groups.map(([, what, name]) => `${name!.replace(`${dir}/`, '').replace(/[0-9a-f]{16}/g, 'H')} ${what}`).sort(), [
    "target/**/ Cargo's directories",
    "target/debug/.fingerprint/ Cargo's fingerprints",
    "target/debug/build/app-H/build_script_build-H.*.rcgu.o rustc's codegen units",
    "target/debug/build/app-H/{.tmp,rmeta,rustc}*/ rustc's scratch directories",
    "target/debug/deps/app-H.*.rcgu.o rustc's codegen units",
    "target/debug/deps/{.tmp,rmeta,rustc}*/ rustc's scratch directories",
  ]);
  // no other directory is drawn, nor anything in rustc's temporary directories; but cargo's home, where the first cargo run on a machine makes its caches (.global-cache, .package-cache)
  const cargoHome = process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo');
  assert.deepEqual(fileNodes(g).filter((id) => g.nodes.get(id)!.shape === 'folder' && !label(id).includes('\n') && label(id) !== cargoHome).map(label), []);
  assert.deepEqual(fileNodes(g).map(label).filter((l) => /\/(rmeta|rustc)[A-Za-z0-9]{6}(\/|$)/.test(l)), []);
  // the title counts what the nodes stand for: every file with --unfold, each its own node
  const shown = /, (\d+) file nodes for (\d+) files shown$/.exec(g.graph.label!);
  assert.ok(shown, g.graph.label);
  assert.equal(fileNodes(g).length, Number(shown[1]));
  const all = await graph('--unfold');
  assert.match(all.graph.label!, new RegExp(`, ${shown[2]} files shown$`));
  assert.equal(fileNodes(all).length, Number(shown[2]));
  const members = fileNodes(g).reduce((n, id) => n + Number(/ ×(\d+)\n/.exec(label(id))?.[1] ?? 0), 0);
  assert.ok(Number(shown[2]) - Number(shown[1]) >= members - groups.length, `${shown[0]}; groups of ${members}`);
  const rule = await answer(['export', 'makedeps', r.file, '--output-of', 'target/debug/app'], dir);
  const inputs = rule[0].split(' ').slice(1);
  assert.match(rule[0], new RegExp(`^${dir}/target/debug/app: `));
  for (const p of ['app/src/main.rs', 'vendor/tinyhex/src/lib.rs']) assert.equal(inputs.includes(`${dir}/${p}`), p === 'app/src/main.rs', rule[0]);
  assert.ok(inputs.some((p) => /\/target\/debug\/deps\/libtinyhex-[0-9a-f]{16}\.rlib$/.test(p)), rule[0]);
}, 180_000);

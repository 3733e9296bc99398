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
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/** A program on PATH or in rustup's default place. */
function tool(name: string): string | undefined {
  for (const d of [...(process.env.PATH ?? '').split(':'), path.join(process.env.HOME ?? '/root', '.cargo', 'bin')]) {
    if (d && fs.existsSync(path.join(d, name))) return path.join(d, name);
  }
  return undefined;
}

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
  const go = tool('go');
  if (!go) {
    if (process.env.CI) throw new Error('go is required in CI');
    t.skip('go is not installed');
    return;
  }
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
  const made = (await answer(['rdeps', 'cmd/app/main.go', r.file, '--outputs'], dir)).filter((p) => !p.startsWith('/'));
  assert.deepEqual(made, ['app']);
  assert.ok((await answer(['deps', 'app', r.file, '--inputs'], dir)).includes('cmd/app/main.go'));
  const rule = await answer(['export', 'makedeps', r.file, '--output-of', 'app'], dir);
  assert.match(rule[0], new RegExp(`^${dir}/app: `));
  assert.ok(rule[0].split(' ').some((p) => /\/go-build\d+\/b001\/_pkg_\.a$/.test(p)), rule[0]);
}, 120_000);

ebpfTest('cargo workspace: a crate\'s source reaches its artifacts and fingerprints only; makedeps has a rule for target/debug/app', async (t) => {
  const cargo = tool('cargo');
  if (!cargo) {
    if (process.env.CI) throw new Error('cargo is required in CI (scripts/setup.sh installs it)');
    t.skip('cargo is not installed');
    return;
  }
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
  const r = await trace([cargo, 'build', '--offline'], { cwd: dir, env: { CARGO_INCREMENTAL: '0', PATH: `${path.dirname(cargo)}:${process.env.PATH ?? ''}` } });
  assert.equal(r.code, 0, r.stderr);
  const fromSpec = await answer(['rdeps', 'app/spec.txt', r.file, '--outputs'], dir);
  assert.ok(fromSpec.includes('target/debug/app'), fromSpec.join('\n'));
  assert.ok(fromSpec.includes('target/debug/app.d'), fromSpec.join('\n'));
  assert.deepEqual(fromSpec.filter((p) => /tinyhex/.test(p)), []);
  // every one of app's: its build script's output, its rustc's, cargo's bookkeeping of its unit
  assert.deepEqual(fromSpec.filter((p) => !/^target\/debug\/(app(\.d)?|build\/app-[0-9a-f]{16}\/out\/gen\.rs|deps\/app-[0-9a-f]{16}(\.d)?|\.fingerprint\/app-[0-9a-f]{16}\/.*)$/.test(p)), []);
  // tinyhex's fingerprint dep-info: of tinyhex's rustc's files, not of app's build script
  const fp = fs.readdirSync(path.join(dir, 'target/debug/.fingerprint')).find((d) => d.startsWith('tinyhex-'))!;
  const fpInputs = (await answer(['deps', `target/debug/.fingerprint/${fp}/dep-lib-tinyhex`, r.file, '--inputs'], dir)).filter((p) => !p.startsWith('/'));
  assert.deepEqual(fpInputs, ['vendor/tinyhex/src/lib.rs']);
  const rule = await answer(['export', 'makedeps', r.file, '--output-of', 'target/debug/app'], dir);
  const inputs = rule[0].split(' ').slice(1);
  assert.match(rule[0], new RegExp(`^${dir}/target/debug/app: `));
  for (const p of ['app/src/main.rs', 'vendor/tinyhex/src/lib.rs']) assert.equal(inputs.includes(`${dir}/${p}`), p === 'app/src/main.rs', rule[0]);
  assert.ok(inputs.some((p) => /\/target\/debug\/deps\/libtinyhex-[0-9a-f]{16}\.rlib$/.test(p)), rule[0]);
}, 180_000);

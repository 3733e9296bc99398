/**
 * bt check on a real trace (eBPF, as root) of a small Cargo workspace
 * (--offline, no crates.io): a build script reading a file its
 * rerun-if-changed lines do not cover, one printing no rerun-if-changed
 * reading a file outside its package, and the default build's own use of
 * ~/.cargo, ~/.rustup and the parent directories, which is no finding; and
 * a proc macro reading a file with std::fs, which rustc's dep-info misses.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { CARGO, needTools } from '../helpers/tools.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

const CARGO_BIN = path.dirname(CARGO);

const APP_BUILD_RS = `use std::{env, fs, path::Path};
fn main() {
    let mut s = fs::read_to_string("spec.txt").unwrap() + &fs::read_to_string("extra.txt").unwrap();
    s += &fs::read_to_string("data/a.txt").unwrap();
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("gen.rs"), format!("pub const S: &str = {:?};", s)).unwrap();
    println!("cargo::rerun-if-changed=spec.txt");
    println!("cargo::rerun-if-changed=data");
    println!("cargo::rerun-if-env-changed=APP_FLAVOR");
}
`;

const QUIET_BUILD_RS = `use std::{env, fs, path::Path};
fn main() {
    let s = fs::read_to_string("data.txt").unwrap() + &fs::read_to_string("../shared.txt").unwrap();
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("q.txt"), s).unwrap();
}
`;

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

const pkg = (name: string) => `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n`;

ebpfTest('check: a cargo build script\'s read that its rerun-if-changed lines miss is an undeclared input; cargo\'s own homes are no finding', async (t) => {
  if (!needTools(t, CARGO)) return;
  const dir = path.join(tmpdir('bt-cargo-'), 'ws');
  write(dir, {
    'Cargo.toml': '[workspace]\nmembers = ["app", "quiet"]\nresolver = "2"\n',
    'shared.txt': 'shared\n',
    'app/Cargo.toml': pkg('app'),
    'app/build.rs': APP_BUILD_RS,
    'app/src/main.rs': 'include!(concat!(env!("OUT_DIR"), "/gen.rs"));\nfn main() { println!("{}", S); }\n',
    'app/spec.txt': 'spec\n',
    'app/extra.txt': 'extra\n',
    'app/data/a.txt': 'a\n',
    'quiet/Cargo.toml': pkg('quiet'),
    'quiet/build.rs': QUIET_BUILD_RS,
    'quiet/src/lib.rs': 'pub fn f() {}\n',
    'quiet/data.txt': 'data\n',
  });
  const env = { PATH: `${CARGO_BIN}:${process.env.PATH}`, CARGO_INCREMENTAL: '0', CARGO_TERM_COLOR: 'never' };
  const tr = await trace(['cargo', 'build', '--offline', '-q'], { cwd: dir, env });
  assert.equal(tr.code, 0, tr.stderr);

  const r = await bt(['check', '--json', tr.file]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const json = JSON.parse(r.stdout) as { checked: string[]; findings: Array<{ kind: string; file: string; target: string; detail: string; fix: string; jobs: Array<{ argv: string[] }> }> };
  assert.deepEqual(json.checked, ['hermeticity', 'races', 'cargo']);
  const runDir = (p: string) => new RegExp(`^target/debug/build/${p}-[0-9a-f]+$`);
  const got = json.findings.map((f) => [f.kind, path.relative(dir, f.file), path.relative(dir, f.target), f.fix]).sort();
  assert.equal(got.length, 2, JSON.stringify(json.findings, null, 1));
  const [app, quiet] = got;
  // app: extra.txt is not declared; spec.txt is, and data/ covers data/a.txt; it printed cargo::, so the fix does
  assert.deepEqual([app[0], app[1], app[3]], ['undeclared-input', 'app/extra.txt', 'add println!("cargo::rerun-if-changed=extra.txt") to app/build.rs']);
  assert.match(app[2], runDir('app'));
  // quiet prints nothing: its package's files are covered, ../shared.txt is not
  assert.deepEqual([quiet[0], quiet[1], quiet[3]], ['undeclared-input', 'shared.txt', 'add println!("cargo:rerun-if-changed=../shared.txt") to quiet/build.rs']);
  assert.match(quiet[2], runDir('quiet'));
  const appFinding = json.findings.find((f) => f.file.endsWith('/extra.txt'))!;
  assert.match(appFinding.detail, /^the build script of app \(app\/build\.rs, job \d+\) read app\/extra\.txt, which its rerun-if-changed lines do not cover: changing app\/extra\.txt will not rerun it, and what it generated goes stale$/);
  assert.match(appFinding.jobs[0].argv[0], /\/target\/debug\/build\/app-[0-9a-f]+\/build-script-build$/);

  // cargo clean of one script's output: a note, and that script is not checked
  const quietDir = path.join(dir, quiet[2]);
  fs.rmSync(path.join(quietDir, 'output'));
  const gone = await bt(['check', tr.file]);
  assert.equal(gone.code, 1);
  assert.match(gone.stdout, /^bt check: 1 finding in cargo build --offline -q in \S+ \(exit status 0\): 1 undeclared-input \(checked: hermeticity, races, cargo\)$/m);
  assert.equal(
    gone.stderr,
    `bt: note: the build script of quiet left no ${quiet[2]}/output (cargo clean since the build?): what it declared is unknown, its inputs were not checked`,
  );
});

/** A proc macro reading the file its argument names (from the calling package) with std::fs, as askama and sqlx do. */
const TMPL_LIB_RS = `use proc_macro::TokenStream;
#[proc_macro]
pub fn template(input: TokenStream) -> TokenStream {
    let name = input.to_string();
    let file = format!("{}/{}", std::env::var("CARGO_MANIFEST_DIR").unwrap(), name.trim_matches('"'));
    format!("{:?}", std::fs::read_to_string(file).unwrap()).parse().unwrap()
}
`;

ebpfTest("check: a file a proc macro read that rustc's dep-info does not list is an undeclared input; include_str! of it lists it", async (t) => {
  if (!needTools(t, CARGO)) return;
  const dir = path.join(tmpdir('bt-cargo-'), 'ws');
  write(dir, {
    'Cargo.toml': '[workspace]\nmembers = ["tmpl", "app"]\nresolver = "2"\n',
    'tmpl/Cargo.toml': `${pkg('tmpl')}\n[lib]\nproc-macro = true\n`,
    'tmpl/src/lib.rs': TMPL_LIB_RS,
    'app/Cargo.toml': `${pkg('app')}\n[dependencies]\ntmpl = { path = "../tmpl" }\n`,
    'app/src/main.rs': 'fn main() { println!("{}", tmpl::template!("templates/greeting.txt")); }\n',
    'app/templates/greeting.txt': 'hello\n',
  });
  const env = { PATH: `${CARGO_BIN}:${process.env.PATH}`, CARGO_INCREMENTAL: '0', CARGO_TERM_COLOR: 'never' };
  const tr = await trace(['cargo', 'build', '--offline', '-q'], { cwd: dir, env });
  assert.equal(tr.code, 0, tr.stderr);
  const r = await bt(['check', '--json', tr.file]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const json = JSON.parse(r.stdout) as { checked: string[]; findings: Array<{ kind: string; file: string; target: string; detail: string; fix: string; jobs: Array<{ proc: number; argv: string[] }>; uses: Array<{ path: string; access: string[]; proc: number }> }> };
  assert.deepEqual(json.checked, ['hermeticity', 'races', 'cargo']);
  assert.equal(json.findings.length, 1, JSON.stringify(json.findings, null, 1));
  const [f] = json.findings;
  const greeting = path.join(dir, 'app/templates/greeting.txt');
  assert.equal(f.kind, 'undeclared-input');
  assert.equal(f.file, greeting);
  assert.match(path.relative(dir, f.target), /^target\/debug\/deps\/app-[0-9a-f]+\.d$/);
  const d = path.relative(dir, f.target);
  const job = f.jobs[0].proc;
  assert.equal(
    f.detail,
    `rustc compiling app (job ${job}) read app/templates/greeting.txt in a proc macro (tmpl), which its dep-info ${d} does not list: ` +
      'cargo rebuilds app when a file listed there changes, so changing app/templates/greeting.txt will not rebuild it',
  );
  assert.equal(f.fix, `make the proc macro (tmpl) emit \`const _: &[u8] = include_bytes!("${greeting}");\` with its expansion, so that rustc lists app/templates/greeting.txt`);
  // rustc itself read it (the proc macro runs inside it)
  assert.equal(path.basename(f.jobs[0].argv[0]), 'rustc');
  assert.deepEqual(f.uses.map((u) => [u.path, u.access, u.proc]), [[greeting, ['read'], job]]);

  // the dep-info gone (cargo clean): a note, not a finding
  const depInfo = path.join(dir, d);
  const kept = fs.readFileSync(depInfo);
  fs.rmSync(depInfo);
  const gone = await bt(['check', tr.file]);
  assert.equal(gone.code, 0, gone.stdout + gone.stderr);
  // (then the note that no two jobs overlapped: tmpl is built before app)
  assert.equal(gone.stderr.split('\n')[0], `bt: note: the dep-info of app (${d}) is gone (cargo clean since the build?): what rustc read there was not checked against it`);
  fs.writeFileSync(depInfo, kept);

  // include_str! of the same file: rustc lists it, nothing is found (an incremental build: only app is compiled again, reading tmpl's .so of the first)
  fs.writeFileSync(
    path.join(dir, 'app/src/main.rs'),
    'const _T: &str = include_str!("../templates/greeting.txt");\nfn main() { println!("{}", tmpl::template!("templates/greeting.txt")); }\n',
  );
  const again = await trace(['cargo', 'build', '--offline', '-q'], { cwd: dir, env });
  assert.equal(again.code, 0, again.stderr);
  const clean = await bt(['check', again.file]);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /^bt check: nothing found in cargo build --offline -q in \S+ \(exit status 0\) \(checked: hermeticity, races, cargo\)$/m);
});

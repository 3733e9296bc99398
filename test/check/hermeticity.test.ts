/**
 * bt check's hermeticity findings on synthetic builds: how uses outside
 * the allowed roots are grouped by directory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hermeticity } from '../../src/check/hermeticity.js';
import { compileGlobs, Noise } from '../../src/check/noise.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { ENOENT, TraceBuilder } from '../normalize/synth.js';

const EINVAL = 22;

/** cargo (process 2 of make) making the lookups (op, absolute path, errno) and reading the files; its findings. */
function hermeticityOf(lookups: Array<[string, string, number]>, reads: string[] = [], links: Array<[string, string]> = []) {
  const t = new TraceBuilder(1, '/src/rc');
  t.exec(1, '/usr/bin/make', ['make'], '/src/rc');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cargo', ['cargo', 'build'], '/src/rc');
  for (const [op, path, errno] of lookups) t.push(2, { lookup: { op, path, dirfd: -100, flags: 0, mode: 0, errno, ftype: 0 } });
  for (const r of reads) t.open(2, r, { fd: 3 });
  for (const [from, to] of links) t.pathOp2(2, 'link', from, to);
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  return hermeticity(build, new Noise(build));
}

/** The findings of hermeticityOf as [directory, uses]. */
function findings(lookups: Array<[string, string, number]>, reads: string[] = [], links: Array<[string, string]> = []): Array<[string, string[]]> {
  return hermeticityOf(lookups, reads, links).map((f) => [f.file, f.uses.map((u) => `${u.path} ${u.access.join('+')}`)]);
}

test('hermeticity: a search (the same names looked for and missing in several directories by one process) is one finding; a directory with a find, or a name looked for once, keeps its own', () => {
  const got = hermeticityOf([
    // cmake's find_program(doxygen), find_program(dot)
    ['newfstatat', '/opt/bin/doxygen', ENOENT],
    ['newfstatat', '/opt/sbin/doxygen', ENOENT],
    ['newfstatat', '/Applications/Doxygen.app/Contents/MacOS/doxygen', ENOENT],
    ['newfstatat', '/opt/bin/dot', ENOENT],
    ['newfstatat', '/ATT/Graphviz/bin/dot', ENOENT],
    // found: its own finding
    ['newfstatat', '/srv/tools/dot', 0],
    // one name, one directory: its own finding
    ['newfstatat', '/var/cache/one.cfg', ENOENT],
  ]);
  assert.deepEqual(
    got.map((f) => [f.file, f.detail, f.fix, f.uses.length]),
    [
      [
        '/opt/bin',
        '5 files looked for and missing outside the allowed roots, by 1 process: a search for doxygen, dot in 4 directories',
        "if the build may find them there: --allow '/opt/bin/**' --allow '/opt/sbin/**' --allow '/Applications/Doxygen.app/Contents/MacOS/**' --allow '/ATT/Graphviz/bin/**'",
        5,
      ],
      ['/srv/tools', '1 file looked at outside the allowed roots, by 1 process', "if the build may use it: --allow '/srv/tools/**'", 1],
      ['/var/cache', '1 file looked for and missing outside the allowed roots, by 1 process', "if the build may use it: --allow '/var/cache/**'", 1],
    ],
  );
});

test('hermeticity: what is inside a directory of / the build found missing joins /; an existing one keeps its own finding', () => {
  // cargo looks for its configuration in every parent of the start directory, up to /
  const got = findings([
    ['newfstatat', '/rust-toolchain', ENOENT],
    ['newfstatat', '/.cargo', ENOENT],
    ['newfstatat', '/.cargo/config', ENOENT],
    ['newfstatat', '/.cargo/config.toml', ENOENT],
    ['newfstatat', '/var/cache/tool', ENOENT],
    ['newfstatat', '/var/cache/tool/x.cfg', ENOENT],
    // openssl-probe's certificate stores: network setup, noise
    ['newfstatat', '/var/ssl', ENOENT],
    ['newfstatat', '/var/ssl/cert.pem', ENOENT],
  ]);
  assert.deepEqual(got, [
    ['/', ['/rust-toolchain probe', '/.cargo probe', '/.cargo/config probe', '/.cargo/config.toml probe']],
    ['/var/cache', ['/var/cache/tool probe', '/var/cache/tool/x.cfg probe']],
  ]);
});

test('hermeticity: a lookup of a directory above files the build used (realpath\'s readlink of /root) is path walking, not a finding', () => {
  const got = findings([['readlink', '/root', EINVAL], ['newfstatat', '/opt/tool.cfg', 0]], ['/root/.cache/ccache/a/b.o']);
  assert.deepEqual(got, [
    ['/opt', ['/opt/tool.cfg stat']],
    ['/root/.cache/ccache/a', ['/root/.cache/ccache/a/b.o read']],
  ]);
});

test('hermeticity: a file hard-linked from outside the allowed roots (a package store) is an outside dependency', () => {
  const got = findings([], [], [['/srv/store/pkg-1.0.tgz', '/src/rc/vendor/pkg-1.0.tgz']]);
  assert.deepEqual(got, [['/srv/store', ['/srv/store/pkg-1.0.tgz link_from']]]);
});

test('hermeticity: what a program from a reported directory looked at elsewhere joins that directory (pyenv\'s python)', () => {
  const t = new TraceBuilder(1, '/src/py');
  t.exec(1, '/usr/bin/make', ['make'], '/src/py');
  t.fork(1, 2);
  t.exec(2, '/root/.pyenv/versions/3.11.4/bin/python3.11', ['python3', 'gen.py'], '/src/py');
  t.open(2, '/root/.pyenv/versions/3.11.4/lib/python3.11/os.py', { fd: 3 });
  t.push(2, { lookup: { op: 'newfstatat', path: '/.python-version', dirfd: -100, flags: 0, mode: 0, errno: ENOENT, ftype: 0 } });
  t.push(2, { lookup: { op: 'newfstatat', path: '/root/.local/lib/python3.11/site-packages', dirfd: -100, flags: 0, mode: 0, errno: ENOENT, ftype: 0 } });
  t.exit(2, 0);
  // a system tool's own lookup outside stays a finding of its own
  t.fork(1, 3);
  t.exec(3, '/usr/bin/git', ['git', 'describe'], '/src/py');
  t.push(3, { lookup: { op: 'newfstatat', path: '/srv/git/config', dirfd: -100, flags: 0, mode: 0, errno: ENOENT, ftype: 0 } });
  t.exit(3, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const got = hermeticity(build, new Noise(build)).map((f) => [f.file, `${f.detail}; ${f.fix}`, f.uses.map((u) => u.path)]);
  assert.deepEqual(got.sort(), [
    [
      '/root/.pyenv/versions/3.11.4',
      "2 files read, 2 looked for and missing outside the allowed roots, by 1 job; if the build may use them: --allow '/root/.pyenv/versions/3.11.4/**' --allow /.python-version --allow /root/.local/lib/python3.11/site-packages",
      [
        '/root/.pyenv/versions/3.11.4/bin/python3.11',
        '/root/.pyenv/versions/3.11.4/lib/python3.11/os.py',
        '/.python-version',
        '/root/.local/lib/python3.11/site-packages',
      ],
    ],
    ['/srv/git', "1 file looked for and missing outside the allowed roots, by 1 job; if the build may use it: --allow '/srv/git/**'", ['/srv/git/config']],
  ]);
});

test("hermeticity: a python from ~/.pyenv is one finding with its start-up's probes (python311.zip, the user site-packages); what its script looks at in HOME is the script's, each file named", () => {
  const env = ['PATH=/root/.pyenv/shims:/usr/bin:/bin', 'HOME=/root'];
  const py = '/root/.pyenv/versions/3.11.7/bin/python3';
  const look = (t: TraceBuilder, pid: number, path: string, errno = ENOENT) =>
    t.push(pid, { lookup: { op: 'newfstatat', path, dirfd: -100, flags: 0, mode: 0, errno, ftype: 0 } });
  /** python's start-up, before it runs anything: its stdlib, the zip landmark up from bin/, the user site-packages */
  const startUp = (t: TraceBuilder, pid: number) => {
    look(t, pid, '/root/.pyenv/versions/3.11.7/lib/python311.zip');
    look(t, pid, '/root/lib/python311.zip');
    t.open(pid, '/root/.pyenv/versions/3.11.7/lib/python3.11/os.py', { fd: 3 });
    look(t, pid, '/root/.local/lib/python3.11/site-packages');
  };
  const t = new TraceBuilder(1, '/src/addon');
  t.exec(1, '/usr/bin/node', ['node', '/usr/lib/node_modules/tool/bin/tool.js'], '/src/addon', { env });
  // python3 -c CODE: all it does is its start-up
  t.fork(1, 2);
  t.exec(2, py, ['python3', '-c', 'import sys; print(sys.executable)'], '/src/addon', { env });
  startUp(t, 2);
  t.exit(2, 0);
  // python3 SCRIPT from elsewhere (gyp_main.py): the script looks for ~/.toolrc and reads ~/.tool/config
  t.fork(1, 3);
  t.exec(3, py, ['python3', '/usr/lib/node_modules/tool/gen.py', 'in.txt'], '/src/addon', { env });
  startUp(t, 3);
  t.open(3, '/usr/lib/node_modules/tool/gen.py', { fd: 3 });
  look(t, 3, '/root/.toolrc');
  t.open(3, '/root/.tool/config', { fd: 4 });
  t.open(3, '/root/.pyenv/versions/3.11.7/lib/python3.11/json/__init__.py', { fd: 5 });
  t.open(3, 'in.txt', { fd: 6 });
  t.exit(3, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const got = hermeticity(build, new Noise(build)).map((f) => [f.file, `${f.detail}; ${f.fix}`, f.uses.map((u) => `${u.path} ${u.access.join('+')} ${u.proc}`)]);
  assert.deepEqual(got.sort(), [
    ['/root', '1 file looked for and missing outside the allowed roots, by 1 job; if the build may use it: --allow /root/.toolrc', ['/root/.toolrc probe 3']],
    [
      '/root/.pyenv/versions/3.11.7',
      "3 files read, 3 looked for and missing outside the allowed roots, by 2 jobs; if the build may use them: --allow '/root/.pyenv/versions/3.11.7/**' --allow /root/.local/lib/python3.11/site-packages --allow /root/lib/python311.zip",
      [
        `${py} exec 2`,
        '/root/.pyenv/versions/3.11.7/lib/python311.zip probe 2',
        '/root/lib/python311.zip probe 2',
        '/root/.pyenv/versions/3.11.7/lib/python3.11/os.py read 2',
        '/root/.local/lib/python3.11/site-packages probe 2',
        `${py} exec 3`,
        '/root/.pyenv/versions/3.11.7/lib/python311.zip probe 3',
        '/root/lib/python311.zip probe 3',
        '/root/.pyenv/versions/3.11.7/lib/python3.11/os.py read 3',
        '/root/.local/lib/python3.11/site-packages probe 3',
        '/root/.pyenv/versions/3.11.7/lib/python3.11/json/__init__.py read 3',
      ],
    ],
    ['/root/.tool', "1 file read outside the allowed roots, by 1 job; if the build may use it: --allow '/root/.tool/**'", ['/root/.tool/config read 3']],
  ]);
});

test('hermeticity --strict: the system is one finding per top directory; a program from /usr takes nothing of /etc, /lib or elsewhere into /usr', () => {
  const t = new TraceBuilder(1, '/src/c');
  t.exec(1, '/usr/bin/make', ['make'], '/src/c');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/cc', ['cc', '-c', 'a.c'], '/src/c');
  t.push(2, { lookup: { op: 'newfstatat', path: '/etc/alternatives/cc', dirfd: -100, flags: 0, mode: 0, errno: 0, ftype: 0o10 } });
  t.push(2, { lookup: { op: 'newfstatat', path: '/lib/x86_64-linux-gnu/12', dirfd: -100, flags: 0, mode: 0, errno: ENOENT, ftype: 0 } });
  t.open(2, 'a.c', { fd: 3 });
  t.open(2, '/usr/include/stdio.h', { fd: 4 });
  t.open(2, '/srv/include/extra.h', { fd: 6 });
  t.exit(2, 0);
  // an installation outside the system: its python's use of /usr/lib is the system's, not part of ~/.pyenv
  t.fork(1, 3);
  t.exec(3, '/root/.pyenv/versions/3.11.4/bin/python3.11', ['python3', 'gen.py'], '/src/c');
  t.open(3, '/root/.pyenv/versions/3.11.4/lib/python3.11/os.py', { fd: 3 });
  t.open(3, '/usr/lib/python3.11/os.py', { fd: 4 });
  t.exit(3, 0);
  // dpkg's database of what is installed is the system's; the rest of /var/lib is not
  t.fork(1, 4);
  t.exec(4, '/usr/bin/perl', ['perl', '/usr/bin/dpkg-shlibdeps', 'debian/hello/usr/bin/hello'], '/src/c');
  t.open(4, '/var/lib/dpkg/status', { fd: 3 });
  t.open(4, '/var/lib/dpkg/info/libc6:amd64.shlibs', { fd: 4 });
  t.open(4, '/var/lib/misc/tool.db', { fd: 5 });
  t.exit(4, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const got = hermeticity(build, new Noise(build), { strict: true }).map((f) => [f.file, f.uses.map((u) => `${u.path} ${u.access.join('+')}`)]);
  assert.deepEqual(got.sort(), [
    ['/etc', ['/etc/alternatives/cc stat']],
    ['/lib', ['/lib/x86_64-linux-gnu/12 probe']],
    [
      '/root/.pyenv/versions/3.11.4',
      ['/root/.pyenv/versions/3.11.4/bin/python3.11 exec', '/root/.pyenv/versions/3.11.4/lib/python3.11/os.py read'],
    ],
    ['/srv/include', ['/srv/include/extra.h read']],
    [
      '/usr',
      ['/usr/bin/make exec', '/usr/bin/cc exec', '/usr/include/stdio.h read', '/usr/lib/python3.11/os.py read', '/usr/bin/perl exec'],
    ],
    ['/var/lib/dpkg', ['/var/lib/dpkg/status read', '/var/lib/dpkg/info/libc6:amd64.shlibs read']],
    ['/var/lib/misc', ['/var/lib/misc/tool.db read']],
  ]);
  // without --strict the system roots are allowed: the same build has three findings
  assert.deepEqual(hermeticity(build, new Noise(build)).map((f) => f.file).sort(), ['/root/.pyenv/versions/3.11.4', '/srv/include', '/var/lib/misc']);
});

/** A go build in /home/u/proj (go build as a driver, a compile as its job): each lookup [op, path, errno] and read by go itself; its findings. */
function goBuild(lookups: Array<[string, string, number]>, reads: string[], opts: { strict?: boolean; allow?: string[]; env?: string[] } = {}) {
  const t = new TraceBuilder(1, '/home/u/proj');
  const env = opts.env ?? ['PATH=/usr/bin:/bin', 'HOME=/home/u'];
  t.exec(1, '/usr/lib/go-1.19/bin/go', ['go', 'build', '-o', 'app', '.'], '/home/u/proj', { env });
  t.open(1, '/usr/lib/go-1.19/pkg/tool/linux_amd64/compile', { fd: 3 });
  for (const [op, path, errno] of lookups) t.push(1, { lookup: { op, path, dirfd: -100, flags: 0, mode: 0, errno, ftype: 0 } });
  for (const r of reads) t.open(1, r, { fd: 4 });
  t.fork(1, 2);
  t.exec(2, '/usr/lib/go-1.19/pkg/tool/linux_amd64/compile', ['compile', '-o', 'x.a'], '/home/u/proj', { env });
  t.open(2, '/home/u/.cache/go-build/ab/abcd-d', { fd: 3 });
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  return hermeticity(build, new Noise(build), { strict: opts.strict, allow: compileGlobs(opts.allow, '/home/u/proj', '--allow') });
}

const GO_OWN: Array<[string, string, number]> = [
  ['newfstatat', '/home/u/.config/go/env', ENOENT],
  ['newfstatat', '/home/u/go/go.mod', ENOENT],
  ['newfstatat', '/home/u/.cache/go-build/README', 0],
  // VCS stamping and go.work: the same names in every parent, up to /
  ...['/home/u/proj', '/home/u', '/home', ''].flatMap((d): Array<[string, string, number]> => [
    ['newfstatat', `${d}/go.work`, ENOENT],
    ['newfstatat', `${d}/.git`, ENOENT],
    ['newfstatat', `${d}/.hg`, ENOENT],
  ]),
];

test('hermeticity: a default go build has no finding: GOENV, GOPATH/go.mod, GOCACHE are the toolchain\'s and the VCS walk up to / is noise', () => {
  assert.deepEqual(goBuild(GO_OWN, ['/home/u/.cache/go-build/trim.txt']), []);
  // where the environment says they are
  const moved = goBuild(
    [['newfstatat', '/srv/gocache/README', 0], ['newfstatat', '/home/u/.cache/go-build/README', 0]],
    [],
    { env: ['HOME=/home/u', 'GOCACHE=/srv/gocache'] },
  );
  assert.deepEqual(
    moved.map((f) => [f.file, f.uses.map((u) => u.path)]),
    [['/home/u/.cache/go-build', ['/home/u/.cache/go-build/README', '/home/u/.cache/go-build/ab/abcd-d']]],
  );
});

test('hermeticity: a name found on the way up, or looked for above with no walk to it, is no discovery walk', () => {
  const got = goBuild(
    [
      ['newfstatat', '/home/u/proj/.git', ENOENT],
      ['newfstatat', '/home/u/.git', 0], // a repository above the project: its state is stamped in
      ['newfstatat', '/home/include/x.h', ENOENT], // -I../../include: a lookup, no walk
    ],
    [],
  );
  assert.deepEqual(
    got.map((f) => [f.file, f.uses.map((u) => `${u.path} ${u.access.join('+')}`)]),
    [
      ['/home/u', ['/home/u/.git stat']],
      ['/home/include', ['/home/include/x.h probe']],
    ],
  );
});

test('hermeticity --strict: the toolchain\'s homes are reported, by process (go is a driver), each file counted by how it was used', () => {
  const got = goBuild(GO_OWN, ['/home/u/.cache/go-build/trim.txt'], { strict: true }).filter((f) => f.file.startsWith('/home/u/.'));
  assert.deepEqual(
    got.map((f) => [f.file, f.detail, f.fix]),
    [
      ['/home/u/.config/go', '1 file looked for and missing outside the allowed roots, by 1 process', "if the build may use it: --allow '/home/u/.config/go/**'"],
      [
        '/home/u/.cache/go-build',
        '2 files read, 1 looked at outside the allowed roots, by 1 job and 1 process',
        "if the build may use them: --allow '/home/u/.cache/go-build/**'",
      ],
    ],
  );
});

test('hermeticity: the fix of a finding of / names each file, a missing directory and what was under it as DIR/**; pasted, it allows them all', () => {
  const lookups: Array<[string, string, number]> = [
    ['newfstatat', '/.cargo', ENOENT],
    ['newfstatat', '/.cargo/config.toml', ENOENT],
    ['newfstatat', '/rust-toolchain', ENOENT],
    ['newfstatat', '/weird[1]', ENOENT],
  ];
  const [root] = findings(lookups);
  assert.equal(root[0], '/');
  const t = new TraceBuilder(1, '/src/rc');
  t.exec(1, '/usr/bin/cargo', ['cargo', 'build'], '/src/rc');
  for (const [op, path, errno] of lookups) t.push(1, { lookup: { op, path, dirfd: -100, flags: 0, mode: 0, errno, ftype: 0 } });
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const [f] = hermeticity(build, new Noise(build));
  assert.equal(f.fix, "if the build may use them: --allow '/.cargo/**' --allow /rust-toolchain --allow '/weird\\[1\\]'");
  // the options as the shell passes them: nothing is left
  const allow = ['/.cargo/**', '/rust-toolchain', '/weird\\[1\\]'];
  assert.deepEqual(hermeticity(build, new Noise(build), { allow: compileGlobs(allow, '/src/rc', '--allow') }), []);
});

test('--allow X/** also allows X itself (a lookup of the directory); relative to the start directory as the glob is', () => {
  const [m] = compileGlobs(['/.cargo/**'], '/', '--allow');
  assert.ok(m.test('/.cargo') && m.test('/.cargo/config.toml'));
  assert.ok(!m.test('/.cargo2'));
  const [rel] = compileGlobs(['vendor/**'], '/src/rc', '--allow');
  assert.ok(rel.test('/src/rc/vendor') && rel.test('/src/rc/vendor/a/b'));
  const [name] = compileGlobs(['*/**'], '/src/rc', '--allow');
  assert.ok(name.test('/src/rc/x') && !name.test('/x') && !name.test('/usr/x'), 'relative to the start directory, not every name');
});

test("hermeticity: a build that runs rustc and git from a script, with no cargo or go driving it (the kernel's Kconfig), keeps ~/.rustup and ~/.gitconfig as findings", () => {
  const t = new TraceBuilder(1, '/src/linux');
  const env = ['PATH=/root/.cargo/bin:/usr/bin:/bin', 'HOME=/root'];
  t.exec(1, '/usr/bin/make', ['make'], '/src/linux', { env });
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['sh', 'scripts/rust_is_available.sh'], '/src/linux', { env });
  t.fork(2, 3);
  t.exec(3, '/root/.cargo/bin/rustc', ['rustc', '--version'], '/src/linux', { env });
  t.open(3, '/root/.rustup/settings.toml', { fd: 3 });
  t.exit(3, 0);
  t.fork(2, 4);
  t.exec(4, '/usr/bin/git', ['git', 'describe'], '/src/linux', { env });
  t.open(4, '/root/.gitconfig', { fd: 3 });
  t.exit(4, 0);
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const got = hermeticity(build, new Noise(build)).map((f) => [f.file, f.uses.map((u) => u.path).sort(), f.fix]);
  // HOME holds every tool's files: ~/.gitconfig is a finding of its own, whose fix names it, not all of /root
  assert.deepEqual(got, [
    ['/root', ['/root/.gitconfig'], 'if the build may use it: --allow /root/.gitconfig'],
    [
      '/root/.cargo',
      ['/root/.cargo/bin/rustc', '/root/.rustup/settings.toml'],
      "if the build may use them: --allow '/root/.cargo/**' --allow /root/.rustup/settings.toml",
    ],
  ]);
});

test('hermeticity: a directory the log names is allowed as a literal path: a HOME of /home/u* allows its own cache, not /home/ux', () => {
  const got = goBuild([], ['/home/u*/.cache/go-build/trim.txt', '/home/ux/.cache/go-build/trim.txt'], { env: ['HOME=/home/u*'] });
  assert.deepEqual(
    got.map((f) => [f.file, f.uses.map((u) => u.path)]),
    [
      ['/home/ux/.cache/go-build', ['/home/ux/.cache/go-build/trim.txt']],
      ['/home/u/.cache/go-build/ab', ['/home/u/.cache/go-build/ab/abcd-d']],
    ],
  );
});

/**
 * bt check's hermeticity findings on synthetic builds: how uses outside
 * the allowed roots are grouped by directory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hermeticity } from '../../src/check/hermeticity.js';
import { Noise } from '../../src/check/noise.js';
import { buildFromRecords } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { ENOENT, TraceBuilder } from '../normalize/synth.js';

const EINVAL = 22;

/** cargo (process 2 of make) making the lookups (op, absolute path, errno) and reading the files; its findings as [directory, uses]. */
function findings(lookups: Array<[string, string, number]>, reads: string[] = [], links: Array<[string, string]> = []): Array<[string, string[]]> {
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
  return hermeticity(build, new Noise(build)).map((f) => [f.file, f.uses.map((u) => `${u.path} ${u.access.join('+')}`)]);
}

test('hermeticity: what is inside a directory of / the build found missing joins /; an existing one keeps its own finding', () => {
  // cargo looks for its configuration in every parent of the start directory, up to /
  const got = findings([
    ['newfstatat', '/rust-toolchain', ENOENT],
    ['newfstatat', '/.cargo', ENOENT],
    ['newfstatat', '/.cargo/config', ENOENT],
    ['newfstatat', '/.cargo/config.toml', ENOENT],
    ['newfstatat', '/var/ssl', ENOENT],
    ['newfstatat', '/var/ssl/cert.pem', ENOENT],
  ]);
  assert.deepEqual(got, [
    ['/', ['/rust-toolchain probe', '/.cargo probe', '/.cargo/config probe', '/.cargo/config.toml probe']],
    ['/var', ['/var/ssl probe', '/var/ssl/cert.pem probe']],
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
  const got = hermeticity(build, new Noise(build)).map((f) => [f.file, f.detail, f.uses.map((u) => u.path)]);
  assert.deepEqual(got.sort(), [
    [
      '/root/.pyenv/versions/3.11.4',
      "2 files read, 2 looked for and missing outside the allowed roots, by 1 job; to allow: --allow '/root/.pyenv/versions/3.11.4/**' --allow /.python-version --allow /root/.local/lib/python3.11/site-packages",
      [
        '/root/.pyenv/versions/3.11.4/bin/python3.11',
        '/root/.pyenv/versions/3.11.4/lib/python3.11/os.py',
        '/.python-version',
        '/root/.local/lib/python3.11/site-packages',
      ],
    ],
    ['/srv/git', "1 looked for and missing outside the allowed roots, by 1 job; to allow: --allow '/srv/git/**'", ['/srv/git/config']],
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
      ['/usr/bin/make exec', '/usr/bin/cc exec', '/usr/include/stdio.h read', '/usr/lib/python3.11/os.py read'],
    ],
  ]);
  // without --strict the system roots are allowed: the same build has two findings, as before
  assert.deepEqual(hermeticity(build, new Noise(build)).map((f) => f.file).sort(), ['/root/.pyenv/versions/3.11.4', '/srv/include']);
});

/**
 * bt summary --packages: the installed packages the system inputs came
 * from, by dpkg's file lists; on a fake database (merged /usr names,
 * update-alternatives' links, files of no package) and on a real build
 * against `dpkg -S` (eBPF, as root, on a Debian system).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkSameHost, loadDpkg, packagesOf } from '../../src/answers/packages.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { traceProject } from '../helpers/projects.js';
import { needFiles } from '../helpers/tools.js';
import { bt, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

/** A dpkg admin directory with these packages' file lists. */
function fakeDpkg(lists: Record<string, string[]>): string {
  const admin = tmpdir('bt-dpkg-');
  fs.mkdirSync(path.join(admin, 'info'));
  for (const [name, files] of Object.entries(lists)) fs.writeFileSync(path.join(admin, 'info', `${name}.list`), `/.\n${files.join('\n')}\n`);
  fs.writeFileSync(path.join(admin, 'info', 'libc6:amd64.md5sums'), 'not a list\n');
  return admin;
}

test('packagesOf: by the name used, its merged-/usr twin, or what it resolves to here; the rest in none; most files first', () => {
  const db = loadDpkg(
    fakeDpkg({
      'libc6:amd64': ['/lib', '/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu/libc.so.6'],
      'libc6-dev:amd64': ['/usr/include/stdio.h', '/usr/include/stdlib.h'],
      'gcc-12': ['/usr/bin/x86_64-linux-gnu-gcc-12', '/usr/bin/gcc-12'],
      make: ['/usr/bin/make'],
    }),
  );
  assert.equal(db.get('/usr/include/stdio.h'), 'libc6-dev', 'the architecture is not part of the name');
  const links: Record<string, string> = { '/usr/bin/cc': '/usr/bin/x86_64-linux-gnu-gcc-12', '/usr/local/bin/tool': '/usr/local/bin/tool' };
  const u = packagesOf(
    ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/include/stdio.h', '/usr/bin/cc', '/usr/bin/make', '/usr/include/stdlib.h', '/usr/local/bin/tool', '/etc/ld.so.cache'],
    db,
    (p) => links[p],
  );
  assert.deepEqual(u.installed, [
    { name: 'libc6-dev', files: ['/usr/include/stdio.h', '/usr/include/stdlib.h'] },
    { name: 'gcc-12', files: ['/usr/bin/cc'] },
    { name: 'libc6', files: ['/usr/lib/x86_64-linux-gnu/libc.so.6'] },
    { name: 'make', files: ['/usr/bin/make'] },
  ]);
  assert.deepEqual(u.none, ['/usr/local/bin/tool', '/etc/ld.so.cache']);
});

test('--packages: no dpkg database, or a log from another host, is a clear error', () => {
  assert.throws(() => loadDpkg(path.join(tmpdir('bt-nodpkg-'), 'none')), /^ModelError: --packages needs dpkg's database of installed packages, and \/.*\/none\/info cannot be read \(ENOENT\): is this a Debian or Ubuntu system\?$/);
  assert.throws(() => checkSameHost('buildd-7'), new RegExp(`^ModelError: --packages reads this machine's package database, and the build ran on host buildd-7, not on ${os.hostname()}: ask on the machine that ran it$`));
  assert.doesNotThrow(() => checkSameHost(os.hostname()));
});

test('bt summary --packages on a log recorded on another host: one line, a non-zero exit, nothing on stdout', async (t) => {
  if (!needFiles(t, '/var/lib/dpkg/info')) return;
  const log = cBuildTrace(['a']).write(path.join(tmpdir('bt-pkgcli-'), 'b.trace'));
  const r = await bt(['summary', '--packages', log]);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `bt: --packages reads this machine's package database, and the build ran on host testhost, not on ${os.hostname()}: ask on the machine that ran it`);
  assert.notEqual(r.code, 0);
});

/** dpkg -S's answer for each path it knows (the package without its architecture). */
function dpkgS(paths: string[]): Map<string, string> {
  let out = '';
  try {
    out = execFileSync('dpkg', ['-S', ...paths], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? ''); // exit 1 when some path is in no package
  }
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.lastIndexOf(': ');
    if (i < 0 || line.startsWith('diversion ')) continue;
    for (const p of line.slice(0, i).split(', ')) m.set(line.slice(i + 2), p.replace(/:[^:]+$/, ''));
  }
  return m;
}

ebpfTest('bt summary --packages on a real build agrees with dpkg -S, file by file', async (t) => {
  if (!needFiles(t, '/var/lib/dpkg/info', '/usr/bin/dpkg')) return;
  const { file } = await traceProject('genproject', { clean: ['app', 'app.o', 'lib.o', 'include/version.h'] });
  const r = await bt(['summary', '--packages', '--json', file]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { inputs: { system: string[] }; packages: { installed: Array<{ name: string; files: string[] }>; none: string[] } };
  const listed = s.packages.installed.flatMap((p) => p.files);
  assert.deepEqual([...listed, ...s.packages.none].sort(), [...s.inputs.system].sort(), 'every system input once');
  const byBt = new Map(s.packages.installed.flatMap((p) => p.files.map((f) => [f, p.name] as const)));
  assert.equal(byBt.get('/usr/include/stdio.h'), 'libc6-dev');
  // where dpkg -S knows the name the build used, it says the same; a real path dpkg knows decides the others (cc: update-alternatives)
  const direct = dpkgS(listed);
  for (const [f, pkg] of direct) assert.equal(byBt.get(f), pkg, f);
  const rest = listed.filter((f) => !direct.has(f));
  const real = dpkgS(rest.map((f) => fs.realpathSync(f)));
  for (const f of rest) if (real.has(fs.realpathSync(f))) assert.equal(byBt.get(f), real.get(fs.realpathSync(f)), f);
  // the text: a line per package, most files first
  const text = (await bt(['summary', '--packages', file])).stdout;
  const head = text.split('\n').find((l) => l.startsWith('the system inputs by package'));
  assert.equal(head, `the system inputs by package (${s.packages.installed.length} packages installed here${s.packages.none.length ? `; ${s.packages.none.length} files of none` : ''}):`);
  assert.match(text, new RegExp(`\\n  ${s.packages.installed[0].name} +${s.packages.installed[0].files.length} files\\n`));
});

/**
 * Directory links the build reveals (src/normalize/aliases.ts): a path
 * through one is named by the directory it leads to, as the kernel names
 * the cwd, so that one file has one name. Rules on their own (a made-up
 * realpath), then real traces (eBPF, as root): a make entered through a
 * link that writes $PWD/gen.h and reads gen.h; a stale PWD (`make -C sub`
 * with $(PWD)) that must make no alias; a link the build makes itself,
 * which needs no realpath (the tree may be gone).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DirAliases, pwdLink, type Realpath } from '../../src/normalize/aliases.js';
import { normalizeFile } from '../../src/normalize/normalize.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, loadLog, tmpdir, trace } from '../helpers/trace.js';

/** A realpath of a made-up machine: /w/lnk -> /w/real, /usr/lib/go -> /usr/share/go. */
const fakeRealpath: Realpath = (p) => {
  const links: Array<[string, string]> = [['/w/lnk', '/w/real'], ['/usr/lib/go', '/usr/share/go']];
  for (const [l, d] of links) if (p === l || p.startsWith(`${l}/`)) return d + p.slice(l.length);
  return ['/w', '/w/real', '/w/real/sub', '/w/sub', '/usr/share/go/src/cgo', '/usr/share/go/src', '/usr'].includes(p) ? p : undefined;
};

test('pwdLink: the link a PWD names for its cwd; none for a stale PWD, a relative one, or one that does not resolve here', () => {
  assert.deepEqual(pwdLink('/w/lnk', '/w/real', fakeRealpath), ['/w/lnk', '/w/real']);
  assert.deepEqual(pwdLink('/usr/lib/go/src/cgo', '/usr/share/go/src/cgo', fakeRealpath), ['/usr/lib/go', '/usr/share/go']);
  assert.equal(pwdLink('/w', '/w/sub', fakeRealpath), undefined, 'make -C sub: PWD is the parent');
  assert.equal(pwdLink('/w/lnk', '/w/real/sub', fakeRealpath), undefined, 'stale PWD through a link');
  assert.equal(pwdLink('lnk', '/w/real', fakeRealpath), undefined);
  assert.equal(pwdLink('/gone/lnk', '/w/real', fakeRealpath), undefined, 'the tree is gone');
  assert.equal(pwdLink('/w/real', '/w/real', fakeRealpath), undefined);
});

test('DirAliases: paths below a link are renamed, the link itself is not; a link the build removes or renames ends or moves', () => {
  const a = new DirAliases(fakeRealpath);
  a.fromPwd('/w/lnk', '/w/real');
  assert.equal(a.name('/w/lnk/gen.h'), '/w/real/gen.h');
  assert.equal(a.name('/w/lnk'), '/w/lnk', 'the link is a file of its own');
  assert.equal(a.name('/w/lnk2/x'), '/w/lnk2/x', 'a whole path part');
  // a link made by the build (no realpath needed), relative text, through another link
  a.fromSymlink('/w/real/inc', '../lnk/include');
  assert.equal(a.name('/w/real/inc/a.h'), '/w/real/include/a.h');
  assert.equal(a.name('/w/lnk/inc/a.h'), '/w/real/include/a.h', 'two links in one path');
  // ln -sf: made under another name, then renamed over
  a.fromSymlink('/w/real/.tmp', '/opt/x');
  a.renamed('/w/real/.tmp', '/w/real/inc');
  assert.equal(a.name('/w/real/inc/a.h'), '/opt/x/a.h');
  assert.equal(a.name('/w/real/.tmp/a.h'), '/w/real/.tmp/a.h');
  a.removed('/w/real/inc');
  assert.equal(a.name('/w/real/inc/a.h'), '/w/real/inc/a.h');
  // a link to its directory (ln -s . self) is that directory; a link to itself leads nowhere; a loop stops
  a.fromSymlink('/w/self', '.');
  assert.equal(a.name('/w/self/self/x'), '/w/x');
  a.fromSymlink('/w/me', 'me/sub');
  assert.equal(a.name('/w/me/x'), '/w/me/x');
  a.fromSymlink('/l1', '/l2');
  a.fromSymlink('/l2', '/l1');
  assert.equal(typeof a.name('/l1/x'), 'string');
  assert.deepEqual(a.applied(), [
    { name: '/w/lnk', dir: '/w/real', from: 'PWD' },
    { name: '/w/real/inc', dir: '/w/real/include', from: 'symlink' },
    { name: '/w/real/inc', dir: '/opt/x', from: 'symlink' },
    { name: '/w/self', dir: '/w', from: 'symlink' },
    { name: '/l1', dir: '/l2', from: 'symlink' },
    { name: '/l2', dir: '/l1', from: 'symlink' },
  ]);
  const none = new DirAliases(undefined);
  none.fromPwd('/w/lnk', '/w/real');
  assert.equal(none.name('/w/lnk/gen.h'), '/w/lnk/gen.h', 'no realpath (another machine, the tree gone): no PWD alias');
});

ebpfTest('a make entered through a linked directory: the header written through $PWD is the one read, an intermediate', async () => {
  const dir = fs.realpathSync(tmpdir('bt-alias-'));
  fs.mkdirSync(path.join(dir, 'real2'));
  fs.symlinkSync('real2', path.join(dir, 'lnk2'));
  fs.writeFileSync(path.join(dir, 'real2', 'Makefile'), 'out.txt: gen.h\n\tcp gen.h out.txt\ngen.h:\n\techo x > $$PWD/gen.h\n');
  const t = await trace(['sh', '-c', 'cd lnk2 && make -s'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);

  const deps = await bt(['deps', 'real2/out.txt', t.file], { cwd: dir });
  assert.equal(deps.code, 0, deps.stderr);
  assert.deepEqual(deps.stdout.trimEnd().split('\n'), [
    'real2/out.txt  <- written by cp gen.h out.txt [proc 4]',
    "  real2/gen.h  <- written by /bin/sh -c 'echo x > $PWD/gen.h' [proc 3]",
    '    /bin/sh',
    '  /usr/bin/cp',
    '',
    '2 inputs and 1 intermediate file through 2 jobs',
  ]);
  // asked by its name through the link, the file is found by this machine's name for it
  const byLink = await bt(['deps', 'lnk2/gen.h', t.file], { cwd: dir });
  assert.equal(byLink.code, 0, byLink.stderr);
  assert.equal(byLink.stdout.split('\n')[0], "real2/gen.h  <- written by /bin/sh -c 'echo x > $PWD/gen.h' [proc 3]");
  const sum = await bt(['summary', '--json', t.file], { cwd: dir });
  assert.equal(sum.code, 0, sum.stderr);
  const s = JSON.parse(sum.stdout) as { inputs: { tree: string[] }; outputs: string[]; intermediates: string[] };
  assert.deepEqual(s.inputs.tree, [`${dir}/real2/Makefile`]);
  assert.deepEqual(s.outputs, [`${dir}/real2/out.txt`]);
  assert.deepEqual(s.intermediates, [`${dir}/real2/gen.h`]);

  const norm = await bt(['normalize', t.file, '-o', path.join(dir, 'n.trace')], { cwd: dir });
  assert.equal(norm.code, 0, norm.stderr);
  assert.deepEqual(norm.stderr.split('\n').filter((l) => l.includes('note:')), [
    `bt normalize: note: ${dir}/lnk2 is a link to ${dir}/real2 (from PWD): paths through it are named ${dir}/real2/...`,
  ]);
  // the path as passed is kept; the absolute one names the directory
  const write = loadLog(path.join(dir, 'n.trace')).records.find((r) => r.open?.path === `${dir}/lnk2/gen.h`);
  assert.equal(write?.abspath, `${dir}/real2/gen.h`);
});

ebpfTest('a stale PWD (make -C sub, $(PWD) is the parent) makes no alias: x and sub/x stay two files', async () => {
  const dir = fs.realpathSync(tmpdir('bt-alias-'));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'Makefile'), 'all:\n\techo a > $(PWD)/x\n\techo b > x\n');
  const t = await trace(['make', '-s', '-C', 'sub'], { cwd: dir, env: { PWD: dir } });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(fs.readFileSync(path.join(dir, 'x'), 'utf8'), 'a\n', 'the build wrote the parent\'s x');
  const summary = normalizeFile(t.file, path.join(dir, 'n.trace'));
  assert.deepEqual(summary.aliases, []);
  const sum = await bt(['summary', '--json', t.file], { cwd: dir });
  const s = JSON.parse(sum.stdout) as { outputs: string[] };
  assert.deepEqual(s.outputs.sort(), [`${dir}/sub/x`, `${dir}/x`]);
});

ebpfTest('a link the build makes is an alias from its making on, without a realpath (the tree may be gone)', async () => {
  const dir = fs.realpathSync(tmpdir('bt-alias-'));
  const t = await trace(['sh', '-c', 'mkdir real && ln -s real lnk && echo x > lnk/f && cat real/f > out'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const out = path.join(dir, 'n.trace');
  const summary = normalizeFile(t.file, out, { realpath: null });
  assert.deepEqual(summary.aliases, [{ name: `${dir}/lnk`, dir: `${dir}/real`, from: 'symlink' }]);
  const recs = loadLog(out).records;
  const write = recs.find((r) => r.open?.path === 'lnk/f');
  assert.equal(write?.abspath, `${dir}/real/f`);
  const link = recs.find((r) => r.path2?.op.startsWith('symlink'));
  assert.equal(link?.abspath2, `${dir}/lnk`, 'the link itself keeps its name');
});

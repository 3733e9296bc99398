/**
 * The build model on a real trace of test-programs/lookups.c: lookups,
 * listings and metadata changes give the kinds the op table's access class
 * says (stat/access/readlink: stat, or probe when they fail; getdents64:
 * list + dir; chmod/chown/utime: meta; truncate: write + truncate), in the
 * model and in the display filter's `access` of events (bt dump --filter).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { kindNames, loadBuild } from '../../src/model/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, prog, tmpdir, trace } from '../helpers/trace.js';

ebpfTest('lookups, listings and metadata changes in the build model and the event filter', async () => {
  const dir = tmpdir();
  const t = await trace([prog('lookups'), dir]);
  assert.equal(t.code, 0, t.stderr);

  const b = loadBuild(t.file);
  const p = b.model.processes.find((q) => q.exe === prog('lookups'));
  assert.ok(p, 'the lookups process is in the model');
  const kinds = (rel: string) => {
    const f = b.file(path.join(dir, rel));
    assert.ok(f, `${rel} is in the model`);
    const a = p.files.get(f.id);
    assert.ok(a, `${rel} was used by the lookups process`);
    return kindNames(a.kinds);
  };
  // only failed lookups and metadata changes: probes and nothing else
  assert.deepEqual(kinds('missing'), ['probe']); // stat, access, chmod, truncate: ENOENT
  assert.deepEqual(kinds('nothere'), ['probe']); // access F_OK x3: ENOENT
  assert.deepEqual(kinds('sub/nope'), ['probe']); // statx: ENOENT
  // f.txt: created and opened O_RDWR, stat'ed, chmod/chown/utime'd, truncated; readlink of it
  // fails with EINVAL (not a symlink): it is there, a stat, not a probe
  assert.deepEqual(kinds('f.txt'), ['read', 'write', 'create', 'truncate', 'stat', 'meta']);
  // ln: made by symlink, lstat'ed and readlink'ed, lchown'ed
  assert.deepEqual(kinds('ln'), ['write', 'create', 'stat', 'meta']);
  // sub: made by mkdir, opened and listed, stat'ed
  assert.deepEqual(kinds('sub'), ['create', 'dir', 'stat', 'list']);
  // the directory itself: the cwd (chdir), listed
  for (const k of ['dir', 'stat', 'list']) assert.ok(kinds('.').includes(k as never), `${k} on the directory`);

  const types = async (filter: string) => {
    const r = await bt(['dump', t.file, '--json', '--filter', `${filter} and path ~ "${dir}/**"`]);
    assert.equal(r.code, 0, r.stderr);
    const recs = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((x) => JSON.parse(x) as { type: string; op?: string });
    return [...new Set(recs.filter((x) => x.type !== 'header' && x.type !== 'trailer').map((x) => x.type))].sort();
  };
  assert.deepEqual(await types('access has stat and not type == "open"'), ['access', 'readlink', 'stat']);
  assert.deepEqual(await types('access has meta'), ['chmod', 'chown', 'utime']);
  assert.deepEqual(await types('access has truncate and not type == "open"'), ['truncate']);
  assert.deepEqual(await types('access has list and not type == "open"'), ['readdir']);
});

ebpfTest("a file's mtime in the model is its own, not a symbolic link's: an lstat of the link is passed over", async () => {
  const dir = tmpdir();
  const fs = await import('node:fs');
  fs.writeFileSync(path.join(dir, 'target'), 'x');
  fs.utimesSync(path.join(dir, 'target'), 1_000_000_000, 1_000_000_000);
  fs.symlinkSync('target', path.join(dir, 'ln'));
  fs.lutimesSync(path.join(dir, 'ln'), 2_000_000_000, 2_000_000_000);
  const t = await trace(['perl', '-e', 'lstat("ln") or die; stat("ln") or die; open(F, "<", "ln") or die'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const b = loadBuild(t.file);
  assert.equal(b.file(path.join(dir, 'ln'))?.mtime, '1000000000.000000000');
});

ebpfTest("a statx that did not ask for the mtime records none: the file's mtime in the model is the next stat's", async () => {
  const dir = tmpdir();
  const fs = await import('node:fs');
  fs.writeFileSync(path.join(dir, 'S.java'), 'x');
  fs.utimesSync(path.join(dir, 'S.java'), 1_000_000_000, 1_000_000_000);
  // statx (332 on x86_64) with STATX_TYPE only, as the JVM asks, then a stat
  const perl = 'my ($p, $b) = ("S.java", "\\0" x 256); syscall(332, -100, $p, 0, 1, $b) == 0 or die; stat("S.java") or die';
  const t = await trace(['perl', '-e', perl], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const statx = t.log.records.filter((r) => r.lookup?.op === 'statx' && r.lookup.path === 'S.java');
  assert.deepEqual(statx.map((r) => [r.lookup!.ftype, r.lookup!.mtime ?? 0, r.lookup!.mtime_nsec ?? 0]), [[8, 0, 0]]);
  const b = loadBuild(t.file);
  assert.equal(b.file(path.join(dir, 'S.java'))?.mtime, '1000000000.000000000');
});

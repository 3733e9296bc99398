/**
 * bt diff on real traces (eBPF, as root) of a script that changes into
 * $D/sub and reads a file there by both names: D a symbolic link to a
 * directory in one build and that directory in the other is one place
 * (the model keeps where the chdir landed; argv and the environment keep
 * the name given); a directory of its own (a copy) still differs, with the
 * link named as the directory it resolves to.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

ebpfTest('diff: a directory reached through a symbolic link and by its own name is one place', async () => {
  const dir = tmpdir('bt-diff-link-');
  for (const d of ['real', 'other']) {
    fs.mkdirSync(path.join(dir, 'tree', d, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree', d, 'sub', 'data.txt'), 'hi\n');
  }
  fs.symlinkSync('real', path.join(dir, 'tree', 'link'));
  // a subshell changes directory: the traced command's own directory stays the start directory (no rebase)
  fs.writeFileSync(path.join(dir, 'run.sh'), '(cd "$D/sub" && cat data.txt "$D/sub/data.txt" > /dev/null)\n');
  const run = async (d: string) => {
    const t = await trace(['sh', 'run.sh'], { cwd: dir, env: { D: path.join(dir, 'tree', d) } });
    assert.equal(t.code, 0, t.stderr);
    return t.file;
  };
  const [viaLink, real, other] = [await run('link'), await run('real'), await run('other')];
  const at = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const head = (status: string) => new RegExp(`^bt diff: ${status}; A = sh run\\.sh in ${at} \\(\\d+\\.\\d{3} s, exit 0\\); B = sh run\\.sh in ${at} \\(\\d+\\.\\d{3} s, exit 0\\)$`);

  const same = await bt(['diff', viaLink, real]);
  assert.equal(same.code, 0, same.stdout);
  const lines = same.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1, same.stdout);
  assert.match(lines[0], head('no differences'));

  const apart = await bt(['diff', viaLink, other]);
  assert.equal(apart.code, 1, apart.stdout);
  const [first, ...rest] = apart.stdout.trimEnd().split('\n');
  assert.match(first, head('the builds differ'));
  assert.deepEqual(rest, [
    '',
    'arguments changed (A -> B) (1)',
    "  cat data.txt [-'$START/tree/real/sub/data.txt'-] {+'$START/tree/other/sub/data.txt'+}  (in tree/other/sub)",
    '',
    'environment changed (A -> B) (2)',
    "  D: '$START/tree/real' -> '$START/tree/other'  (run.sh)",
    "  PWD: '$START/tree/real/sub' -> '$START/tree/other/sub'  (cat)",
    '',
    'read from another place (A -> B) (1)',
    '  data.txt: tree/real/sub/data.txt -> tree/other/sub/data.txt  (cat)',
  ]);
});

/**
 * The sudo user's identity on bt trace's main thread (capture/identity.ts):
 * files are made as the user, with the user's groups, and root comes back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { threadIdentitySwitch } from '../../src/capture/identity.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { tmpdir } from '../helpers/tmp.js';

ebpfTest("the main thread takes the user's uid, gid and groups, and gives them back", () => {
  const sw = threadIdentitySwitch();
  assert.ok(sw, `no per-thread identity switch on ${process.arch}`);
  const dir = tmpdir();
  fs.chmodSync(dir, 0o777);
  const before = { uid: process.geteuid!(), gid: process.getegid!(), groups: process.getgroups!() };
  const restore = sw({ uid: 65534, gid: 65534, name: 'nobody' });
  let inside: { uid: number; gid: number; groups: number[] };
  try {
    inside = { uid: process.geteuid!(), gid: process.getegid!(), groups: process.getgroups!() };
    fs.writeFileSync(path.join(dir, 'made'), '');
    // root's own files are out of reach now
    assert.throws(() => fs.readFileSync('/etc/shadow'), /EACCES/);
  } finally {
    restore();
  }
  assert.deepEqual(inside, { uid: 65534, gid: 65534, groups: [65534] });
  const st = fs.statSync(path.join(dir, 'made'));
  assert.deepEqual([st.uid, st.gid], [65534, 65534]);
  assert.deepEqual({ uid: process.geteuid!(), gid: process.getegid!(), groups: process.getgroups!() }, before);
  fs.readFileSync('/etc/shadow');
});

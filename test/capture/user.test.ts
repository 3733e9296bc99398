/**
 * Whom the build runs as (capture/user.ts buildUser): sudo's invoking user,
 * whose ids must be numbers; a missing or empty SUDO_GID is the user's own
 * group, never root's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildUser } from '../../src/capture/user.js';

test("the sudo user's ids are numbers, and an empty SUDO_GID is the user's group, not root's", () => {
  const me = process.geteuid?.() ?? 0;
  const other = me === 65534 ? 65533 : 65534;
  const u = buildUser(false, { SUDO_UID: String(other), SUDO_GID: '4242' });
  assert.deepEqual([u.uid, u.gid], [other, 4242]);
  assert.deepEqual(buildUser(true, { SUDO_UID: String(other), SUDO_GID: '4242' }), { uid: -1, gid: -1 }); // --as-root
  for (const bad of ['', ' 12', '12abc', '-1', '1e3', '99999999999']) {
    assert.deepEqual(buildUser(false, { SUDO_UID: bad, SUDO_GID: '4242' }), { uid: -1, gid: -1 }, `SUDO_UID=${JSON.stringify(bad)}`);
  }
  // nobody (65534) has group 65534 in /etc/passwd here; with no usable SUDO_GID that is the group
  if (other === 65534) {
    for (const gid of [undefined, '', 'x']) assert.equal(buildUser(false, { SUDO_UID: '65534', SUDO_GID: gid }).gid, 65534, `SUDO_GID=${JSON.stringify(gid)}`);
  }
  assert.deepEqual(buildUser(false, { SUDO_UID: String(me), SUDO_GID: '0' }), { uid: -1, gid: -1 }); // sudo to oneself
});

/**
 * The op table (src/ops/table.ts) is the one source of truth about syscalls:
 * its rows are consistent, every syscall it names exists on this
 * architecture (a typo would silently drop the syscall: the generated C
 * guards each case with #ifdef), and the generated headers in build/ are
 * the ones the table gives today.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dispatchHeader, HANDLERS, opsBpfHeader, opsHeader } from '../../src/ops/cgen.js';
import { ACCESS_CLASSES, accessOf, familyOf, NEW_SYSCALL_NUMBERS, opById, opInfo, OPS } from '../../src/ops/table.js';
import { REPO } from '../helpers/trace.js';

test('op ids and names are unique, every row is complete', () => {
  assert.equal(new Set(OPS.map((o) => o.id)).size, OPS.length);
  assert.equal(new Set(OPS.map((o) => o.name)).size, OPS.length);
  const syscalls = OPS.flatMap((o) => o.syscalls);
  assert.equal(new Set(syscalls).size, syscalls.length, 'a syscall maps to one op');
  for (const o of OPS) {
    assert.ok(ACCESS_CLASSES.includes(o.access), `${o.name}: access ${o.access}`);
    assert.ok(HANDLERS[o.kind], `${o.name}: kind ${o.kind} has a BPF handler`);
    assert.ok(o.args.length <= 6, `${o.name}: at most 6 arguments`);
    assert.equal(opInfo(o.name), o);
    assert.equal(opById(o.id), o);
  }
});

test('the table answers the questions other layers ask', () => {
  assert.deepEqual(
    ['newfstatat', 'faccessat2', 'readlinkat', 'getdents64', 'fchownat', 'ftruncate', 'utimensat', 'openat', 'close', 'renameat2'].map(
      (n) => [opInfo(n)?.kind, familyOf(n), accessOf(n)],
    ),
    [
      ['lookup', 'stat', 'stat'],
      ['lookup', 'access', 'stat'],
      ['lookup', 'readlink', 'readlink'],
      ['readdir', 'readdir', 'list'],
      ['meta', 'chown', 'meta'],
      ['meta', 'truncate', 'truncate'],
      ['meta', 'utime', 'meta'],
      ['open', 'open', 'open'],
      ['close', 'close', 'fd'],
      ['path2', 'rename', 'rename'],
    ],
  );
  assert.equal(familyOf('unlinkat', 0x200), 'rmdir');
  assert.equal(accessOf('unlinkat', 0x200), 'rmdir');
  assert.equal(accessOf('unlinkat', 0), 'delete');
  assert.equal(opInfo('fstat'), undefined);
  assert.deepEqual(opInfo('newfstatat')?.args, ['dirfd', 'path', 'buf', 'flags']);
});

test("every syscall of the table exists in this architecture's asm/unistd_64.h", () => {
  const candidates = ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h', '/usr/include/asm/unistd_64.h'];
  const file = candidates.find((f) => fs.existsSync(f));
  assert.ok(file, `asm/unistd_64.h not found (${candidates.join(', ')}): apt-get install linux-libc-dev`);
  const defined = new Set([...fs.readFileSync(file, 'utf8').matchAll(/#define __NR_(\w+) \d+/g)].map((m) => m[1]));
  for (const o of OPS) {
    for (const sc of o.syscalls) assert.ok(defined.has(sc) || NEW_SYSCALL_NUMBERS[sc] !== undefined, `__NR_${sc} (op ${o.name})`);
  }
  // a number the table gives must be the headers' where they have it
  const numbers = new Map([...fs.readFileSync(file, 'utf8').matchAll(/#define __NR_(\w+) (\d+)/g)].map((m) => [m[1], Number(m[2])]));
  for (const [sc, nr] of Object.entries(NEW_SYSCALL_NUMBERS)) if (numbers.has(sc)) assert.equal(numbers.get(sc), nr, sc);
});

test('build/ holds the headers the table generates (npm run build is current)', () => {
  const dir = path.join(REPO, 'build');
  assert.equal(fs.readFileSync(path.join(dir, 'bt_ops.h'), 'utf8'), opsHeader());
  assert.equal(fs.readFileSync(path.join(dir, 'bt_ops_bpf.h'), 'utf8'), opsBpfHeader());
  assert.equal(fs.readFileSync(path.join(dir, 'bt_dispatch.h'), 'utf8'), dispatchHeader());
});

test('the generated C: every op is dispatched to its handler; an op without a row is counted, not guessed', () => {
  const c = dispatchHeader();
  const dispatch = c.slice(c.indexOf('void bt_dispatch('));
  for (const o of OPS) {
    const at = dispatch.indexOf(`case BT_OP_${o.name.toUpperCase()}:`);
    assert.ok(at >= 0, o.name);
    const call = dispatch.slice(at).match(/\t\t(bt_on_\w+)\(ret, p\);/);
    assert.equal(call?.[1], HANDLERS[o.kind], o.name);
  }
  assert.match(dispatch, /default:[^\n]*\n\t\tbt_count_lost\(BT_LOST_UNKNOWN_OP\);/);
  assert.match(opsBpfHeader(), /int bt_args_of\(const struct bt_pending \*p, struct bt_args \*a\);/);
  assert.match(c, /case BT_OP_STATX:\n\t\ta->dirfd = \(__s32\)p->args\[0\];\n\t\ta->path = p->args\[1\];\n\t\ta->flags = p->args\[2\];\n\t\ta->mode = \(__u32\)p->args\[3\];\n\t\ta->buf = p->args\[4\];/);
});

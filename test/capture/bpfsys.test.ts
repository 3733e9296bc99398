/**
 * bpf(2) without libbpf (src/capture/bpfsys.ts): every member of union
 * bpf_attr bt sets is where the running kernel's BTF says it is, and the
 * calls do what libbpf's would (a map made, written and described).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { execa } from 'execa';
import { BPF_COMMANDS, bpfCall } from '../../src/capture/bpfsys.js';
import { getLibc } from '../../src/capture/native.js';
import { NativeError } from '../../src/errors.js';
import { ebpfTest } from '../helpers/ebpf.js';

interface BtfMember {
  name: string;
  type_id: number;
  bits_offset: number;
}
interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  nr_elems?: number;
  type_id?: number;
  members?: BtfMember[];
}

const VMLINUX = '/sys/kernel/btf/vmlinux';
/** bpftool names an anonymous member "(anon)". */
const anonymous = (m: BtfMember) => !m.name || m.name === '(anon)';

test("bpf_attr's members as bt sets them match the kernel's BTF", { skip: !fs.existsSync(VMLINUX) && `no ${VMLINUX} here` }, async () => {
  const { stdout } = await execa('bpftool', ['-j', 'btf', 'dump', 'file', VMLINUX], { maxBuffer: 256 * 1024 * 1024 });
  const types = new Map((JSON.parse(stdout) as { types: BtfType[] }).types.map((t) => [t.id, t]));
  const attr = [...types.values()].find((t) => t.kind === 'UNION' && t.name === 'bpf_attr');
  assert.ok(attr?.members, 'union bpf_attr is not in the BTF');
  /** A struct's members by name, an anonymous member's own members included (at their offsets from the struct). */
  const membersOf = (t: BtfType, base = 0, out = new Map<string, { off: number; type: BtfType }>()) => {
    for (const m of t.members ?? []) {
      const mt = types.get(m.type_id)!;
      if (!anonymous(m)) out.set(m.name, { off: base + m.bits_offset / 8, type: mt });
      else membersOf(mt, base + m.bits_offset / 8, out);
    }
    return out;
  };
  const sizeOf = (t: BtfType): number => {
    for (; t.kind === 'TYPEDEF' || t.kind === 'VOLATILE' || t.kind === 'CONST'; ) t = types.get(t.type_id!)!;
    if (t.kind === 'ARRAY') return (t.nr_elems ?? 0) * sizeOf(types.get(t.type_id!)!);
    return t.size ?? 0;
  };
  const widths = { u32: 4, u64: 8, ptr: 8, name: 16 } as const;
  for (const [command, { struct, members }] of Object.entries(BPF_COMMANDS)) {
    // a named member of the union, or the anonymous struct whose first member is named in braces
    const first = /^\{(\w+)\}$/.exec(struct)?.[1];
    const candidates = attr.members.filter((m) => (first ? anonymous(m) : m.name === struct)).map((m) => types.get(m.type_id)!);
    const s = candidates.find((t) => !first || t.members?.[0]?.name === first);
    assert.ok(s, `${command}: no ${struct} in union bpf_attr`);
    const known = membersOf(s);
    for (const [name, [off, width]] of Object.entries(members) as Array<[string, readonly [number, keyof typeof widths]]>) {
      const m = known.get(name);
      assert.ok(m, `${command}: ${name} is not a member of ${struct}`);
      assert.equal(m.off, off, `${command}: offsetof(${name})`);
      assert.equal(sizeOf(m.type), widths[width], `${command}: sizeof(${name})`);
    }
  }
});

ebpfTest('a map made, written and described through bpf(2) alone; a failure names the call and its errno', () => {
  const fd = bpfCall('map_create', { map_type: 2, key_size: 4, value_size: 8, max_entries: 3, map_name: 'bt_sys_test_map' });
  try {
    bpfCall('map_update_elem', { map_fd: fd, key: Buffer.from([2, 0, 0, 0]), value: Buffer.from('12345678') });
    const info = Buffer.alloc(88); // struct bpf_map_info: type 0, id 4, key_size 8, value_size 12, max_entries 16, map_flags 20, name 24
    bpfCall('obj_get_info_by_fd', { bpf_fd: fd, info_len: info.length, info });
    assert.deepEqual([info.readUInt32LE(0), info.readUInt32LE(8), info.readUInt32LE(12), info.readUInt32LE(16)], [2, 4, 8, 3]);
    // the name is cut to what the kernel keeps (15 bytes and a NUL)
    assert.equal(info.toString('latin1', 24, 40).replace(/\0.*$/s, ''), 'bt_sys_test_map');
    assert.throws(
      () => bpfCall('map_update_elem', { map_fd: fd, key: Buffer.from([3, 0, 0, 0]), value: Buffer.alloc(8) }, 'writing slot 3'),
      (e: unknown) => e instanceof NativeError && e.errno === 7 && /^writing slot 3 failed: E2BIG \(7\)$/.test(e.message),
    );
  } finally {
    getLibc().close(fd);
  }
});

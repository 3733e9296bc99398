/**
 * The decoder's record offsets (src/capture/layout.ts) must match the BTF of
 * the compiled BPF object, struct by struct and field by field.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { execa } from 'execa';
import { EXEC_UMASK_KNOWN, LAYOUT, OP_NAMES, REP_COUNT_BITS, T } from '../../src/log/ring/layout.js';
import { OBJECT_PATH } from '../../src/capture/install.js';

interface BtfMember {
  name: string;
  bits_offset: number;
}
interface BtfType {
  kind: string;
  name: string;
  size?: number;
  members?: BtfMember[];
}

async function btfStructs(): Promise<Map<string, BtfType>> {
  const { stdout } = await execa('bpftool', ['-j', 'btf', 'dump', 'file', OBJECT_PATH]);
  const types = (JSON.parse(stdout) as { types: BtfType[] }).types;
  return new Map(types.filter((t) => t.kind === 'STRUCT').map((t) => [t.name, t]));
}

test('decoder offsets match the BTF of build/bt.bpf.o', async () => {
  assert.ok(fs.existsSync(OBJECT_PATH), `${OBJECT_PATH} missing: npm run build`);
  const structs = await btfStructs();
  for (const [name, layout] of Object.entries(LAYOUT)) {
    const s = structs.get(name);
    assert.ok(s, `struct ${name} is not in the object's BTF`);
    assert.equal(s.size, layout.size, `sizeof(struct ${name})`);
    const members = new Map(s.members!.map((m) => [m.name, m.bits_offset / 8]));
    for (const [field, off] of Object.entries(layout.fields)) {
      assert.equal(members.get(field), off, `offsetof(struct ${name}, ${field})`);
    }
    // Every non-padding member is decoded (a new field must be added to layout.ts).
    for (const m of members.keys()) {
      if (!m.startsWith('_')) assert.ok(m in layout.fields, `struct ${name}.${m} is not in layout.ts`);
    }
  }
});

test('record types match bt_records.h, ops the enum generated from the op table', async () => {
  const header = fs.readFileSync(new URL('../../../bpf/bt_records.h', import.meta.url), 'utf8');
  const opsHeader = fs.readFileSync(new URL('../../../build/bt_ops.h', import.meta.url), 'utf8');
  const enumValues = (text: string, prefix: string) =>
    Object.fromEntries([...text.matchAll(new RegExp(`\\b${prefix}([A-Z0-9_]+) = (\\d+)`, 'g'))].map((m) => [m[1], Number(m[2])]));
  assert.deepEqual(enumValues(header, 'BT_T_'), T);
  assert.equal(enumValues(header, 'BT_REP_').COUNT_BITS, REP_COUNT_BITS);
  assert.equal(enumValues(header, 'BT_EXEC_').UMASK_KNOWN, EXEC_UMASK_KNOWN);
  const ops = enumValues(opsHeader, 'BT_OP_');
  delete ops.MAX;
  assert.deepEqual(
    Object.fromEntries(Object.entries(ops).map(([k, v]) => [v, k.toLowerCase()])),
    OP_NAMES,
  );
});

/**
 * The cached CO-RE types (capture/corebtf.ts): used only for the object and
 * the kernel they were made for, and then relocating exactly like the
 * kernel's own BTF.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cachedCoreBtf, coreBtfStamp, kernelBuildId, stampPath } from '../../src/capture/corebtf.js';
import { CORE_BTF_PATH, OBJECT_PATH } from '../../src/capture/install.js';
import { getLibbpf, openObject } from '../../src/capture/native.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { ofType, prog, tmpdir, trace } from '../helpers/trace.js';

/** One ELF note: namesz, descsz, type, then name and desc padded to 4 bytes. */
function note(name: string, type: number, desc: Buffer): Buffer {
  const n = Buffer.from(`${name}\0`);
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  const head = Buffer.alloc(12);
  head.writeUInt32LE(n.length, 0);
  head.writeUInt32LE(desc.length, 4);
  head.writeUInt32LE(type, 8);
  return Buffer.concat([head, pad(n), pad(desc)]);
}

test("the kernel's build ID is the GNU note of type 3, wherever it is among the notes", () => {
  const dir = tmpdir();
  const file = path.join(dir, 'notes');
  const id = Buffer.from('e4f18d9dc1d0e6fc2b17e93e885a647b3c0a6fc1', 'hex');
  fs.writeFileSync(file, Buffer.concat([note('Xen', 6, Buffer.from('Linux\0')), note('GNU', 1, Buffer.alloc(16, 1)), note('GNU', 3, id)]));
  assert.equal(kernelBuildId(file), id.toString('hex'));
  fs.writeFileSync(file, note('Xen', 3, id)); // type 3 of another owner is not it
  assert.equal(kernelBuildId(file), undefined);
  const huge = note('GNU', 3, id);
  huge.writeUInt32LE(0xfffffffd, 0); // a name size that wraps in 32-bit arithmetic
  fs.writeFileSync(file, huge);
  assert.equal(kernelBuildId(file), undefined);
  fs.writeFileSync(file, note('GNU', 3, id).subarray(0, 20)); // cut short
  assert.equal(kernelBuildId(file), undefined);
  assert.equal(kernelBuildId(path.join(dir, 'missing')), undefined);
});

test('the cached types are used only while the stamp names this kernel and this very object file', () => {
  const dir = tmpdir();
  const object = path.join(dir, 'bt.bpf.o');
  const btf = path.join(dir, 'bt.core.btf');
  fs.writeFileSync(object, 'object bytes');
  fs.writeFileSync(btf, 'types');
  assert.equal(cachedCoreBtf(btf, object, 'aa11'), undefined, 'no stamp');
  fs.writeFileSync(stampPath(btf), `${coreBtfStamp(object, 'aa11')}\n`);
  assert.equal(cachedCoreBtf(btf, object, 'aa11'), btf);
  assert.equal(cachedCoreBtf(btf, object, 'bb22'), undefined, 'another kernel');
  assert.equal(cachedCoreBtf(btf, object, undefined), undefined, 'a kernel without a build ID');
  // the same bytes written again: another file as far as the stamp knows
  fs.rmSync(object);
  fs.writeFileSync(object, 'object bytes');
  assert.equal(cachedCoreBtf(btf, object, 'aa11'), undefined, 'a rewritten object');
  fs.writeFileSync(stampPath(btf), `${coreBtfStamp(object, 'aa11')}\n`);
  fs.rmSync(btf);
  assert.equal(cachedCoreBtf(btf, object, 'aa11'), undefined, 'no types file');
});

ebpfTest('the build made the types for this kernel, and libbpf reads its custom BTF from them', () => {
  assert.equal(cachedCoreBtf(CORE_BTF_PATH, OBJECT_PATH), CORE_BTF_PATH, `no valid ${stampPath(CORE_BTF_PATH)}: run npm run build`);
  // a custom BTF path that does not exist fails the load with ENOENT: the option reaches libbpf where it belongs
  const bpf = getLibbpf();
  const obj = openObject(OBJECT_PATH, { btfCustomPath: path.join(tmpdir(), 'missing.btf') });
  try {
    assert.equal(bpf.bpf_object__load(obj), -2);
  } finally {
    bpf.bpf_object__close(obj);
  }
});

ebpfTest('a trace relocated against the cached types records what one relocated against the kernel BTF records', async () => {
  const run = async (env: NodeJS.ProcessEnv) => {
    const dir = tmpdir();
    const t = await trace([prog('opens'), dir], { env: { BT_TIMING: '1', ...env } });
    assert.equal(t.code, 0, t.stderr);
    const from = /bt: bpf loaded by libbpf, co-re types from (.*)/.exec(t.stderr)?.[1];
    const shape = t.log.records.map((r) => {
      const type = Object.keys(r).find((k) => !['ts', 'pid', 'tid'].includes(k)) ?? '';
      const body = (r as unknown as Record<string, Record<string, unknown>>)[type];
      return `${type} ${String(body?.path ?? body?.argv ?? body?.op ?? '')}`.replaceAll(dir, 'DIR');
    });
    return { from, shape, execs: ofType(t.log.records, 'exec').length };
  };
  // the light skeleton (capture/lskel.ts) would load instead of libbpf: these are libbpf's ways
  const cached = await run({ BT_LSKEL: '0' });
  const kernel = await run({ BT_LSKEL: '0', BT_CORE_BTF: '0' });
  assert.equal(cached.from, CORE_BTF_PATH);
  assert.equal(kernel.from, 'the kernel (/sys/kernel/btf/vmlinux)');
  assert.ok(cached.execs >= 1);
  assert.ok(cached.shape.some((line) => line.startsWith('open DIR/')), cached.shape.join('\n'));
  assert.deepEqual(cached.shape, kernel.shape);
});

/**
 * The light skeleton (capture/lskel.ts): made by the build from the object,
 * used only for that object, loading what libbpf loads, sizing the ring as
 * asked, and leaving bt to libbpf when the kernel refuses it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { objectStamp } from '../../src/capture/corebtf.js';
import { LSKEL_PATH, OBJECT_PATH } from '../../src/capture/install.js';
import { encodeLightSkeleton, readLightSkeleton, startLightLoad } from '../../src/capture/lskel.js';
import { getLibbpf, getLibc } from '../../src/capture/native.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { ofType, prog, tmpdir, trace } from '../helpers/trace.js';

const MAP_INFO = { size: 88, max_entries: 16 };
const PROG_INFO = { size: 232, name: 64 };

test('a loader is read back only for the object it was made from, and only whole', () => {
  const dir = tmpdir();
  const object = path.join(dir, 'a.o');
  fs.writeFileSync(object, 'object bytes');
  const insns = Buffer.alloc(16, 7);
  const sk = { maps: ['m1', '.data.cfg', 'x.bss'], progs: 9, attach: ['p1'], data: Buffer.from('data!'), insns };
  const file = path.join(dir, 'a.lskel');
  fs.writeFileSync(file, encodeLightSkeleton(objectStamp(object), sk));
  assert.deepEqual(readLightSkeleton(file, object), sk);
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 1));
  assert.equal(readLightSkeleton(file, object), undefined, 'one byte short');
  fs.writeFileSync(file, bytes);
  const copy = path.join(dir, 'b.o');
  fs.copyFileSync(object, copy);
  assert.equal(readLightSkeleton(file, copy), undefined, 'another file with the same bytes: another object');
  fs.writeFileSync(object, 'object bytes, rebuilt');
  assert.equal(readLightSkeleton(file, object), undefined, 'the object changed since');
  assert.equal(readLightSkeleton(path.join(dir, 'none.lskel'), object), undefined);
  fs.writeFileSync(file, 'not json\n');
  assert.equal(readLightSkeleton(file, object), undefined);
});

function closeAll(fds: number[]): void {
  for (const fd of fds) getLibc().close(fd);
}

ebpfTest('the build made the loader for this object: the kernel loads every program but the stand-ins, with the ring size asked', async () => {
  const sk = readLightSkeleton(LSKEL_PATH, OBJECT_PATH);
  assert.ok(sk, `no light skeleton for ${OBJECT_PATH} at ${LSKEL_PATH}: run npm run build`);
  const ringBytes = 8 * 1024 * 1024;
  const r = await startLightLoad(sk, { bt_events: ringBytes });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const fds = [...r.loaded.maps.values(), ...r.loaded.progFds];
  try {
    const bpf = getLibbpf();
    const info = Buffer.alloc(MAP_INFO.size);
    assert.equal(bpf.bpf_obj_get_info_by_fd(r.loaded.maps.get('bt_events'), info, [MAP_INFO.size]), 0);
    assert.equal(info.readUInt32LE(MAP_INFO.max_entries), ringBytes);
    const names = r.loaded.progFds.map((fd) => {
      const p = Buffer.alloc(PROG_INFO.size);
      assert.equal(bpf.bpf_obj_get_info_by_fd(fd, p, [PROG_INFO.size]), 0);
      return p.toString('latin1', PROG_INFO.name, PROG_INFO.name + 16).replace(/\0.*$/s, '');
    });
    assert.deepEqual(names.sort(), ['bt_exec', 'bt_exit', 'bt_fork', 'bt_prepare_exec', 'bt_sweep', 'bt_sys_exit']);
  } finally {
    closeAll(fds);
  }
});

/** A trace's records as comparable lines: kind and path or argv, the test's directory masked. */
async function shape(env: NodeJS.ProcessEnv): Promise<{ loader: string | undefined; lines: string[] }> {
  const dir = tmpdir();
  fs.mkdirSync(path.join(dir, 'o'));
  fs.mkdirSync(path.join(dir, 'l'));
  const t = await trace(['/bin/sh', '-c', `${prog('opens')} ${dir}/o && ${prog('lookups')} ${dir}/l`], { env: { BT_TIMING: '1', ...env } });
  assert.equal(t.code, 0, t.stderr);
  const loader = /bt: bpf loaded by (the light skeleton|libbpf)/.exec(t.stderr)?.[1];
  // each process's records in time order: the processes' order in the ring depends on the CPUs they
  // ran on, and a repeated lookup is written when its count comes (at a sweep or at the exit)
  const byPid = new Map<number, string[]>();
  const inTime = [...t.log.records].sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  for (const r of inTime) {
    const type = Object.keys(r).find((k) => !['ts', 'pid', 'tid'].includes(k)) ?? '';
    const body = (r as unknown as Record<string, Record<string, unknown>>)[type];
    const line = `${type} ${String(body?.path ?? body?.argv ?? body?.op ?? '')} ${String(body?.repeats ?? '')}`.replaceAll(dir, 'DIR');
    byPid.set(r.pid ?? 0, [...(byPid.get(r.pid ?? 0) ?? []), line]);
  }
  assert.ok(ofType(t.log.records, 'exit').length >= 3, 'the shell and both programs exit');
  return { loader, lines: [...byPid.values()].map((l) => l.join('\n')).sort() };
}

ebpfTest('a trace loaded by the light skeleton records what one loaded by libbpf records', async () => {
  const light = await shape({});
  const libbpf = await shape({ BT_LSKEL: '0' });
  assert.equal(light.loader, 'the light skeleton');
  assert.equal(libbpf.loader, 'libbpf');
  assert.ok(light.lines.some((l) => /(^|\n)lookup /.test(l)), light.lines.join('\n'));
  assert.deepEqual(light.lines, libbpf.lines);
});

ebpfTest('a loader the kernel refuses leaves the trace to libbpf', async () => {
  const sk = readLightSkeleton(LSKEL_PATH, OBJECT_PATH);
  assert.ok(sk, 'no light skeleton: run npm run build');
  const broken = { ...sk, insns: Buffer.alloc(sk.insns.length, 0xff) };
  const direct = await startLightLoad(broken, {});
  assert.ok(!direct.ok && /bpf_prog_load\(loader\) failed: EINVAL/.test(direct.error.message), direct.ok ? 'loaded' : direct.error.message);
  const saved = fs.readFileSync(LSKEL_PATH);
  const savedStat = fs.statSync(OBJECT_PATH);
  try {
    fs.writeFileSync(LSKEL_PATH, encodeLightSkeleton(objectStamp(OBJECT_PATH), broken));
    const t = await trace([prog('exit-code'), '3'], { env: { BT_TIMING: '1' } });
    assert.equal(t.code, 3, t.stderr);
    assert.match(t.stderr, /bt: bpf loaded by libbpf/);
    assert.equal(ofType(t.log.records, 'exit').length, 1);
  } finally {
    fs.writeFileSync(LSKEL_PATH, saved);
    assert.equal(fs.statSync(OBJECT_PATH).ctimeMs, savedStat.ctimeMs);
  }
});

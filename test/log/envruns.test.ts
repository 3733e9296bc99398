import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { RecordType, decodeRecord, type LogRecord } from '../../src/log/schema.js';

/** An environment of `n` variables (well over the 256 bytes from which runs are reused). */
function env(tag: string, n = 40): string[] {
  return Array.from({ length: n }, (_, i) => `VAR_${i}=${tag}-value-${i}`);
}

function exec(vars: string[], path = '/usr/bin/cc'): LogRecord {
  return { ts: 1, pid: 7, tid: 7, exec: { path, argv: [path, '-c', 'x.c'], env: vars, cwd: '/src', errno: 0, op: 'execve', uid: 0, gid: 0 } };
}

const roundTrip = (r: LogRecord): LogRecord => decodeRecord(RecordType.encode(r).finish());

describe('inline environments (log/envruns.ts)', () => {
  it('decodes every exec environment exactly, and a repeated one as the same array', () => {
    const a = env('a');
    const b = env('b');
    const a2 = [...a.slice(0, 20), 'VAR_20=changed', ...a.slice(21)];
    const written = [a, b, a, a2, a, b, a];
    const read = written.map((vars, i) => roundTrip(exec(vars, `/bin/tool${i}`)));
    read.forEach((r, i) => {
      assert.deepEqual(r.exec!.env, written[i], `exec ${i}`);
      assert.equal(r.exec!.path, `/bin/tool${i}`);
      assert.deepEqual(r.exec!.argv, [`/bin/tool${i}`, '-c', 'x.c']);
      assert.equal(r.exec!.cwd, '/src');
    });
    assert.equal(read[2].exec!.env, read[0].exec!.env);
    assert.equal(read[6].exec!.env, read[0].exec!.env);
    assert.equal(read[5].exec!.env, read[1].exec!.env);
    assert.notEqual(read[3].exec!.env, read[0].exec!.env);
  });

  it('keeps bytes that are not UTF-8 when it reuses an environment', () => {
    const odd = [...env('odd'), 'BYTES=\udcff\udc80ok'];
    const first = roundTrip(exec(odd));
    const again = roundTrip(exec(odd));
    assert.equal(again.exec!.env, first.exec!.env);
    assert.equal(again.exec!.env.at(-1), 'BYTES=\udcff\udc80ok');
  });

  it('does not let a damaged exec change the environment of the next ones', () => {
    // field 3 with a varint wire type: protobufjs reads it as one more (empty) string
    const vars = env('damaged');
    const w = protobuf.Writer.create();
    for (const v of vars) w.uint32((3 << 3) | 2).string(v);
    w.uint32((3 << 3) | 0).uint32(0);
    const damaged = protobuf.Writer.create().uint32((11 << 3) | 2).bytes(w.finish()).finish();
    assert.deepEqual(decodeRecord(damaged).exec!.env, [...vars, '']);
    assert.deepEqual(roundTrip(exec(vars)).exec!.env, vars);
    assert.deepEqual(decodeRecord(damaged).exec!.env, [...vars, '']);
  });

  it('decodes env fields that are not one run (not how bt writes) as usual', () => {
    const w = protobuf.Writer.create();
    const vars = env('split');
    for (const v of vars) w.uint32((3 << 3) | 2).string(v);
    w.uint32((4 << 3) | 2).string('/between');
    w.uint32((3 << 3) | 2).string('LAST=1');
    const payload = w.finish();
    const rec = protobuf.Writer.create().uint32((1 << 3) | 0).uint64(5).uint32((11 << 3) | 2).bytes(payload).finish();
    for (let i = 0; i < 2; i++) {
      const r = decodeRecord(rec);
      assert.deepEqual(r.exec!.env, [...vars, 'LAST=1']);
      assert.equal(r.exec!.cwd, '/between');
    }
  });
});

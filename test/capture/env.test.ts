/**
 * Environments are written once: each distinct environment of a build is
 * one Env record, the execs refer to it (env_ref), and readers (LogReader,
 * bt dump --json) still show the full environment on every exec.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { EnvResolver, EnvSharer } from '../../src/log/env.js';
import { decodeRecord, type LogRecord } from '../../src/log/schema.js';
import { RawLogSource } from '../../src/normalize/raw.js';
import { LogReader } from '../../src/log/reader.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, ofType, trace } from '../helpers/trace.js';
import { test } from 'node:test';

const MARK = 'BT_ENV_MARK=0123456789abcdef';

ebpfTest('a build with several environments: each is written once, every exec shows its own', async () => {
  // sh (E), /bin/true x2 (E' + A=1), /bin/true (E' + A=2), env (E'), /bin/true (only B=3), where E'
  // is E as the shell passes it on: 5 environments (4 if the shell adds nothing), 6 execs
  const script = 'A=1 /bin/true; A=1 /bin/true; A=2 /bin/true; env -i B=3 /bin/true';
  const t = await trace(['/bin/sh', '-c', script], { env: { BT_ENV_MARK: '0123456789abcdef' } });
  assert.equal(t.code, 0, t.stderr);
  // what readers see: the full environment on every exec
  const execs = ofType(t.log.records, 'exec').map((r) => r.exec);
  assert.deepEqual(execs.map((e) => e.path), ['/bin/sh', '/bin/true', '/bin/true', '/bin/true', '/usr/bin/env', '/bin/true']);
  const has = (e: { env: string[] }, v: string) => e.env.includes(v);
  assert.deepEqual(
    execs.map((e) => [has(e, MARK), has(e, 'A=1'), has(e, 'A=2'), has(e, 'B=3')]),
    [
      [true, false, false, false],
      [true, true, false, false],
      [true, true, false, false],
      [true, false, true, false],
      [true, false, false, false],
      [false, false, false, true],
    ],
  );
  assert.deepEqual(execs[5].env, ['B=3']);
  assert.equal(execs[1].env.length, execs[0].env.length + 1);
  // what the log holds: 4 Env records, each exec refers to one, no exec has its env inline
  const raw: LogRecord[] = [];
  const reader = LogReader.open(t.file);
  const src = new RawLogSource(t.file, reader.dataOffset);
  reader.close();
  for (const e of src.entries()) raw.push(decodeRecord(e.buf.subarray(e.start, e.start + e.len)));
  const envs = raw.filter((r) => r.env).map((r) => r.env!);
  // the ids the execs must refer to: distinct environments numbered in order of first use
  const distinct: string[] = [];
  const want = execs.map((e) => {
    const k = e.env.join('\0');
    if (!distinct.includes(k)) distinct.push(k);
    return distinct.indexOf(k) + 1;
  });
  assert.ok(distinct.length === 4 || distinct.length === 5, `${distinct.length} environments`);
  assert.deepEqual(want.slice(1, 3), [want[1], want[1]], 'the two A=1 execs share one');
  assert.deepEqual(envs.map((e) => Number(e.id)), distinct.map((_, i) => i + 1));
  assert.deepEqual(envs.map((e) => e.vars.join('\0')), distinct);
  const rawExecs = raw.filter((r) => r.exec).map((r) => r.exec!);
  assert.deepEqual(rawExecs.map((e) => Number(e.env_ref)), want);
  assert.ok(rawExecs.every((e) => e.env.length === 0));
  // an Env record comes right before the first exec that uses it
  for (const id of distinct.map((_, i) => i + 1)) {
    const at = raw.findIndex((r) => r.env && Number(r.env.id) === id);
    assert.equal(Number(raw[at + 1].exec?.env_ref), id);
  }
  // the environment's bytes are in the file once per distinct environment holding them, not per exec (5)
  const bytes = fs.readFileSync(t.file).toString('latin1');
  assert.equal(bytes.split(MARK).length - 1, distinct.filter((k) => k.split('\0').includes(MARK)).length);
  assert.ok(bytes.split(MARK).length - 1 < 5);
  // bt trace logs ring batches (format 2): the environments were shared as they were logged (log/ring/batcher.ts)
  assert.equal(t.log.header.format_version, 2);
  // bt dump --json: env on every exec, no env records
  const d = await bt(['dump', '--json', t.file]);
  const lines = d.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; env?: string[] });
  assert.equal(lines.filter((l) => l.type === 'env').length, 0);
  assert.deepEqual(lines.filter((l) => l.type === 'exec').map((l) => l.env), execs.map((e) => e.env));
});

test('EnvSharer and EnvResolver: share identical environments, restore them in order', () => {
  const sharer = new EnvSharer();
  const exec = (env: string[]): LogRecord => ({ ts: 1, pid: 2, tid: 2, exec: { path: '/x', argv: [], env, cwd: '/', errno: 0, op: 'execve', uid: 0, gid: 0 } });
  const recs = [exec(['A=1']), exec(['A=1']), exec(['A=2']), exec([]), exec(['A=1'])];
  const out: LogRecord[] = [];
  for (const r of recs) {
    const def = sharer.share(r);
    if (def) out.push(def);
    out.push(r);
  }
  assert.deepEqual(out.map((r) => (r.env ? `env${r.env.id}` : `exec${r.exec!.env_ref ?? 0}`)), ['env1', 'exec1', 'exec1', 'env2', 'exec2', 'exec0', 'exec1']);
  const res = new EnvResolver();
  for (const r of out) {
    if (r.env) res.define(r.env);
    else res.resolve(r);
  }
  assert.deepEqual(out.filter((r) => r.exec).map((r) => r.exec!.env), [['A=1'], ['A=1'], ['A=2'], [], ['A=1']]);
  assert.equal(res.unresolved, 0);
});

/**
 * The filter's `type` on real event subjects (a normalized synthetic log
 * through the build model's eventSubject): the names bt dump shows (stat,
 * rename, …) and the record kinds that stand for several (lookup, path,
 * path2, meta), the same records as bt dump --type selects.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import path from 'node:path';
import { runDump } from '../../src/cli/dump.js';
import { parseFilter } from '../../src/filter/index.js';
import { TYPE_NAMES } from '../../src/filter/fields.js';
import { displayType } from '../../src/log/dump.js';
import { LogWriter } from '../../src/log/writer.js';
import { buildFromRecords } from '../../src/model/index.js';
import { ModelEnv } from '../../src/model/subject.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CREAT, O_WRONLY, TraceBuilder, tempDir } from '../normalize/synth.js';

const AT_FDCWD = -100;

function trace(): TraceBuilder {
  const t = new TraceBuilder(100, '/w');
  t.exec(100, '/usr/bin/tool', ['tool'], '/w');
  t.push(100, { lookup: { op: 'newfstatat', path: 'a.c', dirfd: AT_FDCWD, flags: 0, mode: 0, errno: 0, ftype: 8 } });
  t.push(100, { lookup: { op: 'access', path: 'b.c', dirfd: AT_FDCWD, flags: 0, mode: 4, errno: -2 } });
  t.push(100, { lookup: { op: 'readlink', path: 'l', dirfd: AT_FDCWD, flags: 0, mode: 0, errno: 0, target: 'a.c' } });
  t.open(100, 'out.tmp', { fd: 3, flags: O_WRONLY | O_CREAT });
  t.close(100, 3);
  t.push(100, { meta: { op: 'fchmodat', path: 'out.tmp', dirfd: AT_FDCWD, errno: 0, mode: 0o755 } });
  t.pathOp2(100, 'renameat', 'out.tmp', 'out');
  t.pathOp2(100, 'symlinkat', 'out', 'ln');
  t.pathOp(100, 'unlinkat', 'old');
  t.pathOp(100, 'mkdirat', 'dir');
  t.exit(100, 0);
  return t;
}

/** The display types of the records a filter keeps, in log order. */
function kept(filter: string): string[] {
  const t = trace();
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const env = new ModelEnv(build);
  const keep = parseFilter(filter).bind(env);
  return n.records.filter((r) => keep(env.eventSubject(r))).map(displayType);
}

test('type == a record kind keeps every family of it; a family name only its own', () => {
  assert.deepEqual(kept('type == lookup'), ['stat', 'access', 'readlink']);
  assert.deepEqual(kept('type == stat'), ['stat']);
  assert.deepEqual(kept('type == readlink'), ['readlink']);
  assert.deepEqual(kept('type == path2'), ['rename', 'symlink']);
  assert.deepEqual(kept('type == rename'), ['rename']);
  assert.deepEqual(kept('type == path'), ['unlink', 'mkdir']);
  assert.deepEqual(kept('type == meta'), ['chmod']);
  assert.deepEqual(kept('type == chmod'), ['chmod']);
  assert.deepEqual(kept('type in {meta, readlink}'), ['readlink', 'chmod']);
  assert.deepEqual(kept('type != lookup and type != exit and type != exec and type != process'), [
    'open', 'close', 'chmod', 'rename', 'symlink', 'unlink', 'mkdir',
  ]);
  // a glob or regex matches the shown type or its record kind
  assert.deepEqual(kept('type ~ "path*"'), ['rename', 'symlink', 'unlink', 'mkdir']);
  assert.deepEqual(kept('type ~ "s*"'), ['stat', 'symlink']);
  assert.deepEqual(kept('type matches "^look"'), ['stat', 'access', 'readlink']);
  assert.deepEqual(kept('type contains "link"'), ['readlink', 'symlink', 'unlink']);
});

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

test('every type name: the filter keeps what bt dump --type keeps, and some name of each record shown', async () => {
  // a normalized log: what --type and --filter see is the same records
  const t = trace();
  const n = normalizeRecords(t.header, t.records);
  const file = path.join(tempDir(), 'types.norm.trace');
  const w = LogWriter.open(file, n.header);
  for (const r of n.records) w.write(r);
  w.close(t.trailer());
  const lines = async (opts: { type?: string; filter?: string }): Promise<string[]> => {
    const out = new Collect();
    await runDump(file, { json: true, ...opts }, out, new Collect());
    return out.text
      .split('\n')
      .filter((l) => l.startsWith('{') && !/"type":"(header|trailer)"/.test(l))
      .map((l) => {
        const o = JSON.parse(l) as Record<string, unknown>;
        return `${o.type} ${o.seq}`;
      });
  };
  const shown = new Set<string>();
  for (const name of TYPE_NAMES.filter((n) => n !== 'file')) {
    const byType = await lines({ type: name });
    const byFilter = await lines({ type: undefined, filter: `type == ${name}` });
    assert.deepEqual(byFilter, byType, name);
    for (const l of byType) shown.add(l.split(' ')[0]);
  }
  assert.deepEqual(
    [...shown].sort(),
    ['access', 'chmod', 'close', 'exec', 'exit', 'mkdir', 'open', 'process', 'readlink', 'rename', 'stat', 'symlink', 'unlink'],
  );
});

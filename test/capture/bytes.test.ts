/**
 * Non-UTF-8 file names and arguments (test-programs/badnames.c) are kept
 * exactly, through capture, normalize and bt dump --json (\udcNN escapes).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodeString } from '../../src/log/bytes.js';
import { normalizeFile } from '../../src/normalize/normalize.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { BT, bt, loadLog, ofType, prog, tmpdir, trace } from '../helpers/trace.js';

ebpfTest('bad-\\xff.c and bad-\\xfe.c stay two files; argv and env keep their bytes', async () => {
  const dir = tmpdir();
  const t = await trace([prog('badnames'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const opens = ofType(t.log.records, 'open').filter((r) => r.open.path.startsWith('bad-')).map((r) => r.open.path);
  assert.deepEqual(opens, ['bad-\udcff.c', 'bad-\udcfe.c']);
  // the strings encode back to the names the program created
  const onDisk = fs.readdirSync(dir, { encoding: 'buffer' }).map((n) => n.toString('hex')).sort();
  assert.deepEqual(onDisk, [encodeString('bad-\udcff.c'), encodeString('bad-\udcfe\udcfd.c')].map((x) => x.toString('hex')).sort());
  const stats = ofType(t.log.records, 'lookup').filter((r) => r.lookup.op === 'stat' && !r.lookup.path.startsWith('/')).map((r) => r.lookup.path);
  assert.deepEqual(stats, ['bad-\udcff.c', 'café-\udcc3.c']);
  const rename = ofType(t.log.records, 'path2').find((r) => r.path2.op === 'rename')!;
  assert.deepEqual([rename.path2.from, rename.path2.to], ['bad-\udcfe.c', 'bad-\udcfe\udcfd.c']);
  const exec = ofType(t.log.records, 'exec').find((r) => r.exec.path === '/bin/true')!;
  assert.deepEqual(exec.exec.argv, ['true', 'arg-\udcff', '\udcfe']);
  assert.deepEqual(exec.exec.env, ['BT_BAD=\udcff']);
  // normalize: absolute paths keep the bytes, in the normalized log too
  const norm = t.file.replace(/\.trace$/, '.norm.trace');
  normalizeFile(t.file, norm);
  const n = loadLog(norm);
  const abs = ofType(n.records, 'open').filter((r) => r.open.path.startsWith('bad-')).map((r) => r.abspath);
  assert.deepEqual(abs, [path.join(dir, 'bad-\udcff.c'), path.join(dir, 'bad-\udcfe.c')]);
  assert.ok(fs.readFileSync(norm).includes(encodeString(path.join(dir, 'bad-\udcff.c'))));
  // bt dump --json: \udcNN escapes
  const d = await bt(['dump', '--json', '--type', 'open,exec', t.file]);
  assert.match(d.stdout, /"path":"bad-\\udcff\.c"/);
  assert.match(d.stdout, /"path":"bad-\\udcfe\.c"/);
  assert.match(d.stdout, /"argv":\["true","arg-\\udcff","\\udcfe"\]/);
});

ebpfTest("bt's own argv, environment and cwd reach the build and the log with their bytes (Node decodes them as UTF-8)", async () => {
  const dir = tmpdir();
  fs.copyFileSync('/bin/true', path.join(dir, 'progX'));
  const log = path.join(dir, 'x.trace');
  const out = path.join(dir, 'out');
  // bash makes the bytes: Node's spawn passes UTF-8 only
  const script = [
    `cd ${dir} && mv progX $'prog\\xff' && mkdir $'cwd\\xfe' && cd $'cwd\\xfe'`,
    `env $'BT_RAW=v\\xfe' ${process.execPath} ${BT} trace -q -o ${log} -- sh -c 'printf "%s|" "$1" "$BT_RAW" > ${out}' sh $'a\\xffb'`,
    `${process.execPath} ${BT} trace -q -o ${log}.2 -- $'../prog\\xff'`,
  ].join(' && ');
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readFileSync(out), Buffer.from('a\xffb|v\xfe|', 'latin1'), 'the build got the bytes bt was given');
  const l = loadLog(log);
  assert.deepEqual(l.header.command, ['sh', '-c', `printf "%s|" "$1" "$BT_RAW" > ${out}`, 'sh', 'a\udcffb']);
  assert.equal(l.header.cwd, path.join(dir, 'cwd\udcfe'));
  const sh = ofType(l.records, 'exec')[0]!;
  assert.equal(sh.exec.argv.at(-1), 'a\udcffb');
  assert.ok(sh.exec.env.includes('BT_RAW=v\udcfe'), 'the environment variable as it was');
  // a command whose name is not UTF-8 is found and run
  const l2 = loadLog(`${log}.2`);
  assert.equal(ofType(l2.records, 'exec')[0]!.exec.path, path.join(dir, 'prog\udcff'));
});

/**
 * bt diff on real traces (eBPF, as root): a header that only the compiler
 * opens (no make rule names it, so nothing stats it), edited between two
 * clean builds in the same directory, is an input that changed: the open
 * records carry the file's mtime as the kernel found it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { DiffReport } from '../../src/diff/index.js';
import { loadBuild } from '../../src/model/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';

ebpfTest('diff: a header only the compiler opened, edited between two clean builds, is an input that changed', async () => {
  const dir = path.join(tmpdir('bt-diff-opened-'), 'cproject');
  fs.mkdirSync(dir);
  for (const f of ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h']) {
    fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(dir, f));
  }
  // the rules name their sources only: make never stats a header
  const mk = path.join(dir, 'Makefile');
  fs.writeFileSync(mk, fs.readFileSync(mk, 'utf8').replace(/^(\w+\.o: \w+\.c).*$/gm, '$1'));
  const header = path.join(dir, 'greet.h');
  await execa('touch', ['-d', '2024-01-01 00:00:00 UTC', header]);

  const a = await trace(['make', '-j2'], { cwd: dir });
  assert.equal(a.code, 0, a.stderr);
  await execa('make', ['clean'], { cwd: dir });
  fs.appendFileSync(header, '/* edited */\n');
  await execa('touch', ['-d', '2024-06-01 12:00:00.5 UTC', header]);
  const b = await trace(['make', '-j2'], { cwd: dir });
  assert.equal(b.code, 0, b.stderr);

  // nothing stat'ed the header in either build: its time came with cc1's open
  for (const t of [a, b]) {
    const build = loadBuild(t.file);
    const f = build.file(header)!;
    assert.ok(f.procs.every((x) => build.process(x.proc)!.exe.endsWith('/cc1')), 'only cc1 used the header');
  }
  const j = await bt(['diff', '--json', a.file, b.file]);
  assert.equal(j.code, 1, j.stderr);
  const r = JSON.parse(j.stdout) as DiffReport;
  // paths relative to each build's directory
  const size = fs.statSync(header).size;
  assert.deepEqual(r.inputs_changed, [
    { path: 'greet.h', by: 'mtime', a: '1704067200.000000000', b: '1717243200.500000000', a_size: size - '/* edited */\n'.length, b_size: size, tools: ['cc1'] },
  ]);
});

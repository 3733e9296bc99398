/**
 * -o onto an existing file, through each command (src/log/replace.ts):
 * running a command again onto its own earlier output works, in every
 * format; a source file, a Makefile or the raw log of another build is
 * refused in one line and left byte for byte as it was; --force replaces it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bt, oneLineError, tmpdir, type RunResult } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

const dir = tmpdir('bt-replace-cli-');
const raw = cBuildTrace(['a', 'b']).write(path.join(dir, 'build.trace'));
/** The raw log of another build, which cannot be recorded again. */
const other = cBuildTrace(['c']).write(path.join(dir, 'other.trace'));
const norm = path.join(dir, 'build.norm.trace');

const MAKEFILE = 'all: prog\n\tcc -o prog main.c\n';
const SOURCE = 'int main(void) { return 0; }\n';

function victims(): Record<string, string> {
  const makefile = path.join(dir, 'Makefile');
  const source = path.join(dir, 'main.c');
  fs.writeFileSync(makefile, MAKEFILE);
  fs.writeFileSync(source, SOURCE);
  return { makefile, source };
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function refused(r: RunResult, command: string, file: string, why: string): void {
  oneLineError(r, new RegExp(`^${esc(command)}: refusing to replace ${esc(file)}: ${esc(why)}; pass --force to replace it$`));
}

const RAW_WHY = 'it is a raw bt log, the record of a build that cannot be traced again';

/** Runs `args` + [-o, out] twice onto the same file: both work, and the second writes the same kind again. */
async function twice(args: string[], out: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const r = await bt([...args, '-o', out]);
    assert.equal(r.code, 0, `run ${i + 1} of ${args.join(' ')}: ${r.stderr}`);
    assert.ok(fs.statSync(out).size > 0);
  }
}

describe('-o onto an existing file', () => {
  it('bt normalize: its own output again; a raw log, a source file refused; --force', async () => {
    fs.rmSync(norm, { force: true });
    await twice(['normalize', '-q', raw], norm);
    // the default output (build.norm.trace) again
    assert.equal((await bt(['normalize', '-q', raw])).code, 0);
    const before = fs.readFileSync(other);
    refused(await bt(['normalize', '-q', raw, '-o', other]), 'bt normalize', other, RAW_WHY);
    assert.deepEqual(fs.readFileSync(other), before);
    const { source } = victims();
    refused(await bt(['normalize', '-q', raw, '-o', source]), 'bt normalize', source, 'it is not a normalized bt log (it looks like text)');
    assert.equal(fs.readFileSync(source, 'utf8'), SOURCE);
    const copy = path.join(dir, 'copy.trace');
    fs.copyFileSync(other, copy);
    const forced = await bt(['normalize', '-q', '--force', raw, '-o', copy]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(fs.readFileSync(copy), fs.readFileSync(norm));
  });

  it('bt graph: each format onto its own output; a Makefile, the other format, a raw log refused; --force', async () => {
    if (!fs.existsSync(norm)) assert.equal((await bt(['normalize', '-q', raw, '-o', norm])).code, 0);
    for (const ext of ['svg', 'png', 'dot']) await twice(['graph', '-q', norm], path.join(dir, `g.${ext}`));
    const { makefile } = victims();
    refused(await bt(['graph', '-q', norm, '--format', 'svg', '-o', makefile]), 'bt graph', makefile, 'it is not an SVG file (it looks like text)');
    refused(await bt(['graph', '-q', norm, '--format', 'dot', '-o', makefile]), 'bt graph', makefile, 'it is not a DOT file (it looks like text)');
    assert.equal(fs.readFileSync(makefile, 'utf8'), MAKEFILE);
    const svg = path.join(dir, 'g.svg');
    const svgBytes = fs.readFileSync(svg);
    refused(await bt(['graph', '-q', norm, '--format', 'png', '-o', svg]), 'bt graph', svg, 'it is not a PNG image (it looks like an SVG file)');
    assert.deepEqual(fs.readFileSync(svg), svgBytes);
    const before = fs.readFileSync(other);
    refused(await bt(['graph', '-q', norm, '--format', 'dot', '-o', other]), 'bt graph', other, RAW_WHY);
    assert.deepEqual(fs.readFileSync(other), before);
    const forced = await bt(['graph', '-q', norm, '--format', 'dot', '--force', '-o', makefile]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(fs.readFileSync(makefile, 'utf8'), /^digraph /);
  });

  it('bt export: each format onto its own output; a source file, a Makefile, a raw log refused; --force', async () => {
    const kinds: Record<string, string> = {
      'compile-commands': 'a JSON compilation database',
      perfetto: 'a Perfetto trace',
      'chrome-trace': 'a Chrome trace (JSON)',
      makedeps: 'a make dependency file of bt export makedeps',
      jsonl: 'a JSON Lines export of bt',
    };
    for (const [format, name] of Object.entries(kinds)) {
      await twice(['export', '-q', format, raw], path.join(dir, `out.${format}`));
      const { makefile, source } = victims();
      for (const f of [makefile, source]) {
        refused(await bt(['export', '-q', format, raw, '-o', f]), 'bt export', f, `it is not ${name} (it looks like text)`);
      }
      assert.equal(fs.readFileSync(makefile, 'utf8'), MAKEFILE);
      assert.equal(fs.readFileSync(source, 'utf8'), SOURCE);
      const before = fs.readFileSync(other);
      refused(await bt(['export', '-q', format, raw, '-o', other]), 'bt export', other, RAW_WHY);
      assert.deepEqual(fs.readFileSync(other), before);
      const forced = await bt(['export', '-q', '--force', format, raw, '-o', source]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual(fs.readFileSync(source), fs.readFileSync(path.join(dir, `out.${format}`)), format);
    }
    oneLineError(await bt(['export', '--force', 'parquet', raw, '-o', path.join(dir, 'pq')]), /^bt: --force does not apply to bt export parquet/);
  });

  it('bt view --html: its own page again; a file of notes refused; --force', async () => {
    const page = path.join(dir, 'page.html');
    for (let i = 0; i < 2; i++) {
      const r = await bt(['view', '-q', raw, '--html', page]);
      assert.equal(r.code, 0, r.stderr);
    }
    const notes = path.join(dir, 'notes');
    fs.writeFileSync(notes, 'my notes\n');
    refused(await bt(['view', '-q', raw, '--html', notes]), 'bt view', notes, 'it is not an HTML page (it looks like text)');
    assert.equal(fs.readFileSync(notes, 'utf8'), 'my notes\n');
    const forced = await bt(['view', '-q', '--force', raw, '--html', notes]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(fs.readFileSync(notes, 'utf8'), /^<!doctype html>/);
  });

  it('stdout, /dev/null and an empty file are written as always', async () => {
    const empty = path.join(dir, 'empty.svg');
    fs.writeFileSync(empty, '');
    for (const out of ['/dev/null', '-', empty]) {
      const r = await bt(['graph', '-q', raw, '--format', 'svg', '-o', out]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.match(fs.readFileSync(empty, 'utf8'), /<svg/);
  });
});

/**
 * The rule by which -o replaces an existing file (src/log/replace.ts): a
 * file of the kind the command writes is replaced, anything else refused
 * in one line that names what it looks like; a raw bt log by bt trace
 * alone; --force replaces anything. Real files of each kind: logs written
 * by the log writer and by normalize, and headers as the formats begin.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LogError } from '../../src/errors.js';
import { checkReplace, type ReplaceKind } from '../../src/log/replace.js';
import { normalizeFile } from '../../src/normalize/normalize.js';
import { cBuildTrace } from '../normalize/synth.js';
import { tmpdir } from '../helpers/tmp.js';

const dir = tmpdir('bt-replace-');
const raw = cBuildTrace(['a']).write(path.join(dir, 'raw.trace'));
const norm = path.join(dir, 'norm.trace');
normalizeFile(raw, norm);

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

/** checkReplace on `p`: undefined if it may be replaced, else the message. */
function verdict(p: string, kind: ReplaceKind, force = false): string | undefined {
  const fd = fs.openSync(p, 'r');
  try {
    checkReplace(fd, p, { kind, command: 'bt x', force });
    return undefined;
  } catch (err) {
    assert.ok(err instanceof LogError && err.code === 'E_REPLACE' && err.command === 'bt x', String(err));
    return err.message;
  } finally {
    fs.closeSync(fd);
  }
}

const perfettoBytes = Buffer.concat([Buffer.from([0x0a, 3, 0x50, 0x01, 0x00]), Buffer.from([0x0a, 2, 0x08, 0x01])]);
const samples: Record<string, string> = {
  makefile: file('Makefile', 'CC = gcc\nall: prog\n\tcc -o prog main.c\n'),
  source: file('main.c', '#include <stdio.h>\nint main(void) { return 0; }\n'),
  svg: file('g.svg', '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n "x">\n<svg width="8pt">\n</svg>\n'),
  png: file('g.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])),
  dot: file('g.dot', '// made by hand\ndigraph build {\n  a -> b\n}\n'),
  html: file('p.html', '<!doctype html>\n<html lang="en"><body></body></html>\n'),
  compile: file('compile_commands.json', '[\n  {\n    "directory": "/w",\n    "file": "/w/a.c",\n    "arguments": ["cc", "-c", "a.c"]\n  }\n]\n'),
  emptyCompile: file('empty.json', '[]\n'),
  packageJson: file('package.json', '{\n  "name": "x",\n  "version": "1.0.0"\n}\n'),
  chrome: file('trace.json', '{"displayTimeUnit":"ms","otherData":{"command":"make"},\n"traceEvents":[\n{"ph":"X","name":"cc"}\n]}\n'),
  jsonl: file('build.jsonl', '{"type":"header","format_version":1}\n{"type":"exec","pid":1}\n'),
  otherJsonl: file('data.jsonl', '{"user":"a"}\n{"user":"b"}\n'),
  makedeps: file('build.d', '/w/a.o: /w/a.c /w/a.h\n\n/w/a.h:\n# skipped: make cannot name "x;y"\n'),
  gccDeps: file('a.d', 'a.o: a.c a.h\n'),
  perfetto: file('build.pftrace', perfettoBytes),
  textStartingWithNewline: file('notes.txt', '\n#include <x.h>\n'),
  raw,
  norm,
};

const accepts: Record<ReplaceKind, string[]> = {
  log: ['raw', 'norm'],
  'normalized-log': ['norm'],
  svg: ['svg'],
  png: ['png'],
  dot: ['dot'],
  html: ['html'],
  'compile-commands': ['compile', 'emptyCompile'],
  'chrome-trace': ['chrome'],
  jsonl: ['jsonl'],
  makedeps: ['makedeps'],
  perfetto: ['perfetto'],
};

describe('checkReplace', () => {
  for (const [kind, ok] of Object.entries(accepts) as Array<[ReplaceKind, string[]]>) {
    it(`${kind}: replaces ${ok.join(', ')}; refuses every other sample`, () => {
      for (const [name, p] of Object.entries(samples)) {
        const v = verdict(p, kind);
        if (ok.includes(name)) assert.equal(v, undefined, `${kind} onto ${name}`);
        else {
          assert.ok(v, `${kind} onto ${name} must be refused`);
          assert.match(v, new RegExp(`^refusing to replace ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*; pass --force to replace it$`));
        }
        assert.equal(verdict(p, kind, true), undefined, `--force: ${kind} onto ${name}`);
      }
    });
  }

  it('says what the file looks like; a raw log as the record of a build', () => {
    const { makefile, source, svg, raw: r, norm: n, packageJson, perfetto } = samples;
    assert.equal(verdict(makefile, 'svg'), `refusing to replace ${makefile}: it is not an SVG file (it looks like text); pass --force to replace it`);
    assert.equal(verdict(source, 'compile-commands'), `refusing to replace ${source}: it is not a JSON compilation database (it looks like text); pass --force to replace it`);
    assert.equal(verdict(svg, 'png'), `refusing to replace ${svg}: it is not a PNG image (it looks like an SVG file); pass --force to replace it`);
    assert.equal(verdict(n, 'dot'), `refusing to replace ${n}: it is not a DOT file (it looks like a normalized bt log); pass --force to replace it`);
    assert.equal(verdict(packageJson, 'chrome-trace'), `refusing to replace ${packageJson}: it is not a Chrome trace (JSON) (it looks like JSON); pass --force to replace it`);
    assert.equal(verdict(perfetto, 'html'), `refusing to replace ${perfetto}: it is not an HTML page (it looks like a Perfetto trace); pass --force to replace it`);
    for (const kind of ['normalized-log', 'jsonl', 'perfetto'] as const) {
      assert.equal(verdict(r, kind), `refusing to replace ${r}: it is a raw bt log, the record of a build that cannot be traced again; pass --force to replace it`);
    }
  });

  it('an empty file is always replaced; a log cut off inside its magic is a log to bt trace only', () => {
    const empty = file('empty', '');
    for (const kind of Object.keys(accepts) as ReplaceKind[]) assert.equal(verdict(empty, kind), undefined, kind);
    const cut = file('cut.trace', fs.readFileSync(raw).subarray(0, 5));
    assert.equal(verdict(cut, 'log'), undefined);
    assert.equal(verdict(cut, 'normalized-log'), `refusing to replace ${cut}: it is not a normalized bt log (it looks like a damaged bt log); pass --force to replace it`);
  });
});

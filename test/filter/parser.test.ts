/**
 * The filter parser: the exact tree (showNode) of filters covering
 * precedence, parentheses, every operator, every field and every kind of
 * literal (units, errno and signal names, escapes).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tokenize } from '../../src/filter/lexer.js';
import { parseFilter, showNode } from '../../src/filter/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tree = (src: string): string => showNode(parseFilter(src).ast);

test('tokenizer: kinds, texts and columns', () => {
  const toks = tokenize(`exe=="cc1"&&!(dur>=1.5s||arg contains 'a\\'b\\\\c\\.d')`);
  assert.deepEqual(
    toks.map((t) => [t.kind, t.text, t.pos, t.end]),
    [
      ['word', 'exe', 0, 3],
      ['punct', '==', 3, 5],
      ['string', 'cc1', 5, 10],
      ['punct', '&&', 10, 12],
      ['punct', '!', 12, 13],
      ['punct', '(', 13, 14],
      ['word', 'dur', 14, 17],
      ['punct', '>=', 17, 19],
      ['number', '1.5s', 19, 23],
      ['punct', '||', 23, 25],
      ['word', 'arg', 25, 28],
      ['word', 'contains', 29, 37],
      ['string', "a'b\\c\\.d", 38, 50],
      ['punct', ')', 50, 51],
      ['eof', '', 51, 51],
    ],
  );
  assert.deepEqual(
    tokenize('g++ x86_64-linux-gnu-gcc env.CC -1 250µs "a\\"b\\n"').map((t) => [t.kind, t.text]),
    [
      ['word', 'g++'],
      ['word', 'x86_64-linux-gnu-gcc'],
      ['word', 'env.CC'],
      ['number', '-1'],
      ['number', '250µs'],
      ['string', 'a"b\n'],
      ['eof', ''],
    ],
  );
});

test('precedence: not > and > or, left-associative, parentheses override', () => {
  assert.equal(tree('pid == 1 or pid == 2 and pid == 3'), '(or (== pid 1) (and (== pid 2) (== pid 3)))');
  assert.equal(tree('pid == 1 and pid == 2 or pid == 3'), '(or (and (== pid 1) (== pid 2)) (== pid 3))');
  assert.equal(tree('(pid == 1 or pid == 2) and pid == 3'), '(and (or (== pid 1) (== pid 2)) (== pid 3))');
  assert.equal(tree('not errno and exit'), '(and (not errno) exit)');
  assert.equal(tree('not (errno and exit)'), '(not (and errno exit))');
  assert.equal(tree('!errno || !!exit && signal'), '(or (not errno) (and (not (not exit)) signal))');
  assert.equal(tree('pid == 1 or pid == 2 or pid == 3'), '(or (or (== pid 1) (== pid 2)) (== pid 3))');
  assert.equal(tree('pid == 1 && pid == 2 && pid == 3'), '(and (and (== pid 1) (== pid 2)) (== pid 3))');
  assert.equal(tree('((((errno))))'), 'errno');
  assert.equal(tree('not not errno'), '(not (not errno))');
});

test('every comparison operator', () => {
  assert.equal(tree('pid == 7'), '(== pid 7)');
  assert.equal(tree('pid != 7'), '(!= pid 7)');
  assert.equal(tree('pid < 7'), '(< pid 7)');
  assert.equal(tree('pid <= 7'), '(<= pid 7)');
  assert.equal(tree('pid > 7'), '(> pid 7)');
  assert.equal(tree('pid >= 7'), '(>= pid 7)');
  assert.equal(tree('path ~ "*.h"'), '(~ path "*.h")');
  assert.equal(tree('argv matches "-O[0-3]"'), '(matches argv "-O[0-3]")');
  assert.equal(tree('argv contains vmlinux'), '(contains argv "vmlinux")');
  assert.equal(tree('pid in {1, 2,3}'), '(in pid {1, 2, 3})');
  assert.equal(tree('access has write'), '(has access 2)');
  assert.equal(tree('access has {read, write}'), '(has access {1, 2})');
  assert.equal(tree('access == {read, create}'), '(== access {1, 4})');
  assert.equal(tree('access != stat'), '(!= access 256)');
  assert.equal(tree('under(exe == make)'), '(under (== exe "make"))');
  assert.equal(
    tree('under(exe == "make" and argv contains "vmlinux") and dur > 2s'),
    '(and (under (and (== exe "make") (contains argv "vmlinux"))) (> dur 2000000000))',
  );
  assert.equal(tree('under(under(pid == 1))'), '(under (under (== pid 1)))');
  assert.equal(tree('pid not in {1, 2}'), '(not (in pid {1, 2}))');
  assert.equal(tree('access not has write and errno'), '(and (not (has access 2)) errno)');
  assert.equal(tree('argv not contains x or arg not matches y'), '(or (not (contains argv "x")) (not (matches arg "y")))');
  assert.equal(tree('path not ~ "*.h"'), '(not (~ path "*.h"))');
});

test('every field', () => {
  assert.equal(tree('type == exec'), '(== type "exec")');
  assert.equal(tree('type in {process, file, path2}'), '(in type {"process", "file", "path2"})');
  assert.equal(tree('type ~ "p*"'), '(~ type "p*")');
  assert.equal(tree('proc == 12'), '(== proc 12)');
  assert.equal(tree('pid == 0x10'), '(== pid 16)');
  assert.equal(tree('ppid != 1'), '(!= ppid 1)');
  assert.equal(tree("exe == 'cc1'"), '(== exe "cc1")');
  assert.equal(tree('exe == g++'), '(== exe "g++")');
  assert.equal(tree('argv contains "-o hello"'), '(contains argv "-o hello")');
  assert.equal(tree('arg == -c'), '(== arg "-c")');
  assert.equal(tree('arg in {-O2, --version, "x y"}'), '(in arg {"-O2", "--version", "x y"})');
  assert.equal(tree('cwd == "/w/src"'), '(== cwd "/w/src")');
  assert.equal(tree('cwd ~ src'), '(~ cwd "src")');
  assert.equal(tree('path == "/usr/include/stdio.h"'), '(== path "/usr/include/stdio.h")');
  assert.equal(tree('path contains include'), '(contains path "include")');
  assert.equal(tree('access has rename_to'), '(has access 4096)');
  assert.equal(tree('access'), 'access');
  assert.equal(tree('errno == 2'), '(== errno 2)');
  assert.equal(tree('errno == ENOENT'), '(== errno 2)');
  assert.equal(tree('errno in {EACCES, enoent, 20}'), '(in errno {13, 2, 20})');
  assert.equal(tree('exit != 0'), '(!= exit 0)');
  assert.equal(tree('exit == -1'), '(== exit -1)');
  assert.equal(tree('signal == SIGKILL'), `(== signal ${os.constants.signals.SIGKILL})`);
  assert.equal(tree('signal == KILL'), '(== signal 9)');
  assert.equal(tree('signal in {term, SIGSEGV, 6}'), '(in signal {15, 11, 6})');
  assert.equal(tree('ts > 1500000000'), '(> ts 1500000000)');
  assert.equal(tree('ts <= 2m'), '(<= ts 120000000000)');
  assert.equal(tree('dur > 2s'), '(> dur 2000000000)');
  assert.equal(tree('env.CC == clang'), '(== env.CC "clang")');
  assert.equal(tree('env.MAKEFLAGS contains "-j"'), '(contains env.MAKEFLAGS "-j")');
  assert.equal(tree('env.JOBS == 4'), '(== env.JOBS "4")', 'a number is text for a text field');
  assert.equal(tree('env.CC'), 'env.CC');
});

test('duration units', () => {
  const d = (lit: string): string => tree(`dur == ${lit}`);
  assert.equal(d('7'), '(== dur 7)');
  assert.equal(d('7ns'), '(== dur 7)');
  assert.equal(d('3us'), '(== dur 3000)');
  assert.equal(d('3µs'), '(== dur 3000)');
  assert.equal(d('3μs'), '(== dur 3000)');
  assert.equal(d('1.25ms'), '(== dur 1250000)');
  assert.equal(d('1.5s'), '(== dur 1500000000)');
  assert.equal(d('2m'), '(== dur 120000000000)');
  assert.equal(d('1h'), '(== dur 3600000000000)');
  assert.equal(d('0.5h'), '(== dur 1800000000000)');
});

test('filter properties: source, usesUnder, fields', () => {
  const f = parseFilter('under(exe == make) and (path ~ "*.h" or env.CC)');
  assert.equal(f.source, 'under(exe == make) and (path ~ "*.h" or env.CC)');
  assert.equal(f.usesUnder, true);
  assert.deepEqual([...f.fields].sort(), ['env', 'exe', 'path']);
  const g = parseFilter('errno');
  assert.equal(g.usesUnder, false);
  assert.deepEqual([...g.fields], ['errno']);
});

test('the README examples parse', () => {
  assert.equal(tree('exe == "cc1" and path ~ "**/*.h"'), '(and (== exe "cc1") (~ path "**/*.h"))');
  assert.equal(
    tree('access has probe and path ~ "/usr/include/**"'),
    '(and (has access 32) (~ path "/usr/include/**"))',
  );
  assert.equal(tree('errno == ENOENT'), '(== errno 2)');
  assert.equal(tree('type == exec and exit != 0'), '(and (== type "exec") (!= exit 0))');
});

test('every example in the README section parses', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Display filters'), readme.indexOf('## The log format'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'the README has the examples block');
  const examples = block[1].split('\n').map((l) => l.replace(/\s+# .*$/, '').trim()).filter(Boolean);
  assert.equal(examples.length, 7);
  for (const ex of examples) assert.doesNotThrow(() => parseFilter(ex), ex);
  // they are examples for every command: each parses on processes and files too (summary, graph, view)
  for (const ex of examples) assert.doesNotThrow(() => parseFilter(ex, { subjects: 'processes and files', command: 'bt summary' }), ex);
  // headers cc1 opened: a read, not every lookup of a *.h path
  assert.equal(showNode(parseFilter(examples[0]).ast), '(and (and (== exe "cc1") (~ path "**/*.h")) (has access 1))');
  // unoptimized compiles: the compiler proper's processes only, not make, as or ld
  assert.equal(
    showNode(parseFilter(examples[5]).ast),
    '(and (== exe "cc1") (or (in arg {"-O0", "-O1"}) (not (matches arg "^-O"))))',
  );
});

/**
 * bt export makedeps on real traces: file names make must escape (spaces,
 * #, $, %, :, a backslash), parsed back by make itself (`make -p` prints its
 * database with the names unescaped; `make -q TARGET` finds every target),
 * and the cproject build's rules (sources, headers, objects; --output-of).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { escapePrereq, escapeTarget } from '../../src/export/makedeps.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, REPO, tmpdir, trace } from '../helpers/trace.js';

test('escaping: $ doubled; space, tab, #, :, *, ?, [, ] backslashed; % only in targets', () => {
  assert.equal(escapePrereq('/a b/c#d$e:f%g'), '/a\\ b/c\\#d$$e\\:f%g');
  assert.equal(escapeTarget('/a b/c#d$e:f%g'), '/a\\ b/c\\#d$$e\\:f\\%g');
  assert.equal(escapePrereq('/s/star[1]*?.h'), '/s/star\\[1\\]\\*\\?.h');
});

/** make's database (make -p) as target -> prerequisite text, for the "# Files" entries. */
async function makeDatabase(dir: string, file: string): Promise<Map<string, string>> {
  const r = await execa('make', ['-p', '-q', '-r', '-R', '-f', file, '.bt-no-such-goal'], { cwd: dir, reject: false, env: { ...process.env, LC_ALL: 'C' } });
  const lines = r.stdout.split('\n');
  const db = new Map<string, string>();
  const start = lines.indexOf('# Files');
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('# files hash-table stats')) break;
    if (!l.startsWith('/') || lines[i - 1].startsWith('# Not a target')) continue;
    // "TARGET: PREREQS": the target's colon is the one followed by a space or the end
    const m = /^(.*?):(?: (.*))?$/.exec(l);
    if (m) db.set(m[1], m[2] ?? '');
  }
  return db;
}

ebpfTest('tricky names (spaces, #, $, %, :, backslash) come back from make -p exactly; every target is known to make', async () => {
  const dir = tmpdir('bt-mk-');
  const t = await trace([path.join(REPO, 'test-programs', 'tricky-names.sh'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const gen = path.join(dir, 'generated.d');
  const r = await bt(['export', 'makedeps', t.file, '-o', gen]);
  assert.equal(r.code, 0, r.stderr);
  const f = (n: string) => `${dir}/${n}`;
  const want = new Map<string, string>([
    [f('in put.h'), ''],
    [f('hash#1.h'), ''],
    [f('cost$5.c'), ''],
    [f('100%.c'), ''],
    [f('back\\slash.h'), ''],
    [f('out put.o'), [f('in put.h'), f('hash#1.h'), f('cost$5.c')].join(' ')],
    [f('x:y.o'), [f('in put.h'), f('100%.c'), f('back\\slash.h')].join(' ')],
    [f('final 1.bin'), [f('out put.o'), f('x:y.o')].join(' ')],
    // a wildcard name stays itself (star1.h exists), a name not UTF-8 keeps its byte (read back as U+FFFD below),
    // a shared library the build made is a target; ; and = cannot be named in a rule: skipped with a comment
    [f('star[1].h'), ''],
    [f('star1.h'), ''],
    [f('bad\uFFFD.h'), ''],
    [f('libmade.so'), [f('star[1].h'), f('bad\uFFFD.h')].join(' ')],
    [f('last.bin'), f('libmade.so')],
  ]);
  const bytes = fs.readFileSync(gen);
  assert.ok(bytes.includes(Buffer.concat([Buffer.from(`${dir}/bad`), Buffer.from([0xff]), Buffer.from('.h')])), 'the name\'s byte 0xFF as it is');
  assert.ok(!bytes.includes(Buffer.from('\uFFFD')), 'no U+FFFD');
  const text = bytes.toString('latin1');
  assert.ok(text.includes(`# skipped: make cannot name ${JSON.stringify(f('semi;c.h'))}\n`), text);
  for (const n of ['eq=1.h', 'pipe|x.h', 'paren(1).h']) assert.ok(text.includes(`# skipped: make cannot name ${JSON.stringify(f(n))}\n`), text);
  const db = await makeDatabase(dir, gen);
  for (const [target, prereqs] of want) {
    assert.ok(db.has(target), `make knows target ${target}:\n${fs.readFileSync(gen, 'utf8')}`);
    // make prints prerequisites unescaped; % in a prerequisite needs no escape
    assert.equal(db.get(target), prereqs, `prerequisites of ${target}`);
    // (the name with byte 0xFF is given to make as its bytes, through the shell)
    const q = target.includes('\uFFFD')
      ? await execa('sh', ['-c', 'make -q -r -f "$1" "$2$(printf \'\\377\')$3"', 'sh', gen, ...target.split('\uFFFD')], { cwd: dir, reject: false })
      : await execa('make', ['-q', '-r', '-f', gen, target], { cwd: dir, reject: false });
    assert.equal(q.exitCode, 0, `make -q '${target}': ${q.stderr}`);
  }
  assert.equal(db.size, want.size, [...db.keys()].join('\n'));
  // --output-of one target: that rule and phony rules for its inputs
  const one = await bt(['export', 'makedeps', t.file, '--output-of', 'x:y.o']);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(
    one.stdout,
    `${dir}/x\\:y.o: ${dir}/in\\ put.h ${dir}/100%.c ${dir}/back\\slash.h\n\n${dir}/in\\ put.h:\n${dir}/100\\%.c:\n${dir}/back\\slash.h:`, // (execa strips the final newline)
  );
});

ebpfTest('cproject: objects depend on their source and headers (system headers too), hello on the objects and its linker\'s link inputs; no runtime noise', async () => {
  const work = tmpdir('bt-mkc-');
  const proj = path.join(work, 'cproject');
  fs.mkdirSync(proj);
  for (const x of ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h']) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', x), path.join(proj, x));
  const t = await trace(['make', '-B', '-j2'], { cwd: proj });
  assert.equal(t.code, 0, t.stderr);
  const r = await bt(['export', 'makedeps', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const rules = rulesOf(r.stdout);
  assert.deepEqual([...rules.keys()].sort(), ['greet.o', 'hello', 'main.o', 'util.o'].map((x) => `${proj}/${x}`));
  const local = (o: string) => rules.get(`${proj}/${o}`)!.filter((x) => x.startsWith(proj)).map((x) => path.basename(x)).sort();
  assert.deepEqual(local('main.o'), ['greet.h', 'main.c', 'util.h']);
  assert.deepEqual(local('util.o'), ['util.c', 'util.h']);
  assert.deepEqual(local('greet.o'), ['greet.c', 'greet.h', 'util.h']);
  assert.deepEqual(local('hello'), ['greet.o', 'main.o', 'util.o']);
  assert.ok(rules.get(`${proj}/main.o`)!.includes('/usr/include/stdio.h'));
  const noise = (x: string) => /\.so(\.\d+)*$|^\/(proc|sys|dev)\/|ld\.so\.cache|\/tmp\/cc/.test(x);
  const compiles = [...rules].filter(([o]) => o !== `${proj}/hello`).flatMap(([, i]) => i);
  assert.ok(!compiles.some(noise), 'no runtime noise or temporaries');
  // the link: the shared libraries its linker read as link inputs (the linker script libc.so, libc.so.6), as bt deps lists them; nothing else of the noise
  const hello = rules.get(`${proj}/hello`)!;
  const d = await bt(['deps', `${proj}/hello`, t.file, '--depth', '1', '--inputs']);
  assert.equal(d.code, 0, d.stderr);
  const libs = (ps: string[]) => ps.filter((x) => /\.so(\.\d+)*$/.test(x)).sort();
  assert.ok(libs(hello).some((x) => x.endsWith('/libc.so')), hello.join(' '));
  assert.deepEqual(libs(hello), libs(d.stdout.split('\n')));
  assert.ok(!hello.some((x) => noise(x) && !/\.so(\.\d+)*$/.test(x)), hello.join(' '));
  // make reads it back: every rule is in its database with the same prerequisites
  const gen = path.join(work, 'deps.d');
  fs.writeFileSync(gen, r.stdout);
  const db = await makeDatabase(work, gen);
  for (const [target, prereqs] of rules) assert.equal(db.get(target), prereqs.join(' '));
  const miss = await bt(['export', 'makedeps', t.file, '--output-of', 'main.c']);
  assert.equal(miss.code, 2);
  assert.match(miss.stderr, /^bt: .*main\.c has no rule: no job of this build wrote it, and no driver moved it into place/);
  assert.equal(miss.stderr.trim().split('\n').length, 1);
  // an option of another format is refused, not ignored
  for (const [args, want] of [
    [['makedeps', '--lanes'], 'bt: --lanes applies to bt export perfetto only, not makedeps'],
    [['jsonl', '--output-of', 'main.o'], 'bt: --output-of applies to bt export makedeps only, not jsonl'],
    [['perfetto', '--compiler', 'foo', '-o', path.join(work, 'x.pftrace')], 'bt: --compiler applies to bt export compile-commands only, not perfetto'],
  ] as const) {
    const r = await bt(['export', ...args, t.file]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim(), want);
    assert.equal(r.stdout, '');
  }
  assert.ok(!fs.existsSync(path.join(work, 'x.pftrace')));
});

/** A .d file gcc wrote, as target -> absolute prerequisites (relative names are the compiler's cwd's). */
function gccDeps(file: string, cwd: string): Map<string, string[]> {
  const rules = new Map<string, string[]>();
  for (const l of fs.readFileSync(file, 'utf8').replace(/\\\n/g, ' ').split('\n')) {
    const m = /^(\S+):(.*)$/.exec(l);
    if (m) rules.set(path.resolve(cwd, m[1]), m[2].trim().split(/\s+/).filter(Boolean).map((p) => path.resolve(cwd, p)));
  }
  return rules;
}

ebpfTest('a multi-source compile: each object and .d file depends on what made it (as <- cc1 for that source), exactly gcc -MD\'s set; a file renamed into place on what its writer read', async () => {
  const work = tmpdir('bt-mkm-');
  for (const d of ['include', 'multi', 'piped']) fs.mkdirSync(path.join(work, d));
  fs.writeFileSync(path.join(work, 'include', 'util.h'), '#define U 1\n');
  fs.writeFileSync(path.join(work, 'include', 'other.h'), '#define O 2\n');
  for (const d of ['multi', 'piped']) {
    fs.writeFileSync(path.join(work, d, 'm1.c'), 'int m1(void) { return 1; }\n');
    fs.writeFileSync(path.join(work, d, 'm2.c'), '#include "util.h"\nint m2(void) { return U; }\n');
    fs.writeFileSync(path.join(work, d, 'm3.c'), '#include "other.h"\n#include <stdio.h>\nint m3(void) { return O + EOF; }\n');
  }
  fs.writeFileSync(path.join(work, 'a'), 'a\n');
  fs.writeFileSync(
    path.join(work, 'Makefile'),
    [
      'all:',
      '\tcd multi && gcc -I../include -MD -c m1.c m2.c m3.c', // temporaries: cc1 writes /tmp/cc*.s, as reads it
      '\tcd piped && gcc -pipe -I../include -MD -c m1.c m2.c m3.c', // cc1 | as
      '\tcat a > x.tmp && mv x.tmp x',
      '',
    ].join('\n'),
  );
  const t = await trace(['make', '-s'], { cwd: work });
  assert.equal(t.code, 0, t.stderr);
  const r = await bt(['export', 'makedeps', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const rules = rulesOf(r.stdout);
  const sorted = (x: string[] | undefined) => [...(x ?? [])].sort();
  for (const d of ['multi', 'piped']) {
    for (const n of ['m1', 'm2', 'm3']) {
      const gcc = gccDeps(path.join(work, d, `${n}.d`), path.join(work, d));
      const want = sorted(gcc.get(path.join(work, d, `${n}.o`)));
      assert.ok(want.length >= 2, `gcc's ${d}/${n}.d: ${want}`);
      assert.deepEqual(sorted(rules.get(path.join(work, d, `${n}.o`))), want, `${d}/${n}.o`);
      assert.deepEqual(sorted(rules.get(path.join(work, d, `${n}.d`))), want, `${d}/${n}.d`);
    }
  }
  assert.deepEqual(rules.get(path.join(work, 'x')), [path.join(work, 'a')]);
  assert.deepEqual([...rules.keys()].filter((k) => !/\/m[123]\.[od]$/.test(k)), [path.join(work, 'x')]);
});

/** The rules with prerequisites of a makedeps output, by target (the empty -MP rules left out). */
function rulesOf(text: string): Map<string, string[]> {
  const rules = new Map<string, string[]>();
  for (const l of text.split('\n')) {
    const m = /^(\S+):(.*)$/.exec(l);
    if (m && m[2]) rules.set(m[1], m[2].trim().split(' '));
  }
  return rules;
}

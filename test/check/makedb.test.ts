/** make's database for bt check --make: arguments, MAKEFLAGS and the parser, on real make output. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cleanMakeflags, makeArgs, parseMakeDb } from '../../src/check/makedb.js';
import { REPO, tmpdir } from '../helpers/trace.js';

test('makeArgs: keeps -C, -f, -I, variables and goals; drops -j, -k, -s, -B, -n, -q, -t, -W', () => {
  assert.deepEqual(makeArgs(['-j2', 'EXT=/tmp/x', 'all']), ['EXT=/tmp/x', 'all']);
  assert.deepEqual(makeArgs(['-j', '4', '-C', 'sub', '-f', 'GNUmakefile', 'x']), ['-C', 'sub', '-f', 'GNUmakefile', 'x']);
  assert.deepEqual(makeArgs(['-skj8', '-Csub', '--jobs=3', '--no-print-directory', '-B', '-W', 'a.c', 'x']), ['-C', 'sub', 'x']);
  assert.deepEqual(makeArgs(['-rR', '--directory', 'd', '-Oline', '--', 'V=1']), ['-rR', '--directory', 'd', '--', 'V=1']);
  assert.deepEqual(makeArgs(['-e', '-i', '--eval=X:=1', '-I', 'inc']), ['-e', '-i', '--eval=X:=1', '-I', 'inc']);
});

test('makeArgs: the long -j and -l (node-gyp\'s `make --jobs 2`) drop their number word too, and only a number', () => {
  assert.deepEqual(makeArgs(['BUILDTYPE=Release', '-C', 'build', '--jobs', '2']), ['BUILDTYPE=Release', '-C', 'build']);
  assert.deepEqual(makeArgs(['--load-average', '1.5', '--max-load', '3', 'all']), ['all']);
  assert.deepEqual(makeArgs(['--jobs', 'all', '-l', 'x']), ['all', 'x'], 'without a number they take none: the next word is a goal');
  assert.deepEqual(makeArgs(['--jobs=2', '--file', 'GNUmakefile', '--what-if', 'a.c', '-kO', 'x']), ['--file', 'GNUmakefile', 'x']);
  assert.deepEqual(makeArgs(['-sC', 'sub', '-j', '-f', 'mk']), ['-C', 'sub', '-f', 'mk']);
});

test('cleanMakeflags: the job server and -j go, command-line variables stay', () => {
  assert.equal(cleanMakeflags(' -j2 --jobserver-auth=3,4 -- EXT=/tmp/x'), '-- EXT=/tmp/x');
  assert.equal(cleanMakeflags('ks -j2 --jobserver-auth=fifo:/tmp/f'), '');
  assert.equal(cleanMakeflags('rR -j2 -- A=1 B=2\\ 3'), '-rR -- A=1 B=2\\ 3');
});

test('parseMakeDb: pattern rules, .d files, grouped and multiple targets, target variables, from real make -pnq', () => {
  const dir = path.join(tmpdir('bt-makedb-'), 'p');
  fs.cpSync(path.join(REPO, 'test-programs', 'clean'), dir, { recursive: true });
  fs.appendFileSync(path.join(dir, 'Makefile'), 'x.txt y.txt &: a.in\n\ttouch x.txt y.txt\np.txt q.txt: b.in\n\ttouch $@\nmain.o: CFLAGS += -O2\n');
  execFileSync('make', ['-s', 'app'], { cwd: dir, env: { ...process.env, LC_ALL: 'C' } });
  let out = '';
  try {
    out = execFileSync('make', ['-pnq'], { cwd: dir, env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (err) {
    out = (err as { stdout: string }).stdout; // -q: exit 1 when something is out of date
  }
  const db = parseMakeDb(out, '/elsewhere');
  const at = (n: string) => path.join(dir, n);
  assert.equal(db.curdir, dir, 'CURDIR from the database');
  assert.deepEqual(db.targets.get(at('main.o'))?.prereqs, [at('main.c'), at('config.h'), at('util.h')], 'the %.o rule and main.d');
  assert.deepEqual(db.targets.get(at('app'))?.prereqs, [at('main.o'), at('util.o')]);
  assert.deepEqual(db.targets.get(at('x.txt'))?.siblings, [at('y.txt')], 'grouped targets make each other');
  assert.deepEqual(db.targets.get(at('p.txt'))?.siblings, [at('q.txt')], 'one recipe for two targets');
  assert.deepEqual(db.targets.get(at('main.o'))?.siblings, [], 'pattern-made targets are not siblings');
  assert.deepEqual([...db.makefiles].sort(), [at('Makefile'), at('main.d'), at('util.d')]);
  assert.ok(db.patterns.some((r) => r.targets[0] === '%.o' && r.prereqs[0] === '%.c'));
  // recipes as written: a target's own, a pattern rule's
  assert.deepEqual(db.targets.get(at('b.txt'))?.recipe, ['sleep 0.3; cp b.in b.tmp; cp b.tmp b.txt; rm b.tmp']);
  assert.deepEqual(db.patterns.find((r) => r.targets[0] === '%.o' && r.prereqs[0] === '%.c')?.recipe, ['$(CC) $(CFLAGS) -c -o $@ $<']);
});

test('parseMakeDb: a target make visited has its pattern rule\'s recipe lines, its stem and the automatic variables make expanded', () => {
  const dir = path.join(tmpdir('bt-makedb-'), 'p');
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Makefile'), 'all: out/a.o\nout/%.o: src/%.c\n\t@echo compiling $<\n\tcp $< $@\n');
  fs.writeFileSync(path.join(dir, 'src', 'a.c'), '');
  let out = '';
  try {
    out = execFileSync('make', ['-pnq'], { cwd: dir, env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' });
  } catch (err) {
    out = (err as { stdout: string }).stdout;
  }
  const t = parseMakeDb(out, dir).targets.get(path.join(dir, 'out', 'a.o'));
  assert.deepEqual(t?.recipe, ['@echo compiling $<', 'cp $< $@']);
  assert.equal(t?.stem, 'a');
  assert.deepEqual([t?.automatic['@'], t?.automatic['<'], t?.automatic['*']], ['out/a.o', 'src/a.c', 'a']);
});

/** make's database for bt check --make: arguments, MAKEFLAGS and the parser, on real make output. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CheckError } from '../../src/errors.js';
import type { Process } from '../../src/model/index.js';
import { cleanMakeflags, makeArgs, makeDatabase, makeEnv, parseMakeDb } from '../../src/check/makedb.js';
import { needFiles } from '../helpers/tools.js';
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

/** A make process as the model has it, for makeDatabase: program, directory, arguments and environment. */
function makeProcess(exe: string, cwd: string, env: string[]): Process {
  return { exe, argv: [exe], cwd, env } as unknown as Process;
}

test('makeEnv: a preload and its wrapper\'s state (fakeroot, faketime) go, and the traced job server; LD_LIBRARY_PATH and variables stay', () => {
  const env = makeEnv({
    env: [
      'LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/libfakeroot',
      'LD_PRELOAD=libfakeroot-sysv.so',
      'FAKEROOTKEY=1234',
      'FAKED_MODE=unknown-is-root',
      'FAKEROOTUID=0',
      'FAKETIME=-1d',
      'LD_AUDIT=/x/audit.so',
      'MAKEFLAGS= -j2 --jobserver-auth=3,4 -- V=1',
      'GNUMAKEFLAGS=--jobserver-auth=fifo:/tmp/GMfifo1 -k',
      'MFLAGS=-j2',
      'CC=gcc',
    ],
  });
  assert.deepEqual(
    Object.keys(env).sort(),
    ['CC', 'GNUMAKEFLAGS', 'LC_ALL', 'LD_LIBRARY_PATH', 'MAKEFLAGS'],
  );
  assert.equal(env.MAKEFLAGS, '-- V=1');
  assert.equal(env.GNUMAKEFLAGS, '');
  assert.equal(env.LD_LIBRARY_PATH, '/usr/lib/x86_64-linux-gnu/libfakeroot');
});

/** libfakeroot's directory, /usr/lib/<multiarch>/libfakeroot (that placeholder when fakeroot is not installed). */
function libfakeroot(): string {
  const dirs = fs.readdirSync('/usr/lib').map((d) => path.join('/usr/lib', d, 'libfakeroot'));
  return dirs.find((d) => fs.existsSync(path.join(d, 'libfakeroot-sysv.so'))) ?? '/usr/lib/<multiarch>/libfakeroot';
}

test('makeDatabase: a make traced under fakeroot (its preload and the key of a faked that is gone) gives its database at once', async (t) => {
  const lib = libfakeroot();
  if (!needFiles(t, path.join(lib, 'libfakeroot-sysv.so'))) return;
  const dir = tmpdir('bt-makedb-fakeroot-');
  fs.writeFileSync(path.join(dir, 'Makefile'), 'all: a.txt\na.txt:\n\ttouch $@\n');
  const env = [`PATH=${process.env.PATH}`, `LD_LIBRARY_PATH=${lib}`, 'LD_PRELOAD=libfakeroot-sysv.so', 'FAKEROOTKEY=999', 'FAKED_MODE=unknown-is-root'];
  const started = Date.now();
  // with the preload, libfakeroot waits for the dead faked forever: the 20 s timeout would end it
  const db = await makeDatabase(makeProcess('/usr/bin/make', dir, env), 20_000);
  assert.ok(db.targets.has(path.join(dir, 'a.txt')), 'the database has the Makefile\'s target');
  assert.ok(Date.now() - started < 10_000, `make -pnq took ${Date.now() - started} ms`);
});

test('makeDatabase: a make that does not finish is killed, and the error names what ran and for how long; a signal is named', async () => {
  const dir = tmpdir('bt-makedb-hang-');
  const hang = path.join(dir, 'make');
  fs.writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  await assert.rejects(makeDatabase(makeProcess(hang, dir, ['PATH=/usr/bin:/bin']), 300), (err: Error) => {
    assert.ok(err instanceof CheckError);
    assert.equal(err.message, `${hang} -p -n -q MAKE=true in ${dir} did not finish: killed by SIGKILL after 0.300 s`);
    return true;
  });
  const crash = path.join(dir, 'crash');
  fs.writeFileSync(crash, '#!/bin/sh\nkill -SEGV $$\n', { mode: 0o755 });
  await assert.rejects(makeDatabase(makeProcess(crash, dir, ['PATH=/usr/bin:/bin']), 10_000), (err: Error) => {
    assert.equal(err.message, `${crash} -p -n -q MAKE=true in ${dir} was killed by SIGSEGV`);
    return true;
  });
});

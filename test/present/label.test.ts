/** A job's command on one line (commandIn): whole when it fits, else what tells the jobs apart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandIn } from '../../src/present/label.js';

const CGO = (src: string, obj: string) => [
  '/usr/bin/gcc', '-I', '/tmp/review/gop/internal/calc', '-fPIC', '-m64', '-pthread', '-Wl,--no-gc-sections', '-fmessage-length=0',
  '-fdebug-prefix-map=/tmp/go-build4061131759/b002=/tmp/go-build', '-gno-record-gcc-switches', '-I', '/tmp/go-build4061131759/b002/',
  '-O2', '-g', '-o', `/tmp/go-build4061131759/b002/${obj}`, '-c', src,
];

test('commandIn: a command that fits is whole; a long compile keeps -c, its source and its output, so two compiles differ', () => {
  assert.equal(commandIn(['cc', '-c', '-o', 'main.o', 'main.c'], 120), 'cc -c -o main.o main.c');
  const a = commandIn(CGO('fast.c', '_x003.o'), 120);
  const b = commandIn(CGO('slow.c', '_x004.o'), 120);
  assert.equal(a, 'gcc -c fast.c -o …/b002/_x003.o …');
  assert.equal(b, 'gcc -c slow.c -o …/b002/_x004.o …');
  assert.ok(a.length <= 120);
  // a shell running a long script: its first real command
  const sh = commandIn(['/bin/sh', '-c', `cd /src/w && ${CGO('fast.c', '_x003.o').join(' ')}`], 60);
  assert.equal(sh, "sh -c 'gcc -c fast.c -o …/b002/_x003.o …'");
});

/**
 * Recipe lines against the commands make ran (src/check/recipes.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { automatic, commandOf, linePattern, matchesLine } from '../../src/check/recipes.js';

test('a recipe line matches the command make ran from it: variables expand to anything, automatic ones to the target', () => {
  const m = (line: string, cmd: string, auto = {}) => matchesLine(linePattern(line, auto), cmd);
  assert.ok(m('cat in.txt secret.cfg > out.tmp', 'cat in.txt secret.cfg > out.tmp'));
  assert.ok(!m('cat in.txt secret.cfg > out.tmp', 'cat in.txt > out.tmp'));
  assert.ok(m('@echo compiling $<', 'echo compiling a.c'), 'the @ prefix is make\'s');
  assert.ok(m('-@+ rm -f x', 'rm -f x'));
  assert.ok(m('$(CC) $(CFLAGS) -c $< -o $@', 'cc  -c a.c -o a.o'), 'an empty CFLAGS leaves two blanks');
  assert.ok(m('$(CC) $(CFLAGS) -c $< -o $@', 'cc -O2 -c a.c -o a.o', automatic('a.o')));
  assert.ok(!m('$(CC) $(CFLAGS) -c $< -o $@', 'cc -O2 -c b.c -o b.o', automatic('a.o')), 'another target of the same rule');
  assert.ok(m('mv $@.tmp $@', 'mv out/a.o.tmp out/a.o', automatic('out/a.o')));
  assert.ok(m('cd $(@D) && touch $(@F)', 'cd out && touch a.o', automatic('out/a.o')));
  assert.ok(m('cat $*.extra', 'cat c.extra', automatic('c.txt', 'c')));
  assert.ok(m('echo "a  b" $$HOME', "echo 'a b' $HOME"), 'quotes and blanks; $$ is a dollar');
  assert.ok(m('echo a \\\n  b $(X)', 'echo a b hello'), 'a continued line run without a shell');
  assert.ok(m('cp x y; \\\necho z', 'cp x y; \\\necho z'), 'and with one');
  assert.ok(!m('echo $(shell date) done', 'echo Tue done later'));
  assert.ok(m('$(MAKE) -C sub', 'make -C sub'));
});

test('the command of a job: the text given to the shell, else the words', () => {
  assert.equal(commandOf(['/bin/sh', '-c', 'a > b']), 'a > b');
  assert.equal(commandOf(['/bin/bash', '-ec', 'a']), 'a');
  // make's .SHELLFLAGS := -eu -o pipefail -c
  assert.equal(commandOf(['/bin/bash', '-eu', '-o', 'pipefail', '-c', 'a | b']), 'a | b');
  assert.equal(commandOf(['cp', 'x', 'y']), 'cp x y');
});

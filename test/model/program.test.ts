/**
 * What a process runs, from its argv: the program's name, shells and their
 * inline scripts (src/model/program.ts), which graph labels, check's
 * recipes and every answer share.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShell, programName, shellInline } from '../../src/model/program.js';

const name = (argv: string[], exe = `/usr/bin/${argv[0]}`) => programName({ argv, exe, pid: 7 });

test('a shell is named by the script it runs, not by inline code or its options', () => {
  assert.equal(name(['sh', './configure', '--prefix=/usr'], '/usr/bin/dash'), 'configure');
  // -e is errexit for a shell (it is inline code for perl): the script is still named
  assert.equal(name(['sh', '-e', 'gen.sh', 'x'], '/usr/bin/dash'), 'gen.sh');
  assert.equal(name(['bash', '-o', 'pipefail', 'tools/mk.sh'], '/usr/bin/bash'), 'mk.sh');
  assert.equal(name(['sh', '-ec', 'gen.sh'], '/usr/bin/dash'), 'sh');
  // -s: the script comes from the input, the operands are its arguments
  assert.equal(name(['sh', '-s', 'arg'], '/usr/bin/dash'), 'sh');
  assert.equal(name(['perl', '-e', 'print 1', 'x.pl'], '/usr/bin/perl'), 'perl');
  assert.equal(name(['python3', '-W', 'error', 'setup.py'], '/usr/bin/python3.11'), 'setup.py');
  // an option's value is the interpreter's own: perl's and ruby's -I DIR, node's -r MODULE; python's -I is a flag
  assert.equal(name(['perl', '-I', 'lib', 'script.pl', 'x'], '/usr/bin/perl'), 'script.pl');
  assert.equal(name(['ruby', '-I', 'lib', '-r', 'json', 'gen.rb'], '/usr/bin/ruby3.1'), 'gen.rb');
  assert.equal(name(['node', '-r', 'ts-node/register', 'build.js'], '/usr/bin/node'), 'build.js');
  assert.equal(name(['python3', '-I', 'setup.py'], '/usr/bin/python3.11'), 'setup.py');
  assert.equal(name(['env', 'LC_ALL=C', 'sort'], '/usr/bin/env'), 'sort');
  // a #! script: its exe is the script
  assert.equal(name(['/bin/sh', './gen'], '/w/gen'), 'gen');
  assert.equal(programName({ argv: [], exe: '', pid: 7 }), 'pid 7');
});

test('a shell\'s inline script: after options and option values, -c alone or in a cluster', () => {
  assert.deepEqual(shellInline(['sh', '-c', 'echo hi']), { script: 'echo hi', at: 1 });
  assert.deepEqual(shellInline(['/bin/bash', '-ec', 'make -C sub']), { script: 'make -C sub', at: 1 });
  assert.deepEqual(shellInline(['bash', '-e', '-o', 'pipefail', '-c', 'a | b', 'argv0']), { script: 'a | b', at: 4 });
  assert.deepEqual(shellInline(['mksh', '+o', 'c', '-c', 'x']), { script: 'x', at: 3 });
  // a script file before any -c, a -c with no script, and programs that are not shells
  assert.equal(shellInline(['sh', 'gen.sh', '-c', 'x']), undefined);
  assert.equal(shellInline(['sh', '-c']), undefined);
  assert.equal(shellInline(['sh', '--', '-c', 'x']), undefined);
  assert.equal(shellInline(['python3', '-c', 'print(1)']), undefined);
  assert.equal(shellInline(['shellcheck', '-c', 'x']), undefined);
  assert.equal(isShell('/usr/bin/zsh'), true);
  assert.equal(isShell('sha256sum'), false);
});

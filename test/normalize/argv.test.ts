import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callerArgv } from '../../src/normalize/argv.js';

test('callerArgv undoes the kernel rewrite of #! execs', () => {
  // #!/bin/sh
  assert.deepEqual(callerArgv({ path: './x.sh', argv: ['/bin/sh', './x.sh', 'a', 'b'], interp: '/bin/sh', argv0: 'x.sh' }), ['x.sh', 'a', 'b']);
  // #!/bin/sh -eu (an interpreter option)
  assert.deepEqual(callerArgv({ path: '/s/t.sh', argv: ['/bin/sh', '-eu', '/s/t.sh'], interp: '/bin/sh', argv0: '/s/t.sh' }), ['/s/t.sh']);
  // binaries, and interpreter execs whose argv[0] could not be read, stay as received
  assert.deepEqual(callerArgv({ path: '/bin/true', argv: ['true', 'x'] }), ['true', 'x']);
  assert.deepEqual(callerArgv({ path: './x.sh', argv: ['/bin/sh', './x.sh'], interp: '/bin/sh', argv0: '' }), ['/bin/sh', './x.sh']);
});

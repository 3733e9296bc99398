/**
 * check --make on recursive make's classic staleness: `lib/libfoo.a:` with
 * no prerequisites and `$(MAKE) -C lib` as its recipe runs the sub-make
 * only while lib/libfoo.a is missing, so a changed lib/foo.c never
 * rebuilds it from the top. The same rule with FORCE (or .PHONY) is fine.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

/** A top Makefile building app from main.c and lib/libfoo.a, the library by a sub-make; `force`: its rule depends on FORCE. */
function project(force: boolean): string {
  const dir = path.join(tmpdir('bt-submake-'), force ? 'forced' : 'stale');
  fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'Makefile'),
    `app: main.c lib/libfoo.a\n\tcc -o $@ main.c lib/libfoo.a\n\nlib/libfoo.a:${force ? ' FORCE' : ''}\n\t$(MAKE) -C lib\n${force ? '\nFORCE:\n.PHONY: FORCE\n' : ''}`,
  );
  fs.writeFileSync(path.join(dir, 'lib', 'Makefile'), 'libfoo.a: foo.o\n\tar rcs $@ foo.o\n\nfoo.o: foo.c\n\tcc -c -o $@ foo.c\n');
  fs.writeFileSync(path.join(dir, 'lib', 'foo.c'), 'int foo(void) { return 1; }\n');
  fs.writeFileSync(path.join(dir, 'main.c'), 'int foo(void);\nint main(void) { return foo() - 1; }\n');
  return dir;
}

ebpfTest('check --make: a sub-make run by a rule with no prerequisites is reported with what it read; with FORCE it is not', async () => {
  const stale = project(false);
  const tr = await trace(['make'], { cwd: stale });
  assert.equal(tr.code, 0, tr.stderr);
  const r = await bt(['check', '--make', '--json', tr.file]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as { findings: Array<{ kind: string; file: string; target: string; detail: string; uses: Array<{ path: string; access: string[] }> }> };
  assert.deepEqual(
    json.findings.map((f) => [f.kind, path.relative(stale, f.file), path.relative(stale, f.target), f.uses.map((u) => `${path.relative(stale, u.path)}:${u.access.join('+')}`)]),
    [['undeclared-input', 'lib/foo.c', 'lib/libfoo.a', ['lib/foo.c:read']]],
  );
  assert.match(
    json.findings[0].detail,
    /^process \d+ built lib\/libfoo\.a by running make -C lib, which read lib\/foo\.c; the rule for lib\/libfoo\.a has no prerequisites and is not \.PHONY: once lib\/libfoo\.a exists, changing it will not run make -C lib again; the recipe of lib\/libfoo\.a is at Makefile:5$/,
  );

  const forced = project(true);
  const ok = await trace(['make'], { cwd: forced });
  assert.equal(ok.code, 0, ok.stderr);
  const clean = await bt(['check', '--make', ok.file]);
  assert.equal(clean.code, 0, clean.stdout);
});

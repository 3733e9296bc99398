/**
 * bt export makedeps leaves runtime noise out by bt deps's rule: a shared
 * library a linker looked up by path and read (libstdc++.so, the linker
 * script libc.so, the libc.so.6 it names) is an input of the link's
 * outputs, so the rule relinks when it changes; the loader's mappings (into
 * cc1, into ld) and the linker's -plugin stay out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deps } from '../../src/answers/deps.js';
import { makedeps } from '../../src/export/makedeps.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

const W = O_WRONLY | O_CREAT | O_TRUNC;
const LIBC6 = '/lib/x86_64-linux-gnu/libc.so.6';
const BFD = '/lib/x86_64-linux-gnu/libbfd-2.40-system.so';
const LTO = '/usr/lib/gcc/x86_64-linux-gnu/12/liblto_plugin.so';
const GCC = '/usr/lib/gcc/x86_64-linux-gnu/12';
const LIB = '/usr/lib/x86_64-linux-gnu';

/**
 * make; cc1 compiles main.c to main.o (libc.so.6 mapped by the loader);
 * cc -o app main.o runs ld, which has libbfd and libc.so.6 mapped, reads
 * its -plugin, the crt files, main.o, and looks up and reads
 * libstdc++.so, libc.so (a linker script) and the libc.so.6 it names, and
 * libc_nonshared.a; it writes app.
 */
function linkBuild(): Build {
  const t = new TraceBuilder(1, '/w');
  const read = (pid: number, path: string, lookup = false) => {
    if (lookup) t.push(pid, { lookup: { op: 'newfstatat', path, dirfd: -100, flags: 0, mode: 0, errno: 0, ftype: 8 } });
    t.open(pid, path, { fd: 5 });
    t.close(pid, 5);
  };
  const mapped = (pid: number, libs: string[]) => {
    for (const l of libs) {
      t.open(pid, l, { fd: 3, flags: O_CLOEXEC });
      t.close(pid, 3);
    }
  };
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  mapped(1, [LIBC6]);
  t.fork(1, 2);
  t.exec(2, `${GCC}/cc1`, ['cc1', 'main.c', '-o', 'main.o'], '/w');
  mapped(2, [LIBC6]);
  read(2, 'main.c');
  t.open(2, 'main.o', { fd: 4, flags: W });
  t.close(2, 4);
  t.exit(2, 0);
  t.fork(1, 3);
  t.exec(3, '/usr/bin/cc', ['cc', '-o', 'app', 'main.o', '-lstdc++'], '/w');
  mapped(3, [LIBC6]);
  t.fork(3, 4);
  t.exec(4, '/usr/bin/ld', ['ld', '-plugin', LTO, '-o', 'app', `${LIB}/Scrt1.o`, `${LIB}/crti.o`, `${GCC}/crtbeginS.o`, 'main.o', '-lstdc++', '-lc', `${GCC}/crtendS.o`, `${LIB}/crtn.o`], '/w');
  mapped(4, [BFD, LIBC6]);
  t.open(4, 'app', { fd: 4, flags: W });
  read(4, LTO);
  for (const crt of [`${LIB}/Scrt1.o`, `${LIB}/crti.o`, `${GCC}/crtbeginS.o`]) read(4, crt);
  read(4, 'main.o');
  read(4, `${GCC}/libstdc++.so`, true);
  read(4, `${LIB}/libc.so`, true);
  read(4, LIBC6, true);
  read(4, `${LIB}/libc_nonshared.a`, true);
  for (const crt of [`${GCC}/crtendS.o`, `${LIB}/crtn.o`]) read(4, crt);
  t.close(4, 4);
  t.exit(4, 0);
  t.exit(3, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

function text(b: Build, outputOf?: string): string {
  let out = '';
  makedeps(b, (s) => (out += s), { outputOf });
  return out;
}

test('makedeps: a link depends on the shared libraries its linker read as link inputs, as bt deps says; a compile not on the loader\'s', () => {
  const b = linkBuild();
  assert.equal(
    text(b),
    [
      '/w/main.o: /w/main.c',
      `/w/app: ${LIBC6} /w/main.o ${LIB}/Scrt1.o ${LIB}/crti.o ${GCC}/crtbeginS.o ${GCC}/libstdc++.so ${LIB}/libc.so ${LIB}/libc_nonshared.a ${GCC}/crtendS.o ${LIB}/crtn.o`,
      '',
      '/w/main.c:',
      `${LIBC6}:`,
      `${LIB}/Scrt1.o:`,
      `${LIB}/crti.o:`,
      `${GCC}/crtbeginS.o:`,
      `${GCC}/libstdc++.so:`,
      `${LIB}/libc.so:`,
      `${LIB}/libc_nonshared.a:`,
      `${GCC}/crtendS.o:`,
      `${LIB}/crtn.o:`,
      '',
    ].join('\n'),
  );
  // the same shared libraries as bt deps's inputs of app
  const so = (ps: string[]) => ps.filter((p) => /\.so(\.\d+)*$/.test(p)).sort();
  assert.deepEqual(so(deps(b, b.file('/w/app')!).inputs), [LIBC6, `${GCC}/libstdc++.so`, `${LIB}/libc.so`].sort());
  assert.equal(text(b, 'app').split('\n')[0], `/w/app: ${LIBC6} /w/main.o ${LIB}/Scrt1.o ${LIB}/crti.o ${GCC}/crtbeginS.o ${GCC}/libstdc++.so ${LIB}/libc.so ${LIB}/libc_nonshared.a ${GCC}/crtendS.o ${LIB}/crtn.o`);
});

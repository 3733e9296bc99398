/**
 * The fidelity core (bench/real): strace parsing, facts, comparison, on
 * handwritten strace snippets and synthetic bt records.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cstring,
  fdArg,
  parseCall,
  parseResult,
  STRACE_ARGS,
  straceFactsFromText,
  stringArray,
  unescape,
} from '../../bench/real/strace.js';
import { btFacts, makeMasker, type BtRecordLike, type Facts, type Multiset } from '../../bench/real/facts.js';
import { compareFacts, comparisonTable, differencesText, scriptArgvPairs } from '../../bench/real/compare.js';
import { accessOf, openClass, parseFlags, OPEN_FLAGS } from '../../bench/real/flags.js';
import { normalizeAbs, resolveLexical } from '../../bench/real/paths.js';
import { classifyOpen } from '../../src/normalize/access.js';

const keys = (m: Multiset) => [...m.map.keys()].sort();
const entries = (m: Multiset) => Object.fromEntries([...m.map.entries()].sort());
const text = (...lines: string[]) => lines.join('\n');

test('strace lexer: calls, nested arguments, results', () => {
  const c = parseCall('openat(AT_FDCWD</w/p>, "a, b) = 3", O_RDONLY|O_CLOEXEC) = 3</w/p/a, b) = 3>')!;
  assert.equal(c.name, 'openat');
  assert.deepEqual(c.args, ['AT_FDCWD</w/p>', '"a, b) = 3"', 'O_RDONLY|O_CLOEXEC']);
  assert.equal(c.ret, '3</w/p/a, b) = 3>');
  const w = parseCall('wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 1234')!;
  assert.deepEqual(w.args, ['-1', '[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]', '0', 'NULL']);
  const e = parseCall('execve("/bin/sh", ["sh", "-c", "x"], 0x7ffd1 /* 30 vars */) = 0')!;
  assert.deepEqual(e.args, ['"/bin/sh"', '["sh", "-c", "x"]', '0x7ffd1 /* 30 vars */']);
  const c3 = parseCall('clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f, stack_size=0x9000}, 88) = 15993')!;
  assert.equal(c3.args.length, 2);
  assert.equal(parseCall('exit_group(0)                     = ?')!.ret, '?');
  assert.equal(parseCall('not a call'), undefined);

  assert.deepEqual(parseResult('-1 ENOENT (No such file or directory)'), { value: -1, errno: 'ENOENT' });
  assert.deepEqual(parseResult('3</usr/lib/x.so>'), { value: 3, errno: '' });
  assert.deepEqual(parseResult('0'), { value: 0, errno: '' });
  assert.deepEqual(parseResult('?'), { value: undefined, errno: '' });
  assert.deepEqual(parseResult('? ERESTARTSYS (To be restarted if SA_RESTART is set)'), { value: undefined, errno: 'ERESTARTSYS' });
  assert.deepEqual(parseResult('-1 EWOULDBLOCK (Resource temporarily unavailable)'), { value: -1, errno: 'EAGAIN' });
});

test('strace lexer: string escapes, arrays, decorations', () => {
  assert.equal(unescape('a\\"b\\\\c\\nd\\te'), 'a"b\\c\nd\te');
  assert.equal(unescape('\\x41\\x3c\\x3e'), 'A<>');
  assert.equal(unescape('\\1\\01\\0012'), '\x01\x01\x012');
  assert.equal(unescape('caf\\303\\251'), 'café');
  assert.equal(unescape('plain/path'), 'plain/path');
  assert.deepEqual(cstring('"a\\"b"'), { s: 'a"b', truncated: false });
  assert.deepEqual(cstring('"abc"...'), { s: 'abc', truncated: true });
  assert.equal(cstring('0x7ffc1234'), undefined);
  assert.deepEqual(stringArray('["gcc", "-DX=\\"y\\"", "a,b", "]"]'), { items: ['gcc', '-DX="y"', 'a,b', ']'], truncated: false });
  assert.deepEqual(stringArray('["a", ...]'), { items: ['a'], truncated: true });
  assert.deepEqual(stringArray('[]'), { items: [], truncated: false });
  assert.deepEqual(fdArg('AT_FDCWD</tmp/w>'), { fd: -100, path: '/tmp/w' });
  assert.deepEqual(fdArg('3</tmp/we\\x3cird\\x3e>'), { fd: 3, path: '/tmp/we<ird>' });
  assert.deepEqual(fdArg('4</tmp/gone (deleted)>'), { fd: 4, path: '/tmp/gone' });
  assert.deepEqual(fdArg('AT_FDCWD'), { fd: -100 });
  assert.deepEqual(fdArg('-1'), { fd: -1 });
  assert.equal(fdArg('"str"'), undefined);
});

test('flags: parsing and classes (same semantics as bt normalize access)', () => {
  assert.equal(parseFlags('O_RDONLY|O_CLOEXEC'), 0o2000000);
  assert.equal(parseFlags('O_WRONLY|O_CREAT|O_TRUNC'), 0o1101);
  assert.equal(parseFlags('O_RDWR|0x40000000'), 0x40000002);
  assert.throws(() => parseFlags('O_BOGUS'));
  assert.equal(openClass(parseFlags('O_WRONLY|O_CREAT|O_TRUNC'), true), 'w+create+trunc');
  assert.equal(openClass(parseFlags('O_WRONLY|O_CREAT|O_TRUNC'), false), 'w');
  assert.equal(openClass(parseFlags('O_WRONLY|O_CREAT|O_EXCL'), false), 'w+excl');
  assert.equal(openClass(parseFlags('O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY'), true), 'r+dir');
  assert.equal(openClass(parseFlags('O_RDWR|O_APPEND'), true), 'rw+append');
  assert.equal(openClass(parseFlags('O_RDONLY|O_PATH'), true), 'path');
  assert.equal(openClass(parseFlags('O_RDWR|O_TMPFILE'), true), 'rw+tmpfile');
  assert.equal(openClass(0, true, 'creat'), 'w+create+trunc');
  assert.equal(openClass(parseFlags('O_RDONLY|O_TRUNC'), true), 'r');
  // Independent implementation, same bitmask as src/normalize/access.ts.
  const names = Object.keys(OPEN_FLAGS).filter((n) => n !== 'O_ACCMODE');
  for (let i = 0; i < 400; i++) {
    let f = i % 3;
    for (let k = 0; k < names.length; k++) if (((i * 2654435761) >>> k) & 1 && (i >> 2) % (k + 2) === 0) f |= OPEN_FLAGS[names[k]];
    for (const fd of [3, -1]) for (const op of ['openat', 'creat']) assert.equal(accessOf(f, fd >= 0, op), classifyOpen(f, fd, op), `flags 0${f.toString(8)} fd ${fd} ${op}`);
  }
});

test('paths: lexical resolution', () => {
  assert.equal(normalizeAbs('/a/./b/../c//d/'), '/a/c/d');
  assert.equal(normalizeAbs('/../x'), '/x');
  assert.equal(resolveLexical('/w', 'a/../b'), '/w/b');
  assert.equal(resolveLexical(undefined, 'a'), undefined);
  assert.equal(resolveLexical('/w', ''), undefined);
  assert.equal(resolveLexical('/w', '', true), '/w');
});

const MAKE_SNIPPET = text(
  '100  execve("/usr/bin/make", ["make", "-j2"], 0x7ffd /* 30 vars */) = 0',
  '100  openat(AT_FDCWD</w/p>, "Makefile", O_RDONLY) = 3</w/p/Makefile>',
  '100  clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f1d, stack_size=0x9000}, 88 <unfinished ...>',
  // the child runs before the parent's clone3 returns
  '101  execve("/bin/sh", ["/bin/sh", "-c", "cc -c \\"a b.c\\" -o a.o"], 0x55 /* 30 vars */ <unfinished ...>',
  '100  <... clone3 resumed>)             = 101',
  '100  wait4(-1,  <unfinished ...>',
  '101  <... execve resumed>)             = 0',
  '101  execve("/usr/local/bin/cc", ["cc", "-c", "a b.c", "-o", "a.o"], 0x55 /* 30 vars */) = -1 ENOENT (No such file or directory)',
  '101  execve("/usr/bin/cc", ["cc", "-c", "a b.c", "-o", "a.o"], 0x55 /* 30 vars */) = 0',
  '101  openat(AT_FDCWD</w/p>, "a b.c", O_RDONLY|O_NOCTTY) = 4</w/p/a b.c>',
  '101  openat(AT_FDCWD</w/p>, "/usr/include/../include/stdio.h", O_RDONLY|O_NOCTTY) = 5</usr/include/stdio.h>',
  '101  openat(AT_FDCWD</w/p>, "inc/missing.h", O_RDONLY|O_NOCTTY) = -1 ENOENT (No such file or directory)',
  '101  openat(AT_FDCWD</w/p>, "a.o", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 6</w/p/a.o>',
  '101  exit_group(0)                     = ?',
  '101  +++ exited with 0 +++',
  '100  <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
  '100  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
  '100  exit_group(0)                     = ?',
  '100  +++ exited with 0 +++',
);

test('strace facts: a make job with unfinished/resumed calls across pids', () => {
  const f = straceFactsFromText(MAKE_SNIPPET, { cwd: '/w/p' });
  assert.deepEqual(keys(f.execs), [
    JSON.stringify(['/bin/sh', ['/bin/sh', '-c', 'cc -c "a b.c" -o a.o']]),
    JSON.stringify(['/usr/bin/cc', ['cc', '-c', 'a b.c', '-o', 'a.o']]),
    JSON.stringify(['/usr/bin/make', ['make', '-j2']]),
  ].sort());
  assert.deepEqual(keys(f.failedExecs), [JSON.stringify(['/usr/local/bin/cc', 'ENOENT'])]);
  assert.deepEqual(entries(f.opens), {
    [JSON.stringify(['/usr/include/stdio.h', 'r', 'ok'])]: 1,
    [JSON.stringify(['/w/p/Makefile', 'r', 'ok'])]: 1,
    [JSON.stringify(['/w/p/a b.c', 'r', 'ok'])]: 1,
    [JSON.stringify(['/w/p/a.o', 'w+create+trunc', 'ok'])]: 1,
    [JSON.stringify(['/w/p/inc/missing.h', 'r', 'ENOENT'])]: 1,
  });
  assert.equal(f.processCount, 2);
  assert.deepEqual(keys(f.processes), [
    JSON.stringify([[['/bin/sh', ['/bin/sh', '-c', 'cc -c "a b.c" -o a.o']], ['/usr/bin/cc', ['cc', '-c', 'a b.c', '-o', 'a.o']]], 'exit 0']),
    JSON.stringify([[['/usr/bin/make', ['make', '-j2']]], 'exit 0']),
  ].sort());
  assert.equal(f.stats.orphanResumed, undefined);
  assert.equal(f.stats.unfinishedAtEnd, undefined);
});

test('strace facts: relative execs and opens resolve against the tracked cwd', () => {
  const f = straceFactsFromText(
    text(
      '10 execve("/bin/sh", ["sh"], 0x1 /* 1 var */) = 0',
      '10 fork()                            = 11',
      // 11 inherits 10's cwd, whose path is only stated later (by 10)
      '11 execve("./scripts/gen.sh", ["./scripts/gen.sh", "x"], 0x1 /* 1 var */) = 0',
      '11 mkdir("out", 0777)                = 0',
      '11 +++ exited with 0 +++',
      '10 openat(AT_FDCWD</src/linux>, "Makefile", O_RDONLY) = 3</src/linux/Makefile>',
      '10 chdir("sub/../lib")               = 0',
      '10 vfork()                           = 12',
      '12 execve("../tools/t", ["t"], 0x1 /* 1 var */) = -1 EACCES (Permission denied)',
      '12 unlink("tmp.o")                   = -1 ENOENT (No such file or directory)',
      '12 +++ exited with 1 +++',
      '10 fchdir(3</src/linux/arch>)         = 0',
      '10 rename("a", "/x/./b")             = 0',
      '10 chdir("/nonexistent")             = -1 ENOENT (No such file or directory)',
      '10 creat("new.h", 0644)              = 4</src/linux/arch/new.h>',
      '10 +++ exited with 2 +++',
    ),
  );
  assert.deepEqual(keys(f.execs), [
    JSON.stringify(['/bin/sh', ['sh']]),
    JSON.stringify(['/src/linux/scripts/gen.sh', ['./scripts/gen.sh', 'x']]),
  ].sort());
  assert.deepEqual(keys(f.failedExecs), [JSON.stringify(['/src/linux/tools/t', 'EACCES'])]);
  assert.deepEqual(keys(f.nsops), [
    JSON.stringify(['mkdir', '/src/linux/out', 'ok']),
    JSON.stringify(['rename', '/src/linux/arch/a', '/x/b', 'ok']),
    JSON.stringify(['unlink', '/src/linux/lib/tmp.o', 'ENOENT']),
  ].sort());
  assert.deepEqual(keys(f.opens), [
    JSON.stringify(['/src/linux/Makefile', 'r', 'ok']),
    JSON.stringify(['/src/linux/arch/new.h', 'w+create+trunc', 'ok']),
  ].sort());
  assert.deepEqual(keys(f.processes), [
    JSON.stringify([[['/bin/sh', ['sh']]], 'exit 2']),
    JSON.stringify([['fork of', [['/bin/sh', ['sh']]]], 'exit 1']),
    JSON.stringify([[['/src/linux/scripts/gen.sh', ['./scripts/gen.sh', 'x']]], 'exit 0']),
  ].sort());
});

test('strace facts: dirfds, *at calls, escapes in paths, signals, threads, pid reuse', () => {
  const f = straceFactsFromText(
    text(
      '20 execve("/t/prog", ["prog", "a\\nb", "\\x01\\\\"], 0x1 /* 1 var */) = 0',
      '20 openat(AT_FDCWD</w>, "d", O_RDONLY|O_DIRECTORY) = 3</w/d>',
      '20 openat(3</w/d>, "../e/./f", O_RDWR|O_CREAT|O_EXCL, 0600) = 4</w/e/f>',
      '20 openat2(3</w/d>, "g", {flags=O_RDONLY|O_CLOEXEC, mode=0, resolve=RESOLVE_BENEATH}, 24) = 5</w/d/g>',
      '20 openat(AT_FDCWD</w>, "we\\x3cird\\x3e \\"q\\"", O_RDONLY) = -1 ENOENT (No such file or directory)',
      '20 openat(99, "x", O_RDONLY)         = -1 EBADF (Bad file descriptor)',
      '20 unlinkat(3</w/d>, "sub", AT_REMOVEDIR) = 0',
      '20 unlinkat(AT_FDCWD</w>, "d/z", 0)  = 0',
      '20 mkdirat(3</w/d>, "n", 0755)       = -1 EEXIST (File exists)',
      '20 renameat2(AT_FDCWD</w>, "a", 3</w/d>, "b", RENAME_NOREPLACE) = 0',
      '20 linkat(3</w/d>, "b", AT_FDCWD</w>, "c", 0) = 0',
      '20 symlinkat("../t", 3</w/d>, "l")   = 0',
      '20 symlink("x y", "/w/l2")           = 0',
      '20 execveat(3</w/d>, "tool", ["tool"], 0x1 /* 1 var */, 0) = -1 ENOENT (No such file or directory)',
      '20 clone(child_stack=0x7f, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=[21], tls=0x7f, child_tidptr=0x7f) = 21',
      '21 openat(AT_FDCWD</w>, "thread.txt", O_WRONLY|O_CREAT|O_APPEND, 0644) = 6</w/thread.txt>',
      '21 +++ exited with 0 +++',
      '20 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 22',
      '22 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=20, si_uid=0} ---',
      '22 +++ killed by SIGTERM +++',
      '20 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=22, si_uid=0, si_status=SIGTERM, si_utime=0, si_stime=0} ---',
      '20 fork()                            = 22',
      '22 execve("/bin/true", ["true"], 0x1 /* 1 var */) = 0',
      '22 +++ killed by SIGSEGV (core dumped) +++',
      '20 exit_group(3)                     = ?',
      '20 +++ exited with 3 +++',
    ),
  );
  assert.deepEqual(keys(f.execs), [
    JSON.stringify(['/bin/true', ['true']]),
    JSON.stringify(['/t/prog', ['prog', 'a\nb', '\x01\\']]),
  ].sort());
  assert.deepEqual(keys(f.failedExecs), [JSON.stringify(['/w/d/tool', 'ENOENT'])]);
  assert.deepEqual(keys(f.opens), [
    JSON.stringify(['/w/d', 'r+dir', 'ok']),
    JSON.stringify(['/w/e/f', 'rw+create+excl', 'ok']),
    JSON.stringify(['/w/d/g', 'r', 'ok']),
    JSON.stringify(['/w/we<ird> "q"', 'r', 'ENOENT']),
    JSON.stringify(['?unresolved:x', 'r', 'EBADF']),
    JSON.stringify(['/w/thread.txt', 'w+create+append', 'ok']),
  ].sort());
  assert.deepEqual(keys(f.nsops), [
    JSON.stringify(['rmdir', '/w/d/sub', 'ok']),
    JSON.stringify(['unlink', '/w/d/z', 'ok']),
    JSON.stringify(['mkdir', '/w/d/n', 'EEXIST']),
    JSON.stringify(['rename', '/w/a', '/w/d/b', 'ok']),
    JSON.stringify(['link', '/w/d/b', '/w/c', 'ok']),
    JSON.stringify(['symlink', '../t', '/w/d/l', 'ok']),
    JSON.stringify(['symlink', 'x y', '/w/l2', 'ok']),
  ].sort());
  // the thread is no process; pid 22 was used twice
  assert.equal(f.processCount, 3);
  const prog = [['/t/prog', ['prog', 'a\nb', '\x01\\']]];
  assert.deepEqual(keys(f.processes), [
    JSON.stringify([prog, 'exit 3']),
    JSON.stringify([['fork of', prog], 'killed by SIGTERM']),
    JSON.stringify([[['/bin/true', ['true']]], 'killed by SIGSEGV']),
  ].sort());
});

test('strace facts: a thread seen before its clone returns is folded into its process', () => {
  const f = straceFactsFromText(
    text(
      '30 execve("/usr/bin/ld", ["ld"], 0x1 /* 1 var */) = 0',
      '30 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f, parent_tid=0x7f, exit_signal=0, stack=0x7f, stack_size=0x7fff00, tls=0x7f} => {parent_tid=[31]}, 88 <unfinished ...>',
      '31 openat(AT_FDCWD</b>, "x.o", O_RDONLY) = 3</b/x.o>',
      '30 <... clone3 resumed>)             = 31',
      '31 +++ exited with 0 +++',
      '30 +++ exited with 0 +++',
    ),
  );
  assert.equal(f.processCount, 1);
  assert.deepEqual(keys(f.processes), [JSON.stringify([[['/usr/bin/ld', ['ld']]], 'exit 0'])]);
  assert.deepEqual(keys(f.opens), [JSON.stringify(['/b/x.o', 'r', 'ok'])]);
});

test('strace facts: lookups, listings and metadata changes, argument roles from the op table', () => {
  const f = straceFactsFromText(
    text(
      '7 newfstatat(AT_FDCWD</w>, "a.c", {st_mode=S_IFREG|0644, st_size=3, ...}, 0) = 0',
      '7 newfstatat(3</w/inc>, "", {st_mode=S_IFDIR|0755, ...}, AT_EMPTY_PATH) = 0',
      '7 stat("missing.h", 0x7ffd) = -1 ENOENT (No such file or directory)',
      '7 statx(3</w/inc>, "x.h", AT_STATX_SYNC_AS_STAT, STATX_ALL, {stx_mask=STATX_BASIC_STATS, stx_mode=S_IFREG|0644, ...}) = 0',
      '7 access("a.c", R_OK) = 0',
      '7 access("a.c", R_OK) = 0',
      '7 readlinkat(3</w/inc>, "../ln", "a.c", 4096) = 3',
      '7 getdents64(4</w>, 0x55 /* 7 entries */, 32768) = 200',
      '7 getdents64(4</w>, 0x55 /* 0 entries */, 32768) = 0',
      '7 getdents64(5</w/inc>, 0x55 /* 3 entries */, 32768) = 72',
      '7 close(5</w/inc>) = 0',
      '7 fchmod(6</w/a.out>, 0755) = 0',
      '7 chown("a.c", -1, 100) = -1 EPERM (Operation not permitted)',
      '7 ftruncate(6</w/a.out>, 4096) = 0',
      '7 utimensat(6</w/a.out>, NULL, NULL, 0) = 0',
      '7 +++ exited with 0 +++',
    ),
    { cwd: '/w' },
  );
  assert.deepEqual(entries(f.lookups), {
    '["access","/w/a.c","ok","",""]': 2,
    '["newfstatat","/w/a.c","ok","file",""]': 1,
    '["readlinkat","/w/ln","ok","","a.c"]': 1,
    '["stat","/w/missing.h","ENOENT","",""]': 1,
    '["statx","/w/inc/x.h","ok","file",""]': 1,
  });
  assert.deepEqual(entries(f.listings), { '["/w",7,"ok"]': 1, '["/w/inc",3,"ok","partial"]': 1 });
  assert.deepEqual(entries(f.metas), {
    '["chown","/w/a.c","-1:100","EPERM"]': 1,
    '["fchmod","/w/a.out","0755","ok"]': 1,
    '["ftruncate","/w/a.out","4096","ok"]': 1,
    '["utimensat","/w/a.out","","ok"]': 1,
  });
  // the same facts from bt records (repeats expanded)
  const b = btFacts([
    { proc: 1, abspath: '/w/a.c', lookup: { op: 'newfstatat', path: 'a.c', errno: 0, ftype: 8 } },
    { proc: 1, abspath: '/w/missing.h', lookup: { op: 'stat', path: 'missing.h', errno: 2 } },
    { proc: 1, abspath: '/w/inc/x.h', lookup: { op: 'statx', path: 'x.h', errno: 0, ftype: 8 } },
    { proc: 1, abspath: '/w/a.c', lookup: { op: 'access', path: 'a.c', errno: 0, repeats: 1 } },
    { proc: 1, abspath: '/w/ln', lookup: { op: 'readlinkat', path: '../ln', errno: 0, target: 'a.c' } },
    { proc: 1, abspath: '/w', readdir: { fd: 4, entries: 7, errno: 0 } },
    { proc: 1, abspath: '/w/inc', readdir: { fd: 5, entries: 3, errno: 0, partial: true } },
    { proc: 1, abspath: '/w/a.out', meta: { op: 'fchmod', path: '', dirfd: 6, errno: 0, mode: 0o755 } },
    { proc: 1, abspath: '/w/a.c', meta: { op: 'chown', path: 'a.c', dirfd: -100, errno: 1, uid: -1, gid: 100 } },
    { proc: 1, abspath: '/w/a.out', meta: { op: 'ftruncate', path: '', dirfd: 6, errno: 0, size: 4096 } },
    { proc: 1, abspath: '/w/a.out', meta: { op: 'utimensat', path: '', dirfd: 6, errno: 0 } },
  ]);
  assert.deepEqual([entries(b.lookups), entries(b.listings), entries(b.metas)], [entries(f.lookups), entries(f.listings), entries(f.metas)]);
});

test('strace options: the traced set matches what the parser reads', () => {
  const trace = STRACE_ARGS[STRACE_ARGS.indexOf('-e') + 1];
  for (const s of ['execve', 'execveat', 'clone3', 'vfork', 'openat2', 'creat', 'chdir', 'fchdir', 'renameat2', 'symlinkat', 'linkat', 'newfstatat', 'faccessat2', 'readlinkat', 'getdents64', 'fchownat', 'utimensat']) {
    assert.ok(trace.split(/[=,]/).includes(s), s);
  }
  assert.ok(STRACE_ARGS.includes('-y'));
  assert.ok(!STRACE_ARGS.includes('-qq'), '-qq would drop exit statuses');
  assert.ok(!STRACE_ARGS.join(' ').includes('signal=none'), 'signal=none would drop "killed by" lines');
});

/** bt records equivalent to MAKE_SNIPPET, as a normalized log would hold them. */
function btRecordsForMake(): BtRecordLike[] {
  const open = (proc: number, path: string, abspath: string, flags: number, fd: number, errno = 0): BtRecordLike => ({
    proc,
    abspath,
    access: classifyOpen(flags, fd),
    open: { path, flags, fd, errno, op: 'openat' },
  });
  return [
    { proc: 1, abspath: '/usr/bin/make', exec: { path: '/usr/bin/make', argv: ['make', '-j2'], errno: 0 } },
    open(1, 'Makefile', '/w/p/Makefile', 0, 3),
    { proc: 2, abspath: '/bin/sh', exec: { path: '/bin/sh', argv: ['/bin/sh', '-c', 'cc -c "a b.c" -o a.o'], errno: 0 } },
    { proc: 2, abspath: '/usr/local/bin/cc', exec: { path: '/usr/local/bin/cc', argv: ['cc'], errno: 2 } },
    { proc: 2, abspath: '/usr/bin/cc', exec: { path: '/usr/bin/cc', argv: ['cc', '-c', 'a b.c', '-o', 'a.o'], errno: 0 } },
    open(2, 'a b.c', '/w/p/a b.c', 0o400, 4),
    open(2, '/usr/include/../include/stdio.h', '/usr/include/stdio.h', 0o400, 5),
    open(2, 'inc/missing.h', '/w/p/inc/missing.h', 0o400, -1, 2),
    open(2, 'a.o', '/w/p/a.o', 0o1101, 6),
    { proc: 2, process: { proc: 2, parent: 1, exit_code: 0, signal: 0 } },
    { proc: 1, process: { proc: 1, parent: 0, exit_code: 0, signal: 0 } },
  ];
}

test('compare: bt facts equal to strace facts give 100% everywhere', () => {
  const s = straceFactsFromText(MAKE_SNIPPET, { cwd: '/w/p' });
  const b = btFacts(btRecordsForMake());
  const c = compareFacts(s, b);
  assert.equal(c.identical, true, differencesText(c));
  for (const r of Object.values(c.categories)) {
    assert.equal(r.recall, 1);
    assert.equal(r.precision, 1);
  }
  assert.match(comparisonTable(c), /\| opens \(path, class, result\) \| 5 \| 5 \| 5 \| 100% \| 100% \| 0 \| 0 \|/);
  assert.equal(differencesText(c), '');
});

test('compare: misses and extras are counted and listed', () => {
  const s = straceFactsFromText(MAKE_SNIPPET, { cwd: '/w/p' });
  const recs = btRecordsForMake().filter((r) => r.open?.path !== 'inc/missing.h');
  recs.push({ proc: 2, abspath: '/w/p/extra.h', access: 17, open: { path: 'extra.h', flags: 0, fd: -1, errno: 2, op: 'openat' } });
  recs.push({ proc: 2, abspath: '/w/p/extra.h', access: 17, open: { path: 'extra.h', flags: 0, fd: -1, errno: 2, op: 'openat' } });
  // bt saw make exit 2
  const mk = recs.find((r) => r.process?.proc === 1)!;
  mk.process = { ...mk.process!, exit_code: 2 };
  const c = compareFacts(s, btFacts(recs));
  const o = c.categories.opens;
  assert.equal(o.reference, 5);
  assert.equal(o.bt, 6);
  assert.equal(o.matched, 4);
  assert.equal(o.recall, 0.8);
  assert.equal(o.precision, 4 / 6);
  assert.deepEqual(o.missing.map((d) => d.fact), [JSON.stringify(['/w/p/inc/missing.h', 'r', 'ENOENT'])]);
  assert.deepEqual(o.extra.map((d) => [d.fact, d.count]), [[JSON.stringify(['/w/p/extra.h', 'r', 'ENOENT']), 2]]);
  assert.equal(c.categories.processes.matched, 1);
  assert.equal(c.identical, false);
  const d = differencesText(c);
  assert.match(d, /missing in bt \(1 in 1 distinct facts; first 1\):\n {2}-1 \(strace 1, bt 0\) \["\/w\/p\/inc\/missing.h","r","ENOENT"\]/);
  assert.match(d, /\+2 \(strace 0, bt 2\) \["\/w\/p\/extra.h","r","ENOENT"\]/);
  assert.match(d, /exit 2/);
});

test('compare: at most `limit` differences are listed, all are counted', () => {
  const lines = ['1 execve("/bin/x", ["x"], 0x1 /* 1 var */) = 0'];
  for (let i = 0; i < 50; i++) lines.push(`1 openat(AT_FDCWD</w>, "f${i}", O_RDONLY) = -1 ENOENT (No such file or directory)`);
  const s: Facts = straceFactsFromText(lines.join('\n'));
  const c = compareFacts(s, btFacts([]));
  assert.equal(c.categories.opens.missingTotal, 50);
  assert.equal(c.categories.opens.missing.length, 20);
  assert.equal(c.categories.opens.recall, 0);
  assert.equal(c.categories.opens.precision, 1);
});

test('masks: temporary names compare equal', () => {
  const m = makeMasker();
  assert.equal(m('/tmp/ccAb3dEf.s'), '/tmp/ccXXXXXX.s');
  assert.equal(m('@/tmp/cc9ZzYx1'), '@/tmp/ccXXXXXX');
  assert.equal(m('/tmp/tmp.AbCdEf1234/x'), '/tmp/tmp.XXXXXXXXXX/x');
  assert.equal(m('/proc/4242/status'), '/proc/PID/status');
  assert.equal(m('/usr/bin/cc1plus'), '/usr/bin/cc1plus');
  assert.equal(m('/w/ccache/x'), '/w/ccache/x');
  assert.equal(m('/o/sed7EOpkO'), '/o/sedXXXXXX');
  assert.equal(m('/o/CunAb0eE'), '/o/CuXXXXXX');
  assert.equal(m('./.merge_tmp.config.wz72GW5M58'), './.merge_tmp.config.XXXXXXXXXX');
  assert.equal(m('/o/.tmp_24017/tmp'), '/o/.tmp_PID/tmp');
  assert.equal(m('/tmp/tmp.5h5FI2she5.o'), '/tmp/tmp.XXXXXXXXXX.o');
  assert.equal(m('/o/.config.28599.tmp'), '/o/.config.PID.tmp');
  assert.equal(m('/src/include/linux/abcdefghij'), '/src/include/linux/abcdefghij');
  assert.equal(m('/src/x.instrument'), '/src/x.instrument');
  const a = straceFactsFromText('1 openat(AT_FDCWD</w>, "/tmp/ccAAAAAA.s", O_RDONLY) = 3</tmp/ccAAAAAA.s>');
  const b = btFacts([{ proc: 1, abspath: '/tmp/ccBBBBBB.s', access: 1, open: { path: '/tmp/ccBBBBBB.s', flags: 0, fd: 3, errno: 0, op: 'openat' } }]);
  assert.equal(compareFacts(a, b).categories.opens.matched, 1);
});

test('compare: #! script execs seen with the interpreter argv are paired up', () => {
  const s = straceFactsFromText(
    text(
      '1 execve("/w/gen.sh", ["./gen.sh", "a"], 0x1 /* 1 var */) = 0',
      '2 execve("/w/relr.sh", ["relr.sh"], 0x1 /* 1 var */) = 0',
      '3 execve("/bin/true", ["true"], 0x1 /* 1 var */) = 0',
    ),
  );
  const b = btFacts([
    { proc: 1, abspath: '/w/gen.sh', exec: { path: '/w/gen.sh', argv: ['/bin/sh', '/w/gen.sh', 'a'], errno: 0 } },
    { proc: 2, abspath: '/w/relr.sh', exec: { path: '/w/relr.sh', argv: ['/bin/sh', '-eu', '/w/relr.sh'], errno: 0 } },
  ]);
  assert.deepEqual(scriptArgvPairs(s.execs, b.execs), { paired: 2, missing: 3, interpreters: { '/bin/sh': 1, '/bin/sh -eu': 1 } });
});

test('strace facts: /proc/self/exe is the process\'s own program', () => {
  const f = straceFactsFromText(
    text(
      '5 execve("./chain", ["./chain", "2"], 0x1 /* 1 var */) = 0',
      '5 openat(AT_FDCWD</w>, "x", O_RDONLY) = 3</w/x>',
      '5 execve("/proc/self/exe", ["chain", "1"], 0x1 /* 1 var */) = 0',
      '5 fork()                            = 6',
      '6 execve("/proc/self/exe", ["chain", "0"], 0x1 /* 1 var */) = 0',
      '6 execve("/proc/5/exe", ["other"], 0x1 /* 1 var */) = -1 ENOENT (No such file or directory)',
      '6 +++ exited with 0 +++',
      '5 +++ exited with 0 +++',
    ),
  );
  assert.deepEqual(keys(f.execs), [
    JSON.stringify(['/w/chain', ['./chain', '2']]),
    JSON.stringify(['/w/chain', ['chain', '0']]),
    JSON.stringify(['/w/chain', ['chain', '1']]),
  ].sort());
  assert.deepEqual(keys(f.failedExecs), [JSON.stringify(['/proc/PID/exe', 'ENOENT'])]);
});

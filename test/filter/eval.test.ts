/**
 * The filter evaluator over hand-built subjects and a small hand-built
 * process tree: every field, any-semantics of arg and path, globs, sets,
 * bit sets, absent values, relative ts, and under() with its cache.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kind } from '../../src/model/kinds.js';
import { globRegExp, globTest } from '../../src/filter/fields.js';
import { parseFilter, type FilterEnv, type Subject } from '../../src/filter/index.js';

const START = 1_000_000_000_000;

function subject(p: Partial<Omit<Subject, 'env'>> & { vars?: Record<string, string> }): Subject {
  const vars = p.vars ?? {};
  return {
    type: p.type ?? 'process',
    proc: p.proc ?? 0,
    pid: p.pid ?? 100 + (p.proc ?? 0),
    ppid: p.ppid ?? 0,
    exe: p.exe ?? '',
    argv: p.argv ?? [],
    cwd: p.cwd ?? '/w',
    paths: p.paths ?? [],
    access: p.access ?? 0,
    errno: p.errno ?? 0,
    exit: p.exit,
    signal: p.signal,
    ts: p.ts ?? START,
    dur: p.dur,
    env: (name) => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined),
  };
}

/**
 *   1 bash build.sh
 *   ├─ 2 make -C linux vmlinux
 *   │   └─ 3 sh -c "gcc …"
 *   │       └─ 4 gcc -c -o foo.o src/foo.c
 *   │           └─ 5 cc1 (…/12/cc1)
 *   └─ 6 make docs
 *       └─ 7 ld -o a.out
 */
const PROCS: Subject[] = [
  subject({ proc: 1, exe: '/usr/bin/bash', argv: ['bash', 'build.sh'], dur: 9e9, exit: 0, vars: { CC: 'gcc' } }),
  subject({ proc: 2, ppid: 101, exe: '/usr/bin/make', argv: ['make', '-C', 'linux', 'vmlinux'], dur: 8e9, exit: 2 }),
  subject({ proc: 3, ppid: 102, exe: '/bin/sh', argv: ['sh', '-c', 'gcc -c -o foo.o src/foo.c'], dur: 3e9, exit: 0 }),
  subject({ proc: 4, ppid: 103, exe: '/usr/bin/gcc', argv: ['gcc', '-c', '-o', 'foo.o', 'src/foo.c'], cwd: '/w/linux', dur: 2.5e9, exit: 0 }),
  subject({ proc: 5, ppid: 104, exe: '/usr/lib/gcc/x86_64-linux-gnu/12/cc1', argv: ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1', '-quiet', 'src/foo.c'], dur: 2e9, exit: 0 }),
  subject({ proc: 6, ppid: 101, exe: '/usr/bin/make', argv: ['make', 'docs'], dur: 1e9, signal: 9 }),
  subject({ proc: 7, ppid: 106, exe: '/usr/bin/ld', argv: ['ld', '-o', 'a.out'], dur: 1.5e6, exit: 1 }),
];
const PARENT: Record<number, number> = { 1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 1, 7: 6 };

function makeEnv(): FilterEnv & { processCalls: number } {
  const env = {
    startTs: START,
    processCalls: 0,
    process(proc: number): Subject | undefined {
      env.processCalls++;
      return PROCS[proc - 1];
    },
    parent: (proc: number): number => PARENT[proc] ?? 0,
  };
  return env;
}

const procOf = (n: number): Subject => PROCS[n - 1];

/** The procs (1..7) whose process subject matches. */
function procsMatching(src: string): number[] {
  const keep = parseFilter(src).bind(makeEnv());
  return PROCS.filter((p) => keep(p)).map((p) => p.proc);
}

/** Whether one subject matches (a fresh env). */
const ok = (src: string, s: Subject): boolean => parseFilter(src).match(s, makeEnv());

const open = (proc: number, path: string, extra: Partial<Subject> = {}): Subject =>
  subject({ ...procOf(proc), type: 'open', paths: [path], access: Kind.READ, dur: undefined, exit: undefined, signal: undefined, ...extra });

test('numbers: proc, pid, ppid, exit, signal, errno, comparisons and in', () => {
  assert.deepEqual(procsMatching('proc == 4'), [4]);
  assert.deepEqual(procsMatching('proc != 4'), [1, 2, 3, 5, 6, 7]);
  assert.deepEqual(procsMatching('proc < 3'), [1, 2]);
  assert.deepEqual(procsMatching('proc <= 3'), [1, 2, 3]);
  assert.deepEqual(procsMatching('proc > 5'), [6, 7]);
  assert.deepEqual(procsMatching('proc >= 5'), [5, 6, 7]);
  assert.deepEqual(procsMatching('proc in {7, 2, 99}'), [2, 7]);
  assert.deepEqual(procsMatching('pid == 103'), [3]);
  assert.deepEqual(procsMatching('ppid == 101'), [2, 6]);
  assert.deepEqual(procsMatching('ppid'), [2, 3, 4, 5, 6, 7], 'bare number: nonzero');
  assert.deepEqual(procsMatching('exit != 0'), [2, 7], 'no exit status (killed): != is false too');
  assert.deepEqual(procsMatching('not exit == 0'), [2, 6, 7]);
  assert.deepEqual(procsMatching('exit'), [2, 7]);
  assert.deepEqual(procsMatching('signal == SIGKILL'), [6]);
  assert.deepEqual(procsMatching('signal == KILL or signal == 15'), [6]);
  assert.deepEqual(procsMatching('signal'), [6]);
  assert.deepEqual(procsMatching('signal != 9'), []);
  const e = open(4, '/w/linux/missing.h', { errno: 2, access: Kind.PROBE });
  assert.equal(ok('errno == ENOENT', e), true);
  assert.equal(ok('errno == 2', e), true);
  assert.equal(ok('errno == EACCES', e), false);
  assert.equal(ok('errno in {EACCES, ENOENT}', e), true);
  assert.equal(ok('errno', e), true);
  assert.equal(ok('errno', open(4, '/w/x.h')), false);
  assert.equal(ok('errno != 0', open(4, '/w/x.h')), false);
  assert.equal(ok('errno > 1 and errno < 3', e), true);
});

test('ts is relative to the build start; dur with units; absent dur', () => {
  const e = open(4, '/w/a.h', { ts: START + 1_600_000_000 });
  assert.equal(ok('ts > 1.5s', e), true);
  assert.equal(ok('ts > 1600ms', e), false);
  assert.equal(ok('ts >= 1600ms', e), true);
  assert.equal(ok('ts == 1600000000', e), true);
  assert.equal(ok('ts < 1.5s', e), false);
  assert.equal(ok('ts', e), true);
  assert.deepEqual(procsMatching('dur > 2s'), [1, 2, 3, 4]);
  assert.deepEqual(procsMatching('dur >= 2s'), [1, 2, 3, 4, 5]);
  assert.deepEqual(procsMatching('dur < 2ms'), [7]);
  assert.deepEqual(procsMatching('dur == 1500us'), [7]);
  assert.deepEqual(procsMatching('dur == 1.5ms'), [7]);
  assert.equal(ok('dur < 1h', e), false, 'an event has no duration: false');
  assert.equal(ok('dur', e), false);
  // a bound matcher reads startTs of its env
  const late = { ...makeEnv(), startTs: START + 1_000_000_000 };
  assert.equal(parseFilter('ts > 1.5s').match(e, late), false);
  assert.equal(parseFilter('ts > 0.5s').match(e, late), true);
});

test('type', () => {
  const e = open(4, '/w/a.h');
  assert.equal(ok('type == open', e), true);
  assert.equal(ok('type == exec', e), false);
  assert.equal(ok('type != exec', e), true);
  assert.equal(ok('type in {exec, open}', e), true);
  assert.equal(ok('type ~ "o*"', e), true);
  assert.equal(ok('type ~ "*x*"', e), false);
  assert.deepEqual(procsMatching('type == process'), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(ok('type == file', subject({ type: 'file', paths: ['/w/a.o'] })), true);
});

test('exe: basename or full path; globs, contains, matches, in', () => {
  assert.deepEqual(procsMatching('exe == cc1'), [5]);
  assert.deepEqual(procsMatching('exe == "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"'), [5]);
  assert.deepEqual(procsMatching('exe == "12/cc1"'), [5], 'a trailing part of the path');
  assert.deepEqual(procsMatching('exe == "2/cc1"'), [], 'a trailing part starts after a /');
  assert.deepEqual(procsMatching('exe == "/lib/gcc/x86_64-linux-gnu/12/cc1"'), [], 'a value starting with / is the full path');
  assert.deepEqual(procsMatching('exe == c1'), [], 'whole names only');
  assert.deepEqual(procsMatching('exe == make'), [2, 6]);
  assert.deepEqual(procsMatching('exe != make'), [1, 3, 4, 5, 7]);
  assert.deepEqual(procsMatching('exe in {ld, "/bin/sh", cc1}'), [3, 5, 7]);
  assert.deepEqual(procsMatching('exe ~ "*c*"'), [4, 5], 'a glob without / matches the basename');
  assert.deepEqual(procsMatching('exe ~ "/usr/bin/*"'), [1, 2, 4, 6, 7]);
  assert.deepEqual(procsMatching('exe ~ "/usr/**/cc1"'), [5]);
  assert.deepEqual(procsMatching('exe ~ "/usr/*/cc1"'), [], '* does not cross /');
  assert.deepEqual(procsMatching('exe ~ "12/cc?"'), [5], 'a relative glob matches a trailing part');
  assert.deepEqual(procsMatching('exe contains "/lib/"'), [5]);
  assert.deepEqual(procsMatching('exe matches "^/usr/bin/(ma|l)"'), [2, 6, 7]);
  assert.deepEqual(procsMatching('exe matches "(?i)BASH$"'), [1]);
  assert.deepEqual(procsMatching('exe matches "BASH$"'), []);
});

test('argv is the joined command line; arg is any single argument', () => {
  assert.deepEqual(procsMatching('argv == "make -C linux vmlinux"'), [2]);
  assert.deepEqual(procsMatching('argv contains "-o foo.o"'), [3, 4]);
  assert.deepEqual(procsMatching('argv ~ "make *"'), [2, 6]);
  assert.deepEqual(procsMatching('argv matches "^gcc .*\\.c$"'), [4]);
  assert.deepEqual(procsMatching('argv'), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(procsMatching('arg == vmlinux'), [2]);
  assert.deepEqual(procsMatching('arg == -c'), [3, 4]);
  assert.deepEqual(procsMatching('arg == "foo.o"'), [4], 'a whole argument, not a part of one');
  assert.deepEqual(procsMatching('arg ~ "*.c"'), [3, 4, 5], 'src/foo.c, and "gcc … src/foo.c": a glob matches a trailing part after a /');
  assert.deepEqual(procsMatching('arg ~ "foo.*"'), [3, 4, 5]);
  assert.deepEqual(procsMatching('arg ~ "/usr/**"'), [5]);
  assert.deepEqual(procsMatching('arg ~ "src/*.c"'), [4, 5]);
  assert.deepEqual(procsMatching('arg contains "foo"'), [3, 4, 5]);
  assert.deepEqual(procsMatching('arg matches "^-[oC]$"'), [2, 4, 7]);
  assert.deepEqual(procsMatching('arg in {docs, a.out}'), [6, 7]);
  assert.deepEqual(procsMatching('arg not in {make, -c, ld}'), [1, 5]);
  assert.deepEqual(procsMatching('arg != make'), [1, 3, 4, 5, 7], '!=: no argument equals');
  assert.equal(ok('arg != x', subject({ argv: [] })), false, 'no arguments: != is false');
  assert.equal(ok('arg', subject({ argv: [] })), false);
  assert.equal(ok('arg', subject({ argv: ['', 'x'] })), true);
});

test('cwd', () => {
  assert.deepEqual(procsMatching('cwd == "/w/linux"'), [4]);
  assert.deepEqual(procsMatching('cwd != "/w"'), [4]);
  assert.deepEqual(procsMatching('cwd ~ linux'), [4]);
  assert.deepEqual(procsMatching('cwd ~ "/w"'), [1, 2, 3, 5, 6, 7]);
  assert.deepEqual(procsMatching('cwd ~ "/w/**"'), [4]);
});

test('path: globs (* ? [..] {a,b} **), any of two paths, absent paths', () => {
  const stdio = open(5, '/usr/include/stdio.h');
  const types = open(5, '/usr/include/x86_64-linux-gnu/sys/types.h');
  const hh = open(5, '/w/src/a.hh');
  const g = (glob: string): string[] =>
    [stdio, types, hh].filter((s) => ok(`path ~ ${JSON.stringify(glob)}`, s)).map((s) => s.paths[0].split('/').pop()!);
  assert.deepEqual(g('*.h'), ['stdio.h', 'types.h']);
  assert.deepEqual(g('*.h*'), ['stdio.h', 'types.h', 'a.hh']);
  assert.deepEqual(g('/usr/include/*.h'), ['stdio.h']);
  assert.deepEqual(g('/usr/include/**'), ['stdio.h', 'types.h']);
  assert.deepEqual(g('/usr/include/**/*.h'), ['stdio.h', 'types.h'], '**/ also matches no directory');
  assert.deepEqual(g('**/*.h'), ['stdio.h', 'types.h']);
  assert.deepEqual(g('include/*.h'), ['stdio.h']);
  assert.deepEqual(g('sys/*.h'), ['types.h']);
  assert.deepEqual(g('clude/*.h'), [], 'a trailing part starts at a /');
  assert.deepEqual(g('/include/*.h'), [], 'a glob starting with / is anchored at the root');
  assert.deepEqual(g('{stdio,types}.h'), ['stdio.h', 'types.h']);
  assert.deepEqual(g('std?o.h'), ['stdio.h']);
  assert.deepEqual(g('[a-s]*.h'), ['stdio.h']);
  assert.deepEqual(g('[!a-s]*.h'), ['types.h']);
  assert.deepEqual(g('/w/**'), ['a.hh']);
  assert.deepEqual(g('/w'), []);

  const rename = subject({ ...procOf(7), type: 'rename', paths: ['/w/a.tmp', '/w/a.out'], access: Kind.RENAME_FROM | Kind.DELETE });
  assert.equal(ok('path ~ "*.out"', rename), true, 'the second path counts');
  assert.equal(ok('path == "/w/a.tmp"', rename), true);
  assert.equal(ok('path == "/w/b"', rename), false);
  assert.equal(ok('path != "/w/a.tmp"', rename), false, 'one path equals');
  assert.equal(ok('path != "/w/b"', rename), true);
  assert.equal(ok('path in {"/w/b", "/w/a.out"}', rename), true);
  assert.equal(ok('path contains tmp', rename), true);
  assert.equal(ok('path matches "\\.o"', rename), true);
  assert.equal(ok('path matches "\\.o$"', rename), false);
  const fork = subject({ ...procOf(2), type: 'fork' });
  assert.equal(ok('path', fork), false);
  assert.equal(ok('path', rename), true);
  assert.equal(ok('path != "/x"', fork), false, 'no path: != is false');
  assert.equal(ok('not path == "/x"', fork), true);
});

test('access: has (any of a set), == and != (exact bits), bare', () => {
  const rw = open(4, '/w/a', { access: Kind.READ | Kind.WRITE | Kind.CREATE });
  assert.equal(ok('access has write', rw), true);
  assert.equal(ok('access has delete', rw), false);
  assert.equal(ok('access has {delete, create}', rw), true, 'has {..}: any');
  assert.equal(ok('access has {delete, probe}', rw), false);
  assert.equal(ok('access has write and access has read', rw), true);
  assert.equal(ok('access == {read, write, create}', rw), true);
  assert.equal(ok('access == {read, write}', rw), false);
  assert.equal(ok('access == read', open(4, '/w/a')), true);
  assert.equal(ok('access != read', rw), true);
  assert.equal(ok('access', rw), true);
  assert.equal(ok('access', subject({ type: 'fork' })), false);
});

test('env.NAME: set, equal, absent', () => {
  const p = subject({ proc: 1, vars: { CC: 'clang', EMPTY: '', MAKEFLAGS: '-j8 --no-print-directory' } });
  assert.equal(ok('env.CC', p), true);
  assert.equal(ok('env.EMPTY', p), true, 'set, even empty');
  assert.equal(ok('env.CXX', p), false);
  assert.equal(ok('not env.CXX', p), true);
  assert.equal(ok('env.CC == clang', p), true);
  assert.equal(ok('env.CC == gcc', p), false);
  assert.equal(ok('env.CC != gcc', p), true);
  assert.equal(ok('env.CXX != gcc', p), false, 'unset: != is false');
  assert.equal(ok('env.CC in {gcc, clang}', p), true);
  assert.equal(ok('env.MAKEFLAGS contains "-j8"', p), true);
  assert.equal(ok('env.MAKEFLAGS ~ "-j*"', p), true);
  assert.equal(ok('env.MAKEFLAGS matches "-j[0-9]+ "', p), true);
});

test('logic: and, or, not, parentheses', () => {
  assert.deepEqual(procsMatching('exe == make and not arg == docs'), [2]);
  assert.deepEqual(procsMatching('exe == make or exe == ld and exit == 1'), [2, 6, 7]);
  assert.deepEqual(procsMatching('(exe == make or exe == ld) and exit != 0'), [2, 7]);
  assert.deepEqual(procsMatching('!(exe == make) && (signal || exit)'), [7]);
});

test('under(): a process or any ancestor matches', () => {
  assert.deepEqual(procsMatching('under(exe == "make" and argv contains "vmlinux")'), [2, 3, 4, 5]);
  assert.deepEqual(procsMatching('under(exe == make)'), [2, 3, 4, 5, 6, 7]);
  assert.deepEqual(procsMatching('under(exe == make and arg == docs)'), [6, 7]);
  assert.deepEqual(procsMatching('under(exe == bash)'), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(procsMatching('under(exe == nothing)'), []);
  assert.deepEqual(procsMatching('under(exe == gcc) and not exe == gcc'), [5]);
  assert.deepEqual(procsMatching('not under(exe == sh)'), [1, 2, 6, 7]);
  assert.deepEqual(procsMatching('under(exe == make) and dur > 2s'), [2, 3, 4]);
  assert.deepEqual(procsMatching('under(under(exe == sh) and exe == cc1)'), [5]);
  assert.deepEqual(procsMatching('under(exe == sh) or under(arg == docs)'), [3, 4, 5, 6, 7]);
  // events and files
  const env = makeEnv();
  const keep = parseFilter('under(exe == make and argv contains vmlinux) and path ~ "*.h"').bind(env);
  assert.equal(keep(open(5, '/usr/include/stdio.h')), true);
  assert.equal(keep(open(5, '/w/a.c')), false);
  assert.equal(keep(open(7, '/usr/include/stdio.h')), false);
  assert.equal(keep(subject({ type: 'file', proc: 0, paths: ['/w/a.h'] })), false, 'proc 0: no process');
});

test('under() results are cached per process for a bound env', () => {
  const env = makeEnv();
  const keep = parseFilter('under(exe == make and argv contains vmlinux)').bind(env);
  const first = PROCS.map((p) => keep(p));
  const calls = env.processCalls;
  assert.ok(calls > 0 && calls <= 7, `each process looked up at most once (${calls})`);
  for (let i = 0; i < 3; i++) assert.deepEqual(PROCS.map((p) => keep(p)), first);
  for (const p of PROCS) keep(open(p.proc, '/w/x'));
  assert.equal(env.processCalls, calls, 'no lookups once cached');
  // match() keeps one cache per env too
  const f = parseFilter('under(exe == gcc)');
  const env2 = makeEnv();
  assert.equal(f.match(procOf(5), env2), true);
  const c2 = env2.processCalls;
  assert.equal(f.match(procOf(5), env2), true);
  assert.equal(f.match(procOf(4), env2), true);
  assert.equal(env2.processCalls, c2);
});

test('under() stops on a cyclic parent function and on a missing process', () => {
  const env: FilterEnv = {
    startTs: START,
    process: (proc) => (proc === 3 ? undefined : procOf(proc)),
    parent: (proc) => (proc === 1 ? 1 : PARENT[proc]),
  };
  const keep = parseFilter('under(exe == make and arg == vmlinux)').bind(env);
  assert.equal(keep(procOf(1)), false);
  assert.equal(keep(procOf(5)), true, 'the walk goes past a process the env does not know');
  assert.equal(parseFilter('under(exe == nothing)').bind(env)(procOf(7)), false);
});

test('glob fast paths (suffix, prefix, both) agree with the glob regex', () => {
  const globs = ['*.h', '**.h', '**/*.h', '/usr/include/**', '/usr/include/**/*.h', '/**', '/w/**/*.c', '*.tar.gz', '**/x', 'x/*.h'];
  const paths = ['/usr/include/stdio.h', '/usr/include/sys/types.h', '/usr/include', '/usr/include/', '/usr/include.h', '/usr/includex/a.h',
    '/w/a.c', '/w/src/b.c', '/w/.c', '/a.tar.gz', '/x', '/y/x', '/yx', 'x', '/x/a.h', '/x/y/a.h', '/h', '.h', '/a.h/b'];
  for (const g of globs) {
    const fast = globTest(g, true);
    const re = globRegExp(g, true);
    for (const p of paths) assert.equal(fast(p), re.test(p), `${g} on ${p}`);
  }
  // and some exact results
  assert.equal(globTest('/usr/include/**/*.h', true)('/usr/include/stdio.h'), true);
  assert.equal(globTest('/usr/include/**/*.h', true)('/usr/include/.h'), true);
  assert.equal(globTest('/usr/include/**', true)('/usr/include'), false);
  assert.equal(globTest('*.h', true)('/a.h/b'), false);
  assert.equal(globTest('*.h', false)('/a.h'), false, 'not path-like: * does not cross / and the glob is anchored');
  assert.equal(globTest('*.h', false)('a.h'), true);
});

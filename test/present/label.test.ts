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

// argv of real jobs, from bt summary --json of a traced `./configure && make -j2` of libpng 1.6.39 and sqlite 3.40.1
const PNG_COMPILE = ["/bin/bash", "-c", "depbase=`echo pngrtran.lo | sed 's|[^/]*$|.deps/&|;s|\\.lo$||'`;\\\n/bin/bash ./libtool  --tag=CC   --mode=compile gcc -DHAVE_CONFIG_H -I.     -g -O2 -MT pngrtran.lo -MD -MP -MF $depbase.Tpo -c -o pngrtran.lo pngrtran.c &&\\\nmv -f $depbase.Tpo $depbase.Plo"];
const PNG_LINK = ["/bin/bash", "./libtool", "--tag=CC", "--mode=link", "gcc", "-g", "-O2", "-no-undefined", "-export-dynamic", "-version-number", "16:39:0", "-Wl,--version-script=libpng.vers", "-o", "libpng16.la", "-rpath", "/usr/local/lib", "png.lo", "pngerror.lo", "pngget.lo", "pngmem.lo", "pngpread.lo", "pngread.lo", "pngrio.lo", "pngrtran.lo", "pngrutil.lo", "pngset.lo", "pngtrans.lo", "pngwio.lo", "pngwrite.lo", "pngwtran.lo", "pngwutil.lo", "mips/mips_init.lo", "mips/filter_msa_intrinsics.lo", "intel/intel_init.lo", "intel/filter_sse2_intrinsics.lo", "powerpc/powerpc_init.lo", "powerpc/filter_vsx_intrinsics.lo", "-lm", "-lz", "-lm"];
const SQ_COMPILE = ["/bin/bash", "./libtool", "--mode=compile", "--tag=CC", "gcc", "-g", "-O2", "-DSQLITE_OS_UNIX=1", "-I.", "-I/tmp/review-s30a/sqlite/src", "-I/tmp/review-s30a/sqlite/ext/rtree", "-I/tmp/review-s30a/sqlite/ext/icu", "-I/tmp/review-s30a/sqlite/ext/fts3", "-I/tmp/review-s30a/sqlite/ext/async", "-I/tmp/review-s30a/sqlite/ext/session", "-I/tmp/review-s30a/sqlite/ext/userauth", "-D_HAVE_SQLITE_CONFIG_H", "-DBUILD_sqlite", "-DNDEBUG", "-I/usr/include/tcl8.6", "-DSQLITE_THREADSAFE=1", "-DSQLITE_ENABLE_MATH_FUNCTIONS", "-DSQLITE_HAVE_ZLIB=1", "-DSQLITE_TEMP_STORE=1", "-c", "sqlite3.c"];
const SQ_LINK = ["/bin/sh", "-c", "./libtool --mode=link gcc -g -O2 -DSQLITE_OS_UNIX=1 -I. -I/tmp/review-s30a/sqlite/src -I/tmp/review-s30a/sqlite/ext/rtree -I/tmp/review-s30a/sqlite/ext/icu -I/tmp/review-s30a/sqlite/ext/fts3 -I/tmp/review-s30a/sqlite/ext/async -I/tmp/review-s30a/sqlite/ext/session -I/tmp/review-s30a/sqlite/ext/userauth -D_HAVE_SQLITE_CONFIG_H -DBUILD_sqlite -DNDEBUG -I/usr/include/tcl8.6 -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_MATH_FUNCTIONS  -DSQLITE_HAVE_ZLIB=1    -DHAVE_READLINE=1 -I/usr/include/readline -DHAVE_EDITLINE=0 -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_EXPLAIN_COMMENTS -DSQLITE_ENABLE_UNKNOWN_SQL_FUNCTION -DSQLITE_ENABLE_STMTVTAB -DSQLITE_ENABLE_DBPAGE_VTAB -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_BYTECODE_VTAB -DSQLITE_ENABLE_OFFSET_SQL_FUNC -o sqlite3 \\\n\tshell.c sqlite3.c \\\n\t-lreadline -lncurses  -lm -lz   -rpath \"/usr/local/lib\""];
const SQ_HEADER = ['/bin/sh', '-c', 'tclsh8.6 /tmp/review-s30a/sqlite/tool/mksqlite3h.tcl /tmp/review-s30a/sqlite >sqlite3.h'];

test('commandIn: a script run with an interpreter option and its value is labelled by the script, never by the value', () => {
  const long = 'x'.repeat(60);
  // before: 'lib script.pl …' (the value of -I taken for the script)
  assert.equal(commandIn(['perl', '-I', 'lib', 'script.pl', long], 48, '/w'), 'script.pl xxxxxxxxxxxxxx…xxxxxxxxxxxxx');
  assert.equal(commandIn(['python3', 'gen.py', long], 48, '/w'), 'gen.py xxxxxxxxxxxxxx…xxxxxxxxxxxxx');
});

test('commandIn: a label never reads as another command: a script runs as its program, libtool shows its mode and the command it wraps, an option keeps its value, a redirect left out is a …', () => {
  // was "bash -c 'bash -c -o pngrtran.lo pngrtran.c ./libtool …'": gcc's -c after bash
  assert.equal(commandIn(PNG_COMPILE, 120), "bash -c 'libtool --mode=compile gcc … -c -o pngrtran.lo pngrtran.c …'");
  // was 'bash -c sqlite3.c ./libtool …': "run the script sqlite3.c"
  assert.equal(commandIn(SQ_COMPILE, 120), 'libtool --mode=compile gcc … -c sqlite3.c');
  // was "sh -c 'libtool -o sqlite3 shell.c sqlite3.c /usr/local/lib …'": the value of -rpath as a file
  assert.equal(commandIn(SQ_LINK, 120), "sh -c 'libtool --mode=link gcc … -o sqlite3 shell.c sqlite3.c …'");
  // was "sh -c 'tclsh8.6 …/sqlite/tool/mksqlite3h.tcl /tmp/review-s30a/sqlite'": >sqlite3.h left out with no …
  assert.equal(commandIn(SQ_HEADER, 80), "sh -c 'mksqlite3h.tcl /tmp/review-s30a/sqlite …'");
  // was 'bash -o libpng16.la ./libtool png.lo …' (bash's own -o); the words left out of gcc's are marked where they were
  assert.equal(commandIn(PNG_LINK, 80), 'libtool --mode=link gcc … -o libpng16.la … png.lo pngerror.lo pngget.lo …');
  // in a graph box's 48 characters: what fits, in order, never a word in another role
  assert.equal(commandIn(SQ_COMPILE, 48), 'libtool --mode=compile gcc … -c sqlite3.c');
  assert.equal(commandIn(PNG_LINK, 48), 'libtool --mode=link gcc … -o libpng16.la …');
  assert.equal(commandIn(SQ_LINK, 48), "sh -c 'libtool --mode=link gcc … -o sqlite3 …'");
});

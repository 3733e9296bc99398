/**
 * Real eBPF capture of file events: the open family with flags and results,
 * dirfd/chdir/fchdir, namespace operations, fd duplication and pipes, and a
 * real make -j2 build.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { LogRecord } from '../../src/log/schema.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { exitOf, forkEdges, isStartupNoise, ofType, prog, REPO, tmpdir, trace } from '../helpers/trace.js';

const O_WRONLY = 0o1, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000, O_DIRECTORY = 0o200000, O_CLOEXEC = 0o2000000;
const AT_FDCWD = -100;

ebpfTest('opens: path as passed, dirfd, flags, mode, fd or errno; chdir/fchdir cwd', async () => {
  const dir = tmpdir();
  const t = await trace([prog('opens'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const events = t.log.records
    .filter((r) => !isStartupNoise(r))
    .filter((r) => r.open || r.chdir || r.path || r.path2)
    .map((r) => {
      if (r.open) return ['open', r.open.op, r.open.path, r.open.dirfd, r.open.flags, r.open.mode, r.open.fd >= 0 ? 'ok' : r.open.errno];
      if (r.chdir) return ['chdir', r.chdir.op, r.chdir.path, r.chdir.fd, r.chdir.cwd];
      if (r.path) return ['path', r.path.op, r.path.path, r.path.mode];
      return ['path2', r.path2!.op, r.path2!.from, r.path2!.to];
    });
  const D = 3; // dirfd: the first free fd
  assert.deepEqual(events, [
    ['open', 'openat', `${dir}/a.txt`, AT_FDCWD, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644, 'ok'],
    ['open', 'open', dir, AT_FDCWD, O_DIRECTORY, 0, 'ok'],
    ['open', 'openat', 'b.txt', D, O_WRONLY | O_CREAT | O_EXCL, 0o600, 'ok'],
    ['chdir', 'chdir', dir, AT_FDCWD, dir],
    ['open', 'open', 'a.txt', AT_FDCWD, 0, 0, 'ok'],
    ['path', 'mkdir', 'sub', 0o755],
    ['chdir', 'chdir', '/', AT_FDCWD, '/'],
    ['chdir', 'fchdir', '', D, dir],
    ['open', 'openat', 'sub/../b.txt', AT_FDCWD, 0, 0, 'ok'],
    ['path2', 'symlink', 'a.txt', 'link.txt'],
    ['open', 'openat', 'link.txt', AT_FDCWD, 0, 0, 'ok'],
    ['open', 'openat', 'missing.h', AT_FDCWD, 0, 0, 2],
    ['open', 'openat', 'nodir/x.h', D, 0, 0, 2],
    ['open', 'creat', 'c.txt', AT_FDCWD, O_WRONLY | O_CREAT | O_TRUNC, 0o644, 'ok'],
    ['open', 'openat2', 'a.txt', D, 0, 0, 'ok'],
  ]);
  const o2 = ofType(t.log.records, 'open').find((r) => r.open.op === 'openat2');
  assert.equal(o2?.open.resolve, 8); // RESOLVE_BENEATH
  // Every successful open is closed again, with the same fd.
  const closes = ofType(t.log.records, 'close').map((r) => r.close.fd);
  assert.ok(closes.includes(D));
});

ebpfTest('a successful open carries the file\'s mtime and size as it was opened (through a symlink: its target\'s); a failed one none', async () => {
  const dir = tmpdir();
  const file = path.join(dir, 'a.txt');
  fs.writeFileSync(file, 'x'.repeat(1234));
  await execa('touch', ['-d', '2021-03-04 05:06:07.123456789 UTC', file]);
  fs.symlinkSync('a.txt', path.join(dir, 'link.txt'));
  const st = fs.statSync(file, { bigint: true });
  const t = await trace(['sh', '-c', 'cat a.txt link.txt >/dev/null; cat missing.txt 2>/dev/null; : >>a.txt; : >new.txt'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const opens = ofType(t.log.records, 'open')
    .filter((r) => !r.open.path.startsWith('/'))
    .map((r) => [r.open.path, r.open.fd >= 0 ? 'ok' : r.open.errno, r.open.mtime, r.open.mtime_nsec, r.open.size]);
  const sec = Number(st.mtimeNs / 1_000_000_000n);
  assert.equal(sec, Date.UTC(2021, 2, 4, 5, 6, 7) / 1000);
  assert.equal(Number(st.mtimeNs % 1_000_000_000n), 123456789);
  const made = fs.statSync(path.join(dir, 'new.txt'), { bigint: true }).mtimeNs;
  assert.deepEqual(opens, [
    ['a.txt', 'ok', sec, 123456789, 1234],
    ['link.txt', 'ok', sec, 123456789, 1234],
    ['missing.txt', 2, 0, 0, 0],
    ['a.txt', 'ok', sec, 123456789, 1234], // >> opens without a write: still the old time and size
    ['new.txt', 'ok', Number(made / 1_000_000_000n), Number(made % 1_000_000_000n), 0], // made by this open, empty
  ]);
});

ebpfTest('namespace operations: mkdir, rename, link, symlink, unlink, rmdir', async () => {
  const dir = tmpdir();
  const t = await trace([prog('fsops'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const ops = t.log.records
    .filter((r) => r.path || r.path2)
    .map((r) =>
      r.path
        ? [r.path.op, r.path.path, r.path.dirfd === AT_FDCWD ? 'cwd' : 'fd', r.path.errno]
        : [r.path2!.op, r.path2!.from, r.path2!.to, r.path2!.errno],
    );
  assert.deepEqual(ops, [
    ['mkdir', `${dir}/d`, 'cwd', 0],
    ['mkdirat', `${dir}/d/e`, 'cwd', 0],
    ['rename', `${dir}/f`, `${dir}/g`, 0],
    ['renameat2', `${dir}/g`, `${dir}/d/h`, 0],
    ['link', `${dir}/d/h`, `${dir}/hl`, 0],
    ['linkat', `${dir}/hl`, `${dir}/hl2`, 0],
    ['symlink', 'd/h', `${dir}/sl`, 0],
    ['symlinkat', '../g', 'sl2', 0],
    ['unlink', `${dir}/hl`, 'cwd', 0],
    ['unlinkat', `${dir}/hl2`, 'cwd', 0],
    ['rmdir', `${dir}/d/e`, 'cwd', 0],
    ['unlinkat', 'missing', 'fd', 2],
  ]);
  const r2 = ofType(t.log.records, 'path2').find((r) => r.path2.op === 'renameat2');
  assert.equal(r2?.path2.flags, 1); // RENAME_NOREPLACE
});

ebpfTest('fd table operations: dup family, fcntl, pipes, close_range', async () => {
  const dir = tmpdir();
  const t = await trace([prog('fds'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const printed = Object.fromEntries(t.stdout.trim().split('\n').map((l) => {
    const [k, ...v] = l.split(' ');
    return [k, v.map(Number)];
  }));
  const fd = printed.openat[0];
  const dups = ofType(t.log.records, 'dup').map((r) => [r.dup.op, r.dup.oldfd, r.dup.newfd, r.dup.cloexec]);
  assert.deepEqual(dups, [
    ['dup', fd, printed.dup[0], false],
    ['dup2', fd, 20, false],
    ['dup3', fd, 21, true],
    ['fcntl_dupfd', fd, printed.fcntl_dupfd[0], false],
    ['fcntl_dupfd_cloexec', fd, printed.fcntl_dupfd_cloexec[0], true],
    ['fcntl_setfd', fd, fd, true],
  ]);
  const pipes = ofType(t.log.records, 'pipe').map((r) => [r.pipe.op, r.pipe.read_fd, r.pipe.write_fd]);
  assert.deepEqual(pipes, [
    ['pipe', ...printed.pipe],
    ['pipe2', ...printed.pipe2],
  ]);
  const cr = ofType(t.log.records, 'close').find((r) => r.close.op === 'close_range');
  assert.deepEqual([cr?.close.fd, cr?.close.last], [20, 21]);
});

ebpfTest('make -j2 of a C project: every compiler step, its inputs and outputs', async () => {
  const proj = path.join(REPO, 'test-programs', 'cproject');
  await execa('make', ['-s', '-C', proj, 'clean']);
  const t = await trace(['make', '-C', proj, '-j2']);
  assert.equal(t.code, 0, t.stderr);
  const execs = ofType(t.log.records, 'exec').filter((r) => r.exec.errno === 0);
  const byArgv = (a: string) => execs.filter((r) => r.exec.argv.join(' ') === a);
  for (const c of ['main', 'util', 'greet']) {
    const cc = byArgv(`cc -c -o ${c}.o ${c}.c`);
    assert.equal(cc.length, 1, `one cc for ${c}.c`);
    assert.equal(cc[0].exec.cwd, proj);
    // Some descendant of this cc reads the .c file and writes the .o file.
    const desc = descendants(t.log.records, cc[0].pid);
    const opens = ofType(t.log.records, 'open').filter((r) => desc.has(r.pid) && r.open.fd >= 0);
    assert.ok(opens.some((r) => r.open.path === `${c}.c` && (r.open.flags & 3) === 0), `${c}.c read`);
    assert.ok(opens.some((r) => r.open.path === `${c}.o` && (r.open.flags & 3) !== 0), `${c}.o written`);
    assert.ok(opens.some((r) => r.open.path.endsWith('util.h')), `${c} build reads a header`);
  }
  const link = byArgv('cc -o hello main.o util.o greet.o');
  assert.equal(link.length, 1);
  const ld = ofType(t.log.records, 'open').filter((r) => descendants(t.log.records, link[0].pid).has(r.pid));
  for (const o of ['main.o', 'util.o', 'greet.o']) assert.ok(ld.some((r) => r.open.path === o && r.open.fd >= 0), `${o} read`);
  assert.ok(ld.some((r) => r.open.path === 'hello' && (r.open.flags & 3) !== 0), 'hello written');
  // Every process of the build exited with 0.
  const root = t.log.header.root_pid;
  for (const p of [root!, ...forkEdges(t.log.records).map(([, c]) => c)]) assert.equal(exitOf(t.log.records, p)?.code, 0);
});

function descendants(records: LogRecord[], pid: number): Set<number> {
  const out = new Set([pid]);
  for (const [p, c] of forkEdges(records)) if (out.has(p)) out.add(c);
  return out;
}

ebpfTest('a path of 4,095 bytes (PATH_MAX with its NUL) is whole; one of 4,096 is marked truncated', async () => {
  const dir = tmpdir();
  const t = await trace(['perl', '-e', 'my $p = "." . ("/" x 4092) . "xy"; open(F, ">", $p) or die "$!"; close F; my $q = "." . ("/" x 4093) . "xy"; open(G, ">", $q) and die "opened"'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const long = ofType(t.log.records, 'open').filter((r) => r.open.path.length >= 4090);
  assert.deepEqual(long.map((r) => [r.open.path.length, r.open.errno, !!r.open.truncated]), [[4095, 0, false], [4095, 36, true]]);
  assert.equal(Number(t.log.trailer?.lost?.truncated ?? 0), 1);
});

/**
 * Root-safe output files (src/log/output.ts) and the commands that use it:
 * a root bt in a shared directory never writes where the sudo user could
 * not, never follows a planted link, never chowns or overwrites another
 * user's file, and writes devices and FIFOs in place.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LogError } from '../../src/errors.js';
import { absolutePath } from '../../src/log/io.js';
import { isInPlaceOutput, openOutputAtomic, openOutputDir, openOutputInPlace, refuseInputAsOutput, type Owner } from '../../src/log/output.js';
import { LogWriter } from '../../src/log/writer.js';
import { sharedTmp as shared } from '../helpers/tmp.js';
import { BT, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';
import { HEADER } from './fixtures.js';

const root = process.getuid?.() === 0;
const skip = !root && 'needs root (runs as root in CI)';
const NOBODY: Owner = { uid: 65534, gid: 65534 };
const SUDO = { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' };

/** A sticky world-writable directory like /tmp, and a victim file of root outside it. */
function sharedTmp(): { dir: string; victim: string } {
  const { base, dir } = shared();
  const victim = path.join(base, 'passwd');
  fs.writeFileSync(victim, 'root:x:0:0\n', { mode: 0o644 });
  return { dir, victim };
}

/** A symlink planted by another user (uid 65533). */
function plant(link: string, target: string, uid = 65533): void {
  fs.symlinkSync(target, link);
  fs.lchownSync(link, uid, uid);
}

/** A FIFO of uid 65533 in `dir`, read by a `cat` (`stop` it, or the test's end does): what reaches it is in `got`, and would reach that user. */
async function theirFifo(dir: string, t: { after: (fn: () => void) => void }): Promise<{ fifo: string; got: Buffer[]; stop: () => void }> {
  const fifo = path.join(dir, 'their.fifo');
  spawnSync('mkfifo', [fifo]);
  fs.chownSync(fifo, 65533, 65533);
  const reader = spawn('cat', [fifo]);
  const got: Buffer[] = [];
  reader.stdout.on('data', (c: Buffer) => got.push(c));
  t.after(() => reader.kill());
  await new Promise((r) => setTimeout(r, 200));
  return { fifo, got, stop: () => reader.kill() };
}

function refuses(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof LogError && re.test(e.message) && !e.message.includes('\n'));
}

describe('careful output files', { skip }, () => {
  it('bt trace log: a planted link (to a file, or dangling) is refused; the target is untouched and nothing is created', () => {
    const { dir, victim } = sharedTmp();
    const link = path.join(dir, 'x.trace');
    plant(link, victim);
    refuses(() => LogWriter.open(link, HEADER, { uid: 65534, gid: 65534 }), /x\.trace: it is a symbolic link/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'root:x:0:0\n');
    assert.equal(fs.statSync(victim).uid, 0);
    assert.equal(fs.statSync(victim).mode & 0o777, 0o644);
    const dangling = path.join(dir, 'y.trace');
    const where = path.join(path.dirname(victim), 'created-by-root');
    plant(dangling, where);
    refuses(() => LogWriter.open(dangling, HEADER, { uid: 65534, gid: 65534 }), /symbolic link/);
    assert.equal(fs.existsSync(where), false);
  });

  it('a directory link another user planted in a sticky shared directory is not followed, by root either (fs.protected_symlinks may be off)', () => {
    const { dir, victim } = sharedTmp();
    const rootOnly = path.dirname(victim); // root's 755
    const linkdir = path.join(dir, 'linkdir');
    plant(linkdir, rootOnly);
    for (const open of [
      () => LogWriter.open(path.join(linkdir, 'passwd'), HEADER),
      () => openOutputInPlace(path.join(linkdir, 'passwd')),
      () => openOutputAtomic(path.join(linkdir, 'new.out')),
      () => openOutputDir(path.join(linkdir, 'pq')),
    ]) {
      refuses(open, new RegExp(`: ${linkdir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a symbolic link that uid 65533 made in the shared directory ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: bt does not follow it; give the real path$`));
    }
    assert.equal(fs.readFileSync(victim, 'utf8'), 'root:x:0:0\n');
    assert.deepEqual(fs.readdirSync(rootOnly).sort(), ['passwd', 'tmp']);
    // nor through `..` after it: the kernel goes to the parent of where the link leads
    const sub = path.join(rootOnly, 'sub');
    fs.mkdirSync(sub);
    const deep = path.join(dir, 'deep');
    plant(deep, sub);
    refuses(() => openOutputAtomic(`${deep}/../planted.out`), /deep is a symbolic link that uid 65533 made in the shared directory/);
    assert.equal(fs.existsSync(path.join(rootOnly, 'planted.out')), false);
    fs.rmdirSync(sub);
    // root's own link there, and a link in a directory only root can write, are followed
    const mine = path.join(dir, 'mine');
    fs.symlinkSync(rootOnly, mine);
    const own = openOutputAtomic(path.join(mine, 'ok.out'));
    own.abort();
    const safe = path.join(rootOnly, 'lnk');
    plant(safe, dir);
    const viaSafe = openOutputAtomic(path.join(safe, 'ok2.out'));
    viaSafe.abort();
  });

  it('the caller\'s own link to the caller\'s own file is not followed through a link another user planted on the way', () => {
    const { dir, victim } = sharedTmp();
    const before = fs.readFileSync(victim, 'utf8');
    const hop = path.join(dir, 'g.out');
    plant(hop, victim); // theirs, in the shared directory: it leads to root's file
    const mine = path.join(tmpdir('bt-own-'), 'out.html');
    fs.symlinkSync(hop, mine); // root's own link, in root's own directory
    refuses(() => openOutputAtomic(mine), /g\.out is a symbolic link that uid 65533 made in the shared directory .*: bt does not follow it/);
    assert.equal(fs.readFileSync(victim, 'utf8'), before);
  });

  it('a kernel pseudo-file (/proc/version) is refused before it is opened: neither truncated nor chmod\'ed', () => {
    const before = fs.statSync('/proc/version');
    refuses(() => openOutputInPlace('/proc/version'), /^cannot write the log \/proc\/version: it is a kernel pseudo-file \(\/proc, \/sys\): choose a file on a real file system$/);
    refuses(() => openOutputAtomic('/proc/version'), /kernel pseudo-file/);
    assert.equal(fs.statSync('/proc/version').mode, before.mode);
    assert.ok(fs.readFileSync('/proc/version', 'utf8').startsWith('Linux version'));
  });

  it('bt trace log: a path the sudo user could not create is refused in one line; a new log is the user\'s without a chown', () => {
    const { dir } = sharedTmp();
    const etc = tmpdir('bt-etc-'); // root's, 0700: like /etc for the user
    refuses(() => openOutputInPlace(path.join(etc, 'new.trace'), { owner: NOBODY }), /uid 65534 \(who ran sudo\) cannot create files in/);
    assert.deepEqual(fs.readdirSync(etc), []);
    const w = LogWriter.open(path.join(dir, 'mine.trace'), HEADER, { uid: 65534, gid: 65534 });
    w.close();
    const st = fs.statSync(path.join(dir, 'mine.trace'));
    assert.equal(st.uid, 65534);
    assert.equal(st.gid, 65534);
    assert.equal(st.mode & 0o777, 0o600);
  });

  it("bt trace log: another user's existing file is neither overwritten nor chowned; the user's own is reused", () => {
    const { dir } = sharedTmp();
    const theirs = path.join(dir, 'theirs.trace');
    fs.writeFileSync(theirs, 'data of uid 65533');
    fs.chownSync(theirs, 65533, 65533);
    fs.chmodSync(theirs, 0o666);
    refuses(() => LogWriter.open(theirs, HEADER, { uid: 65534, gid: 65534 }), /belongs to another user \(uid 65533\)/);
    assert.equal(fs.readFileSync(theirs, 'utf8'), 'data of uid 65533');
    assert.equal(fs.statSync(theirs).uid, 65533);
    // a hard link to root's file planted under the name: refused even for root itself
    const { victim } = sharedTmp();
    const hard = path.join(dir, 'hard.trace');
    fs.linkSync(victim, hard);
    refuses(() => LogWriter.open(hard, HEADER), /it has 2 hard links/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'root:x:0:0\n');
    const mine = path.join(dir, 'mine.trace');
    fs.writeFileSync(mine, 'old contents, much longer than a header '.repeat(20));
    fs.chownSync(mine, 65534, 65534);
    LogWriter.open(mine, HEADER, { uid: 65534, gid: 65534 }).close();
    assert.equal(fs.statSync(mine).uid, 65534);
    assert.ok(fs.readFileSync(mine).subarray(0, 4).equals(Buffer.from([0x89, 0x42, 0x54, 0x4c])));
    assert.ok(fs.statSync(mine).size < 200, 'truncated');
  });

  it('a character device, and a FIFO, are written in place; a FIFO without a reader is one line, not a hang', async () => {
    const before = fs.statSync('/dev/null');
    const dev = openOutputAtomic('/dev/null');
    assert.equal(dev.kind, 'device');
    fs.writeSync(dev.fd, 'x');
    fs.closeSync(dev.fd);
    dev.commit();
    assert.ok(fs.statSync('/dev/null').isCharacterDevice());
    assert.equal(fs.statSync('/dev/null').ino, before.ino);
    const { dir } = sharedTmp();
    const fifo = path.join(dir, 'f');
    spawnSync('mkfifo', [fifo]);
    const t0 = Date.now();
    refuses(() => openOutputInPlace(fifo), /it is a FIFO with no reader: start the reader first/);
    assert.ok(Date.now() - t0 < 5000);
    // with a reader: bt normalize -o FIFO writes the log through it and leaves the FIFO
    const log = cBuildTrace(['a']).write(path.join(dir, 'in.trace'));
    const reader = spawn('cat', [fifo]);
    const chunks: Buffer[] = [];
    reader.stdout.on('data', (c: Buffer) => chunks.push(c));
    const readerDone = new Promise((r) => reader.on('close', r));
    await new Promise((r) => setTimeout(r, 200));
    const res = spawnSync(process.execPath, [BT, 'normalize', '-q', '-o', fifo, log], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(res.status, 0, res.stderr);
    await readerDone;
    assert.ok(Buffer.concat(chunks).subarray(0, 4).equals(Buffer.from([0x89, 0x42, 0x54, 0x4c])));
    assert.ok(fs.lstatSync(fifo).isFIFO());
  });

  it('bt normalize -o /dev/null as root leaves /dev/null a character device', () => {
    const dir = tmpdir('bt-out-');
    const log = cBuildTrace(['a']).write(path.join(dir, 'in.trace'));
    const before = fs.statSync('/dev/null');
    const res = spawnSync(process.execPath, [BT, 'normalize', '-q', '-o', '/dev/null', log], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const st = fs.statSync('/dev/null');
    assert.ok(st.isCharacterDevice());
    assert.equal(st.ino, before.ino);
    assert.equal(st.mode, before.mode);
  });

  it('bt normalize: 3,000 planted predictable temp names are never written through; the output is the sudo user\'s', () => {
    const { dir, victim } = sharedTmp();
    const log = cBuildTrace(['a']).write(path.join(tmpdir('bt-in-'), 'in.trace'));
    fs.chmodSync(path.dirname(log), 0o755);
    fs.chmodSync(log, 0o644);
    const out = path.join(dir, 'out.norm.trace');
    // the old name was DIR/.NAME.tmp-PID: plant the next 3,000 pids
    const last = Number(fs.readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
    const names = new Set<string>();
    for (let pid = last + 1; names.size < 3000; pid++) names.add(`.out.norm.trace.tmp-${pid}`);
    for (const n of names) plant(path.join(dir, n), victim);
    const res = spawnSync(process.execPath, [BT, 'normalize', '-q', '-o', out, log], { encoding: 'utf8', env: { ...process.env, ...SUDO } });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'root:x:0:0\n');
    assert.equal(fs.statSync(out).uid, 65534);
    assert.ok(fs.lstatSync(out).isFile());
    // nothing left behind but the output and the planted links
    assert.equal(fs.readdirSync(dir).length, names.size + 1);
  });

  it('bt normalize and bt graph -o refuse a planted link at the output path', () => {
    const { dir, victim } = sharedTmp();
    const log = cBuildTrace(['a']).write(path.join(tmpdir('bt-in-'), 'in.trace'));
    for (const args of [['normalize', '-q'], ['graph', '-q']]) {
      const link = path.join(dir, args[0] === 'graph' ? 'graph.dot' : 'normalize.out'); // bt graph takes its format from the name
      plant(link, victim);
      const res = spawnSync(process.execPath, [BT, ...args, '-o', link, log], { encoding: 'utf8' });
      assert.equal(res.status, 2, res.stderr);
      assert.match(res.stderr, /^bt: cannot write the .* it is a symbolic link/);
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
      assert.equal(fs.readFileSync(victim, 'utf8'), 'root:x:0:0\n');
      assert.ok(fs.lstatSync(link).isSymbolicLink());
    }
    // the user's own link to the user's own file is followed (atomic replace of the file)
    const own = path.join(dir, 'own.dot');
    fs.writeFileSync(own, 'digraph old {}\n'); // an earlier graph: a file of another kind is refused (log/replace.ts, test/cli/replace.test.ts)
    fs.chownSync(own, 65534, 65534);
    const ownLink = path.join(dir, 'own-link.dot');
    plant(ownLink, own, 65534);
    const res = spawnSync(process.execPath, [BT, 'graph', '-q', '-o', ownLink, log], { encoding: 'utf8', env: { ...process.env, ...SUDO } });
    assert.equal(res.status, 0, res.stderr);
    assert.match(fs.readFileSync(own, 'utf8'), /^digraph build/);
    assert.ok(fs.lstatSync(ownLink).isSymbolicLink());
  });
  it('the last component: a link another user planted in a sticky shared directory is refused whatever it leads to (a device, a FIFO); so is their FIFO (protected_symlinks, protected_fifos=2)', async (t) => {
    const { dir } = sharedTmp();
    const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const { fifo, got, stop } = await theirFifo(dir, t);
    const toFifo = path.join(dir, 'fifolink.trace');
    plant(toFifo, fifo);
    const toZero = path.join(dir, 'zero.trace');
    plant(toZero, '/dev/zero');
    const linkRe = (l: string) => new RegExp(`^cannot write the (log|output) ${esc(l)}: ${esc(l)} is a symbolic link that uid 65533 made in the shared directory ${esc(dir)}: bt does not follow it; give the real path$`);
    const fifoRe = (l: string) => new RegExp(`^cannot write the (log|output) ${esc(l)}: ${esc(fifo)} is a FIFO that uid 65533 made in the shared directory ${esc(dir)}: bt does not write into another user's FIFO there; remove it or choose another path$`);
    for (const owner of [undefined, NOBODY]) {
      for (const l of [toFifo, toZero]) {
        refuses(() => openOutputInPlace(l, { owner }), linkRe(l));
        refuses(() => openOutputAtomic(l, { owner }), linkRe(l));
        refuses(() => LogWriter.open(l, HEADER, owner ? { uid: 65534, gid: 65534 } : {}), linkRe(l));
        assert.equal(isInPlaceOutput(l, owner), false, 'bt normalize opens it as a file, and is refused before it reads the log');
      }
      refuses(() => openOutputInPlace(fifo, { owner }), fifoRe(fifo));
      refuses(() => openOutputAtomic(fifo, { owner }), fifoRe(fifo));
      // the user's own link, in the shared directory, to their FIFO: the FIFO is refused all the same
      const mine = path.join(dir, `mine-${owner ? 'nobody' : 'root'}.trace`);
      plant(mine, fifo, owner ? 65534 : 0);
      refuses(() => openOutputInPlace(mine, { owner }), fifoRe(mine));
      // and a chain: the user's link to a link they planted
      const chain = path.join(dir, `chain-${owner ? 'nobody' : 'root'}.trace`);
      plant(chain, toZero, owner ? 65534 : 0);
      refuses(() => openOutputInPlace(chain, { owner }), new RegExp(`^cannot write the log ${esc(chain)}: ${esc(toZero)} is a symbolic link that uid 65533 made`));
    }
    // a sticky directory only a group can write: their FIFO is refused there too (protected_fifos=2), their link is not (protected_symlinks)
    const { base } = shared();
    const grp = path.join(base, 'grp');
    fs.mkdirSync(grp);
    fs.chmodSync(grp, 0o1770);
    const gfifo = path.join(grp, 'f');
    spawnSync('mkfifo', [gfifo]);
    fs.chownSync(gfifo, 65533, 65533);
    refuses(() => openOutputInPlace(gfifo), /f is a FIFO that uid 65533 made in the shared directory .*grp: bt does not write into another user's FIFO there/);
    plant(path.join(grp, 'null'), '/dev/null');
    const viaGroupLink = openOutputInPlace(path.join(grp, 'null'));
    assert.equal(viaGroupLink.kind, 'device');
    fs.closeSync(viaGroupLink.fd);
    stop();
    assert.equal(Buffer.concat(got).length, 0, 'uid 65533 read nothing');
    assert.ok(fs.lstatSync(fifo).isFIFO());
  });

  it("the last component: the user's own FIFO, one of the shared directory's owner, /dev/null and /dev/stdout are written as before", async () => {
    const { dir } = sharedTmp();
    const read = async (fifo: string, open: () => ReturnType<typeof openOutputInPlace>) => {
      const reader = spawn('cat', [fifo]);
      const got: Buffer[] = [];
      reader.stdout.on('data', (c: Buffer) => got.push(c));
      const done = new Promise((r) => reader.on('close', r));
      await new Promise((r) => setTimeout(r, 200));
      try {
        const out = open();
        assert.equal(out.kind, 'fifo');
        fs.writeSync(out.fd, 'log');
        fs.closeSync(out.fd);
        await done;
        return Buffer.concat(got).toString();
      } finally {
        reader.kill();
      }
    };
    const nobodys = path.join(dir, 'nobody.fifo');
    spawnSync('mkfifo', [nobodys]);
    fs.chownSync(nobodys, 65534, 65534);
    assert.equal(await read(nobodys, () => openOutputInPlace(nobodys, { owner: NOBODY })), 'log');
    // root's FIFO in root's sticky directory, for the sudo user: the directory's owner made it
    const roots = path.join(dir, 'root.fifo');
    spawnSync('mkfifo', ['-m', '666', roots]);
    assert.equal(await read(roots, () => openOutputAtomic(roots, { owner: NOBODY })), 'log');
    // the user's own link to it, in the shared directory
    const link = path.join(dir, 'own-link');
    plant(link, nobodys, 65534);
    assert.equal(await read(nobodys, () => openOutputInPlace(link, { owner: NOBODY })), 'log');
    assert.equal(isInPlaceOutput('/dev/null'), true);
    const dev = openOutputInPlace('/dev/null');
    assert.equal(dev.kind, 'device');
    fs.closeSync(dev.fd);
    // -o /dev/stdout and /dev/fd/1 into a shell's pipe (this process's stdout is a socket, which no open reaches)
    const log = cBuildTrace(['a']).write(path.join(tmpdir('bt-in-'), 'in.trace'));
    for (const o of ['/dev/stdout', '/dev/fd/1']) {
      for (const cmd of [`export jsonl '${log}' -o ${o} | head -c 7`, `normalize -q '${log}' -o ${o} | head -c 4 | od -An -tx1`]) {
        const r = spawnSync('sh', ['-c', `'${process.execPath}' '${BT}' ${cmd}`], { encoding: 'utf8' });
        assert.equal(r.stderr, '', cmd);
        assert.equal(r.stdout.trim(), cmd.startsWith('export') ? '{"type"' : '89 42 54 4c', cmd);
      }
    }
  });

  it('bt normalize, export, graph and view --html refuse a link to /dev/null or a FIFO that another user planted, in one line; nothing is read from the FIFO', async (t) => {
    const { dir } = sharedTmp();
    const log = cBuildTrace(['a']).write(path.join(tmpdir('bt-in-'), 'in.trace'));
    const { fifo, got, stop } = await theirFifo(dir, t);
    const cases: Array<[string[], string, string]> = [
      [['normalize', '-q', log, '-o'], 'n.trace', 'normalized log'],
      [['export', 'jsonl', log, '-o'], 'e.jsonl', 'export'],
      [['export', 'chrome-trace', log, '-o'], 'c.json', 'export'],
      [['export', 'perfetto', log, '-o'], 'p.pftrace', 'export'],
      [['export', 'compile-commands', log, '-o'], 'compile_commands.json', 'export'],
      [['export', 'makedeps', log, '-o'], 'm.d', 'export'],
      [['graph', '-q', log, '-o'], 'g.dot', 'graph'],
      [['view', '--html'], 'v.html', 'page'],
    ];
    for (const [args, name, what] of cases) {
      for (const [target, kind] of [['/dev/null', 'null'], [fifo, 'fifo']]) {
        const link = path.join(dir, `${kind}-${name}`);
        plant(link, target);
        const argv = args[0] === 'view' ? [...args, link, log] : [...args, link];
        const r = spawnSync(process.execPath, [BT, ...argv], { encoding: 'utf8', timeout: 20_000 });
        assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr, `bt: cannot write the ${what} ${link}: ${link} is a symbolic link that uid 65533 made in the shared directory ${dir}: bt does not follow it; give the real path\n`);
      }
    }
    const r = spawnSync(process.execPath, [BT, 'export', 'jsonl', log, '-o', fifo], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `bt: cannot write the export ${fifo}: ${fifo} is a FIFO that uid 65533 made in the shared directory ${dir}: bt does not write into another user's FIFO there; remove it or choose another path\n`);
    // parquet's directory: a link there is never followed, nor anything but a directory used
    const pq = spawnSync(process.execPath, [BT, 'export', 'parquet', log, '-o', fifo], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(pq.status, 2, pq.stderr);
    assert.equal(pq.stderr, `bt: cannot write the export directory ${fifo}: it exists and is not a directory: remove it or choose another path\n`);
    stop();
    assert.equal(Buffer.concat(got).length, 0, 'uid 65533 read nothing');
    // the caller's own link to /dev/null there is written as before
    const own = path.join(dir, 'own-null.jsonl');
    fs.symlinkSync('/dev/null', own);
    const ok = spawnSync(process.execPath, [BT, 'export', 'jsonl', log, '-o', own], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(fs.statSync('/dev/null').isCharacterDevice());
  });

  it("output directories: root's writer writes through an fd, so a staging directory swapped for a link redirects nothing; files end up the user's", () => {
    const { dir, victim } = sharedTmp();
    const victimDir = path.dirname(victim);
    const out = openOutputDir(path.join(dir, 'out.d'), { owner: NOBODY, what: 'export directory' });
    assert.match(out.scratch, /^\/proc\/self\/fd\/\d+$/);
    const [staging] = fs.readdirSync(dir);
    assert.match(staging, /^\.out\.d\.bt-/);
    const sst = fs.lstatSync(path.join(dir, staging));
    assert.deepEqual([sst.uid, sst.mode & 0o777], [65534, 0o700]);
    // root writes by path (as DuckDB does) into a root-only directory
    fs.writeFileSync(`${out.scratch}/a.parquet`, 'rows');
    assert.equal(fs.statSync(out.scratch).uid, 0);
    assert.equal(fs.statSync(out.scratch).mode & 0o777, 0o700);
    out.commit();
    assert.deepEqual(fs.readdirSync(dir), ['out.d']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'out.d')), ['a.parquet']);
    assert.equal(fs.statSync(path.join(dir, 'out.d', 'a.parquet')).uid, 65534);
    assert.equal(fs.readFileSync(path.join(dir, 'out.d', 'a.parquet'), 'utf8'), 'rows');
    // the staging directory renamed away and a link to root's directory put in its place
    const again = openOutputDir(path.join(dir, 'two.d'), { owner: NOBODY });
    const name = fs.readdirSync(dir).find((n) => n.startsWith('.two.d.bt-'))!;
    fs.renameSync(path.join(dir, name), path.join(dir, 'moved'));
    plant(path.join(dir, name), victimDir, 65534);
    fs.writeFileSync(`${again.scratch}/b.parquet`, 'rows');
    refuses(() => again.commit(), /^cannot write the output directory .*two\.d: .* was replaced while bt was writing: run it again$/);
    assert.deepEqual(fs.readdirSync(victimDir).sort(), ['passwd', 'tmp']);
    assert.equal(fs.existsSync(path.join(dir, 'two.d')), false);
    assert.equal(fs.existsSync(path.join(dir, name)), false, 'the link removed, not followed');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'moved')), ['b.parquet'], 'the files went to the real directory');
    assert.equal(fs.statSync(path.join(dir, 'moved', 'b.parquet')).uid, 65534);
  });
});

describe('outputs from a working directory with no name', { skip }, () => {
  /** Runs fn in a working directory deeper than PATH_MAX (process.cwd() throws ERANGE), made inside `base`. */
  function inDeepDir<T>(base: string, fn: () => T): T {
    const back = process.cwd();
    process.chdir(base);
    try {
      const name = 'd'.repeat(200);
      for (let i = 0; i < 25; i++) {
        fs.mkdirSync(name);
        process.chdir(name);
      }
      assert.throws(() => process.cwd(), /ERANGE/);
      return fn();
    } finally {
      process.chdir(back);
      // rm walks it with openat (Node's recursive rm, which the temporary directories get at exit, builds paths: ENAMETOOLONG)
      spawnSync('rm', ['-rf', path.join(base, 'd'.repeat(200))]);
    }
  }

  it('deeper than PATH_MAX: relative outputs are written, the same file is refused, and a planted directory link is still not followed', () => {
    const { base, dir } = shared();
    const victimDir = path.join(base, 'rootonly');
    fs.mkdirSync(victimDir, { mode: 0o755 });
    inDeepDir(dir, () => {
      assert.equal(absolutePath('a/../b.trace'), '/proc/self/cwd/b.trace');
      assert.equal(absolutePath('../x'), '/proc/self/cwd/../x');
      const out = openOutputAtomic('ok.out');
      fs.writeSync(out.fd, 'ok');
      fs.closeSync(out.fd);
      out.commit();
      assert.equal(fs.readFileSync('ok.out', 'utf8'), 'ok');
      assert.throws(() => refuseInputAsOutput('ok.out', './ok.out'), (e: unknown) => e instanceof LogError && e.code === 'E_SAME_FILE');
      // a sticky, world-writable directory down there, and a link another user planted in it
      fs.mkdirSync('tmp');
      fs.chmodSync('tmp', 0o1777);
      plant('tmp/linkdir', victimDir);
      refuses(() => openOutputAtomic('tmp/linkdir/new.out'), /tmp\/linkdir is a symbolic link that uid 65533 made in the shared directory .*: bt does not follow it/);
      fs.mkdirSync('sub');
      refuses(() => openOutputInPlace('sub/../tmp/linkdir/new.out'), /is a symbolic link that uid 65533 made in the shared directory/);
      assert.deepEqual(fs.readdirSync(victimDir), []);
    });
  });
});

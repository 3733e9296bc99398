/**
 * bt view --html FILE writes the page through the root-safe output module
 * (src/log/output.ts), as bt graph -o does: as the sudo user, never through
 * a link another user planted, never over another user's file or a file
 * with other names, devices and FIFOs in place, one-line errors.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sharedTmp } from '../helpers/tmp.js';
import { BT, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

const root = process.getuid?.() === 0;
const skip = !root && 'needs root (runs as root in CI)';
const SUDO = { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' };

/** A sticky world-writable directory like /tmp, a root file outside it, and a log anyone can read. */
function setup(): { dir: string; victim: string; log: string } {
  const { base, dir } = sharedTmp('bt-html-');
  const victim = path.join(base, 'passwd');
  fs.writeFileSync(victim, 'root:x:0:0\n', { mode: 0o644 });
  const log = cBuildTrace(['a']).write(path.join(base, 'in.trace'));
  fs.chmodSync(log, 0o644);
  return { dir, victim, log };
}

function view(file: string, log: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BT, 'view', '-q', '--html', file, log], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
}

/** Exit 2 (an output bt cannot write, as in every command) and exactly this one line on stderr. */
function refused(r: ReturnType<typeof view>, re: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
}

/** Nothing in `dir` but `names` (no temporary left behind). */
function only(dir: string, names: string[]): void {
  assert.deepEqual(fs.readdirSync(dir).sort(), [...names].sort());
}

describe('bt view --html: the page goes through the careful output module', { skip }, () => {
  it('a link another user planted (to a file, or dangling) is refused in one line; its target is untouched', () => {
    const { dir, victim, log } = setup();
    const link = path.join(dir, 'page.html');
    fs.symlinkSync(victim, link);
    fs.lchownSync(link, 65533, 65533);
    refused(view(link, log), /^bt: cannot write the page .*\/page\.html: it is a symbolic link: bt does not write through links it or you do not own; remove it or give the real path\n$/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'root:x:0:0\n');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    const dangling = path.join(dir, 'dangling.html');
    const where = path.join(path.dirname(victim), 'made-by-root.html');
    fs.symlinkSync(where, dangling);
    fs.lchownSync(dangling, 65533, 65533);
    refused(view(dangling, log, SUDO), /^bt: cannot write the page .*dangling\.html: it is a symbolic link/);
    assert.equal(fs.existsSync(where), false);
    only(dir, ['page.html', 'dangling.html']);
  });

  it("another user's file, and a file with another name (hard link), are neither replaced nor chowned", () => {
    const { dir, victim, log } = setup();
    const theirs = path.join(dir, 'theirs.html');
    fs.writeFileSync(theirs, 'page of uid 65533');
    fs.chownSync(theirs, 65533, 65533);
    const before = fs.statSync(theirs);
    refused(view(theirs, log), /^bt: cannot write the page .*theirs\.html: it belongs to another user \(uid 65533\): bt does not overwrite other users' files; remove it or choose another path\n$/);
    assert.equal(fs.readFileSync(theirs, 'utf8'), 'page of uid 65533');
    assert.equal(fs.statSync(theirs).ino, before.ino);
    assert.equal(fs.statSync(theirs).uid, 65533);
    const hard = path.join(dir, 'hard.html');
    fs.linkSync(victim, hard);
    refused(view(hard, log), /^bt: cannot write the page .*hard\.html: it has 2 hard links: bt does not overwrite a file that has other names; remove it or choose another path\n$/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'root:x:0:0\n');
    assert.equal(fs.statSync(hard).ino, fs.statSync(victim).ino);
    only(dir, ['theirs.html', 'hard.html']);
  });

  it('a character device and a FIFO are written in place, never replaced; a FIFO without a reader is one line', async () => {
    const { dir, log } = setup();
    const dev = path.join(dir, 'mynull');
    assert.equal(spawnSync('mknod', ['-m', '666', dev, 'c', '1', '3']).status, 0);
    const before = fs.lstatSync(dev);
    const r = view(dev, log);
    assert.equal(r.status, 0, r.stderr);
    const after = fs.lstatSync(dev);
    assert.ok(after.isCharacterDevice());
    assert.equal(after.ino, before.ino);
    assert.equal(after.rdev, before.rdev);
    // a link to a device (like /dev/stdout -> /proc/self/fd/1): written through, left a link
    const link = path.join(dir, 'stdout');
    fs.symlinkSync(dev, link);
    assert.equal(view(link, log).status, 0);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.ok(fs.lstatSync(dev).isCharacterDevice());
    // but not one another user planted in this sticky, world-writable directory (fs.protected_symlinks, kept by bt)
    const planted = path.join(dir, 'planted');
    fs.symlinkSync(dev, planted);
    fs.lchownSync(planted, 65533, 65533);
    refused(view(planted, log), new RegExp(`^bt: cannot write the page ${planted}: ${planted} is a symbolic link that uid 65533 made in the shared directory ${dir}: bt does not follow it; give the real path\n$`));
    assert.ok(fs.lstatSync(planted).isSymbolicLink());
    const fifo = path.join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    refused(view(fifo, log), /^bt: cannot write the page .*fifo: it is a FIFO with no reader: start the reader first\n$/);
    assert.ok(fs.lstatSync(fifo).isFIFO());
    const reader = spawn('cat', [fifo]);
    const chunks: Buffer[] = [];
    reader.stdout.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((res) => reader.on('close', res));
    await new Promise((res) => setTimeout(res, 200));
    const w = spawnSync(process.execPath, [BT, 'view', '--html', fifo, log], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(w.status, 0, w.stderr);
    assert.match(w.stderr, /\nbt view: wrote the page to .*fifo \([\d.]+ MiB\)\n$/);
    await done;
    assert.match(Buffer.concat(chunks).toString('utf8'), /^<!doctype html>/i);
    assert.ok(fs.lstatSync(fifo).isFIFO());
    only(dir, ['mynull', 'stdout', 'planted', 'fifo']);
  });

  it("'-' is stdout", () => {
    const { dir, log } = setup();
    const r = spawnSync(process.execPath, [BT, 'view', '--html', '-', log], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^<!doctype html>[^]*<\/html>\n?$/i);
    assert.match(r.stderr, /\nbt view: wrote the page to stdout \([\d.]+ MiB\)\n$/);
    only(dir, []);
  });

  it('under sudo: the page is the user\'s; a directory the user cannot write, a missing directory and a directory are one line each', () => {
    const { dir, log } = setup();
    const page = path.join(dir, 'build.html');
    const ok = spawnSync(process.execPath, [BT, 'view', '--html', page, log], { encoding: 'utf8', env: { ...process.env, ...SUDO } });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /\nbt view: wrote .*build\.html \([\d.]+ MiB\): open it in a browser\n$/);
    const st = fs.lstatSync(page);
    assert.ok(st.isFile());
    assert.equal(st.uid, 65534);
    assert.equal(st.gid, 65534);
    assert.match(fs.readFileSync(page, 'utf8'), /^<!doctype html>/i);
    // the user's own file again: replaced, still the user's
    assert.equal(view(page, log, SUDO).status, 0);
    assert.equal(fs.statSync(page).uid, 65534);
    only(dir, ['build.html']);
    // root's 755 directory: like /etc for the user
    const etc = tmpdir('bt-html-etc-');
    fs.chmodSync(etc, 0o755);
    refused(view(path.join(etc, 'x.html'), log, SUDO), /^bt: cannot write the page .*x\.html: permission denied \(EACCES\): uid 65534 \(who ran sudo\) cannot create files in .*; choose another path\n$/);
    only(etc, []);
    refused(view(path.join(dir, 'no', 'such', 'x.html'), log), /^bt: cannot write the page .*\/no\/such\/x\.html: no such file or directory \(ENOENT\): the directory does not exist\n$/);
    refused(view(dir, log), /^bt: cannot write the page .*\/tmp: it is a directory: give a file name\n$/);
    only(dir, ['build.html']);
  });
});

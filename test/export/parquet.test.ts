/**
 * bt export parquet -o DIR through the root-safe output module
 * (openOutputDir in src/log/output.ts): the directory and its files are the
 * sudo user's, made where that user can write; another user's directory, a
 * planted link and a directory with other files are refused in one line; an
 * earlier export is replaced as a whole. Synthetic logs: no eBPF needed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sharedTmp } from '../helpers/tmp.js';
import { BT, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

const root = process.getuid?.() === 0;
const skip = !root && 'needs root (runs as root in CI)';
const SUDO = { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' };
const TABLES = ['accesses.parquet', 'builds.parquet', 'events.parquet', 'files.parquet', 'jobs.parquet', 'processes.parquet'];

/** A sticky world-writable directory like /tmp, and a log anyone can read, outside it. */
function setup(): { base: string; dir: string; log: string } {
  const { base, dir } = sharedTmp('bt-parquet-');
  const log = cBuildTrace(['a', 'b']).write(path.join(base, 'in.trace'));
  fs.chmodSync(log, 0o644);
  return { base, dir, log };
}

function exportTo(out: string, log: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BT, 'export', 'parquet', '-q', log, '-o', out], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

/** Exit 2 and exactly this one line on stderr. */
function refused(r: ReturnType<typeof exportTo>, re: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
}

const ls = (dir: string) => fs.readdirSync(dir).sort();

describe('bt export parquet -o DIR: the careful output rules', { skip }, () => {
  it("under sudo: the directory and every file are the user's (no chown), made with no temporary left; an earlier export is replaced", () => {
    const { dir, log } = setup();
    const out = path.join(dir, 'build.parquet.d');
    const r = exportTo(out, log, SUDO);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(ls(dir), ['build.parquet.d']);
    assert.deepEqual(ls(out), TABLES);
    const st = fs.lstatSync(out);
    assert.deepEqual([st.isDirectory(), st.uid, st.gid, st.mode & 0o7777], [true, 65534, 65534, 0o755]);
    for (const f of TABLES) {
      const fst = fs.lstatSync(path.join(out, f));
      assert.deepEqual([fst.isFile(), fst.uid, fst.gid, fst.nlink], [true, 65534, 65534, 1], f);
      assert.equal(fs.readFileSync(path.join(out, f)).subarray(0, 4).toString('latin1'), 'PAR1', f);
    }
    // again: an earlier export (here with one table only) is replaced by a whole new directory
    fs.rmSync(path.join(out, 'events.parquet'));
    fs.writeFileSync(path.join(out, 'files.parquet'), 'stale');
    fs.chownSync(path.join(out, 'files.parquet'), 65534, 65534);
    const again = exportTo(out, log, SUDO);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(ls(dir), ['build.parquet.d']);
    assert.deepEqual(ls(out), TABLES);
    assert.notEqual(fs.lstatSync(out).ino, st.ino);
    assert.equal(fs.readFileSync(path.join(out, 'files.parquet')).subarray(0, 4).toString('latin1'), 'PAR1');
    assert.equal(fs.lstatSync(path.join(out, 'events.parquet')).uid, 65534);
  });

  it('under sudo: a directory the user cannot write is refused in one line and nothing is made in it', () => {
    const { base, log } = setup(); // root's 0755 directory
    refused(
      exportTo(path.join(base, 'out.d'), log, SUDO),
      /^bt: cannot write the export directory .*out\.d: permission denied \(EACCES\): uid 65534 \(who ran sudo\) cannot create files in .*; choose another path\n$/,
    );
    assert.deepEqual(ls(base), ['in.trace', 'tmp']);
  });

  it("another user's directory, and a link another user planted to a directory, are refused; neither is written", () => {
    const { dir, log } = setup();
    const theirs = path.join(dir, 'theirs.d');
    fs.mkdirSync(theirs, { mode: 0o777 });
    fs.chmodSync(theirs, 0o777);
    fs.chownSync(theirs, 65533, 65533);
    refused(
      exportTo(theirs, log),
      /^bt: cannot write the export directory .*theirs\.d: it belongs to another user \(uid 65533\): bt does not overwrite other users' files; remove it or choose another path\n$/,
    );
    assert.deepEqual(ls(theirs), []);
    const target = tmpdir('bt-parquet-target-');
    const link = path.join(dir, 'link.d');
    fs.symlinkSync(target, link);
    fs.lchownSync(link, 65533, 65533);
    for (const env of [{}, SUDO]) {
      refused(exportTo(link, log, env), /^bt: cannot write the export directory .*link\.d: it is a symbolic link: bt does not write through links; remove it or give the real path\n$/);
    }
    assert.deepEqual(ls(target), []);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.deepEqual(ls(dir), ['link.d', 'theirs.d']);
  });

  it('a directory of the user\'s with other files is refused, untouched; an empty one is replaced; a file or a missing directory is one line', () => {
    const { dir, log } = setup();
    const mine = path.join(dir, 'mine.d');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'notes.txt'), 'keep me');
    fs.writeFileSync(path.join(mine, 'builds.parquet'), 'old');
    refused(
      exportTo(mine, log),
      /^bt: cannot write the export directory .*mine\.d: it is a directory with files bt export parquet did not write: bt replaces only an empty directory or an earlier export \(builds\.parquet, processes\.parquet, jobs\.parquet, files\.parquet, accesses\.parquet, events\.parquet\); remove it or choose another path\n$/,
    );
    assert.deepEqual(ls(mine), ['builds.parquet', 'notes.txt']);
    assert.equal(fs.readFileSync(path.join(mine, 'builds.parquet'), 'utf8'), 'old');
    const empty = path.join(dir, 'empty.d');
    fs.mkdirSync(empty);
    const r = exportTo(empty, log);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(ls(empty), TABLES);
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, 'data');
    refused(exportTo(file, log), /^bt: cannot write the export directory .*\/file: it exists and is not a directory: remove it or choose another path\n$/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'data');
    refused(exportTo(path.join(dir, 'no', 'such', 'out.d'), log), /^bt: cannot write the export directory .*\/no\/such\/out\.d: no such file or directory \(ENOENT\): the directory does not exist: choose another -o path\n$/);
    // a log that cannot be read: nothing left behind
    const bad = path.join(dir, 'bad.trace');
    fs.writeFileSync(bad, 'not a log\n');
    assert.equal(exportTo(path.join(dir, 'bad.d'), bad).status, 2);
    assert.deepEqual(ls(dir), ['bad.trace', 'empty.d', 'file', 'mine.d']);
  });
});

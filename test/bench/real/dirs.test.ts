import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ownDir } from '../../../bench/real/dirs.js';
import { sharedTmp } from '../../helpers/tmp.js';

const skip = process.geteuid?.() !== 0 && 'needs root (another user\'s files are made with chown)';
const OTHER = 65534;

describe('bench:real output directories (ownDir)', { skip }, () => {
  it('makes missing directories 0755 and accepts its own', () => {
    const { dir } = sharedTmp();
    const out = path.join(dir, 'bt-bench-real', 'deeper');
    ownDir(out);
    for (const d of [path.dirname(out), out]) assert.equal(fs.statSync(d).mode & 0o7777, 0o755);
    ownDir(out); // again: they exist now
  });

  it("refuses another user's directory, a link another user made, a file, a directory others can write", () => {
    const { dir } = sharedTmp();
    const theirs = path.join(dir, 'theirs');
    fs.mkdirSync(theirs);
    fs.chownSync(theirs, OTHER, OTHER);
    assert.throws(() => ownDir(theirs), { message: `${theirs} belongs to uid ${OTHER}: the benchmark writes only in and below directories of its own; remove it or give another --out` });
    assert.throws(() => ownDir(path.join(theirs, 'sub')), { message: `${theirs} belongs to uid ${OTHER}: the benchmark writes only in and below directories of its own; remove it or give another --out` });
    assert.equal(fs.existsSync(path.join(theirs, 'sub')), false);

    const victim = path.join(path.dirname(dir), 'victim');
    fs.mkdirSync(victim);
    const link = path.join(dir, 'bt-bench-real');
    fs.symlinkSync(victim, link);
    fs.lchownSync(link, OTHER, OTHER);
    assert.throws(() => ownDir(link), { message: `${link} is a symbolic link of uid ${OTHER}: the benchmark does not write through it; remove it or give another --out` });

    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    assert.throws(() => ownDir(path.join(file, 'x')), { message: `${file} is not a directory: remove it or give another --out` });

    const open = path.join(dir, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    assert.throws(() => ownDir(open), /open is writable by everyone and not sticky: give another --out$/);
    fs.chmodSync(open, 0o775);
    assert.throws(() => ownDir(open), { message: `${open} is writable by others (mode 775): the benchmark writes only into directories no one else can write; chmod go-w it or give another --out` });
  });

  it('follows a link of its own to a directory of its own', () => {
    const { base, dir } = sharedTmp();
    const real = path.join(base, 'real');
    fs.mkdirSync(real, { mode: 0o755 });
    const link = path.join(dir, 'mine');
    fs.symlinkSync(real, link);
    ownDir(path.join(link, 'out'));
    assert.equal(fs.statSync(path.join(real, 'out')).isDirectory(), true);
  });

  it('refuses a relative directory and ..', () => {
    assert.throws(() => ownDir('rel/dir'), { message: 'rel/dir: give an absolute directory' });
    assert.throws(() => ownDir('/tmp/../etc'), { message: "/tmp/../etc: give the directory without '..'" });
  });
});

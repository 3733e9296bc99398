/**
 * Logs that are not regular files (src/log/input.ts): a FIFO, a device,
 * read through a private copy, by every reader, as often as they like.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tryLock } from '../../src/capture/native.js';
import { LogError } from '../../src/errors.js';
import { endWarnings } from '../../src/log/check.js';
import { beingWritten } from '../../src/log/input.js';
import { LogReader } from '../../src/log/reader.js';
import { formatSummary, normalizeFile } from '../../src/normalize/normalize.js';
import { forkerTrace } from '../normalize/synth.js';
import { HEADER, TRAILER, logBytes, sampleRecords, tmpdir } from './fixtures.js';

/** A FIFO that a child process fills with `file` (it waits for the reader). */
function fifoOf(dir: string, file: string, name = 'log.fifo'): string {
  const fifo = path.join(dir, name);
  execFileSync('mkfifo', [fifo]);
  const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', file, fifo], { stdio: 'ignore' });
  writer.unref();
  return fifo;
}

function readAll(file: string) {
  const r = LogReader.open(file);
  try {
    const first = [...r.records()];
    const again = [...r.records()];
    return { header: r.header, first, again, trailer: r.trailer, complete: r.complete };
  } finally {
    r.close();
  }
}

describe('logs that are not regular files', () => {
  it('a FIFO is read whole, again, and opened again, through one private unnamed copy that leaves nothing behind', () => {
    const dir = tmpdir();
    const tmp = fs.mkdtempSync(path.join(dir, 'tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const file = path.join(dir, 'good.trace');
      fs.writeFileSync(file, logBytes(HEADER, sampleRecords(), TRAILER).bytes);
      const want = readAll(file);
      const fifo = fifoOf(dir, file);
      const got = readAll(fifo);
      assert.equal(got.first.length, sampleRecords().length);
      assert.deepEqual(got.first, want.first);
      assert.deepEqual(got.again, want.first, 'a second pass over the same reader');
      assert.ok(got.complete);
      // a second open of the same name reads the copy: a FIFO would block (its writer is gone)
      assert.deepEqual(readAll(fifo).first, want.first);
      assert.deepEqual(fs.readdirSync(tmp), [], 'the copy has no name left in the temporary directory');
      // the copy never had a name (O_TMPFILE): its fd links to "#inode (deleted)", not to a file once made in a directory
      const held = fs.readdirSync('/proc/self/fd').flatMap((fd) => {
        try {
          return [fs.readlinkSync(`/proc/self/fd/${fd}`)];
        } catch {
          return [];
        }
      });
      const copies = held.filter((l) => l.startsWith(`${tmp}/`));
      assert.equal(copies.length, 1, held.join('\n'));
      assert.match(copies[0], /^.*\/#\d+ \(deleted\)$/);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('bt normalize reads a FIFO (its fast path opens the log again by name)', () => {
    const dir = tmpdir();
    const raw = forkerTrace().write(path.join(dir, 'fork.trace'));
    const fromFile = normalizeFile(raw, path.join(dir, 'a.norm.trace'));
    const fromFifo = normalizeFile(fifoOf(dir, raw), path.join(dir, 'b.norm.trace'));
    assert.equal(fromFifo.records, fromFile.records);
    assert.equal(fromFifo.processes, 4);
    assert.equal(fromFifo.incomplete, false);
    const a = readAll(path.join(dir, 'a.norm.trace')).first;
    const b = readAll(path.join(dir, 'b.norm.trace')).first;
    assert.deepEqual(b, a);
  });

  it('what is not a log stops the copy at once (/dev/zero never ends), and an empty device is empty', () => {
    const refused = (file: string, re: RegExp) =>
      assert.throws(
        () => LogReader.open(file),
        (e: unknown) => e instanceof LogError && e.code === 'E_NOT_BT_LOG' && re.test(e.message),
      );
    refused('/dev/zero', /^\/dev\/zero is not a bt log/);
    refused('/dev/null', /^\/dev\/null is not a bt log .*it is empty/);
  });

  it('a directory given through a descriptor name is refused in one line', () => {
    assert.throws(
      () => LogReader.open('/proc/self/cwd'),
      (e: unknown) => e instanceof LogError && e.code === 'E_LOG_OPEN' && /it is a directory/.test(e.message),
    );
  });
});

describe('a log that a running bt trace still writes', () => {
  /** A log without a trailer, cut inside its last record (a write in progress), locked as bt trace locks its log. */
  function liveLog(): { file: string; fd: number; records: number } {
    const dir = tmpdir();
    const t = forkerTrace();
    const file = t.write(path.join(dir, 'live.trace'), { trailer: false });
    fs.truncateSync(file, fs.statSync(file).size - 2);
    const fd = fs.openSync(file, 'r+');
    assert.equal(tryLock(fd), true, 'bt trace holds an exclusive flock on its log (capture/session.ts)');
    return { file, fd, records: t.records.length - 1 };
  }

  it('is said to be still written, with the records written so far, and its cut-off end is no damage', () => {
    const { file, fd, records } = liveLog();
    try {
      const r = LogReader.open(file);
      const read = [...r.records()];
      const end = r.end();
      assert.equal(r.beingWritten(), true);
      r.close();
      assert.equal(read.length, records);
      assert.equal(end.live, true);
      assert.equal(end.torn, undefined);
      const { lines, damaged } = endWarnings('live.trace', end);
      assert.equal(damaged, false);
      assert.deepEqual(lines, [`live.trace is still being written by a running bt trace: the ${records} records written so far were read`]);
    } finally {
      fs.closeSync(fd); // the lock goes with it
    }
    // the same file once the writer is gone: cut off, no trailer
    const r = LogReader.open(file);
    [...r.records()];
    const end = r.end();
    assert.equal(r.beingWritten(), false);
    r.close();
    assert.equal(end.live, false);
    assert.match(endWarnings('live.trace', end).lines[0]!, /^live\.trace is truncated at byte \d+/);
  });

  it('bt normalize normalizes what was written so far and says so, not damage', () => {
    const { file, fd, records } = liveLog();
    try {
      const s = normalizeFile(file, `${file}.norm`);
      assert.equal(s.live, true);
      assert.equal(s.torn, undefined);
      assert.equal(s.records, records);
      const text = formatSummary(s);
      assert.match(text, new RegExp(`is still being written by a running bt trace: normalized the ${records} events written so far`));
      assert.doesNotMatch(text, /no trailer|damaged|truncated/);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('beingWritten gives a shared lock back at once: bt trace can still take the log', () => {
    const { file, fd } = liveLog();
    fs.closeSync(fd);
    const reader = fs.openSync(file, 'r');
    const writer = fs.openSync(file, 'r+');
    try {
      assert.equal(beingWritten(reader), false);
      assert.equal(tryLock(writer), true);
      assert.equal(beingWritten(reader), true);
    } finally {
      fs.closeSync(reader);
      fs.closeSync(writer);
    }
  });
});

/**
 * LogReader: streams the records of a bt log.
 *
 * The frames come from FrameReader (frames.ts), the one framing reader:
 * the file is read in chunks, so memory is bounded by the largest record,
 * never by the file, and a length prefix is checked against the bytes left
 * before anything is allocated for it.
 *
 * A log cut short (the tracer was killed, the disk filled up) or damaged is
 * read up to the first bad record: `torn` then says where and why, and
 * everything before it has been yielded. end() gives what bt dump, bt
 * normalize and bt graph report about it (check.ts).
 */
import fs from 'node:fs';
import { LogError } from '../errors.js';
import { displayPath, plural, quoteArg } from '../present/format.js';
import { cutOff, type ReadEnd } from './check.js';
import { FrameReader, TRAILER_FIELD, countsByType, openLogFile, type TornInfo } from './frames.js';
import { FORMAT_VERSION, MAGIC, RING_FORMAT_VERSION, agreesWithMagic, decodeHeader } from './schema.js';
import { CURRENT_RING, ringLayoutId, ringVariant, type RingVariant } from './ring/layout.js';
import { EnvResolver } from './env.js';
import { beingWritten, inputName } from './input.js';
import { setHeaderReader } from './replace.js';
import type { LogHeader, LogRecord, Trailer } from './schema.js';

/**
 * Compressors a log is often put through, by the magic number their files
 * start with (bzip2: "BZh", the level, then its block magic), and the
 * command that undoes each, keeping the compressed file.
 */
const COMPRESSED: ReadonlyArray<{ name: string; magic: RegExp; command: string }> = [
  { name: 'gzip', magic: /^\x1f\x8b/, command: 'gunzip -k' },
  { name: 'zstd', magic: /^\x28\xb5\x2f\xfd/, command: 'unzstd' },
  { name: 'xz', magic: /^\xfd7zXZ\x00/, command: 'unxz -k' },
  { name: 'bzip2', magic: /^BZh[1-9]1AY&/, command: 'bunzip2 -k' },
];

export type { TornInfo } from './frames.js';

/**
 * True when the open file is empty or starts as a bt log does (a log cut
 * off anywhere included): what bt trace may overwrite without asking.
 */
export function emptyOrLog(fd: number): boolean {
  if (fs.fstatSync(fd).size === 0) return true;
  const head = Buffer.alloc(MAGIC.length);
  return agreesWithMagic(head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)));
}

export { isLogFile } from './magic.js';

/**
 * Whether a log read to its end without a trailer (or up to a record cut
 * off at the end of the file) is one a running bt trace still writes.
 */
export function liveLog(trailer: Trailer | undefined, torn: TornInfo | undefined, fd: number): boolean {
  return !trailer && (!torn || cutOff(torn.reason)) && beingWritten(fd);
}

export class LogReader {
  /** The path given to open. */
  readonly path: string;
  /** The decoded header. */
  readonly header: LogHeader;
  /** The trailer, once the iteration reached it. */
  trailer: Trailer | undefined = undefined;
  /** Set when the iteration stopped at a torn or undecodable record. */
  torn: TornInfo | undefined = undefined;
  /** Records with no event this bt knows (a newer bt wrote them), skipped. */
  skippedUnknown = 0;
  /** Records read so far: those yielded plus those skipped (the trailer is not counted); at the end, the file's frames (a ring batch is one). */
  recordsRead = 0;
  /** Event records yielded or skipped (those of a ring batch each; neither the trailer nor the Env records, which carry no event of the build, are counted). */
  eventsRead = 0;
  /**
   * Set by an iteration that read to the end of a log without a trailer
   * that a running bt trace still writes (liveLog): what was read is what
   * it had written; an end cut inside a record is the write in progress,
   * not damage (`torn` stays unset).
   */
  live = false;
  /** Byte offset of the first record (just after the header). */
  readonly dataOffset: number;
  /** How its ring records are laid out (a log of ring batches by this bt or an earlier one). */
  readonly ring: RingVariant;

  private fd: number;
  private counts: Record<string, number> = {};
  private ringRecords = 0;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
    const frames = new FrameReader(path, fd, 0);
    this.header = this.readHeader(frames);
    this.dataOffset = frames.position;
    this.ring = ringVariant(this.header.ring_layout ?? '') ?? CURRENT_RING;
  }

  /**
   * Opens a log and reads its magic and header. Throws LogError:
   * E_LOG_OPEN (cannot open/read the file), E_NOT_BT_LOG (wrong magic),
   * E_LOG_HEADER (the header is cut off, corrupt or from a newer bt).
   */
  static open(path: string): LogReader {
    const fd = openLogFile(path);
    try {
      return new LogReader(path, fd);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /**
   * The header of the log open on `fd` (read from its start; `fd` stays open
   * and the caller's): what a log is without reading it (log/replace.ts).
   * Throws as open does.
   */
  static headerOf(fd: number, path = ''): LogHeader {
    return new LogReader(path, fd).header;
  }

  /** True iff the iteration read a trailer and nothing was torn. */
  get complete(): boolean {
    return this.trailer !== undefined && this.torn === undefined;
  }

  /** How the last iteration ended (for endWarnings). */
  end(): ReadEnd {
    return {
      trailer: this.trailer,
      torn: this.torn,
      skippedUnknown: this.skippedUnknown,
      records: this.recordsRead,
      events: this.eventsRead,
      live: this.live,
      counts: { ...this.counts },
      ringRecords: this.ringRecords,
    };
  }

  /**
   * Yields every event record in file order. Records of unknown type are
   * skipped (counted in skippedUnknown); the trailer is stored in `trailer`,
   * not yielded. Stops at the first torn or undecodable record (see `torn`).
   * Each call starts again from the first record.
   */
  *records(): Generator<LogRecord, void, undefined> {
    this.trailer = undefined;
    this.torn = undefined;
    this.skippedUnknown = 0;
    this.recordsRead = 0;
    this.eventsRead = 0;
    this.live = false;
    this.counts = {};
    let ended = false;
    let envRecords = 0;
    const envs = new EnvResolver();
    const frames = new FrameReader(this.path, this.fd, this.dataOffset, { ring: this.ring });
    try {
      while (frames.next()) {
        if (frames.field === TRAILER_FIELD) {
          const rec = frames.decode();
          if (!rec) break;
          this.trailer = rec.trailer;
          continue;
        }
        if (frames.field === 0) {
          this.skippedUnknown++;
          this.recordsRead++;
          continue;
        }
        const rec = frames.decode();
        if (!rec) break;
        this.recordsRead++;
        // Shared environments (env.ts): put back into the execs that refer to them.
        if (rec.env) {
          envs.define(rec.env);
          envRecords++;
        } else if (rec.exec) envs.resolve(rec);
        yield rec;
      }
      ended = true;
    } finally {
      this.torn = frames.torn;
      if (ended && liveLog(this.trailer, this.torn, this.fd)) {
        this.live = true;
        this.torn = undefined;
      }
      this.eventsRead = this.recordsRead - envRecords;
      // the frames of the file (a batch of ring records is one), as the trailer counts them
      ({ records: this.recordsRead, counts: this.counts } = countsByType(frames.perField));
      this.ringRecords = frames.ringRecords;
    }
  }

  /** True when a running bt trace still writes this log (see beingWritten). */
  beingWritten(): boolean {
    return this.fd >= 0 && beingWritten(this.fd);
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* nothing to do */
      }
      this.fd = -1;
    }
  }

  private readHeader(frames: FrameReader): LogHeader {
    const name = inputName(this.path);
    const magic = frames.readBytes(MAGIC.length);
    const packed = COMPRESSED.find((c) => c.magic.test(magic.toString('latin1')));
    if (packed) {
      throw new LogError(
        'E_NOT_BT_LOG',
        this.path === '-'
          ? `stdin is compressed (${packed.name}): decompress it first (${packed.command.replace(/ -k$/, '')} -c | bt …)`
          : `${displayPath(this.path)} is compressed (${packed.name}): decompress it first (${packed.command} ${quoteArg(this.path)})`,
      );
    }
    if (magic.length < MAGIC.length) {
      if (magic.length === 0) {
        throw new LogError('E_NOT_BT_LOG', `${name} is not a bt log (expected a file written by bt trace): it is empty`);
      }
      if (agreesWithMagic(magic)) {
        throw new LogError(
          'E_LOG_HEADER',
          `${name} is a bt log cut off after ${plural(magic.length, 'byte')}, inside its magic number: it holds no data`,
        );
      }
      throw new LogError('E_NOT_BT_LOG', `${name} is not a bt log (expected a file written by bt trace)`);
    }
    if (!MAGIC.equals(magic)) {
      throw new LogError('E_NOT_BT_LOG', `${name} is not a bt log (expected a file written by bt trace)`);
    }
    if (!frames.nextFrame()) {
      if (frames.torn) {
        throw new LogError('E_LOG_HEADER', `${name} is a bt log with a damaged header (${frames.torn.reason}): it cannot be read`);
      }
      throw new LogError(
        'E_LOG_HEADER',
        `${name} is a bt log cut off right after its magic number: it has no header and no data`,
      );
    }
    let header: LogHeader;
    try {
      header = decodeHeader(frames.buf.subarray(frames.start, frames.start + frames.len));
    } catch (err) {
      throw new LogError(
        'E_LOG_HEADER',
        `${name} is a bt log with a damaged header (it does not decode: ${(err as Error).message}): it cannot be read`,
        { cause: err },
      );
    }
    const version = header.format_version ?? 0;
    if (version === 0) {
      throw new LogError(
        'E_LOG_HEADER',
        `${name} is a bt log with a damaged header (no format version): it cannot be read`,
      );
    }
    const by = header.bt_version ? ` (${header.bt_version})` : '';
    if (version > RING_FORMAT_VERSION) {
      throw new LogError(
        'E_LOG_HEADER',
        `${name} was written by a newer bt${by} in log format ${version}; this bt reads formats ${FORMAT_VERSION} and ${RING_FORMAT_VERSION}: upgrade bt to read it`,
      );
    }
    if (version === RING_FORMAT_VERSION && !ringVariant(header.ring_layout ?? '')) {
      throw new LogError(
        'E_LOG_HEADER',
        `${name} holds the kernel's records as the bt that wrote it${by} lays them out (layout ${header.ring_layout || 'unnamed'}), ` +
          `and this bt lays them out differently (${ringLayoutId()}): read it with that bt, or have that bt normalize it (a normalized log is read by any bt)`,
      );
    }
    return header;
  }
}

// what an output that is not a log asks of a file that is one (replace.ts): raw or normalized
setHeaderReader((fd) => LogReader.headerOf(fd));

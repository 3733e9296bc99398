/**
 * Whether an output may replace the file already at its path: the one rule
 * every -o goes by (bt trace, bt normalize, bt graph, bt view --html,
 * bt export), so that nothing already recorded is lost by a slip of the
 * name (`bt graph -o Makefile`, `bt normalize -o other.trace` onto the raw
 * log of another build).
 *
 * A missing or empty file, stdout, a device and a FIFO are written as
 * always (output.ts does not ask). An existing regular file with something
 * in it is replaced only when its first bytes show it is of the kind the
 * command writes, so that running a command again onto its own earlier
 * output works; anything else is refused in one line naming what the file
 * looks like, unless --force. A raw bt log (the record of a build, which
 * cannot be traced again) is replaced by bt trace alone (a new trace of the
 * build is its normal use), never by a command that makes something from a
 * log. What each kind accepts:
 *  - log (bt trace): a bt log, raw or normalized, even one cut off (its magic number).
 *  - normalized-log: a bt log whose header says normalized (the log module's reader).
 *  - svg: text that begins with `<` and holds `<svg` in its first 64 KiB.
 *  - png: the PNG signature.
 *  - dot: text that begins (after comments) with `graph`, `digraph` or `strict`.
 *  - html: text that begins (after comments) with `<!doctype html` or `<html`.
 *  - compile-commands: a JSON array, empty or of objects, with "directory" in its first 64 KiB.
 *  - chrome-trace: a JSON object or array with "traceEvents" or a "ph" field in its first 64 KiB.
 *  - jsonl: bt's own JSON Lines (its first line is a bt header record): other JSON Lines cannot be told from a user's data.
 *  - makedeps: bt's own make rules: blank lines, its "# skipped: make cannot name" comments and
 *    rules whose target is an absolute path, nothing else (no recipe, no assignment, no other
 *    comment): a Makefile is not taken for one.
 *  - perfetto: binary data that is a chain of TracePacket fields (tag 0x0a, a length, the
 *    packet) as far as the first 64 KiB go.
 */
import fs from 'node:fs';
import { LogError } from '../errors.js';
import { agreesWithMagic, MAGIC } from './magic.js';

export type ReplaceKind =
  | 'log'
  | 'normalized-log'
  | 'svg'
  | 'png'
  | 'dot'
  | 'html'
  | 'compile-commands'
  | 'chrome-trace'
  | 'jsonl'
  | 'makedeps'
  | 'perfetto';

/** What a kind is called in "it is not …". */
const NAMES: Record<ReplaceKind, string> = {
  log: 'a bt log',
  'normalized-log': 'a normalized bt log',
  svg: 'an SVG file',
  png: 'a PNG image',
  dot: 'a DOT file',
  html: 'an HTML page',
  'compile-commands': 'a JSON compilation database',
  'chrome-trace': 'a Chrome trace (JSON)',
  jsonl: 'a JSON Lines export of bt',
  makedeps: 'a make dependency file of bt export makedeps',
  perfetto: 'a Perfetto trace',
};

/** How much of a file is looked at. */
const HEAD_BYTES = 64 * 1024;

/** The first bytes of a file, and whether they are all of it. */
interface Head {
  bytes: Buffer;
  whole: boolean;
  fd: number;
}

function readHead(fd: number): Head {
  const bytes = Buffer.alloc(HEAD_BYTES);
  let n = 0;
  for (let got; n < bytes.length && (got = fs.readSync(fd, bytes, n, bytes.length - n, n)) > 0; ) n += got;
  return { bytes: bytes.subarray(0, n), whole: n < HEAD_BYTES || fs.fstatSync(fd).size <= n, fd };
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** UTF-8 text with no control characters but tab, newline, carriage return and form feed (a character cut off at the end of the head allowed). */
function textOf(h: Head): string | undefined {
  let b = h.bytes;
  if (!h.whole) {
    // a character cut off by the head's end
    let i = b.length;
    while (i > 0 && b.length - i < 4 && (b[i - 1] & 0xc0) === 0x80) i--;
    if (i > 0 && b[i - 1] >= 0xc0) b = b.subarray(0, i - 1);
  }
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0b\x0e-\x1f\x7f]/.test(s) ? undefined : s.replace(/^\uFEFF/, '');
}

/** The text without the comments a format allows before its start. */
function afterComments(s: string, comment: RegExp): string {
  let t = s.trimStart();
  for (let m; (m = comment.exec(t)); ) t = t.slice(m[0].length).trimStart();
  return t;
}

const XML_LEAD = /^(<\?xml[\s\S]*?\?>|<!--[\s\S]*?-->)/;
const DOT_LEAD = /^(\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/)/;

type BtLog = 'raw' | 'normalized' | 'damaged';

/**
 * Reads the header of the bt log open on fd (reader.ts installs it as it
 * loads): only an output of another kind than a log asks, and the commands
 * that write one have read a log. bt trace, whose -o is a log, does not
 * load the reader, nor protobufjs with it.
 */
let headerOf: ((fd: number) => { normalized?: boolean }) | undefined;

export function setHeaderReader(fn: (fd: number) => { normalized?: boolean }): void {
  headerOf = fn;
}

/** A bt log's kind, from its magic number and header (the log module's reader); undefined if it is none. */
function btLog(h: Head): BtLog | undefined {
  if (!agreesWithMagic(h.bytes) || (h.bytes.length < MAGIC.length && !h.whole)) return undefined;
  if (h.bytes.length < MAGIC.length) return 'damaged';
  if (!headerOf) throw new Error('the log reader (log/reader.ts) is not loaded: a bug');
  try {
    return headerOf(h.fd).normalized ? 'normalized' : 'raw';
  } catch {
    return 'damaged';
  }
}

/** A varint at `at`: [value, next offset], or undefined past the end. */
function varint(b: Buffer, at: number): [number, number] | undefined {
  let v = 0;
  for (let shift = 0, i = at; i < b.length && shift < 35; i++, shift += 7) {
    v += (b[i] & 0x7f) * 2 ** shift;
    if (!(b[i] & 0x80)) return [v, i + 1];
  }
  return undefined;
}

/** A Perfetto trace: TracePacket fields (tag 1, length-delimited) one after another, as far as the head goes. */
function perfetto(h: Head): boolean {
  const b = h.bytes;
  let at = 0;
  let packets = 0;
  while (at < b.length) {
    if (b[at] !== 0x0a) return false;
    const len = varint(b, at + 1);
    if (!len) return !h.whole && packets > 0;
    at = len[1] + len[0];
    packets++;
  }
  return at === b.length || !h.whole;
}

/** bt export makedeps's lines: blank, its comments, rules of absolute targets (the last line, cut off by the head, not judged). */
function makedeps(text: string, whole: boolean): boolean {
  const lines = text.split('\n');
  if (!whole) lines.pop();
  const rule = (l: string) => /^\/[^\t]*?[^\\]:( |$)/.test(l) && !/^[^:]*=/.test(l);
  // its only comments: the names it skipped
  return lines.some((l) => l !== '') && lines.every((l) => l === '' || l.startsWith('# skipped: make cannot name ') || rule(l));
}

/** Whether the file's head is of `kind`. */
function isKind(kind: ReplaceKind, h: Head): boolean {
  const b = h.bytes;
  switch (kind) {
    case 'log':
      return agreesWithMagic(b);
    case 'normalized-log':
      return btLog(h) === 'normalized';
    case 'png':
      return b.length >= PNG.length && b.subarray(0, PNG.length).equals(PNG);
    case 'perfetto':
      return textOf(h) === undefined && !agreesWithMagic(b) && perfetto(h);
  }
  const text = textOf(h);
  if (text === undefined) return false;
  switch (kind) {
    case 'svg':
      return text.trimStart().startsWith('<') && text.includes('<svg');
    case 'html':
      return /^(<!doctype\s+html|<html)\b/i.test(afterComments(text, XML_LEAD));
    case 'dot':
      return /^(strict\s+)?(di)?graph\b/i.test(afterComments(text, DOT_LEAD));
    case 'compile-commands':
      return /^\[\s*(\]\s*$|\{)/.test(text.trimStart()) && (/^\[\s*\]\s*$/.test(text.trim()) || text.includes('"directory"'));
    case 'chrome-trace':
      return /^[[{]/.test(text.trimStart()) && (text.includes('"traceEvents"') || /"ph"\s*:/.test(text));
    case 'jsonl':
      return text.startsWith('{"type":"header"');
    case 'makedeps':
      return makedeps(text, h.whole);
  }
}

/** What the file looks like, for the message ("text", "a raw bt log"). */
function looksLike(h: Head): string {
  const log = btLog(h);
  if (log) return log === 'damaged' ? 'a damaged bt log' : `a ${log} bt log`;
  if (isKind('png', h)) return 'a PNG image';
  const b = h.bytes;
  const text = textOf(h);
  if (text === undefined) {
    if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip data';
    if (b.subarray(0, 4).toString('latin1') === '\x7fELF') return 'an ELF executable';
    if (b.subarray(0, 4).toString('latin1') === 'PK\x03\x04') return 'a zip archive';
    if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'a PDF document';
    if (perfetto(h)) return 'a Perfetto trace';
    return 'binary data';
  }
  for (const k of ['html', 'svg', 'dot', 'compile-commands', 'chrome-trace', 'jsonl', 'makedeps'] as const) {
    if (isKind(k, h)) return NAMES[k];
  }
  if (/^[[{]/.test(text.trimStart())) return 'JSON';
  return 'text';
}

/** What refuses an existing file: which kind the command writes, and who says it. */
export interface ReplaceRule {
  kind: ReplaceKind;
  /** The command, for the message ("bt graph"). */
  command: string;
  /** --force: anything is replaced. */
  force?: boolean;
}

/**
 * Throws LogError E_REPLACE (one line, naming `rule.command`) unless the
 * regular file open on `fd` (for reading) may be replaced by an output of
 * `rule.kind`. An empty file always may.
 */
export function checkReplace(fd: number, file: string, rule: ReplaceRule): void {
  if (rule.force || fs.fstatSync(fd).size === 0) return;
  const h = readHead(fd);
  if (h.bytes.length === 0) return;
  if (isKind(rule.kind, h) && (rule.kind === 'log' || btLog(h) !== 'raw')) return;
  const log = btLog(h);
  const why =
    log === 'raw'
      ? 'it is a raw bt log, the record of a build that cannot be traced again'
      : `it is not ${NAMES[rule.kind]} (it looks like ${looksLike(h)})`;
  throw new LogError('E_REPLACE', `refusing to replace ${file}: ${why}; pass --force to replace it`, { command: rule.command });
}

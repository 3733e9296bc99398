/**
 * Inline environments, decoded once. A log written before environments
 * were shared (log/env.ts) carries each exec's whole environment: on the
 * kernel build ~100 variables per exec, 1.7M strings, most of what a
 * reader decoded. A build has a handful of distinct environments.
 *
 * Exec's decoder (schema.ts installs this) finds the exec's run of `env`
 * fields and compares its bytes with the last few runs it decoded. On a
 * match the record gets the very array decoded before, and the strings of
 * the run are skipped, not decoded (readString asks skipsString). Equal
 * bytes are equal strings, so nothing changes but the work; readers and
 * the model also know a repeated environment by identity. A run that is
 * not contiguous (not how bt writes) is decoded as usual.
 */
import type protobuf from 'protobufjs';
import { RecentBytes } from './recent.js';

/** Runs remembered, most recent first: execs mostly pass on the environment they were given (the kernel build: 10,500 execs, 1,274 environments, 1,530 misses with 8). */
const RECENT = 8;
/** Shorter runs are decoded as usual. */
const MIN_RUN_BYTES = 256;

const recent = new RecentBytes<string[]>(RECENT);
/** Strings whose length prefix is in [skipFrom, skipTo) are skipped (the env run being reused). */
let skipFrom = -1;
let skipTo = -1;

/** True if the string at `pos` is part of an env run being reused (readString skips it). */
export function skipsString(pos: number): boolean {
  return pos >= skipFrom && pos < skipTo;
}

type Decode = (r: protobuf.Reader, l?: number, e?: number, n?: number) => { env?: string[] };

/**
 * Makes `execType`'s decoder reuse repeated env runs. protobufjs generates
 * a type's code in setup(), on its first use: the wrapper is put on the
 * generated decoder there, so bt's start-up generates nothing.
 */
export function installEnvRuns(execType: protobuf.Type): void {
  const setup = execType.setup;
  execType.setup = function (this: protobuf.Type): protobuf.Type {
    setup.call(this);
    wrapDecode(this);
    return this;
  };
}

function wrapDecode(execType: protobuf.Type): void {
  const envField = execType.fields.env.id;
  const generated = execType.decode.bind(execType) as unknown as Decode;
  (execType as unknown as { decode: Decode }).decode = (r, l, e, n) => {
    // no length, or one past the record's end: the generated decoder says what is wrong
    if (l === undefined || r.pos + l > r.len) return generated(r, l, e, n);
    const buf = r.buf;
    const run = envRun(buf, r.pos, r.pos + l, envField);
    if (!run) return generated(r, l, e, n);
    const [from, to] = run;
    const bytes = Buffer.from(buf.buffer, buf.byteOffset + from, to - from);
    const hit = recent.find(bytes);
    if (hit === undefined) {
      const m = generated(r, l, e, n);
      recent.add(bytes, m.env ?? []);
      return m;
    }
    skipFrom = from;
    skipTo = to;
    try {
      const m = generated(r, l, e, n);
      m.env = hit;
      return m;
    } finally {
      skipFrom = skipTo = -1;
    }
  };
}

/**
 * The byte range [first env tag, end of the last env value) of an Exec
 * payload in buf[start, end), when its env fields are one contiguous run
 * of at least MIN_RUN_BYTES; else undefined (also for anything malformed:
 * the generated decoder then says what is wrong).
 */
function envRun(buf: Uint8Array, start: number, end: number, envField: number): [number, number] | undefined {
  let p = start;
  let from = -1;
  let to = -1;
  while (p < end) {
    const tagAt = p;
    let tag = 0;
    let shift = 0;
    for (;;) {
      if (p >= end || shift > 28) return undefined;
      const b = buf[p++];
      tag |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    tag >>>= 0;
    const wire = tag & 7;
    if (wire === 0) {
      while (p < end && buf[p] >= 0x80) p++;
      p++;
    } else if (wire === 1) {
      p += 8;
    } else if (wire === 5) {
      p += 4;
    } else if (wire === 2) {
      let len = 0;
      shift = 0;
      for (;;) {
        if (p >= end || shift > 28) return undefined;
        const b = buf[p++];
        len += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) break;
        shift += 7;
      }
      p += len;
    } else {
      return undefined;
    }
    if (p > end) return undefined;
    if (tag >>> 3 === envField) {
      // the generated decoder reads field 3 as a string whatever its wire type: not a run to compare
      if (wire !== 2) return undefined;
      if (from < 0) from = tagAt;
      else if (to !== tagAt) return undefined; // something else came between env fields
      to = p;
    }
  }
  return from >= 0 && to - from >= MIN_RUN_BYTES ? [from, to] : undefined;
}

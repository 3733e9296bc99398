/**
 * What the generated decoder (fastdecode.ts) knows of bt.proto, built from
 * protobufjs's reflection: per message type, its fields by tag, with a kind
 * each. A message with a repeated or map field (exec, env, trailer,
 * process) has no table: protobufjs reads those. (The encoder, fastencode.ts,
 * works from the wire description, wiredesc.ts.)
 */
import type protobuf from 'protobufjs';

export const UINT32 = 1;
export const SINT32 = 3;
export const UINT64 = 4;
export const SINT64 = 5;
export const BOOL = 6;
export const STRING = 7;
export const MESSAGE = 8;

const KIND: Record<string, number> = { uint32: UINT32, sint32: SINT32, uint64: UINT64, sint64: SINT64, bool: BOOL, string: STRING };

/** Tags looked up in a table: field numbers below 128 (one- and two-byte tags). */
export const TAGS = 1024;

/** One message type, by tag. */
export interface Table {
  ctor: new () => Record<string, unknown>;
  /** By tag: the kind (0: no such field here), the field's name, the nested table. */
  kinds: Uint8Array;
  names: string[];
  nested: Array<Table | undefined>;
  /** Its tags in field-number order. */
  tags: number[];
  /** By tag: 1 for a field with presence (proto3 `optional`): written when set, zero included (an exec's umask 0). */
  present: Uint8Array;
  /** The fields without a kind (a message without a table): a message that has one is protobufjs's to read and to write. */
  others: string[];
}

/**
 * The tables of `type` (top, undefined if it has none) and of every message
 * it holds that has one.
 */
export function tablesOf(type: protobuf.Type): { top: Table | undefined; all: Table[] } {
  const seen = new Map<protobuf.Type, Table | undefined>();
  const top = tableOf(type, seen);
  return { top, all: [...seen.values()].filter((t): t is Table => t !== undefined) };
}

/** The table of `type`, or undefined when one of its fields is repeated, a map or an enum. */
function tableOf(type: protobuf.Type, seen: Map<protobuf.Type, Table | undefined>): Table | undefined {
  if (seen.has(type)) return seen.get(type);
  seen.set(type, undefined); // no recursion through itself
  const t: Table = { ctor: type.ctor as unknown as Table['ctor'], kinds: new Uint8Array(TAGS), names: [], nested: [], tags: [], others: [], present: new Uint8Array(TAGS) };
  for (const f of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
    if (f.map) return undefined;
    if (f.repeated) return undefined;
    const sub = f.resolve().resolvedType;
    let kind = KIND[f.type] ?? 0;
    let nested: Table | undefined;
    if (sub && 'fieldsArray' in sub) {
      nested = tableOf(sub as protobuf.Type, seen);
      kind = nested ? MESSAGE : 0;
    } else if (sub) {
      return undefined; // an enum: none in bt.proto today
    }
    if (kind === 0 || f.id >= TAGS >> 3) {
      t.others.push(f.name);
      continue;
    }
    const tag = (f.id << 3) | (kind === STRING || kind === MESSAGE ? 2 : 0);
    t.kinds[tag] = kind;
    t.names[tag] = f.name;
    t.nested[tag] = nested;
    if ((f.options as { proto3_optional?: boolean } | undefined)?.proto3_optional) t.present[tag] = 1;
    t.tags.push(tag);
  }
  seen.set(type, t);
  return t;
}

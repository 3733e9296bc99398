/**
 * bt.proto's messages as the fast encoder (fastencode.ts) writes them: per
 * message, its fields in number order, each with its kind and, for a
 * message or a map, what it holds. Made from protobufjs's reflection of
 * bt.proto: by scripts/bundle.mjs, into bt's bundles, so that bt trace
 * writes its log (header, lost records, trailer) without loading
 * protobufjs and parsing the schema (~10 ms before its build could start);
 * here, at first use, when bt runs unbundled.
 */
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';
import { protoPath } from './proto-path.js';

export type ScalarKind = 'uint32' | 'sint32' | 'uint64' | 'sint64' | 'bool' | 'string';

export interface WireField {
  name: string;
  id: number;
  /**
   * A scalar kind; 'message' (of type `message`); 'strings' (repeated
   * string); 'map' (from `key` to `value`, both scalar); 'other': any other
   * field (bytes, a repeated number, a map of messages), which the fast
   * encoder leaves to protobufjs.
   */
  kind: ScalarKind | 'message' | 'strings' | 'map' | 'other';
  message?: string;
  key?: ScalarKind;
  value?: ScalarKind;
  /** proto3 `optional`: written when set, zero too. */
  presence?: boolean;
}

/** By message full name ("bt.Header"). */
export type WireDesc = Record<string, WireField[]>;

const SCALARS = new Set<string>(['uint32', 'sint32', 'uint64', 'sint64', 'bool', 'string']);

/** The description of every message of `root` (resolved here). */
export function describeRoot(root: protobuf.Root): WireDesc {
  root.resolveAll();
  const out: WireDesc = {};
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if ('fieldsArray' in obj) out[(obj as protobuf.Type).fullName.slice(1)] = fieldsOf(obj as protobuf.Type);
      if ('nestedArray' in obj) visit(obj as protobuf.NamespaceBase);
    }
  };
  visit(root);
  return out;
}

function fieldsOf(type: protobuf.Type): WireField[] {
  return [...type.fieldsArray]
    .sort((a, b) => a.id - b.id)
    .map((f) => {
      const field: WireField = { name: f.name, id: f.id, kind: 'other' };
      const sub = f.resolvedType;
      const map = f as unknown as protobuf.MapField;
      if (f.map) {
        if (SCALARS.has(map.keyType) && SCALARS.has(f.type) && !sub) Object.assign(field, { kind: 'map', key: map.keyType, value: f.type });
      } else if (f.repeated) {
        if (f.type === 'string') field.kind = 'strings';
      } else if (sub && 'fieldsArray' in sub) {
        Object.assign(field, { kind: 'message', message: sub.fullName.slice(1) });
      } else if (!sub && SCALARS.has(f.type)) {
        field.kind = f.type as ScalarKind;
      }
      if ((f.options as { proto3_optional?: boolean } | undefined)?.proto3_optional) field.presence = true;
      return field;
    });
}

declare const __BT_WIRE__: WireDesc | undefined;
let desc: WireDesc | undefined;

export function wireDesc(): WireDesc {
  return (desc ??= typeof __BT_WIRE__ !== 'undefined' ? __BT_WIRE__ : describeRoot(loadProto()));
}

function loadProto(): protobuf.Root {
  const pb = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
  return new pb.Root().loadSync(protoPath(), { keepCase: true });
}

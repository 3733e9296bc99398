/**
 * The names of record types as bt shows them (bt dump's `type`, --type, the
 * display filter's `type`, bt sql's events.type), in one place. A record of
 * an op is shown by the op's family (src/ops/table.ts): stat, not lookup. A
 * record kind whose records have several families (lookup) stands for all
 * of them where a type is asked for. Pure: the viewer's page imports it.
 */
import { FAMILIES, OPS } from '../ops/table.js';

/** Every value displayType can return for an event record. */
export const DISPLAY_TYPES: readonly string[] = [
  ...new Set(['fork', 'exec', 'exit', ...FAMILIES, 'lost', 'process']),
];

/**
 * The record kinds (oneof names) whose records are shown by the op's family,
 * with those families: path (unlink, mkdir, rmdir, mknod), path2 (rename,
 * link, symlink), lookup (stat, access, readlink), meta (chmod, chown,
 * truncate, utime).
 */
export const TYPE_GROUPS: ReadonlyMap<string, readonly string[]> = (() => {
  const groups = new Map<string, string[]>();
  for (const o of OPS) {
    if (o.family === o.kind) continue;
    const g = groups.get(o.kind) ?? [];
    if (!g.includes(o.family)) g.push(o.family);
    groups.set(o.kind, g);
  }
  return groups;
})();

/** Every type name --type and the filter's `type` take: the display types and the record kinds of TYPE_GROUPS. */
export const TYPE_NAMES: readonly string[] = [...DISPLAY_TYPES, ...TYPE_GROUPS.keys()];

/**
 * The display types (values of displayType) a type name stands for: a
 * display type itself, a record kind of TYPE_GROUPS ('lookup') its
 * families. Undefined for a name that is neither.
 */
export function displayTypesOf(name: string): readonly string[] | undefined {
  const g = TYPE_GROUPS.get(name);
  if (g) return g;
  return DISPLAY_TYPES.includes(name) ? [name] : undefined;
}

/** The record kind of each family in TYPE_GROUPS ('stat' -> 'lookup'). */
const KIND_OF: ReadonlyMap<string, string> = new Map([...TYPE_GROUPS].flatMap(([kind, families]) => families.map((f) => [f, kind] as const)));

/** The record kind (oneof name) shown as a display type: 'stat' -> 'lookup', 'open' -> 'open' (a filter asks this of every event). */
export function recordKindOf(displayType: string): string {
  return KIND_OF.get(displayType) ?? displayType;
}

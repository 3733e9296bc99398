/**
 * What a filter is tested on, as the parser checks it: events (bt dump,
 * bt export jsonl) take every field; the processes and files of the build
 * model (bt summary, graph, view, the other exports) have no event type;
 * under(EXPR) tests EXPR on processes, which have no event type, no path,
 * no access and no errno. A comparison that asks a subject for what it
 * cannot have would match nothing: it is a FilterError at the field.
 */
import { FilterError } from '../errors.js';
import type { FieldName, FieldRef, Value } from './ast.js';

/** How a command tests its filter (parseFilter's second argument). */
export interface FilterTarget {
  /** What the top level is tested on. */
  subjects: 'events' | 'processes and files';
  /** The command, named in errors on processes and files ("bt summary"). */
  command?: string;
}

export const EVENTS: FilterTarget = { subjects: 'events' };

/** The subjects of one level of a filter: the top, or inside under(). */
export interface Scope {
  /** The subject types there; undefined: any (events). */
  types?: readonly string[];
  /** Fields the subjects never have. */
  lacks: ReadonlySet<FieldName>;
  /** "bt summary tests processes and files (type process or file); ask for …" */
  tests: string;
}

const NOTHING: ReadonlySet<FieldName> = new Set();

function scope(who: string, what: string, types: readonly string[], ask: string, lacks = NOTHING): Scope {
  return { types, lacks, tests: `${who} tests ${what} (type ${types.join(' or ')}); ask for ${ask}` };
}

/** The top level's scope for a target. */
export function topScope(t: FilterTarget): Scope {
  if (t.subjects === 'events') return { lacks: NOTHING, tests: '' };
  return scope(t.command ?? 'this command', 'processes and files', ['process', 'file'], 'exe, argv, exit, path, access');
}

/** Inside under(): processes. */
export const UNDER: Scope = scope('under()', 'processes', ['process'], 'exe, argv, cwd, exit, dur', new Set<FieldName>(['path', 'access', 'errno']));

/** Throws FilterError at the field if the subjects of `s` lack it, or if a `type` value matches none of their types. */
export function checkScope(s: Scope, field: FieldRef, op?: string, values: readonly Value[] = []): void {
  if (s.lacks.has(field.name)) throw new FilterError(`${field.name} is a field of events and files: ${s.tests}`, field.pos);
  const types = s.types;
  if (field.name !== 'type' || !types) return;
  for (const v of values) {
    if (types.some((t) => v.test!(t))) continue;
    const head =
      op === '==' || op === '!=' || op === 'in'
        ? v.text === 'file'
          ? 'file is the type of files'
          : `${v.text} is an event type`
        : `type ${op} ${JSON.stringify(v.text)} matches no ${types.join(' or ')}`;
    throw new FilterError(`${head}: ${s.tests}`, field.pos);
  }
}

/**
 * Details fields as display-filter expressions ("apply as filter"): one
 * place that knows the filter language's field names and quoting.
 */
export function quote(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The filter that selects what has this field value. */
export function fieldFilter(field: string, value: string | number): string {
  if (typeof value === 'number') return `${field} == ${value}`;
  return `${field} == ${quote(value)}`;
}

/** Combines the current filter with a field filter: replace, and, and not. */
export function combine(current: string, expr: string, how: 'apply' | 'and' | 'andnot'): string {
  const cur = current.trim();
  if (how === 'apply' || !cur) return how === 'andnot' ? `not ${expr}` : expr;
  // `or` and `||` bind looser than the `and` added here
  const left = /\bor\b|\|\|/.test(cur) ? `(${cur})` : cur;
  return how === 'and' ? `${left} and ${expr}` : `${left} and not ${expr}`;
}

/**
 * Compares two fact sets (facts.ts): bt against a reference (strace).
 * Per category: how many facts each side has, how many match (multiset
 * intersection), recall (matched / reference) and precision (matched / bt),
 * and the first differences: facts missing in bt (the reference has more of
 * them) and extra in bt.
 */
import { CATEGORIES, type Category, CATEGORY_TITLES, type Facts, type Multiset } from './facts.js';

export interface Difference {
  fact: string;
  /** how many more times one side has it */
  count: number;
  bt: number;
  reference: number;
}

export interface CategoryComparison {
  category: Category;
  title: string;
  reference: number;
  bt: number;
  matched: number;
  /** matched / reference (1 when the reference is empty) */
  recall: number;
  /** matched / bt (1 when bt is empty) */
  precision: number;
  /** distinct facts the reference has more of */
  missingDistinct: number;
  missingTotal: number;
  extraDistinct: number;
  extraTotal: number;
  missing: Difference[];
  extra: Difference[];
}

export interface Comparison {
  categories: Record<Category, CategoryComparison>;
  processCount: { bt: number; reference: number };
  /** true when every category matches exactly and the process counts agree */
  identical: boolean;
}

export function compareMultisets(category: Category, ref: Multiset, bt: Multiset, limit = 20): CategoryComparison {
  let matched = 0;
  const missing: Difference[] = [];
  const extra: Difference[] = [];
  let missingDistinct = 0;
  let missingTotal = 0;
  let extraDistinct = 0;
  let extraTotal = 0;
  for (const [k, n] of ref.map) {
    const m = bt.count(k);
    matched += Math.min(n, m);
    if (n > m) {
      missingDistinct++;
      missingTotal += n - m;
      if (missing.length < limit) missing.push({ fact: k, count: n - m, bt: m, reference: n });
    }
  }
  for (const [k, m] of bt.map) {
    const n = ref.count(k);
    if (m > n) {
      extraDistinct++;
      extraTotal += m - n;
      if (extra.length < limit) extra.push({ fact: k, count: m - n, bt: m, reference: n });
    }
  }
  return {
    category,
    title: CATEGORY_TITLES[category],
    reference: ref.total,
    bt: bt.total,
    matched,
    recall: ref.total === 0 ? 1 : matched / ref.total,
    precision: bt.total === 0 ? 1 : matched / bt.total,
    missingDistinct,
    missingTotal,
    extraDistinct,
    extraTotal,
    missing,
    extra,
  };
}

export function compareFacts(reference: Facts, bt: Facts, limit = 20): Comparison {
  const categories = {} as Record<Category, CategoryComparison>;
  let identical = reference.processCount === bt.processCount;
  for (const c of CATEGORIES) {
    const r = compareMultisets(c, reference[c], bt[c], limit);
    categories[c] = r;
    if (r.missingTotal || r.extraTotal) identical = false;
  }
  return { categories, processCount: { bt: bt.processCount, reference: reference.processCount }, identical };
}

/**
 * Exec differences that are one #! script seen two ways: the reference's
 * [script, [argv0, args...]] against bt's [script, [interpreter, (option,)
 * script, args...]] (the argv the kernel builds for the interpreter).
 * Returns how many missing execs pair up so, and the interpreters seen.
 */
export function scriptArgvPairs(ref: Multiset, bt: Multiset): { paired: number; missing: number; interpreters: Record<string, number> } {
  const extras = new Map<string, Array<{ argv: string[]; left: number }>>();
  for (const [k, m] of bt.map) {
    const left = m - ref.count(k);
    if (left <= 0) continue;
    const [p, argv] = JSON.parse(k) as [string, string[]];
    const list = extras.get(p) ?? [];
    list.push({ argv, left });
    extras.set(p, list);
  }
  let paired = 0;
  let missing = 0;
  const interpreters: Record<string, number> = {};
  for (const [k, n] of ref.map) {
    let need = n - bt.count(k);
    if (need <= 0) continue;
    missing += need;
    const [p, argv] = JSON.parse(k) as [string, string[]];
    const tail = JSON.stringify(argv.slice(1));
    for (const e of extras.get(p) ?? []) {
      if (need === 0) break;
      const i = e.argv.indexOf(p);
      if (i < 1 || e.left === 0 || JSON.stringify(e.argv.slice(i + 1)) !== tail) continue;
      const take = Math.min(need, e.left);
      e.left -= take;
      need -= take;
      paired += take;
      const interp = e.argv.slice(0, i).join(' ');
      interpreters[interp] = (interpreters[interp] ?? 0) + take;
    }
  }
  return { paired, missing, interpreters };
}

export function pct(x: number): string {
  if (x === 1) return '100%';
  const s = (x * 100).toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
  return `${s}%`;
}

function short(s: string, max = 400): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/** Markdown: one row per category. */
export function comparisonTable(c: Comparison): string {
  const lines = [
    '| category | strace | bt | matched | recall | precision | missing in bt | extra in bt |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const cat of CATEGORIES) {
    const r = c.categories[cat];
    lines.push(
      `| ${r.title} | ${r.reference} | ${r.bt} | ${r.matched} | ${pct(r.recall)} | ${pct(r.precision)} | ${r.missingTotal} | ${r.extraTotal} |`,
    );
  }
  lines.push(`| process count | ${c.processCount.reference} | ${c.processCount.bt} | | | | | |`);
  return lines.join('\n');
}

/** The listed differences, as text (empty when there are none). */
export function differencesText(c: Comparison): string {
  const out: string[] = [];
  for (const cat of CATEGORIES) {
    const r = c.categories[cat];
    if (!r.missing.length && !r.extra.length) continue;
    out.push(`### ${r.title}`);
    if (r.missing.length) {
      out.push(`missing in bt (${r.missingTotal} in ${r.missingDistinct} distinct facts; first ${r.missing.length}):`);
      for (const d of r.missing) out.push(`  -${d.count} (strace ${d.reference}, bt ${d.bt}) ${short(d.fact)}`);
    }
    if (r.extra.length) {
      out.push(`extra in bt (${r.extraTotal} in ${r.extraDistinct} distinct facts; first ${r.extra.length}):`);
      for (const d of r.extra) out.push(`  +${d.count} (strace ${d.reference}, bt ${d.bt}) ${short(d.fact)}`);
    }
  }
  if (c.processCount.bt !== c.processCount.reference) {
    out.push(`process count: strace ${c.processCount.reference}, bt ${c.processCount.bt}`);
  }
  return out.join('\n');
}

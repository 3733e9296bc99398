/**
 * Test helper: a small DOT parser (digraph, node / edge / attribute
 * statements, quoted and bare ids, attribute lists, // and /* comments),
 * so tests assert on the graph's structure rather than on bytes.
 */

export interface DotEdge {
  from: string;
  to: string;
  attrs: Record<string, string>;
}

export interface DotGraph {
  name: string;
  graph: Record<string, string>;
  nodes: Map<string, Record<string, string>>;
  edges: DotEdge[];
}

type Tok = { t: 'id'; v: string } | { t: 'sym'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('/*', i)) {
      const e = src.indexOf('*/', i + 2);
      if (e < 0) throw new Error('unterminated comment');
      i = e + 2;
    } else if (src.startsWith('->', i)) {
      out.push({ t: 'sym', v: '->' });
      i += 2;
    } else if ('{}[];,='.includes(c)) {
      out.push({ t: 'sym', v: c });
      i++;
    } else if (c === '"') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) {
          const n = src[i + 1];
          s += n === '"' ? '"' : n === '\\' ? '\\' : n === 'n' ? '\n' : `\\${n}`;
          i += 2;
        } else {
          s += src[i++];
        }
      }
      if (src[i] !== '"') throw new Error('unterminated string');
      i++;
      out.push({ t: 'id', v: s });
    } else if (/[A-Za-z0-9_.\-\u0080-\uffff]/.test(c)) {
      let s = '';
      while (i < src.length && /[A-Za-z0-9_.\-\u0080-\uffff]/.test(src[i])) s += src[i++];
      out.push({ t: 'id', v: s });
    } else {
      throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
    }
  }
  return out;
}

export function parseDot(src: string): DotGraph {
  const toks = tokenize(src);
  let k = 0;
  const peek = () => toks[k];
  const next = () => {
    const t = toks[k++];
    if (!t) throw new Error('unexpected end of DOT');
    return t;
  };
  const expect = (v: string) => {
    const t = next();
    if (t.v !== v) throw new Error(`expected ${v}, got ${t.v}`);
  };
  const id = () => {
    const t = next();
    if (t.t !== 'id') throw new Error(`expected an id, got ${t.v}`);
    return t.v;
  };
  const attrList = (): Record<string, string> => {
    const a: Record<string, string> = {};
    while (peek()?.v === '[') {
      next();
      while (peek()?.v !== ']') {
        const key = id();
        expect('=');
        a[key] = id();
        if (peek()?.v === ',' || peek()?.v === ';') next();
      }
      expect(']');
    }
    return a;
  };
  const kw = next();
  if (kw.v !== 'digraph') throw new Error(`expected digraph, got ${kw.v}`);
  const g: DotGraph = { name: '', graph: {}, nodes: new Map(), edges: [] };
  if (peek()?.t === 'id') g.name = id();
  expect('{');
  const defaults: Record<string, Record<string, string>> = { node: {}, edge: {} };
  while (peek() && peek().v !== '}') {
    if (peek().v === ';') {
      next();
      continue;
    }
    const first = id();
    if (first === 'graph' || first === 'node' || first === 'edge') {
      const a = attrList();
      if (first === 'graph') Object.assign(g.graph, a);
      else Object.assign(defaults[first], a);
    } else if (peek()?.v === '->') {
      const chain = [first];
      while (peek()?.v === '->') {
        next();
        chain.push(id());
      }
      const a = { ...defaults.edge, ...attrList() };
      for (let i = 0; i + 1 < chain.length; i++) {
        g.edges.push({ from: chain[i], to: chain[i + 1], attrs: a });
        for (const n of [chain[i], chain[i + 1]]) if (!g.nodes.has(n)) g.nodes.set(n, { ...defaults.node });
      }
    } else if (peek()?.v === '=') {
      next();
      g.graph[first] = id();
    } else {
      const a = attrList();
      g.nodes.set(first, { ...(g.nodes.get(first) ?? defaults.node), ...a });
    }
    if (peek()?.v === ';') next();
  }
  expect('}');
  return g;
}

/** Nodes whose shape is not 'box' (our files). */
export function fileNodes(g: DotGraph): string[] {
  return [...g.nodes].filter(([, a]) => a.shape !== 'box').map(([id]) => id);
}

export function procNodes(g: DotGraph): string[] {
  return [...g.nodes].filter(([, a]) => a.shape === 'box').map(([id]) => id);
}

/** The node id whose label starts with `prefix` (exactly one). */
export function nodeByLabel(g: DotGraph, prefix: string): string {
  const hits = [...g.nodes].filter(([, a]) => (a.label ?? '').startsWith(prefix)).map(([id]) => id);
  if (hits.length !== 1) throw new Error(`${hits.length} nodes labelled "${prefix}…": ${hits.join(', ')}`);
  return hits[0];
}

/** Labels of files read by process node p (file -> p, dashed). */
export function readsOf(g: DotGraph, p: string): string[] {
  return g.edges
    .filter((e) => e.to === p && e.attrs.style === 'dashed' && g.nodes.get(e.from)?.shape !== 'box')
    .map((e) => g.nodes.get(e.from)?.label ?? e.from)
    .sort();
}

/** Labels of files written by process node p (p -> file, solid). */
export function writesOf(g: DotGraph, p: string): string[] {
  return g.edges
    .filter((e) => e.from === p && !e.attrs.style && g.nodes.get(e.to)?.shape !== 'box')
    .map((e) => g.nodes.get(e.to)?.label ?? e.to)
    .sort();
}

const procToProc = (g: DotGraph, e: DotGraph['edges'][number]) => g.nodes.get(e.from)?.shape === 'box' && g.nodes.get(e.to)?.shape === 'box';

/** Spawn edges (process -> process, not pipes nor hidden temporaries) as "from->to". */
export function spawnEdges(g: DotGraph): string[] {
  return g.edges
    .filter((e) => procToProc(g, e) && e.attrs.label !== 'pipe' && e.attrs.style !== 'dashed')
    .map((e) => `${e.from}->${e.to}`)
    .sort();
}

/** The edges that stand for hidden temporaries (process -> process, dashed) as "from->to:label". */
export function flowEdges(g: DotGraph): string[] {
  return g.edges
    .filter((e) => procToProc(g, e) && e.attrs.style === 'dashed')
    .map((e) => `${e.from}->${e.to}:${e.attrs.label}`)
    .sort();
}

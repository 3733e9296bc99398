/**
 * bt graph --focus on a real trace (eBPF, as root) of a libtool-like build:
 * make runs a shell script that works out names in subshells with sed and
 * compiles each source in a subshell. The script's forks that ran no
 * program fold into it; past 60 process boxes the graph collapses by
 * program unless --collapse is given, and its title says so.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import { parseDot, procNodes, type DotGraph } from './dot-parse.js';

/** libtool's ways: `$(echo … | sed …)` for each name, each compile in a subshell, then the archive. */
const LTLIKE = `objs=
for src in "$@"; do
  base=$(echo "$src" | sed 's|^.*/||')
  obj=$(echo "$base" | sed 's|\\.c$|.o|')
  ( cc -c -o "$obj" "$src" ) || exit 1
  objs="$objs $obj"
done
ar rc lib.a $objs
`;

/** `make` of lib.a from `n` sources through ltlike.sh, traced; the log and the directory. */
async function build(n: number): Promise<{ log: string; dir: string }> {
  const dir = tmpdir('bt-forks-');
  const srcs = Array.from({ length: n }, (_, i) => `s${i}.c`);
  for (const s of srcs) fs.writeFileSync(path.join(dir, s), `int ${s.slice(0, -2)}(void) { return 0; }\n`);
  fs.writeFileSync(path.join(dir, 'ltlike.sh'), LTLIKE);
  fs.writeFileSync(path.join(dir, 'Makefile'), `lib.a: ${srcs.join(' ')}\n\tsh ./ltlike.sh ${srcs.join(' ')}\n`);
  const t = await trace(['make', '-s'], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  return { log: t.file, dir };
}

async function focus(b: { log: string; dir: string }, args: string[] = []): Promise<DotGraph> {
  const r = await bt(['graph', b.log, '--focus', path.join(b.dir, 'lib.a'), ...args]);
  assert.equal(r.code, 0, r.stderr);
  return parseDot(r.stdout);
}

const title = (g: DotGraph) => g.graph.label!.replace(/^.* — /, '');
/** The process boxes' first label lines, sorted, "×N" kept. */
const boxes = (g: DotGraph) => procNodes(g).map((id) => g.nodes.get(id)!.label!.replace(/\n(×\d+)/, ' $1').split('\n')[0]!).sort();

ebpfTest('graph --focus: a shell script\'s forks fold into it; --collapse none draws them', async () => {
  const b = await build(3);
  // 30 processes: make, ltlike.sh and its 12 forks (4 subshells and their echo per source), 6 seds, 3 × cc, cc1, as, and ar
  const all = await focus(b, ['--collapse', 'none']);
  assert.equal(title(all), '30 processes, 8 files shown');
  assert.equal(boxes(all).filter((l) => l.endsWith('(fork)')).length, 12);

  const g = await focus(b);
  assert.equal(title(g), '14 process boxes for 30 processes, 8 files shown');
  const labels = boxes(g).map((l) => l.replace(/\/tmp\/cc\w+\.s/, '/tmp/cc*.s'));
  assert.deepEqual(labels, [
    'ar rc lib.a s0.o s1.o s2.o',
    'as --64 -o s0.o /tmp/cc*.s',
    'as --64 -o s1.o /tmp/cc*.s',
    'as --64 -o s2.o /tmp/cc*.s',
    'cc -c -o s0.o s0.c',
    'cc -c -o s1.o s1.c',
    'cc -c -o s2.o s2.c',
    'cc1 s0.c -o /tmp/cc*.s …',
    'cc1 s1.c -o /tmp/cc*.s …',
    'cc1 s2.c -o /tmp/cc*.s …',
    'ltlike.sh s0.c s1.c s2.c',
    'make -s',
    "sed 's|\\.c$|.o|' ×3",
    "sed 's|^.*/||' ×3",
  ]);
  const sh = procNodes(g).find((id) => g.nodes.get(id)!.label!.startsWith('ltlike.sh'))!;
  assert.match(g.nodes.get(sh)!.tooltip!, /\n12 forks that ran no program folded in \(--collapse none draws them\)$/);
  // the seds and compiles are the script's children now, and the echo -> sed pipes its
  const program = (id: string) => g.nodes.get(id)!.label!.split(' ')[0];
  const kids = g.edges.filter((e) => e.from === sh && !e.attrs.label && g.nodes.get(e.to)!.shape === 'box').map((e) => program(e.to)).sort();
  assert.deepEqual(kids, ['ar', 'cc', 'cc', 'cc', 'sed', 'sed']);
  assert.equal(g.edges.filter((e) => e.from === sh && e.attrs.label === 'pipe').length, 2);
});

ebpfTest('graph --focus: past 60 process boxes the graph collapses by program, unless --collapse is given', async () => {
  const b = await build(20);
  // 3 + 9 × 20 processes; 5 + 3 × 20 boxes with repeated ones collapsed
  const g = await focus(b);
  assert.equal(title(g), '7 process boxes for 183 processes, 4 file nodes for 42 files shown (collapsed by program: --collapse identical draws 65 process boxes)');
  assert.deepEqual(boxes(g), ['ar rc lib.a s0.o s1.o s2.o s3.o s4.o s5.o s6.o …', 'as ×20', 'cc ×20', 'cc1 ×20', 'ltlike.sh s0.c s1.c s2.c s3.c s4.c s5.c s6.c …', 'make -s', 'sed ×40']);
  const identical = await focus(b, ['--collapse', 'identical']);
  assert.equal(title(identical), '65 process boxes for 183 processes, 42 files shown');
});

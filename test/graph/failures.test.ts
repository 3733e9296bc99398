/**
 * bt graph draws a failure that is none of the build's as a failed probe
 * (graph/model.ts failedProbe, by model/failures.ts): a real traced `make
 * -k` where one recipe runs a check that fails and goes on (`/bin/false
 * probe || true`: its job succeeds) and another job fails for real (`exit
 * 3`, after `/bin/false r`, its innermost failure) after a check it passed
 * by (`/bin/false p || :`). The exact DOT attributes of each box; bt
 * view's timeline, process rows and details (and the static page's packed
 * model) say the same of each process, by the same rule.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import { parseDot, procNodes, type DotGraph } from './dot-parse.js';
import { loadBuild } from '../../src/model/index.js';
import { graphModel } from '../../src/graph/model.js';
import { groupsOf, viewQuery } from '../../src/view/host.js';
import { modelFilter } from '../../src/view/filter.js';
import { pack, unpack } from '../../src/view/pack.js';
import { ViewQuery } from '../../src/view/query.js';

const MAKEFILE = `all: ok bad
ok:
\t/bin/false probe || true
bad:
\t/bin/false p || :; /bin/false r; exit 3
`;

async function build(): Promise<string> {
  const dir = tmpdir('bt-failures-');
  fs.writeFileSync(path.join(dir, 'Makefile'), MAKEFILE);
  const t = await trace(['make', '-k', '-s', '-j1'], { cwd: dir });
  assert.equal(t.code, 2, `make -k fails for the bad job: ${t.stderr}`);
  return t.file;
}

async function graph(log: string, args: string[] = []): Promise<DotGraph> {
  const r = await bt(['graph', log, '-q', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return parseDot(r.stdout);
}

/** The box whose label starts with `first` (one), its attributes but the tooltip's pid and cwd. */
function box(g: DotGraph, first: string): Record<string, string | undefined> {
  const hits = procNodes(g).filter((id) => g.nodes.get(id)!.label!.split('\n')[0] === first);
  assert.equal(hits.length, 1, `one box ${first}: ${procNodes(g).map((id) => g.nodes.get(id)!.label).join(' | ')}`);
  const { label, tooltip, shape, style, fillcolor, color, penwidth, fontcolor } = g.nodes.get(hits[0])! as Record<string, string | undefined>;
  return { label, tooltip: tooltip?.replace(/pid \d+ \(proc \d+\)/, 'pid N').replace(/, cwd .*$/m, ''), shape, style, fillcolor, color, penwidth, fontcolor };
}

const PROBE = { shape: 'box', style: 'rounded,filled,dashed', fillcolor: '#f1f3f4', color: undefined, penwidth: undefined, fontcolor: undefined };
const RED = { shape: 'box', style: 'rounded,filled', fillcolor: '#fce8e6', color: '#c5221f', penwidth: '2.5', fontcolor: '#a50e0e' };

ebpfTest('graph: a check that failed in a job that succeeded, or that a failed job passed by, is a failed probe; the failed job and its innermost failure are red', async () => {
  const log = await build();
  const g = await graph(log);
  assert.deepEqual(box(g, 'false probe'), { label: 'false probe\nexit 1 (failed probe)', tooltip: '/bin/false probe\n  pid N, exit 1', ...PROBE });
  assert.deepEqual(box(g, 'false p'), { label: 'false p\nexit 1 (failed probe)', tooltip: '/bin/false p\n  pid N, exit 1', ...PROBE });
  assert.deepEqual(box(g, 'false r'), { label: 'false r\nexit 1', tooltip: '/bin/false r\n  pid N, exit 1', ...RED });
  const job = "sh -c '/bin/false p || :; /bin/false r; exit 3'";
  assert.deepEqual(box(g, job), { label: `${job}\nexit 3`, tooltip: `/bin/${job.slice(0)}\n  pid N, exit 3`, ...RED });
  assert.deepEqual(box(g, "sh -c '/bin/false probe || true'"), {
    label: "sh -c '/bin/false probe || true'",
    tooltip: "/bin/sh -c '/bin/false probe || true'\n  pid N, exit 0",
    shape: 'box',
    style: 'rounded,filled',
    fillcolor: '#e8f0fe',
    color: undefined,
    penwidth: undefined,
    fontcolor: undefined,
  });
  assert.equal(box(g, 'make -k -s -j1').label, 'make -k -s -j1\nexit 2', 'make failed: red');

  // collapsed by program (the two recipes' shells are one box, their falses one), a box counts the build's failures and the failed probes apart
  const c = await graph(log, ['--collapse', 'program']);
  const falses = procNodes(c).filter((id) => c.nodes.get(id)!.label!.startsWith('false'));
  const attrs = falses.map((id) => {
    const a = c.nodes.get(id)! as Record<string, string | undefined>;
    return [a.label, a.style, a.color, a.fillcolor];
  });
  assert.deepEqual(attrs, [['false ×3\n1 failed\n2 failed probes', 'rounded,filled', '#c5221f', '#e8f0fe']]);
});

ebpfTest('view: the timeline, the process rows and details draw each failure of the same make -k build as bt graph does', async () => {
  const log = await build();
  const b = loadBuild(log);
  const g = graphModel(b);
  const q = viewQuery(b);
  const packed = JSON.parse(JSON.stringify(pack(b.model, { groups: groupsOf(b) })));
  const model = unpack(packed);
  const s = new ViewQuery(model, modelFilter(model), packed.groups);
  // bars: [proc, lane, start, end, tool, flag]; flag 1 is a failure of the build (red), 2 a failed probe (grey); a failed bar is never dropped
  const barFlags = (v: ViewQuery) => {
    const bars = (v.timeline({ px: 100_000 }) as { bars: number[] }).bars;
    return new Map([...Array(bars.length / 6).keys()].map((i) => [bars[i * 6], bars[i * 6 + 5]]));
  };
  const bars = barFlags(q);
  const staticBars = barFlags(s);
  /** Of the process run as `cmd` (one): the graph's [failed, probe], then the server's and the static page's row, details and bar. */
  const flags = (cmd: string) => {
    const ps = b.model.processes.filter((p) => p.argv.join(' ') === cmd);
    assert.equal(ps.length, 1, `one process ${cmd}`);
    const id = ps[0].proc;
    const n = g.procs.get(id)!;
    const said = (v: ViewQuery, bar: Map<number, number>) => {
      const row = v.row(v.process(id)!);
      const d = v.proc({ id, limit: 0 }) as { failed: boolean; probe: boolean };
      return { row: [row.failed, row.probe], details: [d.failed, d.probe], bar: bar.get(id) };
    };
    return { graph: [n.exitCode !== 0, !!n.probe], server: said(q, bars), static: said(s, staticBars) };
  };
  const of = (failed: boolean, probe: boolean, bar: number) => {
    const v = { row: [failed, probe], details: [failed, probe], bar };
    return { graph: [failed, probe], server: v, static: v };
  };
  assert.deepEqual(flags('/bin/false probe'), of(true, true, 2), 'a check that failed in a job that succeeded: a failed probe, grey');
  assert.deepEqual(flags('/bin/false p'), of(true, true, 2), 'a check the failed job passed by: a failed probe, grey');
  assert.deepEqual(flags('/bin/false r'), of(true, false, 1), "the failed job's innermost failure: red");
  assert.deepEqual(flags('/bin/sh -c /bin/false p || :; /bin/false r; exit 3'), of(true, false, 1), 'the failed job: red');
  assert.deepEqual(flags('/bin/sh -c /bin/false probe || true'), of(false, false, 0), 'the job that succeeded');
  assert.deepEqual(flags('make -k -s -j1'), of(true, false, 1), 'make, in no job, failed: red');
  // every process: the graph's probe is the view's
  for (const p of b.model.processes) assert.equal(!!g.procs.get(p.proc)!.probe, q.row(p).probe, `proc ${p.proc} ${p.argv.join(' ')}`);
  // the header: 5 failed processes (the two probes among them, grey in the tree), 1 failed job (red), no failed probe job (the build failed)
  const meta = q.meta() as { failed: number; failedJobs: number; failedProbes: number };
  assert.deepEqual([meta.failed, meta.failedJobs, meta.failedProbes], [5, 1, 0]);
  assert.deepEqual(b.model.processes.filter((p) => q.row(p).failed && !q.row(p).probe).length, 3, 'red in the tree: make, the failed job and its innermost failure');
});

/**
 * bt graph draws a failure that is none of the build's as a failed probe
 * (graph/model.ts failedProbe, by model/failures.ts): a real traced `make
 * -k` where one recipe runs a check that fails and goes on (`/bin/false
 * probe || true`: its job succeeds) and another job fails for real (`exit
 * 3`, after `/bin/false r`, its innermost failure) after a check it passed
 * by (`/bin/false p || :`). The exact DOT attributes of each box.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';
import { parseDot, procNodes, type DotGraph } from './dot-parse.js';

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

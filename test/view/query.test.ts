/**
 * The viewer's queries and server without a browser, on a synthetic build
 * log (bench/extra/normalize-graph.ts's generator, ~25,000 records): lane
 * packing, the ribbon, the filtered tree, file pages and sorting, the
 * packed model of the static page, the token and Host checks.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, test } from 'node:test';
import { generateLog } from '../../bench/extra/normalize-graph.js';
import { buildFromRecords, loadBuild, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { answer } from '../../src/view/api.js';
import { modelFilter } from '../../src/view/filter.js';
import { groupsOf, noiseIds, serverExtras, viewQuery } from '../../src/view/host.js';
import { pack, unpack } from '../../src/view/pack.js';
import { ViewQuery } from '../../src/view/query.js';
import { serveBuild, type ViewServer } from '../../src/view/server.js';
import { staticPage } from '../../src/view/static.js';
import { tmpdir } from '../helpers/trace.js';
import { O_CREAT, O_TRUNC, O_WRONLY, TraceBuilder } from '../normalize/synth.js';

let built: Build | undefined;
function build(): Build {
  if (!built) {
    const log = path.join(tmpdir('bt-view-q-'), 'small.trace');
    generateLog(log, 25_000);
    built = loadBuild(log);
  }
  return built;
}

interface Timeline {
  lanes: number;
  matched: number;
  bars: number[];
  ribbon: number[];
  t0: number;
  t1: number;
}

test('timeline: lanes never overlap, there are as many as processes running at once, the ribbon integrates to the busy time', () => {
  const b = build();
  const q = viewQuery(b);
  const m = b.model;
  const t = q.timeline({ px: 4000 }) as Timeline;
  assert.equal(t.matched, m.processes.length);
  // at 4000 px every process of this build keeps its bar or shares a pixel with one on its lane
  const byLane = new Map<number, Array<[number, number]>>();
  for (let i = 0; i < t.bars.length; i += 6) {
    const l = byLane.get(t.bars[i + 1]) ?? [];
    l.push([t.bars[i + 2], t.bars[i + 3]]);
    byLane.set(t.bars[i + 1], l);
  }
  for (const [lane, spans] of byLane) {
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `lane ${lane}: bars do not overlap`);
  }
  // the most processes running at once (sweep over start/end events)
  const ev: Array<[number, number]> = [];
  for (const p of m.processes) ev.push([p.start, 1], [Math.max(p.end, p.start + 1), -1]);
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let run = 0;
  let peak = 0;
  for (const [, d] of ev) peak = Math.max(peak, (run += d));
  assert.equal(t.lanes, peak);
  // the ribbon (processes running, time-weighted per column) sums to the total process time
  const colNs = (t.t1 - t.t0) / t.ribbon.length;
  const busy = t.ribbon.reduce((a, b) => a + b, 0) * colNs;
  const total = m.processes.reduce((a, p) => a + Math.max(0, p.end - p.start), 0);
  assert.ok(Math.abs(busy - total) / total < 0.01, `ribbon ${busy} vs ${total}`);
});

test('tree: a filter keeps exactly its processes, each under its nearest matching ancestor', () => {
  const b = build();
  const q = viewQuery(b);
  const cc1 = b.model.processes.filter((p) => p.argv[0] === 'cc1' || p.exe.endsWith('/cc1')).map((p) => p.proc);
  assert.ok(cc1.length > 10);
  const r = q.children({ f: 'exe == cc1', parent: 0, limit: 2000 }) as { total: number; rows: Array<{ id: number; name: string; children: number }> };
  assert.equal(r.total, cc1.length, 'no cc1 runs under another cc1: all are roots of the filtered tree');
  assert.deepEqual(r.rows.map((x) => x.id).sort((a, b) => a - b), cc1);
  assert.ok(r.rows.every((x) => x.name === 'cc1' && x.children === 0));
  // the shells: each is a root of the filtered tree (no shell runs under another)
  const sh = q.children({ f: 'exe == sh', parent: 0, limit: 2000 }) as { total: number };
  assert.equal(sh.total, b.model.processes.filter((p) => p.exe.endsWith('/sh')).length);
  // without a filter: the real tree
  const root = b.model.roots[0];
  const kids = q.children({ parent: root, limit: 2000 }) as { total: number; rows: Array<{ id: number }> };
  assert.equal(kids.total, b.process(root)!.children.length);
  // a broken filter: message and column, as bt's filter errors give them
  assert.deepEqual(q.check('exe == cc1 and dur > "abc"'), { error: 'dur takes a duration like 2s or 150ms, got the string "abc"', column: 21 });
  // a broken glob and an event type (the page tests processes and files): the errors of bt view --filter, at their columns
  assert.deepEqual(q.check('exe == cc1 and path ~ "[abc"'), { error: 'bad glob "[abc": "[" at character 1 is not closed by "]"', column: 22 });
  assert.deepEqual(q.check('exe == cc1 or type == exec'), {
    error: 'exec is an event type: bt view tests processes and files (type process or file); ask for exe, argv, exit, path, access',
    column: 14,
  });
  assert.equal(q.check('type == file and path ~ "*.h"'), undefined, 'the type of what the page tests');
});

test('files: pages of a sorted table are the table; descending is the reverse; groups are bt summary\'s', async () => {
  const b = build();
  const q = viewQuery(b);
  type Page = { total: number; rows: Array<{ id: number; path: string; readers: number }> };
  const all = q.files({ sort: 'readers', limit: 2000 }) as Page;
  assert.equal(all.total, b.model.files.length);
  const pages: number[] = [];
  for (let off = 0; off < all.total; off += 97) pages.push(...(q.files({ sort: 'readers', offset: off, limit: 97 }) as Page).rows.map((r) => r.id));
  const whole: number[] = [];
  for (let off = 0; off < all.total; off += 2000) whole.push(...(q.files({ sort: 'readers', offset: off, limit: 2000 }) as Page).rows.map((r) => r.id));
  assert.deepEqual(pages, whole);
  const desc: number[] = [];
  for (let off = 0; off < all.total; off += 500) desc.push(...(q.files({ sort: 'readers', desc: true, offset: off, limit: 500 }) as Page).rows.map((r) => r.id));
  assert.deepEqual(desc, [...whole].reverse());
  const readers = (q.files({ sort: 'readers', desc: true, limit: 50 }) as Page).rows.map((r) => r.readers);
  assert.deepEqual(readers, [...readers].sort((a, b) => b - a));
  assert.equal(readers[0], Math.max(...b.model.files.map((f) => f.procs.filter((a) => a.kinds & 1).length)));
  // groups
  const g = groupsOf(b);
  const outs = q.files({ group: 'outputs', limit: 2000 }) as Page;
  assert.equal(outs.total, g.outputs.length);
  assert.deepEqual(outs.rows.map((r) => r.id).sort((a, b) => a - b), [...g.outputs].sort((a, b) => a - b));
  // a path filter keeps those files and the processes that used them
  const h = q.files({ f: 'path ~ "*.h"', limit: 2000 }) as Page;
  assert.ok(h.total > 0 && h.rows.every((r) => r.path.endsWith('.h')));
  assert.equal(h.total, b.model.files.filter((f) => f.path.endsWith('.h')).length);
  const users = new Set(b.model.processes.filter((p) => [...p.files.keys()].some((id) => b.model.files[id].path.endsWith('.h'))).map((p) => p.proc));
  const st = q.state('path ~ "*.h"');
  assert.equal(st.matchedProcs, users.size);
  // an unknown id is a 404, a bad one a 400
  assert.equal((await answer(q, 'proc', { id: '999999999' })).status, 404);
  assert.equal((await answer(q, 'proc', { id: 'x' })).status, 400);
});

test('the static page\'s packed model answers like the server\'s', async () => {
  const b = build();
  const server = viewQuery(b);
  const packed = JSON.parse(JSON.stringify(pack(b.model, { groups: groupsOf(b), noise: noiseIds(b) })));
  const model = unpack(packed);
  const local = new ViewQuery(model, modelFilter(model), packed.groups, packed.noise);
  const calls: Array<[string, Record<string, string>]> = [
    ['meta', {}],
    ['timeline', { px: '1200' }],
    ['timeline', { px: '800', f: 'exe == cc1', t0: '1000000', t1: '90000000' }],
    ['children', { parent: '0' }],
    ['children', { parent: String(b.model.roots[0]), f: 'dur > 100us' }],
    ['files', { sort: 'writers', desc: '1', group: 'intermediates' }],
    ['files', { f: 'access has write and path ~ "*.o"' }],
    ['proc', { id: String(b.model.processes[5].proc) }],
    ['file', { id: '7' }],
    ['search', { q: 'f12.c' }],
    ['ancestors', { id: String(b.model.processes.at(-1)!.proc) }],
    ['check', { f: 'exe ==' }],
  ];
  for (const [name, params] of calls) {
    const a = await answer(server, name, params);
    const c = await answer(local, name, params);
    assert.equal(c.status, a.status, name);
    assert.deepEqual(c.body, a.body, `${name} ${JSON.stringify(params)}`);
  }
  // a page made from a log a running trace still writes says so, like the server
  const livePacked = JSON.parse(JSON.stringify(pack({ ...b.model, live: true }, { groups: groupsOf(b) })));
  const liveModel = unpack(livePacked);
  const meta = (await answer(new ViewQuery(liveModel, modelFilter(liveModel), livePacked.groups), 'meta', {})).body as { live: boolean };
  assert.equal(meta.live, true);
  assert.equal(((await answer(server, 'meta', {})).body as { live: boolean }).live, false);
  // the page: data embedded, too big refused plainly
  const html = staticPage(b);
  assert.match(html, /<script id="bt-data" type="application\/octet-stream">[A-Za-z0-9+/=]+<\/script>/);
  assert.throws(() => staticPage(b, { maxBytes: 1000 }), /too big for a static page \(\d[\d,]* processes, [\d,]+ files: .* use bt view without --html/);
});

const servers: ViewServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function get(port: number, pathName: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, headers: host ? { Host: host } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('server: the token and a Host naming this server are required; the page is one document with its script inlined', async () => {
  const s = await serveBuild(build(), { token: 'TESTTOKEN123' });
  servers.push(s);
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/TESTTOKEN123\/$/);
  const p = s.port;
  assert.equal((await get(p, '/TESTTOKEN123/api/meta')).status, 200);
  assert.equal((await get(p, '/TESTTOKEN123/api/meta', `localhost:${p}`)).status, 200);
  assert.equal((await get(p, '/api/meta')).status, 403);
  assert.equal((await get(p, '/TESTTOKEN12/api/meta')).status, 403);
  assert.equal((await get(p, '/TESTTOKEN1234/api/meta')).status, 403);
  assert.equal((await get(p, '/TESTTOKEN123/api/meta', `evil.example:${p}`)).status, 403);
  assert.equal((await get(p, '/TESTTOKEN123/api/meta', `127.0.0.1:${p + 1}`)).status, 403);
  const page = await get(p, '/TESTTOKEN123/');
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.body, /<script[^>]+src=|<link[^>]+stylesheet/);
  assert.match(page.body, /<script>[\s\S]{10000,}<\/script>/);
  const bad = await get(p, `/TESTTOKEN123/api/children?f=${encodeURIComponent('exe ==')}`);
  assert.equal(bad.status, 400);
  assert.deepEqual(JSON.parse(bad.body), { error: 'expected a value after "=="', column: 6, filter: true });
});

test('provenance too big to draw with one box per command is drawn with processes collapsed by program, and says so', async () => {
  // 1,200 compiles, each of its own file (no two commands alike), linked into one program
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  const N = 1200;
  for (let i = 0; i < N; i++) {
    const pid = 10 + i;
    t.fork(1, pid);
    t.exec(pid, '/usr/bin/cc', ['cc', '-c', `f${i}.c`], '/w');
    t.open(pid, `f${i}.c`, { fd: 3 });
    t.open(pid, `f${i}.o`, { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
    t.exit(pid, 0);
  }
  t.fork(1, 5000);
  t.exec(5000, '/usr/bin/ld', ['ld', '-o', 'prog', ...Array.from({ length: N }, (_, i) => `f${i}.o`)], '/w');
  for (let i = 0; i < N; i++) t.open(5000, `f${i}.o`, { fd: 3 });
  t.open(5000, 'prog', { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.exit(5000, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const prog = build.file('/w/prog')!;
  const extra = serverExtras(build, viewQuery(build));
  const r = await extra.graph!({ file: String(prog.id) });
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  const g = r.body as { svg: string; count: number; note?: string };
  assert.match(g.note ?? '', /^\d+ nodes with one box per command: processes are collapsed by program$/);
  assert.ok(Number(/^(\d+)/.exec(g.note!)![1]) > 2000, g.note);
  assert.ok(g.count < 2000, `${g.count} nodes drawn`);
  assert.match(g.svg, /<svg/);
  // a small graph is drawn as it is, without a note
  const one = await extra.graph!({ file: String(build.file('/w/f7.o')!.id) });
  assert.equal((one.body as { note?: string }).note, undefined);
});

test('provenance: a fork that ran no program (a shell script\'s subshell) is folded into its parent, as in bt graph --focus', async () => {
  // make runs sh -c '(cat a.in; cat b.in) > out.txt': sh forks a subshell (no exec), which runs the two cats
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/sh', ['sh', '-c', '(cat a.in; cat b.in) > out.txt'], '/w');
  t.fork(2, 3);
  t.open(3, 'out.txt', { fd: 1, flags: O_WRONLY | O_CREAT | O_TRUNC });
  for (const [pid, file] of [[4, 'a.in'], [5, 'b.in']] as const) {
    t.fork(3, pid);
    t.exec(pid, '/usr/bin/cat', ['cat', file], '/w');
    t.open(pid, file, { fd: 3 });
    t.exit(pid, 0);
  }
  t.exit(3, 0);
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const build = buildFromRecords(n.header, n.records);
  const extra = serverExtras(build, viewQuery(build));
  const r = await extra.graph!({ file: String(build.file('/w/out.txt')!.id) });
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  const g = r.body as { svg: string; nodes: Record<string, string> };
  // sh, and the two cats collapsed into one box (identical but for the file): the subshell is no box of its own
  const procs = Object.values(g.nodes).filter((v) => v.startsWith('p'));
  const shProc = build.model.processes.find((p) => p.argv[0] === 'sh')!.proc;
  const forkProc = build.model.processes.find((p) => p.pid === 3)!.proc;
  assert.ok(procs.includes(`p${shProc}`), JSON.stringify(g.nodes));
  assert.ok(!procs.includes(`p${forkProc}`), JSON.stringify(g.nodes));
  assert.doesNotMatch(g.svg, /\(fork\)/);
});

test('files: a temporary (ar\'s stXXXXXX: made and removed by one process, read by no other) is its own group and kind, as bt summary counts it', () => {
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/ar', ['ar', 'rc', 'lib.a', 'a.o'], '/w');
  t.open(2, 'a.o', { fd: 3 });
  t.open(2, 'stAb12Cd', { fd: 4, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.pathOp2(2, 'rename', 'stAb12Cd', 'lib.a');
  t.open(2, 'stXy34Zw', { fd: 5, flags: O_WRONLY | O_CREAT | O_TRUNC });
  t.pathOp(2, 'unlink', 'stXy34Zw');
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const b = buildFromRecords(n.header, n.records);
  const path = (ids: readonly number[]) => ids.map((id) => b.model.files[id].path);
  const g = groupsOf(b);
  // renamed onto lib.a by ar itself, stAb12Cd is a temporary too
  assert.deepEqual(path(g.temporaries), ['/w/stAb12Cd', '/w/stXy34Zw']);
  assert.deepEqual(path(g.intermediates), []);
  type Page = { total: number; rows: Array<{ path: string; kind: string }> };
  const rows = (viewQuery(b).files({ limit: 100 }) as Page).rows;
  assert.equal(rows.find((r) => r.path === '/w/stXy34Zw')?.kind, 'temporary');
  assert.equal(rows.find((r) => r.path === '/w/stAb12Cd')?.kind, 'temporary');
  assert.equal(rows.find((r) => r.path === '/w/lib.a')?.kind, 'output');
});

test('the viewer names a process as bt summary does: a script by the script, a shim run by bash by the shim', async () => {
  const { summarize } = await import('../../src/answers/summary.js');
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/usr/bin/python3', ['python3', 'gen.py', 'out.h'], '/w');
  t.fork(1, 3);
  t.exec(3, '/usr/bin/bash', ['bash', '/opt/shims/python3', 'tool.py'], '/w');
  t.exit(3, 0);
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const b = buildFromRecords(n.header, n.records);
  const q = viewQuery(b);
  const rows = (q.children({ parent: 1, limit: 10 }) as { rows: Array<{ name: string }> }).rows.map((r) => r.name);
  assert.deepEqual(rows, ['gen.py', 'python3']);
  const tools = summarize(b).tools.map((x) => x.exe).sort();
  assert.deepEqual(tools, ['gen.py', 'make', 'python3']);
});

test('process details list the programs a process exec\'d in a row, from the server\'s model and the static page\'s alike', () => {
  // make runs bash -c 'cmp -s a b || cp a b; rm -f a': bash forks for cmp and cp and execs rm itself
  const t = new TraceBuilder(1, '/w');
  t.exec(1, '/usr/bin/make', ['make'], '/w');
  t.fork(1, 2);
  t.exec(2, '/bin/bash', ['/bin/bash', '-c', 'cmp -s a b || cp a b; rm -f a'], '/w');
  t.exec(2, '/usr/bin/rm', ['rm', '-f', 'a'], '/w');
  t.pathOp(2, 'unlink', 'a');
  t.exit(2, 0);
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  const b = buildFromRecords(n.header, n.records);
  type Details = { argv: string[]; execs: Array<{ at: number; exe: string; argv: string[]; cmd: string; cwd: string }> };
  const rm = b.model.processes.find((p) => p.argv[0] === 'rm')!;
  const fromServer = viewQuery(b).proc({ id: rm.proc }) as Details;
  assert.deepEqual(fromServer.argv, ['rm', '-f', 'a']);
  assert.deepEqual(
    fromServer.execs.map((x) => [x.exe, x.cmd, x.cwd]),
    [
      ['/bin/bash', "/bin/bash -c 'cmp -s a b || cp a b; rm -f a'", '/w'],
      ['/usr/bin/rm', 'rm -f a', '/w'],
    ],
  );
  assert.ok(fromServer.execs[0].at < fromServer.execs[1].at);
  assert.deepEqual((viewQuery(b).proc({ id: 1 }) as Details).execs, [], 'make exec\'d one program');
  const model = unpack(JSON.parse(JSON.stringify(pack(b.model))));
  assert.deepEqual((new ViewQuery(model, modelFilter(model)).proc({ id: rm.proc }) as Details).execs, fromServer.execs);
});

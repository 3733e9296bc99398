/**
 * bt export perfetto and chrome-trace on real traces: the forker test
 * program's exact tree (tracks nested by parent, one slice per process,
 * flows parent -> child, failing exits as instants, the running-processes
 * counter, interned names) decoded back with protobufjs against
 * proto/perfetto_subset.proto; the Chrome JSON parsed and checked; failed
 * execs of fail-exec as instants. Lanes are checked to nest on a synthetic
 * parallel build. Chrome spawn flows are checked to bind, by the format's
 * rule, to the parent's slice and the child's (forker, cproject at -j1 and
 * -j4, and a synthetic build with touching and same-start slices).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { writeChromeTrace } from '../../src/export/chrome-trace.js';
import { COUNTER_UUID, procUuid, ROOT_UUID, traceType } from '../../src/export/perfetto.js';
import { timeline } from '../../src/export/timeline.js';
import { loadBuild, type Build } from '../../src/model/index.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt, prog, REPO, tmpdir, trace } from '../helpers/trace.js';
import { fakeBuild } from './synth-build.js';

interface Decoded {
  tracks: Map<number, { name: string; parent?: number; counter: boolean }>;
  /** child_ordering and sibling_order_rank of each track that has them. */
  order: Map<number, { ordering?: number; rank?: number }>;
  /** Events with names and annotations resolved through the interning tables. */
  events: Array<{ ts: number; type: number; track: number; name?: string; args: Record<string, string | number>; flows: number[]; terminating: number[]; value?: number }>;
  internedTwice: string[];
}

function decodePerfetto(file: string): Decoded {
  const TraceType = traceType();
  const trace = TraceType.toObject(TraceType.decode(fs.readFileSync(file)), { longs: Number, enums: Number, defaults: false }) as {
    packet: Array<Record<string, any>>;
  };
  const names = new Map<number, string>();
  const argNames = new Map<number, string>();
  const strings = new Map<number, string>();
  const seen = new Set<string>();
  const internedTwice: string[] = [];
  const tracks: Decoded['tracks'] = new Map();
  const order: Decoded['order'] = new Map();
  const events: Decoded['events'] = [];
  trace.packet.forEach((p, i) => {
    assert.equal(p.trusted_packet_sequence_id, 1);
    assert.equal(p.sequence_flags, i === 0 ? 1 : 2, 'the first packet clears the incremental state, the others use it');
    const d = p.interned_data;
    const note = (kind: string, iid: number, name: string, map: Map<number, string>) => {
      if (seen.has(`${kind}:${name}`)) internedTwice.push(`${kind}:${name}`);
      seen.add(`${kind}:${name}`);
      assert.ok(!map.has(iid), `iid ${iid} of ${kind} defined once`);
      map.set(iid, name);
    };
    for (const e of d?.event_names ?? []) note('name', e.iid, e.name, names);
    for (const e of d?.debug_annotation_names ?? []) note('arg', e.iid, e.name, argNames);
    for (const e of d?.debug_annotation_string_values ?? []) note('str', e.iid, Buffer.from(e.str).toString('utf8'), strings);
    if (p.track_descriptor) {
      const t = p.track_descriptor;
      tracks.set(t.uuid, { name: t.name, parent: t.parent_uuid, counter: !!t.counter });
      order.set(t.uuid, { ordering: t.child_ordering, rank: t.sibling_order_rank });
    }
    if (p.track_event) {
      const e = p.track_event;
      const args: Record<string, string | number> = {};
      for (const a of e.debug_annotations ?? []) {
        const k = argNames.get(a.name_iid);
        assert.ok(k, `annotation name iid ${a.name_iid} is interned before use`);
        args[k] = a.string_value_iid !== undefined ? strings.get(a.string_value_iid)! : a.string_value ?? a.int_value;
      }
      const name = e.name_iid !== undefined ? names.get(e.name_iid) : undefined;
      if (e.name_iid !== undefined) assert.ok(name, `name iid ${e.name_iid} is interned before use`);
      events.push({ ts: p.timestamp, type: e.type, track: e.track_uuid, name, args, flows: e.flow_ids ?? [], terminating: e.terminating_flow_ids ?? [], value: e.counter_value });
    }
  });
  return { tracks, order, events, internedTwice };
}

ebpfTest('perfetto: forker decodes back into its exact tree of tracks, slices, flows, exit instants and the counter', async () => {
  const t = await trace([prog('forker')]);
  assert.equal(t.code, 0, t.stderr);
  const out = path.join(tmpdir('bt-pf-'), 'forker.pftrace');
  const r = await bt(['export', 'perfetto', t.file, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const d = decodePerfetto(out);
  assert.deepEqual(d.internedTwice, [], 'each string is interned once');
  // tracks: the build, the counter, one per process nested by parent
  assert.equal(d.tracks.get(ROOT_UUID)?.name, `build: ${prog('forker')}`);
  assert.deepEqual(d.tracks.get(COUNTER_UUID), { name: 'running processes', parent: ROOT_UUID, counter: true });
  const procTracks = [...d.tracks.entries()].filter(([u]) => u >= 1000);
  assert.equal(procTracks.length, 4);
  // which proc is which: by exit status (proc ids follow start order, which varies between child2 and the grandchild)
  const begin = (proc: number) => d.events.find((e) => e.track === procUuid(proc) && e.type === 1)!;
  const byExit = new Map(procTracks.map(([u]) => [String(begin(u - 1000).args.exit), u - 1000]));
  const main = byExit.get('exit 0')!;
  const child1 = byExit.get('exit 1')!;
  const child2 = byExit.get('exit 2')!;
  const grandchild = byExit.get('exit 3')!;
  assert.equal(main, 1, 'the traced command is the first process');
  const parentOf = (proc: number) => {
    const p = d.tracks.get(procUuid(proc))!.parent!;
    return p === ROOT_UUID ? 0 : p - 1000;
  };
  assert.deepEqual(
    [main, child1, child2, grandchild].map((p) => [parentOf(p), d.tracks.get(procUuid(p))!.name]),
    [
      [0, `forker ${begin(main).args.pid}`],
      [main, `forker (fork) ${begin(child1).args.pid}`],
      [main, `forker (fork) ${begin(child2).args.pid}`],
      [child1, `forker (fork) ${begin(grandchild).args.pid}`],
    ],
    'child1 and child2 under the main process, the grandchild under child1',
  );
  // Perfetto orders children by rank only under EXPLICIT (3; 1 sorts by name): processes in start order
  assert.equal(d.order.get(ROOT_UUID)?.ordering, 3);
  for (const p of [main, child1, child2, grandchild]) assert.deepEqual(d.order.get(procUuid(p)), { ordering: 3, rank: p });
  // one slice per process track, begin before end, with its args
  const flows: Record<number, number[]> = { [main]: [child1, child2].sort((a, b) => a - b), [child1]: [grandchild], [child2]: [], [grandchild]: [] };
  for (const proc of [main, child1, child2, grandchild]) {
    const on = d.events.filter((e) => e.track === procUuid(proc));
    const begins = on.filter((e) => e.type === 1);
    const ends = on.filter((e) => e.type === 2);
    assert.equal(begins.length, 1);
    assert.equal(ends.length, 1);
    const b = begins[0];
    assert.ok(b.ts <= ends[0].ts);
    assert.equal(b.name, proc === main ? 'forker' : 'forker (fork)');
    assert.equal(b.args.command, prog('forker'));
    assert.equal(b.args.exe, prog('forker'));
    assert.equal(b.args.proc, proc);
    assert.equal(typeof b.args.cwd, 'string');
    assert.equal(typeof b.args.files_read, 'number');
    assert.deepEqual(b.flows, flows[proc], `flows from proc ${proc} to its children`);
    assert.deepEqual(b.terminating, proc === main ? [] : [proc], 'each child ends the flow from its parent');
    // the failing exits are instants inside the slice, at its end
    const inst = on.filter((e) => e.type === 3);
    assert.deepEqual(inst.map((e) => e.name), proc === main ? [] : [b.args.exit]);
    if (inst.length) assert.equal(inst[0].ts, ends[0].ts);
    // children start inside their parent
    if (proc !== main) {
      const pb = begin(parentOf(proc));
      const pe = d.events.find((e) => e.track === procUuid(parentOf(proc)) && e.type === 2)!;
      assert.ok(pb.ts <= b.ts && b.ts <= pe.ts);
    }
  }
  // the counter: +1 at each start, -1 at each end, ending at 0, never above 4
  const counter = d.events.filter((e) => e.track === COUNTER_UUID);
  assert.ok(counter.every((e) => e.type === 4));
  assert.equal(counter[0].value, 1);
  assert.equal(counter.at(-1)!.value, 0);
  assert.ok(Math.max(...counter.map((e) => e.value!)) >= 3 && Math.max(...counter.map((e) => e.value!)) <= 4);
  const ts = d.events.map((e) => e.ts);
  assert.deepEqual(ts, [...ts].sort((a, b) => a - b), 'packets in time order');
});

ebpfTest('perfetto and chrome-trace: fail-exec\'s two failed execs are instants with their errno', async () => {
  const dir = tmpdir('bt-fe-');
  const t = await trace([prog('fail-exec'), dir]);
  assert.equal(t.code, 0, t.stderr);
  const out = path.join(dir, 'x.pftrace');
  assert.equal((await bt(['export', 'perfetto', t.file, '-o', out])).code, 0);
  const inst = decodePerfetto(out).events.filter((e) => e.type === 3);
  assert.deepEqual(inst.map((e) => [e.name, e.args.path]), [
    ['exec failed: ENOENT', `${dir}/does-not-exist`],
    ['exec failed: EACCES', `${dir}/not-exec`],
  ]);
  const chrome = JSON.parse((await bt(['export', 'chrome-trace', t.file])).stdout);
  assert.deepEqual(
    chrome.traceEvents.filter((e: any) => e.ph === 'i').map((e: any) => e.name),
    ['exec failed: ENOENT', 'exec failed: EACCES'],
  );
});

ebpfTest('perfetto and chrome-trace: the misses of a PATH search that found the program are no instants; one that found nothing is one', async () => {
  const dir = tmpdir('bt-ps-');
  fs.writeFileSync(path.join(dir, 'afile'), ''); // a PATH entry that is a file: ENOTDIR
  fs.mkdirSync(path.join(dir, 'noexec'));
  fs.writeFileSync(path.join(dir, 'noexec', 'true'), '#!/bin/sh\n', { mode: 0o644 }); // EACCES, even for root
  const search = `${dir}/missing:${dir}/afile:${dir}/missing:${dir}/noexec:/usr/bin`; // a directory twice, as PATHs often have
  // sh finds env itself (no failed exec); env runs execvp: every PATH entry in turn
  const t = await trace(['sh', '-c', `PATH=${search}; env true; env no-such-prog-bt; exit 0`], { cwd: dir });
  assert.equal(t.code, 0, t.stderr);
  const build = loadBuild(t.file);
  const misses = build.model.processes.flatMap((p) => (p.execFailures ?? []).map((f) => [f.path, f.errno]));
  assert.deepEqual(misses, [
    [`${dir}/missing/true`, 2],
    [`${dir}/afile/true`, 20],
    [`${dir}/missing/true`, 2],
    [`${dir}/noexec/true`, 13],
    [`${dir}/missing/no-such-prog-bt`, 2],
    [`${dir}/afile/no-such-prog-bt`, 20],
    [`${dir}/missing/no-such-prog-bt`, 2],
    [`${dir}/noexec/no-such-prog-bt`, 2],
    ['/usr/bin/no-such-prog-bt', 2],
  ]);
  const want = [
    ['exec failed: ENOENT', { path: '/usr/bin/no-such-prog-bt', errno: 'ENOENT', searched: search }],
    ['exit 127', { exit: 'exit 127' }],
  ];
  const chrome = JSON.parse((await bt(['export', 'chrome-trace', t.file])).stdout);
  assert.deepEqual(
    chrome.traceEvents.filter((e: any) => e.ph === 'i').map((e: any) => [e.name, e.args]),
    want,
  );
  const out = path.join(dir, 'x.pftrace');
  assert.equal((await bt(['export', 'perfetto', t.file, '-o', out])).code, 0);
  assert.deepEqual(
    decodePerfetto(out).events.filter((e) => e.type === 3).map((e) => [e.name, e.args]),
    want,
  );
});

ebpfTest('chrome-trace: forker as complete events in µs, nested in lanes, with spawn flows and the counter', async () => {
  const t = await trace([prog('forker')]);
  assert.equal(t.code, 0, t.stderr);
  const r = await bt(['export', 'chrome-trace', t.file]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const x = j.traceEvents.filter((e: any) => e.ph === 'X');
  assert.deepEqual(x.map((e: any) => `${e.name}: ${e.args.exit}`).sort(), ['forker (fork): exit 1', 'forker (fork): exit 2', 'forker (fork): exit 3', 'forker: exit 0']);
  assert.equal(x[0].args.proc, 1, 'the main process first (start order)');
  const whole = x[0];
  assert.ok(whole.dur > 0 && whole.dur < 10_000_000, `µs: ${whole.dur}`);
  for (const e of x.slice(1)) assert.ok(e.ts >= whole.ts && e.ts + e.dur <= whole.ts + whole.dur + 0.001, 'children inside the main process');
  assertNested(x);
  const flows = j.traceEvents.filter((e: any) => e.ph === 's').map((e: any) => e.id);
  assert.deepEqual(flows.sort(), [2, 3, 4], 'a flow to each child');
  assert.equal(j.traceEvents.filter((e: any) => e.ph === 'f').length, 3);
  assertFlowsBind(j, loadBuild(t.file));
  assert.deepEqual(j.traceEvents.filter((e: any) => e.ph === 'i').map((e: any) => e.name).sort(), ['exit 1', 'exit 2', 'exit 3']);
  const c = j.traceEvents.filter((e: any) => e.ph === 'C');
  assert.equal(c.at(-1).args.running, 0);
});

type ChromeEvent = { ph: string; tid: number; ts: number; dur: number; id?: number; bp?: string; name: string; args: Record<string, any> };

/**
 * The process whose slice a flow event at (tid, ts) binds to by the Trace
 * Event Format's rule: the deepest complete event enclosing ts on that
 * thread. Whether a slice's ends count as inside differs between importers,
 * so the binding must be the same with [start, end), [start, end] and
 * (start, end]; else (a tie) "ambiguous".
 */
function bindsTo(x: ChromeEvent[], tid: number, ts: number): number | 'ambiguous' | undefined {
  const ns = (v: number) => Math.round(v * 1000);
  const t = ns(ts);
  const deepest = (inside: (start: number, end: number) => boolean): number | 'ambiguous' | undefined => {
    const c = x.filter((e) => e.tid === tid && inside(ns(e.ts), ns(e.ts) + ns(e.dur)));
    c.sort((a, b) => b.ts - a.ts || a.dur - b.dur);
    if (c.length > 1 && c[0].ts === c[1].ts && c[0].dur === c[1].dur) return 'ambiguous';
    return c[0]?.args.proc;
  };
  const all = [deepest((s, e) => s <= t && t < e), deepest((s, e) => s <= t && t <= e), deepest((s, e) => s < t && t <= e)];
  return all.every((p) => p === all[0]) ? all[0] : 'ambiguous';
}

/**
 * Every spawn flow (id = the child's proc) is one "s" and one "f" (bp "e"),
 * the start no later than the end, the start binding to the parent's slice
 * and the end to the child's. Returns the children that have a flow.
 */
function assertFlowsBind(j: { traceEvents: ChromeEvent[] }, build: Build): number[] {
  const x = j.traceEvents.filter((e) => e.ph === 'X');
  const starts = j.traceEvents.filter((e) => e.ph === 's');
  const ends = j.traceEvents.filter((e) => e.ph === 'f');
  assert.deepEqual(ends.map((e) => e.id).sort((a, b) => a! - b!), starts.map((e) => e.id).sort((a, b) => a! - b!), 'one end per start');
  for (const s of starts) {
    const f = ends.find((e) => e.id === s.id)!;
    const child = build.process(s.id!)!;
    assert.equal(f.bp, 'e');
    assert.equal(bindsTo(x, s.tid, s.ts), child.parent, `flow ${s.id} starts on its parent's slice`);
    assert.equal(bindsTo(x, f.tid, f.ts), child.proc, `flow ${s.id} ends on the child's slice`);
    assert.ok(s.ts < f.ts, `flow ${s.id}: starts (${s.ts}) before it ends (${f.ts})`);
  }
  return starts.map((e) => e.id!).sort((a, b) => a - b);
}

test('chrome-trace flows: each binds to the parent\'s slice and the child\'s, also beside touching and same-start slices; a flow with no such place is left out', () => {
  const b = fakeBuild([
    { proc: 1, argv: ['make', '-j2'], start: 0, end: 1000 },
    { proc: 2, parent: 1, argv: ['cc', '-c', 'a.c'], start: 10, end: 500 }, // lane 1, in make
    { proc: 3, parent: 2, argv: ['cc1'], start: 20, end: 300 },
    { proc: 4, parent: 2, argv: ['as'], start: 300, end: 490 }, // starts as cc1 ends: cc's only free places are 10..20 and 490..500
    { proc: 5, parent: 1, argv: ['cc', '-c', 'b.c'], start: 15, end: 600 }, // lane 2: at 15, cc a.c is the deepest on make's lane
    { proc: 6, parent: 5, argv: ['cc1'], start: 15, end: 550 }, // starts with its parent, nested in it
    { proc: 7, parent: 1, argv: ['cc', '-c', 'c.c'], start: 510, end: 900 },
    { proc: 8, parent: 7, argv: ['cc1'], start: 510, end: 800 }, // starts with its parent, nested in it
    { proc: 9, parent: 7, argv: ['daemon'], start: 520, end: 1500 }, // lane 3, outlives its parent
  ]);
  const t = timeline(b);
  assert.deepEqual(t.slices.map((s) => [s.proc, s.lane, s.laneParent]), [[1, 0, 0], [2, 0, 1], [3, 0, 2], [4, 0, 2], [5, 1, 0], [6, 1, 5], [7, 0, 1], [8, 0, 7], [9, 2, 0]]);
  let text = '';
  writeChromeTrace(t, { write: (s) => void (text += s), close: () => {}, abort: () => {} });
  const j = JSON.parse(text);
  assert.deepEqual(assertFlowsBind(j, b), [2, 3, 4, 5, 7, 9], 'no place where cc b.c (or cc c.c) is the deepest slice before its cc1 ends');
  // [child, "s" lane and ts, "f" lane and ts]: the start as late as it can be, 1 ns before the end, which is as early as it can be
  const flow = (ph: string, id: number) => j.traceEvents.find((e: ChromeEvent) => e.ph === ph && e.id === id);
  assert.deepEqual(
    [2, 3, 4, 5, 7, 9].map((id) => [id, flow('s', id).tid, flow('s', id).ts, flow('f', id).tid, flow('f', id).ts]),
    [
      [2, 1, 0.009, 1, 0.011],
      [3, 1, 0.019, 1, 0.021],
      [4, 1, 0.019, 1, 0.301],
      [5, 1, 0.509, 2, 0.551],
      [7, 1, 0.509, 1, 0.801],
      [9, 1, 0.801, 3, 0.802],
    ],
  );
});

ebpfTest('chrome-trace on real cproject builds (make -B at -j1 and -j4): every process but the first has a flow, from its parent\'s slice to its own', async () => {
  const work = tmpdir('bt-flows-');
  const proj = path.join(work, 'cproject');
  fs.mkdirSync(proj);
  for (const f of ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h']) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(proj, f));
  for (const jobs of ['-j1', '-j4']) {
    const t = await trace(['make', '-B', jobs], { cwd: proj });
    assert.equal(t.code, 0, t.stderr);
    const r = await bt(['export', 'chrome-trace', t.file]);
    assert.equal(r.code, 0, r.stderr);
    const build = loadBuild(t.file);
    const children = build.model.processes.filter((p) => p.parent).map((p) => p.proc);
    assert.ok(children.length >= 12, `${jobs}: ${children.length} children`);
    assert.deepEqual(assertFlowsBind(JSON.parse(r.stdout), build), children.sort((a, b) => a - b), jobs);
  }
});

/** Within each lane (tid), complete events are disjoint or nested. */
function assertNested(x: Array<{ tid: number; ts: number; dur: number; name: string }>): void {
  const byTid = new Map<number, typeof x>();
  for (const e of x) byTid.set(e.tid, [...(byTid.get(e.tid) ?? []), e]);
  for (const [tid, evs] of byTid) {
    const stack: number[] = [];
    for (const e of [...evs].sort((a, b) => a.ts - b.ts || b.dur - a.dur)) {
      while (stack.length && stack[stack.length - 1] <= e.ts) stack.pop();
      if (stack.length) assert.ok(e.ts + e.dur <= stack[stack.length - 1] + 1e-6, `lane ${tid}: ${e.name} at ${e.ts} overlaps its enclosing slice`);
      stack.push(e.ts + e.dur);
    }
  }
}

test('lanes: a parallel build (make -j3 with overlapping jobs, a daemon outliving its parent) always nests', () => {
  const b = fakeBuild([
    { proc: 1, argv: ['make', '-j3'], start: 0, end: 1000 },
    { proc: 2, parent: 1, argv: ['cc', '-c', 'a.c'], start: 10, end: 500 },
    { proc: 3, parent: 2, argv: ['cc1'], start: 20, end: 300 },
    { proc: 4, parent: 2, argv: ['as'], start: 310, end: 490 },
    { proc: 5, parent: 1, argv: ['cc', '-c', 'b.c'], start: 15, end: 600 },
    { proc: 6, parent: 5, argv: ['cc1'], start: 25, end: 550 },
    { proc: 7, parent: 1, argv: ['cc', '-c', 'c.c'], start: 510, end: 900 },
    { proc: 8, parent: 7, argv: ['daemon'], start: 520, end: 1500 },
  ]);
  const t = timeline(b);
  const x = t.slices.map((s) => ({ tid: s.lane, ts: s.start, dur: s.end - s.start, name: s.name }));
  assertNested(x);
  const lane = (p: number) => t.slices.find((s) => s.proc === p)!.lane;
  assert.equal(lane(2), lane(1), 'the first job nests in make');
  assert.equal(lane(3), lane(2));
  assert.notEqual(lane(5), lane(2), 'an overlapping sibling takes another lane');
  assert.equal(lane(7), lane(1), 'a later job reuses the free place under make');
  assert.notEqual(lane(8), lane(7), 'a process outliving its parent cannot nest in it');
  assert.equal(t.lanes, 3);
  assert.deepEqual(t.running.at(-1), [1500, 0]);
});

/** Replays begin/end per track as Perfetto pairs them (an end closes the track's latest open slice); returns what each end closed. */
function replay(d: Decoded): Map<number, { track: number; begin: number; end: number }> {
  const open = new Map<number, Array<{ proc: number; ts: number }>>();
  const closed = new Map<number, { track: number; begin: number; end: number }>();
  for (const e of d.events) {
    if (e.type === 1) {
      const st = open.get(e.track) ?? [];
      st.push({ proc: Number(e.args.proc), ts: e.ts });
      open.set(e.track, st);
    } else if (e.type === 2) {
      const top = open.get(e.track)?.pop();
      assert.ok(top, `an end on track ${e.track} at ${e.ts} closes an open slice`);
      closed.set(top.proc, { track: e.track, begin: top.ts, end: e.ts });
    }
  }
  for (const st of open.values()) assert.equal(st.length, 0, 'every slice is closed');
  return closed;
}

test('perfetto --lanes: slices on lane tracks always nest, zero-length and identical intervals included', async () => {
  const { writePerfetto } = await import('../../src/export/perfetto.js');
  const b = fakeBuild([
    { proc: 1, argv: ['make', '-j3'], start: 0, end: 1000 },
    { proc: 2, parent: 1, argv: ['cc', '-c', 'a.c'], start: 10, end: 500 },
    { proc: 3, parent: 2, argv: ['cc1'], start: 20, end: 300 },
    { proc: 4, parent: 2, argv: ['as'], start: 300, end: 500 },
    { proc: 5, parent: 1, argv: ['cc', '-c', 'b.c'], start: 15, end: 600 },
    { proc: 6, parent: 5, argv: ['cc1'], start: 15, end: 600 },
    { proc: 7, parent: 1, argv: ['true'], start: 600, end: 600 },
    { proc: 8, parent: 1, argv: ['cc', '-c', 'c.c'], start: 600, end: 900, exit: 1 },
  ]);
  const t = timeline(b);
  const parts: Uint8Array[] = [];
  writePerfetto(t, { write: (x) => void parts.push(typeof x === 'string' ? Buffer.from(x) : x), close: () => {}, abort: () => {} }, { lanes: true });
  const file = path.join(tmpdir('bt-lanes-'), 'x.pftrace');
  fs.writeFileSync(file, Buffer.concat(parts));
  const d = decodePerfetto(file);
  const laneTracks = [...d.tracks.entries()].filter(([u]) => u >= 1_000_000_000);
  assert.equal(laneTracks.length, t.lanes);
  assert.ok(laneTracks.every(([, tr]) => tr.parent === ROOT_UUID && /^lane \d+$/.test(tr.name)));
  // lanes in number order (lane 2 before lane 10), which Perfetto keeps only under EXPLICIT ordering (3)
  assert.equal(d.order.get(ROOT_UUID)?.ordering, 3);
  assert.deepEqual(laneTracks.map(([u]) => d.order.get(u)?.rank), laneTracks.map(([u]) => u - 1_000_000_000 + 1));
  const closed = replay(d);
  for (const s of t.slices) assert.deepEqual(closed.get(s.proc), { track: 1_000_000_000 + s.lane, begin: s.start, end: s.end }, `proc ${s.proc}`);
  assert.deepEqual(d.events.filter((e) => e.type === 3).map((e) => e.name), ['exit 1']);
});

ebpfTest('perfetto --lanes on a real cproject build (make -B -j2): every process is one properly nested slice', async () => {
  const work = tmpdir('bt-lanes-');
  const proj = path.join(work, 'cproject');
  fs.mkdirSync(proj);
  for (const f of ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h']) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(proj, f));
  const t = await trace(['make', '-B', '-j2'], { cwd: proj });
  assert.equal(t.code, 0, t.stderr);
  const out = path.join(work, 'lanes.pftrace');
  const r = await bt(['export', 'perfetto', '--lanes', t.file, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const d = decodePerfetto(out);
  const closed = replay(d);
  const procs = d.events.filter((e) => e.type === 1).map((e) => e.args.proc);
  assert.equal(closed.size, procs.length);
  assert.ok(procs.length >= 13, `${procs.length} processes`);
  assert.ok([...d.tracks.keys()].every((u) => u < 1000 || u >= 1_000_000_000), 'no per-process tracks');
});

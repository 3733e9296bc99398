/**
 * bt export --filter on a real trace of test-programs/cproject (make -j2:
 * make runs cc -c for main.c, util.c, greet.c, each running cc1 and as,
 * then cc -o hello, running collect2 and ld): the selection is bt summary
 * --filter's (export/select.ts), so each format keeps exactly what it
 * names: the timelines the selected processes with their ancestors,
 * compile-commands the compiles they are part of, makedeps the rules of the
 * selected files, jsonl the records bt dump --json --filter prints. A bad
 * filter is refused as by bt summary; chrome-trace --no-args leaves the args
 * off the processes' slices and nothing else. A filter that matches
 * nothing gives an empty export and bt graph's one note.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COUNTER_UUID, procUuid, ROOT_UUID, traceType } from '../../src/export/perfetto.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { traceProject, type TracedProject } from '../helpers/projects.js';
import { bt, tmpdir } from '../helpers/trace.js';

let traced: Promise<TracedProject> | undefined;
const cproject = () => (traced ??= traceProject('cproject', { clean: ['hello', 'main.o', 'util.o', 'greet.o'] }));

async function exported(format: string, log: string, ...args: string[]): Promise<string> {
  const r = await bt(['export', format, log, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** The X events of a Chrome trace. */
function slices(json: string): Array<Record<string, any>> {
  return JSON.parse(json).traceEvents.filter((e: { ph: string }) => e.ph === 'X');
}

/** The processes of a Chrome trace as "NAME COMMAND" (cc1's command shortened to its source), sorted (make -j2 orders them as it goes). */
function processes(json: string): string[] {
  return slices(json)
    .map((e) => (e.name === 'cc1' ? `cc1 ${/ (\w+\.c) /.exec(e.args.command)![1]}` : `${e.name} ${e.args.command}`))
    .sort();
}

ebpfTest('chrome-trace and perfetto --filter: the selected processes with their ancestors, flows and counter of those alone', async () => {
  const { file } = await cproject();
  const util = await exported('chrome-trace', file, '--filter', 'path ~ "**/util.c"');
  assert.deepEqual(processes(util), ['cc cc -c -o util.o util.c', 'cc1 util.c', 'make make -j2']);
  const events = JSON.parse(util).traceEvents as Array<Record<string, any>>;
  assert.equal(events.filter((e) => e.ph === 's').length, 2, 'a flow make -> cc, cc -> cc1');
  assert.equal(Math.max(...events.filter((e) => e.ph === 'C').map((e) => e.args.running)), 3);
  assert.deepEqual(processes(await exported('chrome-trace', file, '--filter', 'exe == cc1')), [
    'cc cc -c -o greet.o greet.c',
    'cc cc -c -o main.o main.c',
    'cc cc -c -o util.o util.c',
    'cc1 greet.c',
    'cc1 main.c',
    'cc1 util.c',
    'make make -j2',
  ]);
  const ld = slices(await exported('chrome-trace', file, '--filter', 'exe == ld')).map((e) => e.name);
  assert.deepEqual(ld, ['make', 'cc', 'collect2', 'ld']);
  // perfetto: the same processes, each track under its parent's
  const out = path.join(tmpdir('bt-pf-'), 'util.pftrace');
  await exported('perfetto', file, '--filter', 'path ~ "**/util.c"', '-o', out);
  const TraceType = traceType();
  const trace = TraceType.toObject(TraceType.decode(fs.readFileSync(out)), { longs: Number, defaults: false }) as { packet: Array<Record<string, any>> };
  const tracks = trace.packet.filter((p) => p.track_descriptor).map((p) => p.track_descriptor);
  const procs = slices(util).map((e) => e.args.proc as number).sort((a, b) => a - b);
  assert.deepEqual(
    tracks.map((t) => [t.uuid, t.parent_uuid]),
    [[ROOT_UUID, undefined], [COUNTER_UUID, ROOT_UUID], [procUuid(procs[0]), ROOT_UUID], [procUuid(procs[1]), procUuid(procs[0])], [procUuid(procs[2]), procUuid(procs[1])]],
  );
  assert.deepEqual(tracks.slice(2).map((t) => t.name.split(' ')[0]), ['make', 'cc', 'cc1']);
});

ebpfTest('compile-commands, makedeps and jsonl --filter: the compiles, rules and records selected', async () => {
  const { file, dir } = await cproject();
  const entries = (...args: string[]) => exported('compile-commands', file, ...args).then((s) => (JSON.parse(s) as Array<{ file: string; arguments: string[] }>).map((e) => [path.relative(dir, e.file), e.arguments.join(' ')]));
  const all = await entries();
  assert.deepEqual(all.map((e) => e[0]).sort(), ['greet.c', 'main.c', 'util.c']);
  const utilEntry = all.find((e) => e[0] === 'util.c')!;
  assert.deepEqual(await entries('--filter', 'path ~ "**/util.c"'), [utilEntry]);
  assert.match(utilEntry[1], / -c -o util\.o util\.c$/);
  assert.deepEqual(await entries('--filter', 'exe == cc1'), all, 'a compile is selected by what it ran');
  assert.deepEqual(await entries('--filter', 'exe == ld'), [], 'the link is no compile');
  // makedeps: the rules of the selected files (as wrote the objects; the link's rule is hello's)
  const targets = (text: string) => text.split('\n').filter((l) => /^\S.*: \S/.test(l)).map((l) => path.relative(dir, l.slice(0, l.indexOf(':')))).sort();
  assert.deepEqual(targets(await exported('makedeps', file)), ['greet.o', 'hello', 'main.o', 'util.o']);
  assert.deepEqual(targets(await exported('makedeps', file, '--filter', 'exe == as')), ['greet.o', 'main.o', 'util.o']);
  assert.deepEqual(targets(await exported('makedeps', file, '--filter', 'path ~ "**/hello"')), ['hello']);
  // jsonl: the records bt dump --json --filter prints of the normalized log, with its header and trailer
  const filter = 'exe == cc1 and access has write';
  const parse = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l));
  const lines = parse(await exported('jsonl', file, '--filter', filter));
  const norm = path.join(tmpdir('bt-jsonl-'), 'n.trace');
  assert.equal((await bt(['normalize', file, '-o', norm])).code, 0);
  assert.deepEqual(lines, parse((await bt(['dump', '--json', '--filter', filter, norm])).stdout));
  assert.deepEqual(lines.map((o) => o.type), ['header', 'open', 'open', 'open', 'trailer']);
  assert.ok(lines.slice(1, -1).every((o) => /^\/tmp\/cc\w+\.s$/.test(o.abspath)), 'the assembler files cc1 wrote');
  assert.deepEqual(lines.at(-1), parse(await exported('jsonl', file)).at(-1));
});

ebpfTest('jsonl --filter prints the lines bt dump --json --filter prints, byte for byte, for a filter of event fields (no build model) and one of process fields', async () => {
  const { file } = await cproject();
  const norm = path.join(tmpdir('bt-jsonl-'), 'n.trace');
  assert.equal((await bt(['normalize', file, '-o', norm])).code, 0);
  for (const [filter, records] of [
    ['type == exec and path ~ "*/cc1"', ['exec', 'exec', 'exec']],
    ['exe == collect2 and type == exec', ['exec']],
  ] as const) {
    const jsonl = await exported('jsonl', norm, '--filter', filter);
    const dump = await bt(['dump', '--json', '--filter', filter, norm]);
    assert.deepEqual([dump.code, dump.stderr], [0, '']);
    assert.equal(jsonl, dump.stdout, filter);
    const lines = jsonl.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((o) => o.type), ['header', ...records, 'trailer'], filter);
  }
});

ebpfTest('a filter that matches nothing: each export is empty, says so in one note on stderr (exit 0), and -q keeps it quiet', async () => {
  const { file } = await cproject();
  const filter = 'exe == "nothing\'s here"';
  const note = `bt export: note: nothing matches --filter 'exe == "nothing'\\''s here"': the export is empty`;
  for (const format of ['perfetto', 'chrome-trace', 'compile-commands', 'makedeps', 'jsonl']) {
    const out = path.join(tmpdir('bt-none-'), 'out');
    const r = await bt(['export', format, file, '--filter', filter, '-o', out]);
    assert.deepEqual([r.code, r.stderr, r.stdout], [0, note, ''], format);
    const quiet = await bt(['export', format, file, '--filter', filter, '-q', '-o', out]);
    assert.deepEqual([quiet.code, quiet.stderr, quiet.stdout], [0, '', ''], `${format} -q`);
    // and none when the filter matches something
    const some = await bt(['export', format, file, '--filter', 'exe == ld', '-o', out]);
    assert.deepEqual([some.code, some.stderr], [0, ''], `${format} exe == ld`);
  }
  const cc = await bt(['export', 'compile-commands', file, '--filter', filter, '-q']);
  assert.equal(cc.stdout, '[]');
  // bt view opens its page so (the page's own test of the filter), and bt graph words it the same way
  const view = await bt(['view', file, '--filter', filter, '--html', path.join(tmpdir('bt-none-'), 'v.html')]);
  assert.equal(view.code, 0);
  assert.deepEqual(
    view.stderr.split('\n').filter((l) => l.includes('note:')),
    [`bt view: note: nothing matches --filter 'exe == "nothing'\\''s here"': the page opens with empty lists (its filter bar changes the filter)`],
  );
  const graph = await bt(['graph', file, '--filter', filter]);
  assert.equal(graph.stderr, `bt graph: note: nothing matches --filter 'exe == "nothing'\\''s here"': the graph is empty`);
});

ebpfTest('a bad filter is refused as bt summary refuses it (exit 2, before the log is read); parquet takes none; --no-args is chrome-trace\'s', async () => {
  const { file } = await cproject();
  const summary = await bt(['summary', file, '--filter', 'exe = cc1']);
  assert.equal(summary.code, 2);
  const expected = 'bt: bad filter: unexpected "=" (use "==" to compare) at column 5\n  exe = cc1\n      ^';
  assert.equal(summary.stderr, expected);
  for (const format of ['perfetto', 'chrome-trace', 'compile-commands', 'makedeps', 'jsonl']) {
    const r = await bt(['export', format, '/nonexistent.trace', '--filter', 'exe = cc1', '-o', path.join(tmpdir('bt-bad-'), 'out')]);
    assert.deepEqual([r.code, r.stderr, r.stdout], [2, expected, ''], format);
  }
  const parquet = await bt(['export', 'parquet', file, '--filter', 'exe == cc1', '-o', path.join(tmpdir('bt-pq-'), 'pq')]);
  assert.deepEqual([parquet.code, parquet.stderr], [2, 'bt: --filter does not apply to bt export parquet: it exports the whole build, to be queried (bt sql)']);
  const perfetto = await bt(['export', 'perfetto', file, '--no-args', '-o', path.join(tmpdir('bt-pf-'), 'x.pftrace')]);
  assert.deepEqual([perfetto.code, perfetto.stderr], [2, 'bt: --no-args applies to bt export chrome-trace only, not perfetto']);
});

ebpfTest('chrome-trace --no-args: no args on the X events (speedscope then names each frame by its program), names and all else unchanged', async () => {
  const { file } = await cproject();
  const full = JSON.parse(await exported('chrome-trace', file)).traceEvents as Array<Record<string, any>>;
  const bare = JSON.parse(await exported('chrome-trace', file, '--no-args')).traceEvents as Array<Record<string, any>>;
  assert.equal(bare.length, full.length);
  assert.equal(bare.filter((e) => e.ph === 'X').length, 13);
  assert.ok(bare.filter((e) => e.ph === 'X').every((e) => !('args' in e)));
  assert.deepEqual(bare, full.map((e) => (e.ph === 'X' ? (({ args: _, ...rest }) => rest)(e) : e)));
  assert.deepEqual([...new Set(bare.filter((e) => e.ph === 'X').map((e) => e.name))].sort(), ['as', 'cc', 'cc1', 'collect2', 'ld', 'make']);
  // with a filter too
  assert.deepEqual(slices(await exported('chrome-trace', file, '--no-args', '--filter', 'exe == ld')).map((e) => [e.name, 'args' in e]), [['make', false], ['cc', false], ['collect2', false], ['ld', false]]);
});

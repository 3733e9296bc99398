/**
 * bt trace's start-up: the BPF programs start loading, and the launcher
 * joins the trace's cgroup, before bt has parsed its options (cli/early.ts),
 * the light skeleton's load before the launcher, libbpf's after it;
 * the programs get their configuration after the load;
 * the ring is mapped as far as it has been written (ring.ts).
 */
import assert from 'node:assert/strict';
import { parseTiming } from '../../src/capture/timing.js';
import { ebpfTest } from '../helpers/ebpf.js';
import { ofType, prog, tmpdir, trace } from '../helpers/trace.js';

/** The marks of BT_TIMING's line on stderr. */
function timing(stderr: string): Record<string, number> {
  const marks = parseTiming(stderr);
  assert.ok(marks, `no timing line in: ${stderr}`);
  return marks;
}

ebpfTest('bt trace loads its programs while the rest of bt loads, then configures them', async () => {
  const dir = tmpdir();
  const t = await trace([prog('opens'), dir], { env: { BT_TIMING: '1' } });
  assert.equal(t.code, 0, t.stderr);
  const marks = timing(t.stderr);
  assert.ok(marks.bpf_start < marks.loaded, `the load started at ${marks.bpf_start} ms, after bt loaded (${marks.loaded} ms)`);
  // the cgroup and the launcher in it were made by the head start too, and the trace took them over
  assert.ok(marks.launcher < marks.loaded, `the launcher started at ${marks.launcher} ms, after bt loaded (${marks.loaded} ms)`);
  // the light skeleton's load goes first (it leaves nothing open the launcher could inherit); libbpf's after the launcher's start
  if (/bpf loaded by the light skeleton/.test(t.stderr)) assert.ok(marks.bpf_start < marks.launcher, `the load started at ${marks.bpf_start} ms, after the launcher (${marks.launcher} ms)`);
  else assert.ok(marks.launcher < marks.bpf_start, `libbpf's load started at ${marks.bpf_start} ms, before the launcher (${marks.launcher} ms)`);
  assert.ok(marks.bpf_load <= marks.attach && marks.attach <= marks.writer && marks.writer <= marks.go && marks.go <= marks.build, JSON.stringify(marks));
  // the trace's start (the header's start_ts) is taken once the programs are attached, not while they load
  const rootExec = ofType(t.log.records, 'exec')[0];
  const startToExecMs = (rootExec.ts - t.log.header.start_ts) / 1e6;
  assert.ok(startToExecMs >= 0 && startToExecMs <= marks.build - marks.attach + 0.2, `start_ts ${startToExecMs} ms before the build's exec; ${JSON.stringify(marks)}`);
  assert.ok(marks.drained <= marks.closed && marks.closed <= marks.end, JSON.stringify(marks));
  // the configuration written after the load: this build's cgroup is traced, with files and environments
  const execs = ofType(t.log.records, 'exec');
  assert.equal(execs[0].exec.path, prog('opens'));
  assert.ok(execs[0].exec.env.length > 0);
  assert.ok(ofType(t.log.records, 'open').some((r) => r.open.path.startsWith(dir)));
});

ebpfTest('with options that change what is loaded or configured, the trace still records exactly them', async () => {
  // another ring size: no head start, the trace loads its own object
  const dir = tmpdir();
  const small = await trace([prog('opens'), dir], { args: ['--ring-size', '1M'], env: { BT_TIMING: '1' } });
  assert.equal(small.code, 0, small.stderr);
  assert.equal(timing(small.stderr).bpf_start, undefined);
  assert.equal(small.log.header.options?.ring_bytes, String(1024 * 1024));
  assert.ok(ofType(small.log.records, 'open').some((r) => r.open.path.startsWith(dir)));
  // --no-files and --no-env reach the programs after the load
  const bare = await trace([prog('opens'), tmpdir()], { args: ['--no-files', '--no-env'] });
  assert.equal(bare.code, 0, bare.stderr);
  assert.equal(ofType(bare.log.records, 'open').length, 0);
  const execs = ofType(bare.log.records, 'exec');
  assert.equal(execs.length, 1);
  assert.deepEqual(execs[0].exec.env, []);
});

ebpfTest('with BT_T0 (when its starter began, as walltime sets it) the phases count from there, and the build never sees it', async () => {
  const t0 = process.hrtime.bigint(); // CLOCK_MONOTONIC, as BT_T0
  const t = await trace([prog('opens'), tmpdir()], { env: { BT_TIMING: '1', BT_T0: String(t0), BT_MARKER: 'passes' } });
  assert.equal(t.code, 0, t.stderr);
  const marks = timing(t.stderr);
  // exec: Node's time origin, after the starter began and before Node was ready
  assert.ok(marks.exec > 0 && marks.exec < marks.node && marks.node < marks.build, JSON.stringify(marks));
  const env = ofType(t.log.records, 'exec')[0].exec.env;
  assert.ok(!env.some((v) => v.startsWith('BT_T0=')), `BT_T0 reached the build: ${env.join(' ')}`);
  assert.ok(env.includes('BT_MARKER=passes'));
  // a value that is no time: the marks count from Node's time origin, as without it
  const bad = await trace([prog('opens'), tmpdir()], { env: { BT_TIMING: '1', BT_T0: 'soon' } });
  assert.equal(bad.code, 0, bad.stderr);
  assert.equal(timing(bad.stderr).exec, undefined);
  assert.ok(!ofType(bad.log.records, 'exec')[0].exec.env.some((v) => v.startsWith('BT_T0=')));
});

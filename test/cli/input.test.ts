/**
 * Logs through a pipe, as bt trace -o FIFO and bt normalize -o - make
 * them: `… | bt dump -`, `… | bt dump /dev/stdin`, `bt dump <(…)`,
 * `… | bt normalize - | bt dump -`, through the executable users run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BT, bt, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

/** Runs a bash script with $1 $2 = node, bt and $3… = args; stdout without its final newline, as execa (bt()) gives it. */
function sh(script: string, ...args: string[]) {
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${script}`, 'sh', process.execPath, BT, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout.replace(/\n$/, ''), stderr: r.stderr.replace(/\n$/, '') };
}

describe('logs through a pipe', () => {
  const dir = tmpdir('bt-input-');
  const raw = cBuildTrace(['a', 'b', 'c']).write(path.join(dir, 'build.trace'));

  it('bt dump reads stdin from a stream (a socket, as Node gives it), as "-" and as /dev/stdin', async () => {
    const want = await bt(['dump', raw]);
    assert.equal(want.code, 0, want.stderr);
    for (const name of ['-', '/dev/stdin']) {
      const got = await bt(['dump', name], { inputFile: raw });
      assert.equal(got.stderr, '', name);
      assert.equal(got.code, 0, name);
      assert.equal(got.stdout, want.stdout, name);
    }
    const json = await bt(['dump', '--json', '-'], { inputFile: raw });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, (await bt(['dump', '--json', raw])).stdout);
  });

  it('bt dump reads a real pipe, a process substitution, and a --filter (which reads the log more than once) from one', async () => {
    const want = (await bt(['dump', raw])).stdout;
    for (const script of ['cat "$3" | "$1" "$2" dump /dev/stdin', 'cat "$3" | "$1" "$2" dump -', '"$1" "$2" dump <(cat "$3")']) {
      const r = sh(script, raw);
      assert.equal(r.status, 0, `${script}: ${r.stderr}`);
      assert.equal(r.stderr, '', script);
      assert.equal(r.stdout, want, script);
    }
    // the header of a filtered dump names the source it normalized
    const filtered = (await bt(['dump', '--filter', 'exe == cc1', raw])).stdout.split('\n');
    assert.ok(filtered.length > 3);
    const r = sh('cat "$3" | "$1" "$2" dump --filter "exe == cc1" -', raw);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^# bt log, normalized from - \(format 1\) by bt .*: make /);
    assert.deepEqual(r.stdout.split('\n').slice(1), filtered.slice(1));
  });

  it('bt normalize reads stdin (to stdout by default) and its output reads back through a pipe', async () => {
    const file = path.join(dir, 'build.norm.trace');
    const r0 = await bt(['normalize', '-q', raw, '-o', file]);
    assert.equal(r0.code, 0, r0.stderr);
    const want = (await bt(['dump', file])).stdout.split('\n').slice(1); // the header names the source
    const viaStream = await bt(['normalize', '-q', '-', '-o', path.join(dir, 'stdin.norm.trace')], { inputFile: raw });
    assert.equal(viaStream.code, 0, viaStream.stderr);
    assert.deepEqual((await bt(['dump', path.join(dir, 'stdin.norm.trace')])).stdout.split('\n').slice(1), want);
    // raw log in through a pipe, normalized log out to stdout (the default for stdin), into bt dump through a pipe
    const r = sh('cat "$3" | "$1" "$2" normalize -q - | "$1" "$2" dump -', raw);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.split('\n').slice(1), want);
    const r2 = sh('"$1" "$2" normalize -q "$3" -o - | "$1" "$2" dump /dev/stdin', raw);
    assert.equal(r2.status, 0, r2.stderr);
    assert.deepEqual(r2.stdout.split('\n').slice(1), want);
  });

  it('a FIFO, as bt trace -o FIFO writes one, is read by dump and normalize', async () => {
    const fifo = path.join(dir, 'log.fifo');
    spawnSync('mkfifo', [fifo]);
    const want = (await bt(['dump', raw])).stdout;
    const r = sh('cat "$3" > "$4" & "$1" "$2" dump "$4"', raw, fifo);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, want);
    const out = path.join(dir, 'fifo.norm.trace');
    const n = sh('cat "$3" > "$4" & "$1" "$2" normalize "$4" -o "$5"', raw, fifo, out);
    assert.equal(n.status, 0, n.stderr);
    assert.match(n.stderr, /^bt normalize: \d+ processes/);
    assert.ok(fs.statSync(out).size > 0);
  });

  it('what comes through a pipe and is no log is one line, exit 2', async () => {
    const gz = sh('gzip -c "$3" | "$1" "$2" dump -', raw);
    assert.equal(gz.status, 2);
    assert.equal(gz.stderr, 'bt: stdin is compressed (gzip): decompress it first (gunzip -c | bt …)');
    const text = await bt(['dump', '-'], { input: 'hello\n' });
    assert.equal(text.code, 2);
    assert.equal(text.stderr, 'bt: stdin is not a bt log (expected a file written by bt trace)');
  });

  it('a log a running bt trace holds (flock) is said to be still written, exit 0', async () => {
    const live = path.join(dir, 'live.trace');
    cBuildTrace(['a']).write(live, { trailer: false });
    // the shell takes the lock (flock(1) on an fd of its own) as bt trace holds its log's, and keeps it while bt runs
    const dump = sh('exec 9<"$3" && flock -x 9 && "$1" "$2" dump "$3" >/dev/null', live);
    assert.equal(dump.status, 0, dump.stderr);
    assert.match(dump.stderr, /^bt: warning: .*live\.trace is still being written by a running bt trace: the \d+ records written so far were read$/);
    const norm = sh('exec 9<"$3" && flock -x 9 && "$1" "$2" normalize "$3" -o "$3.norm"', live);
    assert.equal(norm.status, 0, norm.stderr);
    assert.match(norm.stderr, /\nbt normalize: .*live\.trace is still being written by a running bt trace: normalized the \d+ events written so far/);
  });

  it('summary of a live log says how long the build has been running, not the time of its last record as what it took', () => {
    const live = path.join(dir, 'live3.trace');
    const t = cBuildTrace(['a']);
    t.header.boot_to_wall_ns = Date.now() * 1e6 - t.header.start_ts - 5e9; // started 5 s ago
    t.write(live, { trailer: false });
    const summary = sh(`exec 9<"$3" && flock -x 9 && "$1" "$2" summary "$3"`, live);
    assert.equal(summary.status, 0, summary.stderr);
    assert.match(summary.stdout, /\n {2}started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, running for [56]\.\d{3} s so far \(last record at \+0\.\d{3} s\), no exit status yet\n/);
    assert.doesNotMatch(summary.stdout, /took|exit status unknown/);
    const json = JSON.parse(sh(`exec 9<"$3" && flock -x 9 && "$1" "$2" summary --json "$3"`, live).stdout);
    assert.ok(json.running_ms >= 5000 && json.running_ms < 7000, String(json.running_ms));
    assert.ok(json.duration_ms < 1000);
    // not live: a cut log, what it shows it ran at least, and no running time
    const done = JSON.parse(sh(`"$1" "$2" summary --json "$3"`, live).stdout);
    assert.equal(done.running_ms, null);
    assert.match(sh(`"$1" "$2" summary "$3"`, live).stdout, /\n {2}started .* UTC, ran at least 0\.\d{3} s \(the log ends there\), exit status unknown\n/);
  });

  it('summary, graph and check call a live log the build so far, and a log without a trailer incomplete', () => {
    const live = path.join(dir, 'live2.trace');
    cBuildTrace(['a']).write(live, { trailer: false });
    const locked = (cmd: string) => sh(`exec 9<"$3" && flock -x 9 && "$1" "$2" ${cmd} "$3"`, live);
    const unlocked = (cmd: string) => sh(`"$1" "$2" ${cmd} "$3"`, live);
    const summary = locked('summary');
    assert.equal(summary.status, 0, summary.stderr);
    assert.match(summary.stdout, /^NOTE: a running bt trace still writes this log: what follows is the build so far\n/);
    assert.match(unlocked('summary').stdout, /^WARNING: the trace is incomplete \(no trailer, or torn\)/);
    const json = JSON.parse(locked('summary --json').stdout);
    assert.deepEqual([json.live, json.incomplete], [true, true]);
    assert.deepEqual((({ live, incomplete }) => [live, incomplete])(JSON.parse(unlocked('summary --json').stdout)), [false, true]);
    const graph = locked('graph');
    assert.equal(graph.status, 0, graph.stderr);
    assert.match(graph.stderr, /^bt graph: note: a running bt trace still writes the log: the picture shows the build so far$/m);
    assert.match(graph.stdout, /\(the build so far: still being traced\)/);
    assert.match(unlocked('graph').stderr, /^bt graph: note: the trace is incomplete \(no trailer\)/m);
    assert.match(locked('check').stderr + locked('check').stdout, /a running bt trace still writes the log: findings cover the build so far/);
    // exports and SQL say it too, once, and the answers are still given (exit 0)
    const note = /^bt: note: .*live2\.trace is still being written by a running bt trace: this is the build so far$/m;
    for (const cmd of ['export compile-commands', 'export jsonl', 'sql "SELECT count(*) FROM processes"', 'deps a.o']) {
      const r = locked(cmd);
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
      assert.match(r.stderr, note, cmd);
      assert.equal(r.stderr.match(/still being written/g)?.length, 1, `${cmd}: ${r.stderr}`);
      assert.doesNotMatch(unlocked(cmd).stderr, /still being written/, cmd);
    }
    assert.doesNotMatch(summary.stderr, /still being written/, 'summary says it in its text');
  });
});

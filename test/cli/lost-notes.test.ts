/**
 * What the readers say of a log that has everything but not whole (failed
 * execs' argv cut at 16 KiB), of a log cut by kill -9 of bt, and the FILE
 * arguments of deps/rdeps in the $'…' form bt prints or as raw bytes: real
 * traces.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ebpfTest } from '../helpers/ebpf.js';
import { tmpdir } from '../helpers/tmp.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function bt(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

ebpfTest('failed execs whose argv was cut at 16 KiB are a note, not lost events, in summary, normalize, check and graph', () => {
  const dir = tmpdir();
  // env tries true in two missing PATH entries before /usr/bin: two failed execs of a 24 KB argv
  const args = Array.from({ length: 5000 }, (_, i) => String(i));
  const t = bt(['trace', '-q', '-o', 'x.trace', '--', 'env', 'PATH=/no/such/a:/no/such/b:/usr/bin:/bin', 'true', ...args], dir);
  assert.equal(t.status, 0, t.stderr);
  const note = "the argv of 2 failed execs was cut at 16 KiB (bt keeps 16 KiB of a failed exec's arguments)";
  const s = bt(['summary', 'x.trace'], dir);
  assert.equal(s.status, 0, s.stderr);
  assert.equal(s.stdout.split('\n')[0], `note: ${note}`);
  assert.doesNotMatch(s.stdout, /lost/);
  const j = JSON.parse(bt(['summary', '--json', 'x.trace'], dir).stdout) as Record<string, unknown>;
  assert.deepEqual([j.lost, j.truncated_strings, j.failed_exec_argv_cut, j.unknown_repeat_counts, j.not_exited], [0, 2, 2, 0, 0]);
  const n = bt(['normalize', 'x.trace', '-o', 'x.norm'], dir);
  assert.match(n.stderr.split('\n')[0], /, 0 lost, 0 warnings -> x\.norm$/);
  assert.equal(n.stderr.split('\n')[1], `bt normalize: note: ${note}`);
  assert.doesNotMatch(n.stderr, /events were lost|may miss/);
  // the normalized log keeps the lost records and the flags: the same word
  assert.equal(bt(['summary', 'x.norm'], dir).stdout.split('\n')[0], `note: ${note}`);
  assert.doesNotMatch(bt(['check', 'x.trace'], dir).stderr, /lost/);
  const g = bt(['graph', 'x.trace', '-o', 'x.dot'], dir);
  assert.match(g.stderr, new RegExp(`^bt graph: note: ${note.replace(/[()]/g, '\\$&')}$`, 'm'));
  assert.doesNotMatch(g.stderr, /lost/);
});

ebpfTest('a log cut by kill -9 of bt: ran at least, and the processes that had not exited', async () => {
  const dir = tmpdir();
  const child = spawn(process.execPath, [MAIN, 'trace', '-q', '-o', 'k.trace', '--', 'sh', '-c', 'sleep 3; true'], { cwd: dir, stdio: 'ignore' });
  await sleep(2000);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const s = bt(['summary', 'k.trace'], dir);
  const lines = s.stdout.split('\n');
  assert.equal(lines[0], 'WARNING: the trace is incomplete (no trailer, or torn): what follows may miss the end of the build');
  // notes may come before the build's lines (a lookup's repeat count the cut log lacks, on a loaded machine)
  const b = lines.findIndex((l) => l.startsWith('build: '));
  assert.ok(b > 0, s.stdout);
  assert.match(lines[b + 2], /^ {2}started .*, ran at least \d+\.\d{3} s \(the log ends there\), exit status unknown$/);
  assert.equal(lines[b + 3], '  2 processes had not exited when the log ends');
  const j = JSON.parse(bt(['summary', '--json', 'k.trace'], dir).stdout) as Record<string, unknown>;
  assert.equal(j.not_exited, 2);
  assert.equal(j.incomplete, true);
  await sleep(1500); // the build's sleep, left running by the killed bt, ends
});

ebpfTest("deps and rdeps take a name that is not UTF-8 in the $'…' form bt prints, and as its bytes", () => {
  const dir = tmpdir();
  const t = bt(['trace', '-q', '-o', 'n.trace', '--', 'bash', '-c', "touch $'bad\\xff.c'; cat $'bad\\xff.c' > out.txt"], dir);
  assert.equal(t.status, 0, t.stderr);
  const d = bt(['deps', "$'bad\\xff.c'", 'n.trace'], dir);
  assert.equal(d.status, 0, d.stderr);
  assert.equal(d.stdout.split('\n')[0], "$'bad\\xff.c'  <- written by touch $'bad\\xff.c' [proc 2]");
  const r = bt(['rdeps', "$'bad\\xff.c'", 'n.trace'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').slice(0, 2), ["$'bad\\xff.c'", "  out.txt  <- made by cat $'bad\\xff.c' [proc 3]"]);
  // the bytes themselves, as a shell passes them (Node alone would read U+FFFD)
  const raw = spawnSync('sh', ['-c', `"$0" "$1" deps "$(printf 'bad\\377.c')" n.trace`, process.execPath, MAIN], { cwd: dir, encoding: 'utf8' });
  assert.equal(raw.status, 0, raw.stderr);
  assert.equal(raw.stdout.split('\n')[0], "$'bad\\xff.c'  <- written by touch $'bad\\xff.c' [proc 2]");
  const none = bt(['deps', "$'nothere\\xfe.c'", 'n.trace'], dir);
  assert.equal(none.status, 2);
  assert.equal(none.stderr, "bt: the build never touched a file named $'nothere\\xfe.c': give its path, or a unique end of it\n");
  assert.ok(fs.existsSync(path.join(dir, 'out.txt')));
});

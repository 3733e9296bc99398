/**
 * bt-launch (native/bt-launch.c) and its protocol (capture/launch.ts),
 * without BPF: a regular file stands in for the cgroup's procs file.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { encodeCommand, launch } from '../../src/capture/launch.js';
import { LAUNCHER_PATH } from '../../src/capture/install.js';
import { tmpdir } from '../helpers/tmp.js';

test('the command is a byte count, a newline and NUL-terminated strings', () => {
  const b = encodeCommand({ uid: -1, gid: 7, path: '/bin/echo', argv: ['echo', 'a b', ''], env: { A: '1', B: undefined, C: 'x=y' } });
  const body = '-1\0' + '7\0' + '/bin/echo\0' + '3\0echo\0a b\0\0' + '2\0A=1\0C=x=y\0';
  assert.equal(b.toString(), `${Buffer.byteLength(body)}\n${body}`);
  assert.throws(() => encodeCommand({ uid: -1, gid: -1, path: '/bin/true', argv: ['a\0b'], env: {} }), /NUL byte/);
});

/** Collects a child's stdout and status. */
function output(child: ReturnType<typeof spawn>): Promise<{ out: string; err: string; code: number | null }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ out, err, code })));
}

test('the launcher joins the cgroup, says it is ready, and runs exactly the command with exactly its environment after the go', async () => {
  const dir = tmpdir();
  const procs = path.join(dir, 'cgroup.procs');
  fs.writeFileSync(procs, '');
  const l = launch(LAUNCHER_PATH, procs); // in bt's working directory
  const out = path.join(dir, 'out');
  l.command({ uid: -1, gid: -1, path: '/bin/sh', argv: ['sh', '-c', `echo "$0|$1|$ONLY|$(env | wc -l)|$(pwd)" > ${out}`, 'arg 1'], env: { ONLY: 'é\u00ff' } });
  l.ready();
  assert.equal(fs.readFileSync(procs, 'utf8'), '0\n'); // it moved itself into "the cgroup"
  assert.equal(fs.existsSync(out), false, 'the command ran before the go');
  l.go();
  const done = await l.done;
  assert.deepEqual(done, { exitCode: 0, signal: undefined });
  // argv[0] is "sh", $0 for -c is the next argument; the environment holds ONLY and what sh adds itself; bt's working directory
  assert.equal(fs.readFileSync(out, 'utf8'), `arg 1||é\u00ff|${envLines()}|${process.cwd()}\n`);
});

/** How many lines `env` prints in a sh started with ONLY alone (sh adds PWD, SHLVL and the like itself). */
function envLines(): string {
  return String(execFileSync('/bin/sh', ['-c', 'env | wc -l'], { env: { ONLY: 'é\u00ff' } })).trim();
}

test('the launcher reports how the command ended: its exit code, or the signal that killed it', async () => {
  const dir = tmpdir();
  const procs = path.join(dir, 'cgroup.procs');
  fs.writeFileSync(procs, '');
  const run = async (script: string) => {
    const l = launch(LAUNCHER_PATH, procs);
    l.command({ uid: -1, gid: -1, path: '/bin/sh', argv: ['sh', '-c', script], env: {} });
    l.ready();
    l.go();
    return l.done;
  };
  assert.deepEqual(await run('exit 7'), { exitCode: 7, signal: undefined });
  assert.deepEqual(await run('kill -USR1 $$'), { exitCode: undefined, signal: os.constants.signals.SIGUSR1 });
  // a command that cannot be run: the launcher's own exit code
  const l = launch(LAUNCHER_PATH, procs);
  l.command({ uid: -1, gid: -1, path: path.join(dir, 'missing'), argv: ['missing'], env: {} });
  l.ready();
  l.go();
  assert.deepEqual(await l.done, { exitCode: 127, signal: undefined });
});

test('without the go (bt gone) or with a malformed command, the launcher runs nothing and exits 125', async () => {
  const dir = tmpdir();
  const procs = path.join(dir, 'cgroup.procs');
  fs.writeFileSync(procs, '');
  const malformed = /^bt: bt-launch: malformed command from bt\n$/;
  const argsBeyond = '-1\0-1\0/usr/bin/touch\0' + '5\0touch\0ran\0' + '0\0';
  const cases: Array<[string, Buffer | string, RegExp]> = [
    ['end of file before the command', '', /^$/],
    ['a count that is not a number', 'x\n', malformed],
    ['fewer bytes than counted', '100\n-1\0-1\0/usr/bin/touch\0', /^$/],
    ['an argument count beyond the strings', `${argsBeyond.length}\n${argsBeyond}`, malformed],
    ['no go after a valid command', encodeCommand({ uid: -1, gid: -1, path: '/usr/bin/touch', argv: ['touch', 'ran'], env: {} }), /^$/],
    // a user with root's group is no user: both ids or neither
    ['a uid without a gid', encodeCommand({ uid: 65534, gid: -1, path: '/usr/bin/touch', argv: ['touch', 'ran'], env: {} }), malformed],
  ];
  for (const [what, msg, stderr] of cases) {
    const child = spawn(LAUNCHER_PATH, [procs], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], cwd: dir, env: {} });
    const sock = child.stdio[3] as unknown as import('node:net').Socket;
    sock.on('error', () => {});
    sock.end(msg);
    const r = await output(child);
    assert.equal(r.code, 125, `${what}: ${r.err}`);
    assert.equal(fs.existsSync(path.join(dir, 'ran')), false, `${what}: the command ran`);
    assert.match(r.err, stderr, what);
  }
});

/**
 * Commander's own errors (a missing argument, an unknown option or command,
 * a value not among the choices, too many arguments, an option without its
 * value) are bt's one line, `bt: …: see bt CMD --help`, with exit status 2;
 * help and --version are as commander prints them, with exit status 0.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bt, REPO, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

const dir = tmpdir('bt-usage-');

async function usageError(args: string[], line: string): Promise<void> {
  const r = await bt(args, { cwd: dir });
  assert.equal(r.stderr, line, `bt ${args.join(' ')}`); // execa drops the final newline
  assert.equal(r.code, 2, `bt ${args.join(' ')}: exit 2`);
  assert.equal(r.stdout, '');
}

test('a missing argument: one line naming the help to read, exit 2', async () => {
  await usageError(['trace'], "bt: missing required argument 'command': see bt trace --help");
  await usageError(['trace', '--'], "bt: missing required argument 'command': see bt trace --help");
  await usageError(['trace', '-q', '--'], "bt: missing required argument 'command': see bt trace --help");
  await usageError(['export'], "bt: missing required argument 'format': see bt export --help");
  await usageError(['deps'], "bt: missing required argument 'file': see bt deps --help");
});

test('an unknown option or command, with commander\'s suggestion in the same line, exit 2', async () => {
  await usageError(['graph', '--bogus'], "bt graph: unknown option '--bogus' (did you mean --focus?): see bt graph --help");
  await usageError(['trace', '--bogus', '--', 'true'], "bt trace: unknown option '--bogus': see bt trace --help");
  await usageError(['--bogus'], "bt: unknown option '--bogus': see bt --help");
  await usageError(['grph'], "bt: unknown command 'grph' (did you mean graph?): see bt --help");
  await usageError(['nosuch'], "bt: unknown command 'nosuch': see bt --help");
});

test('a value not among the choices, an option without its value, too many arguments: one line, exit 2', async () => {
  await usageError(
    ['graph', '-o', 'x', '--format', 'jpg'],
    "bt: option '-f, --format <format>' argument 'jpg' is invalid (allowed choices are dot, svg, png): see bt graph --help",
  );
  await usageError(
    ['normalize', '--sort', 'fast'],
    "bt: option '--sort <method>' argument 'fast' is invalid (allowed choices are auto, window, external): see bt normalize --help",
  );
  await usageError(['export', 'jsonl', 'x.trace', '--window'], "bt: option '--window <ms>' argument missing: see bt export --help");
  await usageError(['summary', 'a', 'b', 'c'], "bt: too many arguments for 'summary' (expected 1 argument but got 3): see bt summary --help");
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing written');
});

test('help and --version are printed as they are, exit 0', async () => {
  const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  const v = await bt(['--version']);
  assert.deepEqual([v.code, v.stdout, v.stderr], [0, version, '']);
  for (const args of [['--help'], ['graph', '--help'], ['help', 'graph'], ['trace', '--help']]) {
    const r = await bt(args);
    assert.equal(r.code, 0, `bt ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Usage: bt( graph| trace)? \[options\]/);
  }
});

test('--window is checked alike by every command that has it: one line, exit 2', async () => {
  const commands = [['normalize'], ['graph'], ['summary'], ['deps', 'vmlinux'], ['rdeps', 'a.c'], ['export', 'jsonl'], ['export', 'perfetto']];
  for (const command of commands) {
    for (const bad of ['-1', '0', 'abc', '', 'Infinity']) {
      await usageError([...command, 'x.trace', `--window=${bad}`], `bt: invalid window "${bad}": give a positive number of ms`);
    }
  }
});

test('bt sql with a log where the query goes: one line naming the order, exit 2', async () => {
  const log = cBuildTrace(['a']).write(path.join(dir, 'order.trace'));
  await usageError(
    ['sql', log, 'SELECT count(*) FROM jobs'],
    `bt sql: ${log} is a log, not a query: give the query first, then the logs (bt sql QUERY LOG...)`,
  );
  await usageError(['sql', dir, log], `bt sql: ${dir} is a directory, not a query: give the query first, then the logs (bt sql QUERY LOG...)`);
});

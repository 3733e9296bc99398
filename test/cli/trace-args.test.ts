/**
 * bt trace's command line read without commander (src/cli/trace-args.ts):
 * whatever it takes, it takes exactly as commander does with the same
 * table (trace.ts), on the usual command lines and on thousands of random
 * ones; what it does not take (help, an unknown option, a missing value or
 * command) it leaves to commander.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceArgs } from '../../src/cli/trace-args.js';
import { traceCommand } from '../../src/cli/trace.js';

type Outcome = { command: string[]; opts: Record<string, unknown> } | { error: string };

function viaCommander(args: string[]): Outcome {
  let got: Outcome | undefined;
  const cmd = traceCommand()
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .action((command: string[], o: Record<string, unknown>) => {
      got = { command, opts: { ...o } };
    });
  try {
    cmd.parse(args, { from: 'user' });
  } catch (err) {
    return { error: (err as Error).message };
  }
  assert.ok(got, `commander ran no action for ${JSON.stringify(args)}`);
  return got;
}

function viaTable(args: string[]): Outcome | undefined {
  try {
    const r = parseTraceArgs(args);
    return r && { command: r.command, opts: { ...r.opts } };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

test('the usual command lines are read without commander, exactly as commander reads them', () => {
  const usual = [
    ['--', 'make'],
    ['make', '-j8'],
    ['-o', 'build.trace', '--', 'make', '-j8'],
    ['-o', 'x.trace', 'make', '-o', 'y'],
    ['-ox.trace', '--', 'make'],
    ['--output=x.trace', 'ninja'],
    ['--output', 'x', '-q', '--', 'sh', '-c', 'make'],
    ['-qo', 'x', 'make'],
    ['--no-env', '--no-files', '--as-root', '--force', '--', 'make'],
    ['--redact', 'token=\\w+', '--redact=secret', '--', 'make'],
    ['--ring-size', '64K', '--grace', '0.5', '--', 'make'],
    ['--ring-size=1M', '--grace=2', 'make'],
    ['-q', '--', '-weird-command'],
    ['-', 'x'],
    ['', 'x'],
    ['make', '--', 'x'],
    ['make', '-h'],
  ];
  for (const args of usual) {
    const fast = viaTable(args);
    assert.ok(fast, `left to commander: ${JSON.stringify(args)}`);
    assert.deepEqual(fast, viaCommander(args), JSON.stringify(args));
  }
  // what commander sees: the defaults, then each option as given (the last -o wins, --redact collects)
  assert.deepEqual(viaTable(['-o', 'a', '--output=b', '--redact', 'x', '--redact', 'y', 'make']), {
    command: ['make'],
    opts: { output: 'b', ringSize: 32 * 1024 * 1024, grace: 5, env: true, files: true, redact: [/x/g, /y/g] },
  });
});

test('help, unknown options, missing values and a missing command are left to commander; a bad value fails as through commander', () => {
  for (const args of [[], ['--'], ['-h'], ['--help'], ['-o'], ['--bogus', 'make'], ['-x', 'make'], ['--quiet=1', 'make'], ['--env', 'make'], ['-5'], ['-qh']]) {
    assert.equal(viaTable(args), undefined, JSON.stringify(args));
  }
  for (const args of [['--ring-size', '3Q', 'make'], ['--grace', '-1', 'make'], ['--redact', '', 'make'], ['--redact=a*', 'make']]) {
    const fast = viaTable(args);
    assert.ok(fast && 'error' in fast, JSON.stringify(args));
    assert.deepEqual(fast, viaCommander(args), JSON.stringify(args));
  }
});

test('on 5,000 random command lines, what is read without commander is what commander reads', () => {
  const tokens = [
    '-o', 'x', '--output', '--output=y', '--output=', '-ox', '-oq', '-q', '-qo', '-qq', '-q-', '--quiet', '--quiet=1',
    '--no-env', '--no-files', '--env', '--files', '--redact', 'a+', '--redact=b', '--redact=', '--ring-size', '64K', '--ring-size=1M',
    '--grace', '2', '--grace=0.5', '--as-root', '--force', '--', 'make', '-j2', '-', '', '-h', '--help', '-5', '--bogus', '-x', '=', '--=x',
  ];
  let seed = 20261203;
  const random = () => {
    // mulberry32: the same command lines on every run
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let read = 0;
  for (let n = 0; n < 5000; n++) {
    const args = Array.from({ length: Math.floor(random() * 7) }, () => tokens[Math.floor(random() * tokens.length)]);
    const fast = viaTable(args);
    if (fast === undefined) continue;
    read++;
    assert.deepEqual(fast, viaCommander(args), JSON.stringify(args));
  }
  assert.ok(read > 1500, `only ${read} of 5,000 read without commander`);
});

/**
 * A log an option took as its value (src/cli/log-argument.ts): every reader
 * that defaults its log to build.trace, run where there is none, names the
 * option that took the log instead of "cannot open build.trace", a file the
 * user never typed; a missing argument says it too (bt diff).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bt, oneLineError, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

/** A directory with a log g.trace, a source a.c and no build.trace. */
function here(): string {
  const dir = tmpdir('bt-log-arg-');
  cBuildTrace(['a']).write(path.join(dir, 'g.trace'));
  fs.writeFileSync(path.join(dir, 'a.c'), 'int a;\n');
  return dir;
}

const took = (flag: string, value = 'g.trace') => `${flag} took "${value}" as its value (${flag} needs a value of its own; put the log after it)`;

describe('an option that took the log as its value, no build.trace here: one line naming it, exit 2', () => {
  const dir = here();
  const cases: Array<[args: string[], flag: string]> = [
    [['summary', '--driver', 'g.trace'], '--driver'],
    [['summary', '--filter', 'g.trace'], '--filter'],
    [['deps', '--driver', 'g.trace', 'a.o'], '--driver'],
    [['deps', 'a.o', '--driver', 'g.trace'], '--driver'],
    [['rdeps', '--driver', 'g.trace', 'a.c'], '--driver'],
    [['graph', '--exe', 'g.trace'], '--exe'],
    [['graph', '--focus', 'g.trace'], '--focus'],
    [['graph', '--include', 'a.c', '--exclude', 'g.trace'], '--exclude'],
    [['export', 'makedeps', '--output-of', 'g.trace'], '--output-of'],
    [['export', 'compile-commands', '--compiler', 'g.trace'], '--compiler'],
    [['view', '--host', 'g.trace'], '--host'],
    [['normalize', '--tmp-dir', 'g.trace'], '--tmp-dir'],
    [['check', '--driver', 'g.trace'], '--driver'],
    [['check', '--ignore', 'g.trace'], '--ignore'],
  ];
  for (const [args, flag] of cases) {
    it(`bt ${args.join(' ')}`, async () => {
      oneLineError(await bt(args, { cwd: dir }), new RegExp(`^bt: no log given: ${esc(took(flag))}$`));
    });
  }

  it('a missing argument an option took (bt diff, bt deps) says so in its line', async () => {
    oneLineError(await bt(['diff', '--driver', 'g.trace', 'g.trace'], { cwd: dir }), new RegExp(`^bt: missing required argument 'b': ${esc(took('--driver'))}$`));
    oneLineError(await bt(['diff', 'g.trace', '--mask', 'g.trace'], { cwd: dir }), new RegExp(`^bt: missing required argument 'b': ${esc(took('--mask'))}$`));
    oneLineError(await bt(['deps', '--driver', 'g.trace'], { cwd: dir }), new RegExp(`^bt: missing required argument 'file': ${esc(took('--driver'))}$`));
    // nothing taken: commander's line as before
    oneLineError(await bt(['diff', 'g.trace'], { cwd: dir }), /^bt: missing required argument 'b': see bt diff --help$/);
  });
});

describe('what is not a log taken by an option', () => {
  const dir = here();

  it('a value that is a file but not a bt log (--focus a.c): the missing build.trace, as before', async () => {
    oneLineError(await bt(['graph', '--focus', 'a.c'], { cwd: dir }), /^bt: cannot open build\.trace: no such file or directory \(ENOENT\); check the path$/);
    oneLineError(await bt(['summary', '--driver', 'a.c'], { cwd: dir }), /^bt: cannot open build\.trace: no such file or directory \(ENOENT\); check the path$/);
    oneLineError(await bt(['check', '--driver', 'a.c'], { cwd: dir }), /^bt: no log given and there is no build\.trace here: bt check LOG$/);
  });

  it('an output option naming a log is the output, not the log misplaced (-o, --html)', async () => {
    oneLineError(await bt(['normalize', '-o', 'g.trace'], { cwd: dir }), /^bt: cannot open build\.trace: no such file or directory \(ENOENT\); check the path$/);
    // (without --force, bt graph refuses to replace the raw log g.trace at all: test/cli/replace.test.ts)
    oneLineError(await bt(['graph', '-f', 'dot', '--force', '-o', 'g.trace'], { cwd: dir }), /^bt: cannot open build\.trace: no such file or directory \(ENOENT\); check the path$/);
    oneLineError(await bt(['graph', '-f', 'dot', '-o', 'g.trace'], { cwd: dir }), /^bt graph: refusing to replace g\.trace: it is a raw bt log/);
  });

  it('the log given, or a build.trace here: the option keeps its value and the command runs', async () => {
    const given = await bt(['summary', '--driver', 'g.trace', 'g.trace'], { cwd: dir });
    assert.equal(given.code, 0, given.stderr);
    assert.match(given.stdout, /^build: make$/m);
    const withDefault = tmpdir('bt-log-arg-default-');
    cBuildTrace(['a']).write(path.join(withDefault, 'build.trace'));
    fs.copyFileSync(path.join(dir, 'g.trace'), path.join(withDefault, 'g.trace'));
    const r = await bt(['summary', '--driver', 'g.trace'], { cwd: withDefault });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^build: make$/m);
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

describe('the log given first, where FILE goes (bt deps build.trace app): one line that says which goes where, exit 2', () => {
  const dir = here();

  it('bt deps and bt rdeps with the arguments swapped', async () => {
    oneLineError(
      await bt(['deps', 'g.trace', 'a.o'], { cwd: dir }),
      /^bt: the log goes last: bt deps FILE LOG \("g\.trace" is a bt log, "a\.o" is not\); try bt deps a\.o g\.trace$/,
    );
    oneLineError(
      await bt(['rdeps', '--json', 'g.trace', 'a file.c'], { cwd: dir }),
      /^bt: the log goes last: bt rdeps FILE LOG \("g\.trace" is a bt log, "a file\.c" is not\); try bt rdeps 'a file\.c' g\.trace$/,
    );
  });

  it('both arguments logs, or the log last: the command runs as asked', async () => {
    fs.copyFileSync(path.join(dir, 'g.trace'), path.join(dir, 'h.trace'));
    // FILE may be a log the build wrote: h.trace is just a name that no file of that build has
    const both = await bt(['deps', 'h.trace', 'g.trace'], { cwd: dir });
    oneLineError(both, /^bt: the build never touched a file named h\.trace: give its path, or a unique end of it$/);
    const right = await bt(['deps', 'a.o', 'g.trace'], { cwd: dir });
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /^a\.o {2}<- written by/m);
  });
});

/**
 * A broken glob and a field the subjects cannot have, through every command
 * that takes --filter: one error (exit 2) with the column and a caret, the
 * same on each; bt graph's glob options refuse a bad glob as bt check's do;
 * bt dump notes a filter that matched nothing.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { bt, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

const dir = tmpdir('bt-filter-errors-');
const log = cBuildTrace(['a', 'b']).write(path.join(dir, 'build.trace'));

/** Each command line of a --filter, as a user gives it. */
const COMMANDS: Array<[string, string[]]> = [
  ['bt dump', ['dump', log]],
  ['bt summary', ['summary', log]],
  ['bt graph', ['graph', log]],
  ['bt export chrome-trace', ['export', 'chrome-trace', log]],
  ['bt export jsonl', ['export', 'jsonl', log]],
  ['bt view', ['view', log, '--html', path.join(dir, 'page.html')]],
];

async function refused(args: string[], filter: string): Promise<string> {
  const r = await bt([...args, '--filter', filter]);
  assert.equal(r.code, 2, `${args.join(' ')} --filter ${filter}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  return r.stderr;
}

test('a broken glob in a filter: the glob error at the column of its string, in every command', async () => {
  for (const [name, args] of COMMANDS) {
    assert.equal(
      await refused(args, 'exe == cc1 and path ~ "[abc"'),
      'bt: bad filter: bad glob "[abc": "[" at character 1 is not closed by "]" at column 23\n  exe == cc1 and path ~ "[abc"\n                        ^',
      name,
    );
    assert.equal(await refused(args, 'argv ~ "{a,b"'), 'bt: bad filter: bad glob "{a,b": a "{" is not closed by "}" at column 8\n  argv ~ "{a,b"\n         ^', name);
  }
});

test("bt graph's --include, --exclude and --exe refuse a bad glob as bt check's --allow and --ignore do", async () => {
  for (const [args, err] of [
    [['graph', log, '--include', '[abc'], 'bt: --include: bad glob "[abc": "[" at character 1 is not closed by "]"'],
    [['graph', log, '--exclude', '*.o', '--exclude', '{a,b'], 'bt: --exclude: bad glob "{a,b": a "{" is not closed by "}"'],
    [['graph', log, '--exe', '[x'], 'bt: --exe: bad glob "[x": "[" at character 1 is not closed by "]"'],
    [['graph', log, '--include', ''], 'bt: --include needs a glob, got an empty string'],
    [['check', log, '--ignore', '[abc'], 'bt: --ignore: bad glob "[abc": "[" at character 1 is not closed by "]"'],
  ] as Array<[string[], string]>) {
    const r = await bt(args);
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', err], args.join(' '));
  }
});

test('an event type on processes and files is refused at the field, naming the command; bt dump and bt export jsonl test events and take it', async () => {
  const execs = (await bt(['dump', log, '--type', 'exec'])).stdout.trimEnd().split('\n').length - 2;
  assert.equal(execs, 14);
  for (const [name, args] of COMMANDS) {
    if (name === 'bt dump' || name === 'bt export jsonl') {
      const r = await bt([...args, '--filter', 'type == exec']);
      assert.deepEqual([r.code, r.stderr], [0, ''], name);
      const types = r.stdout.trimEnd().split('\n').slice(1, -1).map((l) => (l.startsWith('{') ? (JSON.parse(l) as { type: string }).type : l.split(' ')[2]));
      assert.equal(types.length, execs, `${name}: the execs bt dump --type exec prints`);
      assert.deepEqual(new Set(types), new Set(['exec']), name);
      continue;
    }
    assert.equal(
      await refused(args, 'exe == cc1 or type == exec'),
      `bt: bad filter: exec is an event type: ${name} tests processes and files (type process or file); ask for exe, argv, exit, path, access at column 15\n  exe == cc1 or type == exec\n                ^`,
      name,
    );
  }
});

test('inside under(), tested on processes, an event type or an event field is refused by every command, bt dump included', async () => {
  for (const [name, args] of COMMANDS) {
    assert.equal(
      await refused(args, 'under(type == exec)'),
      'bt: bad filter: exec is an event type: under() tests processes (type process); ask for exe, argv, cwd, exit, dur at column 7\n  under(type == exec)\n        ^',
      name,
    );
    assert.equal(
      await refused(args, 'path ~ "*.o" and under(path ~ "*.c")'),
      'bt: bad filter: path is a field of events and files: under() tests processes (type process); ask for exe, argv, cwd, exit, dur at column 24\n  path ~ "*.o" and under(path ~ "*.c")\n                         ^',
      name,
    );
  }
});

test('bt dump: a filter that matches nothing prints the header and trailer and a note on stderr (exit 0); one that matches, no note', async () => {
  const none = await bt(['dump', log, '--filter', 'exe == nosuch']);
  assert.equal(none.code, 0);
  assert.deepEqual(none.stdout.trimEnd().split('\n').map((l) => l.split(' ')[0]), ['#', '#'], 'the header and the trailer');
  assert.equal(none.stderr, "bt dump: note: nothing matches --filter 'exe == nosuch': no record is printed");
  const withPid = await bt(['dump', log, '--filter', 'exe == cc1', '--pid', '10', '--type', 'open']);
  assert.equal(withPid.stderr, "bt dump: note: nothing matches --filter 'exe == cc1' and --type open and --pid 10: no record is printed");
  const some = await bt(['dump', log, '--filter', 'under(exe == make) and type == exec']);
  assert.deepEqual([some.code, some.stderr], [0, '']);
  assert.ok(some.stdout.split('\n').some((l) => / exec /.test(l)), some.stdout);
});

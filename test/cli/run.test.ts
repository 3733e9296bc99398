/**
 * The entry point's exit statuses (src/cli/run.ts): a reader of the output
 * that goes away (`bt … | head`, EPIPE) ends every command quietly with
 * status 0, whether it writes stdout itself or a pipe given with -o; an
 * input a command cannot use is bad input, status 2; so is an output it
 * cannot write, in every command but bt trace (125), and a refusal to
 * draw more than --max-nodes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { needTools } from '../helpers/tools.js';
import { BT, bt, oneLineError, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

describe('a closed stdout (EPIPE)', () => {
  const dir = tmpdir('bt-epipe-');
  // outputs of several pipe buffers: the reader is gone long before bt has written them
  const log = cBuildTrace(Array.from({ length: 400 }, (_, i) => `s${i}`)).write(path.join(dir, 'big.trace'));

  const cases: string[][] = [
    ['dump', log],
    ['normalize', log, '-o', '-'],
    ['normalize', '-q', log, '-o', '-'],
    ['normalize', log, '-o', '/dev/stdout'],
    ['graph', '--max-nodes', '0', log],
    ['graph', '--max-nodes', '0', log, '-o', '/dev/stdout'],
    ['export', 'jsonl', log, '-o', '-'],
    ['export', 'jsonl', log, '-o', '/dev/stdout'],
    ['view', '--html', '/dev/stdout', log],
  ];
  for (const args of cases) {
    it(`bt ${args.join(' ').replace(log, 'big.trace')} | head -c 8: quiet, status 0`, () => {
      const r = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$@" | head -c 8 >/dev/null', process.execPath, BT, ...args], { encoding: 'utf8' });
      assert.equal(r.stderr.replace(/^bt view: .*\n/gm, ''), '');
      assert.equal(r.status, 0);
    });
  }
});

describe('bad input: one line, status 2', () => {
  it('bt normalize on a log that is already normalized', async () => {
    const dir = tmpdir('bt-normalized-');
    const raw = cBuildTrace(['a']).write(path.join(dir, 'b.trace'));
    const norm = path.join(dir, 'b.norm.trace');
    assert.equal((await bt(['normalize', '-q', raw, '-o', norm])).code, 0);
    const r = await bt(['normalize', norm, '-o', path.join(dir, 'again.trace')]);
    oneLineError(r, new RegExp(`^bt: ${norm.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is already normalized \\(from .*b\\.trace\\): use it as it is$`));
  });
});

describe('an output bt cannot write: one line, status 2 in every command but bt trace', () => {
  const dir = tmpdir('bt-output-');
  const log = cBuildTrace(['a']).write(path.join(dir, 'b.trace'));
  const nodir = path.join(dir, 'nodir');
  const gone = (what: string, file: string, advice = '') => `bt: cannot write the ${what} ${file}: no such file or directory (ENOENT): the directory does not exist${advice}`;
  const cases: Array<[args: string[], line: string]> = [
    [['graph', log, '-o', `${nodir}/x.svg`], gone('graph', `${nodir}/x.svg`)],
    [['normalize', log, '-o', `${nodir}/x.trace`], gone('normalized log', `${nodir}/x.trace`)],
    [['view', log, '--html', `${nodir}/x.html`], gone('page', `${nodir}/x.html`)],
    [['export', 'chrome-trace', log, '-o', `${nodir}/x.json`], gone('export', `${nodir}/x.json`, ': choose another -o path')],
    [['export', 'parquet', log, '-o', `${nodir}/x.d`], gone('export directory', `${nodir}/x.d`, ': choose another -o path')],
  ];
  for (const [args, line] of cases) {
    it(`bt ${args.map((a) => (a === log ? 'b.trace' : a.replace(nodir, 'nodir'))).join(' ')}`, async () => {
      const r = await bt(args);
      assert.equal(r.stderr, line);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
    });
  }

  it('a binary output refused on a terminal: bt graph --format png as bt export perfetto', (t) => {
    if (!needTools(t, 'script')) return; // script(1) for a terminal
    for (const [args, line] of [
      [['graph', '--format', 'png', log], 'bt: refusing to write a PNG to the terminal: use -o FILE.png or redirect stdout'],
      [['export', 'perfetto', log], 'bt: refusing to write a binary perfetto trace to the terminal: use -o FILE or redirect stdout'],
    ] as Array<[string[], string]>) {
      // script(1) runs bt on a terminal of its own, prints what bt wrote there, and exits with bt's status
      const r = spawnSync('script', ['-qec', [process.execPath, BT, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { encoding: 'utf8' });
      assert.equal(r.stdout.replace(/\r\n/g, '\n'), `${line}\n`, args.join(' '));
      assert.equal(r.status, 2, args.join(' '));
    }
  });

  // bt trace's 125 for the same output: test/capture/lifecycle.test.ts
});

describe('bt graph over --max-nodes: the refusal is status 2 (ask for less), not 1 (a damaged log)', () => {
  it('one line with the numbers and what to try', async () => {
    const log = cBuildTrace(['a', 'b', 'c', 'd']).write(path.join(tmpdir('bt-max-nodes-'), 'b.trace'));
    const r = await bt(['graph', '--max-nodes', '25', log]);
    // the compiler's 4 temporary .s files are hidden (an edge between cc1 and as stands for each): 15 files
    assert.match(r.stderr, /^bt: the graph would have 35 nodes \(20 processes, 15 files\), over --max-nodes 25: try --processes-only \(20 nodes\), .*or raise --max-nodes$/);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
  });
});

describe('a working directory with no name (process.cwd() fails): one clear line or the work, never an internal error', () => {
  const dir = tmpdir('bt-cwd-');
  const log = cBuildTrace(['a', 'b']).write(path.join(dir, 'b.trace'));

  /** Runs bt with `args` in a directory made by `enter` (a bash snippet that cds there); $L is the log's absolute path. */
  function inDir(enter: string, args: string[]) {
    const r = spawnSync('bash', ['-c', `${enter} && exec "$0" "$@"`, process.execPath, BT, ...args], {
      encoding: 'utf8',
      env: { ...process.env, L: log, D: dir },
    });
    assert.doesNotMatch(r.stderr, /internal error/, `bt ${args.join(' ')}`);
    assert.notEqual(r.status, 70, `bt ${args.join(' ')}`);
    return r;
  }

  it('deleted: the reading commands work with absolute paths; bt sql and bt trace say why they cannot', () => {
    const gone = 'mkdir "$D/gone" && cd "$D/gone" && rmdir "$D/gone"';
    for (const args of [['dump', log], ['normalize', '-q', log, '-o', '-'], ['summary', log], ['graph', log], ['check', log], ['export', 'jsonl', log, '-o', '-']]) {
      const r = inDir(gone, args);
      assert.equal(r.status, 0, `bt ${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stdout.length > 0);
    }
    const missing = inDir(gone, ['dump', 'x.trace']);
    assert.equal(missing.stderr, 'bt: cannot open x.trace: no such file or directory (ENOENT); check the path\n');
    const norm = inDir(gone, ['normalize', 'x.trace']);
    assert.equal(norm.status, 2);
    const sql = inDir(gone, ['sql', 'select count(*) from processes', log]);
    assert.equal(sql.stderr, 'bt: DuckDB cannot run here: it needs the name of the working directory, which was deleted; run bt from another directory, with absolute paths\n');
    assert.equal(sql.status, 1);
    // bt trace records the build's cwd (with privileges; without, it says so first)
    const trace = inDir(gone, ['trace', '-q', '-o', path.join(dir, 't.trace'), '--', 'true']);
    assert.equal(trace.stderr.split('\n').length, 2, trace.stderr);
    if (process.getuid?.() === 0) assert.match(trace.stderr, /^bt: bt trace records the build's working directory, and this one was deleted: start bt in another directory/);
  });

  it('deeper than PATH_MAX: the reading commands read and write relative paths there', () => {
    const deep = 'cd "$D" && mkdir -p deep && cd deep && n=$(printf "d%.0s" $(seq 200)) && for i in $(seq 25); do mkdir -p $n && cd $n; done && cp "$L" here.trace';
    try {
      assert.equal(inDir(deep, ['dump', 'here.trace']).status, 0);
      for (const args of [
        ['normalize', '-q', 'here.trace'],
        ['normalize', 'here.trace', '-o', 'here.trace'],
        ['graph', 'here.trace', '-o', 'g.dot'],
        ['export', 'jsonl', 'here.trace', '-o', 'x.jsonl'],
        ['view', '--html', 'v.html', 'here.trace'],
        ['summary', 'here.trace'],
      ]) {
        const r = inDir(deep, args);
        if (args.join(' ') === 'normalize here.trace -o here.trace') {
          assert.equal(r.stderr, 'bt: the output here.trace is the input: choose another name with -o\n');
          assert.equal(r.status, 2);
        } else assert.equal(r.status, 0, `bt ${args.join(' ')}: ${r.stderr}`);
      }
      const made = spawnSync('bash', ['-c', 'cd "$D/deep" && for i in $(seq 25); do cd d*; done && ls', process.execPath], { encoding: 'utf8', env: { ...process.env, D: dir } });
      assert.deepEqual(made.stdout.trim().split('\n').sort(), ['g.dot', 'here.norm.trace', 'here.trace', 'v.html', 'x.jsonl']);
      const sql = inDir(deep, ['sql', 'select 1', 'here.trace']);
      assert.match(sql.stderr, /^bt: DuckDB cannot run here: it needs the name of the working directory, which is deeper than PATH_MAX \(4,096 bytes\); run bt from another directory, with absolute paths\n$/);
    } finally {
      // rm walks it with openat (Node's recursive rm, which temporary directories get at exit, builds paths: ENAMETOOLONG)
      spawnSync('rm', ['-rf', path.join(dir, 'deep')]);
      assert.equal(fs.existsSync(path.join(dir, 'deep')), false);
    }
  });
});

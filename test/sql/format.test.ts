/** Query results as an aligned table, JSON Lines and CSV. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCsv, formatJsonLines, formatResult, formatTable } from '../../src/sql/format.js';

const cols = ['tool', 'n', 'argv', 'big'];
const rows = [
  ['cc', 2n, ['cc', '-c', 'a b.c'], 2n ** 62n],
  ['make, "gnu"', 10n, null, 1n],
];

test('aligned table: numbers right-aligned, lists as JSON, NULL empty, a row count', () => {
  assert.equal(
    formatTable(cols, rows),
    [
      'tool          n  argv                                 big',
      '-----------  --  -------------------  -------------------',
      'cc            2  ["cc","-c","a b.c"]  4611686018427387904',
      'make, "gnu"  10                                         1',
      '(2 rows)',
      '',
    ].join('\n'),
  );
  assert.equal(formatTable(['x'], []), 'x\n-\n(0 rows)\n');
});

test('JSON Lines: 64-bit integers exact (numbers when safe, else strings); CSV quoted as RFC 4180', () => {
  assert.equal(
    formatJsonLines(cols, rows),
    '{"tool":"cc","n":2,"argv":["cc","-c","a b.c"],"big":"4611686018427387904"}\n{"tool":"make, \\"gnu\\"","n":10,"argv":null,"big":1}\n',
  );
  assert.equal(formatCsv(cols, rows), 'tool,n,argv,big\ncc,2,"[""cc"",""-c"",""a b.c""]",4611686018427387904\n"make, ""gnu""",10,,1\n');
});

test('formatResult: a result after the first begins with a blank line as a table or CSV, not as JSON Lines', () => {
  assert.equal(formatResult('table', ['x'], [[1]], true), 'x\n-\n1\n(1 row)\n');
  assert.equal(formatResult('table', ['x'], [[1]], false), '\nx\n-\n1\n(1 row)\n');
  assert.equal(formatResult('csv', ['x'], [[1]], true), 'x\n1\n');
  assert.equal(formatResult('csv', ['x'], [[1]], false), '\nx\n1\n');
  assert.equal(formatResult('json', ['x'], [[1]], false), '{"x":1}\n');
});

test('a result is written as its chunks come: a table is aligned on its first rows, a later wider cell shifts its own line only', async () => {
  const { resultSink, TABLE_ALIGN_ROWS } = await import('../../src/sql/format.js');
  const lines: string[] = [];
  const sink = resultSink('table', ['name', 'n'], (s) => lines.push(s));
  sink.add(Array.from({ length: TABLE_ALIGN_ROWS - 1 }, () => ['ab', 1n]));
  assert.equal(lines.length, 0, 'nothing written before the table can be aligned');
  sink.add([['cd', 2n]]);
  assert.equal(lines.length, 1, 'the header and the rows held, at once');
  assert.ok(lines[0].startsWith('name  n\n----  -\nab    1\n'));
  sink.add([['a much longer name', 30n]]);
  assert.equal(lines[1], 'a much longer name  30\n');
  sink.end();
  assert.equal(lines[2], `(${TABLE_ALIGN_ROWS + 1} rows)\n`);
});

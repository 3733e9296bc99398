/**
 * End to end: the test-programs C project built with `make -B -j2` once under
 * `bt trace` and once under strace; bt must see exactly what strace sees
 * (execs with argv, failed execs with errno, opens with class and result,
 * namespace operations, lookups with result, file type and link text,
 * directory listings, metadata changes, processes with exit statuses).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ebpfTest } from '../helpers/ebpf.js';
import { needTools } from '../helpers/tools.js';
import { REPO, tmpdir, trace } from '../helpers/trace.js';
import { btLogFacts, normalize } from '../../bench/real/btlog.js';
import { compareFacts, comparisonTable, differencesText } from '../../bench/real/compare.js';
import { CATEGORIES } from '../../bench/real/facts.js';
import { STRACE_ARGS, straceFacts } from '../../bench/real/strace.js';

const SOURCES = ['Makefile', 'main.c', 'util.c', 'util.h', 'greet.c', 'greet.h'];

ebpfTest(
  'fidelity: cproject make -B -j2, bt trace vs strace: no difference',
  async (t) => {
    if (!needTools(t, 'strace')) return;
    const work = tmpdir('bt-fidelity-');
    const proj = path.join(work, 'cproject');
    fs.mkdirSync(proj);
    for (const f of SOURCES) fs.copyFileSync(path.join(REPO, 'test-programs', 'cproject', f), path.join(proj, f));
    const env = { ...process.env, LC_ALL: 'C' };
    // Both builds start from sources only (the linker unlinks an existing output first).
    const clean = () => {
      for (const f of fs.readdirSync(proj)) if (!SOURCES.includes(f)) fs.rmSync(path.join(proj, f), { force: true });
    };

    clean();
    const traced = await trace(['make', '-B', '-j2'], { cwd: proj });
    assert.equal(traced.code, 0, `bt trace failed: ${traced.stderr}`);
    const norm = path.join(work, 'bt.norm.trace');
    await normalize(traced.file, norm);

    const straceLog = path.join(work, 'strace.txt');
    clean();
    const s = await execa('strace', [...STRACE_ARGS, '-o', straceLog, 'make', '-B', '-j2'], { cwd: proj, env, reject: false });
    assert.equal(s.exitCode, 0, `strace make failed: ${s.stderr}`);

    const sf = straceFacts(straceLog, { cwd: proj });
    const bf = btLogFacts(norm);
    const c = compareFacts(sf, bf);
    const report = `${comparisonTable(c)}\n${differencesText(c)}`;
    // The build really ran: 4 compiler drivers, their cc1/as/collect2/ld, the sources read.
    assert.ok(c.categories.execs.reference >= 13, report);
    assert.ok(c.categories.opens.reference >= 100, report);
    // make and gcc stat and probe far more than they open; make lists the directory, ld chmods its output
    assert.ok(c.categories.lookups.reference >= 500, report);
    assert.ok(c.categories.listings.reference >= 1, report);
    assert.ok(c.categories.metas.reference >= 1, report);
    for (const cat of CATEGORIES) {
      const r = c.categories[cat];
      assert.equal(r.missingTotal + r.extraTotal, 0, `${cat} differ:\n${report}`);
    }
    assert.equal(c.processCount.bt, c.processCount.reference, report);
    assert.equal(bf.stats.unresolvedPaths ?? 0, 0, report);
    fs.rmSync(work, { recursive: true, force: true });
  },
  120_000,
);

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { balancedRatio, sideBySideRows, type SidePair } from '../../../bench/real/sidebyside.js';

/** A pair whose untraced build ran on `cpu` and took `u` s; the traced build took `t` s. */
function pair(i: number, cpu: number, u: number, t: number): SidePair {
  return { pair: i, untracedCpu: cpu, tracedCpu: 1 - cpu, untracedSeconds: u, tracedBuildSeconds: t, tracedWallSeconds: t + 0.2, startupMs: 100, btCpuSeconds: 2, ratio: t / u };
}

describe('bench:real --side-by-side report', () => {
  it('takes a slower CPU out of the ratio: geometric mean of the two orientations', () => {
    // CPU 0 is 10% slower; bt costs 2%: untraced on CPU 0 -> 1.02/1.1, on CPU 1 -> 1.02*1.1
    const pairs = [pair(0, 0, 110, 102), pair(1, 1, 100, 112.2), pair(2, 0, 110, 102), pair(3, 1, 100, 112.2)];
    assert.equal(balancedRatio(pairs).toFixed(4), '1.0200');
    // one orientation only: the plain median
    assert.equal(balancedRatio(pairs.filter((p) => p.untracedCpu === 0)).toFixed(4), (102 / 110).toFixed(4));
  });

  it('reports both orientations and the estimates from the balanced ratio', () => {
    const pairs = [pair(0, 0, 110, 102), pair(1, 1, 100, 112.2)];
    const rows = new Map(sideBySideRows(pairs));
    assert.equal(rows.get('  with the untraced build on CPU 0 (1 pair)'), '0.927 (0.927..0.927)');
    assert.equal(rows.get('  with the untraced build on CPU 1 (1 pair)'), '1.122 (1.122..1.122)');
    assert.equal(rows.get("**in-build ratio, the CPUs balanced** (geometric mean of the two orientations' medians)"), '**1.020**');
    // + 200 ms fixed / 105 s median untraced
    assert.equal(rows.get('whole run, estimated: balanced in-build ratio + fixed cost / untraced build (medians)'), '1.022');
    // + (0.2 s + 2 s of bt CPU) / 105 s
    assert.equal(rows.get('whole run, at most: balanced in-build ratio + (fixed cost + bt CPU) / untraced build (medians)'), '1.041');
  });
});

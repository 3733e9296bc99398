/**
 * Start-up of two builds of bt, interleaved: `node dist/bench/startup-ab.js
 * OLD_BT_CJS [NEW_BT_CJS] [--runs N] [--sudo] [--no-timing] [--old-env VAR=VALUE]`. Each run is
 * `bt trace -q -o LOG -- /bin/true` started through test-programs/walltime
 * (as a shell starts it), the two builds alternating and swapping order
 * every run, so that a VM whose speed drifts within the hour weighs on both
 * alike. Prints the median wall time and, with BT_TIMING (the default), the
 * median time to the build's first instruction. --sudo runs as a sudo'ed bt
 * does (the log and the command as user nobody). NEW_BT_CJS defaults to this
 * tree's build as users run it: build/bt (native/bt-front.c) when built,
 * else bt.cjs. Each may be a bt.cjs or a build/bt, of any checkout.
 * --old-env sets a variable for the old one's runs alone: `build/bt
 * --old-env BT_EARLY_START=0` compares this build with and without its
 * early start. The README's interleaved start-up figures come from here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';
import { parseTiming } from '../src/capture/timing.js';
import { FRONT_PATH } from '../src/capture/install.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WALLTIME = path.join(REPO, 'test-programs', 'bin', 'walltime');

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 21;
const oldEnvAt = args.indexOf('--old-env');
const oldEnv = oldEnvAt >= 0 ? /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(args[oldEnvAt + 1] ?? '') : null;
const builds = args.filter((a, i) => !a.startsWith('--') && i !== runsAt + 1 && i !== oldEnvAt + 1);
if (builds.length < 1 || !Number.isInteger(runs) || runs < 1 || (oldEnvAt >= 0 && !oldEnv)) {
  console.error('usage: node dist/bench/startup-ab.js OLD_BT_CJS [NEW_BT_CJS] [--runs N] [--sudo] [--no-timing] [--old-env VAR=VALUE]');
  process.exit(2);
}
const named: Array<[string, string]> = [
  ['old', builds[0]!],
  ['new', builds[1] ?? (fs.existsSync(FRONT_PATH) ? FRONT_PATH : path.join(REPO, 'dist', 'src', 'cli', 'bt.cjs'))],
];
const timing = !flag('--no-timing');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-startup-ab-'));
fs.chmodSync(dir, 0o1777); // the --sudo runs write their log as the user
const env: NodeJS.ProcessEnv = { ...process.env };
if (timing) env.BT_TIMING = '1';
if (flag('--sudo')) Object.assign(env, { SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' });

const walls = new Map<string, number[]>(named.map(([n]) => [n, []]));
const firsts = new Map<string, number[]>(named.map(([n]) => [n, []]));
try {
  for (let i = 0; i < runs; i++) {
    for (const [name, bt] of i % 2 ? [...named].reverse() : named) {
      const log = path.join(dir, `${name}-${i}.trace`);
      const runEnv = name === 'old' && oldEnv ? { ...env, [oldEnv[1]]: oldEnv[2] } : env;
      const r = spawnSync(WALLTIME, [bt, 'trace', '-q', '-o', log, '--', '/bin/true'], { env: runEnv, encoding: 'utf8' });
      const wall = /^walltime: (\d+) ns, status 0$/m.exec(r.stderr);
      if (!wall) throw new Error(`${bt} trace -- /bin/true failed: ${r.stderr}`);
      walls.get(name)!.push(Number(wall[1]) / 1e6);
      const build = parseTiming(r.stderr)?.build;
      if (build !== undefined) firsts.get(name)!.push(build);
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`bt trace -- /bin/true, ${runs} interleaved runs each${flag('--sudo') ? ' as under sudo' : ' as root'}${timing ? '' : ', without BT_TIMING'} (medians):`);
for (const [name, bt] of named) {
  const first = firsts.get(name)!;
  const firstText = first.length ? `, the build's first instruction at ${median(first).toFixed(1)} ms` : '';
  console.log(`${name} (${bt}${name === 'old' && oldEnv ? ` with ${oldEnv[0]}` : ''}): wall ${median(walls.get(name)!).toFixed(1)} ms${firstText}`);
}

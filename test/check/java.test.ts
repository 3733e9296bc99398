/**
 * bt check's hermeticity on synthetic Java builds: the JDK the build ran
 * (java.home, found by the lib/modules its programs read) and the homes of
 * gradle (GRADLE_USER_HOME, ~/.m2), maven (~/.m2) and ant (~/.ant) are
 * toolchain homes (check/toolchain.ts), allowed as GOROOT and CARGO_HOME
 * are and reported under --strict; gradle's case-sensitivity probe of its
 * own temporary file is noise; gradle's caches/ folds as a cache.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hermeticity } from '../../src/check/hermeticity.js';
import { Noise } from '../../src/check/noise.js';
import { toolchainRoots } from '../../src/check/toolchain.js';
import { buildFromRecords, type Build } from '../../src/model/index.js';
import { normalizeRecords } from '../../src/normalize/normalize.js';
import { cacheGroups } from '../../src/present/fold.js';
import { ENOENT, O_CREAT, O_EXCL, O_RDWR, TraceBuilder } from '../normalize/synth.js';

const JDK = '/home/u/.sdkman/candidates/java/17.0.9-tem';
const ENV = ['HOME=/home/u', 'PATH=/usr/bin:/bin'];

interface Run {
  exe: string;
  argv: string[];
  env?: string[];
  reads?: string[];
  probes?: string[];
  creates?: string[];
}

/** make (in /w) running each of `runs` as a job, one after the other. */
function build(runs: Run[]): Build {
  const t = new TraceBuilder(1, '/w', { command: ['make'] });
  t.exec(1, '/usr/bin/make', ['make'], '/w', { env: ENV });
  let pid = 1;
  for (const r of runs) {
    t.fork(1, ++pid);
    t.exec(pid, r.exe, r.argv, '/w', { env: r.env ?? ENV });
    for (const f of r.reads ?? []) {
      t.open(pid, f, { fd: 3 });
      t.close(pid, 3);
    }
    for (const f of r.creates ?? []) {
      t.open(pid, f, { fd: 3, flags: O_RDWR | O_CREAT | O_EXCL });
      t.close(pid, 3);
    }
    for (const f of r.probes ?? []) t.push(pid, { lookup: { op: 'newfstatat', path: f, dirfd: -100, flags: 0, mode: 0, errno: ENOENT } });
    t.exit(pid, 0);
  }
  t.exit(1, 0);
  const n = normalizeRecords(t.header, t.records);
  return buildFromRecords(n.header, n.records);
}

const found = (b: Build, strict = false) => hermeticity(b, new Noise(b), { strict }).map((f) => [f.file, f.uses.map((u) => u.path)]);

const javac: Run = { exe: `${JDK}/bin/javac`, argv: ['javac', '-d', 'out', 'A.java'], reads: [`${JDK}/lib/libjli.so`, `${JDK}/lib/modules`, `${JDK}/conf/security/java.security`, '/w/A.java'] };

test('the JDK javac ran from is a toolchain home: allowed, reported under --strict; a JDK only asked its version by a script is not', () => {
  const b = build([javac]);
  assert.deepEqual(toolchainRoots(b), ['/home/u/.config/git/config', '/home/u/.gitconfig', JDK]);
  assert.deepEqual(found(b), []);
  assert.deepEqual(found(b, true).filter(([d]) => d === JDK), [[JDK, [`${JDK}/bin/javac`, `${JDK}/lib/libjli.so`, `${JDK}/lib/modules`, `${JDK}/conf/security/java.security`]]]);
  // java -version: no Java build
  const version = build([{ exe: `${JDK}/bin/java`, argv: ['java', '-version'], reads: [`${JDK}/lib/modules`] }]);
  assert.deepEqual(found(version), [[JDK, [`${JDK}/bin/java`, `${JDK}/lib/modules`]]]);
});

const gradle = (env: string[], more: Partial<Run> = {}): Run => ({
  exe: `${JDK}/bin/java`,
  argv: ['java', '-Dorg.gradle.appname=gradle', '-classpath', '/home/u/.sdkman/candidates/gradle/8.5/lib/gradle-launcher-8.5.jar', 'org.gradle.launcher.GradleMain', 'build'],
  env,
  ...more,
});

test("gradle's user home, installation and ~/.m2 are toolchain homes; its case-sensitivity probe of its own file is noise, another missing name is not", () => {
  const b = build([
    gradle(ENV, {
      reads: [`${JDK}/lib/modules`, '/home/u/.sdkman/candidates/gradle/8.5/lib/gradle-core-8.5.jar', '/home/u/.gradle/caches/8.5/scripts/a/cp_proj/metadata.bin', '/home/u/.gradle/caches/8.5/fileHashes/fileHashes.bin'],
      creates: ['/tmp/gradle_fs_probing123.tmp'],
      probes: ['/home/u/.gradle/gradle.properties', '/home/u/.m2/settings.xml', '/TMP/GRADLE_FS_PROBING123.TMP', '/TMP/ELSE.TMP'],
    }),
  ]);
  assert.deepEqual(toolchainRoots(b).filter((d) => !d.includes('git')), ['/home/u/.gradle', '/home/u/.m2', '/home/u/.sdkman/candidates/gradle/8.5', JDK]);
  assert.deepEqual(found(b), [['/TMP', ['/TMP/ELSE.TMP']]]);
  // the caches fold into one group
  const groups = cacheGroups(b);
  const of = (p: string) => groups[b.file(p)!.id]?.name;
  assert.deepEqual([of('/home/u/.gradle/caches/8.5/fileHashes/fileHashes.bin'), of('/home/u/.gradle/gradle.properties')], ['/home/u/.gradle/caches/', undefined]);

  // GRADLE_USER_HOME moves the home (and the cache)
  const moved = build([gradle([...ENV, 'GRADLE_USER_HOME=/srv/gh'], { reads: [`${JDK}/lib/modules`, '/srv/gh/caches/x.bin', '/home/u/.gradle/caches/y.bin'] })]);
  assert.deepEqual(found(moved), [['/home/u/.gradle/caches', ['/home/u/.gradle/caches/y.bin']]]);
  assert.equal(cacheGroups(moved)[moved.file('/srv/gh/caches/x.bin')!.id]?.name, '/srv/gh/caches/');
});

test("maven's ~/.m2 and ant's ~/.ant and ~/.antrc are toolchain homes when they run", () => {
  const mvn = build([{ exe: '/usr/bin/java', argv: ['java', '-classpath', '/usr/share/maven/boot/plexus-classworlds-2.x.jar', '-Dmaven.home=/opt/maven', 'org.codehaus.plexus.classworlds.launcher.Launcher', 'package'], reads: ['/home/u/.m2/repository/junit/junit-4.13.jar', '/opt/maven/conf/settings.xml'] }]);
  assert.deepEqual(found(mvn), []);
  const ant = build([{ exe: '/usr/bin/java', argv: ['java', '-classpath', '/usr/share/ant/lib/ant-launcher.jar', 'org.apache.tools.ant.launch.Launcher'], probes: ['/home/u/.ant/lib', '/home/u/.antrc'] }]);
  assert.deepEqual(found(ant), []);
  // the same reads by a java that runs neither: findings
  const other = build([{ exe: '/usr/bin/java', argv: ['java', '-jar', 'tool.jar'], reads: ['/home/u/.m2/repository/junit/junit-4.13.jar'] }]);
  assert.deepEqual(found(other), [['/home/u/.m2/repository/junit', ['/home/u/.m2/repository/junit/junit-4.13.jar']]]);
});

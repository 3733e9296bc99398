/**
 * Facts about the build tools a JVM runs that more than one reader needs:
 * which tool a java process is (by its main class), and where gradle keeps
 * its user home (check/toolchain.ts allows it, present/fold.ts folds its
 * caches/).
 */
import { envMap } from './env.js';
import { baseName, dirName, normalizeAbs } from '../normalize/paths.js';

/** The build tool a JVM runs. */
export type JvmTool = 'gradle' | 'maven' | 'ant';

const MAIN_CLASSES: ReadonlyMap<string, JvmTool> = new Map([
  ['org.gradle.launcher.GradleMain', 'gradle'],
  ['org.gradle.launcher.daemon.bootstrap.GradleDaemon', 'gradle'],
  ['org.gradle.wrapper.GradleWrapperMain', 'gradle'],
  ['worker.org.gradle.process.internal.worker.GradleWorkerMain', 'gradle'],
  ['org.codehaus.plexus.classworlds.launcher.Launcher', 'maven'],
  ['org.apache.tools.ant.launch.Launcher', 'ant'],
]);

/** The build tool a process running `program` with `argv` is: a java whose main class is gradle's (launcher, daemon, wrapper, worker), maven's (plexus-classworlds) or ant's launcher. */
export function jvmTool(program: string, argv: readonly string[]): JvmTool | undefined {
  if (program !== 'java') return undefined;
  for (const a of argv) {
    const t = MAIN_CLASSES.get(a);
    if (t) return t;
  }
  return undefined;
}

/** The value of a `-DNAME=VALUE` system property on a JVM's command line. */
export function jvmProperty(argv: readonly string[], name: string): string | undefined {
  const prefix = `-D${name}=`;
  return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) || undefined;
}

/** `dir` (absolute) without a trailing slash or dot components; undefined for a relative or empty one. */
function absDir(dir: string | undefined): string | undefined {
  return dir?.startsWith('/') ? normalizeAbs(dir) : undefined;
}

/** Gradle's user home for a gradle JVM: $GRADLE_USER_HOME, else -Dgradle.user.home, else $HOME/.gradle. */
export function gradleUserHome(env: readonly string[], argv: readonly string[]): string | undefined {
  const vars = envMap(env);
  const set = absDir(vars.get('GRADLE_USER_HOME') || jvmProperty(argv, 'gradle.user.home'));
  if (set !== undefined) return set;
  const home = absDir(vars.get('HOME'));
  return home === undefined ? undefined : `${home === '/' ? '' : home}/.gradle`;
}

/** Gradle's installation: the directory above the lib/ of the gradle-launcher jar on a gradle JVM's class path. */
export function gradleInstallation(argv: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < argv.length; i++) {
    if (argv[i] !== '-cp' && argv[i] !== '-classpath' && argv[i] !== '--class-path') continue;
    for (const jar of argv[i + 1].split(':')) {
      if (/^gradle-launcher-[^/]*\.jar$/.test(baseName(jar)) && baseName(dirName(jar)) === 'lib') return absDir(dirName(dirName(jar)));
    }
  }
  return undefined;
}

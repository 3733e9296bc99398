/**
 * The phases of a build: the steps that each ran to their own end, one
 * after the other, such as `./configure` then `make`. bt graph --focus
 * follows a file's provenance within the phase that made it (deps.ts
 * depsScope).
 *
 * A process's phase is, from the outermost in:
 *
 *  - its outermost configure step (isConfigureStep): autoconf's configure
 *    or config.status, cmake's configure step, meson setup, with all they
 *    ran, wherever they ran (binutils' make runs bfd/configure, and
 *    `./config.status bfd.h`);
 *  - else its topmost build driver (make, with its sub-makes and their
 *    jobs: recursive make is one phase);
 *  - else its unit (model/jobs.ts: a job of the root, `./gen.sh > x.h`
 *    run before make by the shell bt traced; or the root itself).
 *
 * A build that is one driver with no configure step in it (`bt trace --
 * make`) is one phase.
 *
 * The steps bt summary lists one after the other (stepOf) are the
 * outermost of these: a configure step a build driver ran (binutils' make
 * running bfd/configure, CMake's `cmake --check-build-system` run by the
 * Makefiles of `cmake --build`) ran inside the driver's step, not after it,
 * so it is part of that step there, while --focus still stops at what it
 * made.
 *
 * What a configure step runs (configureStepOf) probes the system: bt
 * export compile-commands leaves its compiles out.
 */
import { programName, type Build, type Process } from '../model/index.js';

const AUTOCONF = new Set(['configure', 'config.status']);
/** gyp, which writes node-gyp's Makefiles (`python3 …/gyp_main.py binding.gyp -f make …`), by its script's name. */
const GYP = new Set(['gyp', 'gyp_main.py']);
/** cmake options of its modes that are not the configure step. */
const CMAKE_NOT_CONFIGURE = new Set(['--build', '--install', '--open', '-E', '-P', '--help', '--version']);

/**
 * A configure step: autoconf's configure or config.status, cmake configuring (not --build, -E, -P), meson setup, configure or regenerate, gyp.
 * By the command as its caller ran it (a #! script: meson's `meson setup`, not its interpreter's `python3 /usr/bin/meson setup`).
 */
export function isConfigureStep(p: Pick<Process, 'argv' | 'exe' | 'pid' | 'invoked'>): boolean {
  const argv = p.invoked ?? p.argv;
  const name = programName({ argv, exe: p.exe, pid: p.pid });
  if (AUTOCONF.has(name) || GYP.has(name)) return true;
  const args = argv.slice(1);
  if (name === 'cmake') return args.length > 0 && !args.some((a) => CMAKE_NOT_CONFIGURE.has(a));
  if (name === 'meson') return args[0] === 'setup' || args[0] === 'configure' || (args[0] === '--internal' && args[1] === 'regenerate');
  return false;
}

interface Place {
  phase: number;
  step: number;
  /** The outermost configure step it ran in (itself or an ancestor), if any. */
  configure?: number;
}

/** Per build, per process: its phase, its step and its configure step (phaseOf, stepOf, configureStepOf). */
const phasesOf = new WeakMap<Build, Map<number, Place>>();

/** The phase of process `proc` (see the module's comment): the proc id of the process it starts at. */
export function phaseOf(build: Build, proc: number): number {
  return placeOf(build, proc).phase;
}

/**
 * The step of the build process `proc` ran in, as bt summary lists them
 * (see the module's comment): its outermost configure step or build
 * driver, else its unit; the proc id of the process it starts at.
 */
export function stepOf(build: Build, proc: number): number {
  return placeOf(build, proc).step;
}

/**
 * The outermost configure step process `proc` ran in (isConfigureStep: it
 * or an ancestor), wherever that ran (a configure make ran too), if any:
 * the proc id of the process it starts at. What a configure step compiles
 * probes the toolchain and the system (conftest.c, CMake's compiler
 * identification and try-compiles, meson's sanity checks): it builds
 * nothing of the project.
 */
export function configureStepOf(build: Build, proc: number): number | undefined {
  return placeOf(build, proc).configure;
}

/** Whether process `proc` ran in a configure step (isConfigureStep: it or a process above it is one). */
export function inConfigureStep(build: Build, proc: number): boolean {
  return configureStepOf(build, proc) !== undefined;
}

function placeOf(build: Build, proc: number): Place {
  let memo = phasesOf.get(build);
  if (!memo) phasesOf.set(build, (memo = new Map()));
  let place = memo.get(proc);
  if (place !== undefined) return place;
  let configure: number | undefined;
  let driver: number | undefined;
  let outer: number | undefined;
  for (let p = build.process(proc); p; p = p.parent ? build.process(p.parent) : undefined) {
    const step = isConfigureStep(p);
    if (step) configure = p.proc;
    if (build.jobs.runsDriver(p.proc)) driver = p.proc;
    if (step || driver === p.proc) outer = p.proc;
  }
  const unit = outer === undefined ? (build.jobs.unit(proc)?.proc ?? proc) : proc; // outer set: configure or driver is too
  place = { phase: configure ?? driver ?? unit, step: outer ?? unit, ...(configure === undefined ? {} : { configure }) };
  memo.set(proc, place);
  return place;
}

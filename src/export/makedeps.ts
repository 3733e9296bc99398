/**
 * bt export makedeps: make dependency rules from what the build did. For
 * every file a job wrote and left behind: `OUTPUT: INPUT…`, its inputs
 * being what that job read and had not made itself (several jobs writing
 * one file: the union). Then, like gcc -MP, an empty rule for every input
 * that is not itself a target, so that make does not stop when one goes
 * away. Paths are absolute. Runtime noise is left out: /proc, /sys, /dev,
 * /run, shared libraries, the loader cache, locale and gconv data.
 *
 * Escaping (GNU make): `$` -> `$$`, and a backslash before space, tab, `#`
 * and `:` (and `%` in targets, which would otherwise make a pattern rule).
 * A name make cannot hold (a newline, a trailing backslash) is skipped with
 * a comment.
 */
import { ExportError } from '../errors.js';
import type { Build } from '../model/index.js';

const NOISE = /^\/(?:proc|sys|dev|run)\/|\.so(?:\.\d+)*$|^\/etc\/ld\.so\.cache$|^\/usr\/(?:lib|share)\/locale\/|\/gconv\//;

export function isNoise(path: string): boolean {
  return NOISE.test(path);
}

/** True if make can name this file at all. */
function nameable(p: string): boolean {
  return !/[\n\r\0]/.test(p) && !p.endsWith('\\');
}

/** A file name as a make prerequisite. */
export function escapePrereq(p: string): string {
  return p.replace(/\$/g, '$$$$').replace(/([ \t#:])/g, '\\$1');
}

/** A file name as a make target. */
export function escapeTarget(p: string): string {
  return escapePrereq(p).replace(/%/g, '\\%');
}

export interface Rule {
  output: string;
  inputs: string[];
}

/** The rules of a build: outputs in order of first use, inputs likewise. */
export function depRules(build: Build): Rule[] {
  const files = build.model.files;
  const inputsOf = new Map<number, Set<number>>();
  for (const job of build.jobs.jobs) {
    const inputs = job.inputs.filter((f) => !isNoise(files[f].path));
    for (const out of job.outputs) {
      if (isNoise(files[out].path)) continue;
      let s = inputsOf.get(out);
      if (!s) inputsOf.set(out, (s = new Set()));
      for (const i of inputs) if (i !== out) s.add(i);
    }
  }
  return [...inputsOf.keys()]
    .sort((a, b) => a - b)
    .map((out) => ({ output: files[out].path, inputs: [...inputsOf.get(out)!].sort((a, b) => a - b).map((i) => files[i].path) }));
}

/** The rules as make text, written in pieces to `write` (about a line each). `outputOf`: only the rule of that file (a path, or a unique end of one). */
export function makedeps(build: Build, write: (text: string) => void, opts: { outputOf?: string } = {}): void {
  let rules = depRules(build);
  if (opts.outputOf !== undefined) {
    const targets = new Set(rules.map((r) => r.output));
    const f = build.resolveFile(opts.outputOf, (x) => targets.has(x.path));
    rules = rules.filter((r) => r.output === f.path);
    if (!rules.length) {
      throw new ExportError('E_USAGE', `${f.path} is not an output of any job of this build: give a file the build wrote (bt export makedeps lists them all)`);
    }
  }
  const targets = new Set(rules.map((r) => r.output));
  const skipped = new Set<string>();
  const ok = (p: string): boolean => {
    if (nameable(p)) return true;
    skipped.add(p);
    return false;
  };
  const phony = new Set<string>();
  for (const r of rules) {
    if (!ok(r.output)) continue;
    let line = `${escapeTarget(r.output)}:`;
    for (const i of r.inputs) {
      if (!ok(i)) continue;
      line += ` ${escapePrereq(i)}`;
      if (!targets.has(i)) phony.add(i);
    }
    write(`${line}\n`);
  }
  if (phony.size) write('\n');
  for (const p of phony) write(`${escapeTarget(p)}:\n`);
  for (const p of skipped) write(`# skipped: make cannot name ${JSON.stringify(p)}\n`);
}

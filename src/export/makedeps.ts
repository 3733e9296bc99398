/**
 * bt export makedeps: make dependency rules from what the build did. For
 * every file a job wrote and left behind: `OUTPUT: INPUT…`, its inputs
 * being what the processes of that job that made THAT file read and the
 * job had not made itself (several jobs writing one file: the union). The
 * processes that made a file (producers): those of the job that wrote it,
 * with their subprocesses (a shell's `cat a > b`), and, for each file one
 * of them read after the job wrote it (gcc's /tmp/cc*.s), the process that
 * wrote it last before that read, with its subprocesses, and so on back; a
 * file renamed or linked into place counts as read by the process that
 * moved it, a pipe as read from the processes that hold its write end. So
 * `gcc -MD -c m1.c m2.c` gives m1.o (as <- cc1) and m1.d (cc1) what cc1
 * read for m1.c, as gcc's own m1.d does, not m2.c's. A copy tool's copy
 * (`cp A B DIR`, install) has its own source, not the others (bt deps'
 * rule, model/jobs.ts madeOf). A file a driver (a
 * process in no job) renamed or hard-linked into place from what a job
 * wrote (cargo's target/debug/app from deps/app-HASH, go's ./app from its
 * link job's a.out, gone at the end) has the inputs of its source, as bt
 * deps follows it (model/jobs.ts movedOnto); the driver's other writes,
 * its own bookkeeping, have no rule. Nor has a copy a driver wrote (go
 * across file systems): the log's accesses merge every open of a file by
 * a process, so a file read early and late looks open across every write
 * between (go generate's cache entries), and a copy cannot be told apart. Then, like gcc -MP, an empty rule for every input
 * that is not itself a target, so that make does not stop when one goes
 * away. Paths are absolute. Runtime noise is left out by the rule bt deps
 * uses (answers/groups.ts pathNoiseOf, linkInputOf): /proc, /sys, /dev,
 * /run, shared libraries the build did not write, the loader and its
 * files, locale, time-zone and name-service data; but a shared library the
 * job's linker read as a link input (libstdc++.so, the linker script
 * libc.so) is an input of that job's outputs, so the rule relinks when it
 * changes.
 *
 * Escaping (GNU make): `$` -> `$$`, and a backslash before space, tab, `#`,
 * `:` and the wildcard characters `*?[]` (and `%` in targets, which would
 * otherwise make a pattern rule). A name make cannot hold in a rule is
 * skipped with a comment: a newline, a backslash before a character
 * escaped here or at the end (make's rules for those differ by position:
 * `q\#r` would become a comment), `;` (starts a
 * recipe), `=` (makes the line an assignment), `|` (order-only) and
 * parentheses (an archive member). Names are written as their exact bytes.
 */
import { ExportError } from '../errors.js';
import { linkInputOf, pathNoiseOf } from '../answers/groups.js';
import { Kind, WRITES, type Build, type Job } from '../model/index.js';

/** True if make can name this file in a rule. */
function nameable(p: string): boolean {
  return !/[\n\r\0;=|()]|\\(?=[\\ \t#:*?[\]%]|$)/.test(p);
}

/** A file name as a make prerequisite. */
export function escapePrereq(p: string): string {
  return p.replace(/\$/g, '$$$$').replace(/([ \t#:*?[\]])/g, '\\$1');
}

/** A file name as a make target. */
export function escapeTarget(p: string): string {
  return escapePrereq(p).replace(/%/g, '\\%');
}

export interface Rule {
  output: string;
  /** The output's file id in the build model. */
  id: number;
  inputs: string[];
}

/**
 * The inputs of each output of one job: what its producers read that the
 * job did not make (see the file comment); the job's inputs when no
 * producer is known.
 */
function jobDeps(build: Build, job: Job, linksTo: ReadonlyMap<number, number[]>, made: readonly number[]): Map<number, number[]> {
  const members = new Set(job.procs);
  const inputs = new Set(job.inputs);
  const pipeWriters = new Map<number, number[]>();
  for (const id of job.procs) {
    for (const k of build.process(id)!.pipeWrite) {
      const w = pipeWriters.get(k);
      if (w) w.push(id);
      else pipeWriters.set(k, [id]);
    }
  }
  // the job's writes by file (a header's accesses are thousands of processes: not searched per read)
  const writesOf = new Map<number, Array<{ proc: number; at: number }>>();
  for (const id of job.procs) {
    for (const a of build.process(id)!.files.values()) {
      if (!(a.kinds & WRITES) || a.firstWrite < 0) continue;
      const w = writesOf.get(a.file);
      if (w) w.push({ proc: id, at: a.firstWrite });
      else writesOf.set(a.file, [{ proc: id, at: a.firstWrite }]);
    }
  }
  /** The last process of the job (other than `reader`) to write `file` before `before`. */
  const lastWriter = (file: number, reader: number, before: number): number | undefined => {
    let best: number | undefined;
    let at = -Infinity;
    for (const w of writesOf.get(file) ?? []) {
      if (w.proc === reader || w.at > before) continue;
      if (w.at >= at) {
        at = w.at;
        best = w.proc;
      }
    }
    return best;
  };
  const out = new Map<number, number[]>();
  // outputs written by the same processes share one walk (a `cp -r` of 20,000 files: one walk, not 20,000)
  const byWriters = new Map<string, number[]>();
  for (const file of made) {
    const key = (writesOf.get(file) ?? []).map((w) => w.proc).sort((a, b) => a - b).join(',');
    const known = key ? byWriters.get(key) : undefined;
    if (known) {
      out.set(file, known);
      continue;
    }
    const seen = new Set<number>();
    const deps = new Set<number>();
    const stack: number[] = [];
    const add = (proc: number): void => {
      // a producer and its subprocesses in the job (drivers' children are jobs of their own)
      const todo = [proc];
      while (todo.length) {
        const id = todo.pop()!;
        if (seen.has(id) || !members.has(id)) continue;
        seen.add(id);
        stack.push(id);
        todo.push(...build.process(id)!.children);
      }
    };
    for (const w of writesOf.get(file) ?? []) add(w.proc);
    const read = (proc: number, f: number, at: number): void => {
      const w = lastWriter(f, proc, at);
      if (w !== undefined) add(w);
      else if (inputs.has(f)) deps.add(f);
    };
    while (stack.length) {
      const p = build.process(stack.pop()!)!;
      for (const a of p.files.values()) {
        if (a.kinds & Kind.READ) {
          // read what it had written itself first: its own
          if (a.firstWrite < 0 || a.first < a.firstWrite) read(p.proc, a.file, a.last);
        }
        if (a.kinds & Kind.RENAME_TO || (a.kinds & Kind.CREATE && linksTo.has(a.file))) {
          for (const from of linksTo.get(a.file) ?? []) read(p.proc, from, a.firstWrite);
        }
      }
      for (const k of p.pipeRead) for (const w of pipeWriters.get(k) ?? []) add(w);
    }
    const list = seen.size ? [...deps] : job.inputs;
    if (key) byWriters.set(key, list);
    out.set(file, list);
  }
  return out;
}

/** The rules of a build: outputs in order of first use, inputs likewise. */
export function depRules(build: Build): Rule[] {
  const files = build.model.files;
  const inputsOf = new Map<number, Set<number>>();
  // renames and hard links, by destination: the sources
  const linksTo = new Map<number, number[]>();
  for (const l of build.model.links) {
    const from = linksTo.get(l.to);
    if (from) from.push(l.from);
    else linksTo.set(l.to, [l.from]);
  }
  const noise = pathNoiseOf(build);
  const jobs = build.jobs;
  // what drivers moved into place, and from what
  const placed: Array<{ to: number; from: number[] }> = [];
  for (const p of build.model.processes) {
    if (jobs.of(p.proc)) continue;
    const unit = jobs.unit(p.proc)!;
    for (const to of unit.outputs) {
      const from = jobs.movedOnto(unit, to);
      if (from.length && !noise[to]) placed.push({ to, from });
    }
  }
  const sources = new Set(placed.flatMap((p) => p.from));
  // the inputs of a job's files: those it left, and those a driver moved away (go's a.out)
  const jobInputs = new Map<number, Set<number>>();
  for (const job of jobs.jobs) {
    const outputs = new Set(job.outputs);
    const made = job.written.filter((f) => !files[f].dir && (outputs.has(f) || sources.has(f)));
    const deps = jobDeps(build, job, linksTo, made);
    // as in bt deps: noise, but for a link input of this job's linker
    const keep = (id: number) => !noise[id] || linkInputOf(build, id, job.procs);
    for (const out of made) {
      if (noise[out]) continue;
      let s = jobInputs.get(out);
      if (!s) jobInputs.set(out, (s = new Set()));
      // a copy of several files' (cp A B DIR): of its own source, as bt deps (model/jobs.ts madeOf)
      const copied = jobs.madeOf(job, out);
      for (const i of deps.get(out)!) if (i !== out && keep(i) && (!copied || copied(i))) s.add(i);
    }
  }
  for (const job of jobs.jobs) for (const out of job.outputs) if (jobInputs.has(out)) inputsOf.set(out, jobInputs.get(out)!);
  for (const { to, from } of placed) {
    let s = inputsOf.get(to);
    for (const f of from) {
      if (!jobInputs.has(f)) continue;
      if (!s) inputsOf.set(to, (s = new Set()));
      for (const i of jobInputs.get(f)!) if (i !== to) s.add(i);
    }
  }
  return [...inputsOf.keys()]
    .sort((a, b) => a - b)
    .map((out) => ({ output: files[out].path, id: out, inputs: [...inputsOf.get(out)!].sort((a, b) => a - b).map((i) => files[i].path) }));
}

/**
 * The rules as make text, written in pieces to `write` (about a line each).
 * `outputOf`: only the rule of that file (a path, or a unique end of one);
 * `files`: only the rules of the outputs it keeps (a display filter's files: export/select.ts).
 */
export function makedeps(build: Build, write: (text: string) => void, opts: { outputOf?: string; files?: (id: number) => boolean } = {}): void {
  let rules = depRules(build);
  if (opts.outputOf !== undefined) {
    const targets = new Set(rules.map((r) => r.output));
    const f = build.resolveFile(opts.outputOf, (x) => targets.has(x.path));
    rules = rules.filter((r) => r.output === f.path);
    if (!rules.length) {
      throw new ExportError('E_USAGE', `${f.path} has no rule: no job of this build wrote it, and no driver moved it into place from a file a job wrote (bt export makedeps lists every rule)`);
    }
  }
  const keep = opts.files;
  if (keep) rules = rules.filter((r) => keep(r.id));
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

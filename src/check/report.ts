/** bt check's output: text for people, JSON for scripts. Formatting goes through src/present/. */
import { programName, type Build } from '../model/index.js';
import { commandLine, count, counted, displayPath, pathShower, plural, showDirName } from '../present/format.js';
import { commandIn } from '../present/label.js';
import { KIND_ORDER, type Finding, type JobRef } from './finding.js';
import type { CheckResult } from './index.js';

/** Uses listed per finding in text (JSON has them all). */
const MAX_USES = 12;

const sec = (s: number) => `+${s.toFixed(6)}`;

/** The build's exit status, null when the log has no trailer. */
function exitStatus(build: Build): number | null {
  return build.model.trailer ? (build.model.trailer.exit_status ?? 0) : null;
}

/** The log does not hold the whole build: no trailer (bt was killed, or still traces), torn, or its counts disagree. */
export function incomplete(build: Build): boolean {
  return build.model.incomplete || build.model.live || !!build.damage.torn || !!build.damage.trailerMismatch;
}

/** The JSON document: what was checked and every finding. */
export function checkJson(build: Build, res: CheckResult): object {
  return {
    command: build.header.command ?? [],
    start_dir: build.startDir,
    exit_status: exitStatus(build),
    incomplete: incomplete(build),
    checked: res.checked,
    count: res.findings.length,
    findings: res.findings.map((f) => ({
      kind: f.kind,
      file: f.file,
      ...(f.files !== undefined ? { files: f.files } : {}),
      ...(f.target !== undefined ? { target: f.target } : {}),
      jobs: f.jobs,
      detail: f.detail,
      ...(f.fix !== undefined ? { fix: f.fix } : {}),
      time: f.time,
      uses: f.uses,
    })),
  };
}

/** Counts per kind: "1 write-write, 2 hermeticity". */
function counts(fs: readonly Finding[]): string {
  return KIND_ORDER.map((k) => [k, fs.filter((f) => f.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

function jobLine(build: Build, j: JobRef): string {
  const what = build.jobs.get(j.proc) ? 'job' : 'process';
  return `    ${what} ${j.proc}  ${sec(j.start)}..${sec(j.end)}  ${commandIn(j.argv, 160)}`;
}

/** The text report: paths under the start directory relative to it, unless `absolute` (--absolute). */
export function checkText(build: Build, res: CheckResult, opts: { absolute?: boolean } = {}): string {
  const start = build.startDir || '/';
  const show = pathShower(start, opts);
  const status = exitStatus(build);
  const what =
    `${commandLine(build.header.command ?? [], 80)} in ${start} (exit status ${status ?? 'unknown'}` +
    `${build.model.live ? ', still being traced: the build so far' : incomplete(build) ? ', log incomplete: the build as far as recorded' : ''})`;
  const lines: string[] = [];
  if (!res.findings.length) {
    lines.push(`bt check: nothing found in ${what} (checked: ${res.checked.join(', ')})`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`bt check: ${plural(res.findings.length, 'finding')} in ${what}: ${counts(res.findings)} (checked: ${res.checked.join(', ')})`);
  for (const f of res.findings) {
    lines.push('');
    // a hermeticity finding's directory; many files of one recipe (grouped.ts) by their count and directory
    const file =
      f.kind === 'hermeticity' ? `${displayPath(f.file.replace(/\/$/, ''))}/` : f.files !== undefined ? `${counted(f.files, 'file')} in ${showDirName(show, `${f.file}/`)}` : show(f.file);
    lines.push(`${f.kind}  ${file}${f.target !== undefined ? `  (target ${show(f.target)})` : ''}`);
    lines.push(`  ${f.detail}`);
    if (f.fix !== undefined) lines.push(`  fix: ${f.fix}`);
    for (const j of f.jobs) lines.push(jobLine(build, j));
    for (const u of f.uses.slice(0, MAX_USES)) {
      // a hermeticity finding's files by their full path (the build may have files of the same names)
      const name = f.kind === 'hermeticity' ? displayPath(u.path) : show(u.path);
      lines.push(`    ${sec(u.time)}  ${u.access.join('+')}  ${name}  (${who(build, u.proc)})`);
    }
    if (f.uses.length > MAX_USES) lines.push(`    … and ${count(f.uses.length - MAX_USES)} more (--json lists them all)`);
  }
  return `${lines.join('\n')}\n`;
}

/** "cp in job 5", "job 5" (its root), "make (process 1)". */
function who(build: Build, proc: number): string {
  const p = build.process(proc);
  if (!p) return `process ${proc}`;
  if (!p.job) return `${programName(p)}, process ${proc}`;
  return p.job === proc ? `job ${proc}` : `${programName(p)} in job ${p.job}`;
}

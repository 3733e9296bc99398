/**
 * npm run bench, extra section: bt export (every format) and bt sql on a
 * synthetic raw log the size of the kernel-build log of the README
 * (~1.63M records; the generator of normalize-graph.ts: a make -j2 build of
 * ~5,500 compile jobs with argv and environments). Exports read the raw log
 * as a user would (normalized on the fly). Each step runs in its own `node`
 * child so that its peak RSS is its own. bt sql counts over the log, over 10
 * copies of it (each loaded on the fly) and over 10 copies of its Parquet
 * export.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { generateLog } from './normalize-graph.js';

const SELF = fileURLToPath(import.meta.url);
const RECORDS = Number(process.env.BT_BENCH_EXPORT_RECORDS ?? 1_630_000);
const FORMATS = ['compile-commands', 'perfetto', 'chrome-trace', 'makedeps', 'jsonl', 'parquet'] as const;

interface StepResult {
  seconds: number;
  /** user + system CPU seconds */
  cpu?: number;
  maxRssKiB: number;
  bytes?: number;
  records?: number;
  rows?: string;
  /** perfetto: what decoding the file back found */
  decoded?: string;
}

/** Decodes a .pftrace with the schema bt writes and checks it against the log's model: tracks, slices, flows. */
async function checkPerfetto(file: string, log: string): Promise<string> {
  const { traceType } = await import('../../src/export/perfetto.js');
  const TraceType = traceType();
  const { loadBuild } = await import('../../src/model/index.js');
  const trace = TraceType.toObject(TraceType.decode(fs.readFileSync(file)), { longs: Number, enums: Number }) as {
    packet: Array<{ track_descriptor?: { uuid: number; parent_uuid?: number }; track_event?: { type: number; track_uuid: number; flow_ids?: number[]; terminating_flow_ids?: number[] } }>;
  };
  const m = loadBuild(log).model;
  let tracks = 0;
  let nested = 0;
  let begins = 0;
  let ends = 0;
  let flows = 0;
  let terminating = 0;
  for (const p of trace.packet) {
    if (p.track_descriptor && p.track_descriptor.uuid >= 1000) {
      tracks++;
      if ((p.track_descriptor.parent_uuid ?? 0) >= 1000) nested++;
    }
    const e = p.track_event;
    if (!e) continue;
    if (e.type === 1) begins++;
    if (e.type === 2) ends++;
    flows += e.flow_ids?.length ?? 0;
    terminating += e.terminating_flow_ids?.length ?? 0;
  }
  const n = m.processes.length;
  const children = m.processes.filter((p) => p.parent).length;
  const ok = tracks === n && nested === children && begins === n && ends === n && flows === children && terminating === children;
  if (!ok) throw new Error(`perfetto decode mismatch: ${tracks}/${n} tracks, ${nested}/${children} nested, ${begins}/${ends} slices, ${flows}/${terminating} flows`);
  return `decoded back: ${n.toLocaleString('en')} process tracks (${children.toLocaleString('en')} nested under their parent), ${n.toLocaleString('en')} slices, ${children.toLocaleString('en')} flows, as in the model`;
}

function sizeOf(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((n, f) => n + sizeOf(path.join(p, f)), 0);
}

async function childMain(args: string[]): Promise<void> {
  const [step, a, b, ...rest] = args;
  const t0 = process.hrtime.bigint();
  const res: StepResult = { seconds: 0, maxRssKiB: 0 };
  if (step === 'generate') {
    res.records = generateLog(a, Number(b));
    res.bytes = fs.statSync(a).size;
  } else if (step === 'export') {
    const format = b;
    const out = rest[0];
    if (format === 'parquet') {
      const { exportParquet } = await import('../../src/export/parquet.js');
      const { rows } = await exportParquet(a, out);
      res.rows = Object.entries(rows).map(([t, n]) => `${n.toLocaleString('en')} ${t}`).join(', ');
    } else {
      const { exportTo } = await import('../../src/export/index.js');
      const { fileSink } = await import('../../src/export/sink.js');
      const sink = fileSink(out);
      await exportTo(format as (typeof FORMATS)[number], a, {}, sink);
      sink.close();
    }
    res.bytes = sizeOf(out);
    if (format === 'perfetto' && rest[1] === 'check') {
      res.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const u = process.resourceUsage();
      res.maxRssKiB = u.maxRSS;
      res.cpu = (u.userCPUTime + u.systemCPUTime) / 1e6;
      res.decoded = await checkPerfetto(out, a);
      process.stdout.write(`${JSON.stringify(res)}\n`);
      return;
    }
  } else if (step === 'sql') {
    const { openBuildDb } = await import('../../src/sql/index.js');
    const db = await openBuildDb(rest);
    try {
      const r = await db.query(a);
      res.rows = String(r.rows[0][0]);
    } finally {
      db.close();
    }
  } else {
    throw new Error(`unknown step ${step}`);
  }
  res.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const u = process.resourceUsage();
  res.maxRssKiB = u.maxRSS;
  res.cpu = (u.userCPUTime + u.systemCPUTime) / 1e6;
  process.stdout.write(`${JSON.stringify(res)}\n`);
}

async function step(...args: string[]): Promise<StepResult> {
  const r = await execa(process.execPath, [SELF, ...args], { reject: false });
  if (r.exitCode !== 0) throw new Error(`bench ${args[0]} failed: ${String(r.stderr).trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(String(r.stdout).trim().split('\n').pop() as string) as StepResult;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const rss = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-export-'));
  try {
    const log = path.join(dir, 'build.trace');
    const gen = await step('generate', log, String(RECORDS));
    console.log(`## bt export and bt sql (synthetic raw make -j2 log: ${(gen.records ?? 0).toLocaleString('en')} records, ${mib(gen.bytes ?? 0)})`);
    const ext: Record<string, string> = { 'compile-commands': 'json', perfetto: 'pftrace', 'chrome-trace': 'json', makedeps: 'd', jsonl: 'jsonl', parquet: 'parquet.d' };
    for (const f of FORMATS) {
      const out = path.join(dir, `out-${f}.${ext[f]}`);
      const r = await step('export', log, f, out, ...(f === 'perfetto' ? ['check'] : []));
      const ratio = f === 'parquet' ? `, ${((gen.bytes ?? 0) / (r.bytes ?? 1)).toFixed(1)}x smaller than the log (${r.rows})` : '';
      console.log(`bt export ${f}: ${r.seconds.toFixed(1)} s (CPU ${r.cpu?.toFixed(1)} s), peak RSS ${rss(r.maxRssKiB)}, output ${mib(r.bytes ?? 0)}${ratio}`);
      if (r.decoded) console.log(`  ${r.decoded}`);
      if (f !== 'parquet') fs.rmSync(out, { force: true });
    }
    const pq = path.join(dir, `out-parquet.parquet.d`);
    const logs10: string[] = [];
    const pq10: string[] = [];
    for (let i = 0; i < 10; i++) {
      const l = path.join(dir, `copy-${i}.trace`);
      fs.copyFileSync(log, l);
      logs10.push(l);
      const d = path.join(dir, `copy-${i}.parquet.d`);
      fs.cpSync(pq, d, { recursive: true });
      pq10.push(d);
    }
    const q1 = 'SELECT count(*) FROM processes';
    const q2 = 'SELECT count(*) FROM events';
    const rows = [
      [`\`${q1}\` over the log`, await step('sql', q1, '', log)],
      [`\`${q1}\` over 10 copies of the log`, await step('sql', q1, '', ...logs10)],
      [`\`${q2}\` over the log`, await step('sql', q2, '', log)],
      [`\`${q2}\` over 10 copies of its Parquet export`, await step('sql', q2, '', ...pq10)],
    ] as const;
    for (const [what, r] of rows) console.log(`bt sql ${what}: ${r.seconds.toFixed(1)} s (CPU ${r.cpu?.toFixed(1)} s), peak RSS ${rss(r.maxRssKiB)} (= ${Number(r.rows).toLocaleString('en')})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  childMain(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}

/**
 * bt export perfetto: the build as a Perfetto trace (.pftrace: a `Trace` of
 * `TracePacket`s with TrackEvents; schema subset in proto/perfetto_subset.proto).
 *
 *  - a root track named after the build's command; under it one track per
 *    process, nested by parent (the track tree is the process tree), with one
 *    slice: the process's life, named by tool, with args command, cwd, exe,
 *    pid, exit, files_read, files_written; or, with `lanes`, one track per
 *    lane (timeline.ts) in which the slices nest, for builds with too many
 *    processes for one track each;
 *  - a flow from each process's slice to each child's slice;
 *  - instants on the process's track for each failed exec and a failing exit;
 *  - a counter track "running processes";
 *  - event names, annotation names and repeated string values (cwd, exe)
 *    are interned on the one packet sequence.
 * Timestamps are the log's CLOCK_BOOTTIME ns, Perfetto's default trace clock.
 */
import path from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_PATH } from '../log/schema.js';
import type { Build } from '../model/index.js';
import type { Sink } from './sink.js';
import { timeline, type Timeline } from './timeline.js';

export const PERFETTO_PROTO = path.join(path.dirname(PROTO_PATH), 'perfetto_subset.proto');
let types: { trace: protobuf.Type; packet: protobuf.Type } | undefined;
/** The types of Perfetto's schema subset, parsed on first use (not at every bt's start-up). */
function perfettoTypes(): { trace: protobuf.Type; packet: protobuf.Type } {
  if (!types) {
    const root = new protobuf.Root().loadSync(PERFETTO_PROTO, { keepCase: true });
    types = { trace: root.lookupType('perfetto.protos.Trace'), packet: root.lookupType('perfetto.protos.TracePacket') };
  }
  return types;
}
/** perfetto.protos.Trace: what a .pftrace file is. */
export const traceType = (): protobuf.Type => perfettoTypes().trace;

export const SEQ = 1;
export const ROOT_UUID = 1;
export const COUNTER_UUID = 2;
/** Track uuid of a process's track. */
export const procUuid = (proc: number): number => 1000 + proc;
/** Track uuid of a lane's track (--lanes). */
export const laneUuid = (lane: number): number => 1_000_000_000 + lane;

export interface PerfettoOptions {
  /** One track per lane instead of one per process. */
  lanes?: boolean;
}

const SLICE_BEGIN = 1;
const SLICE_END = 2;
const INSTANT = 3;
/** TrackDescriptor.ChildTracksOrdering.EXPLICIT: children in sibling_order_rank order (1 would sort them by name). */
const ORDER_EXPLICIT = 3;
const COUNTER = 4;
const INCREMENTAL_STATE_CLEARED = 1;
const NEEDS_INCREMENTAL_STATE = 2;
const UNIT_COUNT = 2;

/** Interning tables of the sequence: new entries go into the next packet. */
class Interner {
  private readonly ids = new Map<string, number>();
  private pending: Array<{ iid: number; name: string }> = [];
  get(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(s, id);
      this.pending.push({ iid: id, name: s });
    }
    return id;
  }
  take(): Array<{ iid: number; name: string }> {
    const p = this.pending;
    this.pending = [];
    return p;
  }
}

interface Ev {
  ts: number;
  /** Order among events at the same ts (see writePerfetto). */
  seq: number;
  /** Then ascending, element by element (lanes: inner slices end first, outer ones begin first). */
  tie: number[];
  event: Record<string, unknown>;
}

/** Writes one packet as field 1 of Trace (so the file is a valid Trace message). */
function writePacket(sink: Sink, packet: Record<string, unknown>): void {
  const Packet = perfettoTypes().packet;
  const body = Packet.encode(Packet.fromObject(packet)).finish();
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).uint32(body.length);
  sink.write(w.finish());
  sink.write(body);
}

/** The Perfetto trace of a timeline, written to `sink`. */
export function writePerfetto(t: Timeline, sink: Sink, opts: PerfettoOptions = {}): void {
  const names = new Interner();
  const argNames = new Interner();
  const strings = new Interner();
  const categories = new Interner();
  let first = true;
  const packet = (p: Record<string, unknown>): void => {
    const interned: Record<string, unknown> = {};
    const en = names.take();
    if (en.length) interned.event_names = en;
    const an = argNames.take();
    if (an.length) interned.debug_annotation_names = an;
    const sv = strings.take();
    if (sv.length) interned.debug_annotation_string_values = sv.map((x) => ({ iid: x.iid, str: Buffer.from(x.name, 'utf8') }));
    const cat = categories.take();
    if (cat.length) interned.event_categories = cat;
    const out: Record<string, unknown> = { trusted_packet_sequence_id: SEQ, ...p };
    if (Object.keys(interned).length) out.interned_data = interned;
    out.sequence_flags = first ? INCREMENTAL_STATE_CLEARED : NEEDS_INCREMENTAL_STATE;
    first = false;
    writePacket(sink, out);
  };

  // Track descriptors: the build, its process tree, the counter.
  packet({ track_descriptor: { uuid: ROOT_UUID, name: `build: ${t.title}`, child_ordering: ORDER_EXPLICIT } });
  packet({ track_descriptor: { uuid: COUNTER_UUID, name: 'running processes', counter: { unit: UNIT_COUNT }, parent_uuid: ROOT_UUID, sibling_order_rank: 0 } });
  const known = new Set(t.slices.map((s) => s.proc));
  const lanes = !!opts.lanes;
  const trackOf = new Map(t.slices.map((s) => [s.proc, lanes ? laneUuid(s.lane) : procUuid(s.proc)]));
  for (let i = 0; lanes && i < t.lanes; i++) {
    packet({ track_descriptor: { uuid: laneUuid(i), name: `lane ${i + 1}`, parent_uuid: ROOT_UUID, sibling_order_rank: i + 1 } });
  }
  for (const s of lanes ? [] : t.slices) {
    packet({
      track_descriptor: {
        uuid: procUuid(s.proc),
        name: `${s.name} ${s.pid}`,
        parent_uuid: s.parent && known.has(s.parent) ? procUuid(s.parent) : ROOT_UUID,
        child_ordering: ORDER_EXPLICIT,
        sibling_order_rank: s.proc,
      },
    });
  }

  const str = (name: string, value: string) => ({ name_iid: argNames.get(name), string_value: value });
  const istr = (name: string, value: string) => ({ name_iid: argNames.get(name), string_value_iid: strings.get(value) });
  const int = (name: string, value: number) => ({ name_iid: argNames.get(name), int_value: value });
  // At one timestamp: instants (a failing exit sits at its slice's end), then
  // ends (inner first), then begins (outer first), then the counter. With
  // one track per process only the instant-before-end order matters.
  const evs: Ev[] = [];
  for (const s of t.slices) {
    evs.push({
      ts: s.start,
      seq: 3,
      tie: [-(s.end - s.start), s.proc, 0],
      event: {
        type: SLICE_BEGIN,
        track_uuid: trackOf.get(s.proc),
        name: s.name,
        debug_annotations: [
          str('command', s.command),
          istr('cwd', s.cwd),
          istr('exe', s.exe),
          int('pid', s.pid),
          int('proc', s.proc),
          istr('exit', s.exit),
          int('files_read', s.filesRead),
          int('files_written', s.filesWritten),
        ],
        flow_ids: s.children.filter((c) => known.has(c)),
        terminating_flow_ids: s.parent && known.has(s.parent) ? [s.proc] : [],
      },
    });
    // a zero-length slice ends right after it begins
    const end = s.end === s.start ? { seq: 3, tie: [0, s.proc, 1] } : { seq: 2, tie: [-s.start, -s.proc] };
    evs.push({ ts: s.end, ...end, event: { type: SLICE_END, track_uuid: trackOf.get(s.proc) } });
  }
  for (const i of t.instants) {
    evs.push({
      ts: i.ts,
      seq: 1,
      tie: [],
      event: {
        type: INSTANT,
        track_uuid: trackOf.get(i.proc),
        name: i.name,
        debug_annotations: Object.entries(i.args).map(([k, v]) => (typeof v === 'number' ? int(k, v) : str(k, v))),
      },
    });
  }
  for (const [ts, n] of t.running) evs.push({ ts, seq: 4, tie: [], event: { type: COUNTER, track_uuid: COUNTER_UUID, counter_value: n } });
  const byTie = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  evs.sort((a, b) => a.ts - b.ts || a.seq - b.seq || byTie(a.tie, b.tie));
  const cat = categories.get('process');
  for (const e of evs) {
    const ev = e.event;
    if (typeof ev.name === 'string') {
      ev.name_iid = names.get(ev.name);
      delete ev.name;
    }
    if (ev.type !== COUNTER) ev.category_iids = [cat];
    packet({ timestamp: e.ts, track_event: ev });
  }
}

/** bt export perfetto. */
export function exportPerfetto(build: Build, sink: Sink, opts: PerfettoOptions & { procs?: ReadonlySet<number> } = {}): void {
  writePerfetto(timeline(build, opts.procs), sink, opts);
}

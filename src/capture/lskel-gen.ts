/**
 * Makes build/bt.lskel (capture/lskel.ts) from build/bt.bpf.o at build
 * time: libbpf's gen_loader records, instead of doing, what loading the
 * object would do (no kernel is asked: it assumes a current one), and
 * hands back the loader program and its data. The stand-ins
 * (capture/libbpf-load.ts STAND_INS) are left out: a kernel that needs them has
 * no tracepoint for the programs they stand in for, so the loader fails
 * there and bt loads through libbpf.
 *
 * Run as a script: lskel-gen.js OBJECT OUT (bpf/Makefile).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAND_INS } from './libbpf-load.js';
import { objectStamp } from './corebtf.js';
import { encodeLightSkeleton, type LightSkeleton } from './lskel.js';
import { OBJ_NAME_LEN } from './bpfsys.js';
import { checkInt, checkPtr, copyOut, getLibbpf, getLibc, openObject, readPointer, view } from './native.js';

/**
 * Program slots in the loader's context: one per program of the object,
 * subprograms (bpf_loop callbacks) included, whose number libbpf does not
 * tell. Far more than bt has; a context smaller than what the loader
 * writes is refused by the kernel (EINVAL), which only sends bt to libbpf
 * (a test checks that the loader is used).
 */
const PROG_SLOTS = 256;

/** struct gen_loader_opts (libbpf.h): sz, data, insns, data_sz, insns_sz. */
const GEN_OPTS = { size: 32, data: 8, insns: 16, data_sz: 24, insns_sz: 28 } as const;

export function generateLightSkeleton(objectPath: string): LightSkeleton {
  const bpf = getLibbpf();
  const libc = getLibc();
  bpf.libbpf_set_print(null);
  const obj = openObject(objectPath);
  // libbpf keeps a pointer to the options and fills them at the load: native memory, not a Buffer that could move
  const opts = checkPtr(libc.calloc(1, GEN_OPTS.size), 'calloc(gen_loader_opts)');
  try {
    const maps: string[] = [];
    const attach: string[] = [];
    for (let m = bpf.bpf_object__next_map(obj, null); m; m = bpf.bpf_object__next_map(obj, m)) maps.push(bpf.bpf_map__name(m) as string);
    for (let p = bpf.bpf_object__next_program(obj, null); p; p = bpf.bpf_object__next_program(obj, p)) {
      const name = bpf.bpf_program__name(p) as string;
      if (STAND_INS[name]) checkInt(bpf.bpf_program__set_autoload(p, false), 'bpf_program__set_autoload');
      else if (!(bpf.bpf_program__section_name(p) as string).startsWith('iter')) attach.push(name.slice(0, OBJ_NAME_LEN - 1)); // as the kernel names it
    }
    new DataView(view(opts, GEN_OPTS.size)).setBigUint64(0, BigInt(GEN_OPTS.size), true); // sz
    checkInt(bpf.bpf_object__gen_loader(obj, opts), 'bpf_object__gen_loader');
    checkInt(bpf.bpf_object__load(obj), 'bpf_object__load (generating the loader)');
    const head = copyOut(opts, GEN_OPTS.size);
    const data = copyOut(readPointer(opts, GEN_OPTS.data), head.readUInt32LE(GEN_OPTS.data_sz));
    const insns = copyOut(readPointer(opts, GEN_OPTS.insns), head.readUInt32LE(GEN_OPTS.insns_sz));
    return { maps, progs: PROG_SLOTS, attach, data, insns };
  } finally {
    bpf.bpf_object__close(obj);
    libc.free(opts);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [object, out] = process.argv.slice(2);
  try {
    if (!object || !out) throw new Error('usage: lskel-gen.js OBJECT OUT');
    const bytes = encodeLightSkeleton(objectStamp(object), generateLightSkeleton(object));
    fs.writeFileSync(`${out}.tmp`, bytes);
    fs.renameSync(`${out}.tmp`, out);
  } catch (err) {
    process.stderr.write(`lskel-gen: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

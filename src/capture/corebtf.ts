/**
 * The CO-RE types of this kernel, cached at build time. libbpf relocates
 * bt's programs against the kernel's types: searching the whole vmlinux
 * BTF (~150k types) for the candidates of each relocation takes ~9 ms of
 * every `bt trace` start (measured). `bpftool gen min_core_btf` (bpf/Makefile)
 * keeps just the types those relocations touch, and libbpf reads that small
 * file instead (bpf_object_open_opts.btf_custom_path).
 *
 * Using it with another kernel or another object would relocate silently
 * wrong, so beside it the build writes a stamp: the running kernel's GNU
 * build ID (/sys/kernel/notes) and the object file's identity (device,
 * inode, size, change time in ns: what git's index trusts, and any rewrite,
 * copy or rebuild of the object changes it; hashing it would first load
 * node:crypto, ~5 ms). A trace uses the file only when both still match;
 * otherwise libbpf reads the kernel's own BTF as before (correct, ~9 ms
 * slower). The vmlinux BTF is still read for
 * the tp_btf attach points; only the relocation search is spared.
 *
 * Run as a script, this prints the stamp for an object (the Makefile).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NOTES = '/sys/kernel/notes';
const NT_GNU_BUILD_ID = 3;

/** The running kernel's GNU build ID (hex), from its ELF notes; undefined when there is none. */
export function kernelBuildId(notesPath = NOTES): string | undefined {
  let notes: Buffer;
  try {
    notes = fs.readFileSync(notesPath);
  } catch {
    return undefined;
  }
  const pad4 = (n: number) => Math.ceil(n / 4) * 4; // not bitwise: those are 32-bit
  // Elf_Nhdr: namesz, descsz, type (u32 each), then name and desc, each padded to 4 bytes
  for (let off = 0; off + 12 <= notes.length; ) {
    const namesz = notes.readUInt32LE(off);
    const descsz = notes.readUInt32LE(off + 4);
    const type = notes.readUInt32LE(off + 8);
    const name = off + 12;
    const desc = name + pad4(namesz);
    const next = desc + pad4(descsz);
    if (namesz > notes.length || descsz > notes.length || next > notes.length || next <= off) return undefined;
    if (type === NT_GNU_BUILD_ID && namesz === 4 && notes.toString('latin1', name, name + 4) === 'GNU\0' && descsz > 0) {
      return notes.toString('hex', desc, desc + descsz);
    }
    off = next;
  }
  return undefined;
}

/** The object file's identity: device, inode, size and change time in ns (any rewrite, copy or rebuild changes it). */
export function objectStamp(objectPath: string): string {
  const st = fs.statSync(objectPath, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.ctimeNs}`;
}

/** What the stamp says for this object on this kernel; undefined when the kernel has no build ID. */
export function coreBtfStamp(objectPath: string, buildId = kernelBuildId()): string | undefined {
  if (!buildId) return undefined;
  return `kernel ${buildId} object ${objectStamp(objectPath)}`;
}

/** The stamp's path for a cached BTF file. */
export function stampPath(btfPath: string): string {
  return `${btfPath}.id`;
}

/**
 * btfPath when it was made for this object on this kernel, else undefined.
 * Never throws: a missing or stale cache only costs the longer search.
 */
export function cachedCoreBtf(btfPath: string, objectPath: string, buildId = kernelBuildId()): string | undefined {
  try {
    const stamp = fs.readFileSync(stampPath(btfPath), 'utf8').trim();
    if (stamp && stamp === coreBtfStamp(objectPath, buildId) && fs.statSync(btfPath).isFile()) return btfPath;
  } catch {
    /* no cache */
  }
  return undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [object] = process.argv.slice(2);
  const stamp = object ? coreBtfStamp(object) : undefined;
  if (!stamp) {
    process.stderr.write('corebtf: usage: corebtf.js OBJECT (needs /sys/kernel/notes with a build ID)\n');
    process.exitCode = 1;
  } else {
    process.stdout.write(`${stamp}\n`);
  }
}

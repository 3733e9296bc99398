/**
 * Generates the C side of the op table (src/ops/table.ts) for the BPF
 * programs. bpf/Makefile runs it: `node dist/src/ops/cgen.js build/`.
 *
 *   bt_ops.h      enum bt_op (part of the kernel<->user contract, included
 *                 by bt_records.h)
 *   bt_ops_bpf.h  bt_op_of(nr): syscall number -> op (0: not recorded);
 *                 bt_enter_op_of(nr) and bt_op_at_enter(op): the ops whose
 *                 arguments are kept from sys_enter (ENTER_KINDS);
 *                 struct bt_args and bt_args_of(): the arguments of a
 *                 pending syscall by role
 *   bt_dispatch.h bt_dispatch(): the exit handler of each op's record kind;
 *                 an op without a row is dropped and counted
 *                 (BT_LOST_UNKNOWN_OP), never guessed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NEW_SYSCALL_NUMBERS, OPS, type ArgRole, type RecordKind } from './table.js';

const BANNER = '/* GENERATED from src/ops/table.ts by src/ops/cgen.ts: do not edit. */';

const enumName = (name: string) => `BT_OP_${name.toUpperCase()}`;

/** Handler of each record kind, called at syscall exit as fn(ret, p). */
export const HANDLERS: Record<RecordKind, string> = {
  open: 'bt_on_open',
  close: 'bt_on_close',
  dup: 'bt_on_dup',
  pipe: 'bt_on_pipe',
  chdir: 'bt_on_chdir',
  path: 'bt_on_path',
  path2: 'bt_on_path2',
  exec: 'bt_on_exec',
  lookup: 'bt_on_lookup',
  readdir: 'bt_on_readdir',
  meta: 'bt_on_meta',
};

/**
 * Record kinds with something to keep from before the syscall returns: a
 * successful exec has replaced the image (argv included) by then. It is
 * kept at sched_prepare_exec (sys_enter on older kernels); a failed exec,
 * like every other op, is handled at sys_exit from the saved registers.
 */
export const ENTER_KINDS: readonly RecordKind[] = ['exec'];

/** struct bt_args members: role -> [C type, default, cast]. */
const ROLE_FIELDS: Partial<Record<ArgRole, [string, string, string]>> = {
  dirfd: ['__s32', 'AT_FDCWD', '(__s32)'],
  path: ['__u64', '0', ''],
  dirfd2: ['__s32', 'AT_FDCWD', '(__s32)'],
  path2: ['__u64', '0', ''],
  flags: ['__u64', '0', ''],
  mode: ['__u32', '0', '(__u32)'],
  fd: ['__s32', '-1', '(__s32)'],
  fd2: ['__s32', '-1', '(__s32)'],
  buf: ['__u64', '0', ''],
  size: ['__u64', '0', ''],
  uid: ['__u32', '0', '(__u32)'],
  gid: ['__u32', '0', '(__u32)'],
};

export function opsHeader(): string {
  const max = Math.max(...OPS.map((o) => o.id)) + 1;
  return [
    BANNER,
    '#ifndef BT_OPS_H',
    '#define BT_OPS_H',
    '',
    '/* Syscall identities (op fields): never reused. */',
    'enum bt_op {',
    ...OPS.map((o) => `\t${enumName(o.name)} = ${o.id},`),
    `\tBT_OP_MAX = ${max},`,
    '};',
    '',
    '#endif',
    '',
  ].join('\n');
}

/** A C function from syscall number to op over `ops` (0 for any other number). */
function opOfSyscall(name: string, doc: string, ops: typeof OPS): string[] {
  const out = [`/* ${doc} */`, `static __always_inline __u32 ${name}(long nr)`, '{', '\tswitch (nr) {'];
  for (const o of ops) {
    for (const sc of o.syscalls) out.push(`#ifdef __NR_${sc}`, `\tcase __NR_${sc}: return ${enumName(o.name)};`, '#endif');
  }
  out.push('\tdefault: return 0;', '\t}', '}', '');
  return out;
}

export function opsBpfHeader(): string {
  const out: string[] = [BANNER, '#ifndef BT_OPS_BPF_H', '#define BT_OPS_BPF_H', ''];
  out.push('/* Syscalls newer than the build\'s kernel headers (NEW_SYSCALL_NUMBERS in src/ops/table.ts). */');
  for (const [sc, nr] of Object.entries(NEW_SYSCALL_NUMBERS)) out.push(`#ifndef __NR_${sc}`, `#define __NR_${sc} ${nr}`, '#endif');
  out.push('');
  const enterOps = OPS.filter((o) => ENTER_KINDS.includes(o.kind));
  out.push(...opOfSyscall('bt_op_of', 'The op of a syscall number, 0 when bt does not record it.', OPS));
  out.push(...opOfSyscall('bt_enter_op_of', 'The op of a syscall number that keeps something from before it returns (an exec), else 0.', enterOps));
  out.push('/* True for the ops that keep something from before they return (execs). */');
  out.push('static __always_inline bool bt_op_at_enter(__u32 op)', '{', '\tswitch (op) {');
  for (const o of enterOps) out.push(`\tcase ${enumName(o.name)}:`);
  out.push('\t\treturn true;', '\tdefault:', '\t\treturn false;', '\t}', '}', '');
  out.push('/* A pending syscall\'s arguments by role (see ArgRole in src/ops/table.ts). */', 'struct bt_args {');
  for (const [role, [type]] of Object.entries(ROLE_FIELDS)) out.push(`\t${type} ${role};`);
  out.push('};', '');
  out.push(
    '/* Defined once, in bt_dispatch.h (syscalls.bpf.c): a global function is',
    ' * verified once, not once per op at every call site. */',
    'int bt_args_of(const struct bt_pending *p, struct bt_args *a);',
    '',
  );
  out.push('#endif', '');
  return out.join('\n');
}

export function dispatchHeader(): string {
  const out: string[] = [BANNER, '#ifndef BT_DISPATCH_H', '#define BT_DISPATCH_H', ''];
  out.push('__noinline int bt_args_of(const struct bt_pending *p, struct bt_args *a)', '{', '\tif (!p || !a)', '\t\treturn 0;');
  for (const [role, [, dflt]] of Object.entries(ROLE_FIELDS)) out.push(`\ta->${role} = ${dflt};`);
  out.push('\tswitch (p->op) {');
  for (const o of OPS) {
    const sets = o.args
      .map((role, i) => {
        const f = ROLE_FIELDS[role];
        return f ? `a->${role} = ${f[2]}p->args[${i}];` : '';
      })
      .filter(Boolean);
    if (sets.length) out.push(`\tcase ${enumName(o.name)}:`, ...sets.map((s) => `\t\t${s}`), '\t\tbreak;');
  }
  out.push('\tdefault:', '\t\tbreak;', '\t}', '\treturn 0;', '}', '');
  out.push('/* Calls the exit handler of the pending op\'s record kind. */');
  out.push('static __always_inline void bt_dispatch(long ret, struct bt_pending *p)', '{', '\tswitch (p->op) {');
  for (const kind of Object.keys(HANDLERS) as RecordKind[]) {
    const ops = OPS.filter((o) => o.kind === kind);
    if (!ops.length) continue;
    for (const o of ops) out.push(`\tcase ${enumName(o.name)}:`);
    out.push(`\t\t${HANDLERS[kind]}(ret, p);`, '\t\tbreak;');
  }
  out.push('\tdefault: /* not in the table: drop and count, never guess */', '\t\tbt_count_lost(BT_LOST_UNKNOWN_OP);', '\t\tbreak;');
  out.push('\t}', '}', '', '#endif', '');
  return out.join('\n');
}

/** Writes a file only when its content changes (make then rebuilds only what depends on it). */
function writeIfChanged(file: string, text: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    /* new file */
  }
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node dist/src/ops/cgen.js OUTDIR\n');
    process.exitCode = 2;
  } else {
    fs.mkdirSync(dir, { recursive: true });
    writeIfChanged(path.join(dir, 'bt_ops.h'), opsHeader());
    writeIfChanged(path.join(dir, 'bt_ops_bpf.h'), opsBpfHeader());
    writeIfChanged(path.join(dir, 'bt_dispatch.h'), dispatchHeader());
  }
}

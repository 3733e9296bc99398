/**
 * Which programs are compilers, and what a compiler driver's or linker's
 * command line means, for every reader of argv (compile-commands export,
 * graph labels, check's fixes): the options whose value is the next
 * argument, and the extensions of source files (what gcc and clang compile
 * rather than link).
 */

/** Source file extensions (what gcc and clang compile rather than link). */
export const SOURCE_EXT = new Set([
  'c', 'i', 'ii', 'cc', 'cp', 'cxx', 'cpp', 'c++', 'C', 'CPP', 'm', 'mi', 'mm', 'M', 'mii', 's', 'S', 'sx',
  'f', 'for', 'ftn', 'F', 'FOR', 'fpp', 'FPP', 'FTN', 'f90', 'f95', 'f03', 'f08', 'F90', 'F95', 'F03', 'F08',
  'cu', 'cl', 'hip', 'adb', 'ads', 'd', 'go', 'cppm', 'ixx', 'c++m', 'ccm', 'cxxm',
]);

/** Options whose value is the next argument (when not joined). */
export const WITH_VALUE = new Set([
  '-o', '-x', '-I', '-D', '-U', '-L', '-l', '-include', '-imacros', '-isystem', '-iquote', '-idirafter', '-iprefix',
  '-iwithprefix', '-iwithprefixbefore', '-isysroot', '-imultilib', '-MF', '-MT', '-MQ', '-Xlinker', '-Xassembler',
  '-Xpreprocessor', '-Xclang', '-Xarch_host', '-Xarch_device', '-T', '-u', '-e', '-z', '-aux-info', '--param', '-arch',
  '-target', '-G', '-A', '-B', '-main-file-name', '-dumpbase', '-dumpbase-ext', '-dumpdir', '-ivfsoverlay',
  '--sysroot', '-specs', '--specs', '-resource-dir', '-working-directory', '-Xopenmp-target', '-F', '--output',
]);

/** Compiler drivers by name: optional cross prefix, optional version suffix. */
const COMPILER_RE = /^(?:[A-Za-z0-9_.+]+(?:-[A-Za-z0-9_.+]+)*-)?(?:cc|c\+\+|gcc|g\+\+|clang|clang\+\+)(?:-\d+(?:\.\d+)*)?$/;

/** Compiler-internal programs: never an entry, even when named with --compiler. */
export const COMPILER_INTERNAL = new Set(['cc1', 'cc1plus', 'cc1obj', 'cc1objplus', 'f951', 'as', 'collect2', 'ld', 'ld.bfd', 'ld.gold', 'ld.lld', 'lto1', 'lto-wrapper']);

/** True if `name` (a basename) is a compiler driver. */
export function isCompilerName(name: string, extra: ReadonlySet<string> = new Set()): boolean {
  if (COMPILER_INTERNAL.has(name)) return false;
  return COMPILER_RE.test(name) || extra.has(name);
}

/** True if `name` (a basename) is a compiler driver or gcc's compiler proper: a program that reads the headers a source includes. */
export function readsHeaders(name: string): boolean {
  return COMPILER_RE.test(name) || COMPILER_PROPER.has(name);
}

/** gcc's compiler proper, whose -MD and -MMD take the dependency file as the next argument (the driver's take none). */
const COMPILER_PROPER = new Set(['cc1', 'cc1plus', 'cc1obj', 'cc1objplus']);

/** The linker and gcc's collect2, which passes its command line to the linker. */
const LINKER = /^(?:ld(?:\.(?:bfd|gold|lld))?|collect2|mold|ld64\.lld)$/;

/** The linker's options whose value is the next argument (`-plugin /usr/lib/gcc/…/liblto_plugin.so`, `-dynamic-linker /lib64/ld-linux-x86-64.so.2`). */
const LINKER_WITH_VALUE = new Set([
  '-plugin', '--plugin', '-dynamic-linker', '--dynamic-linker', '-m', '-soname', '-h', '-rpath', '-rpath-link', '-Map',
  '--version-script', '-y', '-Y', '-b', '-format', '-a', '--sysroot', '-e', '--entry', '-R', '--just-symbols',
]);

/** True when `option` takes the next argument as its value in `program`'s command line. */
export function takesValue(program: string, option: string): boolean {
  if (LINKER.test(program)) return LINKER_WITH_VALUE.has(option) || WITH_VALUE.has(option);
  return WITH_VALUE.has(option) || (COMPILER_PROPER.has(program) && (option === '-MD' || option === '-MMD'));
}

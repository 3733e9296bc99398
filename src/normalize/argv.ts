/**
 * The argv a caller passed to execve. bt records argv as the new program
 * received it; for an interpreter exec (#!) the kernel rewrote it to
 * [interpreter, (its option), script path, caller's argv[1..]] and the
 * caller's argv[0] is recorded separately in `argv0`.
 */
export interface ExecArgv {
  path: string;
  argv: string[];
  interp?: string;
  argv0?: string;
}

export function callerArgv(e: ExecArgv): string[] {
  if (!e.interp || !e.argv0) return e.argv;
  const script = e.argv[1] === e.path ? 1 : e.argv[2] === e.path ? 2 : -1;
  if (script < 0) return e.argv; // nested interpreters: keep what was received
  return [e.argv0, ...e.argv.slice(script + 1)];
}

/**
 * Environments written once: a build runs thousands of processes with a
 * handful of distinct environments, and an environment is kilobytes.
 *
 *  - EnvSharer (writing): the first exec with a given environment gets an
 *    Env record {id, vars} written just before it; that exec and every later
 *    one with the same environment carry `env_ref = id` and an empty env.
 *  - EnvResolver (reading): remembers Env records and fills `env` back into
 *    the execs that refer to them, so readers see every exec's environment
 *    as if it were inline. LogReader uses it (and still yields the Env
 *    records, which bt dump does not show).
 *
 * Env records keep their place through bt normalize (same ts as the exec,
 * earlier in arrival order, and ties keep arrival order).
 */
import type { EnvDef, LogRecord } from './schema.js';

export class EnvSharer {
  private readonly ids = new Map<string, number>();
  /** The id of an environment array seen before (the capture's decoder gives a repeated environment as the same array). */
  private readonly byArray = new WeakMap<readonly string[], number>();

  /**
   * Moves an exec's environment out into a shared one. Returns the Env
   * record to write first (its first use), or undefined (already written,
   * or nothing to share).
   */
  share(r: LogRecord): LogRecord | undefined {
    const e = r.exec;
    if (!e || !e.env || e.env.length === 0) return undefined;
    let id = this.byArray.get(e.env);
    let def: LogRecord | undefined;
    if (id === undefined) {
      const key = e.env.join('\0');
      id = this.ids.get(key);
      if (id === undefined) {
        id = this.ids.size + 1;
        this.ids.set(key, id);
        def = { ts: r.ts, pid: r.pid, tid: r.tid, env: { id, vars: e.env } };
      }
      this.byArray.set(e.env, id);
    }
    e.env = [];
    e.env_ref = id;
    return def;
  }
}

export class EnvResolver {
  private readonly envs = new Map<number, string[]>();
  /** Execs whose env_ref named no Env record seen before them. */
  unresolved = 0;

  define(d: EnvDef): void {
    this.envs.set(Number(d.id ?? 0), [...(d.vars ?? [])]);
  }

  /** Fills in the environment of an exec that refers to a shared one. */
  resolve(r: LogRecord): void {
    const e = r.exec;
    if (!e || !e.env_ref || (e.env && e.env.length)) return;
    const vars = this.envs.get(Number(e.env_ref));
    if (vars) e.env = vars;
    else this.unresolved++;
  }
}

/**
 * Environments of the build model ("NAME=value" entries) as maps. Pure
 * code: the viewer's page uses it too.
 */
const envMaps = new WeakMap<readonly string[], Map<string, string>>();

/** NAME -> value of an environment, computed once per environment (the first of a repeated name wins, as getenv does). */
export function envMap(env: readonly string[]): Map<string, string> {
  let m = envMaps.get(env);
  if (!m) {
    m = new Map();
    for (const e of env) {
      const i = e.indexOf('=');
      if (i > 0 && !m.has(e.slice(0, i))) m.set(e.slice(0, i), e.slice(i + 1));
    }
    envMaps.set(env, m);
  }
  return m;
}

/**
 * import() of an external package (DuckDB, Graphviz, resvg: native or wasm
 * code that stays out of the bundle). bt's executable (src/cli/bt.cts) runs
 * the bundled program from V8's code cache, where an import() of its own
 * has no module loader behind it: the executable lends its own import() as
 * globalThis.__btImport. Unbundled (tests), the plain import() is used.
 */
type Importer = (specifier: string) => Promise<unknown>;

export function importExternal<T>(specifier: string): Promise<T> {
  const lent = (globalThis as { __btImport?: Importer }).__btImport;
  return (lent ? lent(specifier) : import(specifier)) as Promise<T>;
}

import { createRequire } from 'node:module';

/** The version, written into bt's bundles by scripts/bundle.mjs: reading package.json costs bt trace ~0.8 ms before its build starts. */
declare const __BT_VERSION__: string | undefined;

/** The bt version, from package.json. */
export const BT_VERSION: string = typeof __BT_VERSION__ !== 'undefined' ? __BT_VERSION__ : fromPackage();

function fromPackage(): string {
  const require = createRequire(import.meta.url);
  for (const p of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      return (require(p) as { version: string }).version;
    } catch {
      /* try the next layout (src/, dist/src/, the bundle in dist/src/cli/) */
    }
  }
  return '0.0.0';
}

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The bt version, from package.json. */
export const BT_VERSION: string = (() => {
  for (const p of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      return (require(p) as { version: string }).version;
    } catch {
      /* try the next layout (src/, dist/src/, the bundle in dist/src/cli/) */
    }
  }
  return '0.0.0';
})();

/** Where bt.proto is: in proto/ at the top of bt's tree, found from this module's place (src/, dist/src/ or the bundles in dist/src/cli/). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function protoPath(): string {
  if (found) return found;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'proto', 'bt.proto');
    if (fs.existsSync(candidate)) return (found = candidate);
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`bt installation is broken: proto/bt.proto not found above ${path.dirname(fileURLToPath(import.meta.url))}`);
}

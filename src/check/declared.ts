/** Undeclared dependencies against the build system (make, ninja). */
import type { Build } from '../model/index.js';
import type { Finding } from './finding.js';
import type { Noise } from './noise.js';

export interface Declared {
  findings: Finding[];
  notes: string[];
}

export function declaredMake(_build: Build, _noise: Noise, _found: readonly Finding[]): Declared {
  return { findings: [], notes: [] };
}

export function declaredNinja(_build: Build, _noise: Noise, _found: readonly Finding[], _dir: string): Declared {
  return { findings: [], notes: [] };
}

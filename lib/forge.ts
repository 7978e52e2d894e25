/**
 * node-forge, loaded on first use. It takes ~35 ms to load and is needed only to read a CSR or an
 * authority key id and to build a PFX — never at a cold start, which every trigger pays.
 */
import type Forge from 'node-forge';

let loaded: typeof Forge | undefined;

export function forge(): typeof Forge {
  return (loaded ??= require('node-forge') as typeof Forge);
}

export type { Forge };

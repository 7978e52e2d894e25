/**
 * Where the Pebble binaries are: the Debian package `pebble` installs /usr/bin/pebble and
 * /usr/bin/pebble-challtestsrv; PEBBLE_BIN and CHALLTESTSRV_BIN point elsewhere.
 */
import { accessSync, constants, statSync } from 'node:fs';

export const PEBBLE_BIN = process.env.PEBBLE_BIN ?? '/usr/bin/pebble';
export const CHALLTESTSRV_BIN = process.env.CHALLTESTSRV_BIN ?? '/usr/bin/pebble-challtestsrv';

/** A binary the local stack needs is missing; the message says how to get it, in one line. */
export class MissingBinaryError extends Error {
  override readonly name = 'MissingBinaryError';
  readonly code = 'DevstackBinaryMissing';
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Fails before anything starts when pebble or pebble-challtestsrv cannot be run. */
export function requirePebbleBinaries(): void {
  for (const [name, path, variable] of [
    ['pebble', PEBBLE_BIN, 'PEBBLE_BIN'],
    ['pebble-challtestsrv', CHALLTESTSRV_BIN, 'CHALLTESTSRV_BIN'],
  ] as const) {
    if (isExecutableFile(path)) continue;
    const from = process.env[variable] === undefined ? '' : ` (from ${variable})`;
    throw new MissingBinaryError(
      `${name} not found: no executable at ${path}${from}. Install the Debian package "pebble" (sudo apt-get install pebble), or point PEBBLE_BIN and CHALLTESTSRV_BIN at the pebble and pebble-challtestsrv binaries.`,
    );
  }
}

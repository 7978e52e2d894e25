/**
 * Temporary directories that hold key material (Pebble's TLS key, the run's test CA) for as short
 * a time as possible: each is removed when its owner is done with it and, failing that, when the
 * process exits for any reason Node can observe (normal end, `process.exit`, an uncaught error).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TemporaryDirectory {
  readonly path: string;
  /** Removes the directory now (idempotent). */
  remove(): void;
}

const open = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: rmSync is.
  process.on('exit', () => {
    for (const path of open) rmSync(path, { recursive: true, force: true });
    open.clear();
  });
}

/** A new directory under the OS temp directory (TMPDIR), removed at process exit at the latest. */
export function temporaryDirectory(prefix: string): TemporaryDirectory {
  installExitHook();
  const path = mkdtempSync(join(tmpdir(), prefix));
  open.add(path);
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      open.delete(path);
    },
  };
}

/**
 * Runs once in vitest's main process before the workers fork: it creates the run's test CA and
 * points NODE_EXTRA_CA_CERTS at it, so every worker process trusts the local HTTPS servers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CA_DIR_ENV, writeCa } from './tls';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'appgw-acme-ca-'));
  const { bundlePath } = writeCa(dir);
  process.env[CA_DIR_ENV] = dir;
  process.env.NODE_EXTRA_CA_CERTS = bundlePath;
  return () => rmSync(dir, { recursive: true, force: true });
}

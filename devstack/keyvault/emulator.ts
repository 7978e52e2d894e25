/**
 * A Key Vault data-plane emulator (certificates and secrets) for tests, served over HTTPS so the
 * real `CertificateClient` and `SecretClient` talk to it unchanged.
 *
 * It models the strictest documented behaviour of the real service; each module cites its sources.
 * - Challenge auth: the SDK's first request carries neither token nor body and expects a 401.
 * - `create` mints a disabled placeholder version at once (no `cer`, `kid`/`sid`, a `pending` link):
 *   with issuer Unknown it waits for the merge, which creates a new version; with issuer Self it
 *   stays `inProgress` for `selfIssuanceDelayMs`. Deleting the operation keeps the placeholder.
 * - Create and import answer 409 while an operation is in progress, while a plain secret holds the
 *   name, and while a deleted object holds it (being deleted, deleted, purged, being recovered).
 * - Soft delete with the vault's recovery level: delete, deleted, purge (403 under purge
 *   protection), recover, each step taking `softDeleteDelayMs` in the background.
 * Only RSA keys are supported; anything this emulator does not do fails loudly with a 400.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueServerCert, type PemPair } from '../tls/testCa';
import { serve } from './dispatch';
import { pathOf } from './http';
import { derToPem, leafDer, sha1 } from './crypto';
import { vaultSettings, type VaultSettingsInput } from './settings';
import { Vault } from './vault';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export type OperationStatus = 'inProgress' | 'completed' | 'cancelled' | 'failed';

export interface CertificateVersionInfo {
  version: string;
  thumbprintHex: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  tags: Record<string, string>;
}

export interface FaultSpec {
  status: number;
  count: number;
  retryAfterSeconds?: number;
  match?: (method: string, path: string) => boolean;
}

export interface KeyVaultEmulator {
  readonly url: string;
  stop(): Promise<void>;
  /** Test inspection (in-process, not over HTTP). */
  certificateNames(): string[];
  /** Names of soft-deleted certificates, from the DELETE on (also while the deletion still runs). */
  deletedCertificateNames(): string[];
  certificateVersions(name: string): CertificateVersionInfo[];
  pendingOperation(name: string): { status: OperationStatus; csrDer: Buffer } | undefined;
  /** The latest enabled version's chain and key, as the App Gateway reads them through the secret. */
  latestCertificateWithKey(name: string): { chainPem: string[]; keyPem: string; version: string } | undefined;
  /** The next `count` authenticated requests matching `match` get `status` (with Retry-After when given). */
  injectFaults(f: FaultSpec): void;
  /** Every request answered: its method, path, status, and when it was answered (performance.now(), ms). */
  readonly requests: Array<{ method: string; path: string; status: number; at: number }>;
  /** Every private key the vault holds, PEM. */
  privateKeyPems(): string[];
}

/**
 * Vault settings (defaults: purge protection on, 90 days' retention, as infra/modules/keyVault.bicep;
 * 250 ms per background step of delete/purge/recover and per Self issuance).
 */
export interface KeyVaultEmulatorOptions extends VaultSettingsInput {
  ca: PemPair;
  host?: string;
  port?: number;
  /** Default `maxresults` of list operations; Key Vault's is 25. Small values test paging cheaply. */
  pageSize?: number;
}

export async function startKeyVaultEmulator(opts: KeyVaultEmulatorOptions): Promise<KeyVaultEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const tlsPair = issueServerCert(opts.ca, { dns: ['localhost'], ips: [host === 'localhost' ? '127.0.0.1' : host] });
  const vault = new Vault(vaultSettings(opts), opts.pageSize ?? 25);
  const requests: KeyVaultEmulator['requests'] = [];
  const faults: Array<Required<Omit<FaultSpec, 'retryAfterSeconds'>> & { retryAfterSeconds?: number }> = [];

  const server = https.createServer({ key: tlsPair.keyPem, cert: tlsPair.certPem }, (req, res) => {
    void serve(req, res, vault, faults).then(
      (status) => requests.push({ method: req.method ?? '', path: pathOf(req), status, at: performance.now() }),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  vault.url = `https://${host}:${port}`;

  return {
    url: vault.url,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        // The SDK keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    certificateNames: () => [...vault.certs.values()].map((c) => c.name).sort(),
    deletedCertificateNames: () =>
      [...vault.tombstones.values()]
        .filter((t) => t.kind === 'certificate' && t.phase !== 'recovered')
        .map((t) => t.name)
        .sort(),
    certificateVersions: (name) =>
      (vault.cert(name)?.versions ?? []).map((v) => ({
        version: v.version,
        thumbprintHex: sha1(leafDer(v)).toString('hex'),
        serialHex: v.leaf.serialNumber.toLowerCase(),
        notBefore: new Date(v.leaf.validFrom),
        notAfter: new Date(v.leaf.validTo),
        tags: { ...v.tags },
      })),
    pendingOperation: (name) => {
      const op = vault.cert(name)?.pending;
      return op && { status: op.status, csrDer: Buffer.from(op.csrDer) };
    },
    latestCertificateWithKey: (name) => {
      const v = [...(vault.cert(name)?.versions ?? [])].reverse().find((x) => x.enabled);
      return v && { chainPem: v.chainDer.map(derToPem), keyPem: v.keyPem, version: v.version };
    },
    injectFaults: (f) => faults.push({ match: () => true, ...f }),
    // Deleted certificates' keys too: the vault still holds them until the purge.
    privateKeyPems: () =>
      [...vault.certs.values(), ...[...vault.tombstones.values()].flatMap((t) => (t.cert ? [t.cert] : []))].flatMap((c) => [
        ...c.versions.map((v) => v.keyPem),
        ...(c.pending ? [c.pending.keyPem] : []),
        ...(c.issuance ? [c.issuance.keyPem] : []),
      ]),
  };
}

/** What the emulated vault stores: certificates with their versions and pending operation, and secrets. */
import { randomBytes, X509Certificate } from 'node:crypto';
import type { OperationStatus } from './emulator';
import type { Wire } from './json';

export interface CertVersion {
  readonly version: string;
  readonly chainDer: Buffer[]; // leaf first
  readonly leaf: X509Certificate;
  readonly keyPem: string; // PKCS#8
  readonly created: number; // unix seconds, as on the wire
  updated: number;
  enabled: boolean;
  tags: Record<string, string>;
}

export interface PendingOperation {
  readonly requestId: string;
  status: OperationStatus;
  statusDetails: string;
  readonly issuerName: string;
  readonly csrDer: Buffer;
  readonly keyPem: string;
  cancellationRequested: boolean;
  target?: string;
  readonly createTags?: Record<string, string>;
  readonly createEnabled?: boolean;
  /** The disabled version the real vault shows while the CSR waits for its merge. */
  readonly placeholder: { version: string; created: number; nbf: number; exp: number };
}

export interface CertRecord {
  readonly name: string;
  policy: Wire;
  versions: CertVersion[];
  pending?: PendingOperation;
}

export interface SecretVersion {
  readonly version: string;
  readonly value: string;
  readonly contentType?: string;
  readonly created: number;
  readonly enabled: boolean;
  readonly nbf?: number;
  readonly exp?: number;
  readonly tags: Record<string, string>;
}

export const PFX = 'application/x-pkcs12';
export const PEM = 'application/x-pem-file';
export const RECOVERY = { recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 };

export function newVersion(chainDer: Buffer[], keyPem: string, tags: Record<string, string>, enabled: boolean): CertVersion {
  const now = unixNow();
  return { version: randomHex(), chainDer, leaf: new X509Certificate(chainDer[0] as Buffer), keyPem, created: now, updated: now, enabled, tags };
}

export function versionAttributes(v: CertVersion): Wire {
  return {
    enabled: v.enabled,
    nbf: Math.floor(Date.parse(v.leaf.validFrom) / 1000),
    exp: Math.floor(Date.parse(v.leaf.validTo) / 1000),
    created: v.created,
    updated: v.updated,
    ...RECOVERY,
  };
}

export function randomHex(): string {
  return randomBytes(16).toString('hex');
}

export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

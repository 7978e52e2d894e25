/** What the emulated vault stores: certificates with their versions and pending operation, secrets, and deleted objects. */
import { randomBytes, X509Certificate } from 'node:crypto';
import type { OperationStatus } from './emulator';
import type { Wire } from './json';
import type { Recovery } from './settings';

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

/**
 * The disabled version a create mints at once (no `cer`, `kid`, `sid`). It outlives a deleted
 * operation: after `DELETE …/pending` the real vault still answers it on `GET /certificates/{name}/`
 * (azure-sdk-for-js recording `recording_can_read_cancel_and_delete_a_certificates_operation.js`
 * @ 011a3b41). A merge or a completed issuance replaces it.
 */
export interface Placeholder {
  readonly version: string;
  readonly created: number;
  readonly nbf: number;
  readonly exp: number;
  readonly tags?: Record<string, string>;
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
}

/** A `Self` issuance running at the "provider": it lands at `readyAt` (vault clock, ms). */
export interface SelfIssuance {
  readonly requestId: string;
  readonly readyAt: number;
  readonly der: Buffer;
  readonly keyPem: string;
  readonly tags: Record<string, string>;
  readonly enabled: boolean;
}

export interface CertRecord {
  readonly name: string;
  policy: Wire;
  versions: CertVersion[];
  pending?: PendingOperation;
  placeholder?: Placeholder;
  issuance?: SelfIssuance;
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

export interface SecretEntry {
  readonly name: string;
  readonly versions: SecretVersion[];
}

export type ObjectKind = 'certificate' | 'secret';

/**
 * A name held by a deleted object, through the steps the service takes in the background:
 * - `deleting`: DELETE answered, not yet visible as deleted (GET deleted answers 404);
 * - `deleted`: listed and readable as deleted until `scheduledPurgeDate`;
 * - `purging`: purge answered 204, the name is still not free;
 * - `recovering`: recover answered 200, the object is not readable yet;
 * - `recovered`: readable again, but a re-create is still refused for a while.
 */
export interface Tombstone {
  readonly kind: ObjectKind;
  readonly name: string;
  phase: 'deleting' | 'deleted' | 'purging' | 'recovering' | 'recovered';
  /** When the current phase ends (vault clock, ms). */
  until: number;
  readonly deletedDate: number; // unix seconds
  readonly scheduledPurgeDate: number; // unix seconds
  readonly cert?: CertRecord;
  readonly secret?: SecretEntry;
}

export const PFX = 'application/x-pkcs12';
export const PEM = 'application/x-pem-file';

export function newVersion(chainDer: Buffer[], keyPem: string, tags: Record<string, string>, enabled: boolean): CertVersion {
  const now = unixNow();
  return { version: randomHex(), chainDer, leaf: new X509Certificate(chainDer[0] as Buffer), keyPem, created: now, updated: now, enabled, tags };
}

export function versionAttributes(v: CertVersion, recovery: Recovery): Wire {
  return {
    enabled: v.enabled,
    nbf: Math.floor(Date.parse(v.leaf.validFrom) / 1000),
    exp: Math.floor(Date.parse(v.leaf.validTo) / 1000),
    created: v.created,
    updated: v.updated,
    ...recovery,
  };
}

export function randomHex(): string {
  return randomBytes(16).toString('hex');
}

export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * The durable boundary: each activity's name with its input and output types, shared by the
 * orchestrators (callers, through `call` in orchestrators/durableCalls.ts) and the registrations
 * (`defineActivity`). This module owns every shape it carries; adapters import these types, never
 * the other way round. Plain JSON only: names, URLs and ids — never a key, a PFX or a token.
 */
import type { Hostname } from './hostnames';
import type { Outcome } from './outcome';
import type { ErrorCode } from './status';

export const Activities = {
  getGatewayPublicIp: 'getGatewayPublicIp',
  checkDnsResolution: 'checkDnsResolution',
  createAcmeOrder: 'createAcmeOrder',
  checkKeyVaultName: 'checkKeyVaultName',
  recoverKeyVaultCertificate: 'recoverKeyVaultCertificate',
  getAcmeHttp01Challenges: 'getAcmeHttp01Challenges',
  uploadChallengeFiles: 'uploadChallengeFiles',
  checkChallengeFiles: 'checkChallengeFiles',
  answerChallenges: 'answerChallenges',
  checkOrderStatus: 'checkOrderStatus',
  createKeyVaultCsr: 'createKeyVaultCsr',
  finalizeOrder: 'finalizeOrder',
  mergeCertificate: 'mergeCertificate',
  deleteChallengeFiles: 'deleteChallengeFiles',
  deactivateAuthorizations: 'deactivateAuthorizations',
  startGatewayUpdate: 'startGatewayUpdate',
  checkGatewayUpdate: 'checkGatewayUpdate',
  checkGatewayBindings: 'checkGatewayBindings',
  checkImportedCertificate: 'checkImportedCertificate',
  listManagedCertificates: 'listManagedCertificates',
} as const;
export type ActivityName = (typeof Activities)[keyof typeof Activities];

/** An HTTP-01 file: served at /.well-known/acme-challenge/{token} (RFC 8555 §8.3). */
export interface ChallengeFile {
  readonly token: string;
  readonly keyAuthorization: string;
}

/** One authorization's HTTP-01 challenge (RFC 8555 §7.1.4, §8.3). */
export interface Http01Challenge extends ChallengeFile {
  readonly authorizationUrl: string;
  readonly challengeUrl: string;
  /** Already valid (a reused authorization): nothing to upload or answer. */
  readonly alreadyValid: boolean;
}

/** An order's state (RFC 8555 §7.1.6); `invalid` comes back as an `AcmeOrderInvalid` failure. */
export type OrderState = 'pending' | 'ready' | 'processing' | 'valid';

/** The gateway's public frontend addresses: `ip`, the IPv4 address; `addresses`, every one (IPv6 too). */
export interface GatewayAddresses {
  readonly ip: string;
  readonly addresses: string[];
}

/** An order as RFC 8555 §7.1.3 gives it, in the fields the run uses: its URL, status and the URLs it names. */
export interface AcmeOrder {
  readonly orderUrl: string;
  readonly status: string;
  readonly authorizationUrls: string[];
  readonly finalizeUrl: string;
}

/** An order's status; `certificateUrl` once it is `valid` (RFC 8555 §7.1.3 `certificate`). */
export interface OrderStatus {
  readonly status: OrderState;
  readonly certificateUrl?: string;
  /** For a `pending` or `processing` order: the CA's Retry-After in seconds, if it sent one (RFC 8555 §7.4). */
  readonly retryAfterSeconds?: number;
}

/** A certificate version in Key Vault, by id: what the gateway and the user need to know. */
export interface CertificateVersion {
  readonly version: string;
  /** SHA-1 of the leaf, upper-case hex (Key Vault's x509Thumbprint). */
  readonly thumbprint: string;
  /** ISO 8601. */
  readonly expiresOn: string;
  /** Versionless secret id: the gateway follows new versions by itself. */
  readonly secretId: string;
}

/** One hostname to serve over HTTPS with the certificate behind a versionless Key Vault secret id. */
export interface Binding {
  readonly hostname: Hostname;
  readonly keyVaultSecretId: string;
}

/** A hostname a gateway write left out, with why (its code is in the customStatus vocabulary). */
export interface RefusedBinding {
  readonly hostname: Hostname;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface ManagedCertificate {
  readonly certificateName: string;
  /** From the certificate's `hostnames` tag, parsed; empty when the tag is unusable (see `problem`). */
  readonly hostnames: Hostname[];
  readonly source: 'acme' | 'imported';
  readonly acmeDirectory?: string;
  readonly version: string;
  readonly thumbprint: string;
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** When renewal becomes due (ISO); for imported certificates, when to warn. */
  readonly renewAfter: string;
  readonly due: boolean;
  readonly reason: string;
  /** Set when the certificate cannot be renewed as it stands (e.g. a hand-edited tag): reported, never dropped. */
  readonly problem?: string;
  /** The code to report the problem with (InvalidInput for a hand-edited tag, Key Vault's own otherwise). */
  readonly problemCode?: ErrorCode;
  /** A Key Vault operation is pending (an interrupted renewal): the version above is the last complete one. */
  readonly pendingOperation: boolean;
}

export interface ActivityContracts {
  /** `ip`: the public IPv4 address; `addresses`: every public frontend address (IPv6 too). */
  getGatewayPublicIp: { input: Record<string, never>; output: Outcome<GatewayAddresses> };
  /** `reachable`: the gateway addresses the CA will reach for the name, IPv6 first. */
  checkDnsResolution: {
    input: { hostname: Hostname; gatewayIp: string; gatewayAddresses: string[] };
    output: Outcome<{ chain: string[]; reachable: string[] }>;
  };
  /**
   * Before any CA work: can the Key Vault certificate name take a version for this hostname?
   * `deleted`: soft-deleted and recoverable; `KeyVaultNameTaken` for a secret, a foreign certificate or another hostname's.
   */
  checkKeyVaultName: {
    input: { hostname: Hostname; certificateName: string };
    output: Outcome<{ state: 'free' | 'ours' | 'deleted'; scheduledPurgeDate?: string }>;
  };
  /** Starts recovering a soft-deleted certificate (KeyVaultRecoverDeletedCertificates); `checkKeyVaultName` tells when it is back. */
  recoverKeyVaultCertificate: { input: { certificateName: string }; output: Outcome };
  /** A rate limit comes back as `AcmeRateLimited` with the CA's `retryAfterSeconds`. */
  createAcmeOrder: { input: { hostname: Hostname }; output: Outcome<AcmeOrder> };
  /** Reads the order's authorizations by the URLs the new order named (no read of the order itself). */
  getAcmeHttp01Challenges: { input: { authorizationUrls: string[] }; output: Outcome<{ challenges: Http01Challenge[] }> };
  uploadChallengeFiles: { input: { files: ChallengeFile[] }; output: Outcome };
  /** Fetches each file through every gateway address the CA will use (IPv6 first). */
  checkChallengeFiles: { input: { hostname: Hostname; addresses: string[]; files: ChallengeFile[] }; output: Outcome };
  answerChallenges: { input: { challengeUrls: string[] }; output: Outcome };
  checkOrderStatus: { input: { orderUrl: string }; output: Outcome<OrderStatus> };
  createKeyVaultCsr: { input: { hostname: Hostname; certificateName: string }; output: Outcome<{ csrPem: string }> };
  /** POSTs the CSR to the order's `finalizeUrl`; an order already past `ready` (a replay) is read, not finalized again. */
  finalizeOrder: { input: { orderUrl: string; finalizeUrl: string; csrPem: string }; output: Outcome<OrderStatus> };
  /** Downloads the chain at `certificateUrl` (the valid order's `certificate`) and merges it into the pending certificate. */
  mergeCertificate: { input: { certificateUrl: string; certificateName: string }; output: Outcome<CertificateVersion> };
  deleteChallengeFiles: { input: { tokens: string[] }; output: Outcome };
  /** RFC 8555 §7.5.2: abandoned authorizations still pending at the CA; returns how many were deactivated. */
  deactivateAuthorizations: { input: { authorizationUrls: string[] }; output: Outcome<{ deactivated: number }> };
  /**
   * GET, merge, PUT (not awaited). `force`: PUT even when nothing changed, so the gateway re-reads
   * Key Vault now. `operation` (the serialized poller: URLs, no token) is absent when no PUT was needed.
   */
  startGatewayUpdate: {
    input: { bindings: Binding[]; force: boolean };
    output: Outcome<{ etag: string; operation?: string; refused: RefusedBinding[]; pollAfterSeconds: number }>;
  };
  /**
   * One poll of a gateway update; `Canceled` means another writer's PUT superseded it. When it
   * `Succeeded`, the same call reads the gateway back (as checkGatewayBindings): one round trip less.
   */
  checkGatewayUpdate: {
    input: { operation: string; bindings: Binding[] };
    output: Outcome<{ status: 'InProgress' | 'Canceled' } | { status: 'Succeeded'; missing: RefusedBinding[]; etag: string }>;
  };
  /** Read after write: the bindings not (or no longer) in the gateway, and the etag read. */
  checkGatewayBindings: { input: { bindings: Binding[] }; output: Outcome<{ missing: RefusedBinding[]; etag: string }> };
  /** Import: the starter imported the user's PFX; this confirms that version and returns its ids. */
  checkImportedCertificate: { input: { hostname: Hostname; certificateName: string; version: string }; output: Outcome<CertificateVersion> };
  /** Renewal: every certificate this app manages or imported, with the renewal decision at `now` (ISO). */
  listManagedCertificates: { input: { now: string; forceAll?: boolean; hostnames?: Hostname[] }; output: Outcome<{ certificates: ManagedCertificate[] }> };
}

export type ActivityInput<K extends ActivityName> = ActivityContracts[K]['input'];
export type ActivityOutput<K extends ActivityName> = ActivityContracts[K]['output'];

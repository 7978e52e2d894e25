/**
 * The durable boundary: each activity's name with its input and output types, shared by the
 * orchestrators (callers) and the registrations. Plain JSON only: names, URLs and ids — never a
 * key, a PFX or a token.
 */
import type { Binding } from './gatewayMerge';
import type { Hostname } from './hostnames';
import type { Outcome } from './outcome';
import type { OrderStatus, Http01Challenge } from './adapters/acme';
import type { MergedCertificate } from './adapters/keyVault';

export const Activities = {
  getGatewayPublicIp: 'getGatewayPublicIp',
  checkDnsResolution: 'checkDnsResolution',
  createAcmeOrder: 'createAcmeOrder',
  getAcmeHttp01Challenges: 'getAcmeHttp01Challenges',
  uploadChallengeFiles: 'uploadChallengeFiles',
  checkChallengeFiles: 'checkChallengeFiles',
  answerChallenges: 'answerChallenges',
  checkOrderStatus: 'checkOrderStatus',
  createKeyVaultCsr: 'createKeyVaultCsr',
  finalizeOrder: 'finalizeOrder',
  mergeCertificate: 'mergeCertificate',
  deleteChallengeFiles: 'deleteChallengeFiles',
  bindGatewayListeners: 'bindGatewayListeners',
  checkImportedCertificate: 'checkImportedCertificate',
  listManagedCertificates: 'listManagedCertificates',
} as const;
export type ActivityName = (typeof Activities)[keyof typeof Activities];

export interface ChallengeFile {
  readonly token: string;
  readonly keyAuthorization: string;
}

export interface ActivityContracts {
  getGatewayPublicIp: { input: Record<string, never>; output: Outcome<{ ip: string }> };
  checkDnsResolution: { input: { hostname: Hostname; gatewayIp: string }; output: Outcome<{ chain: string[] }> };
  createAcmeOrder: { input: { hostname: Hostname }; output: Outcome<{ orderUrl: string; status: string }> & { retryAfterSeconds?: number } };
  getAcmeHttp01Challenges: { input: { orderUrl: string }; output: Outcome<{ challenges: Http01Challenge[] }> };
  uploadChallengeFiles: { input: { files: ChallengeFile[] }; output: Outcome };
  checkChallengeFiles: { input: { hostname: Hostname; gatewayIp: string; files: ChallengeFile[] }; output: Outcome };
  answerChallenges: { input: { challengeUrls: string[] }; output: Outcome };
  checkOrderStatus: { input: { orderUrl: string }; output: OrderStatus };
  createKeyVaultCsr: { input: { hostname: Hostname; certificateName: string }; output: Outcome<{ csrPem: string }> };
  finalizeOrder: { input: { orderUrl: string; csrPem: string }; output: OrderStatus };
  mergeCertificate: { input: { orderUrl: string; certificateName: string }; output: Outcome<MergedCertificate> };
  deleteChallengeFiles: { input: { tokens: string[] }; output: Outcome };
  /** `force`: PUT even when nothing changed, so the gateway re-reads Key Vault now. */
  bindGatewayListeners: { input: { bindings: Binding[]; force?: boolean }; output: Outcome<{ updated: boolean }> };
  /** Import: the starter imported the user's PFX; this confirms that version and returns its ids. */
  checkImportedCertificate: { input: { hostname: Hostname; certificateName: string; version: string }; output: Outcome<{ secretId: string; thumbprint: string; expiresOn: string }> };
  /** Renewal: every certificate this app manages or imported, with the renewal decision at `now`. */
  listManagedCertificates: { input: { now: string; forceAll?: boolean; hostnames?: string[] }; output: Outcome<{ certificates: ManagedCertificate[] }> };
}

export interface ManagedCertificate {
  readonly certificateName: string;
  readonly hostnames: string[];
  readonly source: 'acme' | 'imported';
  readonly acmeDirectory?: string;
  readonly version: string;
  readonly thumbprint: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** When renewal becomes due (ISO); for imported certificates, when to warn. */
  readonly renewAfter: string;
  readonly due: boolean;
  readonly reason: string;
}

export type ActivityInput<K extends ActivityName> = ActivityContracts[K]['input'];
export type ActivityOutput<K extends ActivityName> = ActivityContracts[K]['output'];

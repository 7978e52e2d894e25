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
  bindGatewayListeners: { input: { bindings: Binding[] }; output: Outcome<{ updated: boolean }> };
}

export type ActivityInput<K extends ActivityName> = ActivityContracts[K]['input'];
export type ActivityOutput<K extends ActivityName> = ActivityContracts[K]['output'];

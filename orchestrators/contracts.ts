/**
 * Orchestrator names with their input and output types, shared by the starters, the parents
 * that call them as sub-orchestrations (`subOrchestration` in durableCalls.ts) and the
 * registrations. Plain JSON: hostnames arrive parsed (`Hostname`) from the edge that read them.
 */
import type { CertificateVersion, GatewayAddresses } from '../lib/activityContracts';
import type { Hostname } from '../lib/hostnames';
import type { Outcome } from '../lib/outcome';
import type { ErrorCode, HostnameProgress } from '../lib/status';

export const Orchestrators = {
  IssueCertificate: 'IssueCertificateOrchestrator',
  IssueCertificates: 'IssueCertificatesOrchestrator',
  RenewCertificates: 'RenewCertificatesOrchestrator',
  ImportCertificate: 'ImportCertificateOrchestrator',
} as const;
export type OrchestratorName = (typeof Orchestrators)[keyof typeof Orchestrators];

/** One renewal at a time: the timer and the HTTP starter both use this id. */
export const RENEWAL_INSTANCE_ID = 'renew-certificates';

/** The gateway to bind to, read from settings by the starter (orchestrators never read the environment). */
export interface GatewayTarget {
  /** Key of the gateway's write-queue entity (`gatewayEntityKey`). */
  readonly key: string;
  /** How often to poll a gateway update and the queue (ApplicationGatewayPollIntervalSeconds). */
  readonly pollSeconds: number;
}

export interface IssueCertificateInput {
  readonly hostname: Hostname;
  /** Where to bind the certificate; absent for a batch's or a renewal's children, whose parent binds them all at once. */
  readonly bind?: GatewayTarget;
  /** KeyVaultRecoverDeletedCertificates: recover a soft-deleted certificate of this name rather than fail. */
  readonly recoverDeleted?: boolean;
  /** The gateway's addresses, when a parent read them once for all its children; the run reads them itself otherwise. */
  readonly gatewayAddresses?: GatewayAddresses;
}

/** A certificate issued into Key Vault for one hostname. */
export interface IssuedCertificate extends CertificateVersion {
  readonly hostname: Hostname;
  readonly certificateName: string;
  readonly gatewayIp: string;
  /** Set when the certificate was issued but clean-up kept failing: reported, not swallowed. */
  readonly warning?: string;
}
export type IssuanceResult = Outcome<IssuedCertificate>;

export interface IssueCertificateOutput {
  readonly result: IssuanceResult;
  readonly listener?: string;
  readonly gatewayUpdated?: boolean;
}

export interface IssueCertificatesInput {
  readonly hostnames: readonly Hostname[];
  readonly gateway: GatewayTarget;
  readonly recoverDeleted?: boolean;
}

export interface IssueCertificatesOutput {
  readonly hostnames: Readonly<Record<string, HostnameProgress>>;
  readonly gatewayUpdated: boolean;
  readonly certificates: readonly IssuedCertificate[];
}

export interface RenewCertificatesInput {
  /** Renew every ACME certificate (or those of `hostnames`) whether due or not. */
  readonly force: boolean;
  readonly hostnames?: readonly Hostname[];
  /** Read from settings by the starter: orchestrators never read the environment. */
  readonly refreshGateway: boolean;
  readonly concurrency: number;
  readonly gateway: GatewayTarget;
  readonly recoverDeleted?: boolean;
}

export interface RenewalReport {
  readonly renewed: Array<{ hostname: string; certificateName: string; version: string; expiresOn: string }>;
  readonly skipped: Array<{ hostname: string; certificateName: string; renewAfter: string; reason: string }>;
  readonly failed: Array<{ hostname: string; certificateName: string; error: ErrorCode; message: string }>;
  readonly expiringImported: Array<{ hostname: string; certificateName: string; notAfter: string; reason: string }>;
  gatewayRefreshed: boolean;
}

/** Names and ids only: the certificate and key stay in Key Vault. */
export interface ImportCertificateInput {
  readonly hostname: Hostname;
  readonly certificateName: string;
  readonly version: string;
  readonly gateway: GatewayTarget;
  /** The claim the starter took for this run before it wrote Key Vault; the run takes it over. */
  readonly claimToken?: string;
}

export interface ImportCertificateOutput extends CertificateVersion {
  readonly hostname: Hostname;
  readonly certificateName: string;
  readonly listener: string;
  readonly gatewayUpdated: boolean;
}

export interface OrchestratorContracts {
  IssueCertificateOrchestrator: { input: IssueCertificateInput; output: IssueCertificateOutput };
  IssueCertificatesOrchestrator: { input: IssueCertificatesInput; output: IssueCertificatesOutput };
  RenewCertificatesOrchestrator: { input: RenewCertificatesInput; output: RenewalReport };
  ImportCertificateOrchestrator: { input: ImportCertificateInput; output: ImportCertificateOutput };
}

export type OrchestratorInput<K extends OrchestratorName> = OrchestratorContracts[K]['input'];
export type OrchestratorOutput<K extends OrchestratorName> = OrchestratorContracts[K]['output'];

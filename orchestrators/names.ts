/** Orchestrator names, shared by the registrations and the starters. */
export const Orchestrators = {
  IssueCertificate: 'IssueCertificateOrchestrator',
  IssueCertificates: 'IssueCertificatesOrchestrator',
  RenewCertificates: 'RenewCertificatesOrchestrator',
} as const;

/** One renewal at a time: the timer and the HTTP starter both use this id. */
export const RENEWAL_INSTANCE_ID = 'renew-certificates';

export interface RenewCertificatesInput {
  /** Renew every ACME certificate (or those of `hostnames`) whether due or not. */
  readonly force: boolean;
  readonly hostnames?: readonly string[];
  /** Read from settings by the starter: orchestrators never read the environment. */
  readonly refreshGateway: boolean;
  readonly concurrency: number;
}

export interface IssueCertificateInput {
  readonly hostname: string;
  /** false for a batch's children: their parent binds every certificate in one gateway update. */
  readonly bindGateway: boolean;
}

export interface IssueCertificatesInput {
  readonly hostnames: readonly string[];
}

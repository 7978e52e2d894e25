/** Orchestrator names, shared by the registrations and the starters. */
export const Orchestrators = {
  IssueCertificate: 'IssueCertificateOrchestrator',
  IssueCertificates: 'IssueCertificatesOrchestrator',
} as const;

export interface IssueCertificateInput {
  readonly hostname: string;
  /** false for a batch's children: their parent binds every certificate in one gateway update. */
  readonly bindGateway: boolean;
}

export interface IssueCertificatesInput {
  readonly hostnames: readonly string[];
}

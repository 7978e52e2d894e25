/**
 * The progress vocabulary users see in `customStatus` while they poll `statusQueryGetUri`.
 * Names are a public contract (scripts match on them): add, never rename.
 */

export const Steps = {
  GetApplicationGatewayPublicIp: 'GetApplicationGatewayPublicIpStep',
  CheckDnsResolution: 'CheckDnsResolutionStep',
  /** The Key Vault name can take a version for the hostname (not soft-deleted, not a secret's or another hostname's). */
  CheckKeyVaultName: 'CheckKeyVaultNameStep',
  GetAcmeOrder: 'GetAcmeOrderStep',
  GetAcmeHttp01Challenge: 'GetAcmeHttp01ChallengeStep',
  UploadValidationFileToBlobStorage: 'UploadValidationFileToBlobStorageStep',
  /** Our own fetch of the file through the gateway, before the CA spends a validation on it. */
  VerifyValidationFile: 'VerifyValidationFileStep',
  AnswerAcmeHttp01Challenge: 'AnswerAcmeHttp01ChallengeStep',
  CheckAcmeOrder: 'CheckAcmeOrderStep',
  CreateCertificate: 'CreateCertificateStep',
  DeleteValidationFileFromBlobStorage: 'DeleteValidationFileFromBlobStorageStep',
  ConfigureApplicationGateway: 'ConfigureApplicationGatewayStep',
  /** Multi-hostname requests: per-hostname certificates are being issued in parallel. */
  IssueCertificates: 'IssueCertificatesStep',
  /** Import: the user's certificate and key are checked in Key Vault before binding. */
  ImportCertificate: 'ImportCertificateStep',
  /** Renewal: listing managed certificates and deciding which are due. */
  ListCertificates: 'ListCertificatesStep',
  /** Renewal: due certificates are being renewed (bounded concurrency). */
  RenewCertificates: 'RenewCertificatesStep',
  Completed: 'Completed',
  Failed: 'Failed',
} as const;
export type StepName = (typeof Steps)[keyof typeof Steps];

export const ErrorCodes = {
  InvalidInput: 'InvalidInput',
  HostnameNotResolvingToApplicationGateway: 'HostnameNotResolvingToApplicationGateway',
  DnsLookupFailed: 'DnsLookupFailed',
  HostnameOwnershipValidationFileNotFound: 'HostnameOwnershipValidationFileNotFound',
  HostnameOwnershipValidationFileNotValid: 'HostnameOwnershipValidationFileNotValid',
  AcmeAccountError: 'AcmeAccountError',
  AcmeOrderInvalid: 'AcmeOrderInvalid',
  AcmeOrderTimedOut: 'AcmeOrderTimedOut',
  AcmeRateLimited: 'AcmeRateLimited',
  AcmeServerError: 'AcmeServerError',
  KeyVaultAccessDenied: 'KeyVaultAccessDenied',
  KeyVaultError: 'KeyVaultError',
  /** Soft-delete holds the certificate's name: recover it (or let the app, KeyVaultRecoverDeletedCertificates). */
  KeyVaultCertificateDeleted: 'KeyVaultCertificateDeleted',
  /** The name belongs to a secret, a certificate the app does not manage, or another hostname's certificate. */
  KeyVaultNameTaken: 'KeyVaultNameTaken',
  BlobStorageError: 'BlobStorageError',
  ApplicationGatewayNotFound: 'ApplicationGatewayNotFound',
  ApplicationGatewayPublicIpNotFound: 'ApplicationGatewayPublicIpNotFound',
  ApplicationGatewayBusy: 'ApplicationGatewayBusy',
  ApplicationGatewayUpdateFailed: 'ApplicationGatewayUpdateFailed',
  ApplicationGatewayAccessDenied: 'ApplicationGatewayAccessDenied',
  /** A listener that matches first (wildcard, basic, or lower priority number) would serve the hostname instead. */
  ApplicationGatewayListenerShadowed: 'ApplicationGatewayListenerShadowed',
  /** The hostname's listener or certificate belongs to configuration this app does not manage. */
  ApplicationGatewayBindingConflict: 'ApplicationGatewayBindingConflict',
  /** Our binding was in a completed update and then gone: another writer superseded or removed it. */
  ApplicationGatewayUpdateLost: 'ApplicationGatewayUpdateLost',
  SomeCertificatesFailed: 'SomeCertificatesFailed',
  /** Another run (issuance, renewal or import) is working on this certificate; this one did nothing. */
  CertificateBusy: 'CertificateBusy',
  CertificateKeyMismatch: 'CertificateKeyMismatch',
  CertificateExpired: 'CertificateExpired',
  CertificateDoesNotCoverHostname: 'CertificateDoesNotCoverHostname',
  ImportedCertificateNotFound: 'ImportedCertificateNotFound',
  /** Import: the leaf is not an end-entity certificate for a TLS server (a CA, or no serverAuth usage). */
  CertificateNotForServer: 'CertificateNotForServer',
  /** Import: an issuer in the chain is not a CA, or a certificate of the chain is out of date. */
  CertificateChainInvalid: 'CertificateChainInvalid',
  /** Import: the hostname's certificate is issued and renewed by this app; send "replace": true to replace it. */
  CertificateManagedByAcme: 'CertificateManagedByAcme',
  InternalError: 'InternalError',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const errorCodeSet: ReadonlySet<string> = new Set(Object.values(ErrorCodes));
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && errorCodeSet.has(value);
}

/** A batch's hostname: `Issued` is in Key Vault and waits for the batch's single gateway update. */
export type HostnameState = 'Pending' | 'Issued' | 'Completed' | 'Failed';

export interface HostnameProgress {
  readonly status: HostnameState;
  readonly error?: ErrorCode;
  readonly message?: string;
  /** The per-hostname orchestration a user can poll for its steps. */
  readonly instanceId?: string;
}

/** Counts for a run over many certificates: what `customStatus` holds instead of every detail. */
export type Counts = Readonly<Record<string, number>>;

/**
 * What `customStatus` holds. `error` is set with status `Failed`, and with `Completed` when a
 * multi-hostname or renewal run finished but some of its certificates failed (`SomeCertificatesFailed`).
 *
 * The Durable extension fails an orchestration whose custom status is over 16 KB of UTF-16
 * (MessagePayloadDataConverter), so it stays small by design whatever the run's size: a message
 * of at most MAX_MESSAGE characters, counts, and for a batch one short state per hostname in the
 * request's order ("Pending", "Issued", "Completed", "Failed:<code>"). Each hostname's message and instance
 * id are in the orchestration's output and in its child's own status.
 */
export interface CustomStatus {
  readonly status: StepName;
  readonly message: string;
  readonly error: ErrorCode | null;
  /** Runs over many certificates: how many are where. */
  readonly counts?: Counts;
  /** Multi-hostname orchestrations: each hostname's state, in the order the request listed them. */
  readonly hostnames?: readonly string[];
}

/** A message long enough for any hostname (253) and a CA's reason, and never more. */
export const MAX_MESSAGE = 2000;

function bounded(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;
}

/** A batch's per-hostname states as `customStatus` carries them. */
export function compactStates(states: readonly HostnameProgress[]): { counts: Counts; hostnames: string[] } {
  const counts = { pending: 0, issued: 0, completed: 0, failed: 0 };
  const hostnames = states.map((s) => {
    if (s.status === 'Failed') {
      counts.failed += 1;
      return `Failed:${s.error ?? ErrorCodes.InternalError}`;
    }
    if (s.status === 'Completed') counts.completed += 1;
    else if (s.status === 'Issued') counts.issued += 1;
    else counts.pending += 1;
    return s.status;
  });
  return { counts, hostnames };
}

export function progress(status: Exclude<StepName, 'Failed'>, message: string, extra: Pick<CustomStatus, 'counts' | 'hostnames'> = {}): CustomStatus {
  return { status, message: bounded(message), error: null, ...extra };
}

export function failure(error: ErrorCode, message: string, extra: Pick<CustomStatus, 'counts' | 'hostnames'> = {}): CustomStatus {
  return { status: Steps.Failed, message: bounded(message), error, ...extra };
}

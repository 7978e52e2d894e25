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

export type HostnameState = 'Pending' | 'Completed' | 'Failed';

export interface HostnameProgress {
  readonly status: HostnameState;
  readonly error?: ErrorCode;
  readonly message?: string;
  /** The per-hostname orchestration a user can poll for its steps. */
  readonly instanceId?: string;
}

/**
 * What `customStatus` holds. `error` is set with status `Failed`, and with `Completed` when a
 * multi-hostname or renewal run finished but some of its certificates failed (`SomeCertificatesFailed`).
 */
export interface CustomStatus {
  readonly status: StepName;
  readonly message: string;
  readonly error: ErrorCode | null;
  /** Multi-hostname orchestrations only. */
  readonly hostnames?: Readonly<Record<string, HostnameProgress>>;
}

export function progress(status: Exclude<StepName, 'Failed'>, message: string, hostnames?: Record<string, HostnameProgress>): CustomStatus {
  return hostnames ? { status, message, error: null, hostnames } : { status, message, error: null };
}

export function failure(error: ErrorCode, message: string, hostnames?: Record<string, HostnameProgress>): CustomStatus {
  return hostnames ? { status: Steps.Failed, message, error, hostnames } : { status: Steps.Failed, message, error };
}

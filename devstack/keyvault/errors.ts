/** Errors answered in Key Vault's shape, and the ones several operations share. */

/** An error answered in Key Vault's shape: `{ error: { code, message } }`. */
export class KvError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }
}

export function pendingNotFound(name: string): KvError {
  return new KvError(404, 'PendingCertificateNotFound', `Pending certificate not found: ${name}`);
}

export function conflictWithSecret(name: string): KvError {
  return new KvError(409, 'Conflict', `'${name}' is already used by a secret or by a certificate's managed secret: certificates and secrets share one namespace.`);
}

export function disabledSecret(): KvError {
  return new KvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
}

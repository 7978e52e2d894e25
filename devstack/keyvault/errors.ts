/**
 * Errors answered in Key Vault's shape, and the ones several operations share. Each says where the
 * real body was seen; "by analogy" marks a form built from a sibling that was seen.
 */
import type { ObjectKind } from './model';

/** An error answered in Key Vault's shape: `{ error: { code, message, innererror? } }` (REST spec `KeyVaultError`). */
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

const TITLE: Record<ObjectKind, string> = { certificate: 'Certificate', secret: 'Secret' };

export function certificateNotFound(name: string): KvError {
  return new KvError(404, 'CertificateNotFound', `A certificate with (name/id) ${name} was not found in this key vault.`);
}

export function secretNotFound(name: string): KvError {
  return new KvError(404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault.`);
}

/**
 * `GET /deletedcertificates/{name}` before the deletion has finished, or of a name never deleted:
 * `{"error":{"code":"CertificateNotFound","message":"Deleted Certificate not found: <name>"}}`
 * (azure-sdk-for-js recording `…read_cancel_and_delete_a_certificates_operation.js` @ 011a3b41).
 * The secret form is by analogy.
 */
export function deletedNotFound(kind: ObjectKind, name: string): KvError {
  return kind === 'certificate'
    ? new KvError(404, 'CertificateNotFound', `Deleted Certificate not found: ${name}`)
    : new KvError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
}

export function pendingNotFound(name: string): KvError {
  // azure-sdk-for-js CRUD.spec.ts asserts this message; docs create-certificate-scenarios.md L193-200.
  return new KvError(404, 'PendingCertificateNotFound', `Pending certificate not found: ${name}`);
}

/**
 * Create, import or set onto a name held by a soft-deleted object. Secret form seen in real output
 * (az CLI in Azure/azure-rest-api-specs#9222; azure-sdk-for-net Sample4_ErrorResponse.md); key form in
 * azure-sdk-for-cpp live tests; certificate form by analogy. docs soft-delete-overview.md L82.
 */
export function deletedButRecoverable(kind: ObjectKind, name: string): KvError {
  return new KvError(
    409,
    'Conflict',
    `${TITLE[kind]} ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the ${kind} can only be recovered or purged.`,
    'ObjectIsDeletedButRecoverable',
  );
}

/**
 * Create or set while the delete or the purge still runs: real body for a secret after a purge
 * (Azure/azure-sdk-for-net#34322); key form in azure-sdk-for-cpp live tests; certificate by analogy.
 */
export function beingDeletedCannotRecreate(kind: ObjectKind, name: string): KvError {
  return new KvError(409, 'Conflict', `${TITLE[kind]} ${name} is currently being deleted and cannot be re-created; retry later.`, 'ObjectIsBeingDeleted');
}

/**
 * Purge (or recover) before the delete has finished: `"Certificate is currently being deleted."`
 * with innererror ObjectIsBeingDeleted (azure-sdk-for-js recordings; secret form in
 * Azure/azure-sdk-for-net#7199, az CLI Azure/azure-cli#12722).
 */
export function beingDeleted(kind: ObjectKind): KvError {
  return new KvError(409, 'Conflict', `${TITLE[kind]} is currently being deleted.`, 'ObjectIsBeingDeleted');
}

/**
 * Create or set while a recover still runs, also for a while after the recovered object is readable
 * again: real secret body in hashicorp/terraform-provider-azurerm#12285, and "sometimes" after the
 * SDK's recover poller finished (Azure/azure-sdk-for-net#31581). Certificate form by analogy.
 */
export function beingRecovered(kind: ObjectKind, name: string): KvError {
  return new KvError(409, 'Conflict', `${TITLE[kind]} ${name} is currently being recovered and cannot be re-created; retry later.`, 'ObjectIsBeingRecovered');
}

/**
 * Purge under purge protection: 403 Forbidden with this message (microsoft/AzureTRE#1951 for
 * PurgeDeletedSecret, hashicorp/terraform-provider-azurerm#19502 for PurgeDeletedCertificate). The
 * real message goes on with "Vault: <name>;location=<region>"; the emulator has neither.
 */
export function purgeProtected(): KvError {
  return new KvError(
    403,
    'Forbidden',
    'Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.',
  );
}

/**
 * Create or import while a pending operation is inProgress: 409, and the documented code really is
 * "Forbidden" (docs create-certificate-scenarios.md L205-246). No recording shows another body.
 */
export function pendingInProgress(): KvError {
  return new KvError(
    409,
    'Forbidden',
    "A new key vault certificate can not be created or imported while a pending key vault certificate's status is inProgress.",
  );
}

/**
 * A certificate create or import onto a name a secret holds: docs certificates/faq.yml L51-53
 * ("Error type: Conflict when creating a certificate": the certificate's addressable secret has
 * the certificate's name). No real body was found: status and code follow the FAQ, no innererror
 * (a client must not tell it apart by one), the message is the emulator's.
 */
export function conflictWithSecret(name: string): KvError {
  return new KvError(
    409,
    'Conflict',
    `Certificate ${name} cannot be created: a secret named ${name} already exists, and a certificate's addressable secret takes the certificate's name.`,
  );
}

/** A secret set onto a certificate's name: the same shared name space, seen from the other side. */
export function conflictWithCertificate(name: string): KvError {
  return new KvError(409, 'Conflict', `Secret ${name} cannot be set: it is the managed secret of certificate ${name}.`);
}

/** docs create-certificate.md L52: a certificate's key and secret are managed, "Managed keys and secrets are read-only." */
export function managedSecretReadOnly(operation: string, name: string): KvError {
  return new KvError(
    403,
    'Forbidden',
    `Operation ${operation} is not allowed on secret ${name}: it is managed by certificate ${name} (managed secrets are read-only).`,
  );
}

/** docs create-certificate-scenarios.md L265-279 (the typo "progess" is the service's). */
export function mergeForbidden(issuerName: string): KvError {
  return new KvError(403, 'Forbidden', `Merge is forbidden on pending object created with issuer : ${issuerName} while it is in progess.`);
}

export function disabledSecret(): KvError {
  return new KvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
}

/** What the emulator does not do answers a loud 400, never a 404 that reads as "not found". */
export function notModelled(what: string): KvError {
  return new KvError(400, 'BadParameter', `The Key Vault emulator does not model ${what}.`);
}

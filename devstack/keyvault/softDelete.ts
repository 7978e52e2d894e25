/**
 * Soft delete, for certificates and secrets: delete, read and list deleted objects, purge, recover.
 *
 * Every step runs in the background in the real service, and the emulator makes each one take
 * `softDeleteDelayMs` (Vault.tick moves them on):
 * - DELETE answers 200 at once, but GET deleted answers 404 for a while (~17 s in the real
 *   recording `…read_cancel_and_delete_a_certificates_operation.js` @ 011a3b41), and a purge in
 *   that window answers 409 ObjectIsBeingDeleted. The SDK's delete poller waits through the 404s.
 * - Purge answers 204, then neither GET nor GET deleted finds the object, yet a re-create answers
 *   409 ObjectIsBeingDeleted for a while (Azure/azure-sdk-for-net#26027 and #34322).
 * - Recover answers 200, the object answers 404 until recovered (the SDK's recover poller waits
 *   through them), and a re-create still answers 409 ObjectIsBeingRecovered for a while after it is
 *   readable (Azure/azure-sdk-for-net#31581).
 * A certificate's key and secret are deleted and recovered with it (docs create-certificate.md L52:
 * their lifetime is managed by Key Vault). Whether they also show under /deletedsecrets is
 * unverified: here they do not.
 */
import { beingDeleted, deletedNotFound, managedSecretReadOnly, purgeProtected, secretNotFound } from './errors';
import type { Ctx, Reply } from './http';
import type { Wire } from './json';
import type { ObjectKind, Tombstone } from './model';
import { deletedFields, latestCertificateBody, page, secretBody } from './responses';
import type { Vault } from './vault';

// --- certificates ---------------------------------------------------------------------------

/** DELETE /certificates/{name}: "Deletes all versions of a certificate object along with its associated policy" (REST spec DeleteCertificate). */
export function deleteCertificate(v: Vault, name: string): Reply {
  const rec = v.requireCert(name);
  // The operation and a running issuance go with the certificate; a recover brings back versions,
  // placeholder and policy only.
  rec.pending = undefined;
  rec.issuance = undefined;
  v.certs.delete(name.toLowerCase());
  const t = bury(v, 'certificate', rec.name, { cert: rec });
  return { status: 200, body: deletedCertificateBody(v, t) };
}

export function getDeletedCertificate(v: Vault, name: string): Reply {
  return { status: 200, body: deletedCertificateBody(v, visibleDeleted(v, 'certificate', name)) };
}

/** GET /deletedcertificates[?includePending]: a certificate deleted before any version was issued shows only with includePending=true. */
export function listDeletedCertificates(v: Vault, ctx: Ctx): Reply {
  const includePending = ctx.query.get('includePending') === 'true';
  const items = deletedOfKind(v, 'certificate')
    .filter((t) => (t.cert?.versions.length ?? 0) > 0 || includePending)
    .map((t) => {
      const full = deletedCertificateBody(v, t);
      const item: Wire = { id: `${v.url}/certificates/${t.name}`, attributes: full.attributes, ...deletedFields(v.url, t) };
      if (full.x5t) item.x5t = full.x5t;
      if (full.tags) item.tags = full.tags;
      return item;
    });
  return page(v.url, v.pageSize, items, ctx, '/deletedcertificates');
}

export function purgeDeletedCertificate(v: Vault, name: string): Reply {
  return purge(v, 'certificate', name);
}

/** POST /deletedcertificates/{name}/recover → 200 CertificateBundle (REST spec RecoverDeletedCertificate). */
export function recoverDeletedCertificate(v: Vault, name: string): Reply {
  const t = startRecovery(v, 'certificate', name);
  const rec = t.cert;
  if (!rec) throw new Error(`tombstone of ${name} holds no certificate`);
  return { status: 200, body: latestCertificateBody(v.url, rec, v.recovery) };
}

function deletedCertificateBody(v: Vault, t: Tombstone): Wire {
  const rec = t.cert;
  if (!rec) throw new Error(`tombstone of ${t.name} holds no certificate`);
  const body = latestCertificateBody(v.url, rec, v.recovery);
  delete body.pending;
  return { ...deletedFields(v.url, t), ...body };
}

// --- secrets --------------------------------------------------------------------------------

export function deleteSecret(v: Vault, name: string): Reply {
  if (v.cert(name)) throw managedSecretReadOnly('delete', name);
  const entry = v.secret(name);
  if (!entry) throw secretNotFound(name);
  v.secrets.delete(name.toLowerCase());
  const t = bury(v, 'secret', entry.name, { secret: entry });
  return { status: 200, body: deletedSecretBody(v, t) };
}

export function getDeletedSecret(v: Vault, name: string): Reply {
  return { status: 200, body: deletedSecretBody(v, visibleDeleted(v, 'secret', name)) };
}

export function listDeletedSecrets(v: Vault, ctx: Ctx): Reply {
  return page(
    v.url,
    v.pageSize,
    deletedOfKind(v, 'secret').map((t) => deletedSecretBody(v, t)),
    ctx,
    '/deletedsecrets',
  );
}

export function purgeDeletedSecret(v: Vault, name: string): Reply {
  return purge(v, 'secret', name);
}

/** POST /deletedsecrets/{name}/recover → 200 SecretBundle (REST spec RecoverDeletedSecret), value left out. */
export function recoverDeletedSecret(v: Vault, name: string): Reply {
  const t = startRecovery(v, 'secret', name);
  return { status: 200, body: latestSecretBody(v, t) };
}

function deletedSecretBody(v: Vault, t: Tombstone): Wire {
  return { ...deletedFields(v.url, t), ...latestSecretBody(v, t) };
}

function latestSecretBody(v: Vault, t: Tombstone): Wire {
  const latest = t.secret?.versions.at(-1);
  if (!latest) throw new Error(`tombstone of ${t.name} holds no secret`);
  return secretBody(v.url, t.name, latest, v.recovery, false);
}

// --- shared ---------------------------------------------------------------------------------

function bury(v: Vault, kind: ObjectKind, name: string, held: Pick<Tombstone, 'cert' | 'secret'>): Tombstone {
  const deletedDate = Math.floor(v.now() / 1000);
  const t: Tombstone = {
    kind,
    name,
    phase: 'deleting',
    until: v.now() + v.settings.softDeleteDelayMs,
    deletedDate,
    // REST spec: scheduledPurgeDate is when the object is scheduled to be purged; deletion + retention.
    scheduledPurgeDate: deletedDate + v.settings.retentionDays * 86_400,
    ...held,
  };
  v.tombstones.set(name.toLowerCase(), t);
  return t;
}

function deletedOfKind(v: Vault, kind: ObjectKind): Tombstone[] {
  return [...v.tombstones.values()]
    .filter((t) => t.kind === kind && t.phase === 'deleted')
    .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
}

/** Only a finished deletion is visible; while it runs, and after a purge or recover, 404. */
function visibleDeleted(v: Vault, kind: ObjectKind, name: string): Tombstone {
  const t = v.tombstone(name);
  if (t?.kind !== kind || t.phase !== 'deleted') throw deletedNotFound(kind, name);
  return t;
}

/**
 * DELETE /deleted{kind}s/{name} → 204 (REST spec PurgeDeleted*: "not available if the recovery
 * level does not specify 'Purgeable'"): 403 under purge protection (docs soft-delete-overview.md
 * L50), 409 ObjectIsBeingDeleted while the delete still runs.
 */
function purge(v: Vault, kind: ObjectKind, name: string): Reply {
  const t = v.tombstone(name);
  if (t?.kind === kind && t.phase === 'deleting') throw beingDeleted(kind);
  const deleted = visibleDeleted(v, kind, name);
  if (v.settings.purgeProtection) throw purgeProtected();
  Object.assign(deleted, { phase: 'purging', until: v.now() + v.settings.softDeleteDelayMs });
  return { status: 204 };
}

/**
 * Recover while the delete still runs: 409 ObjectIsBeingDeleted, as purge answers in that window
 * (the recordings show it for purge; for recover it is the stricter of 409 and 404).
 */
function startRecovery(v: Vault, kind: ObjectKind, name: string): Tombstone {
  const t = v.tombstone(name);
  if (t?.kind === kind && t.phase === 'deleting') throw beingDeleted(kind);
  const deleted = visibleDeleted(v, kind, name);
  Object.assign(deleted, { phase: 'recovering', until: v.now() + v.settings.softDeleteDelayMs });
  return deleted;
}

/**
 * Certificate operations: create (issuer Unknown or Self), the pending operation, merge, import,
 * versions and policy.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { buildCsr, leafDer, newRsaKeyPem, selfSignedCertificate, sha1 } from './crypto';
import { conflictWithSecret, KvError, mergeForbidden, notModelled, pendingNotFound } from './errors';
import type { Ctx, Reply } from './http';
import { decodeX5cEntry, readImportValue } from './importedMaterial';
import { bool, num, obj, str, strMap, Wire } from './json';
import { CertRecord, CertVersion, newVersion, PendingOperation, randomHex, unixNow, versionAttributes } from './model';
import { importedPolicy, normalizePolicy } from './policy';
import { certificateBody, latestCertificateBody, operationBody, operationHeaders, page } from './responses';
import type { Vault } from './vault';

// docs create-certificate-scenarios.md L373-389 (Unknown) and the real Self create recording
// (azure-sdk-for-js lro.create `recording_can_wait_until_a_certificate_is_created.json` @ 26479601).
const UNKNOWN_DETAILS = 'Pending certificate created. Please Perform Merge to complete the request.';
const SELF_DETAILS =
  'Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.';

/** Create, import: the name must be free of deleted objects, plain secrets and running operations. */
function refuseCertificateWrite(v: Vault, name: string): void {
  v.refuseHeldName(name);
  if (v.secret(name)) throw conflictWithSecret(name);
  v.refuseWhilePending(name);
}

export function createCertificate(v: Vault, name: string, body: Wire): Reply {
  refuseCertificateWrite(v, name);
  // A create carries the whole new policy: it replaces the previous one rather than patching it.
  const policy = normalizePolicy(v.url, name, obj(body.policy) ?? {}, undefined);
  const issuerName = str(obj(policy.issuer)?.name) ?? 'Unknown';
  if (issuerName !== 'Unknown' && issuerName !== 'Self') throw notModelled(`issuer '${issuerName}' (use 'Unknown' for CSR + merge, or 'Self')`);
  const rec = v.record(name);
  rec.policy = policy;
  const keyProps = obj(policy.key_props) ?? {};
  const x509 = obj(policy.x509_props) ?? {};
  const previous = rec.versions.at(-1);
  const stashed = v.takeStashedKey(name);
  const keyPem = keyProps.reuse_key === true && previous ? previous.keyPem : (stashed ?? newRsaKeyPem(num(keyProps.key_size) ?? 2048));
  const now = unixNow();
  const tags = strMap(body.tags);
  const enabled = bool(obj(body.attributes)?.enabled);
  const validityMonths = num(x509.validity_months) ?? 12;
  rec.placeholder = { version: randomHex(), created: now, nbf: now - 600, exp: now - 600 + validityMonths * 30 * 86_400, tags };
  const op: PendingOperation = {
    requestId: randomHex(),
    status: 'inProgress',
    statusDetails: issuerName === 'Self' ? SELF_DETAILS : UNKNOWN_DETAILS,
    issuerName,
    csrDer: buildCsr(keyPem, x509),
    keyPem,
    cancellationRequested: false,
    createTags: tags,
    createEnabled: enabled,
  };
  rec.pending = op;
  // Self: the real create stays inProgress for seconds (~10 s observed, one Retry-After) before the
  // version appears; Vault.tick completes it. A new create replaces an issuance still running.
  rec.issuance =
    issuerName === 'Self'
      ? {
          requestId: op.requestId,
          readyAt: v.now() + v.settings.selfIssuanceDelayMs,
          der: selfSignedCertificate(keyPem, x509),
          keyPem,
          tags: tags ?? {},
          enabled: enabled ?? true,
        }
      : undefined;
  return { status: 202, body: operationBody(v.url, rec, op), headers: operationHeaders(v.url, rec, op) };
}

export function getOperation(v: Vault, name: string): Reply {
  const rec = v.cert(name);
  if (!rec?.pending) throw pendingNotFound(name);
  return { status: 200, body: operationBody(v.url, rec, rec.pending) };
}

/**
 * Cancellation (PATCH …/pending {cancellation_requested: true}) answers 200 with
 * `cancellation_requested: true` and the status still `inProgress` (real recording, and docs
 * create-certificate-scenarios.md L282-318). Whether it ever becomes "cancelled" is unverified (the
 * Python test expecting it is skipped), so the stricter reading: it never does. A running Self
 * issuance still completes, an Unknown one still waits for its merge or a delete.
 */
export function updateOperation(v: Vault, name: string, body: Wire): Reply {
  const rec = v.cert(name);
  const op = rec?.pending;
  if (!rec || !op) throw pendingNotFound(name);
  // REST spec CertificateOperationUpdateParameter: cancellation_requested is required.
  const requested = bool(body.cancellation_requested);
  if (requested === undefined) throw new KvError(400, 'BadParameter', 'cancellation_requested is required and must be a boolean.');
  // After completion: 403 "Pending status must be in progress to allow update." (Azure/azure-sdk-for-js#25758, real).
  if (op.status !== 'inProgress') throw new KvError(403, 'Forbidden', 'Pending status must be in progress to allow update.');
  if (requested) op.cancellationRequested = true;
  return { status: 200, body: operationBody(v.url, rec, op) };
}

/**
 * DELETE …/pending answers the operation as it was; the disabled placeholder stays (real recording
 * @ 011a3b41). docs L179/L217/L323: deleting it "may or may not cancel the x509 certificate
 * request with the provider": the stricter reading, it does not, so a running Self issuance lands.
 */
export function deleteOperation(v: Vault, name: string): Reply {
  const rec = v.cert(name);
  const op = rec?.pending;
  if (!rec || !op) throw pendingNotFound(name);
  rec.pending = undefined;
  return { status: 200, body: operationBody(v.url, rec, op) };
}

export function mergeCertificate(v: Vault, name: string, body: Wire): Reply {
  const rec = v.cert(name);
  const op = rec?.pending;
  if (!rec || !op) throw pendingNotFound(name);
  if (op.status === 'inProgress' && op.issuerName !== 'Unknown') throw mergeForbidden(op.issuerName);
  if (op.status !== 'inProgress') {
    throw new KvError(400, 'BadParameter', `The pending operation of certificate '${name}' is ${op.status}, not inProgress: nothing to merge.`);
  }
  const x5c = Array.isArray(body.x5c) ? body.x5c : [];
  if (x5c.length === 0) throw new KvError(400, 'BadParameter', 'x5c must contain at least one certificate.');
  const chainDer = x5c.flatMap((entry) => decodeX5cEntry(entry));
  const leaf = new X509Certificate(chainDer[0] as Buffer);
  if (!leaf.checkPrivateKey(createPrivateKey(op.keyPem))) {
    throw new KvError(400, 'BadParameter', 'Public key from x5c parameter does not match the public key of the pending certificate request.');
  }
  const tags = strMap(body.tags) ?? op.createTags ?? {};
  const version = newVersion(chainDer, op.keyPem, tags, bool(obj(body.attributes)?.enabled) ?? op.createEnabled ?? true);
  rec.versions.push(version);
  rec.placeholder = undefined;
  Object.assign(op, { status: 'completed', statusDetails: '', target: `${v.url}/certificates/${rec.name}` });
  return {
    status: 201,
    body: certificateBody(v.url, rec, version, v.recovery),
    headers: { location: `${v.url}/certificates/${rec.name}?api-version=7.6` },
  };
}

export function importCertificate(v: Vault, name: string, body: Wire): Reply {
  refuseCertificateWrite(v, name);
  const value = str(body.value);
  if (!value) throw new KvError(400, 'BadParameter', 'value is required: a base64 PFX or a PEM text with key and certificates.');
  const wirePolicy = obj(body.policy);
  const { keyPem, chainDer, format } = readImportValue(value, str(body.pwd), str(obj(wirePolicy?.secret_props)?.contentType));
  const existing = v.cert(name);
  const base = existing?.versions.length ? existing.policy : importedPolicy(v.url, name, chainDer[0] as Buffer, keyPem, format);
  // The 4.10 SDK drops `policy` from the import body; a hand-written request may still send one.
  const policy = wirePolicy ? normalizePolicy(v.url, name, wirePolicy, base) : base;
  const rec = v.record(name);
  rec.policy = policy;
  const version = newVersion(chainDer, keyPem, strMap(body.tags) ?? {}, bool(obj(body.attributes)?.enabled) ?? true);
  rec.versions.push(version);
  rec.placeholder = undefined;
  return { status: 200, body: certificateBody(v.url, rec, version, v.recovery) };
}

export function getCertificate(v: Vault, name: string, version: string): Reply {
  const rec = v.requireCert(name);
  if (!version || version === rec.placeholder?.version) return { status: 200, body: latestCertificateBody(v.url, rec, v.recovery) };
  return { status: 200, body: certificateBody(v.url, rec, findVersion(rec, version), v.recovery) };
}

export function updateCertificate(v: Vault, name: string, version: string, body: Wire): Reply {
  const rec = v.requireCert(name);
  if (rec.placeholder && (!version || version === rec.placeholder.version)) throw notModelled('updating the placeholder version of a pending certificate');
  const cv = findVersion(rec, version);
  const enabled = bool(obj(body.attributes)?.enabled);
  if (enabled !== undefined) cv.enabled = enabled;
  const tags = strMap(body.tags);
  if (tags) cv.tags = tags;
  if (obj(body.policy)) rec.policy = normalizePolicy(v.url, rec.name, obj(body.policy) ?? {}, rec.policy);
  cv.updated = unixNow();
  return { status: 200, body: certificateBody(v.url, rec, cv, v.recovery) };
}

/** GET and PATCH /certificates/{name}/policy (REST spec GetCertificatePolicy, UpdateCertificatePolicy: the body is the policy). */
export function getPolicy(v: Vault, name: string): Reply {
  return { status: 200, body: v.requireCert(name).policy };
}

export function updatePolicy(v: Vault, name: string, body: Wire): Reply {
  const rec = v.requireCert(name);
  rec.policy = normalizePolicy(v.url, rec.name, body, rec.policy);
  return { status: 200, body: rec.policy };
}

/**
 * GET /certificates[?includePending]: REST spec GetCertificates, includePending "Specifies whether
 * to include certificates which are not completely provisioned" (here: only a placeholder, no version).
 */
export function listCertificates(v: Vault, ctx: Ctx): Reply {
  const includePending = ctx.query.get('includePending') === 'true';
  const items = [...v.certs.values()]
    .filter((rec) => rec.versions.length > 0 || (includePending && rec.placeholder))
    .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()))
    .map((rec) => {
      const latest = rec.versions.at(-1);
      const item: Wire = { id: `${v.url}/certificates/${rec.name}` };
      if (latest) Object.assign(item, { x5t: sha1(leafDer(latest)).toString('base64url'), attributes: versionAttributes(latest, v.recovery) });
      if (latest && Object.keys(latest.tags).length) item.tags = latest.tags;
      // Not yet provisioned (includePending): the placeholder's attributes — disabled — and the tags given at create.
      if (!latest && rec.placeholder) {
        item.attributes = {
          enabled: false,
          created: rec.placeholder.created,
          updated: rec.placeholder.created,
          recoveryLevel: v.recovery.recoveryLevel,
          recoverableDays: v.recovery.recoverableDays,
        };
        if (rec.placeholder.tags && Object.keys(rec.placeholder.tags).length) item.tags = rec.placeholder.tags;
      }
      return item;
    });
  return page(v.url, v.pageSize, items, ctx, '/certificates');
}

/**
 * Versions of a name the vault does not know answer 200 with an empty list, not 404 (real
 * recording `recording_can_list_certificate_versions_non_existing.json` @ 9d5577d7; list.spec.ts).
 */
export function listVersions(v: Vault, name: string, ctx: Ctx): Reply {
  const rec = v.cert(name);
  const items = (rec?.versions ?? []).map((cv) => {
    const item: Wire = {
      id: `${v.url}/certificates/${rec?.name ?? name}/${cv.version}`,
      x5t: sha1(leafDer(cv)).toString('base64url'),
      attributes: versionAttributes(cv, v.recovery),
    };
    if (Object.keys(cv.tags).length) item.tags = cv.tags;
    return item;
  });
  return page(v.url, v.pageSize, items, ctx, `/certificates/${rec?.name ?? name}/versions`);
}

export function findVersion(rec: CertRecord, version: string): CertVersion {
  const cv = version ? rec.versions.find((x) => x.version === version) : rec.versions.at(-1);
  if (!cv) throw new KvError(404, 'CertificateNotFound', `A certificate with (name/id) ${rec.name}/${version} was not found in this key vault.`);
  return cv;
}

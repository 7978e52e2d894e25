/**
 * The emulated vault: certificates (create with issuer Unknown or Self, pending operation, merge,
 * import, versions, policy) and secrets, in memory.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { buildCsr, derToPem, leafDer, newRsaKeyPem, selfSignedCertificate, sha1, toPfxBase64 } from './crypto';
import { conflictWithSecret, disabledSecret, KvError, pendingNotFound } from './errors';
import type { Ctx, Reply } from './http';
import { decodeX5cEntry, readImportValue } from './importedMaterial';
import { bool, num, obj, str, strMap, Wire } from './json';
import { CertRecord, CertVersion, newVersion, PEM, PendingOperation, PFX, randomHex, SecretVersion, unixNow, versionAttributes } from './model';
import { importedPolicy, normalizePolicy } from './policy';
import { certificateBody, operationBody, operationHeaders, page, placeholderBody, secretBody } from './responses';

export class Vault {
  url = '';
  // Key Vault names are case-insensitive: keyed by lower case, shown as first written.
  readonly certs = new Map<string, CertRecord>();
  readonly secrets = new Map<string, { name: string; versions: SecretVersion[] }>();

  constructor(private readonly pageSize: number) {}

  cert(name: string): CertRecord | undefined {
    return this.certs.get(name.toLowerCase());
  }

  private requireCert(name: string): CertRecord {
    const rec = this.cert(name);
    if (!rec || (rec.versions.length === 0 && !rec.pending)) {
      throw new KvError(404, 'CertificateNotFound', `A certificate with (name/id) ${name} was not found in this key vault.`);
    }
    return rec;
  }

  private refuseWhilePending(name: string): void {
    const op = this.cert(name)?.pending;
    if (op?.status === 'inProgress') {
      throw new KvError(
        409,
        'Conflict',
        `There is a pending certificate operation for certificate '${name}' (request ${op.requestId}). Merge, cancel or delete it before starting another one.`,
      );
    }
  }

  private record(name: string): CertRecord {
    let rec = this.cert(name);
    if (!rec) {
      rec = { name, policy: {}, versions: [] };
      this.certs.set(name.toLowerCase(), rec);
    }
    return rec;
  }

  // --- certificates -------------------------------------------------------------------------

  /** A key made off the event loop for the next create of `name`. */
  private readonly stashedKeys = new Map<string, string>();
  stashKey(name: string, keyPem: string): void {
    this.stashedKeys.set(name.toLowerCase(), keyPem);
  }

  createCertificate(name: string, body: Wire): Reply {
    if (this.secrets.has(name.toLowerCase())) throw conflictWithSecret(name);
    this.refuseWhilePending(name);
    // A create carries the whole new policy: it replaces the previous one rather than patching it.
    const policy = normalizePolicy(this.url, name, obj(body.policy) ?? {}, undefined);
    const issuerName = str(obj(policy.issuer)?.name) ?? 'Unknown';
    if (issuerName !== 'Unknown' && issuerName !== 'Self') {
      throw new KvError(400, 'BadParameter', `Issuer '${issuerName}' is not supported by the emulator: use 'Unknown' (CSR + merge) or 'Self'.`);
    }
    const rec = this.record(name);
    rec.policy = policy;
    const keyProps = obj(policy.key_props) ?? {};
    const x509 = obj(policy.x509_props) ?? {};
    const previous = rec.versions.at(-1);
    const stashed = this.stashedKeys.get(name.toLowerCase());
    this.stashedKeys.delete(name.toLowerCase());
    const keyPem = keyProps.reuse_key === true && previous ? previous.keyPem : stashed ?? newRsaKeyPem(num(keyProps.key_size) ?? 2048);
    const now = unixNow();
    const attributes = obj(body.attributes);
    const tags = strMap(body.tags);

    if (issuerName === 'Self') {
      const der = selfSignedCertificate(keyPem, x509);
      rec.versions.push(newVersion([der], keyPem, tags ?? {}, bool(attributes?.enabled) ?? true));
      const op: PendingOperation = {
        requestId: randomHex(),
        status: 'completed',
        statusDetails: '',
        issuerName,
        csrDer: buildCsr(keyPem, x509),
        keyPem,
        cancellationRequested: false,
        target: `${this.url}/certificates/${rec.name}`,
        placeholder: { version: randomHex(), created: now, nbf: now, exp: now },
      };
      rec.pending = op;
      return { status: 202, body: operationBody(this.url, rec, op), headers: operationHeaders(this.url, rec, op) };
    }

    const validityMonths = num(x509.validity_months) ?? 12;
    const op: PendingOperation = {
      requestId: randomHex(),
      status: 'inProgress',
      statusDetails: 'Pending certificate created. Please Perform Merge to complete the request.',
      issuerName,
      csrDer: buildCsr(keyPem, x509),
      keyPem,
      cancellationRequested: false,
      createTags: tags,
      createEnabled: bool(attributes?.enabled),
      placeholder: { version: randomHex(), created: now, nbf: now - 600, exp: now - 600 + validityMonths * 30 * 86_400 },
    };
    rec.pending = op;
    return { status: 202, body: operationBody(this.url, rec, op), headers: operationHeaders(this.url, rec, op) };
  }

  getOperation(name: string): Reply {
    const rec = this.cert(name);
    if (!rec?.pending) throw pendingNotFound(name);
    return { status: 200, body: operationBody(this.url, rec, rec.pending) };
  }

  updateOperation(name: string, body: Wire): Reply {
    const rec = this.cert(name);
    const op = rec?.pending;
    if (!rec || !op) throw pendingNotFound(name);
    if (body.cancellation_requested === true) {
      if (op.status !== 'inProgress') throw new KvError(403, 'Forbidden', 'Pending status must be in progress to allow update.');
      op.cancellationRequested = true;
      op.status = 'cancelled';
      op.statusDetails = 'Pending certificate cancelled.';
    }
    return { status: 200, body: operationBody(this.url, rec, op) };
  }

  deleteOperation(name: string): Reply {
    const rec = this.cert(name);
    const op = rec?.pending;
    if (!rec || !op) throw pendingNotFound(name);
    rec.pending = undefined;
    if (rec.versions.length === 0) this.certs.delete(name.toLowerCase());
    return { status: 200, body: operationBody(this.url, rec, op) };
  }

  mergeCertificate(name: string, body: Wire): Reply {
    const rec = this.cert(name);
    const op = rec?.pending;
    if (!rec || !op) throw pendingNotFound(name);
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
    const attributes = obj(body.attributes);
    const tags = strMap(body.tags) ?? op.createTags ?? {};
    const version = newVersion(chainDer, op.keyPem, tags, bool(attributes?.enabled) ?? op.createEnabled ?? true);
    rec.versions.push(version);
    op.status = 'completed';
    op.statusDetails = '';
    op.target = `${this.url}/certificates/${rec.name}`;
    return {
      status: 201,
      body: certificateBody(this.url, rec, version),
      headers: { location: `${this.url}/certificates/${rec.name}?api-version=7.6` },
    };
  }

  importCertificate(name: string, body: Wire): Reply {
    if (this.secrets.has(name.toLowerCase())) throw conflictWithSecret(name);
    this.refuseWhilePending(name);
    const value = str(body.value);
    if (!value) throw new KvError(400, 'BadParameter', 'value is required: a base64 PFX or a PEM text with key and certificates.');
    const wirePolicy = obj(body.policy);
    const { keyPem, chainDer, format } = readImportValue(value, str(body.pwd), str(obj(wirePolicy?.secret_props)?.contentType));
    const existing = this.cert(name);
    const base = existing?.versions.length ? existing.policy : importedPolicy(this.url, name, chainDer[0] as Buffer, keyPem, format);
    // The 4.10 SDK drops `policy` from the import body; a hand-written request may still send one.
    const policy = wirePolicy ? normalizePolicy(this.url, name, wirePolicy, base) : base;
    const rec = this.record(name);
    rec.policy = policy;
    const version = newVersion(chainDer, keyPem, strMap(body.tags) ?? {}, bool(obj(body.attributes)?.enabled) ?? true);
    rec.versions.push(version);
    return { status: 200, body: certificateBody(this.url, rec, version) };
  }

  getCertificate(name: string, version: string): Reply {
    const rec = this.requireCert(name);
    const op = rec.pending;
    const showPlaceholder = op && op.status !== 'completed' && (!version || version === op.placeholder.version);
    if (showPlaceholder) return { status: 200, body: placeholderBody(this.url, rec, op) };
    return { status: 200, body: certificateBody(this.url, rec, this.findVersion(rec, version)) };
  }

  updateCertificate(name: string, version: string, body: Wire): Reply {
    const rec = this.requireCert(name);
    const v = this.findVersion(rec, version);
    const enabled = bool(obj(body.attributes)?.enabled);
    if (enabled !== undefined) v.enabled = enabled;
    const tags = strMap(body.tags);
    if (tags) v.tags = tags;
    if (obj(body.policy)) rec.policy = normalizePolicy(this.url, rec.name, obj(body.policy) ?? {}, rec.policy);
    v.updated = unixNow();
    return { status: 200, body: certificateBody(this.url, rec, v) };
  }

  getPolicy(name: string): Reply {
    return { status: 200, body: this.requireCert(name).policy };
  }

  listCertificates(ctx: Ctx): Reply {
    const includePending = ctx.query.get('includePending') === 'true';
    const items = [...this.certs.values()]
      .filter((rec) => rec.versions.length > 0 || (includePending && rec.pending))
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()))
      .map((rec) => {
        const latest = rec.versions.at(-1);
        const item: Wire = { id: `${this.url}/certificates/${rec.name}` };
        if (latest) Object.assign(item, { x5t: sha1(leafDer(latest)).toString('base64url'), attributes: versionAttributes(latest) });
        if (latest && Object.keys(latest.tags).length) item.tags = latest.tags;
        return item;
      });
    return page(this.url, this.pageSize, items, ctx, '/certificates');
  }

  listVersions(name: string, ctx: Ctx): Reply {
    const rec = this.requireCert(name);
    const items = rec.versions.map((v) => {
      const item: Wire = {
        id: `${this.url}/certificates/${rec.name}/${v.version}`,
        x5t: sha1(leafDer(v)).toString('base64url'),
        attributes: versionAttributes(v),
      };
      if (Object.keys(v.tags).length) item.tags = v.tags;
      return item;
    });
    return page(this.url, this.pageSize, items, ctx, `/certificates/${rec.name}/versions`);
  }

  // --- secrets ------------------------------------------------------------------------------

  setSecret(name: string, body: Wire): Reply {
    if (this.cert(name)) throw conflictWithSecret(name);
    const value = body.value;
    if (typeof value !== 'string') throw new KvError(400, 'BadParameter', 'value is required and must be a string.');
    const attributes = obj(body.attributes);
    const secret: SecretVersion = {
      version: randomHex(),
      value,
      contentType: str(body.contentType),
      created: unixNow(),
      enabled: bool(attributes?.enabled) ?? true,
      nbf: num(attributes?.nbf),
      exp: num(attributes?.exp),
      tags: strMap(body.tags) ?? {},
    };
    const key = name.toLowerCase();
    const entry = this.secrets.get(key) ?? { name, versions: [] };
    entry.versions.push(secret);
    this.secrets.set(key, entry);
    return { status: 200, body: secretBody(this.url, entry.name, secret) };
  }

  getSecret(name: string, version: string, outContentType: string | null): Reply {
    const rec = this.cert(name);
    if (rec && rec.versions.length > 0) return this.certificateSecret(rec, version, outContentType);
    const entry = this.secrets.get(name.toLowerCase());
    const secret = version ? entry?.versions.find((s) => s.version === version) : entry?.versions.at(-1);
    if (!entry || !secret) throw new KvError(404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault.`);
    if (!secret.enabled) throw disabledSecret();
    return { status: 200, body: secretBody(this.url, entry.name, secret) };
  }

  /** A certificate's secret: its key and chain, PFX or PEM as the policy says (App Gateway reads this). */
  private certificateSecret(rec: CertRecord, version: string, outContentType: string | null): Reply {
    const v = rec.versions.find((x) => x.version === version) ?? (version ? undefined : rec.versions.at(-1));
    if (!v) throw new KvError(404, 'SecretNotFound', `A secret with (name/id) ${rec.name}/${version} was not found in this key vault.`);
    if (!v.enabled) throw disabledSecret();
    if (obj(rec.policy.key_props)?.exportable === false) {
      throw new KvError(403, 'Forbidden', `The key of certificate '${rec.name}' is not exportable (policy key_props.exportable=false).`);
    }
    const policyType = str(obj(rec.policy.secret_props)?.contentType) ?? PFX;
    const contentType = outContentType === PEM ? PEM : policyType;
    const value = contentType === PEM ? [v.keyPem.trim(), ...v.chainDer.map((d) => derToPem(d).trim())].join('\n') + '\n' : toPfxBase64(v.keyPem, v.chainDer);
    const body: Wire = {
      value,
      contentType,
      id: `${this.url}/secrets/${rec.name}/${v.version}`,
      kid: `${this.url}/keys/${rec.name}/${v.version}`,
      managed: true,
      attributes: versionAttributes(v),
    };
    if (Object.keys(v.tags).length) body.tags = v.tags;
    return { status: 200, body };
  }

  private findVersion(rec: CertRecord, version: string): CertVersion {
    const v = version ? rec.versions.find((x) => x.version === version) : rec.versions.at(-1);
    if (!v) throw new KvError(404, 'CertificateNotFound', `A certificate with (name/id) ${rec.name}/${version} was not found in this key vault.`);
    return v;
  }
}

/**
 * The emulated vault's state: certificates, secrets and the names deleted objects hold, in memory,
 * with the checks every write shares and the work the real service does in the background.
 *
 * Certificates and secrets share one name space (docs certificates/about-certificates.md L31: a
 * certificate's addressable key and secret have its name), and names are case-insensitive
 * (microsoft/AzureKeyVaultExplorer#42: re-creating "Test2" after deleting "test2" answers the
 * deleted-but-recoverable conflict), so every map is keyed by the lower-cased name.
 */
import { beingDeletedCannotRecreate, beingRecovered, certificateNotFound, deletedButRecoverable, pendingInProgress } from './errors';
import { CertRecord, newVersion, SecretEntry, Tombstone } from './model';
import { Recovery, recoveryOf, VaultSettings } from './settings';

export class Vault {
  url = '';
  readonly certs = new Map<string, CertRecord>();
  readonly secrets = new Map<string, SecretEntry>();
  readonly tombstones = new Map<string, Tombstone>();
  readonly recovery: Recovery;
  private readonly stashedKeys = new Map<string, string>();

  constructor(
    readonly settings: VaultSettings,
    readonly pageSize: number,
  ) {
    this.recovery = recoveryOf(settings);
  }

  now(): number {
    return this.settings.clock();
  }

  cert(name: string): CertRecord | undefined {
    return this.certs.get(name.toLowerCase());
  }

  secret(name: string): SecretEntry | undefined {
    return this.secrets.get(name.toLowerCase());
  }

  tombstone(name: string): Tombstone | undefined {
    return this.tombstones.get(name.toLowerCase());
  }

  /** A certificate that exists: with a version, or with the placeholder of a create. */
  requireCert(name: string): CertRecord {
    const rec = this.cert(name);
    if (!rec || (rec.versions.length === 0 && !rec.placeholder)) throw certificateNotFound(name);
    return rec;
  }

  record(name: string): CertRecord {
    let rec = this.cert(name);
    if (!rec) {
      rec = { name, policy: {}, versions: [] };
      this.certs.set(name.toLowerCase(), rec);
    }
    return rec;
  }

  /** A key made off the event loop for the next create of `name`. */
  stashKey(name: string, keyPem: string): void {
    this.stashedKeys.set(name.toLowerCase(), keyPem);
  }

  takeStashedKey(name: string): string | undefined {
    const key = this.stashedKeys.get(name.toLowerCase());
    this.stashedKeys.delete(name.toLowerCase());
    return key;
  }

  /** Create, import or set onto `name`: refused while a deleted object holds the name, whatever its kind. */
  refuseHeldName(name: string): void {
    const t = this.tombstone(name);
    if (!t) return;
    if (t.phase === 'deleted') throw deletedButRecoverable(t.kind, t.name);
    if (t.phase === 'deleting' || t.phase === 'purging') throw beingDeletedCannotRecreate(t.kind, t.name);
    throw beingRecovered(t.kind, t.name);
  }

  /** docs create-certificate-scenarios.md L205-246: "create (and import) operations will fail with … 409". */
  refuseWhilePending(name: string): void {
    if (this.cert(name)?.pending?.status === 'inProgress') throw pendingInProgress();
  }

  /**
   * Moves everything that runs in the background up to now. Called before each request, so the
   * state a request sees is a function of the clock alone.
   */
  tick(): void {
    const now = this.now();
    for (const [key, t] of this.tombstones) {
      if (t.phase === 'deleting' && now >= t.until) Object.assign(t, { phase: 'deleted', until: t.scheduledPurgeDate * 1000 });
      if (t.phase === 'recovering' && now >= t.until) {
        if (t.cert) this.certs.set(key, t.cert);
        if (t.secret) this.secrets.set(key, t.secret);
        Object.assign(t, { phase: 'recovered', until: now + this.settings.softDeleteDelayMs });
      }
      // `deleted` ends at the scheduled purge date (the service purges it); the others free the name.
      if (t.phase !== 'deleting' && t.phase !== 'recovering' && now >= t.until) this.tombstones.delete(key);
    }
    for (const rec of this.certs.values()) {
      const job = rec.issuance;
      if (!job || now < job.readyAt) continue;
      rec.versions.push(newVersion([job.der], job.keyPem, job.tags, job.enabled));
      rec.placeholder = undefined;
      rec.issuance = undefined;
      const op = rec.pending;
      if (op && op.requestId === job.requestId) Object.assign(op, { status: 'completed', statusDetails: '', target: `${this.url}/certificates/${rec.name}` });
    }
  }
}

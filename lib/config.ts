/**
 * Every setting the app reads, parsed once and validated with messages that name the setting.
 * The names here, in local.settings.sample.json and in infra/ are the same (a test checks).
 */

export interface AppConfig {
  readonly acme: {
    readonly directoryUrl: string;
    readonly accountEmail: string;
    /** Key Vault secret holding the ACME account key (PEM): created once, then reused. */
    readonly accountKeySecretName: string;
    readonly externalAccountBinding?: { readonly keyId: string; readonly hmacKey: string };
  };
  readonly tenantId?: string;
  readonly subscriptionId: string;
  readonly armEndpoint: string;
  readonly gateway: {
    readonly resourceGroup: string;
    readonly name: string;
    readonly backendPoolName: string;
    readonly httpSettingsName: string;
    /** Priorities we hand out to our rules start here, away from hand-made rules. */
    readonly rulePriorityStart: number;
    /** Port on the gateway's public IP where the self-check fetches the challenge file (80 in Azure). */
    readonly challengeSelfCheckPort: number;
    /** How often to poll a gateway update's long-running operation (ARM itself suggests ~10 s). */
    readonly pollIntervalMs: number;
  };
  readonly blob: {
    readonly containerUrl: string;
    /** '' for a blob backend with a path override, '.well-known/acme-challenge/' for static website `$web`. */
    readonly challengePrefix: string;
  };
  readonly keyVault: {
    readonly baseUrl: string;
    readonly keyType: 'RSA';
    readonly keySize: 2048 | 3072 | 4096;
    /** Recover a soft-deleted certificate that holds a hostname's name instead of failing (off: a deletion is usually deliberate). */
    readonly recoverDeleted: boolean;
  };
  /** DNS servers for the ownership pre-check (host or host:port); empty = the system's resolvers. */
  readonly dnsServers: readonly string[];
  readonly maxHostnamesPerRequest: number;
  /** Accept special-use names (.test, .example, .local, …): only for a test CA such as Pebble. */
  readonly allowReservedHostnames: boolean;
  /** The origin of the management URLs starters answer with (never the request's Host). */
  readonly publicBaseUrl?: string;
  readonly renewal: {
    /** NCRONTAB (six fields) for the renewal timer; empty = daily at a per-installation jittered time. */
    readonly schedule?: string;
    /** Renew when fewer than this many days remain, instead of the lifetime fraction / ARI window. */
    readonly beforeExpiryDays?: number;
    readonly concurrency: number;
    /** PUT the gateway right after renewal instead of waiting for its ~4-hourly Key Vault poll. */
    readonly refreshGateway: boolean;
  };
}

/** Setting names, as they appear in app settings. */
/** The most MaxHostnamesPerRequest may be: a batch's custom status must fit the host's 16 KB with every hostname failing. */
export const MAX_HOSTNAMES_PER_REQUEST_LIMIT = 100;

export const Settings = {
  AcmeEndpoint: 'AcmeEndpoint',
  AcmeAccountEmail: 'AcmeAccountEmail',
  AcmeAccountKeySecretName: 'AcmeAccountKeySecretName',
  AcmeEabKeyId: 'AcmeEabKeyId',
  AcmeEabHmacKey: 'AcmeEabHmacKey',
  TenantId: 'TenantId',
  SubscriptionId: 'SubscriptionId',
  ArmEndpoint: 'ArmEndpoint',
  ApplicationGatewayResourceGroup: 'ApplicationGatewayResourceGroup',
  ApplicationGatewayName: 'ApplicationGatewayName',
  ApplicationGatewayBackendName: 'ApplicationGatewayBackendName',
  ApplicationGatewayHttpSettingsName: 'ApplicationGatewayHttpSettingsName',
  ApplicationGatewayRulePriorityStart: 'ApplicationGatewayRulePriorityStart',
  ChallengeSelfCheckPort: 'ChallengeSelfCheckPort',
  ApplicationGatewayPollIntervalSeconds: 'ApplicationGatewayPollIntervalSeconds',
  BlobContainerUrl: 'BlobContainerUrl',
  BlobChallengePrefix: 'BlobChallengePrefix',
  KeyVaultBaseUrl: 'KeyVaultBaseUrl',
  KeyVaultRecoverDeletedCertificates: 'KeyVaultRecoverDeletedCertificates',
  CertificateKeyType: 'CertificateKeyType',
  CertificateKeySize: 'CertificateKeySize',
  DnsServers: 'DnsServers',
  MaxHostnamesPerRequest: 'MaxHostnamesPerRequest',
  AllowReservedHostnames: 'AllowReservedHostnames',
  PublicBaseUrl: 'PublicBaseUrl',
  RenewalSchedule: 'RenewalSchedule',
  RenewBeforeExpiryDays: 'RenewBeforeExpiryDays',
  RenewalConcurrency: 'RenewalConcurrency',
  RenewalRefreshGateway: 'RenewalRefreshGateway',
} as const;
export type SettingName = (typeof Settings)[keyof typeof Settings];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: SettingName): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  required(name: SettingName): string {
    const value = this.raw(name);
    if (value === undefined) this.problems.push(`${name} is required but not set`);
    return value ?? '';
  }

  optional(name: SettingName): string | undefined {
    return this.raw(name);
  }

  withDefault(name: SettingName, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  url(name: SettingName, value: string, protocols: readonly string[] = ['https:']): string {
    if (value === '') return value;
    try {
      const url = new URL(value);
      if (!protocols.includes(url.protocol)) this.problems.push(`${name} must use ${protocols.join(' or ')} (got "${url.protocol}")`);
      return value.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${name} is not a valid URL`);
      return value;
    }
  }

  integer(name: SettingName, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return n;
  }

  boolean(name: SettingName, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  oneOf<T extends string | number>(name: SettingName, value: T, allowed: readonly T[]): T {
    if (!allowed.includes(value)) this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return value;
  }
}

export function parseConfig(env: Env = process.env): AppConfig {
  const r = new Reader(env);
  const eabKeyId = r.optional(Settings.AcmeEabKeyId);
  const eabHmacKey = r.optional(Settings.AcmeEabHmacKey);
  if ((eabKeyId === undefined) !== (eabHmacKey === undefined)) {
    r.problems.push(`${Settings.AcmeEabKeyId} and ${Settings.AcmeEabHmacKey} must be set together`);
  }
  const accountEmail = r.required(Settings.AcmeAccountEmail);
  if (accountEmail !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(accountEmail)) {
    r.problems.push(`${Settings.AcmeAccountEmail} is not an e-mail address`);
  }
  const keySize = r.integer(Settings.CertificateKeySize, 2048, 2048, 4096);
  const config: AppConfig = {
    acme: {
      directoryUrl: r.url(Settings.AcmeEndpoint, r.required(Settings.AcmeEndpoint)),
      accountEmail,
      accountKeySecretName: r.withDefault(Settings.AcmeAccountKeySecretName, 'acme-account-key'),
      ...(eabKeyId && eabHmacKey ? { externalAccountBinding: { keyId: eabKeyId, hmacKey: eabHmacKey } } : {}),
    },
    ...(r.optional(Settings.TenantId) ? { tenantId: r.optional(Settings.TenantId) } : {}),
    subscriptionId: r.required(Settings.SubscriptionId),
    armEndpoint: r.url(Settings.ArmEndpoint, r.withDefault(Settings.ArmEndpoint, 'https://management.azure.com')),
    gateway: {
      resourceGroup: r.required(Settings.ApplicationGatewayResourceGroup),
      name: r.required(Settings.ApplicationGatewayName),
      backendPoolName: r.required(Settings.ApplicationGatewayBackendName),
      httpSettingsName: r.required(Settings.ApplicationGatewayHttpSettingsName),
      rulePriorityStart: r.integer(Settings.ApplicationGatewayRulePriorityStart, 10000, 1, 20000),
      challengeSelfCheckPort: r.integer(Settings.ChallengeSelfCheckPort, 80, 1, 65535),
      // Seconds in settings, but 0 is allowed so local runs poll at once.
      pollIntervalMs: r.integer(Settings.ApplicationGatewayPollIntervalSeconds, 10, 0, 120) * 1000,
    },
    blob: {
      containerUrl: r.url(Settings.BlobContainerUrl, r.required(Settings.BlobContainerUrl), ['https:', 'http:']),
      challengePrefix: r.withDefault(Settings.BlobChallengePrefix, '').replace(/^\/+/, ''),
    },
    keyVault: {
      baseUrl: r.url(Settings.KeyVaultBaseUrl, r.required(Settings.KeyVaultBaseUrl)),
      keyType: r.oneOf(Settings.CertificateKeyType, r.withDefault(Settings.CertificateKeyType, 'RSA'), ['RSA'] as const) as 'RSA',
      keySize: r.oneOf(Settings.CertificateKeySize, keySize, [2048, 3072, 4096]) as 2048 | 3072 | 4096,
      recoverDeleted: r.boolean(Settings.KeyVaultRecoverDeletedCertificates, false),
    },
    dnsServers: (r.optional(Settings.DnsServers) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    maxHostnamesPerRequest: r.integer(Settings.MaxHostnamesPerRequest, 50, 1, MAX_HOSTNAMES_PER_REQUEST_LIMIT),
    allowReservedHostnames: r.boolean(Settings.AllowReservedHostnames, false),
    ...(r.optional(Settings.PublicBaseUrl) ? { publicBaseUrl: r.url(Settings.PublicBaseUrl, r.optional(Settings.PublicBaseUrl) ?? '') } : {}),
    renewal: {
      ...(r.optional(Settings.RenewalSchedule) ? { schedule: r.optional(Settings.RenewalSchedule) } : {}),
      ...(r.optional(Settings.RenewBeforeExpiryDays) ? { beforeExpiryDays: r.integer(Settings.RenewBeforeExpiryDays, 30, 1, 365) } : {}),
      concurrency: r.integer(Settings.RenewalConcurrency, 5, 1, 50),
      refreshGateway: r.boolean(Settings.RenewalRefreshGateway, false),
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

let cached: AppConfig | undefined;

/** The process's configuration, parsed on first use. Activities and starters call this; orchestrators never do. */
export function getConfig(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Tests change settings between stacks. */
export function resetConfigCache(): void {
  cached = undefined;
}

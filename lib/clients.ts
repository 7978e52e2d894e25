/**
 * The one place Azure SDK clients are built. Production uses DefaultAzureCredential (the Function
 * App's managed identity); tests hand in a credential and point the endpoints at the local
 * emulators, so the same SDK code runs against both. SDK modules are required lazily: loading all
 * of them costs a cold start hundreds of milliseconds, and most functions need one or two.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { CertificateClient } from '@azure/keyvault-certificates';
import type { SecretClient } from '@azure/keyvault-secrets';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { ContainerClient } from '@azure/storage-blob';
import type { AppConfig } from './config';

export interface ClientOverrides {
  readonly credential?: TokenCredential;
  /**
   * Azurite has no Entra ID: tests use its well-known shared key (bearer tokens need HTTPS).
   * Passed as data, not as a credential object: a test's ESM copy of the storage SDK is not the
   * CommonJS copy required here, and the SDK checks the credential with `instanceof`.
   */
  readonly storageSharedKey?: { readonly accountName: string; readonly accountKey: string };
}

/**
 * Kept on a process-wide slot rather than in this module, so that every copy of this module in
 * the process sees them: the sources the tests import and the bundle (dist/main.js) a test runs.
 */
const OVERRIDES = Symbol.for('appgw-robot.clientOverrides');
type OverridesSlot = { [OVERRIDES]?: { readonly overrides: ClientOverrides; readonly generation: number } };
const slot = globalThis as OverridesSlot;

let cache: Map<string, unknown> = new Map();
let cacheGeneration = 0;

/** Tests call this before running activities; clients built before are built again. */
export function setClientOverrides(next: ClientOverrides): void {
  slot[OVERRIDES] = { overrides: next, generation: (slot[OVERRIDES]?.generation ?? 0) + 1 };
}

function overrides(): ClientOverrides {
  return slot[OVERRIDES]?.overrides ?? {};
}

function memo<T>(key: string, make: () => T): T {
  const generation = slot[OVERRIDES]?.generation ?? 0;
  if (generation !== cacheGeneration) {
    cache = new Map();
    cacheGeneration = generation;
  }
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}

function credential(): TokenCredential {
  return memo('credential', () => {
    const { credential: given } = overrides();
    if (given) return given;
    const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
    return new DefaultAzureCredential();
  });
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

export function certificateClient(config: AppConfig): CertificateClient {
  return memo(`kv-cert:${config.keyVault.baseUrl}`, () => {
    const { CertificateClient } = require('@azure/keyvault-certificates') as typeof import('@azure/keyvault-certificates');
    // The challenge's resource must match the vault's DNS suffix; a loopback emulator has none.
    return new CertificateClient(config.keyVault.baseUrl, credential(), {
      disableChallengeResourceVerification: isLoopback(config.keyVault.baseUrl),
    });
  });
}

export function secretClient(config: AppConfig): SecretClient {
  return memo(`kv-secret:${config.keyVault.baseUrl}`, () => {
    const { SecretClient } = require('@azure/keyvault-secrets') as typeof import('@azure/keyvault-secrets');
    return new SecretClient(config.keyVault.baseUrl, credential(), {
      disableChallengeResourceVerification: isLoopback(config.keyVault.baseUrl),
    });
  });
}

export function networkClient(config: AppConfig): NetworkManagementClient {
  return memo(`arm:${config.armEndpoint}:${config.subscriptionId}`, () => {
    const { NetworkManagementClient } = require('@azure/arm-network') as typeof import('@azure/arm-network');
    return new NetworkManagementClient(credential(), config.subscriptionId, { endpoint: config.armEndpoint });
  });
}

export function challengeContainer(config: AppConfig): ContainerClient {
  return memo(`blob:${config.blob.containerUrl}`, () => {
    const { ContainerClient, StorageSharedKeyCredential } = require('@azure/storage-blob') as typeof import('@azure/storage-blob');
    const key = overrides().storageSharedKey;
    return new ContainerClient(config.blob.containerUrl, key ? new StorageSharedKeyCredential(key.accountName, key.accountKey) : credential());
  });
}

/**
 * The ACME account (RFC 8555 §7.3): its key lives in Key Vault as a secret and is created once —
 * a new account per run would hit the CA's accounts-per-IP limit and lose the account's
 * rate-limit history. External Account Binding (§7.3.4) when the CA asks for it. One client per
 * CA and vault per worker, registered once.
 */
import type { Client } from 'acme-client';
import type { AppConfig } from '../../config';
import { secretClient } from '../../clients';
import { AppError } from '../../errors';
import { keyVaultError } from '../keyVault';
import { acme, acmeError, retryAfterSeconds, useNoncePool, withResponseRecord } from './transport';

const clients = new Map<string, Promise<Client>>();

async function accountKey(config: AppConfig): Promise<string> {
  const secrets = secretClient(config);
  const name = config.acme.accountKeySecretName;
  try {
    const existing = await secrets.getSecret(name);
    if (existing.value) return existing.value;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw keyVaultError('Reading the ACME account key', error);
  }
  const pem = (await acme().crypto.createPrivateEcdsaKey()).toString();
  try {
    await secrets.setSecret(name, pem, { contentType: 'application/x-pem-file', tags: { purpose: 'acme-account-key' } });
    // Two first runs may race to create the key; both continue with whichever version landed last.
    return (await secrets.getSecret(name)).value ?? pem;
  } catch (error) {
    throw keyVaultError('Storing the ACME account key', error);
  }
}

/** The registered client for the configured CA; a failed registration is tried again next call. */
export function acmeClient(config: AppConfig): Promise<Client> {
  const key = `${config.acme.directoryUrl}|${config.keyVault.baseUrl}|${config.acme.accountKeySecretName}`;
  let client = clients.get(key);
  if (!client) {
    client = (async () => {
      const lib = acme();
      const created = new lib.Client({
        directoryUrl: config.acme.directoryUrl,
        accountKey: await accountKey(config),
        ...(config.acme.externalAccountBinding
          ? { externalAccountBinding: { kid: config.acme.externalAccountBinding.keyId, hmacKey: config.acme.externalAccountBinding.hmacKey } }
          : {}),
      });
      useNoncePool(created, config.acme.directoryUrl);
      // newAccount with a known key returns the existing account (RFC 8555 §7.3.1).
      await withResponseRecord(async () => {
        try {
          await created.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${config.acme.accountEmail}`] });
        } catch (error) {
          throw acmeError('Registering the ACME account', error, 'AcmeAccountError');
        }
      });
      return created;
    })();
    clients.set(key, client);
    client.catch(() => clients.delete(key));
  }
  return client;
}

/** Test hook: a new Pebble means a new account. */
export function forgetAcmeClients(): void {
  clients.clear();
}

/**
 * One ACME call from an activity: a fresh record of the last error response, the registered
 * client, and acme-client's plain Errors turned into coded AppErrors. `recover` turns a final
 * (non-retryable) error into a value, with the CA's Retry-After when it sent one.
 */
export function acmeCall<T>(
  config: AppConfig,
  action: string,
  run: (client: Client) => Promise<T>,
  recover?: (error: AppError, retryAfterSeconds: number | undefined) => T,
): Promise<T> {
  return withResponseRecord(async () => {
    const client = await acmeClient(config);
    try {
      return await run(client);
    } catch (error) {
      const wrapped = error instanceof AppError ? error : acmeError(action, error);
      if (recover && !wrapped.retryable) return recover(wrapped, retryAfterSeconds(error));
      throw wrapped;
    }
  });
}

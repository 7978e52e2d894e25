import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config';

const valid = {
  AcmeEndpoint: 'https://acme-v02.api.letsencrypt.org/directory',
  AcmeAccountEmail: 'ops@example.com',
  SubscriptionId: '00000000-0000-0000-0000-000000000000',
  ApplicationGatewayResourceGroup: 'rg',
  ApplicationGatewayName: 'gw',
  ApplicationGatewayBackendName: 'backend',
  ApplicationGatewayHttpSettingsName: 'http-settings',
  BlobContainerUrl: 'https://acct.blob.core.windows.net/acme-challenge',
  KeyVaultBaseUrl: 'https://kv.vault.azure.net/',
};

describe('parseConfig', () => {
  it('parses a complete configuration with defaults', () => {
    const config = parseConfig(valid);
    expect(config.keyVault.baseUrl).toBe('https://kv.vault.azure.net');
    expect(config.keyVault.keySize).toBe(2048);
    expect(config.gateway.challengeSelfCheckPort).toBe(80);
    expect(config.acme.accountKeySecretName).toBe('acme-account-key');
    expect(config.dnsServers).toEqual([]);
  });

  it('names every missing or malformed setting in one error', () => {
    const { KeyVaultBaseUrl: _omit, ...missing } = valid;
    try {
      parseConfig({ ...missing, CertificateKeySize: '1024', AcmeEndpoint: 'http://insecure/dir', AcmeEabKeyId: 'kid' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/KeyVaultBaseUrl is required/);
      expect(message).toMatch(/CertificateKeySize must be/);
      expect(message).toMatch(/AcmeEndpoint must use https:/);
      expect(message).toMatch(/AcmeEabKeyId and AcmeEabHmacKey must be set together/);
    }
  });
});

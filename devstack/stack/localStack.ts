/**
 * The whole local Azure + ACME stack for e2e tests and `npm run issue:local`: Pebble and
 * challtestsrv, Azurite, the Key Vault and ARM emulators and the gateway data plane, wired
 * the way a real deployment is, plus the app settings that point the app at them.
 */
import { randomUUID } from 'node:crypto';
import { BlobServiceClient, ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/core-auth';
import { setClientOverrides } from '../../lib/clients';
import { resetConfigCache } from '../../lib/config';
import { forgetAcmeClients } from '../../lib/adapters/acme';
import { loadCa, PemPair } from '../tls/testCa';
import { requirePebbleBinaries } from '../acme/binaries';
import { startPebble, Pebble } from '../acme/pebble';
import { startAzurite, Azurite, AZURITE_ACCOUNT, AZURITE_KEY } from '../azurite/azurite';
import { startKeyVaultEmulator, KeyVaultEmulator } from '../keyvault/emulator';
import { startArmEmulator, ArmEmulator, type ArmBehaviour } from '../arm/emulator';
import { publicIpId } from '../arm/model';
import { sampleGateway, sampleGatewaySubnetId } from '../arm/sampleGateway';
import { startGatewayDataPlane, GatewayDataPlane } from '../gateway/dataPlane';

/** The app's token: Key Vault accepts any bearer token; ARM knows this one as the app's identity. */
const APP_TOKEN = 'test-token-not-a-secret';
export const fakeCredential: TokenCredential = {
  getToken: async () => ({ token: APP_TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }),
};

export interface LocalStack {
  readonly pebble: Pebble;
  readonly azurite: Azurite;
  readonly keyVault: KeyVaultEmulator;
  readonly arm: ArmEmulator;
  readonly dataPlane: GatewayDataPlane;
  readonly container: ContainerClient;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly gatewayName: string;
  /** The public IP the gateway answers on (DNS must lead here). */
  readonly gatewayIp: string;
  /** App settings pointing the app at this stack (also applied to process.env by `applySettings`). */
  readonly settings: Readonly<Record<string, string>>;
  /** Puts `settings` into process.env and hands the test credentials to the client factory. */
  applySettings(): void;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  readonly ca?: PemPair;
  readonly pebbleEnv?: Record<string, string>;
  readonly challengePrefix?: string;
  /** Pebble requires External Account Binding; the app gets the matching settings. */
  readonly eab?: { readonly keyId: string; readonly hmacKey: string };
  /** The gateway's answers to concurrent and conditional writes (default: what Azure does). */
  readonly arm?: Partial<ArmBehaviour>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // Before anything starts: a missing binary is the most common set-up problem.
  requirePebbleBinaries();
  const ca = options.ca ?? loadCa();
  const subscriptionId = randomUUID();
  const resourceGroup = 'rg-appgw';
  const gatewayName = 'appgw';
  const gatewayIp = '127.0.0.1';
  const containerName = 'acme-challenge';
  const challengePrefix = options.challengePrefix ?? '';
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    await Promise.allSettled(stoppers.reverse().map((s) => s()));
  };

  try {
    const [azurite, keyVault, arm] = await Promise.all([
      startAzurite(),
      startKeyVaultEmulator({ ca }),
      startArmEmulator({ ca, subscriptionId, ...(options.arm ? { behaviour: options.arm } : {}) }),
    ]);
    stoppers.push(azurite.stop, keyVault.stop, arm.stop);

    const pipId = arm.addPublicIp(resourceGroup, `${gatewayName}-pip`, gatewayIp);
    const identityId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/appgw-identity`;
    const gatewayId = arm.addApplicationGateway(
      resourceGroup,
      gatewayName,
      sampleGateway({
        subscriptionId,
        resourceGroup,
        name: gatewayName,
        publicIpId: pipId,
        userAssignedIdentityId: identityId,
      }),
    );
    // The app's identity holds exactly the roles infra/ deploys (infra/roles.json), nothing more.
    arm.grantDeployedRoles(arm.addPrincipal(APP_TOKEN).objectId, {
      gateway: gatewayId,
      publicIp: pipId,
      subnet: sampleGatewaySubnetId(subscriptionId, resourceGroup, gatewayName),
      gatewayIdentity: identityId,
    });
    void publicIpId;

    const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    const container = service.getContainerClient(containerName);
    // Public read of blobs only: the gateway (and so the CA) fetches challenge files anonymously.
    await container.create({ access: 'blob' });

    const dataPlane = await startGatewayDataPlane({
      gateway: () => arm.getApplicationGateway(resourceGroup, gatewayName),
      challengeBlobBaseUrl: `${azurite.blobEndpoint}/${containerName}`,
      challengeBlobPrefix: challengePrefix,
      resolveSecret: async (secretId) => {
        const name = /\/secrets\/([^/]+)/.exec(new URL(secretId).pathname)?.[1];
        const found = name ? keyVault.latestCertificateWithKey(name) : undefined;
        return found ? { chainPem: found.chainPem, keyPem: found.keyPem } : undefined;
      },
    });
    stoppers.push(dataPlane.stop);

    const pebble = await startPebble({
      ca,
      httpValidationPort: dataPlane.httpPort,
      ...(options.pebbleEnv ? { env: options.pebbleEnv } : {}),
      ...(options.eab ? { eab: { ...options.eab } } : {}),
    });
    stoppers.push(pebble.stop);

    const settings: Record<string, string> = {
      AcmeEndpoint: pebble.directoryUrl,
      AcmeAccountEmail: 'platform-team@appgw-robot.test',
      SubscriptionId: subscriptionId,
      ArmEndpoint: arm.url,
      ApplicationGatewayResourceGroup: resourceGroup,
      ApplicationGatewayName: gatewayName,
      ApplicationGatewayBackendName: 'backend',
      ApplicationGatewayHttpSettingsName: 'http-settings',
      ApplicationGatewayPollIntervalSeconds: '0',
      ChallengeSelfCheckPort: String(dataPlane.httpPort),
      BlobContainerUrl: `${azurite.blobEndpoint}/${containerName}`,
      BlobChallengePrefix: challengePrefix,
      KeyVaultBaseUrl: keyVault.url,
      DnsServers: pebble.dnsServer,
      // The stack's names end in .test (RFC 6761), which only a test CA such as Pebble issues for.
      AllowReservedHostnames: 'true',
      ...(options.eab ? { AcmeEabKeyId: options.eab.keyId, AcmeEabHmacKey: options.eab.hmacKey } : {}),
    };

    return {
      pebble,
      azurite,
      keyVault,
      arm,
      dataPlane,
      container,
      subscriptionId,
      resourceGroup,
      gatewayName,
      gatewayIp,
      settings,
      applySettings() {
        Object.assign(process.env, settings);
        resetConfigCache();
        forgetAcmeClients();
        setClientOverrides({ credential: fakeCredential, storageSharedKey: { accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY } });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * "Another writer" of the gateway for the e2e tests: an operator's tool or a second automation
 * with its own identity, writing through the ARM emulator's real API with the real
 * NetworkManagementClient (GET → change → PUT → poll its operation), exactly as the app does.
 * The emulator's hooks (beforeRequest, onPutAccepted, onPutSettled) only decide *when* it writes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { NetworkManagementClient, type ApplicationGateway } from '@azure/arm-network';
import type { TokenCredential } from '@azure/core-auth';
import type { AppOnStack } from '../../devstack/stack/appOnStack';
import { fakeCredential } from '../../devstack/stack/localStack';
import type { Principal } from '../../devstack/arm/rbac';

/** The SDK's poller checks the operation this often (ARM sends no Retry-After from the emulator). */
const POLL = { updateIntervalInMs: 10 } as const;

export interface ForeignWrite {
  /** Resolves once the first PUT was accepted (its operation InProgress). */
  readonly accepted: Promise<void>;
  /** Resolves when the writer is done: its last operation's status, and how many PUTs it sent. */
  readonly done: Promise<{ status: 'Succeeded' | 'Canceled'; puts: number }>;
}

export interface OtherWriter {
  readonly principal: Principal;
  readonly client: NetworkManagementClient;
  /**
   * GET, apply `change`, PUT, wait for the operation. With `rewriteWhenSuperseded`, a write whose
   * operation ends Canceled is done again (up to that many times) once the superseding write has
   * landed (the gateway's etag moved on), from a fresh GET: what a careful client does.
   */
  write(change: (gateway: ApplicationGateway) => void, options?: { rewriteWhenSuperseded?: number }): ForeignWrite;
  read(): Promise<ApplicationGateway>;
}

/** The app's own principal in the ARM emulator (the identity the stack's credential stands for). */
export async function appPrincipalId(app: AppOnStack): Promise<string> {
  const token = await fakeCredential.getToken('https://management.azure.com/.default');
  const principal = token ? app.stack.arm.principalForToken(token.token) : undefined;
  if (!principal) throw new Error('the app has no principal in the ARM emulator');
  return principal.objectId;
}

/** A second identity with Contributor on the gateway's resource group. */
export function otherWriter(app: AppOnStack): OtherWriter {
  const { arm, subscriptionId, resourceGroup, gatewayName } = app.stack;
  const token = `other-writer-${randomUUID()}`;
  const principal = arm.addPrincipal(token);
  arm.assignRole(principal.objectId, 'Contributor', `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`);
  const credential: TokenCredential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const client = new NetworkManagementClient(credential, subscriptionId, { endpoint: arm.url });
  const read = () => client.applicationGateways.get(resourceGroup, gatewayName);

  async function landedAfter(etag: string | undefined): Promise<void> {
    for (let i = 0; i < 2_000; i += 1) {
      if ((await read()).etag !== etag) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('other writer: the superseding write never landed');
  }

  return {
    principal,
    client,
    read,
    write(change, options = {}) {
      let markAccepted!: () => void;
      let failAccepted!: (e: unknown) => void;
      const accepted = new Promise<void>((resolve, reject) => {
        markAccepted = resolve;
        failAccepted = reject;
      });
      const done = (async () => {
        let puts = 0;
        for (let attempt = 0; ; attempt += 1) {
          const gateway = await read();
          change(gateway);
          const poller = await client.applicationGateways.beginCreateOrUpdate(resourceGroup, gatewayName, gateway, POLL);
          puts += 1;
          markAccepted();
          try {
            await poller.pollUntilDone();
            return { status: 'Succeeded' as const, puts };
          } catch (error) {
            // core-lro ends a Canceled operation with a plain Error "Operation was canceled".
            if (!/cancel/i.test((error as Error).message)) throw error;
            if (attempt >= (options.rewriteWhenSuperseded ?? 0)) return { status: 'Canceled' as const, puts };
            await landedAfter(gateway.etag);
          }
        }
      })();
      done.catch(failAccepted);
      return { accepted, done };
    },
  };
}

/** A rule priority for an unrelated site: below the app's range (10000+), above the seeded ones, distinct per call. */
let nextPriority = 2000 + (randomBytes(2).readUInt16BE() % 2000);

/** Adds an unrelated HTTPS site (certificate, listener on port_443, Basic rule) in the SDK's flattened model. */
export function addUnrelatedSite(
  gateway: ApplicationGateway,
  hostName: string,
  opts: { priority?: number; secretId?: string } = {},
): { listener: string; rule: string; certificate: string } {
  const id = gateway.id as string;
  const suffix = randomBytes(3).toString('hex');
  const names = { certificate: `other-cert-${suffix}`, listener: `other-https-${suffix}`, rule: `other-rule-${suffix}` };
  (gateway.sslCertificates ??= []).push({
    name: names.certificate,
    keyVaultSecretId: opts.secretId ?? `https://other-vault.vault.azure.net/secrets/${names.certificate}`,
  });
  (gateway.httpListeners ??= []).push({
    name: names.listener,
    frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/appGwPublicFrontendIp` },
    frontendPort: { id: `${id}/frontendPorts/port_443` },
    protocol: 'Https',
    hostName,
    requireServerNameIndication: !hostName.includes('*'),
    sslCertificate: { id: `${id}/sslCertificates/${names.certificate}` },
  });
  (gateway.requestRoutingRules ??= []).push({
    name: names.rule,
    ruleType: 'Basic',
    priority: opts.priority ?? (nextPriority += 1),
    httpListener: { id: `${id}/httpListeners/${names.listener}` },
    backendAddressPool: { id: `${id}/backendAddressPools/backend` },
    backendHttpSettings: { id: `${id}/backendHttpSettingsCollection/http-settings` },
  });
  return names;
}

/** Removes every listener for `hostName`, the rules routing them and the certificates nothing else uses. */
export function removeSite(gateway: ApplicationGateway, hostName: string): void {
  const host = hostName.toLowerCase();
  const gone = (gateway.httpListeners ?? []).filter((l) => [l.hostName, ...(l.hostNames ?? [])].some((h) => h?.toLowerCase() === host));
  const goneIds = new Set(gone.map((l) => l.id?.toLowerCase()));
  gateway.httpListeners = (gateway.httpListeners ?? []).filter((l) => !gone.includes(l));
  gateway.requestRoutingRules = (gateway.requestRoutingRules ?? []).filter((r) => !goneIds.has(r.httpListener?.id?.toLowerCase()));
  const theirs = new Set(gone.map((l) => l.sslCertificate?.id?.toLowerCase()));
  const used = new Set(gateway.httpListeners.map((l) => l.sslCertificate?.id?.toLowerCase()));
  gateway.sslCertificates = (gateway.sslCertificates ?? []).filter((c) => !theirs.has(c.id?.toLowerCase()) || used.has(c.id?.toLowerCase()));
}

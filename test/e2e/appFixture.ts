/**
 * Helpers only the e2e tests use, on top of the app-on-stack fixture in devstack/stack/appOnStack.ts:
 * certificate chains, challenge blobs left behind, the emulated gateway's JSON, app settings.
 */
import { X509Certificate } from 'node:crypto';
import type { AppOnStack } from '../../devstack/stack/appOnStack';
import { resetConfigCache } from '../../lib/config';

export function pemBlocks(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
}

/** Names of the blobs left in the challenge container (clean-up must leave none). */
export async function challengeBlobNames(app: AppOnStack): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of app.stack.container.listBlobsFlat()) names.push(blob.name);
  return names;
}

/** The emulated gateway's current ARM JSON. */
export function gatewayJson(app: AppOnStack): any {
  return app.stack.arm.getApplicationGateway(app.stack.resourceGroup, app.stack.gatewayName);
}

export function listenersFor(app: AppOnStack, host: string): any[] {
  return gatewayJson(app).properties.httpListeners.filter((l: any) => l.properties.hostName === host);
}

export function rulesFor(app: AppOnStack, listenerId: string): any[] {
  return gatewayJson(app).properties.requestRoutingRules.filter((r: any) => r.properties.httpListener.id.toLowerCase() === listenerId.toLowerCase());
}

/** Sets one app setting for a test; the returned function restores it. */
export function withSetting(name: string, value: string): () => void {
  const previous = process.env[name];
  process.env[name] = value;
  resetConfigCache();
  return () => {
    if (previous === undefined) delete process.env[name];
    else process.env[name] = previous;
    resetConfigCache();
  };
}

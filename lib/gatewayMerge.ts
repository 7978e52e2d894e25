/**
 * Merging our HTTPS bindings into an Application Gateway configuration. Pure: the adapter GETs
 * the gateway, this decides, the adapter PUTs. What others configured is carried over untouched.
 */
import type { ApplicationGateway, ApplicationGatewayRequestRoutingRule } from '@azure/arm-network';
import type { Binding } from './activityContracts';
import { Outcome, fail } from './outcome';
import { ErrorCodes } from './status';
import { gatewayNames } from './naming';


export interface MergeSettings {
  readonly backendPoolName: string;
  readonly httpSettingsName: string;
  readonly rulePriorityStart: number;
}

/** The merged configuration to PUT, and whether anything changed; a refusal is `ApplicationGatewayUpdateFailed`. */
export type MergeResult = Outcome<{ gateway: ApplicationGateway; changed: boolean }>;

const refuse = (reason: string) => fail(ErrorCodes.ApplicationGatewayUpdateFailed, reason);

/** Azure's bound for rule priorities (API 2021-08-01 and later). */
export const MAX_RULE_PRIORITY = 20000;
const HTTPS_PORT = 443;

export function childId(gatewayId: string, collection: string, name: string): string {
  return `${gatewayId}/${collection}/${name}`;
}

function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

function listenerHostnames(listener: { hostName?: string; hostNames?: string[] }): string[] {
  return [listener.hostName, ...(listener.hostNames ?? [])].filter((h): h is string => !!h).map((h) => h.toLowerCase());
}

/** Lowest priority ≥ start not used by any rule; undefined when the range is full. */
export function choosePriority(used: ReadonlySet<number>, start: number): number | undefined {
  for (let p = start; p <= MAX_RULE_PRIORITY; p += 1) if (!used.has(p)) return p;
  for (let p = 1; p < start; p += 1) if (!used.has(p)) return p;
  return undefined;
}

export function mergeBindings(current: ApplicationGateway, bindings: readonly Binding[], settings: MergeSettings): MergeResult {
  const gatewayId = current.id;
  if (!gatewayId) return refuse('the gateway has no id');
  const gw: ApplicationGateway = structuredClone(current);
  gw.sslCertificates ??= [];
  gw.httpListeners ??= [];
  gw.requestRoutingRules ??= [];
  gw.frontendPorts ??= [];
  let changed = false;

  const frontendIp = gw.frontendIPConfigurations?.find((f) => f.publicIPAddress) ?? gw.frontendIPConfigurations?.[0];
  if (!frontendIp?.name) return refuse('the gateway has no frontend IP configuration');
  const pool = gw.backendAddressPools?.find((p) => p.name === settings.backendPoolName);
  if (!pool) return refuse(`backend pool "${settings.backendPoolName}" does not exist on the gateway`);
  const httpSettings = gw.backendHttpSettingsCollection?.find((s) => s.name === settings.httpSettingsName);
  if (!httpSettings) return refuse(`backend HTTP settings "${settings.httpSettingsName}" do not exist on the gateway`);

  let port = gw.frontendPorts.find((p) => p.port === HTTPS_PORT);
  if (!port) {
    port = { name: 'acme-port-443', port: HTTPS_PORT, id: childId(gatewayId, 'frontendPorts', 'acme-port-443') };
    gw.frontendPorts.push(port);
    changed = true;
  }
  const portId = port.id ?? childId(gatewayId, 'frontendPorts', port.name ?? '');
  const frontendIpId = frontendIp.id ?? childId(gatewayId, 'frontendIPConfigurations', frontendIp.name);
  const usedPriorities = new Set(gw.requestRoutingRules.map((r) => r.priority).filter((p): p is number => typeof p === 'number'));

  for (const binding of bindings) {
    const names = gatewayNames(binding.hostname);
    // Reuse whatever already serves this hostname on 443 instead of adding a duplicate listener
    // (Azure refuses two), but only where taking it over cannot break anyone else's traffic.
    let listener = gw.httpListeners.find(
      (l) => l.protocol === 'Https' && sameId(l.frontendPort?.id, portId) && listenerHostnames(l).includes(binding.hostname),
    );
    const certIdOf = (c: { id?: string; name?: string }) => c.id ?? childId(gatewayId, 'sslCertificates', c.name ?? '');
    let sslCert = listener ? gw.sslCertificates.find((c) => sameId(certIdOf(c), listener?.sslCertificate?.id)) : undefined;
    if (listener && listener.name !== names.listener) {
      const otherHosts = listenerHostnames(listener).filter((h) => h !== binding.hostname);
      if (otherHosts.length > 0) {
        return refuse(`${binding.hostname} is served by listener "${listener.name}" together with ${otherHosts.join(', ')}; give ${binding.hostname} a listener of its own (or remove it from that one) so its certificate can be managed`);
      }
      const sharers = sslCert ? gw.httpListeners.filter((l) => l !== listener && sameId(l.sslCertificate?.id, certIdOf(sslCert ?? {}))) : [];
      // The hand-made listener's certificate also serves other listeners (say, a wildcard): keep it, use our own.
      if (sharers.length > 0) sslCert = undefined;
    }
    if (!sslCert) sslCert = gw.sslCertificates.find((c) => c.name === names.sslCertificate);
    if (!sslCert) {
      sslCert = { name: names.sslCertificate, id: childId(gatewayId, 'sslCertificates', names.sslCertificate) };
      gw.sslCertificates.push(sslCert);
      changed = true;
    }
    if (sslCert.keyVaultSecretId !== binding.keyVaultSecretId || sslCert.data !== undefined) {
      sslCert.keyVaultSecretId = binding.keyVaultSecretId;
      // A certificate uploaded as PFX data cannot also reference Key Vault.
      delete sslCert.data;
      delete sslCert.password;
      changed = true;
    }
    const sslCertId = sslCert.id ?? childId(gatewayId, 'sslCertificates', sslCert.name ?? '');

    if (!listener) {
      listener = {
        name: names.listener,
        id: childId(gatewayId, 'httpListeners', names.listener),
        frontendIPConfiguration: { id: frontendIpId },
        frontendPort: { id: portId },
        protocol: 'Https',
        hostName: binding.hostname,
        sslCertificate: { id: sslCertId },
        requireServerNameIndication: true,
      };
      gw.httpListeners.push(listener);
      changed = true;
    } else if (!sameId(listener.sslCertificate?.id, sslCertId)) {
      listener.sslCertificate = { id: sslCertId };
      changed = true;
    }
    const listenerId = listener.id ?? childId(gatewayId, 'httpListeners', listener.name ?? '');

    const hasRule = gw.requestRoutingRules.some((r) => sameId(r.httpListener?.id, listenerId));
    if (!hasRule) {
      const priority = choosePriority(usedPriorities, settings.rulePriorityStart);
      if (priority === undefined) return refuse('no free rule priority is left (1–20000 are all used)');
      usedPriorities.add(priority);
      const rule: ApplicationGatewayRequestRoutingRule = {
        name: names.rule,
        id: childId(gatewayId, 'requestRoutingRules', names.rule),
        ruleType: 'Basic',
        priority,
        httpListener: { id: listenerId },
        backendAddressPool: { id: pool.id ?? childId(gatewayId, 'backendAddressPools', settings.backendPoolName) },
        backendHttpSettings: { id: httpSettings.id ?? childId(gatewayId, 'backendHttpSettingsCollection', settings.httpSettingsName) },
      };
      gw.requestRoutingRules.push(rule);
      changed = true;
    }
  }
  return { ok: true, gateway: gw, changed };
}

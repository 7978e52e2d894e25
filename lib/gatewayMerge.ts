/**
 * Merging our HTTPS bindings into an Application Gateway configuration, and checking that they
 * are in place. Pure: the adapter GETs the gateway, this decides, the adapter PUTs. What others
 * configured is carried over untouched, and each hostname stands alone: one that cannot be bound
 * (a shared hand-made listener, a name taken by someone else, a listener that would shadow ours)
 * is refused by name while the others in the same write are still bound.
 */
import type { ApplicationGateway, ApplicationGatewayHttpListener, ApplicationGatewaySslCertificate } from '@azure/arm-network';
import type { Binding, RefusedBinding } from './activityContracts';
import { describeShadow, listenerHostnames, listenerPort, ruleFor, sameId, shadowingListener } from './gatewayListeners';
import { gatewayNames } from './naming';
import { Outcome, fail } from './outcome';
import { ErrorCodes } from './status';

export interface MergeSettings {
  readonly backendPoolName: string;
  readonly httpSettingsName: string;
  readonly rulePriorityStart: number;
}

/** The configuration to PUT and what it does; a failure means the gateway itself cannot take our bindings. */
export type MergeResult = Outcome<{ gateway: ApplicationGateway; changed: boolean; refused: RefusedBinding[] }>;

/** Azure's bound for rule priorities (API 2021-08-01 and later). */
export const MAX_RULE_PRIORITY = 20000;
const HTTPS_PORT = 443;

export function childId(gatewayId: string, collection: string, name: string): string {
  return `${gatewayId}/${collection}/${name}`;
}

/** Lowest priority ≥ start not used by any rule; undefined when the range is full. */
export function choosePriority(used: ReadonlySet<number>, start: number): number | undefined {
  for (let p = start; p <= MAX_RULE_PRIORITY; p += 1) if (!used.has(p)) return p;
  for (let p = 1; p < start; p += 1) if (!used.has(p)) return p;
  return undefined;
}

interface Frame {
  readonly gatewayId: string;
  readonly frontendIpId: string;
  readonly poolId: string;
  readonly httpSettingsId: string;
}

/** What the whole gateway must have before any binding can be merged. */
function frameOf(gw: ApplicationGateway, settings: MergeSettings): Outcome<{ frame: Frame }> {
  const refuse = (reason: string) => fail(ErrorCodes.ApplicationGatewayUpdateFailed, `Cannot bind the certificates: ${reason}`);
  const gatewayId = gw.id;
  if (!gatewayId) return refuse('the gateway has no id');
  const frontendIp = gw.frontendIPConfigurations?.find((f) => f.publicIPAddress) ?? gw.frontendIPConfigurations?.[0];
  if (!frontendIp?.name) return refuse('the gateway has no frontend IP configuration');
  const pool = gw.backendAddressPools?.find((p) => p.name === settings.backendPoolName);
  if (!pool) return refuse(`backend pool "${settings.backendPoolName}" does not exist on the gateway`);
  const httpSettings = gw.backendHttpSettingsCollection?.find((s) => s.name === settings.httpSettingsName);
  if (!httpSettings) return refuse(`backend HTTP settings "${settings.httpSettingsName}" do not exist on the gateway`);
  return {
    ok: true,
    frame: {
      gatewayId,
      frontendIpId: frontendIp.id ?? childId(gatewayId, 'frontendIPConfigurations', frontendIp.name),
      poolId: pool.id ?? childId(gatewayId, 'backendAddressPools', settings.backendPoolName),
      httpSettingsId: httpSettings.id ?? childId(gatewayId, 'backendHttpSettingsCollection', settings.httpSettingsName),
    },
  };
}

const idOf = (gatewayId: string, collection: string, item: { id?: string; name?: string }) => item.id ?? childId(gatewayId, collection, item.name ?? '');

/** The HTTPS listener on port 443 whose host names include `host` exactly. */
function listenerServing(gw: ApplicationGateway, host: string): ApplicationGatewayHttpListener | undefined {
  return gw.httpListeners?.find((l) => l.protocol === 'Https' && listenerPort(gw, l) === HTTPS_PORT && listenerHostnames(l).includes(host));
}

/** Listeners other than `except` that use the certificate. */
function certificateUsers(
  gw: ApplicationGateway,
  gatewayId: string,
  cert: ApplicationGatewaySslCertificate,
  except: ApplicationGatewayHttpListener | undefined,
): ApplicationGatewayHttpListener[] {
  const certId = idOf(gatewayId, 'sslCertificates', cert);
  return (gw.httpListeners ?? []).filter((l) => l !== except && sameId(l.sslCertificate?.id, certId));
}

/**
 * Merges one binding into `gw` (mutated) or returns why it cannot be; nothing is changed for a
 * refused binding. Returns whether the configuration changed.
 */
function mergeOne(gw: ApplicationGateway, frame: Frame, binding: Binding, usedPriorities: Set<number>, settings: MergeSettings): Outcome<{ changed: boolean }> {
  const { gatewayId } = frame;
  const host = binding.hostname;
  const names = gatewayNames(host);
  const conflict = (message: string) => fail(ErrorCodes.ApplicationGatewayBindingConflict, message);
  const certificates = (gw.sslCertificates ??= []);
  const listeners = (gw.httpListeners ??= []);
  const rules = (gw.requestRoutingRules ??= []);

  // 1. Decide, without changing anything.
  // Reuse whatever already serves this hostname on 443 (Azure refuses two listeners for one host on
  // one port), but only where taking it over cannot break anyone else's traffic.
  let listener = listenerServing(gw, host);
  if (listener && listener.name !== names.listener) {
    const others = listenerHostnames(listener).filter((h) => h !== host);
    if (others.length > 0) {
      return conflict(
        `${host} is served by listener "${listener.name}" together with ${others.join(', ')}; give ${host} a listener of its own (or remove it from that one) so its certificate can be managed`,
      );
    }
  }
  const named = listeners.find((l) => l.name === names.listener);
  if (!listener && named) {
    return conflict(
      `A listener named "${names.listener}" already exists for ${listenerHostnames(named).join(', ') || 'no host name'}, not for ${host}; rename or remove it`,
    );
  }
  let certificate = listener ? certificates.find((c) => sameId(idOf(gatewayId, 'sslCertificates', c), listener?.sslCertificate?.id)) : undefined;
  // A hand-made listener's certificate that also serves other listeners (a wildcard) is kept; we use our own.
  if (certificate && certificateUsers(gw, gatewayId, certificate, listener).length > 0) certificate = undefined;
  if (!certificate) {
    const ours = certificates.find((c) => c.name === names.sslCertificate);
    const users = ours ? certificateUsers(gw, gatewayId, ours, listener) : [];
    // A certificate with our name that other listeners use is not ours to repoint, whatever its name.
    if (users.length > 0) {
      return conflict(
        `SSL certificate "${names.sslCertificate}" is also used by listener(s) ${users.map((l) => `"${l.name}"`).join(', ')}, which this app does not manage for ${host}; rename that certificate or move those listeners to another one`,
      );
    }
    certificate = ours;
  }
  const existingRule = listener ? ruleFor(gw, idOf(gatewayId, 'httpListeners', listener)) : undefined;
  const priority = existingRule?.priority ?? choosePriority(usedPriorities, settings.rulePriorityStart);
  if (priority === undefined) return fail(ErrorCodes.ApplicationGatewayUpdateFailed, 'No free rule priority is left (1–20000 are all used)');
  const port = gw.frontendPorts?.find((p) => p.port === HTTPS_PORT);
  const portId = port ? idOf(gatewayId, 'frontendPorts', port) : childId(gatewayId, 'frontendPorts', 'acme-port-443');
  const listenerName = listener?.name ?? names.listener;
  const shadow = shadowingListener(
    gw,
    host,
    { port: HTTPS_PORT, frontendIpId: listener?.frontendIPConfiguration?.id ?? frame.frontendIpId, listenerName },
    priority,
  );
  if (shadow) return fail(ErrorCodes.ApplicationGatewayListenerShadowed, describeShadow(host, shadow, priority));

  // 2. Apply.
  let changed = false;
  if (!port) {
    gw.frontendPorts = [...(gw.frontendPorts ?? []), { name: 'acme-port-443', id: portId, port: HTTPS_PORT }];
    changed = true;
  }
  if (!certificate) {
    certificate = { name: names.sslCertificate, id: childId(gatewayId, 'sslCertificates', names.sslCertificate) };
    certificates.push(certificate);
    changed = true;
  }
  if (certificate.keyVaultSecretId !== binding.keyVaultSecretId || certificate.data !== undefined) {
    certificate.keyVaultSecretId = binding.keyVaultSecretId;
    // A certificate uploaded as PFX data cannot also reference Key Vault.
    delete certificate.data;
    delete certificate.password;
    changed = true;
  }
  const certificateId = idOf(gatewayId, 'sslCertificates', certificate);
  if (!listener) {
    listener = {
      name: names.listener,
      id: childId(gatewayId, 'httpListeners', names.listener),
      frontendIPConfiguration: { id: frame.frontendIpId },
      frontendPort: { id: portId },
      protocol: 'Https',
      hostName: host,
      sslCertificate: { id: certificateId },
      requireServerNameIndication: true,
    };
    listeners.push(listener);
    changed = true;
  } else if (!sameId(listener.sslCertificate?.id, certificateId)) {
    listener.sslCertificate = { id: certificateId };
    changed = true;
  }
  if (!existingRule) {
    usedPriorities.add(priority);
    rules.push({
      name: names.rule,
      id: childId(gatewayId, 'requestRoutingRules', names.rule),
      ruleType: 'Basic',
      priority,
      httpListener: { id: idOf(gatewayId, 'httpListeners', listener) },
      backendAddressPool: { id: frame.poolId },
      backendHttpSettings: { id: frame.httpSettingsId },
    });
    changed = true;
  }
  return { ok: true, changed };
}

export function mergeBindings(current: ApplicationGateway, bindings: readonly Binding[], settings: MergeSettings): MergeResult {
  const gw: ApplicationGateway = structuredClone(current);
  const framed = frameOf(gw, settings);
  if (!framed.ok) return framed;
  const usedPriorities = new Set((gw.requestRoutingRules ?? []).map((r) => r.priority).filter((p): p is number => typeof p === 'number'));
  let changed = false;
  const refused: RefusedBinding[] = [];
  for (const binding of bindings) {
    const merged = mergeOne(gw, framed.frame, binding, usedPriorities, settings);
    if (merged.ok) changed ||= merged.changed;
    else refused.push({ hostname: binding.hostname, code: merged.code, message: merged.message });
  }
  return { ok: true, gateway: gw, changed, refused };
}

/**
 * Read after write: is each binding in place — an HTTPS listener on 443 for the hostname, routed by
 * a rule, with a certificate pointing at the binding's secret, and not shadowed? Returns the
 * bindings that are not, with why (another writer may have superseded or removed them).
 */
export function missingBindings(gw: ApplicationGateway, bindings: readonly Binding[]): RefusedBinding[] {
  const gatewayId = gw.id ?? '';
  const missing: RefusedBinding[] = [];
  for (const binding of bindings) {
    const host = binding.hostname;
    const gone = (what: string) =>
      missing.push({
        hostname: host,
        code: ErrorCodes.ApplicationGatewayUpdateLost,
        message: `${host}: ${what} after the update; another writer changed the gateway`,
      });
    const listener = listenerServing(gw, host);
    if (!listener) {
      gone('no HTTPS listener on port 443');
      continue;
    }
    const certificate = gw.sslCertificates?.find((c) => sameId(idOf(gatewayId, 'sslCertificates', c), listener.sslCertificate?.id));
    if (certificate?.keyVaultSecretId !== binding.keyVaultSecretId) {
      gone(`listener "${listener.name}" does not use the Key Vault secret ${binding.keyVaultSecretId}`);
      continue;
    }
    const rule = ruleFor(gw, idOf(gatewayId, 'httpListeners', listener));
    if (!rule) {
      gone(`no rule routes listener "${listener.name}"`);
      continue;
    }
    const frontend = { port: HTTPS_PORT, frontendIpId: listener.frontendIPConfiguration?.id, listenerName: listener.name ?? '' };
    const shadow = shadowingListener(gw, host, frontend, rule.priority ?? MAX_RULE_PRIORITY);
    if (shadow)
      missing.push({
        hostname: host,
        code: ErrorCodes.ApplicationGatewayListenerShadowed,
        message: describeShadow(host, shadow, rule.priority ?? MAX_RULE_PRIORITY),
      });
  }
  return missing;
}

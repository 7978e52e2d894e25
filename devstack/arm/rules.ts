/**
 * The checks Azure makes on an Application Gateway PUT (codes seen in the wild where noted), run on a
 * draft whose child ids are already assigned. SSL certificates are normalised on the way: kept by
 * name, or reduced to their public part.
 */
import { ArmError, clone, Json, lower } from './model';
import type { GatewayDraft } from './children';

/** Azure Application Gateway limits (v2 SKU): https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits */
const LIMITS = {
  sslCertificates: 100,
  httpListeners: 200,
  activeHttpListeners: 100,
  requestRoutingRules: 400,
  hostNamesPerListener: 5,
} as const;

/** Rule priority became mandatory with this API version (ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty). */
const PRIORITY_REQUIRED_FROM = '2021-08-01';

export function checkGatewayRules(draft: GatewayDraft, body: Json, prevProps: Json, apiVersion: string): void {
  const { id, items, checkRef } = draft;
  // SSL certificates: either new data, a Key Vault secret, or an existing certificate kept by name.
  const prevCerts = new Map<string, Json>(((prevProps.sslCertificates as Json[] | undefined) ?? []).map((c) => [lower(c.name), c]));
  const identityIds = Object.keys(body.identity?.userAssignedIdentities ?? {});
  const hasUserIdentity = /userassigned/i.test(String(body.identity?.type ?? '')) && identityIds.length > 0;
  for (const cert of items('sslCertificates')) {
    const p = cert.properties;
    if (p.keyVaultSecretId !== undefined) {
      if (typeof p.keyVaultSecretId !== 'string' || !/^https:\/\/[^/]+\/secrets\/[^/]+(\/[^/]*)?$/i.test(p.keyVaultSecretId)) {
        throw new ArmError(
          400,
          'ApplicationGatewaySslCertificateInvalidKeyVaultSecretId',
          `Key Vault secret id '${p.keyVaultSecretId}' of ${cert.id} is not a valid secret URL.`,
        );
      }
      // Application Gateway reads Key Vault only through a user-assigned identity.
      if (!hasUserIdentity) {
        throw new ArmError(
          400,
          'ApplicationGatewayKeyVaultSecretRequiresUserAssignedIdentity',
          `SSL certificate ${cert.id} references Key Vault secret ${p.keyVaultSecretId}, but application gateway ${id} has no user-assigned identity.`,
        );
      }
    } else if (p.data === undefined) {
      const old = prevCerts.get(lower(cert.name));
      if (!old) {
        throw new ArmError(400, 'ApplicationGatewaySslCertificateDataMustBeSpecified', `Data must be specified for certificate ${cert.id}.`);
      }
      cert.properties = { ...clone(old.properties), ...p };
    } else {
      // Azure keeps only the public part; the PFX and its password are write-only.
      cert.properties = { ...p, publicCertData: 'MIIB' + Buffer.from(cert.name).toString('base64') };
      delete cert.properties.data;
      delete cert.properties.password;
    }
  }

  // Listeners.
  for (const listener of items('httpListeners')) {
    const p = listener.properties;
    checkRef(listener, 'frontendIPConfiguration', 'frontendIPConfigurations', true);
    checkRef(listener, 'frontendPort', 'frontendPorts', true);
    const protocol = String(p.protocol ?? '');
    if (!/^https?$/i.test(protocol)) {
      throw new ArmError(400, 'InvalidRequestFormat', `Listener ${listener.id} must have protocol Http or Https.`);
    }
    if (/^https$/i.test(protocol)) {
      if (!p.sslCertificate) {
        throw new ArmError(400, 'ApplicationGatewayHttpsListenerMustReferenceSslCert', `Https listener ${listener.id} must reference an SSL certificate.`);
      }
      checkRef(listener, 'sslCertificate', 'sslCertificates', true);
    }
    checkRef(listener, 'sslProfile', 'sslProfiles', false);
    if (p.hostName && p.hostNames?.length) {
      throw new ArmError(
        400,
        'ApplicationGatewayHttpListenerHostNameAndHostNamesBothSpecified',
        `Listener ${listener.id} may set hostName or hostNames, not both.`,
      );
    }
    if ((p.hostNames?.length ?? 0) > LIMITS.hostNamesPerListener) {
      throw new ArmError(
        400,
        'ApplicationGatewayHttpListenerHostNamesLimitExceeded',
        `Listener ${listener.id} has ${p.hostNames.length} host names; the limit is ${LIMITS.hostNamesPerListener}.`,
      );
    }
  }
  // Two listeners on one frontend port may not accept the same host name, and only one may be
  // basic (no host name). Azure: ApplicationGatewayHttpListenersUsingSameFrontendPort.
  const claimed = new Map<string, Json>();
  for (const listener of items('httpListeners')) {
    const p = listener.properties;
    const hostSet: string[] = p.hostNames?.length ? p.hostNames : p.hostName ? [p.hostName] : [''];
    for (const h of hostSet) {
      const k = `${lower(p.frontendPort.id)}|${lower(String(h))}`;
      const other = claimed.get(k);
      if (other && other !== listener) {
        throw new ArmError(
          400,
          'ApplicationGatewayHttpListenersUsingSameFrontendPort',
          `Two Http Listeners of Application Gateway ${id} are using the same Frontend Port ${p.frontendPort.id} and host name '${h}': ${other.id} and ${listener.id}.`,
        );
      }
      claimed.set(k, listener);
    }
  }

  // Backend settings, path maps, redirects.
  for (const settings of items('backendHttpSettingsCollection')) checkRef(settings, 'probe', 'probes', false);
  for (const redirect of items('redirectConfigurations')) checkRef(redirect, 'targetListener', 'httpListeners', false);
  for (const map of items('urlPathMaps')) {
    checkRef(map, 'defaultBackendAddressPool', 'backendAddressPools', false);
    checkRef(map, 'defaultBackendHttpSettings', 'backendHttpSettingsCollection', false);
    checkRef(map, 'defaultRedirectConfiguration', 'redirectConfigurations', false);
    checkRef(map, 'defaultRewriteRuleSet', 'rewriteRuleSets', false);
    for (const rule of (map.properties.pathRules as Json[] | undefined) ?? []) {
      if (!Array.isArray(rule.properties.paths) || rule.properties.paths.length === 0) {
        throw new ArmError(400, 'InvalidRequestFormat', `Path rule ${rule.id} must have at least one path.`);
      }
      checkRef(rule, 'backendAddressPool', 'backendAddressPools', false);
      checkRef(rule, 'backendHttpSettings', 'backendHttpSettingsCollection', false);
      checkRef(rule, 'redirectConfiguration', 'redirectConfigurations', false);
      checkRef(rule, 'rewriteRuleSet', 'rewriteRuleSets', false);
    }
  }

  // Routing rules.
  const rules = items('requestRoutingRules');
  const usedListeners = new Map<string, Json>();
  for (const rule of rules) {
    const p = rule.properties;
    checkRef(rule, 'httpListener', 'httpListeners', true);
    const listenerKey = lower(p.httpListener.id);
    const other = usedListeners.get(listenerKey);
    if (other) {
      throw new ArmError(
        400,
        'ApplicationGatewayRequestRoutingRulesUsingSameHttpListener',
        `Two Request Routing Rules of Application Gateway ${id} are using the same Http Listener ${p.httpListener.id}: ${other.id} and ${rule.id}.`,
      );
    }
    usedListeners.set(listenerKey, rule);
    const ruleType = String(p.ruleType ?? 'Basic');
    if (/^PathBasedRouting$/i.test(ruleType)) {
      checkRef(rule, 'urlPathMap', 'urlPathMaps', true);
    } else if (/^Basic$/i.test(ruleType)) {
      if (p.redirectConfiguration) {
        checkRef(rule, 'redirectConfiguration', 'redirectConfigurations', true);
      } else {
        checkRef(rule, 'backendAddressPool', 'backendAddressPools', true);
        checkRef(rule, 'backendHttpSettings', 'backendHttpSettingsCollection', true);
      }
    } else {
      throw new ArmError(400, 'InvalidRequestFormat', `Rule ${rule.id} has unknown ruleType '${ruleType}'.`);
    }
    checkRef(rule, 'rewriteRuleSet', 'rewriteRuleSets', false);
  }
  const withPriority = rules.filter((r) => r.properties.priority !== undefined && r.properties.priority !== null);
  if (withPriority.length > 0 && withPriority.length < rules.length) {
    throw new ArmError(400, 'ApplicationGatewayRequestRoutingRulePartialPriorityDefined', 'Either all or no rule should have the priority specified.');
  }
  if (apiVersion >= PRIORITY_REQUIRED_FROM && rules.length > 0 && withPriority.length === 0) {
    throw new ArmError(
      400,
      'ApplicationGatewayRequestRoutingRulePriorityCannotBeEmpty',
      `Priority for the request routing rule ${rules[0].id} cannot be empty. All request routing rules should have a priority defined starting from api-version ${PRIORITY_REQUIRED_FROM}`,
    );
  }
  const priorities = new Map<number, Json>();
  for (const rule of withPriority) {
    const priority: unknown = rule.properties.priority;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1 || priority > 20000) {
      throw new ArmError(
        400,
        'ApplicationGatewayRequestRoutingRuleInvalidPriority',
        `Priority ${String(priority)} of request routing rule ${rule.id} must be an integer from 1 to 20000.`,
      );
    }
    const other = priorities.get(priority);
    if (other) {
      // Message as Azure words it; the code is this emulator's (not seen in the wild).
      throw new ArmError(
        400,
        'ApplicationGatewayRequestRoutingRuleDuplicatePriority',
        `Priority must be unique across all the request routing rules: ${other.id} and ${rule.id} both have priority ${priority}.`,
      );
    }
    priorities.set(priority, rule);
  }

  // Limits.
  const limit = (count: number, max: number, what: string): void => {
    if (count > max) {
      throw new ArmError(400, 'ApplicationGatewayLimitExceeded', `Application gateway ${id} has ${count} ${what}; the limit is ${max}.`);
    }
  };
  limit(items('sslCertificates').length, LIMITS.sslCertificates, 'SSL certificates');
  limit(items('httpListeners').length, LIMITS.httpListeners, 'listeners');
  limit(usedListeners.size, LIMITS.activeHttpListeners, 'listeners bound to rules');
  limit(rules.length, LIMITS.requestRoutingRules, 'request routing rules');
}

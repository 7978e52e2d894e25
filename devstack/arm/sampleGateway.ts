/** The gateway fixture the local stack seeds into the ARM emulator. */
import { randomUUID } from 'node:crypto';
import { childType, gatewayId, Json, newEtag } from './model';

/** The subnet the sample gateway sits in (a PUT joins it: Microsoft.Network/virtualNetworks/subnets/join/action). */
export function sampleGatewaySubnetId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/virtualNetworks/${name}-vnet/subnets/appgw`;
}

/**
 * A gateway as Azure returns it after the usual portal set-up for this project: Standard_v2, a
 * user-assigned identity (for Key Vault), a public frontend, port 80 and 443, and an HTTP listener
 * whose path map sends ACME HTTP-01 challenges to a storage account's static content.
 */
export function sampleGateway(opts: {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  publicIpId: string;
  userAssignedIdentityId: string;
}): object {
  const gw = gatewayId(opts.subscriptionId, opts.resourceGroup, opts.name);
  const etag = newEtag();
  const child = (collection: string, name: string, properties: Json): Json => ({
    id: `${gw}/${collection}/${name}`,
    name,
    etag,
    type: childType(collection),
    properties: { provisioningState: 'Succeeded', ...properties },
  });
  const ref = (collection: string, name: string): { id: string } => ({ id: `${gw}/${collection}/${name}` });
  const subnetId = sampleGatewaySubnetId(opts.subscriptionId, opts.resourceGroup, opts.name);
  const storageFqdn = `acme${opts.name
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 16)}.z6.web.core.windows.net`;
  return {
    id: gw,
    name: opts.name,
    type: 'Microsoft.Network/applicationGateways',
    location: 'westeurope',
    etag,
    identity: {
      type: 'UserAssigned',
      userAssignedIdentities: { [opts.userAssignedIdentityId]: { principalId: randomUUID(), clientId: randomUUID() } },
    },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: randomUUID(),
      operationalState: 'Running',
      sku: { name: 'Standard_v2', tier: 'Standard_v2', family: 'Generation_1' },
      autoscaleConfiguration: { minCapacity: 0, maxCapacity: 2 },
      enableHttp2: true,
      gatewayIPConfigurations: [child('gatewayIPConfigurations', 'appGatewayIpConfig', { subnet: { id: subnetId } })],
      sslCertificates: [],
      authenticationCertificates: [],
      trustedRootCertificates: [],
      trustedClientCertificates: [],
      sslProfiles: [],
      frontendIPConfigurations: [
        child('frontendIPConfigurations', 'appGwPublicFrontendIp', {
          privateIPAllocationMethod: 'Dynamic',
          publicIPAddress: { id: opts.publicIpId },
          httpListeners: [ref('httpListeners', 'http-listener')],
        }),
      ],
      frontendPorts: [
        child('frontendPorts', 'port_80', { port: 80, httpListeners: [ref('httpListeners', 'http-listener')] }),
        child('frontendPorts', 'port_443', { port: 443 }),
      ],
      backendAddressPools: [
        child('backendAddressPools', 'backend', { backendAddresses: [{ ipAddress: '10.0.1.4' }] }),
        child('backendAddressPools', 'acme-challenge-storage', { backendAddresses: [{ fqdn: storageFqdn }] }),
      ],
      backendHttpSettingsCollection: [
        child('backendHttpSettingsCollection', 'http-settings', {
          port: 80,
          protocol: 'Http',
          cookieBasedAffinity: 'Disabled',
          pickHostNameFromBackendAddress: false,
          requestTimeout: 20,
        }),
        child('backendHttpSettingsCollection', 'acme-challenge-storage-settings', {
          port: 443,
          protocol: 'Https',
          cookieBasedAffinity: 'Disabled',
          pickHostNameFromBackendAddress: true,
          requestTimeout: 20,
        }),
      ],
      httpListeners: [
        child('httpListeners', 'http-listener', {
          frontendIPConfiguration: ref('frontendIPConfigurations', 'appGwPublicFrontendIp'),
          frontendPort: ref('frontendPorts', 'port_80'),
          protocol: 'Http',
          hostNames: [],
          requireServerNameIndication: false,
        }),
      ],
      urlPathMaps: [
        child('urlPathMaps', 'http-path-map', {
          defaultBackendAddressPool: ref('backendAddressPools', 'backend'),
          defaultBackendHttpSettings: ref('backendHttpSettingsCollection', 'http-settings'),
          pathRules: [
            {
              id: `${gw}/urlPathMaps/http-path-map/pathRules/acme-challenge`,
              name: 'acme-challenge',
              etag,
              type: 'Microsoft.Network/applicationGateways/urlPathMaps/pathRules',
              properties: {
                provisioningState: 'Succeeded',
                // Storage static website serves the challenge files uploaded to $web.
                paths: ['/.well-known/acme-challenge/*'],
                backendAddressPool: ref('backendAddressPools', 'acme-challenge-storage'),
                backendHttpSettings: ref('backendHttpSettingsCollection', 'acme-challenge-storage-settings'),
              },
            },
          ],
        }),
      ],
      requestRoutingRules: [
        child('requestRoutingRules', 'http-rule', {
          ruleType: 'PathBasedRouting',
          priority: 100,
          httpListener: ref('httpListeners', 'http-listener'),
          urlPathMap: ref('urlPathMaps', 'http-path-map'),
        }),
      ],
      probes: [],
      rewriteRuleSets: [],
      redirectConfigurations: [],
      privateLinkConfigurations: [],
      privateEndpointConnections: [],
    },
  };
}

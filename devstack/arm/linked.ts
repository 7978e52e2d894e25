/**
 * The resources an Application Gateway PUT links to, and the action ARM checks on each before the
 * request reaches the network provider. Resource providers declare these "linked access checks" in
 * their registration (Microsoft.ProviderHub ResourceTypeRegistration.linkedAccessChecks, azure-rest-api-specs
 * specification/providerhub); ARM checks every link in the body on every PUT, changed or not, and
 * refuses with 403 LinkedAuthorizationFailed (infra/README.md; reports: Azure/aad-pod-identity#613 for
 * an identity, kubernetes-sigs/cloud-provider-azure#1999 for a subnet).
 *
 * Actions: permissions/networking (virtualNetworks/subnets/join/action, publicIPAddresses/join/action,
 * ApplicationGatewayWebApplicationFirewallPolicies/join/action) and permissions/identity
 * (userAssignedIdentities/assign/action) in learn.microsoft.com/azure/role-based-access-control/permissions.
 */
import { Json, lower } from './model';

export const JOIN_ACTIONS = {
  subnet: 'Microsoft.Network/virtualNetworks/subnets/join/action',
  publicIp: 'Microsoft.Network/publicIPAddresses/join/action',
  wafPolicy: 'Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/join/action',
  userAssignedIdentity: 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action',
} as const;

export interface LinkedResource {
  readonly action: string;
  readonly scope: string;
}

/** Every linked resource in a gateway PUT body (the wire shape: `properties` nested), once each. */
export function linkedResources(body: Json): LinkedResource[] {
  const found = new Map<string, LinkedResource>();
  const add = (action: string, ref: Json): void => {
    const id: unknown = ref?.id;
    if (typeof id === 'string' && id) found.set(`${action}|${lower(id)}`, { action, scope: id });
  };
  const props: Json = body?.properties ?? {};
  const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
  for (const c of list(props.gatewayIPConfigurations)) add(JOIN_ACTIONS.subnet, c?.properties?.subnet);
  for (const f of list(props.frontendIPConfigurations)) {
    add(JOIN_ACTIONS.publicIp, f?.properties?.publicIPAddress);
    add(JOIN_ACTIONS.subnet, f?.properties?.subnet); // a private frontend
  }
  // A WAF policy can be linked to the gateway, to a listener (per site) or to a path rule (per URI).
  add(JOIN_ACTIONS.wafPolicy, props.firewallPolicy);
  for (const l of list(props.httpListeners)) add(JOIN_ACTIONS.wafPolicy, l?.properties?.firewallPolicy);
  for (const m of list(props.urlPathMaps)) {
    for (const r of list(m?.properties?.pathRules)) add(JOIN_ACTIONS.wafPolicy, r?.properties?.firewallPolicy);
  }
  for (const id of Object.keys(body?.identity?.userAssignedIdentities ?? {})) add(JOIN_ACTIONS.userAssignedIdentity, { id });
  return [...found.values()];
}

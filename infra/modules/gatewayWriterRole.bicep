// Custom role with exactly what reading and updating an existing gateway needs. It is assigned on
// the gateway, its public IP, its subnet and (if any) its WAF policy, so each action only applies
// where it is needed. (Managed Identity Operator on the gateway's identity is assigned separately.)
targetScope = 'subscription'

param roleGuid string
@description('Role names are unique per tenant, so the name carries the gateway.')
param roleName string
param assignableResourceGroups array

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: roleGuid
  properties: {
    roleName: roleName
    description: 'appgw-acme-robot: read and update one Application Gateway (certificates, listeners, rules) and the resources its PUT links to.'
    type: 'CustomRole'
    permissions: [
      {
        actions: [
          // GET the configuration, then PUT the merged configuration back.
          'Microsoft.Network/applicationGateways/read'
          'Microsoft.Network/applicationGateways/write'
          // A PUT re-submits every linked resource and ARM checks join on each (LinkedAuthorizationFailed).
          'Microsoft.Network/virtualNetworks/subnets/read'
          'Microsoft.Network/virtualNetworks/subnets/join/action'
          // The DNS pre-check reads the frontend's address; the PUT joins the public IP.
          'Microsoft.Network/publicIPAddresses/read'
          'Microsoft.Network/publicIPAddresses/join/action'
          // Only when a WAF policy is linked to the gateway.
          'Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/read'
          'Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/join/action'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [for rg in assignableResourceGroups: '${subscription().id}/resourceGroups/${rg}']
  }
}

output roleDefinitionId string = role.id

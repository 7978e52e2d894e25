// The writer role on the gateway's WAF policy: join/action, which ARM checks on a gateway PUT
// when a policy is linked. The policy itself is never changed.
param wafPolicyName string
param principalId string
param roleDefinitionId string

resource wafPolicy 'Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies@2024-05-01' existing = {
  name: wafPolicyName
}

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(wafPolicy.id, principalId, roleDefinitionId)
  scope: wafPolicy
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// appgw-acme-robot: the Function App, its storage, monitoring, Key Vault and the least-privilege
// role assignments it needs next to an EXISTING Application Gateway.
//
//   az deployment group create -g <rg> -f infra/main.bicep -p @infra/main.parameters.json
//
// The gateway itself is never PUT by this template: a template PUT of
// Microsoft.Network/applicationGateways replaces the whole configuration (listeners, certificates
// and rules the robot added would be lost) and its path maps are not separate ARM resources. The
// port-80 path rule for /.well-known/acme-challenge/* is therefore added once by hand
// (infra/README.md, "Challenge path rule"); there is deliberately no addChallengePathRule switch.

@description('Region for the new resources. Flex Consumption is not offered in every region.')
param location string = resourceGroup().location

@description('Short prefix for resource names (lower-case letters and digits).')
@minLength(2)
@maxLength(7)
param namePrefix string = 'acmebot'

// ---------- the existing gateway and the resources a gateway PUT links to ----------

@description('Name of the existing Application Gateway.')
param gatewayName string

@description('Resource group of the gateway.')
param gatewayResourceGroup string = resourceGroup().name

@description('Name of the gateway\'s public IP address (its public frontend).')
param gatewayPublicIpName string

@description('Resource group of that public IP.')
param gatewayPublicIpResourceGroup string = gatewayResourceGroup

@description('Virtual network of the gateway\'s subnet.')
param gatewayVnetName string

@description('The gateway\'s dedicated subnet.')
param gatewaySubnetName string

@description('Resource group of that virtual network.')
param gatewayVnetResourceGroup string = gatewayResourceGroup

@description('User-assigned identity the gateway uses to read Key Vault certificates.')
param gatewayIdentityName string

@description('Resource group of that identity.')
param gatewayIdentityResourceGroup string = gatewayResourceGroup

@description('WAF policy linked to the gateway, if any (empty = none). A PUT needs join/action on it.')
param gatewayWafPolicyName string = ''

@description('Resource group of that WAF policy.')
param gatewayWafPolicyResourceGroup string = gatewayResourceGroup

@description('"custom": a role with only the actions a gateway GET/PUT needs (the deployer needs Microsoft.Authorization/roleDefinitions/write, e.g. Owner or User Access Administrator). "NetworkContributor": the broader built-in role, for deployers who cannot create roles.')
@allowed([
  'custom'
  'NetworkContributor'
])
param gatewayWriterRole string = 'custom'

@description('Existing backend pool that new HTTPS rules send traffic to.')
param gatewayBackendName string

@description('Existing backend HTTP settings used by new HTTPS rules.')
param gatewayHttpSettingsName string

@minValue(1)
@maxValue(20000)
param gatewayRulePriorityStart int = 10000

@minValue(0)
@maxValue(120)
param gatewayPollIntervalSeconds int = 10

@description('Port of the self-check through the gateway; 80 is what the CA uses (RFC 8555 section 8.3).')
param challengeSelfCheckPort int = 80

// ---------- ACME ----------

@description('ACME directory URL. Start with Let\'s Encrypt staging: https://acme-staging-v02.api.letsencrypt.org/directory')
param acmeEndpoint string

@description('Contact e-mail of the ACME account.')
param acmeAccountEmail string

param acmeAccountKeySecretName string = 'acme-account-key'

@description('External Account Binding key id (empty = none).')
param acmeEabKeyId string = ''

@description('External Account Binding HMAC key (empty = none). Stored as a Key Vault secret; the app setting is a Key Vault reference.')
@secure()
param acmeEabHmacKey string = ''

param acmeEabHmacKeySecretName string = 'acme-eab-hmac-key'

// ---------- certificates, DNS, limits, renewal ----------

@allowed([
  'RSA'
])
param certificateKeyType string = 'RSA'

@allowed([
  2048
  3072
  4096
])
param certificateKeySize int = 2048

@description('Comma-separated resolvers for the DNS pre-check (empty = the platform\'s).')
param dnsServers string = ''

@minValue(1)
@maxValue(100)
param maxHostnamesPerRequest int = 50

@description('NCRONTAB (six fields) for the renewal timer; empty = daily at a jittered time.')
param renewalSchedule string = ''

@description('Renew when fewer than this many days remain; 0 = lifetime fraction / ARI window.')
@minValue(0)
@maxValue(365)
param renewBeforeExpiryDays int = 0

@minValue(1)
@maxValue(50)
param renewalConcurrency int = 5

@description('PUT the gateway right after a renewal instead of waiting for its ~4-hourly Key Vault poll.')
param renewalRefreshGateway bool = false

@description('Recover a soft-deleted certificate that holds a hostname\'s Key Vault name instead of failing with KeyVaultCertificateDeleted (purge protection keeps such names up to 90 days).')
param keyVaultRecoverDeletedCertificates bool = false

@description('Origin of the status URLs the starters answer with (e.g. https://certs.contoso.com behind Front Door); empty = the Function App\'s own host name.')
param publicBaseUrl string = ''

// ---------- hosting ----------

@description('"container": container acme-challenge with anonymous blob read, behind a gateway path override /acme-challenge/. "staticWebsite": the $web container of a static website (enable it after deploying, see README).')
@allowed([
  'container'
  'staticWebsite'
])
param challengeHosting string = 'container'

@description('Use this existing RBAC-mode Key Vault instead of creating one (empty = create).')
param existingKeyVaultName string = ''

param existingKeyVaultResourceGroup string = resourceGroup().name

param durableTaskHubName string = 'AppGwAcmeRobot'

@description('Flex Consumption scale-out cap; the robot needs few instances (gateway updates are serialised anyway).')
param maximumInstanceCount int = 40

@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

// ---------- names ----------

var token = uniqueString(resourceGroup().id, namePrefix)
var functionAppName = '${namePrefix}-func-${token}'
// Storage account names: 3-24 lower-case letters and digits, globally unique.
var runtimeStorageName = take('st${toLower(namePrefix)}fn${token}', 24)
var challengeStorageName = take('st${toLower(namePrefix)}ch${token}', 24)
var createKeyVault = empty(existingKeyVaultName)
var keyVaultName = createKeyVault ? take('kv-${namePrefix}-${token}', 24) : existingKeyVaultName
var keyVaultResourceGroup = createKeyVault ? resourceGroup().name : existingKeyVaultResourceGroup
var keyVaultUri = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}/'
var challengeContainerName = challengeHosting == 'container' ? 'acme-challenge' : '$web'
var deploymentContainerName = 'app-package'

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

// Built-in roles infra/roles.json names (networkContributor, reader) for gatewayWriterRole=NetworkContributor.
var gatewayRoles = loadJsonContent('roles.json')
var useCustomRoles = gatewayWriterRole == 'custom'
// Resource groups that get their own custom writer role: wherever the gateway's linked resources live.
var gatewayLinkedResourceGroups = [
  gatewayResourceGroup
  gatewayPublicIpResourceGroup
  gatewayVnetResourceGroup
]
var customRoleResourceGroups = union(gatewayLinkedResourceGroups, empty(gatewayWafPolicyName) ? [] : [gatewayWafPolicyResourceGroup])
var networkContributorRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', gatewayRoles.builtInRoles.networkContributor)

// ---------- monitoring ----------

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${token}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-ai-${token}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

// ---------- storage ----------

// The Functions runtime's account (host keys, durable task hub, deployment package). Nothing in it
// is public and no shared key is accepted: the app reaches it with its identity only.
resource runtimeStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: runtimeStorageName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
  }
}

resource runtimeBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: runtimeStorage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: runtimeBlobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// A separate account for challenge files: the CA must read them anonymously through the gateway,
// and anonymous read must never be possible on the runtime account above.
resource challengeStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: challengeStorageName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Only the acme-challenge container is public; a static website ($web) needs no blob public access.
    allowBlobPublicAccess: challengeHosting == 'container'
    allowSharedKeyAccess: false
    // The gateway fetches challenge files over the public endpoint: a "Deny" firewall here makes
    // every HTTP-01 validation fail unless the gateway subnet is allowed (see README).
    networkAcls: {
      defaultAction: 'Allow'
    }
  }
}

resource challengeBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: challengeStorage
  name: 'default'
}

resource challengeContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = if (challengeHosting == 'container') {
  parent: challengeBlobService
  name: 'acme-challenge'
  properties: {
    // HTTP-01 (RFC 8555 section 8.3): the CA fetches the key authorisation without credentials.
    publicAccess: 'Blob'
  }
}

// ---------- Key Vault ----------

module newKeyVault 'modules/keyVault.bicep' = if (createKeyVault) {
  name: 'acmebot-keyvault'
  params: {
    name: keyVaultName
    location: location
  }
}

// The EAB HMAC key lives only in the vault; the app setting is a reference the platform resolves.
module eabSecret 'modules/keyVaultSecret.bicep' = if (!empty(acmeEabHmacKey)) {
  name: 'acmebot-eab-secret'
  scope: resourceGroup(keyVaultResourceGroup)
  params: {
    keyVaultName: keyVaultName
    secretName: acmeEabHmacKeySecretName
    secretValue: acmeEabHmacKey
  }
  dependsOn: [
    newKeyVault
  ]
}

// ---------- Function App (Flex Consumption) ----------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${namePrefix}-plan-${token}'
  location: location
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

// Flex Consumption takes the runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION must not be set as app settings there.
resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        {
          name: 'AzureWebJobsStorage__accountName'
          value: runtimeStorage.name
        }
        {
          name: 'DurableTaskHubName'
          value: durableTaskHubName
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        {
          name: 'AcmeEndpoint'
          value: acmeEndpoint
        }
        {
          name: 'AcmeAccountEmail'
          value: acmeAccountEmail
        }
        {
          name: 'AcmeAccountKeySecretName'
          value: acmeAccountKeySecretName
        }
        {
          name: 'AcmeEabKeyId'
          value: acmeEabKeyId
        }
        {
          name: 'AcmeEabHmacKey'
          value: empty(acmeEabHmacKey) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${acmeEabHmacKeySecretName}/)'
        }
        {
          name: 'TenantId'
          value: subscription().tenantId
        }
        {
          name: 'SubscriptionId'
          value: subscription().subscriptionId
        }
        {
          name: 'ArmEndpoint'
          value: environment().resourceManager
        }
        {
          name: 'ApplicationGatewayResourceGroup'
          value: gatewayResourceGroup
        }
        {
          name: 'ApplicationGatewayName'
          value: gatewayName
        }
        {
          name: 'ApplicationGatewayBackendName'
          value: gatewayBackendName
        }
        {
          name: 'ApplicationGatewayHttpSettingsName'
          value: gatewayHttpSettingsName
        }
        {
          name: 'ApplicationGatewayRulePriorityStart'
          value: string(gatewayRulePriorityStart)
        }
        {
          name: 'ApplicationGatewayPollIntervalSeconds'
          value: string(gatewayPollIntervalSeconds)
        }
        {
          name: 'ChallengeSelfCheckPort'
          value: string(challengeSelfCheckPort)
        }
        {
          name: 'BlobContainerUrl'
          value: '${challengeStorage.properties.primaryEndpoints.blob}${challengeContainerName}'
        }
        {
          // A static website serves $web at its root, so files keep the full request path; the
          // container backend gets the path rewritten by the gateway's path override instead.
          name: 'BlobChallengePrefix'
          value: challengeHosting == 'staticWebsite' ? '.well-known/acme-challenge/' : ''
        }
        {
          name: 'KeyVaultBaseUrl'
          value: keyVaultUri
        }
        {
          name: 'CertificateKeyType'
          value: certificateKeyType
        }
        {
          name: 'CertificateKeySize'
          value: string(certificateKeySize)
        }
        {
          name: 'DnsServers'
          value: dnsServers
        }
        {
          name: 'MaxHostnamesPerRequest'
          value: string(maxHostnamesPerRequest)
        }
        {
          // Special-use names (.test, .example, .local, …) only make sense against a test CA.
          name: 'AllowReservedHostnames'
          value: 'false'
        }
        {
          // Empty: management URLs use the durable extension's own host name, never the request's.
          name: 'PublicBaseUrl'
          value: publicBaseUrl
        }
        {
          name: 'RenewalSchedule'
          value: renewalSchedule
        }
        {
          name: 'RenewBeforeExpiryDays'
          value: renewBeforeExpiryDays == 0 ? '' : string(renewBeforeExpiryDays)
        }
        {
          name: 'RenewalConcurrency'
          value: string(renewalConcurrency)
        }
        {
          name: 'RenewalRefreshGateway'
          value: renewalRefreshGateway ? 'true' : 'false'
        }
        {
          name: 'KeyVaultRecoverDeletedCertificates'
          value: keyVaultRecoverDeletedCertificates ? 'true' : 'false'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${runtimeStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
  dependsOn: [
    deploymentContainer
  ]
}

// ---------- role assignments: the function's identity ----------

// Identity-based AzureWebJobsStorage: the host keeps keys and leases in blobs (Owner, because the
// host manages containers), the durable task hub uses queues and tables, and Flex Consumption
// reads the deployment package from the app-package container.
resource runtimeBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(runtimeStorage.id, functionApp.id, roles.storageBlobDataOwner)
  scope: runtimeStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource runtimeQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(runtimeStorage.id, functionApp.id, roles.storageQueueDataContributor)
  scope: runtimeStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource runtimeTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(runtimeStorage.id, functionApp.id, roles.storageTableDataContributor)
  scope: runtimeStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Write and delete challenge files: scoped to the acme-challenge container only.
resource challengeContainerContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (challengeHosting == 'container') {
  name: guid(challengeStorage.id, 'acme-challenge', functionApp.id, roles.storageBlobDataContributor)
  scope: challengeContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// $web only exists once the static website is enabled (after this deployment), so it cannot be a
// scope yet; the challenge account holds nothing else, so the account scope grants no more.
resource challengeAccountContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (challengeHosting == 'staticWebsite') {
  name: guid(challengeStorage.id, functionApp.id, roles.storageBlobDataContributor)
  scope: challengeStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource gatewayIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: gatewayIdentityName
  scope: resourceGroup(gatewayIdentityResourceGroup)
}

// Function → Certificates Officer + Secrets Officer; gateway identity → Secrets User.
module keyVaultAccess 'modules/keyVaultAccess.bicep' = {
  name: 'acmebot-keyvault-access'
  scope: resourceGroup(keyVaultResourceGroup)
  params: {
    keyVaultName: keyVaultName
    functionPrincipalId: functionApp.identity.principalId
    gatewayIdentityPrincipalId: gatewayIdentity.properties.principalId
  }
  dependsOn: [
    newKeyVault
  ]
}

// infra/roles.json lists the assignments below. Custom roles are deployed at resource-group scope,
// one per resource group (assignable only there), so owning those resource groups is enough.
module gatewayWriterRoleDefinitions 'modules/gatewayWriterRole.bicep' = [for rg in customRoleResourceGroups: if (useCustomRoles) {
  name: 'acmebot-gateway-writer-role-${uniqueString(rg)}'
  scope: resourceGroup(rg)
}]

// The same writer role is assigned on each resource a gateway PUT touches: on the gateway it grants
// read/write; on the public IP, subnet and WAF policy only their read and join actions apply.
module gatewayAccess 'modules/gatewayAccess.bicep' = {
  name: 'acmebot-gateway-access'
  scope: resourceGroup(gatewayResourceGroup)
  params: {
    gatewayName: gatewayName
    principalId: functionApp.identity.principalId
    roleDefinitionId: useCustomRoles ? gatewayWriterRoleDefinitions[indexOf(customRoleResourceGroups, gatewayResourceGroup)].outputs.roleDefinitionId : networkContributorRoleId
  }
}

module publicIpAccess 'modules/publicIpAccess.bicep' = {
  name: 'acmebot-public-ip-access'
  scope: resourceGroup(gatewayPublicIpResourceGroup)
  params: {
    publicIpName: gatewayPublicIpName
    principalId: functionApp.identity.principalId
    roleDefinitionId: useCustomRoles ? gatewayWriterRoleDefinitions[indexOf(customRoleResourceGroups, gatewayPublicIpResourceGroup)].outputs.roleDefinitionId : networkContributorRoleId
  }
}

module subnetAccess 'modules/subnetAccess.bicep' = {
  name: 'acmebot-subnet-access'
  scope: resourceGroup(gatewayVnetResourceGroup)
  params: {
    vnetName: gatewayVnetName
    subnetName: gatewaySubnetName
    principalId: functionApp.identity.principalId
    roleDefinitionId: useCustomRoles ? gatewayWriterRoleDefinitions[indexOf(customRoleResourceGroups, gatewayVnetResourceGroup)].outputs.roleDefinitionId : networkContributorRoleId
  }
}

module wafPolicyAccess 'modules/wafPolicyAccess.bicep' = if (!empty(gatewayWafPolicyName)) {
  name: 'acmebot-waf-policy-access'
  scope: resourceGroup(gatewayWafPolicyResourceGroup)
  params: {
    wafPolicyName: gatewayWafPolicyName
    principalId: functionApp.identity.principalId
    roleDefinitionId: useCustomRoles ? gatewayWriterRoleDefinitions[indexOf(customRoleResourceGroups, gatewayWafPolicyResourceGroup)].outputs.roleDefinitionId : networkContributorRoleId
  }
}

// Managed Identity Operator on the gateway's identity: every gateway PUT re-submits the identity
// and ARM checks .../assign/action on it, failing with LinkedAuthorizationFailed without it.
module gatewayIdentityAccess 'modules/gatewayIdentityAccess.bicep' = {
  name: 'acmebot-gateway-identity-access'
  scope: resourceGroup(gatewayIdentityResourceGroup)
  params: {
    identityName: gatewayIdentityName
    principalId: functionApp.identity.principalId
  }
}

// Tracking a gateway PUT needs Microsoft.Network/locations/operations/read at resource-group level
// (modules/operationStatusAccess.bicep). Without custom roles, Reader on the gateway's resource group
// is the narrowest built-in role that holds it.
module operationStatusAccess 'modules/operationStatusAccess.bicep' = {
  name: 'acmebot-operation-status-access'
  scope: resourceGroup(gatewayResourceGroup)
  params: {
    principalId: functionApp.identity.principalId
    roleDefinitionId: useCustomRoles ? '' : subscriptionResourceId('Microsoft.Authorization/roleDefinitions', gatewayRoles.builtInRoles.reader)
  }
}

// ---------- outputs ----------

output functionAppName string = functionApp.name
output functionAppHostName string = functionApp.properties.defaultHostName
output functionPrincipalId string = functionApp.identity.principalId
output keyVaultUri string = keyVaultUri
output challengeContainerUrl string = '${challengeStorage.properties.primaryEndpoints.blob}${challengeContainerName}'
output challengeStorageAccountName string = challengeStorage.name

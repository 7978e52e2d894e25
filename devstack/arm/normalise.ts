/** Turns a gateway PUT body into the stored shape, checking it as Azure would. */
import { randomUUID } from 'node:crypto';
import { draftChildren } from './children';
import { ArmError, clone, gatewayId, Json, lower, norm } from './model';
import { checkGatewayRules } from './rules';

/** Turns a request body into the stored shape, checking it as Azure would; throws ArmError 400. */
export function normalise(sub: string, rg: string, name: string, body: Json, previous: Json | undefined, apiVersion: string): Json {
  const id = gatewayId(sub, rg, name);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
  const location: unknown = body.location ?? previous?.location;
  if (typeof location !== 'string' || !location) {
    throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  }
  if (previous && norm(previous.location) !== norm(location)) {
    throw new ArmError(
      400,
      'InvalidResourceLocation',
      `The resource '${name}' already exists in location '${previous.location}' in resource group '${rg}'. A resource with the same name cannot be created in location '${location}'.`,
    );
  }
  const props: Json = clone(body.properties ?? {});
  const prevProps: Json = previous?.properties ?? {};

  const draft = draftChildren(id, props);
  const { items } = draft;
  checkGatewayRules(draft, body, prevProps, apiVersion);

  // Read-only back-references Azure computes (the SDK drops them on the way back).
  for (const collection of ['frontendIPConfigurations', 'frontendPorts'] as const) {
    const prop = collection === 'frontendPorts' ? 'frontendPort' : 'frontendIPConfiguration';
    for (const item of items(collection)) {
      const users = items('httpListeners')
        .filter((l) => lower(l.properties[prop].id) === lower(item.id))
        .map((l) => ({ id: l.id }));
      if (users.length > 0) item.properties.httpListeners = users;
      else delete item.properties.httpListeners;
    }
  }

  // Identity: principal/client ids are read-only and dropped by the SDK on the way back.
  let identity: Json = clone(body.identity);
  if (identity?.userAssignedIdentities) {
    const prevUai: Json = previous?.identity?.userAssignedIdentities ?? {};
    for (const uaiId of Object.keys(identity.userAssignedIdentities)) {
      const old = Object.entries(prevUai).find(([k]) => lower(k) === lower(uaiId))?.[1] as Json;
      identity.userAssignedIdentities[uaiId] = {
        principalId: old?.principalId ?? randomUUID(),
        clientId: old?.clientId ?? randomUUID(),
      };
    }
  } else if (identity === null) {
    identity = undefined;
  }

  return {
    id,
    name,
    type: 'Microsoft.Network/applicationGateways',
    location,
    ...(body.tags ? { tags: clone(body.tags) } : {}),
    ...(body.zones ? { zones: clone(body.zones) } : {}),
    ...(identity ? { identity } : {}),
    properties: {
      ...props,
      resourceGuid: prevProps.resourceGuid ?? randomUUID(),
      operationalState: 'Running',
    },
  };
}

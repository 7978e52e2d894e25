/**
 * The role assignments infra/ deploys for the function's identity, read from infra/roles.json (the
 * file the Bicep reads), granted in the emulator the way the Bicep deploys them: each custom role is
 * defined once per resource group that holds one of its assignment scopes, assignable only there
 * (modules/gatewayWriterRole.bicep, modules/operationStatusAccess.bicep).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInRole } from './builtInRoles';
import { lower } from './model';
import type { Rbac, RoleAssignment, RoleDefinition } from './rbac';

export const SCOPE_KINDS = ['gateway', 'publicIp', 'subnet', 'wafPolicy', 'gatewayIdentity', 'gatewayResourceGroup'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

export interface CustomRole {
  readonly roleName: string;
  readonly description: string;
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
}

export interface InfraRoles {
  readonly customRoles: Readonly<Record<string, CustomRole>>;
  /** Key → built-in role guid. */
  readonly builtInRoles: Readonly<Record<string, string>>;
  readonly assignments: ReadonlyArray<{ readonly role: string; readonly scope: ScopeKind }>;
  /** gatewayWriterRole=NetworkContributor: custom role key → built-in role key used instead. */
  readonly networkContributorMode: Readonly<Record<string, string>>;
}

/** The resources of one deployment (main.bicep's gateway* parameters, as resource ids). */
export interface GatewayScopes {
  readonly gateway: string;
  readonly publicIp: string;
  readonly subnet: string;
  readonly gatewayIdentity: string;
  /** Only when a WAF policy is linked (main.bicep deploys that assignment only then). */
  readonly wafPolicy?: string;
}

export const INFRA_ROLES_PATH = join(__dirname, '..', '..', 'infra', 'roles.json');

/** Reads and checks infra/roles.json; a malformed file fails here, naming what is wrong. */
export function loadInfraRoles(path = INFRA_ROLES_PATH): InfraRoles {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new Error(`${path}: ${what}`);
  };
  const object = (v: unknown, what: string): Record<string, unknown> =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${what} must be an object`);
  const strings = (v: unknown, what: string): string[] =>
    Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : fail(`${what} must be an array of strings`);
  const customRoles: Record<string, CustomRole> = {};
  for (const [key, value] of Object.entries(object(raw.customRoles, 'customRoles'))) {
    if (key.startsWith('$')) continue;
    const r = object(value, `customRoles.${key}`);
    if (typeof r.roleName !== 'string' || typeof r.description !== 'string') fail(`customRoles.${key} needs roleName and description`);
    customRoles[key] = {
      roleName: r.roleName as string,
      description: r.description as string,
      actions: strings(r.actions, `customRoles.${key}.actions`),
      notActions: strings(r.notActions, `customRoles.${key}.notActions`),
    };
  }
  const builtInRoles: Record<string, string> = {};
  for (const [key, guid] of Object.entries(object(raw.builtInRoles, 'builtInRoles'))) {
    if (typeof guid !== 'string') fail(`builtInRoles.${key} must be a role guid`);
    builtInRole(guid as string); // the emulator must know it
    builtInRoles[key] = guid as string;
  }
  const roleKeys = new Set([...Object.keys(customRoles), ...Object.keys(builtInRoles)]);
  if (!Array.isArray(raw.assignments)) fail('assignments must be an array');
  const assignments = (raw.assignments as unknown[]).map((a, i) => {
    const o = object(a, `assignments[${i}]`);
    if (typeof o.role !== 'string' || !roleKeys.has(o.role)) fail(`assignments[${i}].role must name a custom or built-in role`);
    if (!(SCOPE_KINDS as readonly unknown[]).includes(o.scope)) fail(`assignments[${i}].scope must be one of ${SCOPE_KINDS.join(', ')}`);
    return { role: o.role as string, scope: o.scope as ScopeKind };
  });
  const networkContributorMode: Record<string, string> = {};
  for (const [key, value] of Object.entries(object(raw.networkContributorMode ?? {}, 'networkContributorMode'))) {
    if (key.startsWith('$')) continue;
    if (!customRoles[key] || typeof value !== 'string' || !builtInRoles[value])
      fail(`networkContributorMode.${key} must map a custom role to a built-in role key`);
    networkContributorMode[key] = value as string;
  }
  return { customRoles, builtInRoles, assignments, networkContributorMode };
}

/** `/subscriptions/{s}/resourceGroups/{rg}` of a resource id. */
export function resourceGroupOf(id: string): string {
  const m = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+)(\/|$)/i.exec(id);
  if (!m) throw new Error(`not a resource id in a resource group: ${id}`);
  return m[1]!;
}

function derivedGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Grants `principalId` exactly the assignments of `roles` for one deployment, defining custom roles
 * per resource group as the Bicep does. Returns the assignments made.
 */
export function grantDeployedRoles(
  rbac: Rbac,
  principalId: string,
  scopes: GatewayScopes,
  opts: { roles?: InfraRoles; mode?: 'custom' | 'NetworkContributor' } = {},
): RoleAssignment[] {
  const roles = opts.roles ?? loadInfraRoles();
  const subscription = /^\/subscriptions\/[^/]+/i.exec(scopes.gateway)?.[0] ?? '';
  const scopeOf: Partial<Record<ScopeKind, string>> = { ...scopes, gatewayResourceGroup: resourceGroupOf(scopes.gateway) };
  const made: RoleAssignment[] = [];
  for (const a of roles.assignments) {
    const scope = scopeOf[a.scope];
    if (scope === undefined) continue; // e.g. no WAF policy linked
    let role: RoleDefinition;
    const builtInKey = opts.mode === 'NetworkContributor' ? roles.networkContributorMode[a.role] : undefined;
    const custom = roles.customRoles[a.role];
    if (custom && !builtInKey) {
      const rg = resourceGroupOf(scope);
      const guid = derivedGuid(lower(subscription), lower(rg), a.role);
      role = {
        id: `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
        roleName: `${custom.roleName} (${rg.split('/').pop()})`,
        actions: custom.actions,
        notActions: custom.notActions,
        assignableScopes: [rg],
      };
      if (!rbac.role(role.id)) rbac.defineRole(role);
    } else {
      role = builtInRole(roles.builtInRoles[builtInKey ?? a.role]!);
      if (!rbac.role(role.id)) rbac.defineRole(role);
    }
    const assignment = { principalId, roleDefinitionId: role.id, scope };
    rbac.assign(assignment);
    made.push(assignment);
  }
  return made;
}

/**
 * Azure RBAC as ARM evaluates it for the calls the emulator serves: role definitions (actions minus
 * notActions), assignments at a scope that covers everything below it, and ARM's 403 shapes.
 *
 * - "Azure RBAC determines the effective permissions by subtracting NotActions from Actions", per
 *   role; another role may still grant the action (learn.microsoft.com/azure/role-based-access-control/
 *   role-definitions, "NotActions"). Operation names are case-insensitive (same page).
 * - A role assigned at a scope applies to that scope and every child scope (role-definitions,
 *   "AssignableScopes"; scope-overview): management group › subscription › resource group › resource.
 * - An assignment is refused unless its scope lies within the role's assignableScopes (custom-roles).
 */
import { ArmError, lower } from './model';

export interface RoleDefinition {
  /** `/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}` (or the built-in's). */
  readonly id: string;
  readonly roleName: string;
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  /** Where it may be assigned; `/` for built-in roles. */
  readonly assignableScopes: readonly string[];
}

export interface RoleAssignment {
  readonly principalId: string;
  readonly roleDefinitionId: string;
  readonly scope: string;
}

export interface Principal {
  readonly objectId: string;
  /** The app (client) id ARM names in its messages for a service principal. */
  readonly clientId: string;
}

/** Whether `scope` is `ancestor` or lies below it (resource ids compare case-insensitively). */
export function scopeCovers(ancestor: string, scope: string): boolean {
  const a = lower(ancestor).replace(/\/+$/, '');
  const s = lower(scope).replace(/\/+$/, '');
  return a === '' || s === a || s.startsWith(`${a}/`);
}

/**
 * `*` matches any characters ("Microsoft.Network/*", "*\/read": role-definitions, "Wildcard
 * permissions"). A `/*\/` between segments also matches no segment at all: the built-in Managed
 * Identity Operator role grants `Microsoft.ManagedIdentity/userAssignedIdentities/*\/assign/action`,
 * and that is documented to grant the action ARM checks, `…/userAssignedIdentities/assign/action`
 * (built-in-roles/identity "Managed Identity Operator"; permissions/identity lists the action;
 * LinkedAuthorizationFailed reports name it, e.g. Azure/aad-pod-identity#613).
 */
export function actionMatches(pattern: string, action: string): boolean {
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  let source = parts[0] ?? '';
  for (const part of parts.slice(1)) {
    // "…/" + "*" + "/…": the wildcard stands for any segments, none included.
    source = source.endsWith('/') && part.startsWith('/') ? `${source}(?:.*/)?${part.slice(1)}` : `${source}.*${part}`;
  }
  return new RegExp(`^${source}$`, 'i').test(action);
}

export function roleGrants(role: RoleDefinition, action: string): boolean {
  return role.actions.some((a) => actionMatches(a, action)) && !role.notActions.some((a) => actionMatches(a, action));
}

export class Rbac {
  private readonly roles = new Map<string, RoleDefinition>();
  private readonly assignments: RoleAssignment[] = [];

  defineRole(role: RoleDefinition): void {
    this.roles.set(lower(role.id), role);
  }

  role(id: string): RoleDefinition | undefined {
    return this.roles.get(lower(id));
  }

  assign(assignment: RoleAssignment): void {
    const role = this.role(assignment.roleDefinitionId);
    if (!role) throw new Error(`RBAC: no role definition ${assignment.roleDefinitionId}`);
    // Azure refuses the assignment itself (custom-roles: a role can only be assigned within its AssignableScopes).
    if (!role.assignableScopes.some((s) => scopeCovers(s, assignment.scope))) {
      throw new Error(`RBAC: role '${role.roleName}' is not assignable at ${assignment.scope} (assignable: ${role.assignableScopes.join(', ')})`);
    }
    this.assignments.push(assignment);
  }

  /** Removes every assignment of `principalId` (optionally only those matching `where`). */
  unassign(principalId: string, where: (a: RoleAssignment) => boolean = () => true): number {
    let removed = 0;
    for (let i = this.assignments.length - 1; i >= 0; i--) {
      const a = this.assignments[i]!;
      if (a.principalId === principalId && where(a)) {
        this.assignments.splice(i, 1);
        removed++;
      }
    }
    return removed;
  }

  assignmentsOf(principalId: string): RoleAssignment[] {
    return this.assignments.filter((a) => a.principalId === principalId);
  }

  can(principalId: string, action: string, scope: string): boolean {
    return this.assignments.some((a) => {
      if (a.principalId !== principalId || !scopeCovers(a.scope, scope)) return false;
      const role = this.role(a.roleDefinitionId);
      return role !== undefined && roleGrants(role, action);
    });
  }
}

/**
 * ARM's refusal of the request itself (Azure/CloudShell#561 and many reports):
 * `{"error":{"code":"AuthorizationFailed","message":"The client '…' with object id '…' does not have
 * authorization to perform action '…' over scope '…' or the scope is invalid. If access was recently
 * granted, please refresh your credentials."}}`
 */
export function authorizationFailed(p: Principal, action: string, scope: string): ArmError {
  return new ArmError(
    403,
    'AuthorizationFailed',
    `The client '${p.clientId}' with object id '${p.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/**
 * ARM's refusal when a linked resource in the body lacks its join/assign permission (Azure/aad-pod-identity#613,
 * kubernetes-sigs/cloud-provider-azure#1999; the several-scope wording from Azure/enterprise-azure-policy-as-code#1339).
 */
export function linkedAuthorizationFailed(p: Principal, action: string, scope: string, missing: ReadonlyArray<{ action: string; scope: string }>): ArmError {
  const head = `The client '${p.clientId}' with object id '${p.objectId}' has permission to perform action '${action}' on scope '${scope}'; however, it does not have permission to perform`;
  const message =
    missing.length === 1
      ? `${head} action '${missing[0]!.action}' on the linked scope(s) '${missing[0]!.scope}' or the linked scope(s) are invalid.`
      : `${head} action(s) '${missing.map((m) => m.action).join(',')}' on the linked scope(s) '${missing.map((m) => m.scope).join(',')}' (respectively) or the linked scope(s) are invalid.`;
  return new ArmError(403, 'LinkedAuthorizationFailed', message);
}

/** Throws 403 AuthorizationFailed unless `p` may perform `action` at `scope`. */
export function authorize(rbac: Rbac, p: Principal, action: string, scope: string): void {
  if (!rbac.can(p.objectId, action, scope)) throw authorizationFailed(p, action, scope);
}

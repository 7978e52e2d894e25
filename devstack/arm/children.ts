/** A gateway PUT's child resources: ids derived as Azure derives them, and references between them. */
import { ArmError, CHILD_COLLECTIONS, childType, Json, lower } from './model';

export interface GatewayDraft {
  /** The gateway's resource id. */
  readonly id: string;
  items(collection: string): Json[];
  /** Fails unless `owner.properties[prop]` references an item of `collection` in this PUT. */
  checkRef(owner: Json, prop: string, collection: string, required: boolean): void;
}

/** Assigns each child (and path rule) its id and type; fails on unnamed or duplicate children. */
export function draftChildren(id: string, props: Json): GatewayDraft {
  // Children: Azure derives each child's id from the gateway id, the collection and the name.
  const ids = new Map<string, Set<string>>(); // collection → lower-case ids
  for (const collection of CHILD_COLLECTIONS) {
    const items: unknown = props[collection];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) {
      throw new ArmError(400, 'InvalidRequestFormat', `Property '${collection}' must be an array.`);
    }
    const seen = new Set<string>();
    for (const item of items as Json[]) {
      if (!item || typeof item.name !== 'string' || !item.name) {
        throw new ArmError(400, 'InvalidRequestFormat', `Every item of '${collection}' must have a name.`);
      }
      const childId = `${id}/${collection}/${item.name}`;
      if (seen.has(lower(childId))) {
        throw new ArmError(400, 'DuplicateResourceName', `Resource ${id} has two child resources with the same name ${item.name} in ${collection}.`);
      }
      seen.add(lower(childId));
      item.id = childId;
      item.type = childType(collection);
      item.properties = item.properties ?? {};
      if (collection === 'urlPathMaps') {
        const rules: Json[] = item.properties.pathRules ?? [];
        const ruleNames = new Set<string>();
        for (const rule of rules) {
          if (!rule || typeof rule.name !== 'string' || !rule.name) {
            throw new ArmError(400, 'InvalidRequestFormat', `Every path rule of ${childId} must have a name.`);
          }
          if (ruleNames.has(lower(rule.name))) {
            throw new ArmError(400, 'DuplicateResourceName', `Url path map ${childId} has two path rules named ${rule.name}.`);
          }
          ruleNames.add(lower(rule.name));
          rule.id = `${childId}/pathRules/${rule.name}`;
          rule.type = 'Microsoft.Network/applicationGateways/urlPathMaps/pathRules';
          rule.properties = rule.properties ?? {};
        }
      }
    }
    ids.set(collection, seen);
  }
  const has = (collection: string, ref: Json): boolean => typeof ref?.id === 'string' && (ids.get(collection)?.has(lower(ref.id)) ?? false);
  const items = (collection: string): Json[] => (props[collection] as Json[] | undefined) ?? [];

  function checkRef(owner: Json, prop: string, collection: string, required: boolean): void {
    const ref = owner.properties[prop];
    if (ref === undefined || ref === null) {
      if (required) {
        throw new ArmError(400, 'InvalidRequestFormat', `Property '${prop}' of ${owner.id} must reference an item of ${collection}.`);
      }
      return;
    }
    if (!has(collection, ref)) {
      // Azure's wording for a dangling reference inside one PUT.
      throw new ArmError(
        400,
        'InvalidResourceReference',
        `Resource ${ref?.id ?? '(no id)'} referenced by resource ${owner.id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
      );
    }
  }
  return { id, items, checkRef };
}

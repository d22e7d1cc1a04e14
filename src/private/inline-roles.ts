import { IConstruct } from 'constructs';

/**
 * Roles of this library that hold all their permissions inline (in the role resource itself). A key policy
 * that names such a role while the role's inline policy names the key would be a dependency cycle.
 */
const inlineRoles = new WeakSet<IConstruct>();

export function markInlinePermissions(role: IConstruct) {
  inlineRoles.add(role);
}

export function holdsPermissionsInline(construct: IConstruct): boolean {
  return inlineRoles.has(construct);
}

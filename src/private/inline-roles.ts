import { Construct, IConstruct } from 'constructs';

/**
 * Marks roles of this library that hold all their permissions inline (in the role resource itself). A key
 * policy that names such a role while the role's inline policy names the key would be a dependency cycle.
 * `Symbol.for`, so that two copies of the library in one app see each other's roles.
 */
const INLINE_PERMISSIONS = Symbol.for('cdk-bedrock-guardrail-iam.inlinePermissions');

export function markInlinePermissions(role: IConstruct) {
  Object.defineProperty(role, INLINE_PERMISSIONS, { value: true });
}

export function holdsPermissionsInline(construct: IConstruct): boolean {
  return (construct as any)[INLINE_PERMISSIONS] === true;
}

/**
 * Whether a key policy may name `principal`. A role of this library keeps its permissions inline, and they
 * may name the key, so naming it back in the key policy would be a dependency cycle (within a stack, or
 * between two stacks). Such roles rely on their identity statement and a key policy that delegates to IAM.
 */
export function mayNameInKeyPolicy(principal: unknown): boolean {
  return !(Construct.isConstruct(principal) && holdsPermissionsInline(principal));
}

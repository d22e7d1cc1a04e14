import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

export type PrincipalKind = 'role' | 'user' | 'group';
export type PrincipalResource = iam.CfnRole | iam.CfnUser | iam.CfnGroup;

/** Whether a construct is an L1 IAM principal. */
export function isPrincipalResource(c: IConstruct): c is PrincipalResource {
  return c instanceof iam.CfnRole || c instanceof iam.CfnUser || c instanceof iam.CfnGroup;
}

/**
 * The IAM principals of a stack (roles, users, groups), so that a policy that names one of them in any form
 * can be matched to it: by reference (`{ Ref }`), by a value built from its ARN (what
 * `iam.Role.fromRoleArn(scope, id, role.roleArn)` writes: `Fn::Select` of `Fn::Split` of `Fn::GetAtt Arn`), or
 * by its literal name (`iam.Role.fromRoleName(scope, id, 'app-role')` for a role created with
 * `roleName: 'app-role'`).
 */
export class StackPrincipals {
  /** The principals of `stack` now (a new view for each call: a stack grows until synthesis). */
  public static of(stack: Stack): StackPrincipals {
    return new StackPrincipals(stack, stack.node.findAll());
  }

  /** The principals among `constructs` of `stack` (when the caller already walked the stack). */
  public static fromConstructs(stack: Stack, constructs: IConstruct[]): StackPrincipals {
    return new StackPrincipals(stack, constructs);
  }

  private readonly byName = new Map<string, string>();
  private readonly byLogicalId = new Map<string | undefined, PrincipalResource>();
  /** The logical ID of each principal (resolving one costs more than the lookup). */
  private readonly logicalIds = new Map<PrincipalResource, string>();

  private constructor(private readonly stack: Stack, constructs: IConstruct[]) {
    for (const c of constructs) {
      if (!isPrincipalResource(c) || Stack.of(c) !== stack) continue;
      const logicalId = stack.resolve(c.logicalId) as string;
      this.byLogicalId.set(logicalId, c);
      this.logicalIds.set(c, logicalId);
      const name = stack.resolve(c instanceof iam.CfnRole ? c.roleName : c instanceof iam.CfnUser ? c.userName : c.groupName);
      if (typeof name === 'string') this.byName.set(`${principalKindOf(c)}:${name}`, logicalId);
    }
  }

  /**
   * A key for a resolved value that names a principal of `kind`: `logical:ID` for a principal of this stack,
   * whatever the form; `name:KIND:NAME` for a literal name (or ARN) of a principal not created here; the
   * value's JSON otherwise. Two values name the same principal when their keys are equal.
   */
  public keyOf(kind: PrincipalKind, resolved: unknown): string {
    const logicalId = this.logicalIdOf(kind, resolved);
    if (logicalId !== undefined) return `logical:${logicalId}`;
    return typeof resolved === 'string' ? `name:${kind}:${nameOf(kind, resolved)}` : `json:${JSON.stringify(resolved)}`;
  }

  /** The L1 principal of this stack that a resolved value names, if any. */
  public resourceOf(kind: PrincipalKind, resolved: unknown): PrincipalResource | undefined {
    // A value that names no principal of this stack has no logical ID, and the map no undefined key.
    return this.byLogicalId.get(this.logicalIdOf(kind, resolved));
  }

  /** The logical ID of the principal of this stack that a resolved value names, by its name or ARN or a reference. */
  private logicalIdOf(kind: PrincipalKind, resolved: unknown): string | undefined {
    return typeof resolved === 'string' ? this.byName.get(`${kind}:${nameOf(kind, resolved)}`) : this.referencedPrincipal(resolved);
  }

  /** The key of an L1 principal of this stack. */
  public keyOfResource(principal: PrincipalResource): string {
    return `logical:${this.logicalIds.get(principal) ?? this.stack.resolve(principal.logicalId)}`;
  }

  /** The principal a value refers to: `{ Ref: ID }`, or `{ Fn::GetAtt: [ID, 'Arn'] }` anywhere inside it. */
  private referencedPrincipal(value: any): string | undefined {
    if (value === null || typeof value !== 'object') return undefined;
    if (this.byLogicalId.has(value.Ref)) return value.Ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && this.byLogicalId.has(getAtt[0])) return getAtt[0];
    for (const v of Object.values(value)) {
      const found = this.referencedPrincipal(v);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

export function principalKindOf(c: PrincipalResource): PrincipalKind {
  return c instanceof iam.CfnRole ? 'role' : c instanceof iam.CfnUser ? 'user' : 'group';
}

/** The name a literal value gives a principal of `kind`: the last path segment of an IAM ARN of that kind, or the value. */
function nameOf(kind: PrincipalKind, value: string): string {
  const match = /^arn:[^:]+:iam::[^:]*:([a-z]+)\/(.+)$/.exec(value);
  if (match === null || match[1] !== kind) return value;
  const segments = match[2].split('/');
  return segments[segments.length - 1];
}

/** The L2 construct around an L1 principal (an `iam.Role` around its `CfnRole`), or the L1 itself. */
export function ownerOf(principal: IConstruct): IConstruct {
  const scope = principal.node.scope;
  return scope instanceof iam.Role || scope instanceof iam.User || scope instanceof iam.Group ? scope : principal;
}

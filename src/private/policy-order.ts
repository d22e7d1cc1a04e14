import { AspectPriority, Aspects, CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { PrincipalKind, StackPrincipals } from './principal-names';
import { asArray } from '../util/policy-json';

/** A policy that must be attached before every other policy of its principals. */
interface FirstPolicy {
  readonly policy: CfnResource;
  /** The principals' names as the template writes them (resolved), by kind. */
  readonly names: () => { roles: any[]; users: any[]; groups: any[] };
}

const FIRST_POLICIES = Symbol.for('cdk-bedrock-guardrail-iam.firstPolicies');

/**
 * Makes `policy` be attached before, and removed after, every other policy of the same principals that its
 * stack creates: each `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`, `AWS::IAM::RolePolicy`,
 * `AWS::IAM::UserPolicy` and `AWS::IAM::GroupPolicy` that names one of them gets a `DependsOn` on it. A Lambda
 * function that depends on its role's default policy then depends on it too. One aspect per stack finds them,
 * after every construct exists (default policies are created on the first `addToPrincipalPolicy()`).
 */
export function attachBeforeOtherPolicies(policy: CfnResource, names: FirstPolicy['names']) {
  const stack = Stack.of(policy);
  let entries: FirstPolicy[] | undefined = (stack as any)[FIRST_POLICIES];
  if (entries === undefined) {
    entries = [];
    Object.defineProperty(stack, FIRST_POLICIES, { value: entries });
    // Stryker disable next-line ObjectLiteral: aws-cdk-lib asks an aspect that changes the tree for this priority; the DependsOn it writes are the same at the default one
    Aspects.of(stack).add(new OrderPolicies(entries), { priority: AspectPriority.MUTATING });
  }
  entries.push({ policy, names });
}

class OrderPolicies implements IAspect {
  private resolved?: Array<{ policy: CfnResource; keys: Set<string> }>;
  private principals?: StackPrincipals;

  constructor(private readonly entries: FirstPolicy[]) {}

  public visit(node: IConstruct): void {
    if (!isPolicyResource(node)) return;
    const stack = Stack.of(node);
    // Two enforcement policies of one principal are not ordered between them (that would be a cycle).
    if (this.entries.some(e => e.policy === node)) return;
    // The principals and the names are read once, when the first policy is visited (every principal exists
    // by then). A principal is matched however a policy names it: reference, ARN or literal name.
    // Stryker disable next-line ConditionalExpression: a memo; reading the names again gives the same keys
    if (this.resolved?.length !== this.entries.length) {
      this.principals = StackPrincipals.of(stack);
      this.resolved = this.entries.map(({ policy, names }) => {
        const n = names();
        const keys = new Set<string>();
        for (const [kind, values] of [['role', n.roles], ['user', n.users], ['group', n.groups]] as Array<[PrincipalKind, any[]]>) {
          for (const v of values) keys.add(this.principals!.keyOf(kind, stack.resolve(v)));
        }
        return { policy, keys };
      });
    }
    const named = keysOf(node, this.principals!);
    for (const entry of this.resolved) {
      if (Stack.of(entry.policy) !== stack) continue;
      if (named.some(k => entry.keys.has(k))) node.node.addDependency(entry.policy);
    }
  }
}

type PolicyResource = iam.CfnPolicy | iam.CfnManagedPolicy | iam.CfnRolePolicy | iam.CfnUserPolicy | iam.CfnGroupPolicy;

function isPolicyResource(node: IConstruct): node is PolicyResource {
  return node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy || node instanceof iam.CfnRolePolicy
    || node instanceof iam.CfnUserPolicy || node instanceof iam.CfnGroupPolicy;
}

/** The keys of the principals a policy resource names. */
function keysOf(node: PolicyResource, principals: StackPrincipals): string[] {
  const stack = Stack.of(node);
  const list = (kind: PrincipalKind, value: unknown) => asArray(stack.resolve(value)).map(v => principals.keyOf(kind, v));
  if (node instanceof iam.CfnRolePolicy) return list('role', node.roleName);
  if (node instanceof iam.CfnUserPolicy) return list('user', node.userName);
  if (node instanceof iam.CfnGroupPolicy) return list('group', node.groupName);
  return [...list('role', node.roles), ...list('user', node.users), ...list('group', node.groups)];
}

import { AspectPriority, Aspects, CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

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
    Object.defineProperty(stack, FIRST_POLICIES, { value: entries, enumerable: false });
    Aspects.of(stack).add(new OrderPolicies(entries), { priority: AspectPriority.MUTATING });
  }
  entries.push({ policy, names });
}

class OrderPolicies implements IAspect {
  private resolved?: Array<{ policy: CfnResource; roles: Set<string>; users: Set<string>; groups: Set<string> }>;

  constructor(private readonly entries: FirstPolicy[]) {}

  public visit(node: IConstruct): void {
    if (!isPolicyResource(node)) return;
    const stack = Stack.of(node);
    // Names are resolved once, when the first policy is visited (every principal exists by then).
    if (this.resolved?.length !== this.entries.length) {
      this.resolved = this.entries.map(({ policy, names }) => {
        const n = names();
        const set = (values: any[]) => new Set(values.map(v => JSON.stringify(stack.resolve(v))));
        return { policy, roles: set(n.roles), users: set(n.users), groups: set(n.groups) };
      });
    }
    const named = namesOf(node);
    for (const entry of this.resolved) {
      if (entry.policy === node || Stack.of(entry.policy) !== stack) continue;
      const hit = named.roles.some(r => entry.roles.has(r)) || named.users.some(u => entry.users.has(u))
        || named.groups.some(g => entry.groups.has(g));
      if (hit) node.node.addDependency(entry.policy);
    }
  }
}

type PolicyResource = iam.CfnPolicy | iam.CfnManagedPolicy | iam.CfnRolePolicy | iam.CfnUserPolicy | iam.CfnGroupPolicy;

function isPolicyResource(node: IConstruct): node is PolicyResource {
  return node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy || node instanceof iam.CfnRolePolicy
    || node instanceof iam.CfnUserPolicy || node instanceof iam.CfnGroupPolicy;
}

/** The principals a policy resource names, as resolved JSON. */
function namesOf(node: PolicyResource): { roles: string[]; users: string[]; groups: string[] } {
  const stack = Stack.of(node);
  const list = (value: unknown) => {
    const resolved = stack.resolve(value);
    return (Array.isArray(resolved) ? resolved : resolved === undefined ? [] : [resolved]).map(v => JSON.stringify(v));
  };
  if (node instanceof iam.CfnRolePolicy) return { roles: list(node.roleName), users: [], groups: [] };
  if (node instanceof iam.CfnUserPolicy) return { roles: [], users: list(node.userName), groups: [] };
  if (node instanceof iam.CfnGroupPolicy) return { roles: [], users: [], groups: list(node.groupName) };
  return { roles: list(node.roles), users: list(node.users), groups: list(node.groups) };
}

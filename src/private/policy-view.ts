import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { PrincipalKind, PrincipalResource, StackPrincipals } from './principal-names';
import { awsManagedPolicyName } from '../check/aws-managed-policies';
import { asArray, asText, PolicyJson } from '../util/policy-json';

/** A policy resource of a stack that applies to a principal. */
export interface AttachedPolicy {
  /** The L1 resource: AWS::IAM::Policy, ManagedPolicy, RolePolicy, UserPolicy or GroupPolicy. */
  readonly resource: CfnResource;
  /** Inline for IAM (counts towards the principal's inline quota) or a managed policy. */
  readonly inline: boolean;
  /** Its document, resolved (once, when first read). */
  readonly document: () => PolicyJson | undefined;
  /** How a message names it: "The policy PATH", "The managed policy PATH". */
  readonly source: string;
}

/** Every policy that applies to one principal. */
export interface PrincipalPolicies {
  /** Every document: the principal's own inline policies, attached inline ones, then customer managed ones. */
  readonly documents: PolicyJson[];
  /** The inline documents: the principal's own and those of the policy resources attached to it. */
  readonly inline: PolicyJson[];
  /** Names of AWS managed policies attached by ARN. */
  readonly awsManagedPolicies: string[];
  /** The policy resources of the stack that apply to the principal, with where they come from. */
  readonly attached: AttachedPolicy[];
}

type PolicyResource = iam.CfnPolicy | iam.CfnManagedPolicy | iam.CfnRolePolicy | iam.CfnUserPolicy | iam.CfnGroupPolicy;

/**
 * The view of each stack, cached for one synthesis: from the stack's own validation (which runs before its
 * children's, and drops the view of an earlier synthesis) until the synchronous synthesis ends. The tree does
 * not change in that time (aws-cdk-lib refuses a change to the tree after the first synthesis), so every
 * check of the stack reads the same view.
 */
const VIEWS = new WeakMap<Stack, { view: PolicyView }>();
/** The stacks whose validation drops their cached view. */
const RESETS = new WeakSet<Stack>();

/**
 * One view of the policies of every IAM principal of a stack: for each role, user and group, every
 * AWS::IAM::Policy, ManagedPolicy, RolePolicy, UserPolicy and GroupPolicy of the stack, L1 or L2, that names
 * it in any form (reference, ARN, literal name: `StackPrincipals`), its own inline policies, the customer
 * managed policies it attaches by reference, and the AWS managed policies it attaches by ARN. Built in one
 * pass over the stack; documents are resolved only when read.
 *
 * The quota check, the limitation warnings, the EnforceGuardrails aspect and the checks all read this view,
 * so they agree on which policies a principal has.
 */
export class PolicyView {
  /**
   * The view of `stack` for the checks at validation and the validation plugins: built once per synthesis,
   * so that many principals do not each scan the stack.
   */
  public static of(stack: Stack): PolicyView {
    // Stryker disable next-line ConditionalExpression: true only adds the same drop again (a drop never added: the cached-view tests)
    if (!RESETS.has(stack)) {
      RESETS.add(stack);
      stack.node.addValidation({ validate: () => { VIEWS.delete(stack); return []; } });
    }
    const cached = VIEWS.get(stack);
    if (cached !== undefined) return cached.view;
    const entry = { view: PolicyView.build(stack) };
    VIEWS.set(stack, entry);
    // Dropped when the synchronous work that asked for it ends, so that it is never read after a change.
    queueMicrotask(() => { if (VIEWS.get(stack) === entry) VIEWS.delete(stack); });
    return entry.view;
  }

  /** A new view of `stack` as it is now (for an aspect, which adds policies as it goes). */
  public static build(stack: Stack): PolicyView {
    return new PolicyView(stack);
  }

  private stackPrincipals?: StackPrincipals;
  private readonly byPrincipal = new Map<string, AttachedPolicy[]>();
  private readonly managedByLogicalId = new Map<string, AttachedPolicy>();
  private readonly resolvedArns = new Map<PrincipalResource, unknown[]>();

  private readonly constructs: IConstruct[];

  private constructor(private readonly stack: Stack) {
    const constructs = stack.node.findAll().filter(c => Stack.of(c) === stack);
    this.constructs = constructs;
    for (const c of constructs) {
      if (!isPolicyResource(c)) continue;
      const entry = attachedPolicy(stack, c);
      if (c instanceof iam.CfnManagedPolicy) this.managedByLogicalId.set(stack.resolve(c.logicalId), entry);
      for (const key of this.keysNamedBy(c)) {
        const list = this.byPrincipal.get(key) ?? [];
        list.push(entry);
        this.byPrincipal.set(key, list);
      }
    }
  }

  /** The principals of the stack (found when first needed: a stack without policy resources needs none). */
  public get principals(): StackPrincipals {
    this.stackPrincipals ??= StackPrincipals.fromConstructs(this.stack, this.constructs);
    return this.stackPrincipals;
  }

  /** The policy resources that name the principal (AWS::IAM::Policy and friends, and managed policies by their `Roles`). */
  public attachedTo(principal: PrincipalResource): AttachedPolicy[] {
    // No policy resource names any principal: nothing to match (and no principal's key to resolve).
    // Stryker disable next-line ConditionalExpression: a shortcut; without it the lookup finds nothing, the same
    if (this.byPrincipal.size === 0) return [];
    return this.byPrincipal.get(this.principals.keyOfResource(principal)) ?? [];
  }

  /** The customer managed policies of the stack that the principal attaches by reference (its ManagedPolicyArns). */
  public managedPoliciesOf(principal: PrincipalResource): AttachedPolicy[] {
    // By `{ Ref: logical ID }`; `Object()` so that a string ARN, null or any other value has no Ref.
    return this.managedPolicyArns(principal)
      .map(a => this.managedByLogicalId.get(Object(a).Ref))
      .filter((p): p is AttachedPolicy => p !== undefined);
  }

  /** The names of the AWS managed policies the principal attaches by ARN. */
  public awsManagedPoliciesOf(principal: PrincipalResource): string[] {
    return this.managedPolicyArns(principal).map(a => awsManagedPolicyName(asText(a))).filter((n): n is string => n !== undefined);
  }

  /** Every policy that applies to a principal of this stack. */
  public policiesOf(principal: PrincipalResource): PrincipalPolicies {
    // An entry that is no object (an intrinsic that stands for the whole list) has no document to read.
    const own: PolicyJson[] = asArray(this.stack.resolve((principal as iam.CfnRole).policies))
      .map(p => Object(p).policyDocument)
      .filter(d => d !== undefined);
    const attached = [...this.attachedTo(principal)];
    for (const p of this.managedPoliciesOf(principal)) if (!attached.includes(p)) attached.push(p);
    const docs = (inline: boolean) => attached.filter(p => p.inline === inline)
      .map(p => p.document()).filter((d): d is PolicyJson => d !== undefined);
    const inline = [...own, ...docs(true)];
    return {
      documents: [...inline, ...docs(false)],
      inline,
      awsManagedPolicies: this.awsManagedPoliciesOf(principal),
      attached,
    };
  }

  /** The principal's ManagedPolicyArns, resolved (once per principal). */
  public managedPolicyArns(principal: PrincipalResource): unknown[] {
    let arns = this.resolvedArns.get(principal);
    if (arns === undefined) {
      arns = asArray(this.stack.resolve((principal as iam.CfnRole).managedPolicyArns));
      this.resolvedArns.set(principal, arns);
    }
    return arns;
  }

  private keysNamedBy(c: PolicyResource): string[] {
    const keys = (kind: PrincipalKind, value: unknown) => asArray(this.stack.resolve(value)).map(v => this.principals.keyOf(kind, v));
    if (c instanceof iam.CfnRolePolicy) return keys('role', c.roleName);
    if (c instanceof iam.CfnUserPolicy) return keys('user', c.userName);
    if (c instanceof iam.CfnGroupPolicy) return keys('group', c.groupName);
    return [...keys('role', c.roles), ...keys('user', c.users), ...keys('group', c.groups)];
  }
}

function isPolicyResource(c: IConstruct): c is PolicyResource {
  return c instanceof iam.CfnPolicy || c instanceof iam.CfnManagedPolicy || c instanceof iam.CfnRolePolicy
    || c instanceof iam.CfnUserPolicy || c instanceof iam.CfnGroupPolicy;
}

function attachedPolicy(stack: Stack, c: PolicyResource): AttachedPolicy {
  let resolved: { doc: PolicyJson | undefined } | undefined;
  const managed = c instanceof iam.CfnManagedPolicy;
  // An L2 policy (iam.Policy, iam.ManagedPolicy, a role's DefaultPolicy) is named by its own path.
  const named = c.node.id === 'Resource' ? c.node.scope! : c;
  return {
    resource: c,
    inline: !managed,
    document: () => (resolved ??= { doc: stack.resolve((c as iam.CfnPolicy).policyDocument) }).doc,
    source: `The ${managed ? 'managed policy' : 'policy'} ${named.node.path}`,
  };
}

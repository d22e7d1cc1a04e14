import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import type * as PolicyViewModule from './policy-view';
import { asArray, lazy, PolicyJson } from '../util/policy-json';

// The policy view is needed only when the stack is validated.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const policyView = lazy(() => require('./policy-view') as typeof PolicyViewModule);

/**
 * IAM's default quotas on policy size, in characters of the policy without white space ("IAM and AWS STS
 * quotas"): all inline policies of a role together, one customer managed policy, a role's trust policy.
 */
export const ROLE_INLINE_QUOTA = 10240;
export const MANAGED_POLICY_QUOTA = 6144;
export const TRUST_POLICY_QUOTA = 2048;
/** IAM's default quota of managed policies attached to one role. */
export const MANAGED_POLICIES_PER_ROLE = 10;
/** The share of a quota above which a warning is given (and up to which a split fills each policy). */
export const WARN_AT = 0.9;

/** Deploy-time values are estimated high, so a template that passes here fits once deployed. */
const PSEUDO_LENGTHS: { [name: string]: number } = {
  'AWS::Partition': 'aws-us-gov'.length,
  'AWS::Region': 'ap-southeast-7'.length,
  'AWS::AccountId': 12,
  'AWS::URLSuffix': 'amazonaws.com.cn'.length,
};
/** An attribute or reference of another resource (an ARN, an ID) whose value is not known at synth. */
const UNKNOWN_VALUE_LENGTH = 128;

/** The text a resolved value stands for, with intrinsics replaced by placeholders of their estimated length. */
function concrete(value: any): any {
  if (Array.isArray(value)) return value.map(concrete);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return 'x'.repeat(estimateLength(value));
  const out: any = {};
  for (const k of keys) out[k] = concrete(value[k]);
  return out;
}

function estimateLength(intrinsic: any): number {
  // A literal part counts as JSON writes it (quotes, backslashes and line breaks escaped).
  if (typeof intrinsic === 'string') return JSON.stringify(intrinsic).length - 2;
  if (typeof intrinsic.Ref === 'string') return PSEUDO_LENGTHS[intrinsic.Ref] ?? UNKNOWN_VALUE_LENGTH;
  if (Array.isArray(intrinsic['Fn::Join'])) {
    const [sep, parts] = intrinsic['Fn::Join'];
    const list = asArray(parts);
    return list.reduce((n: number, p: any) => n + estimateLength(p), 0) + Math.max(0, list.length - 1) * String(sep).length;
  }
  if (intrinsic['Fn::Sub'] !== undefined) {
    // The template with each ${Name} replaced by its estimate (pseudo parameters) or the unknown-value length.
    const template = String(asArray(intrinsic['Fn::Sub'])[0]);
    const text = template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => 'x'.repeat(PSEUDO_LENGTHS[name] ?? UNKNOWN_VALUE_LENGTH));
    return JSON.stringify(text).length - 2;
  }
  return UNKNOWN_VALUE_LENGTH;
}

/** The characters IAM counts for a resolved policy document (JSON without white space), estimated high for tokens. */
export function policySize(resolved: PolicyJson | undefined): number {
  return resolved === undefined ? 0 : jsonSize(resolved);
}

/** The characters of any resolved value as JSON (a statement, a resource), estimated high for tokens. */
export function jsonSize(resolved: any): number {
  return JSON.stringify(concrete(resolved)).length;
}

/** A pseudo parameter's token in a string (`stack.partition` and friends when not given). */
// Stryker disable next-line Regex: a token the pattern misses is resolved, to the same size
const PSEUDO_TOKEN = /\$\{Token\[AWS\.(Partition|Region|AccountId|URLSuffix)\.\d+\]\}/g;

/**
 * The size of an unresolved value (a statement's JSON, a rendered policy document): the same number as
 * `jsonSize(stack.resolve(value))`. Resolving costs most of a synth's time per statement, so plain values
 * whose only tokens are pseudo parameters are counted as they are, with each token replaced by its estimate.
 */
export function unresolvedSize(stack: Stack, value: any): number {
  if (value === undefined) return 0;
  // Stryker disable next-line ConditionalExpression,BlockStatement: the fast path; without it the value is resolved, to the same size
  if (isPlain(value)) {
    const raw = JSON.stringify(value);
    // Each pseudo parameter's token counts as its estimate; any other token needs resolving.
    // Stryker disable next-line ArrayDeclaration: a token the pattern missed is resolved, to the same size
    const pseudo = [...raw.matchAll(PSEUDO_TOKEN)];
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator,StringLiteral,MethodExpression,BlockStatement: a token the pattern missed is resolved, to the same size
    if (raw.split('Token[').length - 1 === pseudo.length) {
      return pseudo.reduce((n, match) => n + PSEUDO_LENGTHS[`AWS::${match[1]}`] - match[0].length, raw.length);
    }
  }
  return jsonSize(stack.resolve(value));
}

/** The size of a value that holds no token at all (the same wherever it is used), or undefined. */
export function literalSize(value: any): number | undefined {
  if (!isPlain(value)) return undefined;
  const raw = JSON.stringify(value);
  return raw.includes('Token[') ? undefined : raw.length;
}

/**
 * Whether a value is JSON data only: no token object (whatever its prototype), no function, no encoded
 * number token. Objects without a prototype (aws-cdk-lib writes principals so) are data too.
 */
export function isPlain(value: any): boolean {
  if (typeof value === 'number') return !Token.isUnresolved(value);
  if (typeof value === 'function') return false;
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(isPlain);
  const prototype = Object.getPrototypeOf(value);
  // A token object has a class, or a resolve function (Object.create(null) tokens).
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every(isPlain);
}

/** What a stack attaches to a role besides the role resource itself. */
export interface AttachedToRole {
  /** The characters of the AWS::IAM::Policy resources that name the role (inline policies for IAM). */
  readonly inline: number;
  /** The number of AWS::IAM::ManagedPolicy resources that name the role in their `Roles`. */
  readonly managed: number;
  /** The role's own ManagedPolicyArns, resolved. */
  readonly managedPolicyArns: unknown[];
}

type RoleQuotaCheck = (attached: AttachedToRole) => string[];

/** The roles of each stack whose quotas are checked, with their checks. */
const ROLE_CHECKS = new WeakMap<Stack, Array<{ role: iam.Role; check: RoleQuotaCheck }>>();

/**
 * Registers a role's quota check. The roles of a stack are checked together at validation: one pass over
 * the stack finds every AWS::IAM::Policy and AWS::IAM::ManagedPolicy that names each of them (L1 or L2,
 * aws-cdk-lib's OverflowPolicy among them), so that many roles do not each scan the whole stack.
 */
export function addRoleQuotaCheck(role: iam.Role, check: RoleQuotaCheck): void {
  const stack = Stack.of(role);
  const checks = ROLE_CHECKS.get(stack);
  if (checks !== undefined) {
    checks.push({ role, check });
    return;
  }
  ROLE_CHECKS.set(stack, [{ role, check }]);
  stack.node.addValidation({ validate: () => checkRolesOf(stack) });
}

function checkRolesOf(stack: Stack): string[] {
  // Registered with the first check of the stack (addRoleQuotaCheck).
  const checks = ROLE_CHECKS.get(stack)!;
  const view = policyView().PolicyView.of(stack);
  return checks.flatMap(({ role, check }) => {
    const cfn = role.node.defaultChild;
    // A role that is not created by this stack (iam.Role.customizeRoles) has no template quota to check.
    if (!(cfn instanceof iam.CfnRole)) return [];
    const attached = view.attachedTo(cfn);
    const inline = attached.filter(p => p.inline).reduce((n, p) => n + policySize(p.document()), 0);
    // Managed policies that name the role in their Roles (those in its ManagedPolicyArns are counted there).
    const managed = attached.filter(p => !p.inline).length;
    return check({ inline, managed, managedPolicyArns: view.managedPolicyArns(cfn) }).map(e => `${role.node.path}: ${e}`);
  });
}

/**
 * The quota check of a role that keeps its permissions in its own inline policies: all inline policies of
 * the role together (its own and attached AWS::IAM::Policy resources) against 10,240 characters, its trust
 * policy against 2,048, its managed policies against 10. Errors over a quota; a warning at 90 %.
 */
export function addRoleQuotaChecks(role: iam.Role, fix: string): void {
  addRoleQuotaCheck(role, attached => {
    const stack = Stack.of(role);
    const own = asArray(stack.resolve((role.node.defaultChild as iam.CfnRole).policies))
      .reduce((n: number, p: any) => n + policySize(p.policyDocument), 0);
    return [
      ...checkQuota(role, 'the inline policies of the role', own + attached.inline, ROLE_INLINE_QUOTA, fix),
      ...checkTrustPolicyQuota(role),
      ...checkManagedPolicyCount(attached, 0, 'attach fewer managed policies to the role'),
    ];
  });
}

/**
 * The check of IAM's 10 managed policies per role: the role's ManagedPolicyArns (without duplicates) and the
 * managed policies that name the role. `needed` of them hold the guardrail enforcement (for the message).
 */
export function checkManagedPolicyCount(attached: AttachedToRole, needed: number, fix: string): string[] {
  const total = new Set(attached.managedPolicyArns.map(a => JSON.stringify(a))).size + attached.managed;
  if (total <= MANAGED_POLICIES_PER_ROLE) return [];
  const what = needed > 0
    ? `the guardrail enforcement needs ${needed} managed policies besides the inline policy, and with the ${total - needed} attached to the role that is ${total}`
    : `the role would have ${total} managed policies`;
  return [`${what}, over IAM's default quota of ${MANAGED_POLICIES_PER_ROLE} managed policies per role, so CloudFormation would fail at deploy. Fix: ${fix}.`];
}

/** The quota check of a role's trust policy: 2,048 characters. */
export function checkTrustPolicyQuota(role: iam.Role): string[] {
  // An iam.Role always has a trust policy (assumedBy is required).
  const trust = unresolvedSize(Stack.of(role), role.assumeRolePolicy!.toJSON());
  return checkQuota(role, 'the trust policy of the role', trust, TRUST_POLICY_QUOTA, 'fewer agent or flow IDs, or none (every agent or flow of the account)');
}

/** The quota check of a customer managed policy: 6,144 characters. */
export function checkManagedPolicyQuota(policy: iam.ManagedPolicy, fix: string): string[] {
  const size = policySize(Stack.of(policy).resolve(policy.document));
  return checkQuota(policy, 'the managed policy', size, MANAGED_POLICY_QUOTA, fix);
}

/** Error over the quota, warning above 90 % of it. */
export function checkQuota(scope: IConstruct, what: string, size: number, quota: number, fix: string): string[] {
  if (size > quota) {
    return [`${what} would be about ${size} characters, over IAM's quota of ${quota}, so CloudFormation would fail at deploy. Fix: ${fix}.`];
  }
  if (size > quota * WARN_AT) {
    Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:policyNearQuota',
      `${what} is about ${size} characters, ${Math.round((size / quota) * 100)} % of IAM's quota of ${quota}. Fix before it grows: ${fix}.`);
  }
  return [];
}

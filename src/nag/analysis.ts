import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { InferencePath, InferencePathInfo } from '../model/inference-path';
import { AWS_MANAGED_POLICY_REACH, awsManagedPolicyName } from '../private/aws-managed-policies';
import { PrincipalKind, StackPrincipals } from '../private/principal-names';

/**
 * Reading IAM policies out of a synthesized construct tree, for the cdk-nag rules and the enforcement
 * aspect. Values are resolved with the stack; intrinsics that stay unresolved become `*` in text form,
 * so a pattern check on them errs towards "could match".
 */

export type Statement = { [key: string]: any };
export type PolicyJson = { Statement?: Statement[] };

/** The two actions behind InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream. */
export const INVOKE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
export const AGENT_OR_RAG_ACTIONS = ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate'];
export const GUARDRAIL_KEY = 'bedrock:guardrailidentifier';


/** One invokable resource of each type InvokeModel authorizes, to test that a Deny covers them all. */
const INVOKABLE_SAMPLES = [
  'arn:aws:bedrock:us-east-1::foundation-model/m',
  'arn:aws:bedrock:::foundation-model/m',
  'arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.m',
  'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p',
  'arn:aws:bedrock:us-east-1:111122223333:provisioned-model/p',
  'arn:aws:bedrock:us-east-1:111122223333:custom-model-deployment/d',
  'arn:aws:bedrock:us-east-1:111122223333:imported-model/i',
  'arn:aws:bedrock:us-east-1:111122223333:prompt-router/r',
  'arn:aws:bedrock:us-east-1:111122223333:default-prompt-router/r',
];

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A resolved value as text: intrinsics that name the partition become `aws`, any other one becomes `*`. */
export function asText(value: any): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (Array.isArray(value['Fn::Join'])) {
    const [sep, parts] = value['Fn::Join'];
    return asArray(parts).map(asText).join(sep);
  }
  return '*';
}

const PSEUDO_PARAMETERS = ['AWS::Partition', 'AWS::Region', 'AWS::AccountId', 'AWS::URLSuffix'];

/** Whether a resolved value is known up to pseudo parameters (no reference to a resource or parameter). */
export function isKnown(value: any): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (typeof value.Ref === 'string') return PSEUDO_PARAMETERS.includes(value.Ref);
  if (Array.isArray(value['Fn::Join'])) return asArray(value['Fn::Join'][1]).every(isKnown);
  return false;
}

/** IAM wildcard matching (`*`, `?`), case-insensitive as for actions. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = true): boolean {
  const re = '^' + pattern.split('').map(c => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('') + '$';
  return new RegExp(re, caseInsensitive ? 'i' : '').test(value);
}

/** Whether the statement's Action/NotAction covers `action`. */
export function coversAction(statement: Statement, action: string): boolean {
  if (statement.NotAction !== undefined) return !asArray(statement.NotAction).some(p => wildcardMatch(asText(p), action));
  return asArray(statement.Action).some(p => wildcardMatch(asText(p), action));
}

/**
 * The negated operators whose condition is true when the key is absent (IAM condition operators), so that a
 * request without a guardrail is denied. Set operators are not: with ForAnyValue an absent key makes the
 * condition false.
 */
function isNegated(operator: string): boolean {
  if (operator.includes(':')) return false;
  return ['StringNotEquals', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'StringNotEqualsIgnoreCase'].includes(operator.replace(/IfExists$/, ''));
}

/** The condition blocks of a statement that test bedrock:GuardrailIdentifier: [operator, values]. */
export function guardrailConditions(statement: Statement): Array<[string, any[]]> {
  const found: Array<[string, any[]]> = [];
  for (const [operator, byKey] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(byKey as object)) {
      if (key.toLowerCase() === GUARDRAIL_KEY) found.push([operator, asArray(values)]);
    }
  }
  return found;
}

/**
 * The enforcement Deny of the docs, hardened (§6.4, §6.7): denies both inference actions on every invokable
 * resource when `bedrock:GuardrailIdentifier` is not an approved value (a negated operator).
 */
export function isEnforcementDeny(statement: Statement): boolean {
  if (statement.Effect !== 'Deny' || statement.NotResource !== undefined) return false;
  if (!INVOKE_ACTIONS.every(a => coversAction(statement, a))) return false;
  // A resource not known at synth (a parameter, Fn::Sub, another resource's ARN) may be narrow: for a Deny it
  // does not count as covering anything.
  const resources = asArray(statement.Resource).filter(isKnown).map(asText);
  if (!INVOKABLE_SAMPLES.every(sample => resources.some(r => wildcardMatch(r, sample, false)))) return false;
  // Any other condition key narrows the Deny (for example to one Region), so it no longer covers every request.
  const keys = Object.values(statement.Condition ?? {}).flatMap(byKey => Object.keys(byKey as object));
  if (keys.some(k => k.toLowerCase() !== GUARDRAIL_KEY)) return false;
  const conditions = guardrailConditions(statement);
  return conditions.length > 0 && conditions.every(([operator]) => isNegated(operator));
}

/** Whether any Allow statement lets the principal perform `action` (on some resource). */
export function allows(docs: PolicyJson[], action: string): boolean {
  return docs.some(doc => asArray(doc.Statement).some(s => s.Effect === 'Allow' && coversAction(s, action)));
}

/** The policies that apply to an IAM role, user or group, found in its stack. */
export interface PrincipalPolicies {
  /** Every document: inline ones first, then customer managed ones. */
  readonly documents: PolicyJson[];
  /** The inline documents: the principal's own and those of AWS::IAM::Policy resources attached to it. */
  readonly inline: PolicyJson[];
  /** Names of AWS managed policies attached by ARN. */
  readonly awsManagedPolicies: string[];
}

/** Whether `resource` is an IAM role, user or group. */
export function isPrincipalResource(resource: IConstruct): resource is CfnResource {
  return resource instanceof iam.CfnRole || resource instanceof iam.CfnUser || resource instanceof iam.CfnGroup;
}

/**
 * Every policy of a role, user or group: inline, AWS::IAM::Policy, AWS::IAM::RolePolicy (UserPolicy,
 * GroupPolicy) and customer managed policies of its stack that name it by reference, ARN or name, and AWS
 * managed ones by name.
 */
export function policiesOf(principal: CfnResource, principals: StackPrincipals = StackPrincipals.of(Stack.of(principal))): PrincipalPolicies {
  const stack = Stack.of(principal);
  const kind: PrincipalKind = principal instanceof iam.CfnRole ? 'role' : principal instanceof iam.CfnUser ? 'user' : 'group';
  const self = principals.keyOfResource(principal as iam.CfnRole | iam.CfnUser | iam.CfnGroup);
  const names = (value: unknown) => asArray(stack.resolve(value)).some(v => principals.keyOf(kind, v) === self);
  const props = stack.resolve((principal as any).cfnProperties ?? {});
  const inline: PolicyJson[] = asArray(props.policies).map((p: any) => p.policyDocument).filter((d: any) => d);
  const managed: PolicyJson[] = [];
  const attached = asArray(props.managedPolicyArns);
  const managedIds = new Set(attached.filter((a: any) => a && typeof a === 'object' && a.Ref).map((a: any) => a.Ref));
  const awsManagedPolicies = attached
    .map(a => awsManagedPolicyName(asText(a)))
    .filter((name): name is string => name !== undefined);
  const property = kind === 'role' ? 'roles' : kind === 'user' ? 'users' : 'groups';
  for (const c of stack.node.findAll()) {
    if (Stack.of(c) !== stack) continue;
    if (c instanceof iam.CfnPolicy || c instanceof iam.CfnManagedPolicy) {
      const named = names((c as any)[property]);
      if (!named && !(c instanceof iam.CfnManagedPolicy && managedIds.has(stack.resolve(c.logicalId)))) continue;
      const doc = stack.resolve(c.policyDocument);
      if (doc) (c instanceof iam.CfnPolicy ? inline : managed).push(doc);
    } else if ((kind === 'role' && c instanceof iam.CfnRolePolicy && names(c.roleName))
      || (kind === 'user' && c instanceof iam.CfnUserPolicy && names(c.userName))
      || (kind === 'group' && c instanceof iam.CfnGroupPolicy && names(c.groupName))) {
      const doc = stack.resolve((c as iam.CfnRolePolicy).policyDocument);
      if (doc) inline.push(doc);
    }
  }
  return { documents: [...inline, ...managed], inline, awsManagedPolicies };
}

/** Whether the principal may call InvokeModel or InvokeModelWithResponseStream through any of its policies. */
export function canInvokeModels(policies: PrincipalPolicies): boolean {
  return INVOKE_ACTIONS.some(a => allows(policies.documents, a))
    || policies.awsManagedPolicies.some(name => AWS_MANAGED_POLICY_REACH[name]?.invokes === true);
}

/** The inference path each agent or RetrieveAndGenerate action belongs to. */
const PATH_OF_AGENT_OR_RAG: { [action: string]: InferencePath } = {
  'bedrock:InvokeAgent': InferencePath.AGENTS,
  'bedrock:RetrieveAndGenerate': InferencePath.KNOWLEDGE_BASE_GENERATION,
};

/** The agent and RetrieveAndGenerate actions the principal may call. */
export function agentOrRagActions(policies: PrincipalPolicies): string[] {
  const byAwsPolicy = (action: string) => policies.awsManagedPolicies
    .some(name => AWS_MANAGED_POLICY_REACH[name]?.paths.includes(PATH_OF_AGENT_OR_RAG[action]) === true);
  return AGENT_OR_RAG_ACTIONS.filter(a => byAwsPolicy(a) || allows(policies.documents, a));
}

/** The inference paths of `paths` that any Allow of the principal reaches (on some resource), AWS managed policies included. */
export function reachablePaths(policies: PrincipalPolicies, paths: InferencePathInfo[]): InferencePathInfo[] {
  const byAwsPolicies = new Set(policies.awsManagedPolicies.flatMap(name => AWS_MANAGED_POLICY_REACH[name]?.paths ?? []));
  return paths.filter(p => byAwsPolicies.has(p.path) || p.actions.some(a => allows(policies.documents, a)));
}

/**
 * Whether a Deny of the principal blocks the path for every request: every action of the path, on every
 * resource, without a condition (for iam:PassRole, a condition on iam:PassedToService that names Bedrock).
 */
export function deniesPath(policies: PolicyJson[], path: InferencePathInfo): boolean {
  return path.actions.every(action => policies.some(doc => asArray(doc.Statement).some(s => {
    if (s.Effect !== 'Deny' || s.NotResource !== undefined || !coversAction(s, action)) return false;
    if (!asArray(s.Resource).some(r => isKnown(r) && asText(r) === '*')) return false;
    const conditions = Object.entries(s.Condition ?? {});
    if (conditions.length === 0) return true;
    if (path.passedToService === undefined) return false;
    return conditions.every(([operator, byKey]) => ['StringEquals', 'StringLike'].includes(operator)
      && Object.entries(byKey as object).every(([key, values]) => key.toLowerCase() === 'iam:passedtoservice'
        && asArray(values).some(v => wildcardMatch(asText(v), path.passedToService!))));
  })));
}

/**
 * The guardrails a principal's own enforcement Deny approves: the literal guardrail ARNs in its negated
 * `bedrock:GuardrailIdentifier` conditions, without their version (`:N`, `:*`).
 */
export function approvedGuardrailArnsOf(policies: PrincipalPolicies): string[] {
  const arns = new Set<string>();
  for (const statement of policies.documents.flatMap(d => asArray(d.Statement)).filter(isEnforcementDeny)) {
    for (const [, values] of guardrailConditions(statement)) {
      for (const value of values) {
        const match = typeof value === 'string' ? /^(arn:[^:]+:bedrock:[^:]+:\d{12}:guardrail\/[a-z0-9]+)(:.*)?$/.exec(value) : null;
        if (match !== null) arns.add(match[1]);
      }
    }
  }
  return [...arns];
}

/** Whether the principal has the enforcement Deny in any of its policies. */
export function hasEnforcementDeny(policies: PrincipalPolicies): boolean {
  return policies.documents.some(doc => asArray(doc.Statement).some(isEnforcementDeny));
}

/** Whether a role can be assumed only by bedrock.amazonaws.com (agent, flow, knowledge-base service roles). */
export function isBedrockServiceRole(principal: CfnResource): boolean {
  if (!(principal instanceof iam.CfnRole)) return false;
  const trust = Stack.of(principal).resolve(principal.assumeRolePolicyDocument) as PolicyJson;
  const allows_ = asArray(trust?.Statement).filter(s => s.Effect === 'Allow');
  return allows_.length > 0 && allows_.every(s => {
    const principals = s.Principal;
    if (!principals || typeof principals !== 'object') return false;
    const keys = Object.keys(principals);
    return keys.length === 1 && keys[0] === 'Service' && asArray(principals.Service).every((p: any) => p === 'bedrock.amazonaws.com');
  });
}

/** Every policy document a resource carries (for rules that check statements wherever they are). */
export function documentsOf(resource: CfnResource): PolicyJson[] {
  const stack = Stack.of(resource);
  if (resource instanceof iam.CfnRole || resource instanceof iam.CfnUser || resource instanceof iam.CfnGroup) {
    const props = stack.resolve((resource as any).cfnProperties ?? {});
    return asArray(props.policies).map((p: any) => p.policyDocument).filter((d: any) => d);
  }
  if (resource instanceof iam.CfnPolicy || resource instanceof iam.CfnManagedPolicy) {
    const doc = stack.resolve(resource.policyDocument);
    return doc ? [doc] : [];
  }
  return [];
}

import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { InferencePath } from '../model/inference-path';
import { InferencePathInfo } from '../model/inference-paths';
import { AWS_MANAGED_POLICY_REACH } from '../private/aws-managed-policies';
import { PolicyView, PrincipalPolicies } from '../private/policy-view';
import { PrincipalResource } from '../private/principal-names';

export { isPrincipalResource } from '../private/principal-names';
import { allows, asArray, asText, coversAction, isKnown, PolicyJson, Statement, wildcardMatch } from '../util/policy-json';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html


/**
 * Reading IAM policies out of a synthesized construct tree, for the cdk-nag rules and the enforcement
 * aspect. Values are resolved with the stack; intrinsics that stay unresolved become `*` in text form,
 * so a pattern check on them errs towards "could match".
 */

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
 * The enforcement Deny of the docs, hardened (guardrails-permissions-id; on every resource by design): denies both inference actions on every invokable
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

/** A new view of the policies of a stack as it is now (for an aspect, which adds policies as it goes). */
export function newPolicyView(stack: Stack): PolicyView {
  return PolicyView.build(stack);
}

/** The policies of an IAM role, user or group: the one view of them (`PolicyView`). */
export function policiesOf(principal: PrincipalResource, view: PolicyView = PolicyView.of(Stack.of(principal))): PrincipalPolicies {
  return view.policiesOf(principal);
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

import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AWS_MANAGED_POLICY_REACH } from '../check/aws-managed-policies';
import * as policy from '../check/policy';
import { InferencePathInfo } from '../model/inference-paths';
import { PolicyView, PrincipalPolicies } from '../private/policy-view';
import { PrincipalResource } from '../private/principal-names';
import { allows, asArray, PolicyJson } from '../util/policy-json';

export { isPrincipalResource } from '../private/principal-names';

/**
 * What a principal of the construct tree can do, for the EnforceGuardrails aspect: its policies come from
 * the one view of a principal's policies (`PolicyView`), read with the same predicates as the checks
 * (`src/check/policy.ts`), so the aspect and the checks agree on what is enforced.
 */

/** The account and Region of a principal's stack, where known at synth, for reading its policies' values. */
function contextOf(principal: CfnResource): policy.ValueContext {
  const stack = Stack.of(principal);
  return {
    account: Token.isUnresolved(stack.account) ? undefined : stack.account,
    region: Token.isUnresolved(stack.region) ? undefined : stack.region,
  };
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
  return policy.INVOKE_ACTIONS.some(a => allows(policies.documents, a))
    || policies.awsManagedPolicies.some(name => AWS_MANAGED_POLICY_REACH[name]?.invokes === true);
}

/** The inference paths of `paths` that any Allow of the principal reaches (on some resource), AWS managed policies included. */
export function reachablePaths(policies: PrincipalPolicies, paths: InferencePathInfo[]): InferencePathInfo[] {
  const byAwsPolicies = new Set(policies.awsManagedPolicies.flatMap(name => AWS_MANAGED_POLICY_REACH[name]?.paths ?? []));
  return paths.filter(p => byAwsPolicies.has(p.path) || p.actions.some(a => allows(policies.documents, a)));
}

/** Whether a Deny of the documents blocks the path for every request. */
export function deniesPath(documents: PolicyJson[], path: InferencePathInfo): boolean {
  return policy.deniesPath(documents, path);
}

/** Whether the principal has an enforcement Deny that enforces an approved guardrail of its account. */
export function hasEnforcementDeny(principal: CfnResource, policies: PrincipalPolicies): boolean {
  return policy.hasEnforcementDeny(policies.documents, contextOf(principal));
}

/** The guardrails the principal's own enforcement Deny approves. */
export function approvedGuardrailArnsOf(principal: CfnResource, policies: PrincipalPolicies): string[] {
  return policy.approvedGuardrailArns(policies.documents, contextOf(principal));
}

/** Whether a role can be assumed only by bedrock.amazonaws.com (agent, flow, knowledge-base service roles). */
export function isBedrockServiceRole(principal: CfnResource): boolean {
  if (!(principal instanceof iam.CfnRole)) return false;
  const trust = Stack.of(principal).resolve(principal.assumeRolePolicyDocument) as PolicyJson;
  const allowStatements = asArray(trust?.Statement).filter(s => s.Effect === 'Allow');
  return allowStatements.length > 0 && allowStatements.every(s => {
    const principals = s.Principal;
    if (!principals || typeof principals !== 'object') return false;
    const keys = Object.keys(principals);
    return keys.length === 1 && keys[0] === 'Service' && asArray(principals.Service).every((p: any) => p === 'bedrock.amazonaws.com');
  });
}

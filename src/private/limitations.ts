import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import type * as PolicyViewModule from './policy-view';
import type { PrincipalResource } from './principal-names';
import type * as AwsManagedPolicies from '../check/aws-managed-policies';
import { InferencePath } from '../model/inference-path';
import { allows, asArray, lazy, PolicyJson } from '../util/policy-json';

// Needed only when the warnings are checked, at validation.
/* eslint-disable @typescript-eslint/no-require-imports */
const policyView = lazy(() => require('./policy-view') as typeof PolicyViewModule);
const awsManagedPolicies = lazy(() => require('../check/aws-managed-policies') as typeof AwsManagedPolicies);
/* eslint-enable @typescript-eslint/no-require-imports */

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/**
 * APIs that call InvokeModel on the caller's behalf, partly without a guardrail: a principal with
 * `bedrock:GuardrailIdentifier` enforcement gets AccessDenied from them (guardrails-permissions-id, Limitations).
 */
const LIMITED_ACTIONS = ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate'];

/** The inference path each limited action belongs to. */
const PATH_OF: { [action: string]: InferencePath } = {
  'bedrock:InvokeAgent': InferencePath.AGENTS,
  'bedrock:RetrieveAndGenerate': InferencePath.KNOWLEDGE_BASE_GENERATION,
};


/** The limited actions that a policy document (as JSON) allows. */
export function limitedActionsAllowedBy(document: PolicyJson | undefined): string[] {
  return document === undefined ? [] : LIMITED_ACTIONS.filter(a => allows([document], a));
}

/**
 * Adds the warning for limitation L1 to `scope`, naming what grants the actions. An action whose inference
 * path the enforcement denies (not in `allowedPaths`) is denied outright, and the warning says so.
 */
export function warnLimitation(scope: IConstruct, actions: string[], source: string, allowedPaths: InferencePath[]) {
  const granted = actions.length > 0 ? actions : LIMITED_ACTIONS;
  const denied = granted.filter(a => !allowedPaths.includes(PATH_OF[a]));
  const open = granted.filter(a => allowedPaths.includes(PATH_OF[a]));
  const parts: string[] = [];
  if (denied.length > 0) {
    parts.push(`${denied.join(' and ')} ${denied.length > 1 ? 'are' : 'is'} denied by the enforcement (${denied.map(a => `InferencePath.${PATH_OF[a]}`).join(', ')}: `
      + 'these APIs run models with no guardrail IAM can check), so the grant does nothing.');
  }
  if (open.length > 0) {
    parts.push(`${open.join(' and ')} call${open.length > 1 ? '' : 's'} InvokeModel on the caller's behalf, some calls carry no guardrail, and the enforcement Deny makes them fail `
      + 'with AccessDenied even when the request names the guardrail (documented limitation).');
  }
  Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:enforcedPrincipalCallsAgentOrRag',
    `${source} allows ${granted.join(' and ')} on a principal with guardrail enforcement. ${parts.join(' ')} `
    + 'Fix: call InvokeAgent and RetrieveAndGenerate from a separate role without the enforcement.');
}

/**
 * Limitation L1 for a principal with guardrail enforcement: a warning on `scope` for each policy of the
 * principal (its own inline policies, every policy of the stack that names it in any form, and its AWS
 * managed policies: the one view of its policies) that allows InvokeAgent or RetrieveAndGenerate.
 */
export function warnAboutLimitationsOf(scope: IConstruct, principal: PrincipalResource, allowedPaths: InferencePath[]) {
  const stack = Stack.of(principal);
  const view = policyView().PolicyView.of(stack);
  // The principal's own inline policies, each resolved on its own.
  for (const p of asArray((principal as iam.CfnRole).policies) as Array<{ policyName?: string; policyDocument?: unknown }>) {
    const actions = limitedActionsAllowedBy(stack.resolve(p.policyDocument));
    if (actions.length > 0) warnLimitation(scope, actions, `The inline policy '${stack.resolve(p.policyName)}'`, allowedPaths);
  }
  // The policy resources that name it, then the customer managed policies it attaches by reference (each once),
  // and the AWS managed policies by name.
  for (const p of view.policiesOf(principal).attached) {
    const actions = limitedActionsAllowedBy(p.document());
    if (actions.length > 0) warnLimitation(scope, actions, p.source, allowedPaths);
  }
  for (const name of view.awsManagedPoliciesOf(principal)) {
    const reach = awsManagedPolicies().AWS_MANAGED_POLICY_REACH[name];
    const actions = reach === undefined ? [] : LIMITED_ACTIONS.filter(a => reach.paths.includes(PATH_OF[a]));
    if (actions.length > 0) warnLimitation(scope, actions, `The AWS managed policy ${name}`, allowedPaths);
  }
}

import { Annotations, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { AWS_MANAGED_POLICY_REACH, awsManagedPolicyName } from './aws-managed-policies';
import { InferencePath } from '../model/inference-path';

/**
 * APIs that call InvokeModel on the caller's behalf, partly without a guardrail: a principal with
 * `bedrock:GuardrailIdentifier` enforcement gets AccessDenied from them (§6.6, limitation L1).
 */
const LIMITED_ACTIONS = ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate'];

/** The inference path each limited action belongs to. */
const PATH_OF: { [action: string]: InferencePath } = {
  'bedrock:InvokeAgent': InferencePath.AGENTS,
  'bedrock:RetrieveAndGenerate': InferencePath.KNOWLEDGE_BASE_GENERATION,
};


function matches(pattern: string, action: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map(p => p.replace(/[.+^${}()|[\]\\?]/g, '\\$&')).join('.*') + '$', 'i');
  return re.test(action);
}

function asArray(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** The limited actions that a policy document (as JSON) allows. */
export function limitedActionsAllowedBy(document: any): string[] {
  const found = new Set<string>();
  for (const statement of (document?.Statement ?? []) as any[]) {
    if (statement.Effect !== 'Allow') continue;
    const actions = asArray(statement.Action);
    const notActions = asArray(statement.NotAction);
    for (const limited of LIMITED_ACTIONS) {
      const allowed = statement.NotAction !== undefined
        ? !notActions.some(p => matches(p, limited))
        : actions.some(p => matches(p, limited));
      if (allowed) found.add(limited);
    }
  }
  return [...found];
}

/**
 * The limited actions an AWS managed policy allows (by the reach the library keeps of AWS managed
 * policies), or none for another policy. `fromAwsManagedPolicyName` ARNs end with the name after a token.
 */
export function limitedActionsOfAwsManagedPolicy(policy: iam.IManagedPolicy): string[] {
  const arn = policy.managedPolicyArn;
  const name = awsManagedPolicyName(arn) ?? (Token.isUnresolved(arn) ? /\/([A-Za-z0-9+=,.@_-]+)$/.exec(arn)?.[1] : undefined);
  const reach = name === undefined ? undefined : AWS_MANAGED_POLICY_REACH[name];
  return reach === undefined ? [] : LIMITED_ACTIONS.filter(a => reach.paths.includes(PATH_OF[a]));
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

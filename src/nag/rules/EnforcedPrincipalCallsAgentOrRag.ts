import { CfnResource } from 'aws-cdk-lib';
import { agentOrRagActions, hasEnforcementDeny, isBedrockServiceRole, isPrincipalResource, policiesOf } from '../analysis';
import { COMPLIANT, NOT_APPLICABLE, RuleResult } from '../compliance';

/**
 * Warning: a guardrail-enforced principal that may also call `bedrock:InvokeAgent` or
 * `bedrock:RetrieveAndGenerate`. These APIs call models on the caller's behalf, partly without a
 * guardrail, so the enforcement Deny makes them fail (documented limitation).
 */
export function EnforcedPrincipalCallsAgentOrRag(node: CfnResource): RuleResult {
  if (!isPrincipalResource(node) || isBedrockServiceRole(node)) return NOT_APPLICABLE;
  const policies = policiesOf(node);
  if (!hasEnforcementDeny(policies)) return NOT_APPLICABLE;
  const actions = agentOrRagActions(policies);
  return actions.length > 0 ? actions : COMPLIANT;
}

import { CfnResource } from 'aws-cdk-lib';
import { canInvokeModels, hasEnforcementDeny, isBedrockServiceRole, isPrincipalResource, policiesOf } from '../analysis';
import { COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, RuleResult } from '../compliance';

/**
 * Error: a role, user or group that may call `bedrock:InvokeModel` or `bedrock:InvokeModelWithResponseStream`
 * (directly, through a wildcard, or through an AWS managed policy such as AmazonBedrockFullAccess) without
 * an explicit Deny with a negated `bedrock:GuardrailIdentifier` condition over every invokable resource.
 * Roles only `bedrock.amazonaws.com` can assume are out of scope (the documented limitation forbids the
 * Deny there).
 */
export function GuardrailEnforcementMissing(node: CfnResource): RuleResult {
  if (!isPrincipalResource(node) || isBedrockServiceRole(node)) return NOT_APPLICABLE;
  const policies = policiesOf(node);
  if (!canInvokeModels(policies)) return NOT_APPLICABLE;
  return hasEnforcementDeny(policies) ? COMPLIANT : NON_COMPLIANT;
}

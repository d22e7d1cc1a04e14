import { CfnResource } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import { COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, RuleResult } from '../compliance';

/** Warning: an agent without a guardrail configuration answers without a guardrail. */
export function AgentWithoutGuardrail(node: CfnResource): RuleResult {
  if (!(node instanceof bedrock.CfnAgent)) return NOT_APPLICABLE;
  return node.guardrailConfiguration !== undefined ? COMPLIANT : NON_COMPLIANT;
}

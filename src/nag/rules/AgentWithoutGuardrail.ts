import { CfnResource } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import { NagRuleCompliance } from 'cdk-nag';

/** Warning: an agent without a guardrail configuration answers without a guardrail. */
export function AgentWithoutGuardrail(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof bedrock.CfnAgent)) return NagRuleCompliance.NOT_APPLICABLE;
  return node.guardrailConfiguration !== undefined ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

import { CfnResource } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import { NagRuleCompliance } from 'cdk-nag';

/** Warning: a guardrail without `KmsKeyArn` is encrypted with an AWS owned key. */
export function GuardrailWithoutCustomerManagedKey(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof bedrock.CfnGuardrail)) return NagRuleCompliance.NOT_APPLICABLE;
  return node.kmsKeyArn !== undefined ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

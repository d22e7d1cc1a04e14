import { CfnResource } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import { COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, RuleResult } from '../compliance';

/** Warning: a guardrail without `KmsKeyArn` is encrypted with an AWS owned key. */
export function GuardrailWithoutCustomerManagedKey(node: CfnResource): RuleResult {
  if (!(node instanceof bedrock.CfnGuardrail)) return NOT_APPLICABLE;
  return node.kmsKeyArn !== undefined ? COMPLIANT : NON_COMPLIANT;
}

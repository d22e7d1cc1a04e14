import * as iam from 'aws-cdk-lib/aws-iam';
import { allow } from './statement';
import { BoundGuardrail } from '../guardrail/enforced-guardrail';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/**
 * `bedrock:ApplyGuardrail` on each guardrail's bare ARN (no version: there is no guardrail-version
 * resource type), plus its guardrail-profile ARNs in the source and every destination Region (guardrails-permissions-id, guardrail-profiles-permissions).
 * The docs pair it with every guardrail-enforced inference Allow.
 */
export function applyGuardrailStatement(guardrails: BoundGuardrail[], sid = 'ApplyGuardrail'): iam.PolicyStatement {
  return allow(sid, ['bedrock:ApplyGuardrail'], guardrails.flatMap(g => g.applyGuardrailArns));
}

/**
 * `kms:Decrypt`, and only that, on the keys of encrypted guardrails: the identity statement for guardrail
 * users in "(Optional) Create a customer managed key for your guardrail" (guardrails-permissions-kms).
 */
export function guardrailKeyDecryptStatement(guardrails: BoundGuardrail[]): iam.PolicyStatement | undefined {
  const keys = guardrails.flatMap(g => (g.keyArn === undefined ? [] : [g.keyArn]));
  return keys.length === 0 ? undefined : allow('AllowRoleToUseEncryptedGuardrailDuringInference', ['kms:Decrypt'], keys);
}

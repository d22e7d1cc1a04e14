import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * [GKMS] The key actions of guardrail creators (PermissionsForGuardrailsCreators in the key policy,
 * AllowRoleToCreateAndManageGuardrails on the identity) and of guardrail users
 * (PermissionsForGuardrailsUsers, AllowRoleToUseEncryptedGuardrailDuringInference): `kms:Decrypt` only.
 */
export const GUARDRAIL_CREATOR_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey', 'kms:CreateGrant'];
export const GUARDRAIL_USER_KEY_ACTIONS = ['kms:Decrypt'];

/** The key actions of guardrail creators or users. */
export function guardrailKeyActions(role: 'creator' | 'user'): string[] {
  return role === 'creator' ? GUARDRAIL_CREATOR_KEY_ACTIONS : GUARDRAIL_USER_KEY_ACTIONS;
}

/** The key-policy statement for creators or users (`Resource: "*"`, the key itself). */
export function guardrailKeyPolicyStatement(role: 'creator' | 'user'): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: role === 'creator' ? 'PermissionsForGuardrailsCreators' : 'PermissionsForGuardrailsUsers',
    effect: iam.Effect.ALLOW,
    actions: guardrailKeyActions(role),
    resources: ['*'],
  });
}

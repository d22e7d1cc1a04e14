import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { allow } from './statement';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/**
 * guardrails-permissions-kms The key actions of guardrail creators (PermissionsForGuardrailsCreators in the key policy,
 * AllowRoleToCreateAndManageGuardrails on the identity) and of guardrail users
 * (PermissionsForGuardrailsUsers, AllowRoleToUseEncryptedGuardrailDuringInference): `kms:Decrypt` only.
 *
 * `kms:CreateGrant` is in a statement of its own: creators may create grants only when Amazon Bedrock asks
 * for them on their behalf (`kms:GrantIsForAWSResource`, `kms:ViaService`), never a grant for a principal of
 * their choosing.
 */
export const GUARDRAIL_CREATOR_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
export const GUARDRAIL_CREATOR_GRANT_ACTIONS = ['kms:CreateGrant'];
export const GUARDRAIL_USER_KEY_ACTIONS = ['kms:Decrypt'];

/**
 * The condition of the creators' CreateGrant: the request comes from an AWS service integrated with KMS on
 * the creator's behalf ("Controlling access to grants", AWS KMS developer guide), and that service is Amazon
 * Bedrock in the key's Region (`kms:ViaService`).
 */
export function grantForBedrock(scope: IConstruct): { [operator: string]: { [key: string]: string } } {
  const stack = Stack.of(scope);
  return {
    Bool: { 'kms:GrantIsForAWSResource': 'true' },
    StringEquals: { 'kms:ViaService': `bedrock.${stack.region}.${stack.urlSuffix}` },
  };
}

/** The key actions of guardrail creators or users (without the creators' conditioned CreateGrant). */
export function guardrailKeyActions(role: 'creator' | 'user'): string[] {
  return role === 'creator' ? GUARDRAIL_CREATOR_KEY_ACTIONS : GUARDRAIL_USER_KEY_ACTIONS;
}

/** The key-policy statements for creators or users (`Resource: "*"`, the key itself) of the key `scope`. */
export function guardrailKeyPolicyStatements(scope: IConstruct, role: 'creator' | 'user'): iam.PolicyStatement[] {
  if (role === 'user') {
    return [allow('PermissionsForGuardrailsUsers', GUARDRAIL_USER_KEY_ACTIONS, ['*'])];
  }
  return [
    allow('PermissionsForGuardrailsCreators', GUARDRAIL_CREATOR_KEY_ACTIONS, ['*']),
    allow('PermissionsForGuardrailsCreatorsGrants', GUARDRAIL_CREATOR_GRANT_ACTIONS, ['*'], grantForBedrock(scope)),
  ];
}

/** The creators' identity statements on one key: the key actions, and CreateGrant for Bedrock only. */
export function guardrailCreatorIdentityStatements(scope: IConstruct, keyArn: string): iam.PolicyStatement[] {
  return [
    allow(undefined, GUARDRAIL_CREATOR_KEY_ACTIONS, [keyArn]),
    allow(undefined, GUARDRAIL_CREATOR_GRANT_ACTIONS, [keyArn], grantForBedrock(scope)),
  ];
}

/**
 * The key-policy Deny that lets only AWS services on a principal's behalf create grants on the key: no principal of
 * the account (a key administrator included) can grant the key to a principal of its choosing. The form the AWS
 * Control Tower control CT.KMS.PR.3 requires (`BoolIfExists`, both keys `false`: denied unless the grant is for an
 * AWS resource or the caller is an AWS service).
 */
export function grantsOnlyForAwsServicesStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyGrantsExceptForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });
}

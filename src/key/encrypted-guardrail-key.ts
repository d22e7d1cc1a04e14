import { Annotations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { mayNameInKeyPolicy } from '../private/inline-roles';
import { grantForBedrock, GUARDRAIL_CREATOR_GRANT_ACTIONS, guardrailKeyActions, guardrailKeyPolicyStatements, grantsOnlyForAwsServicesStatement } from '../statements/guardrail-key';
import { constructError, pathError } from '../util/validation';

/**
 * Properties of an EncryptedGuardrailKey.
 */
export interface EncryptedGuardrailKeyProps extends kms.KeyProps {
  /**
   * Principals that create and manage guardrails encrypted with the key (see `grantCreate()`).
   *
   * @default - none; use `grantCreate()`
   */
  readonly creators?: iam.IGrantable[];

  /**
   * Principals that use guardrails encrypted with the key at inference (see `grantUse()`).
   *
   * @default - none; use `grantUse()`
   */
  readonly users?: iam.IGrantable[];
}

/**
 * A customer managed KMS key for Amazon Bedrock guardrails ("(Optional) Create a customer managed key for
 * your guardrail"): symmetric, with rotation on by default, and the documented key-policy and identity
 * statements for guardrail creators and users. Its policy also denies creating grants except for AWS services on a
 * principal's behalf (the form of the AWS Control Tower control CT.KMS.PR.3), so no principal can grant the key to
 * another.
 *
 * Pass it as `kmsKeyArn` of a `CfnGuardrail`, and as `encryptionKey` of an `EnforcedGuardrail` so that
 * invoker, agent and flow roles get `kms:Decrypt` on it.
 */
export class EncryptedGuardrailKey extends kms.Key {
  private readonly creatorsStatements: iam.PolicyStatement[];
  private readonly usersStatements: iam.PolicyStatement[];
  private readonly customPolicy: boolean;

  constructor(scope: Construct, id: string, props: EncryptedGuardrailKeyProps = {}) {
    if (props.keySpec !== undefined && props.keySpec !== kms.KeySpec.SYMMETRIC_DEFAULT) {
      throw pathError(scope, id, `keySpec ${props.keySpec} is not a symmetric encryption key, and guardrails can only be encrypted with one. Fix: omit keySpec (SYMMETRIC_DEFAULT).`);
    }
    if (props.keyUsage !== undefined && props.keyUsage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
      throw pathError(scope, id, `keyUsage ${props.keyUsage} cannot encrypt a guardrail. Fix: omit keyUsage (ENCRYPT_DECRYPT).`);
    }
    super(scope, id, {
      description: 'Encrypts Amazon Bedrock guardrails',
      ...props,
      enableKeyRotation: props.enableKeyRotation ?? true,
    });
    this.customPolicy = props.policy !== undefined;
    this.addToResourcePolicy(grantsOnlyForAwsServicesStatement());
    // One statement per role, to which principals are added: Sids stay unique in the key policy.
    this.creatorsStatements = guardrailKeyPolicyStatements(this, 'creator');
    this.usersStatements = guardrailKeyPolicyStatements(this, 'user');
    props.creators?.forEach(c => this.grantCreate(c));
    props.users?.forEach(u => this.grantUse(u));
  }

  /**
   * Lets `grantee` create and manage guardrails encrypted with this key: `kms:Decrypt`,
   * `kms:GenerateDataKey`, `kms:DescribeKey`, and `kms:CreateGrant` only for grants Amazon Bedrock requests
   * on its behalf (`kms:GrantIsForAWSResource`, `kms:ViaService`), in the key policy (PermissionsForGuardrailsCreators,
   * PermissionsForGuardrailsCreatorsGrants) and on the grantee's identity, scoped to this key.
   */
  public grantCreate(grantee: iam.IGrantable): iam.Grant {
    const grant = this.grantGuardrailRole(grantee, 'creator', this.creatorsStatements);
    // The identity half of the conditioned CreateGrant (the key-policy half is in creatorsStatements).
    iam.Grant.addToPrincipal({ grantee, actions: GUARDRAIL_CREATOR_GRANT_ACTIONS, resourceArns: [this.keyArn], conditions: grantForBedrock(this) });
    return grant;
  }

  /**
   * Lets `grantee` use guardrails encrypted with this key at inference: `kms:Decrypt` only, in the key
   * policy (PermissionsForGuardrailsUsers) and on the grantee's identity.
   */
  public grantUse(grantee: iam.IGrantable): iam.Grant {
    return this.grantGuardrailRole(grantee, 'user', this.usersStatements);
  }

  private grantGuardrailRole(grantee: iam.IGrantable, role: 'creator' | 'user', keyPolicyStatements: iam.PolicyStatement[]): iam.Grant {
    // The identity statement has no Sid: a principal may be granted several keys in one policy.
    const grant = iam.Grant.addToPrincipal({ grantee, actions: guardrailKeyActions(role), resourceArns: [this.keyArn] });
    const principal = grantee.grantPrincipal;
    if (!mayNameInKeyPolicy(principal)) {
      // The role's inline policy names this key; naming the role in the key policy would be a cycle.
      if (this.customPolicy) {
        throw constructError(this, `${principal.toString()} keeps its permissions inline, so naming it in this key's custom policy would make a dependency cycle. `
          + 'Fix: give the key a policy that delegates to IAM (the default), or grant a principal whose permissions are not inline.');
      }
      Annotations.of(this).addInfo(`${principal.toString()} is not named in the key policy: its permissions are inline and name this key, so a key-policy statement would make a dependency cycle. `
        + 'The key\'s default policy lets its IAM statement grant the access.');
      return grant;
    }
    for (const statement of keyPolicyStatements) {
      if (statement.principals.length === 0) this.addToResourcePolicy(statement);
      statement.addPrincipals(principal);
    }
    return grant;
  }
}

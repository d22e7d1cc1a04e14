import { Annotations, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import { Construct } from 'constructs';
import { EnforcedGuardrail, GuardrailEnforcementMonitor, GuardrailServiceControlPolicy, GuardrailVersion, OrganizationGuardrailPolicy } from '../src';

/**
 * For the management account of an organization: a guardrail and its published version, enforced by an AWS
 * Organizations Bedrock policy on every inference call of the member accounts of one organizational unit,
 * with the guardrail resource policy that lets the organization's members apply it; and a service control
 * policy that makes every principal of another unit's accounts name their account's approved guardrail.
 */
export class OrganizationStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const guardrail = new bedrock.CfnGuardrail(this, 'OrganizationGuardrail', {
      name: 'organization-guardrail',
      blockedInputMessaging: 'Sorry, I cannot help with that.',
      blockedOutputsMessaging: 'Sorry, I cannot help with that.',
      contentPolicyConfig: {
        filtersConfig: [
          { type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' },
          { type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE' },
        ],
      },
    });
    // Member accounts apply this guardrail across accounts; with a customer managed key, every member's callers
    // would also need kms:Decrypt through the key's policy.
    Validations.of(guardrail).acknowledge({
      id: 'BedrockGuardrail::BedrockGuardrail-GuardrailWithoutCustomerManagedKey',
      reason: 'Organization guardrail applied by every member account: an AWS owned key, so that no member needs a grant on a management-account key.',
    } as any);
    const version = new bedrock.CfnGuardrailVersion(this, 'OrganizationGuardrailVersion', { guardrailIdentifier: guardrail.attrGuardrailId });
    const policy = new OrganizationGuardrailPolicy(this, 'GuardrailPolicy', {
      guardrails: [EnforcedGuardrail.fromGuardrailVersion(version)],
      // The organization and the unit whose accounts get the enforcement (placeholders: use yours).
      organizationId: 'o-a1b2c3d4e5',
      targetIds: ['ou-ab12-11111111'],
      excludedModels: ['amazon.titan-embed-text-v2:0'],
    });
    Annotations.of(policy).acknowledgeWarning('cdk-bedrock-guardrail-iam:bedrockPolicyTypeMustBeEnabled',
      'The organization of this example enables BEDROCK_POLICY once, outside this app (aws organizations enable-policy-type).');

    // The application accounts (placeholders: use yours): whatever roles their teams create, inference needs the
    // account's approved guardrail, no unguarded path is open, and only the guardrail administrators may change it.
    const rule = new GuardrailServiceControlPolicy(this, 'GuardrailRule', {
      guardrails: [
        EnforcedGuardrail.fromArn('arn:aws:bedrock:us-east-1:111122223333:guardrail/apps1guardrail', GuardrailVersion.numbered(2)),
        EnforcedGuardrail.fromArn('arn:aws:bedrock:us-east-1:444455556666:guardrail/apps2guardrail', GuardrailVersion.numbered(1)),
      ],
      targetIds: ['ou-ab12-22222222'],
      exemptAdministratorRoleArns: ['arn:aws:iam::*:role/guardrail-administrator', 'arn:aws:iam::*:role/stacksets-exec-*'],
      denyBedrockApiKeys: true,
    });

    // Organizations events arrive in us-east-1 of the management account: this stack's Region. Any change to, detach
    // or deletion of the two policies, or disabling their policy types, and changes to the organization's guardrail,
    // notify the monitor's topic.
    new GuardrailEnforcementMonitor(this, 'OrganizationMonitor', {
      guardrails: [EnforcedGuardrail.fromGuardrailVersion(version)],
      organizationPolicies: [policy.resource, rule.resource],
    });
  }
}

import * as iam from 'aws-cdk-lib/aws-iam';
import { deny, oneOrMany } from './statement';
import { InferencePathInfo } from '../model/inference-paths';
import { unique } from '../util/policy-json';

/**
 * The Deny of the inference paths that carry no guardrail IAM can check (`InferencePath`): every action of
 * every denied path, on every resource, with no condition. It never grants anything; allowing a path only
 * removes its actions. `iam:PassRole` is denied in a statement of its own, only when the role would be
 * passed to Amazon Bedrock (`iam:PassedToService`), so passing roles to other services is left alone.
 */
/** The frozen Denies of each list of denied paths (a handful of lists per app). */
const PATH_DENIES = new Map<string, iam.PolicyStatement[]>();

export function inferencePathDenyStatements(paths: InferencePathInfo[]): iam.PolicyStatement[] {
  // The same paths give the same statements, frozen (immutable): built once and shared by every principal.
  const key = JSON.stringify(paths.map(p => p.path));
  const cached = PATH_DENIES.get(key);
  if (cached !== undefined) return [...cached];
  const statements: iam.PolicyStatement[] = [];
  const actions = unique(paths.filter(p => p.passedToService === undefined).flatMap(p => p.actions));
  if (actions.length > 0) {
    statements.push(deny('DenyInferenceWithoutGuardrailCheck', actions, ['*']));
  }
  const services = unique(paths.flatMap(p => (p.passedToService === undefined ? [] : [p.passedToService])));
  if (services.length > 0) {
    statements.push(deny('DenyPassRoleToBedrock', ['iam:PassRole'], ['*'], { StringEquals: { 'iam:PassedToService': oneOrMany(services) } }));
  }
  statements.forEach(st => st.freeze());
  PATH_DENIES.set(key, statements);
  return [...statements];
}

/**
 * The actions that change an approved guardrail itself, or who may use it: its content (UpdateGuardrail: a
 * DRAFT changes in place), its versions (CreateGuardrailVersion: with ANY or ANY_NUMBERED a new, emptied
 * version still matches the condition), its existence (DeleteGuardrail), its tags (the key for tag-based
 * administration) and its resource policy.
 */
export const GUARDRAIL_MUTATION_ACTIONS = [
  'bedrock:UpdateGuardrail',
  'bedrock:CreateGuardrailVersion',
  'bedrock:DeleteGuardrail',
  'bedrock:TagResource',
  'bedrock:UntagResource',
  'bedrock:PutResourcePolicy',
  'bedrock:DeleteResourcePolicy',
];

/**
 * The account-level settings that decide whether guardrails apply and whether that is recorded: the enforced
 * guardrail configuration, and model invocation logging (which records the guardrail of each call). They
 * have no resource type, so only `*` names them.
 */
export const ENFORCED_CONFIGURATION_ACTIONS = [
  'bedrock:PutEnforcedGuardrailConfiguration',
  'bedrock:DeleteEnforcedGuardrailConfiguration',
  'bedrock:PutModelInvocationLoggingConfiguration',
  'bedrock:DeleteModelInvocationLoggingConfiguration',
];

/**
 * The Denies that keep the principals a guardrail binds from weakening it: no change to the approved
 * guardrails (`guardrailArns`: their ARNs, and their guardrail-profile ARNs, whose resource policies decide
 * who else may apply them), and no change to the account's enforced guardrail configuration or model
 * invocation logging. `exemptPrincipalArns` (a service control policy's administrators) are left out of both
 * with `ArnNotLike` on `aws:PrincipalArn`.
 */
export function guardrailProtectionStatements(guardrailArns: string[], exemptPrincipalArns: string[] = []): iam.PolicyStatement[] {
  if (exemptPrincipalArns.length === 0) {
    return [deny('DenyChangesToApprovedGuardrails', GUARDRAIL_MUTATION_ACTIONS, guardrailArns), ACCOUNT_SETTINGS_DENY];
  }
  const exempt = exemptionCondition(exemptPrincipalArns);
  return [
    deny('DenyChangesToApprovedGuardrails', GUARDRAIL_MUTATION_ACTIONS, guardrailArns, exempt),
    deny('DenyChangesToAccountGuardrailSettings', ENFORCED_CONFIGURATION_ACTIONS, ['*'], exempt),
  ];
}

/** The condition that leaves `principalArns` (ARN patterns) out of a Deny. */
export function exemptionCondition(principalArns: string[]) {
  return { ArnNotLike: { 'aws:PrincipalArn': oneOrMany(unique(principalArns)) } };
}

/** The Deny of changes to the account's guardrail settings: the same for every principal, frozen and shared. */
const ACCOUNT_SETTINGS_DENY = deny('DenyChangesToAccountGuardrailSettings', ENFORCED_CONFIGURATION_ACTIONS, ['*']).freeze();

/**
 * What lets a principal act as an IAM role, or change what the role may do: assuming it, its trust policy, its
 * policies, its permissions boundary, its existence (creating it where it does not exist yet), its tags, its
 * maximum session, and passing it to a service. Denied on the exempt administrator roles of a service control policy
 * to everyone but those roles, so that no one else can make an administrator role assumable and act as it.
 */
export const ROLE_TAKEOVER_ACTIONS = [
  'iam:CreateRole',
  'iam:DeleteRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:PassRole',
  'sts:AssumeRole',
  'sts:TagSession',
  'sts:SetSourceIdentity',
];

/**
 * What decides who can federate into a role of the account: its SAML and OpenID Connect identity providers (a
 * replaced SAML provider's metadata lets whoever holds the new key sign assertions for every role that trusts it;
 * AssumeRoleWithSAML and AssumeRoleWithWebIdentity are not authorized by the caller's policies).
 */
export const IDENTITY_PROVIDER_ACTIONS = [
  'iam:CreateSAMLProvider',
  'iam:UpdateSAMLProvider',
  'iam:DeleteSAMLProvider',
  'iam:CreateOpenIDConnectProvider',
  'iam:DeleteOpenIDConnectProvider',
  'iam:UpdateOpenIDConnectProviderThumbprint',
  'iam:AddClientIDToOpenIDConnectProvider',
  'iam:RemoveClientIDFromOpenIDConnectProvider',
];

/**
 * The Denies that keep everyone but the exempt administrator roles from taking them over: acting as them, changing
 * them (ROLE_TAKEOVER_ACTIONS), or changing the identity providers that could federate into them.
 */
export function exemptRoleProtectionStatements(exemptRoleArns: string[]): iam.PolicyStatement[] {
  const exempt = exemptionCondition(exemptRoleArns);
  return [
    deny('DenyChangesToExemptAdministratorRoles', ROLE_TAKEOVER_ACTIONS, exemptRoleArns, exempt),
    deny('DenyChangesToIdentityProviders', IDENTITY_PROVIDER_ACTIONS, ['*'], exempt),
  ];
}

/**
 * Amazon Bedrock API keys (api-keys-permissions; the AWS sample SCP "Deny-Bedrock-api-keys"): creating
 * long-term keys (`iam:CreateServiceSpecificCredential` for `bedrock.amazonaws.com`), and calling with any key,
 * short- or long-term, on both endpoints (`bedrock:CallWithBearerToken`, `bedrock-mantle:CallWithBearerToken`).
 */
export function bedrockApiKeyDenyStatements(): iam.PolicyStatement[] {
  return [
    deny('DenyBedrockApiKeyCreation', ['iam:CreateServiceSpecificCredential'], ['*'],
      { StringEquals: { 'iam:ServiceSpecificCredentialServiceName': 'bedrock.amazonaws.com' } }),
    deny('DenyBedrockApiKeyUse', ['bedrock:CallWithBearerToken', 'bedrock-mantle:CallWithBearerToken'], ['*']),
  ];
}

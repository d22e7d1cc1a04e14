import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import { checkRoleArnPattern, checkTargetIds } from './checks';
import { warnAboutCallsWithoutGuardrail } from './service-role-paths';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { InferencePath } from '../model/inference-path';
import { deniedPaths } from '../model/inference-paths';
import { warnAboutEnforcementOptions } from '../private/enforcement-options';
import { policySize, WARN_AT } from '../private/policy-size';
import { enforcementDenyStatements } from '../statements/enforcement-denies';
import { bedrockApiKeyDenyStatements, exemptRoleProtectionStatements } from '../statements/protection';
import { constructError, pathError } from '../util/validation';

// AWS pages: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html (SCPs),
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html (5,120 characters),
// https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-permissions.html (API keys)

/**
 * The parts of a `GuardrailServiceControlPolicy`, to split one that is over the size quota into two policies
 * attached to the same targets. Each part is whole in the policy that has it, so two policies that together
 * have every part deny exactly what one would.
 */
export enum ServiceControlPolicyPart {
  /** The Deny of `bedrock:InvokeModel` and `bedrock:InvokeModelWithResponseStream` without an approved guardrail (it holds every approved guardrail). */
  INFERENCE = 'INFERENCE',
  /** The Deny of the inference paths that carry no guardrail IAM can check (`InferencePath`), less `allowUnguardedPaths`. */
  INFERENCE_PATHS = 'INFERENCE_PATHS',
  /** The Deny of changes to the approved guardrails and to the accounts' guardrail settings (and of changes to the exempt administrator roles). */
  GUARDRAIL_PROTECTION = 'GUARDRAIL_PROTECTION',
}

/**
 * Props of `GuardrailServiceControlPolicy`.
 */
export interface GuardrailServiceControlPolicyProps {
  /**
   * The approved guardrails: every inference request in the targeted accounts must name one of them, at an
   * approved version. They may be in any account and Region (a member account's own guardrail is the case
   * AWS documents for `bedrock:GuardrailIdentifier`).
   */
  readonly guardrails: EnforcedGuardrail[];

  /**
   * Where the policy is attached: the organization root (`r-…`), organizational units (`ou-…-…`) or accounts
   * (12 digits). A service control policy never applies to the management account.
   */
  readonly targetIds: string[];

  /**
   * Inference paths that carry no guardrail IAM can check, left open (each is a warning).
   *
   * @default - every path is denied
   */
  readonly allowUnguardedPaths?: InferencePath[];

  /**
   * Roles exempt from the protection of the approved guardrails and the accounts' guardrail settings (never
   * from the inference Denies): role ARNs, with `*` allowed in the account field and in the name
   * (`arn:aws:iam::*:role/GuardrailAdministrator`). Everyone else in the targeted accounts is denied assuming,
   * creating, changing, passing and deleting these roles, and changing the account's SAML and OpenID Connect
   * providers, so list every role that acts as an administrator: the roles themselves, the roles that assume them
   * (an IAM Identity Center permission-set role, `arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*`) and the
   * roles that create them (a StackSets execution role). A role of that name that already exists in a member
   * account is exempt too. Code that runs as an exempt role (a Lambda function, an instance) acts as it: keep
   * such code out of reach of the other principals. Approve numbered versions when administrators are exempt
   * (they may publish new versions).
   *
   * @default - no one in the targeted accounts may change the approved guardrails or the guardrail settings
   */
  readonly exemptAdministratorRoleArns?: string[];

  /**
   * Also deny Amazon Bedrock API keys: creating long-term keys (`iam:CreateServiceSpecificCredential` for
   * `bedrock.amazonaws.com`) and calling with any key (`bedrock:CallWithBearerToken`,
   * `bedrock-mantle:CallWithBearerToken`), as AWS's example SCP does. When the policy is split with `parts`,
   * these Denies go in the policy that sets this.
   *
   * @default false
   */
  readonly denyBedrockApiKeys?: boolean;

  /**
   * The parts this policy holds, to split a policy over the size quota into two attached to the same targets.
   *
   * @default - every part
   */
  readonly parts?: ServiceControlPolicyPart[];

  /**
   * The policy's name.
   *
   * @default - a name made from the construct path
   */
  readonly policyName?: string;

  /**
   * The policy's description.
   *
   * @default - says that the policy requires an approved Amazon Bedrock guardrail
   */
  readonly description?: string;
}

/** The AWS Organizations quota of a service control policy, in characters (orgs_reference_limits). */
const SERVICE_CONTROL_POLICY_QUOTA = 5120;

/**
 * A service control policy (`AWS::Organizations::Policy` of type `SERVICE_CONTROL_POLICY`) that carries the
 * guardrail rule to every principal of the member accounts it targets, including roles that application teams
 * create themselves: the same Denies as `GuardrailEnforcedInvokerRole`, built by the same code.
 *
 * - Inference (`bedrock:InvokeModel`, `bedrock:InvokeModelWithResponseStream`, so InvokeModel, Converse and
 *   their streaming forms) is denied unless the request names an approved guardrail at an approved version.
 * - Every inference path IAM cannot check (`InferencePath`) is denied, unless `allowUnguardedPaths` lists it.
 * - Changes to the approved guardrails (and their guardrail profiles) and to the accounts' enforced guardrail
 *   configurations and invocation logging configurations are denied to everyone but `exemptAdministratorRoleArns`;
 *   assuming or changing those roles, and changing the identity providers, to everyone but themselves.
 * - With `denyBedrockApiKeys`, Amazon Bedrock API keys.
 *
 * Unlike account- and organization-level enforcement, the request is rejected rather than given a guardrail.
 * A service control policy grants nothing: principals still need their own Allows. It does not apply to the
 * management account or to service-linked roles. It does apply to the service roles of the member accounts
 * (agents, flows, batch and evaluation jobs), whose model calls carry no guardrail identifier.
 *
 * The policy's size is checked at synth against the 5,120-character quota, counted without white space.
 */
export class GuardrailServiceControlPolicy extends Construct {
  /** The AWS Organizations quota of a service control policy: 5,120 characters. */
  public static readonly MAX_CHARACTERS = SERVICE_CONTROL_POLICY_QUOTA;

  /** The policy resource. */
  public readonly resource: organizations.CfnPolicy;

  /** The policy document. */
  public readonly document: iam.PolicyDocument;

  /** The policy's size in characters without white space, as AWS Organizations counts it (estimated high where a value is a token). */
  public readonly size: number;

  constructor(scope: Construct, id: string, props: GuardrailServiceControlPolicyProps) {
    checkTargetIds(scope, id, props.targetIds);
    const parts = new Set(props.parts ?? Object.values(ServiceControlPolicyPart));
    if (props.parts !== undefined) {
      if (props.parts.length === 0) throw pathError(scope, id, 'parts is empty, so the policy would deny nothing. Fix: leave parts out for every part, or list the parts this policy holds.');
      const unknown = props.parts.filter(p => !Object.values(ServiceControlPolicyPart).includes(p));
      if (unknown.length > 0) throw pathError(scope, id, `parts has '${unknown.join("', '")}', which is not a ServiceControlPolicyPart. Fix: use the ServiceControlPolicyPart enum.`);
    }
    const needsGuardrails = parts.has(ServiceControlPolicyPart.INFERENCE) || parts.has(ServiceControlPolicyPart.GUARDRAIL_PROTECTION);
    if (needsGuardrails && props.guardrails.length === 0) {
      throw pathError(scope, id, 'guardrails is empty, so no inference request could ever be allowed. Fix: pass at least one EnforcedGuardrail, the approved guardrails of the targeted accounts.');
    }
    const exempt = props.exemptAdministratorRoleArns ?? [];
    for (const arn of exempt) checkRoleArnPattern(scope, id, 'exemptAdministratorRoleArns', arn);
    if (exempt.length > 0 && !parts.has(ServiceControlPolicyPart.GUARDRAIL_PROTECTION)) {
      throw pathError(scope, id, 'exemptAdministratorRoleArns is given, but the policy has no GUARDRAIL_PROTECTION part, the only part they are exempt from. '
        + 'Fix: give them to the policy that holds GUARDRAIL_PROTECTION.');
    }
    super(scope, id);
    const stack = Stack.of(this);

    warnAboutEnforcementOptions(this, { allowUnguardedPaths: props.allowUnguardedPaths });
    const paths = parts.has(ServiceControlPolicyPart.INFERENCE_PATHS) ? deniedPaths(props.allowUnguardedPaths) : [];
    if (parts.has(ServiceControlPolicyPart.INFERENCE)) warnAboutCallsWithoutGuardrail(this, props.allowUnguardedPaths ?? [], 'service control policy');
    const missing = Object.values(ServiceControlPolicyPart).filter(p => !parts.has(p));
    if (missing.length > 0) {
      Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:serviceControlPolicyPartial',
        `This policy leaves out ${missing.join(', ')}: alone, it does not hold the guardrail rule. `
        + 'Attach another GuardrailServiceControlPolicy with those parts (and the same guardrails) to the same targets.');
    }

    const bound = needsGuardrails ? props.guardrails.map(g => g._bind(this, { anywhere: true })) : [];
    if (needsGuardrails) warnAboutGuardrails(this, props.guardrails);
    if (!Token.isUnresolved(stack.account) && props.targetIds.includes(stack.account)) {
      Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:serviceControlPolicyOnManagementAccount',
        `targetIds includes ${stack.account}, this stack's account, where a service control policy is deployed from: if it is the management account, `
        + 'no SCP applies to it. Fix: protect the management account\'s principals with their own policies (GuardrailEnforcedInvokerRole, GuardrailPermissionsBoundary).');
    }
    const protect = parts.has(ServiceControlPolicyPart.GUARDRAIL_PROTECTION);
    this.document = new iam.PolicyDocument({
      statements: [
        ...enforcementDenyStatements(bound, {
          inference: parts.has(ServiceControlPolicyPart.INFERENCE),
          paths,
          protect,
          exemptPrincipalArns: exempt,
        }),
        ...(protect && exempt.length > 0 ? exemptRoleProtectionStatements(exempt) : []),
        ...(props.denyBedrockApiKeys === true ? bedrockApiKeyDenyStatements() : []),
      ],
    });

    this.size = policySize(stack.resolve(this.document.toJSON()));
    if (this.size > SERVICE_CONTROL_POLICY_QUOTA) {
      throw constructError(this, `the policy is ${this.size} characters, over the ${SERVICE_CONTROL_POLICY_QUOTA} of a service control policy (counted without white space). `
        + 'Fix: approve fewer guardrails (or fewer versions of each), or split it into two policies attached to the same targets with `parts`: '
        + 'INFERENCE (every approved guardrail) in one, INFERENCE_PATHS and GUARDRAIL_PROTECTION in the other; each part is whole where it is, so nothing is left open.');
    }

    if (this.size > SERVICE_CONTROL_POLICY_QUOTA * WARN_AT) {
      Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:serviceControlPolicyNearQuota',
        `The policy is ${this.size} characters, ${Math.round((this.size / SERVICE_CONTROL_POLICY_QUOTA) * 100)} % of the ${SERVICE_CONTROL_POLICY_QUOTA} of a service control policy, `
        + 'counted without white space; how CloudFormation writes the content for AWS Organizations is not documented. Fix before it grows: approve fewer guardrails, or split it with `parts`.');
    }

    this.resource = new organizations.CfnPolicy(this, 'Resource', {
      name: props.policyName ?? `BedrockGuardrailRule-${this.node.addr.slice(0, 12)}`,
      description: props.description ?? 'Amazon Bedrock inference only with an approved guardrail; no unguarded inference paths; approved guardrails protected',
      type: 'SERVICE_CONTROL_POLICY',
      content: this.document,
      targetIds: props.targetIds,
    });
  }
}

/** Guardrails whose value is not known at synth, or that live in the account the policy is deployed from. */
function warnAboutGuardrails(scope: Construct, guardrails: EnforcedGuardrail[]) {
  const stack = Stack.of(scope);
  for (const guardrail of guardrails) {
    if (Token.isUnresolved(guardrail.version.version)) {
      Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:enforcedGuardrailNotKnown',
        `The version of the guardrail ${guardrail.guardrailArn} is not known at synth, so it cannot be checked: a wrong value (DRAFT, another version) admits it, or fails `
        + 'every inference call of the targeted accounts. Fix: GuardrailVersion.numbered(n) with a literal number.');
    }
    const { account } = guardrail._location;
    // A literal account equal to the stack's literal account, or the stack's own account token (a resource of this stack).
    const sameAccount = account !== undefined && account === stack.account && (Token.isUnresolved(account) || !Token.isUnresolved(stack.account));
    if (sameAccount) {
      Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:serviceControlPolicyGuardrailInManagementAccount',
        `The guardrail ${guardrail.guardrailArn} is in this stack's account, the one the policy is deployed from. Whether a member account's request may name another account's `
        + 'guardrail, and whether bedrock:GuardrailIdentifier then carries it, is not documented (AWS documents the caller\'s own guardrail). '
        + 'Fix: approve each member account\'s own guardrail, or use OrganizationGuardrailPolicy for one guardrail of the management account.');
    }
  }
}

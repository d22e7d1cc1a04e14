import { Annotations, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { checkRoleArnPattern } from './checks';
import { warnAboutCallsWithoutGuardrail } from './service-role-paths';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { GuardrailEnforcementOptions } from '../invoker/guardrail-enforcement-options';
import { warnAboutEnforcementOptions } from '../private/enforcement-options';
import { markEnforcingBoundary, markEnforcingBoundaryScope } from '../private/markers';
import { checkManagedPolicyQuota } from '../private/policy-size';
import { enforcementDenyStatements } from '../statements/enforcement-denies';
import { IDENTITY_PROVIDER_ACTIONS } from '../statements/protection';
import { allow, deny } from '../statements/statement';
import { pathError } from '../util/validation';

// AWS pages: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html (delegating
// with permissions boundaries), https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
// (iam:PermissionsBoundary)

/**
 * Props of `GuardrailPermissionsBoundary`.
 */
export interface GuardrailPermissionsBoundaryProps extends GuardrailEnforcementOptions {
  /**
   * The approved guardrails: every inference request of a principal under the boundary must name one of them,
   * at an approved version. They must be in the account the boundary is deployed to (documented limitation of
   * `bedrock:GuardrailIdentifier` enforcement).
   */
  readonly guardrails: EnforcedGuardrail[];

  /**
   * What the boundary permits at most: the Allow statements of the boundary. The principal's own policies
   * still decide what it may do within them.
   *
   * @default - everything (`*` on `*`), less the Denies
   */
  readonly permissions?: iam.PolicyStatement[];

  /**
   * Roles that principals under the boundary may assume (ARN patterns). Assuming any other role is denied: a
   * role without this boundary (one that trusts the account root, such as the CDK bootstrap roles) would lift it.
   *
   * @default - none: principals under the boundary assume no role
   */
  readonly assumableRoleArns?: string[];

  /**
   * The name of the managed policy. The policy names itself (principals under it may create roles only with
   * it as their boundary), so its name is known at synth.
   *
   * @default - a name made from the construct path, unique in the app
   */
  readonly managedPolicyName?: string;

  /**
   * The path of the managed policy.
   *
   * @default "/"
   */
  readonly path?: string;

  /**
   * A description of the managed policy.
   *
   * @default - says that the boundary requires an approved Amazon Bedrock guardrail
   */
  readonly description?: string;
}

/**
 * The actions that create or change a role or user, whose `iam:PermissionsBoundary` is the boundary of the
 * principal acted on (for CreateRole, CreateUser and Put…PermissionsBoundary, the boundary in the request).
 */
const BOUNDED_PRINCIPAL_ACTIONS = [
  'iam:CreateRole',
  'iam:PutRolePermissionsBoundary',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:UpdateAssumeRolePolicy',
  'iam:CreateUser',
  'iam:PutUserPermissionsBoundary',
  'iam:AttachUserPolicy',
  'iam:DetachUserPolicy',
  'iam:PutUserPolicy',
  'iam:DeleteUserPolicy',
];

/**
 * The actions that give someone a user's or a group's permissions and that IAM cannot limit to principals
 * with this boundary (no `iam:PermissionsBoundary` key): credentials for a user (new, reset or reactivated),
 * group membership and group policies.
 */
const UNBOUNDABLE_ACTIONS = [
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:CreateServiceSpecificCredential',
  'iam:ResetServiceSpecificCredential',
  'iam:UpdateServiceSpecificCredential',
  'iam:UpdateAccessKey',
  'iam:AddUserToGroup',
  'iam:AttachGroupPolicy',
  'iam:PutGroupPolicy',
];

/** The actions that change a managed policy's content or remove it. */
const POLICY_CHANGE_ACTIONS = ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'];

/**
 * A customer managed policy meant as a permissions boundary, for the roles and users application teams
 * create themselves: whatever their own policies allow, a principal under it gets the guardrail rule.
 *
 * - The Denies of `GuardrailEnforcedInvokerRole`, built by the same code: inference without an approved
 *   guardrail, every inference path IAM cannot check (less `allowUnguardedPaths`), changes to the approved
 *   guardrails and to the account's guardrail settings (unless `protectApprovedGuardrails` is false).
 * - An Allow of what the boundary permits (`permissions`, default everything).
 * - The Denies that keep the boundary in place: a principal under it cannot create a role or user without this
 *   boundary, nor attach or put policies on one, nor change its trust policy (`iam:PermissionsBoundary`);
 *   cannot remove any permissions boundary; cannot change or delete this policy; cannot assume roles other than
 *   `assumableRoleArns`; cannot change the account's SAML and OpenID Connect providers; and cannot get a user's
 *   credentials (new, reset or reactivated keys and passwords), group membership or group policies (IAM has no
 *   boundary condition for those, so they are denied).
 *
 * Apply it to every role and user of a scope with `applyTo(scope)` (`iam.PermissionsBoundary.of(scope)`), or
 * give it as a role's `permissionsBoundary`. A boundary grants nothing: principals still need their own Allows.
 * What it cannot stop: a principal under it that may run code as a role without it (pass such a role to a
 * service, change a Lambda function that runs as one) acts with that role's permissions; a new version of a
 * customer managed policy attached to a principal without the boundary gives that principal more; tags it sets
 * on itself count wherever trust or resource policies test principal tags. Narrow `permissions` (`iam:PassRole`,
 * `lambda:UpdateFunctionCode`, `iam:CreatePolicyVersion`, `iam:TagRole`) where such roles and policies exist.
 */
export class GuardrailPermissionsBoundary extends iam.ManagedPolicy {
  /** The ARN of the policy as the boundary's own statements name it (known at synth but for partition and account). */
  public readonly boundaryArn: string;

  private readonly scopes: IConstruct[] = [];

  constructor(scope: Construct, id: string, props: GuardrailPermissionsBoundaryProps) {
    if (props.guardrails.length === 0) {
      throw pathError(scope, id, 'guardrails is empty, so no inference request could ever be allowed. Fix: pass at least one EnforcedGuardrail of this account.');
    }
    if (props.permissions !== undefined && !props.permissions.some(p => p.effect === iam.Effect.ALLOW)) {
      throw pathError(scope, id, 'permissions has no Allow statement, so the boundary would permit nothing. Fix: leave permissions out to permit everything else, or list Allow statements.');
    }
    for (const arn of props.assumableRoleArns ?? []) checkRoleArnPattern(scope, id, 'assumableRoleArns', arn);
    const path = props.path ?? '/';
    if (!Token.isUnresolved(path) && !/^\/([\x21-\x7e]*\/)?$/.test(path)) {
      throw pathError(scope, id, `path '${path}' is not an IAM path. Fix: use / or a path that starts and ends with / (/teams/).`);
    }
    super(scope, id, {
      managedPolicyName: props.managedPolicyName,
      description: props.description ?? 'Permissions boundary: Amazon Bedrock inference only with an approved guardrail; no unguarded inference paths; the boundary stays in place',
      path,
    });
    // The policy names itself: its name is chosen here, not by CloudFormation (a Ref to itself would be a cycle).
    const name = props.managedPolicyName ?? Names.uniqueResourceName(this, { maxLength: 128 });
    if (props.managedPolicyName === undefined) (this.node.defaultChild as iam.CfnManagedPolicy).managedPolicyName = name;
    this.boundaryArn = Stack.of(this).formatArn({ service: 'iam', region: '', resource: 'policy', resourceName: `${path.slice(1)}${name}` });

    warnAboutEnforcementOptions(this, props);
    warnAboutCallsWithoutGuardrail(this, props.allowUnguardedPaths ?? [], 'permissions boundary');
    const bound = props.guardrails.map(g => g._bind(this));
    const own = this.boundaryArn;
    this.addStatements(
      ...(props.permissions ?? [allow('PermittedByTheBoundary', ['*'], ['*'])]),
      ...enforcementDenyStatements(bound, { allowUnguardedPaths: props.allowUnguardedPaths, protect: props.protectApprovedGuardrails !== false }),
      deny('DenyPrincipalsWithoutThisBoundary', BOUNDED_PRINCIPAL_ACTIONS, ['*'], { StringNotEquals: { 'iam:PermissionsBoundary': own } }),
      deny('DenyRemovingPermissionsBoundaries', ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'], ['*']),
      deny('DenyChangesToThisBoundary', POLICY_CHANGE_ACTIONS, [own]),
      deny('DenyCredentialsAndGroupChanges', UNBOUNDABLE_ACTIONS, ['*']),
      deny('DenyChangesToIdentityProviders', IDENTITY_PROVIDER_ACTIONS, ['*']),
      assumeRoleDeny(props.assumableRoleArns ?? []),
    );
    markEnforcingBoundary(this, props.allowUnguardedPaths ?? []);
    this.node.addValidation({
      validate: () => checkManagedPolicyQuota(this, 'approve fewer guardrails, or narrow permissions to fewer statements'),
    });
    this.node.addValidation({ validate: () => this.warnAboutServiceRoles() });
  }

  /**
   * Makes this the permissions boundary of every role and user in `scope` (`iam.PermissionsBoundary.of(scope)`),
   * including those created later in it.
   */
  public applyTo(scope: IConstruct): void {
    iam.PermissionsBoundary.of(scope).apply(this);
    markEnforcingBoundaryScope(scope, this);
    this.scopes.push(scope);
  }

  /** Roles of Amazon Bedrock (agents, flows, jobs) under the boundary: their model calls carry no guardrail identifier. */
  private warnAboutServiceRoles(): string[] {
    for (const scope of this.scopes) {
      for (const node of scope.node.findAll()) {
        if (!(node instanceof iam.Role) || node.assumeRolePolicy === undefined) continue;
        const trust = JSON.stringify(Stack.of(node).resolve(node.assumeRolePolicy.toJSON()));
        if (!trust.includes('bedrock.amazonaws.com')) continue;
        Annotations.of(node).addWarningV2('cdk-bedrock-guardrail-iam:serviceRoleUnderGuardrailBoundary',
          `This role is assumed by Amazon Bedrock and gets the permissions boundary ${this.node.path}, which denies bedrock:InvokeModel without an approved guardrail: `
          + 'the model calls an agent, flow or job makes with its service role carry no guardrail identifier, so they fail with AccessDenied. '
          + 'Fix: create Bedrock service roles outside the boundary\'s scope (iam.PermissionsBoundary.of(role).clear()), from a deployment that is not itself under the boundary, '
          + 'and configure the guardrail on the agent or flow.');
      }
    }
    return [];
  }
}

/** The Deny of assuming any role but `assumable` (every role when none is listed). */
function assumeRoleDeny(assumable: string[]): iam.PolicyStatement {
  if (assumable.length === 0) return deny('DenyAssumingRoles', ['sts:AssumeRole'], ['*']);
  return new iam.PolicyStatement({ sid: 'DenyAssumingRoles', effect: iam.Effect.DENY, actions: ['sts:AssumeRole'], notResources: assumable });
}

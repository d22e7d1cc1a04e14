import { AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { GuardrailEnforcementOptions, IGuardrailEnforcement } from './guardrail-enforcement-options';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { InvokableModel } from '../model/invokable-model';
import { DeferredPolicyDocument } from '../private/deferred-document';
import { GuardrailEnforcement } from '../private/enforcement';
import { markInlinePermissions } from '../private/inline-roles';
import { warnAboutLimitationsOf } from '../private/limitations';
import { markEnforced, recordAllowedPaths } from '../private/markers';
import {
  addRoleQuotaCheck,
  AttachedToRole,
  checkManagedPolicyCount,
  checkQuota,
  checkTrustPolicyQuota,
  MANAGED_POLICY_QUOTA,
  ROLE_INLINE_QUOTA,
  unresolvedSize,
  WARN_AT,
} from '../private/policy-size';
import { splitStatements } from '../private/policy-split';
import { reportStatements, rolesArePrecreated } from '../private/precreated-roles';
import { pathError } from '../util/validation';

/** The name of the inline policy that carries the enforcement. */
const ENFORCEMENT_POLICY_NAME = 'GuardrailEnforcement';

const FEWER_GRANTS = 'grant InvokableModel.allFoundationModels() instead of many models, list fewer guardrails or destination Regions, or split the models across several roles';

/**
 * Properties of a GuardrailEnforcedInvokerRole.
 */
export interface GuardrailEnforcedInvokerRoleProps extends iam.RoleProps, GuardrailEnforcementOptions {
  /**
   * The approved guardrails: every inference request must name one of them, at an approved version.
   */
  readonly guardrails: EnforcedGuardrail[];

  /**
   * The models the role may run inference on (always with an approved guardrail).
   */
  readonly models: InvokableModel[];
}

/**
 * An application's IAM role that can run Amazon Bedrock inference only with an approved guardrail,
 * enforced by IAM itself.
 *
 * The role's inline policy `GuardrailEnforcement` holds:
 * - an Allow of `bedrock:InvokeModel` and `bedrock:InvokeModelWithResponseStream` (which authorize the
 *   InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream APIs) on the granted models,
 *   only when `bedrock:GuardrailIdentifier` names an approved guardrail and version;
 * - an explicit Deny of the same actions on every resource when it does not, which holds even when another
 *   policy on the role allows `bedrock:*` on `*`;
 * - an explicit Deny of every other way to model output that carries no guardrail IAM can check
 *   (`InferencePath`: the OpenAI-compatible endpoints, batch, evaluation, agents, flows, knowledge-base
 *   generation, ..., and `iam:PassRole` to Bedrock), unless `allowUnguardedPaths` lists the path;
 * - an explicit Deny of any change to the approved guardrails and to the account's enforced guardrail
 *   configuration, unless `protectApprovedGuardrails` is false;
 * - `bedrock:ApplyGuardrail` on the guardrails (and their cross-Region guardrail profiles),
 *   `bedrock:GetInferenceProfile` on inference profiles, and `kms:Decrypt` on encrypted guardrails' keys.
 *
 * The enforcement is inline in the role, so it is created in the same CloudFormation operation as the role:
 * there is no moment when the role exists without the Denies.
 *
 * When the statements do not fit in the role's inline policies (IAM allows 10,240 characters for all of
 * them together), they are split at synth: the Denies, whole, and as many Allows as fit stay in the inline
 * policy, and the other Allows (split by resources where needed) go to customer managed policies
 * `GuardrailEnforcement2`, `GuardrailEnforcement3`, ... attached to the role, each filled to at most 90 % of
 * IAM's 6,144 characters. The managed policies are created before the role, so the role never has an Allow
 * without the Deny. Every part carries the guardrail condition: no Allow is ever without it.
 *
 * The statements are laid out once, when synthesis reaches the role: call `addGuardrail()` and `addModel()`
 * before synthesis (an aspect may call them while it visits the role itself). At synth the role's quotas are
 * checked with every AWS::IAM::Policy and AWS::IAM::ManagedPolicy of its stack that names it: 10,240
 * characters inline, 6,144 per managed policy, 2,048 for the trust policy, 10 managed policies.
 */
export class GuardrailEnforcedInvokerRole extends iam.Role implements IGuardrailEnforcement {
  private readonly enforcement: GuardrailEnforcement;
  /** The role's own `inlinePolicies` (in the role resource, beside the enforcement). */
  private readonly ownInlineDocuments: iam.PolicyDocument[];
  /** The role's other inline policies, for the layout: its own and attached ones (DefaultPolicy, ...). */
  private readonly otherInlineDocuments: iam.PolicyDocument[];
  /** The managed policies that hold the enforcement's statements beyond the inline policy. */
  private readonly overflowPolicies: iam.ManagedPolicy[];

  constructor(scope: Construct, id: string, props: GuardrailEnforcedInvokerRoleProps) {
    const enforcement = new GuardrailEnforcement({
      allowUnguardedPaths: props.allowUnguardedPaths,
      protectApprovedGuardrails: props.protectApprovedGuardrails,
    });
    if (props.inlinePolicies?.[ENFORCEMENT_POLICY_NAME] !== undefined) {
      throw pathError(scope, id, `inlinePolicies has a policy named '${ENFORCEMENT_POLICY_NAME}', which this role uses for the guardrail enforcement. Fix: rename that inline policy.`);
    }
    const precreated = rolesArePrecreated(scope);
    super(scope, id, {
      ...props,
      // iam.Role.customizeRoles reads inline policies now: the enforcement is added once complete (below).
      inlinePolicies: precreated ? props.inlinePolicies
        : { ...props.inlinePolicies, [ENFORCEMENT_POLICY_NAME]: enforcement.document },
    });
    this.enforcement = enforcement;
    markInlinePermissions(this);
    this.ownInlineDocuments = Object.values(props.inlinePolicies ?? {});
    this.otherInlineDocuments = [...this.ownInlineDocuments];
    this.overflowPolicies = [];
    if (precreated) {
      // A pre-created role has no template quota: every statement goes to the report, the Denies first.
      const isDeny = (st: iam.PolicyStatement) => Number(st.effect === iam.Effect.DENY);
      const denyFirst = (a: iam.PolicyStatement, b: iam.PolicyStatement) => isDeny(b) - isDeny(a);
      reportStatements(this, () => [...enforcement.parts()[0].statements].sort(denyFirst), statement => super.addToPrincipalPolicy(statement));
    } else {
      enforcement.layOutWith((statements, denies) => splitStatements(Stack.of(this), statements, {
        pinned: denies,
        // Each part is filled to 90 % of its quota at most: no warning, and room for the estimates.
        firstBudget: Math.floor(ROLE_INLINE_QUOTA * WARN_AT) - this.otherInlineSize(),
        nextBudget: Math.floor(MANAGED_POLICY_QUOTA * WARN_AT),
      }));
    }
    enforcement.attach(this, props.guardrails, props.models);
    markEnforced(this, enforcement.allowedPaths);
    recordAllowedPaths(this, enforcement.allowedPaths);
    // After every other aspect (they may still add statements to the role): lay out the statements and
    // create the managed policies for those that do not fit inline.
    const layOut = { visit: (node: IConstruct) => { if (node === this) this.createOverflowPolicies(); } };
    Aspects.of(this).add(layOut, { priority: AspectPriority.READONLY });
    // Limitation L1: warn when the role can also call InvokeAgent or RetrieveAndGenerate, through any policy.
    this.node.addValidation({
      validate: () => {
        const cfn = this.node.defaultChild;
        if (cfn instanceof iam.CfnRole) warnAboutLimitationsOf(this, cfn, this.enforcement.allowedPaths);
        return [];
      },
    });
    addRoleQuotaCheck(this, attached => this.checkQuotas(attached));
  }

  /** The approved guardrails. */
  public get guardrails(): EnforcedGuardrail[] {
    return this.enforcement.guardrails;
  }

  /** The models the role may run inference on. */
  public get models(): InvokableModel[] {
    return this.enforcement.models;
  }

  /** Approves one more guardrail (and its versions) for every granted model. */
  public addGuardrail(guardrail: EnforcedGuardrail): void {
    this.enforcement.addGuardrail(guardrail);
  }

  /** Grants inference on one more model, with an approved guardrail only. */
  public addModel(model: InvokableModel): void {
    this.enforcement.addModel(model);
  }

  public attachInlinePolicy(policy: iam.Policy): void {
    if (!this.otherInlineDocuments.includes(policy.document)) this.otherInlineDocuments.push(policy.document);
    super.attachInlinePolicy(policy);
  }

  /**
   * The characters of the role's other inline policies, for the layout (an L1 AWS::IAM::Policy that names the
   * role is not seen here; the quota check at validation finds it).
   */
  private otherInlineSize(): number {
    const stack = Stack.of(this);
    return this.otherInlineDocuments.reduce((n, doc) => n + unresolvedSize(stack, doc.toJSON()), 0);
  }

  private createOverflowPolicies() {
    if (this.overflowPolicies.length > 0) return;
    const parts = this.enforcement.parts();
    parts.slice(1).forEach((part, i) => {
      const policy = new iam.ManagedPolicy(this, `${ENFORCEMENT_POLICY_NAME}${i + 2}`, {
        description: `Guardrail enforcement of ${this.node.path}, part ${i + 2} of ${parts.length}: Allows (with the guardrail condition) that do not fit in the role's inline policy ${ENFORCEMENT_POLICY_NAME}, which holds the Deny`,
        document: new DeferredPolicyDocument(() => part.statements, true),
      });
      super.addManagedPolicy(policy);
      this.overflowPolicies.push(policy);
    });
  }

  /** IAM's quotas: inline policies, trust policy, each managed policy of the split, managed policies per role. */
  private checkQuotas(attached: AttachedToRole): string[] {
    const stack = Stack.of(this);
    const parts = this.enforcement.parts();
    const own = this.ownInlineDocuments.reduce((n, doc) => n + unresolvedSize(stack, doc.toJSON()), 0);
    return [
      ...checkQuota(this, 'the inline policies of the role', parts[0].size + own + attached.inline, ROLE_INLINE_QUOTA,
        `move statements of your own (inlinePolicies, addToPolicy()) to a managed policy: the guardrail enforcement keeps only what fits inline, but its Denies must stay whole; or ${FEWER_GRANTS}`),
      ...checkTrustPolicyQuota(this),
      ...parts.slice(1).flatMap((part, i) => checkQuota(this.overflowPolicies[i] ?? this, `the managed policy ${ENFORCEMENT_POLICY_NAME}${i + 2} of the role`,
        part.size, MANAGED_POLICY_QUOTA, `one statement of the enforcement does not fit in a managed policy on its own: ${FEWER_GRANTS}`)),
      ...checkManagedPolicyCount(attached, parts.length - 1, `${FEWER_GRANTS}, or attach fewer managed policies to the role`),
    ];
  }
}

import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { InvokableModel } from '../model/invokable-model';
import { GuardrailEnforcement } from '../private/enforcement';
import { markInlinePermissions } from '../private/inline-roles';
import { isBroadAwsManagedPolicy, limitedActionsAllowedBy, warnLimitation } from '../private/limitations';
import { checkRoleQuotas } from '../private/policy-size';

/** The name of the inline policy that carries the enforcement. */
const ENFORCEMENT_POLICY_NAME = 'GuardrailEnforcement';

/**
 * Properties of a GuardrailEnforcedInvokerRole.
 */
export interface GuardrailEnforcedInvokerRoleProps extends iam.RoleProps {
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
 * - `bedrock:ApplyGuardrail` on the guardrails (and their cross-Region guardrail profiles),
 *   `bedrock:GetInferenceProfile` on inference profiles, and `kms:Decrypt` on encrypted guardrails' keys.
 *
 * The enforcement is inline in the role, so it is created in the same CloudFormation operation as the role:
 * there is no moment when the role exists without the Deny.
 */
export class GuardrailEnforcedInvokerRole extends iam.Role {
  private readonly enforcement: GuardrailEnforcement;
  private readonly checkedPolicies: Array<{ source: string; document: () => any }>;
  private readonly broadManagedPolicies: string[];

  constructor(scope: Construct, id: string, props: GuardrailEnforcedInvokerRoleProps) {
    const enforcement = new GuardrailEnforcement();
    if (props.inlinePolicies?.[ENFORCEMENT_POLICY_NAME] !== undefined) {
      throw new Error(`${scope.node.path}/${id}: inlinePolicies has a policy named '${ENFORCEMENT_POLICY_NAME}', which this role uses for the guardrail enforcement. Fix: rename that inline policy.`);
    }
    super(scope, id, {
      ...props,
      inlinePolicies: { ...props.inlinePolicies, [ENFORCEMENT_POLICY_NAME]: enforcement.document },
    });
    this.enforcement = enforcement;
    markInlinePermissions(this);
    this.checkedPolicies = Object.entries(props.inlinePolicies ?? {}).map(([name, doc]) => ({
      source: `The inline policy '${name}'`,
      document: () => doc.toJSON(),
    }));
    this.broadManagedPolicies = [];
    (props.managedPolicies ?? []).forEach(p => this.checkManagedPolicy(p));
    enforcement.attach(this, props.guardrails, props.models);
    this.node.addValidation({ validate: () => this.warnAboutLimitations() });
    this.node.addValidation({
      validate: () => checkRoleQuotas(this, 'grant InvokableModel.allFoundationModels() instead of many models, list fewer guardrails or destination Regions, '
        + 'or split the models across several roles'),
    });
  }

  /** The approved guardrails. */
  public get guardrails(): EnforcedGuardrail[] {
    return this.enforcement.approvedGuardrails;
  }

  /** The models the role may run inference on. */
  public get models(): InvokableModel[] {
    return this.enforcement.grantedModels;
  }

  /** Approves one more guardrail (and its versions) for every granted model. */
  public addGuardrail(guardrail: EnforcedGuardrail): void {
    this.enforcement.addGuardrail(guardrail);
  }

  /** Grants inference on one more model, with an approved guardrail only. */
  public addModel(model: InvokableModel): void {
    this.enforcement.addModel(model);
  }

  public addManagedPolicy(policy: iam.IManagedPolicy): void {
    this.checkManagedPolicy(policy);
    super.addManagedPolicy(policy);
  }

  public attachInlinePolicy(policy: iam.Policy): void {
    this.checkedPolicies.push({ source: `The policy ${policy.node.path}`, document: () => policy.document.toJSON() });
    super.attachInlinePolicy(policy);
  }

  private checkManagedPolicy(policy: iam.IManagedPolicy) {
    if (policy instanceof iam.ManagedPolicy) {
      this.checkedPolicies.push({ source: `The managed policy ${policy.node.path}`, document: () => policy.document.toJSON() });
    } else if (isBroadAwsManagedPolicy(policy)) {
      this.broadManagedPolicies.push(policy.managedPolicyArn);
    }
  }

  /** Limitation L1 (§6.6): warn when the role can also call InvokeAgent or RetrieveAndGenerate. */
  private warnAboutLimitations(): string[] {
    for (const { source, document } of this.checkedPolicies) {
      const actions = limitedActionsAllowedBy(document());
      if (actions.length > 0) warnLimitation(this, actions, source);
    }
    if (this.broadManagedPolicies.length > 0) {
      warnLimitation(this, [], 'An AWS managed policy (AmazonBedrockFullAccess or broader)');
    }
    return [];
  }
}

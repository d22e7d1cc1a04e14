import { Annotations, IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { canInvokeModels, hasEnforcementDeny, isBedrockServiceRole, isPrincipalResource, policiesOf } from './analysis';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { applyGuardrailStatement, guardrailKeyDecryptStatement } from '../statements/guardrail';
import { guardrailConditions, inferenceDenyStatement } from '../statements/inference';

/**
 * Properties of the EnforceGuardrails aspect.
 */
export interface EnforceGuardrailsProps {
  /**
   * The approved guardrails: every inference request of the principals in scope must name one of them.
   */
  readonly guardrails: EnforcedGuardrail[];
}

/**
 * An aspect that puts guardrail enforcement on every IAM role, user and group in its scope that can run
 * Amazon Bedrock inference and does not have it yet: the same Deny (with a negated
 * `bedrock:GuardrailIdentifier` condition, on every resource), `bedrock:ApplyGuardrail` and `kms:Decrypt`
 * statements as GuardrailEnforcedInvokerRole, built by the same code, added to the principal's default
 * policy. The principal's own Allows still decide which models it may call.
 *
 * Roles that only `bedrock.amazonaws.com` can assume (agent, flow and knowledge-base service roles) are
 * skipped: the documented limitation forbids the Deny there. Each principal changed gets an info message;
 * an L1 principal (`CfnRole`, `CfnUser`, `CfnGroup` without an L2 around it) gets a warning instead, as
 * there is no policy to add to.
 *
 * @example
 * Aspects.of(app).add(new EnforceGuardrails({ guardrails: [EnforcedGuardrail.fromArn(arn, GuardrailVersion.numbered(1))] }));
 */
export class EnforceGuardrails implements IAspect {
  private readonly guardrails: EnforcedGuardrail[];

  constructor(props: EnforceGuardrailsProps) {
    if (props.guardrails.length === 0) {
      throw new Error('EnforceGuardrails: guardrails is empty, so no request could carry an approved guardrail. Fix: pass at least one EnforcedGuardrail.');
    }
    this.guardrails = props.guardrails;
  }

  public visit(node: IConstruct): void {
    if (!isPrincipalResource(node) || isBedrockServiceRole(node)) return;
    const policies = policiesOf(node);
    if (!canInvokeModels(policies) || hasEnforcementDeny(policies)) return;
    const owner = node.node.scope;
    if (!(owner instanceof iam.Role || owner instanceof iam.User || owner instanceof iam.Group)) {
      Annotations.of(node).addWarningV2('cdk-bedrock-guardrail-iam:enforceGuardrailsSkippedL1',
        'EnforceGuardrails cannot add statements to this L1 principal (it has no iam.Role, iam.User or iam.Group around it), and it can run Bedrock inference without a guardrail. '
        + 'Fix: attach a GuardrailEnforcementPolicy to it, or define it with iam.Role / GuardrailEnforcedInvokerRole.');
      return;
    }
    const bound = this.guardrails.map(g => g._bind(owner));
    owner.addToPrincipalPolicy(inferenceDenyStatement(guardrailConditions(bound)));
    owner.addToPrincipalPolicy(applyGuardrailStatement(bound));
    const decrypt = guardrailKeyDecryptStatement(bound);
    if (decrypt !== undefined) owner.addToPrincipalPolicy(decrypt);
    Annotations.of(owner).addInfo(`EnforceGuardrails: this principal can run Bedrock inference, so its default policy now denies inference without one of the approved guardrails (${this.guardrails.map(g => g.guardrailArn).join(', ')}).`);
  }
}

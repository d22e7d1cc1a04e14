import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { InferencePath } from '../model/inference-path';
import { InvokableModel } from '../model/invokable-model';

/**
 * What a guardrail enforcement denies besides inference without an approved guardrail. Shared by
 * GuardrailEnforcedInvokerRole, GuardrailEnforcementPolicy and the EnforceGuardrails aspect.
 */
export interface GuardrailEnforcementOptions {
  /**
   * Inference paths that carry no guardrail IAM can check, and that this principal may still use.
   *
   * By default every path of `InferencePath` is denied, in the same policy as the guardrail Deny: the
   * OpenAI-compatible endpoints, batch inference, model evaluation, agents, inline agents, knowledge-base
   * generation, flows, prompt optimization, query generation, the conversational builder, Data Automation,
   * and `iam:PassRole` to Amazon Bedrock. Each path listed here is removed from that Deny (nothing is
   * granted) and gets a warning at synth that says what is then no longer guaranteed.
   *
   * @default - none: every path is denied
   */
  readonly allowUnguardedPaths?: InferencePath[];

  /**
   * Deny the principal any change to the approved guardrails (UpdateGuardrail, CreateGuardrailVersion,
   * DeleteGuardrail, TagResource, UntagResource, PutResourcePolicy, DeleteResourcePolicy on each guardrail and
   * its guardrail profiles) and to the account's enforced guardrail configuration
   * (Put/DeleteEnforcedGuardrailConfiguration), whatever else it is allowed.
   *
   * Without this, a principal that is also allowed `bedrock:*` could empty a DRAFT guardrail, or publish a new
   * version that `ANY` or `ANY_NUMBERED` admits. `false` gets a warning.
   *
   * @default true
   */
  readonly protectApprovedGuardrails?: boolean;
}

/**
 * The approved guardrails and granted models of a guardrail enforcement, and how to add to them: what
 * GuardrailEnforcedInvokerRole and GuardrailEnforcementPolicy have in common. Both keep them in one internal
 * holder, which builds the same statements for either.
 */
export interface IGuardrailEnforcement {
  /** The approved guardrails. */
  readonly guardrails: EnforcedGuardrail[];

  /** The models the principals may run inference on (always with an approved guardrail). */
  readonly models: InvokableModel[];

  /** Approves one more guardrail (and its versions) for every granted model. */
  addGuardrail(guardrail: EnforcedGuardrail): void;

  /** Grants inference on one more model, with an approved guardrail only. */
  addModel(model: InvokableModel): void;
}

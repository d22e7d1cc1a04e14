import * as iam from 'aws-cdk-lib/aws-iam';
import { allow, Conditions, deny, oneOrMany } from './statement';
import { BoundGuardrail } from '../guardrail/enforced-guardrail';
import { InvokableModelKind, ModelGrant } from '../model/invokable-model';
import { unique } from '../util/policy-json';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/**
 * The two IAM actions behind the InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream
 * APIs (Service Authorization Reference, Amazon Bedrock). There is no `bedrock:Converse*` action, and no invoke action that names a guardrail.
 */
export const INFERENCE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/** The condition key that carries the request's guardrail and version (guardrails-permissions-id). */
export const GUARDRAIL_IDENTIFIER = 'bedrock:GuardrailIdentifier';

/** A pair of conditions: the positive one for the Allow and its negation for the Deny. */
export interface GuardrailConditions {
  readonly allow: Conditions;
  readonly deny: Conditions;
}

/**
 * The `bedrock:GuardrailIdentifier` conditions that admit exactly the approved guardrails and versions
 * (guardrails-permissions-id, Examples 1 to 5).
 *
 * Exact values only (numbered versions, DRAFT, doc Examples 1, 2 and 5): StringEquals / StringNotEquals.
 * Any wildcard (`ARN:*` for ANY_NUMBERED and ANY): StringLike / StringNotLike over every value, where an
 * exact value matches only itself. The doc's Examples 3 and 4 use ArnLike / ArnNotLike; the String
 * operators are used here because ArnNotLike does not match a value that is not an ARN (a bare guardrail
 * ID), so the Deny would not apply to it, while StringNotLike does (checked by simulation in the tests).
 * An absent key makes the negated condition true, so a request without a guardrail is explicitly denied
 * (IAM condition operators: a negated operator on an absent key is true). IfExists operators are never used.
 */
export function guardrailConditions(guardrails: BoundGuardrail[]): GuardrailConditions {
  const exact = unique(guardrails.flatMap(g => g.conditionValues.exact));
  const patterns = unique(guardrails.flatMap(g => g.conditionValues.patterns));
  if (patterns.length === 0) {
    return {
      allow: { StringEquals: { [GUARDRAIL_IDENTIFIER]: oneOrMany(exact) } },
      deny: { StringNotEquals: { [GUARDRAIL_IDENTIFIER]: oneOrMany(exact) } },
    };
  }
  const values = [...exact, ...patterns];
  return {
    allow: { StringLike: { [GUARDRAIL_IDENTIFIER]: values } },
    deny: { StringNotLike: { [GUARDRAIL_IDENTIFIER]: values } },
  };
}

/** How a consumer grants one kind of invokable model: the statement it goes in and its actions. */
export interface ModelStatementGroup {
  readonly sid: string;
  readonly actions: string[];
}

/** Options for modelInvocationStatements. */
export interface ModelInvocationOptions {
  /** The statement (Sid and actions) each of a model's own ARNs goes in. */
  readonly groupFor: (kind: InvokableModelKind, arn: string) => ModelStatementGroup;
  /** Sid prefix and actions for the foundation models behind each inference profile. */
  readonly routeSid: (n: number) => string;
  readonly routeActions: string[];
  /** Conditions on every statement (the guardrail condition for the invoker). */
  readonly conditions?: Conditions;
}

/**
 * Allow statements for inference on the granted models. Each model's own ARNs go in the statement of its
 * kind; foundation models reached through an inference profile get a statement per profile, scoped with
 * `bedrock:InferenceProfileArn` (inference-profiles-prereq) so they cannot be called directly.
 */
export function modelInvocationStatements(models: ModelGrant[], options: ModelInvocationOptions): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  const groups = new Map<string, { actions: string[]; arns: string[] }>();
  for (const model of models) {
    for (const arn of model.invokeArns) {
      const group = options.groupFor(model.kind, arn);
      const entry = groups.get(group.sid) ?? { actions: group.actions, arns: [] };
      entry.arns.push(arn);
      groups.set(group.sid, entry);
    }
  }
  for (const [sid, { actions, arns }] of groups) {
    statements.push(allow(sid, actions, arns, options.conditions));
  }
  const routes = new Map<string, string[]>();
  for (const route of models.flatMap(m => m.routes)) {
    routes.set(route.profileArn, unique([...(routes.get(route.profileArn) ?? []), ...route.modelArns]));
  }
  let n = 0;
  for (const [profileArn, modelArns] of routes) {
    const conditions = options.conditions ?? {};
    statements.push(allow(options.routeSid(++n), options.routeActions, modelArns, {
      ...conditions,
      // The doc's JSON (inference-profiles-prereq) uses StringLike; the value has no wildcard, so it matches this profile only.
      StringLike: { ...(conditions.StringLike ?? {}), 'bedrock:InferenceProfileArn': profileArn },
    }));
  }
  return statements;
}

/**
 * The invoker's Allow statements: inference on the granted models only with an approved guardrail (guardrails-permissions-id, doc
 * Example 1's first statement), both inference actions on every kind of model.
 */
export function guardedInferenceStatements(models: ModelGrant[], conditions: GuardrailConditions): iam.PolicyStatement[] {
  return modelInvocationStatements(models, {
    groupFor: () => ({ sid: 'InvokeWithApprovedGuardrail', actions: INFERENCE_ACTIONS }),
    routeSid: n => `InvokeThroughProfile${n}WithApprovedGuardrail`,
    routeActions: INFERENCE_ACTIONS,
    conditions: conditions.allow,
  });
}

/**
 * The explicit Deny that makes the enforcement hold whatever else the principal is allowed (guardrails-permissions-id).
 *
 * It covers every resource (`*`), not only `foundation-model/*` as in the doc's examples: the inference
 * actions also authorize inference profiles, application inference profiles, provisioned, custom and
 * imported models and prompt routers, and a Deny on foundation models alone would leave those open.
 */
export function inferenceDenyStatement(conditions: GuardrailConditions): iam.PolicyStatement {
  return deny('DenyInvokeWithoutApprovedGuardrail', INFERENCE_ACTIONS, ['*'], conditions.deny);
}

/**
 * `bedrock:GetInferenceProfile`, listed as required for inference with an inference profile (inference-prereq, inference-profiles-prereq).
 * It carries no guardrail condition: the key is not defined for this action, so a condition on it would
 * never match.
 */
export function getInferenceProfileStatement(models: ModelGrant[]): iam.PolicyStatement | undefined {
  const arns = models.flatMap(m => m.profileArns);
  return arns.length === 0 ? undefined : allow('GetInferenceProfile', ['bedrock:GetInferenceProfile'], arns);
}

import * as iam from 'aws-cdk-lib/aws-iam';
import { guardrailConditions, inferenceDenyStatement } from './inference';
import { guardrailProtectionStatements, inferencePathDenyStatements } from './protection';
import { BoundGuardrail } from '../guardrail/enforced-guardrail';
import { InferencePath } from '../model/inference-path';
import { deniedPaths, InferencePathInfo } from '../model/inference-paths';

/** Which Denies of the guardrail enforcement to build, and for whom. */
export interface EnforcementDenyOptions {
  /** The Deny of inference without an approved guardrail. @default true */
  readonly inference?: boolean;
  /** The Deny of the inference paths IAM cannot check, less these. @default - every path denied */
  readonly allowUnguardedPaths?: InferencePath[];
  /** The paths to deny, instead of every path less `allowUnguardedPaths` (an empty list: no path Deny). */
  readonly paths?: InferencePathInfo[];
  /** The protection of the approved guardrails and the account's guardrail settings. @default true */
  readonly protect?: boolean;
  /** More ARNs to protect than the approved guardrails' (a principal's own approved guardrails). */
  readonly alsoProtect?: string[];
  /** Principals left out of the protection (never out of the inference Denies). */
  readonly exemptPrincipalArns?: string[];
}

/**
 * The Denies of the guardrail enforcement, in the order a reader of the docs expects: inference without an
 * approved guardrail (guardrails-permissions-id), the inference paths that carry no guardrail IAM can check, and
 * the protection of the approved guardrails. Every holder of the enforcement (invoker role, enforcement policy,
 * aspect, service control policy, permissions boundary) gets them from here.
 */
export function enforcementDenyStatements(guardrails: BoundGuardrail[], options: EnforcementDenyOptions = {}): iam.PolicyStatement[] {
  return [
    ...(options.inference === false ? [] : [inferenceDenyStatement(guardrailConditions(guardrails))]),
    ...inferencePathDenyStatements(options.paths ?? deniedPaths(options.allowUnguardedPaths)),
    ...(options.protect === false ? []
      : guardrailProtectionStatements([...guardrails.flatMap(g => g.applyGuardrailArns), ...options.alsoProtect ?? []], options.exemptPrincipalArns)),
  ];
}

import { IConstruct } from 'constructs';
import { ENFORCEMENT_METADATA } from '../check/model';
import { InferencePath } from '../model/inference-path';

/**
 * Marks a principal that carries this library's guardrail enforcement (from an invoker role, an enforcement
 * policy or the EnforceGuardrails aspect), with the inference paths that enforcement chose to leave open.
 * `Symbol.for`, so that two copies of the library in one app see each other's marks.
 */
const ENFORCED = Symbol.for('cdk-bedrock-guardrail-iam.enforcedPrincipal');

export interface EnforcementMark {
  readonly allowedPaths: InferencePath[];
}

export function markEnforced(principal: IConstruct, allowedPaths: InferencePath[]) {
  const previous = enforcementMark(principal);
  // Several enforcements on one principal: a path is open only if every one of them leaves it open.
  const paths = previous === undefined ? allowedPaths : previous.allowedPaths.filter(p => allowedPaths.includes(p));
  Object.defineProperty(principal, ENFORCED, { value: { allowedPaths: paths }, configurable: true });
}

/**
 * Records in the cloud assembly the inference paths an enforcement of the library leaves open on purpose
 * (`allowUnguardedPaths`), on the construct that holds it: the checks (at synth and in pipelines) then report
 * them as a choice (a warning) rather than an unguarded path (an error). Nothing is written to the template.
 */
export function recordAllowedPaths(holder: IConstruct, allowedPaths: InferencePath[]) {
  if (allowedPaths.length > 0) holder.node.addMetadata(ENFORCEMENT_METADATA, { allowUnguardedPaths: [...allowedPaths] });
}

export function enforcementMark(principal: IConstruct): EnforcementMark | undefined {
  return (principal as any)[ENFORCED];
}

/**
 * Marks a managed policy that is this library's guardrail permissions boundary, and the scopes it is applied to:
 * a principal under it is enforced (the EnforceGuardrails aspect leaves it alone).
 */
const ENFORCING_BOUNDARY = Symbol.for('cdk-bedrock-guardrail-iam.enforcingBoundary');
const BOUNDARY_SCOPE = Symbol.for('cdk-bedrock-guardrail-iam.enforcingBoundaryScope');

export function markEnforcingBoundary(policy: IConstruct, allowedPaths: InferencePath[]) {
  Object.defineProperty(policy, ENFORCING_BOUNDARY, { value: { allowedPaths: [...allowedPaths] } });
}

export function markEnforcingBoundaryScope(scope: IConstruct, boundary: IConstruct) {
  Object.defineProperty(scope, BOUNDARY_SCOPE, { value: boundary, configurable: true });
}

/**
 * The enforcement mark of the guardrail boundary a principal is under, if any: its own `permissionsBoundary`
 * (an `iam.Role` or `iam.User`), or the nearest scope above it a boundary was applied to.
 */
export function enforcingBoundaryOf(principal: IConstruct): EnforcementMark | undefined {
  const own = (principal as any).permissionsBoundary;
  if (own !== undefined) return own[ENFORCING_BOUNDARY];
  for (let scope: IConstruct | undefined = principal; scope !== undefined; scope = scope.node.scope) {
    const boundary = (scope as any)[BOUNDARY_SCOPE];
    if (boundary !== undefined) return boundary[ENFORCING_BOUNDARY];
  }
  return undefined;
}

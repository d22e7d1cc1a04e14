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
  Object.defineProperty(principal, ENFORCED, { value: { allowedPaths: paths }, configurable: true, enumerable: false });
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
 * Marks a policy document that holds only a guardrail enforcement of this library (guarded Allows, Denies,
 * ApplyGuardrail, kms:Decrypt): readers that look for other grants (the limitation warnings) skip it instead
 * of resolving it.
 */
const ENFORCEMENT_DOCUMENT = Symbol.for('cdk-bedrock-guardrail-iam.enforcementDocument');

export function markEnforcementDocument(document: object) {
  Object.defineProperty(document, ENFORCEMENT_DOCUMENT, { value: true, enumerable: false });
}

export function isEnforcementDocument(document: unknown): boolean {
  return typeof document === 'object' && document !== null && (document as any)[ENFORCEMENT_DOCUMENT] === true;
}

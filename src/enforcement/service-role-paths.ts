import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { InferencePath } from '../model/inference-path';

/** The paths whose model calls are not made by the caller with a guardrail identifier: a service role's, or the service's on the caller's behalf. */
const PATHS_WITHOUT_IDENTIFIER = [
  InferencePath.BATCH_INFERENCE,
  InferencePath.MODEL_EVALUATION,
  InferencePath.AGENTS,
  InferencePath.INLINE_AGENTS,
  InferencePath.KNOWLEDGE_BASE_GENERATION,
  InferencePath.FLOWS,
  InferencePath.KNOWLEDGE_BASE_INGESTION,
];

/**
 * A service control policy or permissions boundary keeps denying `bedrock:InvokeModel` without an approved
 * guardrail to every principal it covers, service roles included: a path left open whose model calls carry no
 * guardrail identifier (a service role's, or the service's on the caller's behalf) can still fail with AccessDenied.
 */
export function warnAboutCallsWithoutGuardrail(scope: IConstruct, allowed: InferencePath[], what: string) {
  const affected = PATHS_WITHOUT_IDENTIFIER.filter(p => allowed.includes(p));
  if (affected.length === 0) return;
  Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:allowedPathStillDenied',
    `allowUnguardedPaths opens ${affected.join(', ')}, but this ${what} still denies bedrock:InvokeModel without an approved guardrail to every principal it covers, `
    + 'service roles included: the model calls of these paths (made by the agent, flow, job or knowledge-base service role, or by the service on the caller\'s behalf) '
    + 'carry no guardrail identifier and can fail with AccessDenied (the documented limitation of bedrock:GuardrailIdentifier enforcement for InvokeAgent and RetrieveAndGenerate). '
    + 'Fix: run these paths in accounts (or with roles) this policy does not cover, or keep them denied.');
}

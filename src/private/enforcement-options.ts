import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { InferencePath } from '../model/inference-path';
import { INFERENCE_PATHS } from '../model/inference-paths';
import { factoryError } from '../util/validation';

/** The options every guardrail enforcement shares (invoker role, enforcement policy, aspect). */
export interface EnforcementOptionValues {
  readonly allowUnguardedPaths?: InferencePath[];
  readonly protectApprovedGuardrails?: boolean;
}

/** Throws for a value that is not an InferencePath (possible from the other jsii languages). */
export function checkInferencePaths(scope: IConstruct | string, paths: InferencePath[] | undefined) {
  for (const path of paths ?? []) {
    if (!INFERENCE_PATHS.some(p => p.path === path)) {
      const message = `allowUnguardedPaths has '${path}', which is not an InferencePath. Fix: use the InferencePath enum, one of ${INFERENCE_PATHS.map(p => p.path).join(', ')}.`;
      // A construct is written as its path.
      throw factoryError(`${scope}`, message);
    }
  }
}

/**
 * The warnings for what the enforcement of `scope` leaves open: each allowed inference path, in plain words,
 * and the approved guardrails left unprotected.
 */
export function warnAboutEnforcementOptions(scope: IConstruct, options: EnforcementOptionValues) {
  checkInferencePaths(scope, options.allowUnguardedPaths);
  const allowed = (path: InferencePath) => options.allowUnguardedPaths?.includes(path) === true;
  for (const info of INFERENCE_PATHS.filter(p => allowed(p.path))) {
    const passRole = (info.path === InferencePath.AGENTS || info.path === InferencePath.FLOWS) && !allowed(InferencePath.PASS_ROLE_TO_BEDROCK)
      ? ` Note: creating or changing ${info.path === InferencePath.AGENTS ? 'an agent' : 'a flow'} passes its service role, and iam:PassRole to Bedrock is still denied (allow InferencePath.PASS_ROLE_TO_BEDROCK too, or create it from another principal).`
      : '';
    Annotations.of(scope).addWarningV2(`cdk-bedrock-guardrail-iam:unguardedPathAllowed:${info.path}`,
      `allowUnguardedPaths includes InferencePath.${info.path}, so ${info.actions.join(', ')} ${info.actions.length > 1 ? 'are' : 'is'} no longer denied: ${info.whenAllowed}. `
      + `A request reaching a model through this path is not guaranteed to carry an approved guardrail.${passRole} `
      + 'Fix: remove it from allowUnguardedPaths unless this principal needs it, and then enforce a guardrail where that path runs (the agent, flow or job configuration, or account-level enforcement).');
  }
  if (options.protectApprovedGuardrails === false) {
    Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:approvedGuardrailsUnprotected',
      'protectApprovedGuardrails is false, so a principal bound by this enforcement that is allowed bedrock:UpdateGuardrail, CreateGuardrailVersion, DeleteGuardrail, '
      + 'TagResource, UntagResource, PutResourcePolicy or DeleteResourcePolicy elsewhere can change the approved guardrails themselves (empty a DRAFT, or publish a new version that an ANY or ANY_NUMBERED version admits), '
      + 'and can change or delete the account\'s enforced guardrail configuration. Fix: keep the protection (the default) and manage guardrails from a separate role, such as GuardrailAdministratorRole.');
  }
}

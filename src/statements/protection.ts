import * as iam from 'aws-cdk-lib/aws-iam';
import { deny, oneOrMany } from './statement';
import { InferencePathInfo } from '../model/inference-paths';
import { unique } from '../util/policy-json';

/**
 * The Deny of the inference paths that carry no guardrail IAM can check (`InferencePath`): every action of
 * every denied path, on every resource, with no condition. It never grants anything; allowing a path only
 * removes its actions. `iam:PassRole` is denied in a statement of its own, only when the role would be
 * passed to Amazon Bedrock (`iam:PassedToService`), so passing roles to other services is left alone.
 */
/** The frozen Denies of each list of denied paths (a handful of lists per app). */
const PATH_DENIES = new Map<string, iam.PolicyStatement[]>();

export function inferencePathDenyStatements(paths: InferencePathInfo[]): iam.PolicyStatement[] {
  // The same paths give the same statements, frozen (immutable): built once and shared by every principal.
  const key = paths.map(p => p.path).join(',');
  const cached = PATH_DENIES.get(key);
  if (cached !== undefined) return [...cached];
  const statements: iam.PolicyStatement[] = [];
  const actions = unique(paths.filter(p => p.passedToService === undefined).flatMap(p => p.actions));
  if (actions.length > 0) {
    statements.push(deny('DenyInferenceWithoutGuardrailCheck', actions, ['*']));
  }
  const services = unique(paths.flatMap(p => (p.passedToService === undefined ? [] : [p.passedToService])));
  if (services.length > 0) {
    statements.push(deny('DenyPassRoleToBedrock', ['iam:PassRole'], ['*'], { StringEquals: { 'iam:PassedToService': oneOrMany(services) } }));
  }
  statements.forEach(st => st.freeze());
  PATH_DENIES.set(key, statements);
  return [...statements];
}

/**
 * The actions that change an approved guardrail itself, or who may use it: its content (UpdateGuardrail: a
 * DRAFT changes in place), its versions (CreateGuardrailVersion: with ANY or ANY_NUMBERED a new, emptied
 * version still matches the condition), its existence (DeleteGuardrail), its tags (the key for tag-based
 * administration) and its resource policy.
 */
export const GUARDRAIL_MUTATION_ACTIONS = [
  'bedrock:UpdateGuardrail',
  'bedrock:CreateGuardrailVersion',
  'bedrock:DeleteGuardrail',
  'bedrock:TagResource',
  'bedrock:UntagResource',
  'bedrock:PutResourcePolicy',
  'bedrock:DeleteResourcePolicy',
];

/**
 * The account-level settings that decide whether guardrails apply and whether that is recorded: the enforced
 * guardrail configuration, and model invocation logging (which records the guardrail of each call). They
 * have no resource type, so only `*` names them.
 */
export const ENFORCED_CONFIGURATION_ACTIONS = [
  'bedrock:PutEnforcedGuardrailConfiguration',
  'bedrock:DeleteEnforcedGuardrailConfiguration',
  'bedrock:PutModelInvocationLoggingConfiguration',
  'bedrock:DeleteModelInvocationLoggingConfiguration',
];

/**
 * The Denies that keep the principals a guardrail binds from weakening it: no change to the approved
 * guardrails (`guardrailArns`: their ARNs, and their guardrail-profile ARNs, whose resource policies decide
 * who else may apply them), and no change to the account's enforced guardrail configuration or model
 * invocation logging.
 */
export function guardrailProtectionStatements(guardrailArns: string[]): iam.PolicyStatement[] {
  return [
    deny('DenyChangesToApprovedGuardrails', GUARDRAIL_MUTATION_ACTIONS, guardrailArns),
    ACCOUNT_SETTINGS_DENY,
  ];
}

/** The Deny of changes to the account's guardrail settings: the same for every principal, frozen and shared. */
const ACCOUNT_SETTINGS_DENY = deny('DenyChangesToAccountGuardrailSettings', ENFORCED_CONFIGURATION_ACTIONS, ['*']).freeze();

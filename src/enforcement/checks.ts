import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { CfnGuardrail, CfnGuardrailVersion } from 'aws-cdk-lib/aws-bedrock';
import { Construct, IConstruct } from 'constructs';
import { ContentGuarding } from './content-guarding';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { checkModelId } from '../model/model-id';
import { constructError, pathError } from '../util/validation';

// Checks shared by the constructs that make Amazon Bedrock enforce a guardrail (account and organization).

/** The `CfnGuardrail` behind an enforced guardrail: its source, or the guardrail a `CfnGuardrailVersion` publishes. */
export function guardrailResourceOf(guardrail: EnforcedGuardrail): CfnGuardrail | undefined {
  const source = guardrail._location.source;
  if (source instanceof CfnGuardrail) return source;
  if (!(source instanceof CfnGuardrailVersion)) return undefined;
  const id = source.guardrailIdentifier;
  return Stack.of(source).node.findAll().find((c): c is CfnGuardrail => c instanceof CfnGuardrail
    && (c.attrGuardrailId === id || c.attrGuardrailArn === id || c.ref === id));
}

/**
 * Checks what an enforcement needs of a guardrail wherever it is used: its ARN and environment agree, it has
 * no Automated Reasoning policy (unsupported in enforced guardrails), and its ARN and version are known at
 * synth (an error where a wrong value breaks every call, a warning otherwise).
 */
export function checkEnforceable(scope: IConstruct, guardrail: EnforcedGuardrail, unknownIsError: boolean, what: string) {
  const { conflict, source } = guardrail._location;
  if (conflict !== undefined) {
    throw constructError(scope, `${conflict}. Fix: use the guardrail's own ARN, or a guardrail resource of the stack it is in.`);
  }
  const resource = guardrailResourceOf(guardrail);
  if (resource?.automatedReasoningPolicyConfig !== undefined) {
    throw constructError(scope, `the guardrail ${resource.node.path} has an Automated Reasoning policy, which ${what} does not support (requests fail at run time). `
      + 'Fix: enforce a guardrail without automatedReasoningPolicyConfig.');
  }
  // A guardrail version resource gives a numbered version and its ARN; anything else not known at synth may
  // be DRAFT, a name or another guardrail.
  const fromResource = source instanceof CfnGuardrailVersion || source instanceof CfnGuardrail;
  const unknown = [
    ...(Token.isUnresolved(guardrail.version.version) && !(source instanceof CfnGuardrailVersion) ? [`version ${guardrail.version.version}`] : []),
    ...(Token.isUnresolved(guardrail.guardrailArn) && !fromResource ? [`ARN ${guardrail.guardrailArn}`] : []),
  ];
  if (unknown.length === 0) return;
  const message = `the guardrail's ${unknown.join(' and ')} is not known at synth, so it cannot be checked, and a wrong value (DRAFT, a name, another guardrail) `
    + 'breaks every inference call it covers. Fix: use a literal ARN and GuardrailVersion.numbered(n), or EnforcedGuardrail.fromGuardrailVersion(version).';
  if (unknownIsError) throw constructError(scope, message);
  Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:enforcedGuardrailNotKnown', message.replace(/^the/, 'The'));
}

/** Warns when the stack's account or Region is not known, so that a guardrail's cannot be compared with it. */
export function warnUnknownEnvironment(scope: IConstruct, guardrail: EnforcedGuardrail) {
  const stack = Stack.of(scope);
  const { account, region } = guardrail._location;
  const unknown = [
    ...(Token.isUnresolved(stack.account) ? ['account'] : []),
    ...(Token.isUnresolved(stack.region) ? ['Region'] : []),
  ];
  if (unknown.length === 0) return;
  Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:enforcementEnvironmentUnknown',
    `This stack's ${unknown.join(' and ')} is not known at synth, so it cannot be checked that the guardrail ${guardrail.guardrailArn}`
    + `${account !== undefined || region !== undefined ? ` (${account ?? '?'}/${region ?? '?'})` : ''} is in it, or that one enforcement is configured per account and Region. `
    + 'Fix: give the stack an explicit env (account and region).');
}

/** Checks the included and excluded model IDs of an enforcement (`ALL` is the documented value for every model). */
export function checkEnforcedModels(scope: Construct, id: string, models?: string[], excludedModels?: string[]) {
  for (const model of [...(models ?? []).filter(m => m !== 'ALL'), ...excludedModels ?? []]) checkModelId(`${scope.node.path}/${id}`, model);
  if (models !== undefined && models.length === 0) {
    throw pathError(scope, id, 'models is empty, so the enforcement would apply to no model. Fix: leave models out to cover every model, or list model IDs.');
  }
}

/** Warns for each part (system prompts, user messages) guarded only where callers tag it. */
export function warnSelectiveGuarding(scope: IConstruct, system: ContentGuarding, messages: ContentGuarding, callers: string) {
  for (const [what, mode] of [['system prompts', system], ['user messages', messages]] as const) {
    if (mode !== ContentGuarding.SELECTIVE) continue;
    Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:selectiveContentGuarding',
      `ContentGuarding.SELECTIVE for ${what}: the guardrail evaluates only the content callers mark with guardrail input tags, so any caller ${callers} can `
      + `leave its ${what} unchecked by not tagging them. Use ContentGuarding.COMPREHENSIVE unless every caller is trusted to tag.`);
  }
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** Throws unless `organizationId` is an AWS Organizations ID (`o-` and 10 to 32 letters or digits) or a token. */
export function checkOrganizationId(where: string, organizationId: string) {
  if (!Token.isUnresolved(organizationId) && !ORGANIZATION_ID.test(organizationId)) {
    throw new Error(`${where}: '${organizationId}' is not an organization ID. Fix: use the ID from AWS Organizations, o- and 10 to 32 letters or digits (o-a1b2c3d4e5).`);
  }
}

const TARGET_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$/;

/** Throws unless every target of an AWS Organizations policy is a root, an organizational unit or an account ID (or a token). */
export function checkTargetIds(scope: Construct, id: string, targetIds: string[]) {
  if (targetIds.length === 0) throw pathError(scope, id, 'targetIds is empty, so the policy applies nowhere. Fix: give the root, organizational units or accounts.');
  for (const target of targetIds) {
    if (!Token.isUnresolved(target) && !TARGET_ID.test(target)) {
      throw pathError(scope, id, `'${target}' is not a root, organizational unit or account ID. Fix: use r-xxxx, ou-xxxx-xxxxxxxx or a 12-digit account ID.`);
    }
  }
}

const ROLE_ARN_PATTERN = /^arn:(aws(-[a-z]+)*|\*):iam::(\d{12}|\*):role\/[\w+=,.@/*?-]+$/;

/**
 * Throws unless `arn` is a role ARN pattern (`*` allowed in the partition, the account and the name) that does not
 * match every role (or is a token). `what` names the prop in the message.
 */
export function checkRoleArnPattern(scope: Construct, id: string, what: string, arn: string) {
  if (Token.isUnresolved(arn)) return;
  if (!ROLE_ARN_PATTERN.test(arn)) {
    throw pathError(scope, id, `${what} has '${arn}', which is not a role ARN. Fix: use arn:aws:iam::ACCOUNT:role/NAME, with * for any account (arn:aws:iam::*:role/GuardrailAdministrator).`);
  }
  if (/^[/*?]*$/.test(arn.slice(arn.indexOf(':role/') + ':role/'.length))) {
    throw pathError(scope, id, `${what} has '${arn}', which matches every role. Fix: name the roles.`);
  }
}

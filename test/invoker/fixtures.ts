import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EnforcedGuardrail, GuardrailEnforcedInvokerRole, GuardrailVersion, InvokableModel } from '../../src';
import { DEFAULT_ENV, DeployEnv } from '../sim/cfn';
import { identityPoliciesOf, logicalIdOf, PolicyJson } from '../sim/simulate';

export const ACCOUNT = DEFAULT_ENV.account;
export const REGION = DEFAULT_ENV.region;
export const OTHER_ACCOUNT = '444455556666';
export const guardrailArn = (id: string, region = REGION, account = ACCOUNT) => `arn:aws:bedrock:${region}:${account}:guardrail/${id}`;
export const G1 = guardrailArn('abc123');
export const G2 = guardrailArn('def456');
export const G3 = guardrailArn('ghi789');
export const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
export const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
export const fm = (modelId: string, region = REGION) => `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
export const profileArn = (profileId: string, region = REGION) => `arn:aws:bedrock:${region}:${ACCOUNT}:inference-profile/${profileId}`;
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** Deploy-time values of the resources the tests create (a CfnGuardrail's Ref is its ARN). */
export const TEST_ENV: DeployEnv = {
  ...DEFAULT_ENV,
  refs: { Guardrail: 'arn:aws:bedrock:us-east-1:111122223333:guardrail/cfnguardrail1' },
  attributes: {
    'Guardrail.GuardrailArn': 'arn:aws:bedrock:us-east-1:111122223333:guardrail/cfnguardrail1',
    'Guardrail.GuardrailId': 'cfnguardrail1',
  },
};

/** A stack in the default simulation account and Region. */
export function newStack(): Stack {
  return new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
}

/** An invoker role for lambda.amazonaws.com in a new stack; defaults: guardrail G1 version 1, Haiku. */
export function synthInvoker(
  props: { guardrails?: EnforcedGuardrail[]; models?: InvokableModel[] } = {},
  customize?: (role: GuardrailEnforcedInvokerRole, stack: Stack) => void,
  env: DeployEnv = TEST_ENV,
) {
  const stack = newStack();
  const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    guardrails: props.guardrails ?? [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: props.models ?? [InvokableModel.foundationModel(HAIKU)],
  });
  customize?.(role, stack);
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const policies: PolicyJson[] = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'Invoker'), env);
  return { stack, role, template, json, policies };
}

export const invoke = (resource: string, guardrail?: string, extra: { [key: string]: string } = {}) => ({
  action: 'bedrock:InvokeModel',
  resource,
  context: { ...(guardrail === undefined ? {} : { 'bedrock:GuardrailIdentifier': guardrail }), ...extra },
});

export const stream = (resource: string, guardrail?: string, extra: { [key: string]: string } = {}) => ({
  ...invoke(resource, guardrail, extra),
  action: 'bedrock:InvokeModelWithResponseStream',
});

import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  AgentExecutionRole,
  EnforcedGuardrail,
  GuardrailEnforcedInvokerRole,
  GuardrailEnforcementPolicy,
  GuardrailVersion,
  InvokableModel,
} from '../src';
import { policySize } from '../src/private/policy-size';

const US = ['us-east-1', 'us-east-2', 'us-west-2'];
const EU = ['eu-central-1', 'eu-west-1', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2'];
const newStack = () => new Stack(new App(), 'Test', { env: { account: '111122223333', region: 'us-east-1' } });
const guardrails = (n: number) => Array.from({ length: n }, (_, i) =>
  EnforcedGuardrail.fromArn(`arn:aws:bedrock:us-east-1:111122223333:guardrail/guard${String(i).padStart(7, '0')}`, GuardrailVersion.numbered(1)));
const modelId = (i: number) => `anthropic.claude-model-${String(i).padStart(3, '0')}-20250101-v1:0`;
const foundationModels = (n: number) => Array.from({ length: n }, (_, i) => InvokableModel.foundationModel(modelId(i)));
const profiles = (n: number, regions: string[]) => Array.from({ length: n }, (_, i) => InvokableModel.crossRegionInferenceProfile(`us.${modelId(i)}`, regions));

function invoker(models: InvokableModel[], guardrailCount = 1) {
  const stack = newStack();
  new GuardrailEnforcedInvokerRole(stack, 'Invoker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: guardrails(guardrailCount), models });
  return () => Template.fromStack(stack);
}

test('the size IAM counts: JSON without white space; tokens estimated high', () => {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:ApplyGuardrail', Resource: 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc' }] };
  expect(policySize(doc)).toBe(JSON.stringify(doc).length);
  const withPartition = { Statement: [{ Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:::foundation-model/m']] } }] };
  expect(policySize(withPartition)).toBe(JSON.stringify({ Statement: [{ Resource: 'arn:aws-us-gov:bedrock:::foundation-model/m' }] }).length);
});

describe('the largest configurations that fit one invoker role (reported in the README)', () => {
  test.each([
    ['foundation models, 1 guardrail', foundationModels, 101, 1, []],
    ['cross-Region profiles with 3 Regions, 1 guardrail', (n: number) => profiles(n, US), 10, 1, []],
    ['cross-Region profiles with 6 Regions, 1 guardrail', (n: number) => profiles(n, EU), 7, 1, []],
    ['cross-Region profiles with 3 Regions, 5 guardrails', (n: number) => profiles(n, US), 7, 5, []],
  ])('%s: the most that fit, and one more fails the synth', (_label, make, most, guardrailCount) => {
    expect(invoker(make(most), guardrailCount)).not.toThrow();
    expect(invoker(make(most + 1), guardrailCount))
      .toThrow(/Test\/Invoker.*the inline policies of the role would be about \d+ characters, over IAM's quota of 10240, so CloudFormation would fail at deploy. Fix: grant InvokableModel.allFoundationModels\(\)/s);
  });
});

test('Fn::Sub is estimated from its template, with its variables estimated high', () => {
  const sub = { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::bucket/${AWS::AccountId}/*' };
  expect(policySize({ Statement: [{ Resource: sub }] })).toBe(JSON.stringify({ Statement: [{ Resource: 'arn:aws-us-gov:s3:::bucket/111122223333/*' }] }).length);
  const long = { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${'b'.repeat(200)}/*` };
  expect(policySize({ Statement: [{ Resource: long }] })).toBeGreaterThan(200);
});

test('near the quota: a warning with the percentage', () => {
  const stack = newStack();
  new GuardrailEnforcedInvokerRole(stack, 'Invoker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: guardrails(1), models: foundationModels(95) });
  Template.fromStack(stack);
  Annotations.fromStack(stack).hasWarning('/Test/Invoker', Match.stringLikeRegexp('the inline policies of the role is about \\d+ characters, 9\\d % of IAM\'s quota of 10240'));
});

test('statements added by the user count towards the role\'s inline quota', () => {
  const stack = newStack();
  const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: guardrails(1), models: foundationModels(60) });
  for (let i = 0; i < 60; i++) role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::bucket-number-${i}/*`] }));
  expect(() => Template.fromStack(stack)).toThrow(/over IAM's quota of 10240/);
});

test('a managed policy over 6,144 characters fails with the split as the fix', () => {
  const stack = newStack();
  new GuardrailEnforcementPolicy(stack, 'Enforcement', { guardrails: guardrails(1), models: foundationModels(70) });
  expect(() => Template.fromStack(stack)).toThrow(/Test\/Enforcement.*over IAM's quota of 6144.*split the models across several GuardrailEnforcementPolicy/s);
});

test('a trust policy over 2,048 characters (many agent IDs) fails', () => {
  const stack = newStack();
  new AgentExecutionRole(stack, 'Agent', {
    models: foundationModels(1),
    agentIds: Array.from({ length: 40 }, (_, i) => `AGENT${String(i).padStart(5, '0')}`),
  });
  expect(() => Template.fromStack(stack)).toThrow(/Test\/Agent.*the trust policy of the role would be about \d+ characters, over IAM's quota of 2048/s);
});

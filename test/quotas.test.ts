import { App, Fn, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AgentExecutionRole,
  EnforcedGuardrail,
  GuardrailEnforcedInvokerRole,
  GuardrailEnforcementPolicy,
  GuardrailVersion,
  InvokableModel,
} from '../src';
import { jsonSize, policySize, unresolvedSize } from '../src/private/policy-size';

const US = ['us-east-1', 'us-east-2', 'us-west-2'];
const EU = ['eu-central-1', 'eu-west-1', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2'];
const newStack = () => new Stack(new App(), 'Test', { env: { account: '111122223333', region: 'us-east-1' } });
const guardrails = (n: number) => Array.from({ length: n }, (_, i) =>
  EnforcedGuardrail.fromArn(`arn:aws:bedrock:us-east-1:111122223333:guardrail/guard${String(i).padStart(7, '0')}`, GuardrailVersion.numbered(1)));
const modelId = (i: number) => `anthropic.claude-model-${String(i).padStart(3, '0')}-20250101-v1:0`;
const foundationModels = (n: number) => Array.from({ length: n }, (_, i) => InvokableModel.foundationModel(modelId(i)));
const profiles = (n: number, regions: string[]) => Array.from({ length: n }, (_, i) => InvokableModel.crossRegionInferenceProfile(`us.${modelId(i)}`, regions));

function invoker(models: InvokableModel[], guardrailCount = 1, managedPolicies: iam.IManagedPolicy[] = []) {
  const stack = newStack();
  new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: guardrails(guardrailCount), models, managedPolicies,
  });
  return () => Template.fromStack(stack).toJSON();
}
const managedPolicyCount = (template: any) => Object.values(template.Resources as { [id: string]: any }).filter(r => r.Type === 'AWS::IAM::ManagedPolicy').length;

test('the size IAM counts: JSON without white space; tokens estimated high', () => {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:ApplyGuardrail', Resource: 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc' }] };
  expect(policySize(doc)).toBe(JSON.stringify(doc).length);
  const withPartition = { Statement: [{ Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:::foundation-model/m']] } }] };
  expect(policySize(withPartition)).toBe(JSON.stringify({ Statement: [{ Resource: 'arn:aws-us-gov:bedrock:::foundation-model/m' }] }).length);
});

/** The largest configurations of one invoker role (reported in the README): inline only, and split across 10 managed policies. */
describe.each([
  ['foundation models, 1 guardrail', foundationModels, 1, 68, 618],
  ['cross-Region profiles with 3 Regions, 1 guardrail', (n: number) => profiles(n, US), 1, 6, 61],
  ['cross-Region profiles with 6 Regions, 1 guardrail', (n: number) => profiles(n, EU), 1, 4, 43],
  ['cross-Region profiles with 3 Regions, 5 guardrails', (n: number) => profiles(n, US), 5, 4, 45],
])('%s', (_label, make, guardrailCount, inlineMost, splitMost) => {
  test(`up to ${inlineMost} fit in the inline policy; one more is split across managed policies`, () => {
    expect(managedPolicyCount(invoker(make(inlineMost), guardrailCount)())).toBe(0);
    expect(managedPolicyCount(invoker(make(inlineMost + 1), guardrailCount)())).toBe(1);
  });

  test(`up to ${splitMost} fit with the split (10 managed policies); one more fails the synth`, () => {
    expect(managedPolicyCount(invoker(make(splitMost), guardrailCount)())).toBe(10);
    expect(invoker(make(splitMost + 1), guardrailCount))
      .toThrow(/Test\/Invoker.*the guardrail enforcement needs 11 managed policies besides the inline policy, and with the 0 attached to the role that is 11, over IAM's default quota of 10 managed policies per role.*Fix: grant InvokableModel.allFoundationModels\(\)/s);
  });
});

test('managed policies attached by the user count towards the 10 per role', () => {
  const own = Array.from({ length: 8 }, (_, i) => iam.ManagedPolicy.fromManagedPolicyName(newStack(), `Own${i}`, `own-policy-${i}`));
  expect(invoker(foundationModels(150), 1, own)).not.toThrow();
  expect(invoker(foundationModels(300), 1, own)).toThrow(/needs \d+ managed policies besides the inline policy, and with the 8 attached to the role that is \d+, over IAM's default quota of 10.*or attach fewer managed policies to the role/s);
});

test('the size of an unresolved value is the size of the resolved one, whatever its tokens', () => {
  const stack = newStack();
  const agnostic = new Stack(new App(), 'Agnostic');
  const bucket = new s3.Bucket(stack, 'Bucket');
  const statements = [
    new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [`arn:${stack.partition}:bedrock:us-east-1::foundation-model/m`] }),
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*'), Fn.join('', ['arn:aws:s3:::', 'x'.repeat(300)])] }),
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'], conditions: { NumericLessThan: { 's3:max-keys': Token.asNumber(bucket.bucketName) } } }),
  ];
  const agnosticStatements = [
    new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [`arn:${agnostic.partition}:bedrock:${agnostic.region}:${agnostic.account}:inference-profile/p`] }),
    // Characters that JSON escapes, next to a pseudo parameter.
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::a"b\\c\n${agnostic.region}/*`] }),
  ];
  for (const [statement, scope] of [...statements.map(st => [st, stack] as const), ...agnosticStatements.map(st => [st, agnostic] as const)]) {
    const json = statement.toStatementJson();
    expect(unresolvedSize(scope, json)).toBe(jsonSize(scope.resolve(json)));
  }
  const doc = new iam.PolicyDocument({ statements }).toJSON();
  expect(unresolvedSize(stack, doc)).toBe(policySize(stack.resolve(doc)));
  // An empty document renders as nothing.
  expect(unresolvedSize(stack, new iam.PolicyDocument().toJSON())).toBe(0);
});

test('Fn::Sub is estimated from its template, with its variables estimated high', () => {
  const sub = { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::bucket/${AWS::AccountId}/*' };
  expect(policySize({ Statement: [{ Resource: sub }] })).toBe(JSON.stringify({ Statement: [{ Resource: 'arn:aws-us-gov:s3:::bucket/111122223333/*' }] }).length);
  const long = { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${'b'.repeat(200)}/*` };
  expect(policySize({ Statement: [{ Resource: long }] })).toBeGreaterThan(200);
});

test('near the quota: a warning with the percentage', () => {
  const stack = newStack();
  new GuardrailEnforcementPolicy(stack, 'Enforcement', { guardrails: guardrails(1), models: foundationModels(35) });
  Template.fromStack(stack);
  Annotations.fromStack(stack).hasWarning('/Test/Enforcement', Match.stringLikeRegexp('the managed policy is about \\d+ characters, 9\\d % of IAM\'s quota of 6144'));
});

test('an invoker role\'s own inline policies that fill its inline quota: the enforcement keeps only the Deny inline, and the synth fails with the fix', () => {
  const stack = newStack();
  const own = new iam.PolicyDocument({
    statements: Array.from({ length: 120 }, (_, i) => new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::bucket-number-${i}/*`] })),
  });
  new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: guardrails(1), models: foundationModels(60), inlinePolicies: { Own: own },
  });
  expect(() => Template.fromStack(stack))
    .toThrow(/Test\/Invoker.*the inline policies of the role would be about \d+ characters, over IAM's quota of 10240.*Fix: move statements of your own \(inlinePolicies, addToPolicy\(\)\) to a managed policy/s);
});

test('an L1 AWS::IAM::Policy that names an invoker role counts towards its inline quota', () => {
  const stack = newStack();
  const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: guardrails(1), models: foundationModels(80) });
  new iam.CfnPolicy(stack, 'L1', {
    policyName: 'l1',
    roles: [role.roleName],
    policyDocument: { Version: '2012-10-17', Statement: Array.from({ length: 40 }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-number-${i}/*` })) },
  });
  expect(() => Template.fromStack(stack)).toThrow(/Test\/Invoker: the inline policies of the role would be about \d+ characters, over IAM's quota of 10240/);
});

test('an AWS::IAM::RolePolicy that names the role by its literal name counts towards its inline quota too', () => {
  const synth = (statements: number) => {
    const stack = newStack();
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), roleName: 'app-invoker', guardrails: guardrails(1), models: foundationModels(80),
    });
    new iam.CfnRolePolicy(stack, 'ByName', {
      policyName: 'by-name',
      roleName: 'app-invoker',
      policyDocument: { Version: '2012-10-17', Statement: Array.from({ length: statements }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-number-${i}/*` })) },
    });
    return () => Template.fromStack(stack);
  };
  expect(synth(1)).not.toThrow();
  expect(synth(40)).toThrow(/Test\/Invoker: the inline policies of the role would be about \d+ characters, over IAM's quota of 10240/);
});

test('managed policies that name the role count towards the 10 per role; the same policy attached twice counts once', () => {
  const synth = (configure: (stack: Stack, role: GuardrailEnforcedInvokerRole) => void) => {
    const stack = newStack();
    const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: guardrails(1), models: foundationModels(400) });
    configure(stack, role);
    return () => Template.fromStack(stack).toJSON();
  };
  const ownPolicy = (stack: Stack, id: string, role: iam.IRole) => new iam.ManagedPolicy(stack, id, {
    roles: [role], statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::${id.toLowerCase()}/*`] })],
  });
  expect(synth(() => undefined)).not.toThrow();
  expect(synth((stack, role) => [1, 2, 3, 4, 5].forEach(i => ownPolicy(stack, `Own${i}`, role))))
    .toThrow(/and with the 5 attached to the role that is \d+, over IAM's default quota of 10/);
  expect(synth((_stack, role) => {
    for (let i = 0; i < 9; i++) role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess'));
  })).not.toThrow();
});

test('agent roles share the same check: policies that name the role count, and 10 managed policies at most', () => {
  const stack = newStack();
  const role = new AgentExecutionRole(stack, 'Agent', { models: foundationModels(1) });
  for (let i = 0; i < 11; i++) role.addManagedPolicy(iam.ManagedPolicy.fromManagedPolicyName(stack, `Own${i}`, `own-policy-${i}`));
  new iam.CfnPolicy(stack, 'L1', {
    policyName: 'l1',
    roles: [role.roleName],
    policyDocument: { Version: '2012-10-17', Statement: Array.from({ length: 130 }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-number-${i}/*` })) },
  });
  expect(() => Template.fromStack(stack)).toThrow(
    /Test\/Agent: the inline policies of the role would be about \d+ characters, over IAM's quota of 10240.*Test\/Agent: the role would have 11 managed policies, over IAM's default quota of 10/s);
});

test('the managed policies aws-cdk-lib creates for a large default policy (OverflowPolicy) count towards the 10 per role', () => {
  const synth = (models: number) => {
    const stack = newStack();
    const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: guardrails(1), models: foundationModels(models) });
    for (let i = 0; i < 300; i++) role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::bucket-number-${i}/*`] }));
    return () => Template.fromStack(stack).toJSON();
  };
  // aws-cdk-lib fills the default policy to about 10,000 characters before it overflows into managed policies,
  // so the enforcement's Denies no longer fit inline beside it: the synth fails with both findings.
  expect(synth(500)).toThrow(/the inline policies of the role would be about \d+ characters, over IAM's quota of 10240.*and with the [1-9] attached to the role that is \d+, over IAM's default quota of 10/s);
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

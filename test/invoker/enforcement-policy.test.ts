import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { fm, G1, G2, HAIKU, invoke, newStack, SONNET, stream } from './fixtures';
import { EnforcedGuardrail, GuardrailEnforcementPolicy, GuardrailVersion, InvokableModel } from '../../src';
import { DEFAULT_ENV, resolveCfn } from '../sim/cfn';
import { ALLOW_ALL, decide, identityPoliciesOf, logicalIdOf } from '../sim/simulate';

function lambdaWithPolicy(customize?: (policy: GuardrailEnforcementPolicy, fn: lambda.Function) => void) {
  const stack = newStack();
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  const policy = new GuardrailEnforcementPolicy(stack, 'Enforcement', {
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: [InvokableModel.foundationModel(HAIKU)],
    roles: [fn.role!],
  });
  customize?.(policy, fn);
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const policies = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'FnServiceRole'));
  return { stack, template, policies, policy, fn };
}

test('attached to a Lambda function\'s role, the function can invoke only with the approved guardrail', async () => {
  const { policies } = lambdaWithPolicy();
  expect(await decide(policies, invoke(fm(HAIKU), `${G1}:1`))).toBe('Allowed');
  expect(await decide(policies, stream(fm(HAIKU), `${G1}:1`))).toBe('Allowed');
  for (const guardrail of [undefined, G1, `${G1}:2`, `${G2}:1`]) {
    expect(await decide(policies, invoke(fm(HAIKU), guardrail))).toBe('ExplicitlyDenied');
    expect(await decide([...policies, ALLOW_ALL], invoke(fm(SONNET), guardrail))).toBe('ExplicitlyDenied');
  }
  expect(await decide(policies, invoke(fm(SONNET), `${G1}:1`))).toBe('ImplicitlyDenied');
});

test('the function\'s own grants to Bedrock do not reopen unguarded inference', async () => {
  const { policies } = lambdaWithPolicy((_p, fn) => {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
  });
  expect(await decide(policies, invoke(fm(SONNET)))).toBe('ExplicitlyDenied');
  expect(await decide(policies, invoke(fm(SONNET), `${G1}:1`))).toBe('Allowed');
});

test('it is a customer managed policy attached to the role, with the same statements as the invoker role', () => {
  const { template } = lambdaWithPolicy();
  template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
    Roles: [{ Ref: Match.stringLikeRegexp('^FnServiceRole') }],
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        Match.objectLike({ Sid: 'InvokeWithApprovedGuardrail', Effect: 'Allow', Condition: { StringEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } } }),
        Match.objectLike({ Sid: 'DenyInvokeWithoutApprovedGuardrail', Effect: 'Deny', Resource: '*', Condition: { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } } }),
        { Sid: 'ApplyGuardrail', Effect: 'Allow', Action: 'bedrock:ApplyGuardrail', Resource: G1 },
      ],
    },
  });
});

test('addGuardrail and addModel after construction; users and groups', async () => {
  const stack = newStack();
  const user = new iam.User(stack, 'User');
  const group = new iam.Group(stack, 'Group');
  const policy = new GuardrailEnforcementPolicy(stack, 'Enforcement', {
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: [InvokableModel.foundationModel(HAIKU)],
    users: [user],
  });
  policy.attachToGroup(group);
  policy.addGuardrail(EnforcedGuardrail.fromArn(G2, GuardrailVersion.DRAFT));
  policy.addModel(InvokableModel.foundationModel(SONNET));
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
    Users: [{ Ref: Match.stringLikeRegexp('^User') }],
    Groups: [{ Ref: Match.stringLikeRegexp('^Group') }],
  });
  const doc = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument;
  const policies = [resolveCfn(doc, DEFAULT_ENV)];
  expect(await decide(policies, invoke(fm(SONNET), G2))).toBe('Allowed');
  expect(await decide(policies, invoke(fm(SONNET), `${G2}:1`))).toBe('ExplicitlyDenied');
  expect(policy.guardrails).toHaveLength(2);
  expect(policy.models).toHaveLength(2);
});

test('an empty list is refused, naming the construct', () => {
  const stack = newStack();
  expect(() => new GuardrailEnforcementPolicy(stack, 'Enforcement', { guardrails: [], models: [InvokableModel.foundationModel(HAIKU)] }))
    .toThrow(/Test\/Enforcement: guardrails is empty/);
});

test('a function role that also gets InvokeAgent is warned about the documented limitation', () => {
  const { stack } = lambdaWithPolicy((_p, fn) => {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeAgent'], resources: ['*'] }));
  });
  Annotations.fromStack(stack).hasWarning('/Test/Enforcement', Match.stringLikeRegexp('Test/Fn/ServiceRole/DefaultPolicy allows bedrock:InvokeAgent'));
});

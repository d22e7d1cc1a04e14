import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { fm, G1, G2, HAIKU, invoke, newStack, SONNET, stream } from './fixtures';
import {
  EnforcedGuardrail,
  GuardrailEnforcedInvokerRole,
  GuardrailEnforcementPolicy,
  GuardrailVersion,
  IGuardrailEnforcement,
  InferencePath,
  InvokableModel,
} from '../../src';
import { DEFAULT_ENV, resolveCfn } from '../sim/cfn';
import { dependsOn, resourcesInCycles } from '../sim/graph';
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
        Match.objectLike({ Sid: 'DenyInferenceWithoutGuardrailCheck', Effect: 'Deny', Resource: '*' }),
        Match.objectLike({ Sid: 'DenyPassRoleToBedrock', Effect: 'Deny', Resource: '*' }),
        Match.objectLike({ Sid: 'DenyChangesToApprovedGuardrails', Effect: 'Deny', Resource: G1 }),
        Match.objectLike({ Sid: 'DenyChangesToAccountGuardrailSettings', Effect: 'Deny', Resource: '*' }),
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

test('the role and the policy share IGuardrailEnforcement: one function approves a guardrail and grants a model on either', async () => {
  const stack = newStack();
  const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: [InvokableModel.foundationModel(HAIKU)],
  });
  const policy = new GuardrailEnforcementPolicy(stack, 'Enforcement', {
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: [InvokableModel.foundationModel(HAIKU)],
    users: [new iam.User(stack, 'User')],
  });
  const widen = (enforcement: IGuardrailEnforcement) => {
    enforcement.addGuardrail(EnforcedGuardrail.fromArn(G2, GuardrailVersion.numbered(2)));
    enforcement.addModel(InvokableModel.foundationModel(SONNET));
  };
  [role, policy].forEach(widen);
  const json = Template.fromStack(stack).toJSON();
  const roleDoc = json.Resources[logicalIdOf(json, 'AWS::IAM::Role', 'Invoker')].Properties.Policies[0].PolicyDocument;
  const policyDoc = Object.values(json.Resources as { [id: string]: any }).find(r => r.Type === 'AWS::IAM::ManagedPolicy').Properties.PolicyDocument;
  expect(roleDoc).toEqual(policyDoc);
  for (const enforcement of [role, policy]) {
    expect(enforcement.guardrails.map(g => g.guardrailArn)).toEqual([G1, G2]);
    expect(enforcement.models).toHaveLength(2);
  }
  const policies = [resolveCfn(policyDoc, DEFAULT_ENV)];
  expect(await decide(policies, invoke(fm(SONNET), `${G2}:2`))).toBe('Allowed');
  expect(await decide(policies, invoke(fm(SONNET), `${G2}:1`))).toBe('ExplicitlyDenied');
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
  Annotations.fromStack(stack).hasWarning('/Test/Enforcement', Match.stringLikeRegexp(
    'Test/Fn/ServiceRole/DefaultPolicy allows bedrock:InvokeAgent on a principal with guardrail enforcement. bedrock:InvokeAgent is denied by the enforcement \\(InferencePath.AGENTS'));
});

test('with the agents path allowed, the warning is the documented AccessDenied limitation', () => {
  const stack = newStack();
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  new GuardrailEnforcementPolicy(stack, 'Enforcement', {
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: [InvokableModel.foundationModel(HAIKU)],
    roles: [fn.role!],
    allowUnguardedPaths: [InferencePath.AGENTS],
  });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeAgent'], resources: ['*'] }));
  Annotations.fromStack(stack).hasWarning('/Test/Enforcement', Match.stringLikeRegexp(
    'allows bedrock:InvokeAgent on a principal with guardrail enforcement. bedrock:InvokeAgent calls InvokeModel on the caller\'s behalf.*documented limitation'));
});

describe('deployment order: the enforcement is attached before, and removed after, the role\'s other policies', () => {
  /** The README's Lambda example, with the function's own broad grant to Bedrock. */
  const readmeExample = () => lambdaWithPolicy((_p, fn) => {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
  });

  test('the default policy and the function depend on the enforcement policy; no cycle', () => {
    const { template } = readmeExample();
    const json = template.toJSON();
    const enforcement = logicalIdOf(json, 'AWS::IAM::ManagedPolicy', 'Enforcement');
    const defaultPolicy = logicalIdOf(json, 'AWS::IAM::Policy', 'FnServiceRoleDefaultPolicy');
    const fn = logicalIdOf(json, 'AWS::Lambda::Function', 'Fn');
    expect(json.Resources[defaultPolicy].DependsOn).toEqual([enforcement]);
    // CloudFormation creates a resource after everything it depends on and deletes it before them.
    expect(dependsOn(json, defaultPolicy, enforcement)).toBe(true);
    expect(dependsOn(json, fn, enforcement)).toBe(true);
    expect(dependsOn(json, enforcement, defaultPolicy)).toBe(false);
    expect(resourcesInCycles(json)).toEqual([]);
  });

  test('other policies that name the role (L2, L1, managed, RolePolicy) depend on it; policies of other principals do not', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Task', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const other = new iam.Role(stack, 'Other', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const statements = [new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] })];
    new iam.Policy(stack, 'L2', { roles: [role], statements });
    new iam.CfnPolicy(stack, 'L1', { policyName: 'l1', roles: [role.roleName], policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:*', Resource: '*' }] } });
    new iam.ManagedPolicy(stack, 'Managed', { roles: [role], statements });
    new iam.CfnRolePolicy(stack, 'RolePolicy', { roleName: role.roleName, policyName: 'rp', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:*', Resource: '*' }] } });
    new iam.Policy(stack, 'OtherPolicy', { roles: [other], statements });
    new GuardrailEnforcementPolicy(stack, 'Enforcement', {
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
      roles: [role],
    });
    const json = Template.fromStack(stack).toJSON();
    const enforcement = logicalIdOf(json, 'AWS::IAM::ManagedPolicy', 'Enforcement');
    for (const [type, prefix] of [['AWS::IAM::Policy', 'L2'], ['AWS::IAM::Policy', 'L1'], ['AWS::IAM::ManagedPolicy', 'Managed'], ['AWS::IAM::RolePolicy', 'RolePolicy']]) {
      expect([prefix, json.Resources[logicalIdOf(json, type, prefix)].DependsOn]).toEqual([prefix, [enforcement]]);
    }
    expect(json.Resources[logicalIdOf(json, 'AWS::IAM::Policy', 'OtherPolicy')].DependsOn).toBeUndefined();
    expect(resourcesInCycles(json)).toEqual([]);
  });

  test('two enforcement policies on one role are not ordered between them (no cycle); the role\'s other policies wait for both', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Task', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
    for (const [id, model] of [['First', HAIKU], ['Second', SONNET]]) {
      new GuardrailEnforcementPolicy(stack, id, {
        guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
        models: [InvokableModel.foundationModel(model)],
        roles: [role],
      });
    }
    const json = Template.fromStack(stack).toJSON();
    expect(resourcesInCycles(json)).toEqual([]);
    const first = logicalIdOf(json, 'AWS::IAM::ManagedPolicy', 'First');
    const second = logicalIdOf(json, 'AWS::IAM::ManagedPolicy', 'Second');
    expect(json.Resources[first].DependsOn).toBeUndefined();
    expect(json.Resources[second].DependsOn).toBeUndefined();
    expect([...json.Resources[logicalIdOf(json, 'AWS::IAM::Policy', 'TaskDefaultPolicy')].DependsOn].sort()).toEqual([first, second].sort());
  });

  test('a policy that names the role in another form (imported by ARN, by literal name) is ordered too', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Task', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), roleName: 'app-role' });
    iam.Role.fromRoleName(stack, 'ByName', 'app-role').addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
    iam.Role.fromRoleArn(stack, 'ByArn', role.roleArn).addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock-mantle:*'], resources: ['*'] }));
    new GuardrailEnforcementPolicy(stack, 'Enforcement', {
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
      // The enforcement itself attached through an import by ARN.
      roles: [iam.Role.fromRoleArn(stack, 'EnforcedByArn', role.roleArn)],
    });
    const json = Template.fromStack(stack).toJSON();
    const enforcement = logicalIdOf(json, 'AWS::IAM::ManagedPolicy', 'Enforcement');
    for (const prefix of ['ByNamePolicy', 'ByArnPolicy']) {
      expect([prefix, json.Resources[logicalIdOf(json, 'AWS::IAM::Policy', prefix)].DependsOn]).toEqual([prefix, [enforcement]]);
    }
    expect(resourcesInCycles(json)).toEqual([]);
  });

  test('a role imported by name, and users and groups, are ordered the same way', () => {
    const stack = newStack();
    const imported = iam.Role.fromRoleName(stack, 'Imported', 'app-role');
    const user = new iam.User(stack, 'User');
    const group = new iam.Group(stack, 'Group');
    imported.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
    user.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
    group.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
    new GuardrailEnforcementPolicy(stack, 'Enforcement', {
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
      roles: [imported],
      users: [user],
      groups: [group],
    });
    const json = Template.fromStack(stack).toJSON();
    const enforcement = logicalIdOf(json, 'AWS::IAM::ManagedPolicy', 'Enforcement');
    for (const prefix of ['ImportedPolicy', 'UserDefaultPolicy', 'GroupDefaultPolicy']) {
      expect([prefix, json.Resources[logicalIdOf(json, 'AWS::IAM::Policy', prefix)].DependsOn]).toEqual([prefix, [enforcement]]);
    }
  });
});

import { Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ACCOUNT, fm, G1, G2, HAIKU, invoke, newStack, stream, synthInvoker } from './fixtures';
import {
  EnforcedGuardrail,
  EnforceGuardrails,
  GuardrailEnforcedInvokerRole,
  GuardrailEnforcementOptions,
  GuardrailEnforcementPolicy,
  GuardrailVersion,
  InferencePath,
  InvokableModel,
} from '../../src';
import { INFERENCE_PATHS } from '../../src/model/inference-paths';
import { CONFIG_CHANGES, GUARDRAIL_CHANGES } from '../sim/actions';
import { sampleResource } from '../sim/samples';
import { ALLOW_ALL, decide, Decision, identityPoliciesOf, logicalIdOf, PolicyJson, SimRequest } from '../sim/simulate';

/** What AmazonBedrockFullAccess or a careless policy gives: every Bedrock and bedrock-mantle action, and PassRole. */
const BROAD: PolicyJson = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['bedrock:*', 'bedrock-mantle:*', 'iam:PassRole'], Resource: '*' }],
};
const BESIDE: Array<[string, PolicyJson]> = [['Allow *:*', ALLOW_ALL], ['bedrock:* + bedrock-mantle:* + iam:PassRole', BROAD]];


/** One request for an action: its sample resource, and for iam:PassRole the service the role is passed to. */
async function requestFor(action: string, passedTo = 'bedrock.amazonaws.com'): Promise<SimRequest> {
  const context: { [key: string]: string } = action === 'iam:PassRole' ? { 'iam:PassedToService': passedTo } : {};
  return {
    action,
    resource: await sampleResource(action),
    context,
  };
}

/** Every path action's decision with `policies` beside `other`. */
async function pathDecisions(policies: PolicyJson[], other: PolicyJson, paths = INFERENCE_PATHS): Promise<Array<[string, Decision]>> {
  const out: Array<[string, Decision]> = [];
  for (const path of paths) {
    for (const action of path.actions) out.push([`${path.path} ${action}`, await decide([...policies, other], await requestFor(action))]);
  }
  return out;
}

const denied = (decisions: Array<[string, Decision]>) => decisions.map(([label]) => [label, 'ExplicitlyDenied']);

/** The three ways to put the enforcement on a principal, each returning the principal's policies. */
const SUBJECTS: Array<[string, (options?: GuardrailEnforcementOptions) => { policies: PolicyJson[]; stack: Stack }]> = [
  ['GuardrailEnforcedInvokerRole', options => invokerWith(options ?? {})],
  ['GuardrailEnforcementPolicy on a Lambda function\'s role', options => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [fm(HAIKU)] }));
    new GuardrailEnforcementPolicy(stack, 'Enforcement', {
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
      roles: [fn.role!],
      ...options,
    });
    const json = Template.fromStack(stack).toJSON();
    return { stack, policies: identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'FnServiceRole')) };
  }],
  ['the EnforceGuardrails aspect on a role that may invoke models', options => {
    const stack = newStack();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], resources: [fm(HAIKU)] }));
    Aspects.of(stack).add(new EnforceGuardrails({ guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))], ...options }));
    const json = Template.fromStack(stack).toJSON();
    return { stack, policies: identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'App')) };
  }],
];

function invokerWith(options: GuardrailEnforcementOptions) {
  const stack = newStack();
  new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: [InvokableModel.foundationModel(HAIKU)],
    ...options,
  });
  const json = Template.fromStack(stack).toJSON();
  return { stack, policies: identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'Invoker')) };
}

describe.each(SUBJECTS)('%s', (_label, make) => {
  let policies: PolicyJson[];
  beforeAll(() => ({ policies } = make()));

  test.each(BESIDE)('every action of every inference path is explicitly denied beside %s', async (_other, other) => {
    const decisions = await pathDecisions(policies, other);
    expect(decisions).toEqual(denied(decisions));
  });

  test.each(BESIDE)('every change to the approved guardrail and to the enforced configuration is explicitly denied beside %s', async (_other, other) => {
    for (const action of GUARDRAIL_CHANGES) {
      expect([action, await decide([...policies, other], { action, resource: G1 })]).toEqual([action, 'ExplicitlyDenied']);
    }
    for (const action of CONFIG_CHANGES) {
      expect([action, await decide([...policies, other], { action, resource: '*' })]).toEqual([action, 'ExplicitlyDenied']);
    }
  });

  test.each(BESIDE)('guarded inference and ApplyGuardrail stay allowed beside %s; unguarded inference is denied', async (_other, other) => {
    for (const extra of [[], [other]]) {
      expect(await decide([...policies, ...extra], invoke(fm(HAIKU), `${G1}:1`))).toBe('Allowed');
      expect(await decide([...policies, ...extra], stream(fm(HAIKU), `${G1}:1`))).toBe('Allowed');
      expect(await decide([...policies, ...extra], { action: 'bedrock:ApplyGuardrail', resource: G1 })).toBe('Allowed');
    }
    expect(await decide([...policies, other], invoke(fm(HAIKU)))).toBe('ExplicitlyDenied');
    expect(await decide([...policies, other], invoke(fm(HAIKU), `${G2}:1`))).toBe('ExplicitlyDenied');
  });

  test('StartAsyncInvoke (bedrock:InvokeModel on async-invoke, whose request has no guardrail field) is explicitly denied beside Allow *:*', async () => {
    const asyncInvoke = `arn:aws:bedrock:us-east-1:${ACCOUNT}:async-invoke/abcd1234efgh`;
    expect(await decide([...policies, ALLOW_ALL], invoke(asyncInvoke))).toBe('ExplicitlyDenied');
  });

  test('what is not a path or a change to the approved guardrail is left alone (beside Allow *:*)', async () => {
    // Passing a role to another service, reading guardrails, changing another guardrail, retrieving from a KB.
    expect(await decide([...policies, ALLOW_ALL], await requestFor('iam:PassRole', 'lambda.amazonaws.com'))).toBe('Allowed');
    expect(await decide([...policies, ALLOW_ALL], { action: 'bedrock:GetGuardrail', resource: G1 })).toBe('Allowed');
    expect(await decide([...policies, ALLOW_ALL], { action: 'bedrock:UpdateGuardrail', resource: G2 })).toBe('Allowed');
    expect(await decide([...policies, ALLOW_ALL], await requestFor('bedrock:Retrieve'))).toBe('Allowed');
    expect(await decide([...policies, ALLOW_ALL], await requestFor('bedrock:ListGuardrails'))).toBe('Allowed');
  });

  test.each(INFERENCE_PATHS.map(p => [p.path]))('allowing %s removes exactly its actions from the Deny, and warns', async path => {
    const { policies: open, stack } = make({ allowUnguardedPaths: [path as InferencePath] });
    const decisions = await pathDecisions(open, ALLOW_ALL);
    const expected = decisions.map(([label]) => [label, label.startsWith(`${path} `) ? 'Allowed' : 'ExplicitlyDenied']);
    expect(decisions).toEqual(expected);
    // Nothing else changes: the guardrail Deny and the protection still hold, and nothing is granted.
    expect(await decide([...open, ALLOW_ALL], invoke(fm(HAIKU)))).toBe('ExplicitlyDenied');
    expect(await decide([...open, ALLOW_ALL], { action: 'bedrock:UpdateGuardrail', resource: G1 })).toBe('ExplicitlyDenied');
    for (const action of INFERENCE_PATHS.find(p => p.path === path)!.actions) {
      expect(await decide(open, await requestFor(action))).toBe('ImplicitlyDenied');
    }
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(`allowUnguardedPaths includes InferencePath.${path}, so .* no longer denied.*not guaranteed to carry an approved guardrail`))).toHaveLength(1);
  });

  test('protectApprovedGuardrails: false drops the protection only, and warns', async () => {
    const { policies: open, stack } = make({ protectApprovedGuardrails: false });
    for (const action of GUARDRAIL_CHANGES) expect(await decide([...open, ALLOW_ALL], { action, resource: G1 })).toBe('Allowed');
    for (const action of CONFIG_CHANGES) expect(await decide([...open, ALLOW_ALL], { action, resource: '*' })).toBe('Allowed');
    const decisions = await pathDecisions(open, ALLOW_ALL);
    expect(decisions).toEqual(denied(decisions));
    expect(await decide([...open, ALLOW_ALL], invoke(fm(HAIKU)))).toBe('ExplicitlyDenied');
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('protectApprovedGuardrails is false, so a principal bound by this enforcement'));
  });
});

describe('the aspect acts on every principal that can reach an inference path', () => {
  const guardrails = [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))];
  const roleWith = (statements: iam.PolicyStatement[], props: Partial<ConstructorParameters<typeof EnforceGuardrails>[0]> = {}) => {
    const stack = newStack();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    statements.forEach(s => role.addToPrincipalPolicy(s));
    Aspects.of(stack).add(new EnforceGuardrails({ guardrails, ...props }));
    const json = Template.fromStack(stack).toJSON();
    return { stack, json, policies: identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'App')) };
  };

  test('a role with only bedrock-mantle:* gets the path Deny (and no guardrail grant it does not need)', async () => {
    const { policies, stack } = roleWith([new iam.PolicyStatement({ actions: ['bedrock-mantle:*'], resources: ['*'] })]);
    expect(await decide(policies, await requestFor('bedrock-mantle:CreateInference'))).toBe('ExplicitlyDenied');
    expect(await decide(policies, await requestFor('bedrock-mantle:ListModels'))).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: G1 })).toBe('ImplicitlyDenied');
    Annotations.fromStack(stack).hasInfo('/Test/App', Match.stringLikeRegexp('denies the inference paths without a guardrail check \\(.*OPENAI_COMPATIBLE_ENDPOINTS'));
  });

  test.each([
    ['AmazonBedrockMantleInferenceAccess', 'bedrock-mantle:CreateInference'],
    ['IAMFullAccess', 'iam:PassRole'],
    ['BedrockAgentCoreFullAccess', 'bedrock-agentcore:InvokeHarness'],
    ['CloudWatchOmniModelInferencePolicy', 'bedrock:CreateModelInvocationJob'],
  ])('a role with only the AWS managed policy %s gets the enforcement (%s denied)', async (name, action) => {
    const stack = newStack();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(name));
    Aspects.of(stack).add(new EnforceGuardrails({ guardrails }));
    const json = Template.fromStack(stack).toJSON();
    const policies = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'App'));
    expect(await decide([...policies, ALLOW_ALL], await requestFor(action))).toBe('ExplicitlyDenied');
  });

  test('a role with only AWSLambdaBasicExecutionRole is left alone', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'));
    Aspects.of(stack).add(new EnforceGuardrails({ guardrails }));
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('Deny');
  });

  test('a role with only iam:PassRole on * cannot pass roles to Bedrock, and still can to other services', async () => {
    const { policies } = roleWith([new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['*'] })]);
    expect(await decide(policies, await requestFor('iam:PassRole'))).toBe('ExplicitlyDenied');
    expect(await decide(policies, await requestFor('iam:PassRole', 'lambda.amazonaws.com'))).toBe('Allowed');
  });

  test('a role with a hand-written guardrail Deny gets only the path Denies it lacks', async () => {
    const { policies, json } = roleWith([
      new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }),
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        resources: ['*'],
        conditions: { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G2}:1` } },
      }),
      new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['bedrock:InvokeAgent', 'bedrock:CreateAgent', 'bedrock:UpdateAgent'], resources: ['*'] }),
    ]);
    const doc = JSON.stringify(json);
    expect(doc).not.toContain('DenyInvokeWithoutApprovedGuardrail');
    const decisions = await pathDecisions(policies, ALLOW_ALL);
    expect(decisions).toEqual(denied(decisions));
    // The paths the role already denied are not written again.
    const pathDeny = policies.flatMap(p => p.Statement).find(s => s.Sid === 'DenyInferenceWithoutGuardrailCheck');
    expect(pathDeny.Action).not.toContain('bedrock:InvokeAgent');
    // Its own guardrail stays the approved one.
    expect(await decide(policies, invoke(fm(HAIKU), `${G2}:1`))).toBe('Allowed');
  });

  test('a role whose Bedrock access comes from a policy naming it by literal name or ARN is found', async () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), roleName: 'app-role' });
    new iam.Policy(stack, 'ByName', { roles: [iam.Role.fromRoleName(stack, 'Imported', 'app-role')], statements: [new iam.PolicyStatement({ actions: ['bedrock-mantle:*'], resources: ['*'] })] });
    new iam.CfnRolePolicy(stack, 'ByArn', {
      roleName: iam.Role.fromRoleArn(stack, 'ImportedArn', role.roleArn).roleName,
      policyName: 'invoke',
      policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' }] },
    });
    Aspects.of(stack).add(new EnforceGuardrails({ guardrails }));
    const json = Template.fromStack(stack).toJSON();
    const policies = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'App'));
    // identityPoliciesOf reads policies naming the role by Ref; the RolePolicy names it through its ARN.
    const all = [...policies, ...Object.values(json.Resources as { [id: string]: any }).filter(r => r.Type === 'AWS::IAM::RolePolicy').map(r => r.Properties.PolicyDocument)];
    expect(await decide(all, await requestFor('bedrock-mantle:CreateInference'))).toBe('ExplicitlyDenied');
    expect(await decide(all, invoke(fm(HAIKU)))).toBe('ExplicitlyDenied');
    expect(await decide(all, invoke(fm(HAIKU), `${G1}:1`))).toBe('Allowed');
  });

  test('a role enforced by a GuardrailEnforcementPolicy attached through an import by ARN is left as it is', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
    new GuardrailEnforcementPolicy(stack, 'Enforcement', {
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [InvokableModel.foundationModel(HAIKU)],
      roles: [iam.Role.fromRoleArn(stack, 'ByArn', role.roleArn)],
    });
    Aspects.of(stack).add(new EnforceGuardrails({ guardrails: [EnforcedGuardrail.fromArn(G2, GuardrailVersion.numbered(1))] }));
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain(G2);
  });

  test('a role with its own guardrail Deny: the guardrails it approves are protected too', async () => {
    const { policies } = roleWith([
      new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }),
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        resources: ['*'],
        conditions: { StringNotLike: { 'bedrock:GuardrailIdentifier': [`${G2}:*`] } },
      }),
    ]);
    expect(await decide([...policies, ALLOW_ALL], { action: 'bedrock:CreateGuardrailVersion', resource: G2 })).toBe('ExplicitlyDenied');
    expect(await decide([...policies, ALLOW_ALL], { action: 'bedrock:UpdateGuardrail', resource: G1 })).toBe('ExplicitlyDenied');
  });

  test('a role that reaches nothing is left alone; so are principals with this library\'s enforcement', () => {
    const { json } = roleWith([new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] })]);
    expect(JSON.stringify(json)).not.toContain('Deny');
    const { json: invoker } = synthInvoker({ guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))] }, (role, stack) => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
      Aspects.of(stack).add(new EnforceGuardrails({ guardrails: [EnforcedGuardrail.fromArn(G2, GuardrailVersion.numbered(1))] }));
    });
    expect(JSON.stringify(invoker)).not.toContain(G2);
  });

  test('an aspect with allowUnguardedPaths leaves those paths open and warns on each principal it changes', async () => {
    const { policies, stack } = roleWith([new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] })], { allowUnguardedPaths: [InferencePath.BATCH_INFERENCE] });
    expect(await decide(policies, await requestFor('bedrock:CreateModelInvocationJob'))).toBe('Allowed');
    expect(await decide(policies, await requestFor('bedrock:InvokeAgent'))).toBe('ExplicitlyDenied');
    Annotations.fromStack(stack).hasWarning('/Test/App', Match.stringLikeRegexp('allowUnguardedPaths includes InferencePath.BATCH_INFERENCE'));
  });

  test('a value that is not an InferencePath is refused', () => {
    expect(() => new EnforceGuardrails({ guardrails, allowUnguardedPaths: ['BATCH' as InferencePath] }))
      .toThrow(/EnforceGuardrails: allowUnguardedPaths has 'BATCH', which is not an InferencePath. Fix: use the InferencePath enum/);
    expect(() => invokerWith({ allowUnguardedPaths: ['BATCH' as InferencePath] })).toThrow(/Test\/Invoker: allowUnguardedPaths has 'BATCH'/);
  });
});

test('allowing the agent path without passing roles notes that creating an agent still needs iam:PassRole', () => {
  const { stack } = invokerWith({ allowUnguardedPaths: [InferencePath.AGENTS] });
  Annotations.fromStack(stack).hasWarning('/Test/Invoker', Match.stringLikeRegexp('creating or changing an agent passes its service role, and iam:PassRole to Bedrock is still denied'));
  const both = invokerWith({ allowUnguardedPaths: [InferencePath.AGENTS, InferencePath.PASS_ROLE_TO_BEDROCK] });
  expect(Annotations.fromStack(both.stack).findWarning('/Test/Invoker', Match.stringLikeRegexp('is still denied'))).toHaveLength(0);
});

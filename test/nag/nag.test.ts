import { execFileSync } from 'child_process';
import * as path from 'path';
import { App, Aspects, CfnParameter, Fn, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lex from 'aws-cdk-lib/aws-lex';
import {
  AgentExecutionRole,
  BedrockGuardrailChecks,
  EnforcedGuardrail,
  EnforceGuardrails,
  FlowServiceRole,
  GuardrailEnforcedInvokerRole,
  GuardrailEnforcementPolicy,
  GuardrailVersion,
  InferencePath,
  InvokableModel,
} from '../../src';
import { ACKNOWLEDGED_RULES } from '../../src/check/report';
import { DEFAULT_ENV } from '../sim/cfn';
import { ALLOW_ALL, decide, identityPoliciesOf, logicalIdOf } from '../sim/simulate';

const G1 = `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:guardrail/abc123`;
const HAIKU_ARN = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0';
const guardrail = () => EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1));

function newStack() {
  const app = new App();
  return { app, stack: new Stack(app, 'Test', { env: { account: DEFAULT_ENV.account, region: 'us-east-1' } }) };
}

/** The pack's findings for a scope: rule id (with any finding) -> construct paths. */
function findings(app: App): { [rule: string]: string[] } {
  const report = new BedrockGuardrailChecks().validateScope(app);
  const out: { [rule: string]: string[] } = {};
  for (const v of report.violations) out[v.ruleName] = v.violatingResources.map(r => r.constructPath ?? '');
  return out;
}

function appRole(stack: Stack, id = 'App') {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

describe('GuardrailEnforcementMissing', () => {
  const rule = 'BedrockGuardrail-GuardrailEnforcementMissing';

  test('every finding says what was found and the fix, without verbose mode', () => {
    const { app, stack } = newStack();
    appRole(stack).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:*', 'bedrock:Converse'], resources: ['*'] }));
    const violations = new BedrockGuardrailChecks().validateScope(app).violations;
    expect(violations.length).toBeGreaterThanOrEqual(2);
    for (const v of violations) expect(v.description).toMatch(/\. Fix: .+/);
  });

  test('Noncompliance 1: an Allow with only a StringEquals condition, as users write it today', () => {
    const { app, stack } = newStack();
    appRole(stack).addToPolicy(new iam.PolicyStatement({
      actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      resources: ['*'],
      conditions: { StringEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } },
    }));
    expect(findings(app)[rule]).toEqual(['Test/App/Resource']);
  });

  test('Noncompliance 2: bedrock:* on *', () => {
    const { app, stack } = newStack();
    appRole(stack).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
    expect(findings(app)[rule]).toEqual(['Test/App/Resource']);
  });

  test('Noncompliance 3: AmazonBedrockFullAccess attached by ARN, on a user', () => {
    const { app, stack } = newStack();
    new iam.User(stack, 'Dev', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess')] });
    expect(findings(app)[rule]).toEqual(['Test/Dev/Resource']);
  });

  test('Noncompliance 4: the docs\' Example 1 verbatim, whose Deny covers only foundation-model/* (profiles stay open)', () => {
    const { app, stack } = newStack();
    const role = appRole(stack);
    const condition = (op: string) => ({ [op]: { 'bedrock:GuardrailIdentifier': `${G1}:1` } });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['arn:aws:bedrock:us-east-1::foundation-model/*'], conditions: condition('StringEquals') }));
    role.addToPolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY, actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], resources: ['arn:aws:bedrock:us-east-1::foundation-model/*'], conditions: condition('StringNotEquals'),
    }));
    expect(findings(app)[rule]).toEqual(['Test/App/Resource']);
  });

  test('Noncompliance 5: a customer managed policy and a Deny without a condition key elsewhere', () => {
    const { app, stack } = newStack();
    const group = new iam.Group(stack, 'Team');
    new iam.ManagedPolicy(stack, 'Invoke', { groups: [group], statements: [new iam.PolicyStatement({ actions: ['bedrock:Invoke*'], resources: ['*'] })] });
    expect(findings(app)[rule]).toEqual(['Test/Team/Resource']);
  });

  test('Noncompliance 6: a Deny that does not enforce (ForAnyValue, or narrowed by another condition)', () => {
    const actions = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
    for (const conditions of [
      { 'ForAnyValue:StringNotEquals': { 'bedrock:GuardrailIdentifier': `${G1}:1` } },
      { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` }, StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
    ]) {
      const { app, stack } = newStack();
      const role = appRole(stack);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
      role.addToPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions, resources: ['*'], conditions }));
      expect({ conditions, found: findings(app)[rule] }).toEqual({ conditions, found: ['Test/App/Resource'] });
    }
  });

  test('Noncompliance 7: a Deny whose resource is not known at synth (Fn::Sub, a parameter) may be narrow', () => {
    for (const resource of [(_st: Stack) => Fn.sub('arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/*'), (st: Stack) => new CfnParameter(st, 'Arn').valueAsString]) {
      const { app, stack } = newStack();
      const role = appRole(stack);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel*'], resources: ['*'] }));
      role.addToPolicy(new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        resources: [resource(stack)],
        conditions: { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } },
      }));
      expect(findings(app)[rule]).toEqual(['Test/App/Resource']);
    }
  });

  test('Compliance: every construct of this library, and roles that cannot invoke', () => {
    const { app, stack } = newStack();
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [guardrail()], models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')],
    });
    const fnRole = appRole(stack, 'FnRole');
    fnRole.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
    new GuardrailEnforcementPolicy(stack, 'Enforcement', { guardrails: [guardrail()], models: [InvokableModel.allFoundationModels()], roles: [fnRole] });
    new AgentExecutionRole(stack, 'Agent', { models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')] });
    new FlowServiceRole(stack, 'Flow', { models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')] });
    appRole(stack, 'Unrelated').addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(findings(app)).toEqual({});
  });

  test('Compliance: an invoker role split across managed policies (Deny inline, Allows in managed policies)', () => {
    const { app, stack } = newStack();
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [guardrail()],
      models: Array.from({ length: 200 }, (_, i) => InvokableModel.foundationModel(`anthropic.claude-model-${i}-v1:0`)),
    });
    const template = app.synth().getStackByName('Test').template;
    expect(Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::IAM::ManagedPolicy').length).toBeGreaterThan(1);
    expect(findings(app)).toEqual({});
  });
});

describe('IneffectiveGuardrailCondition', () => {
  const rule = 'BedrockGuardrail-IneffectiveGuardrailCondition';
  const withCondition = (operator: string, value: string, effect = iam.Effect.ALLOW) => {
    const { app, stack } = newStack();
    appRole(stack).addToPolicy(new iam.PolicyStatement({
      effect, actions: ['bedrock:InvokeModel'], resources: ['*'], conditions: { [operator]: { 'bedrock:GuardrailIdentifier': value } },
    }));
    return findings(app);
  };

  test('Noncompliance 1: IfExists on an Allow', () => {
    expect(withCondition('StringEqualsIfExists', `${G1}:1`)[`${rule}[IfExistsOnAllow::StringEqualsIfExists]`]).toEqual(['Test/App/DefaultPolicy/Resource']);
  });

  test('Noncompliance 2: /ID* (the docs\' "any version" pattern)', () => {
    expect(withCondition('ArnLike', `${G1}*`)[`${rule}[PrefixWildcard::${G1}*]`]).toEqual(['Test/App/DefaultPolicy/Resource']);
  });

  test('Noncompliance 4: ARNs with a guardrail name instead of the ID (the blog post\'s examples)', () => {
    const named = 'arn:aws:bedrock:us-east-1:111122223333:guardrail/G-HR-Compliance';
    expect(withCondition('StringEquals', named)[`${rule}[NotAGuardrailArn::${named}]`]).toEqual(['Test/App/DefaultPolicy/Resource']);
    const prefix = 'arn:aws:bedrock:us-east-1:111122223333:guardrail/G-Dev-Environment*';
    expect(withCondition('ArnLike', prefix)[`${rule}[PrefixWildcard::${prefix}]`]).toEqual(['Test/App/DefaultPolicy/Resource']);
  });

  test('Noncompliance 3: a guardrail name or bare ID, as in the blog post', () => {
    expect(withCondition('StringEquals', 'G-HR-Compliance')[`${rule}[NotAGuardrailArn::G-HR-Compliance]`]).toEqual(['Test/App/DefaultPolicy/Resource']);
    expect(withCondition('StringNotEquals', 'abc123', iam.Effect.DENY)[`${rule}[NotAGuardrailArn::abc123]`]).toEqual(['Test/App/DefaultPolicy/Resource']);
  });

  test('Noncompliance 5: the prefix wildcard right after a guardrail resource\'s ARN', () => {
    const { app, stack } = newStack();
    const g = new bedrock.CfnGuardrail(stack, 'G', {
      name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no', kmsKeyArn: `arn:aws:kms:us-east-1:${DEFAULT_ENV.account}:key/k`,
    });
    appRole(stack).addToPolicy(new iam.PolicyStatement({
      actions: ['bedrock:InvokeModel'], resources: ['*'], conditions: { ArnLike: { 'bedrock:GuardrailIdentifier': `${g.attrGuardrailArn}*` } },
    }));
    expect(findings(app)[`${rule}[PrefixWildcard::**]`]).toEqual(['Test/App/DefaultPolicy/Resource']);
  });

  test('Compliance: values built from a guardrail version resource are not read as names', () => {
    const { app, stack } = newStack();
    const g = new bedrock.CfnGuardrail(stack, 'G', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      kmsKeyArn: `arn:aws:kms:us-east-1:${DEFAULT_ENV.account}:key/k`,
      contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    });
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [EnforcedGuardrail.fromGuardrailVersion(new bedrock.CfnGuardrailVersion(stack, 'V', { guardrailIdentifier: g.attrGuardrailId })), EnforcedGuardrail.fromGuardrail(g, GuardrailVersion.ANY)],
      models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')],
    });
    expect(findings(app)).toEqual({});
  });

  test('Compliance: ARN, ARN:N, ARN:* and IfExists on a Deny', () => {
    expect(withCondition('StringLike', `${G1}:*`)[rule]).toBeUndefined();
    expect(Object.keys(withCondition('StringNotEqualsIfExists', `${G1}:1`, iam.Effect.DENY)).filter(k => k.startsWith(rule))).toEqual([]);
  });
});

describe('NonexistentBedrockAction', () => {
  const rule = 'BedrockGuardrail-NonexistentBedrockAction';

  test('Noncompliance 1: the blog post\'s invented action and Converse', () => {
    const { app, stack } = newStack();
    appRole(stack).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModelWithGuardrail', 'bedrock:Converse'], resources: ['*'] }));
    const f = findings(app);
    expect(f[`${rule}[bedrock:InvokeModelWithGuardrail]`]).toEqual(['Test/App/DefaultPolicy/Resource']);
    expect(f[`${rule}[bedrock:Converse]`]).toEqual(['Test/App/DefaultPolicy/Resource']);
  });

  test('Compliance: real actions', () => {
    const { app, stack } = newStack();
    appRole(stack).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:ApplyGuardrail'], resources: [G1] }));
    expect(Object.keys(findings(app)).filter(k => k.startsWith(rule))).toEqual([]);
  });
});

describe('BedrockServiceWithoutConfusedDeputyConditions', () => {
  const rule = 'BedrockGuardrail-BedrockServiceWithoutConfusedDeputyConditions';

  test('Noncompliance 1: a role trusted by Bedrock without conditions, or with only one', () => {
    const { app, stack } = newStack();
    new iam.Role(stack, 'Bare', { assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com') });
    new iam.Role(stack, 'Half', { assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': '111122223333' } } }) });
    expect(findings(app)[rule]).toEqual(['Test/Bare/Resource', 'Test/Half/Resource']);
  });

  test('Noncompliance 2: a Lambda permission and a Lex resource policy for Bedrock without them', () => {
    const { app, stack } = newStack();
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', `arn:aws:lambda:us-east-1:${DEFAULT_ENV.account}:function:f`);
    new lambda.CfnPermission(stack, 'Perm', { action: 'lambda:InvokeFunction', functionName: fn.functionArn, principal: 'bedrock.amazonaws.com', sourceAccount: DEFAULT_ENV.account });
    new lex.CfnResourcePolicy(stack, 'LexPolicy', {
      resourceArn: `arn:aws:lex:us-east-1:${DEFAULT_ENV.account}:bot-alias/BOT1234567/ALIAS12345`,
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'bedrock.amazonaws.com' }, Action: 'lex:RecognizeUtterance', Resource: '*' }] },
    });
    expect(findings(app)[rule]).toEqual(['Test/Perm', 'Test/LexPolicy']);
  });

  test('Noncompliance 3: conditions that only test that the keys are present (Null) restrict nothing', () => {
    const { app, stack } = newStack();
    new iam.Role(stack, 'Present', {
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com').withConditions({ Null: { 'aws:SourceAccount': 'false', 'aws:SourceArn': 'false' } }),
    });
    expect(findings(app)[rule]).toEqual(['Test/Present/Resource']);
  });

  test('Compliance: the agent and flow roles and their resource policies', () => {
    const { app, stack } = newStack();
    const agent = new AgentExecutionRole(stack, 'Agent', { models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')] });
    const flow = new FlowServiceRole(stack, 'Flow', { models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')] });
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', `arn:aws:lambda:us-east-1:${DEFAULT_ENV.account}:function:f`);
    agent.allowActionGroupInvocation(fn);
    flow.allowLegacyFunctionInvocation(fn);
    flow.allowLegacyLexInvocation(new lex.CfnBotAlias(stack, 'Alias', { botId: 'BOT1234567', botAliasName: 'prod' }));
    expect(findings(app)[rule]).toBeUndefined();
  });
});

describe('EnforcedPrincipalCallsAgentOrRag', () => {
  const rule = 'BedrockGuardrail-EnforcedPrincipalCallsAgentOrRag';

  test('Noncompliance 1: an invoker role that leaves the agents path open and also gets InvokeAgent', () => {
    const { app, stack } = newStack();
    const role = new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [guardrail()],
      models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')],
      allowUnguardedPaths: [InferencePath.AGENTS],
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeAgent'], resources: ['*'] }));
    expect(findings(app)[`${rule}[bedrock:InvokeAgent]`]).toEqual(['Test/Invoker/Resource']);
  });

  test('Compliance: an invoker role alone', () => {
    const { app, stack } = newStack();
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [guardrail()], models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')],
    });
    expect(findings(app)).toEqual({});
  });
});

describe('GuardrailWithoutCustomerManagedKey and AgentWithoutGuardrail', () => {
  test('Noncompliance: a guardrail without KmsKeyArn, an agent without guardrailConfiguration; Compliance with them', () => {
    const { app, stack } = newStack();
    const props = {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    };
    new bedrock.CfnGuardrail(stack, 'Plain', props);
    new bedrock.CfnGuardrail(stack, 'Encrypted', { ...props, kmsKeyArn: `arn:aws:kms:us-east-1:${DEFAULT_ENV.account}:key/k` });
    new bedrock.CfnAgent(stack, 'Unguarded', { agentName: 'a' });
    new bedrock.CfnAgent(stack, 'Guarded', { agentName: 'b', guardrailConfiguration: { guardrailIdentifier: 'abc123', guardrailVersion: '1' } });
    const f = findings(app);
    expect(f['BedrockGuardrail-GuardrailWithoutCustomerManagedKey']).toEqual(['Test/Plain']);
    expect(f['BedrockGuardrail-AgentWithoutGuardrail']).toEqual(['Test/Unguarded']);
  });
});

describe('as a validation plugin', () => {
  test('an error fails the synth; an acknowledgement with a reason lets it pass, one finding at a time', () => {
    const { app, stack } = newStack();
    Validations.of(app).addPlugins(new BedrockGuardrailChecks(app));
    const role = appRole(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModelWithGuardrail', 'bedrock:Converse'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/Acknowledge with 'BedrockGuardrail::BedrockGuardrail-NonexistentBedrockAction\[bedrock:Converse\]'/);

    const second = newStack();
    Validations.of(second.app).addPlugins(new BedrockGuardrailChecks(second.app));
    const role2 = appRole(second.stack);
    role2.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModelWithGuardrail'], resources: ['*'] }));
    Validations.of(role2).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-NonexistentBedrockAction[bedrock:InvokeModelWithGuardrail]', reason: 'Kept to show the rule' } as any);
    expect(() => second.app.synth()).not.toThrow();
  });

  test('a warning is reported and does not fail the synth, unless failOnWarnings or aws-cdk-lib\'s strict context asks', () => {
    const build = (props = {}, context = {}) => {
      const app = new App({ context });
      Validations.of(app).addPlugins(new BedrockGuardrailChecks(app, props));
      const stack = new Stack(app, 'Test', { env: { account: DEFAULT_ENV.account, region: 'us-east-1' } });
      new bedrock.CfnGuardrail(stack, 'NoKey', {
        name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no', wordPolicyConfig: { wordsConfig: [{ text: 'x' }] },
      });
      return app;
    };
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const lenient = build();
      expect(() => lenient.synth()).not.toThrow();
      expect(printed.mock.calls.flat().join('\n')).toMatch(/BedrockGuardrail-GuardrailWithoutCustomerManagedKey/);
      expect(new BedrockGuardrailChecks().validateScope(lenient)).toEqual(expect.objectContaining({ success: true }));
      expect(() => build({ failOnWarnings: true }).synth()).toThrow(/BedrockGuardrail-GuardrailWithoutCustomerManagedKey/);
      const strict = new BedrockGuardrailChecks(undefined, { failOnWarnings: true });
      expect(strict.validateScope(lenient)).toEqual(expect.objectContaining({ success: false }));
      expect(() => build({}, { '@aws-cdk/core:strictCfnValidateErrors': true }).synth()).toThrow(/BedrockGuardrail-GuardrailWithoutCustomerManagedKey/);
    } finally {
      printed.mockRestore();
    }
  });

  test('an acknowledgement covers its construct and what is under it, not another construct with the same finding', () => {
    const build = (where: 'one' | 'app', register = true) => {
      const { app, stack } = newStack();
      if (register) Validations.of(app).addPlugins(new BedrockGuardrailChecks(app));
      const reviewed = appRole(stack, 'Reviewed');
      const other = appRole(stack, 'Other');
      for (const role of [reviewed, other]) role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
      Validations.of(where === 'one' ? reviewed : app).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-GuardrailEnforcementMissing', reason: 'Reviewed: synthetic prompts only' } as any);
      return app;
    };
    // aws-cdk-lib matches acknowledgements by rule name across the app: the pack reports the other role as fatal.
    const report = new BedrockGuardrailChecks().validateScope(build('one', false));
    const missing = report.violations.filter(v => v.ruleName === 'BedrockGuardrail-GuardrailEnforcementMissing');
    expect(missing.map(v => [v.severity, v.violatingResources.map(r => r.constructPath)])).toEqual([['fatal', ['Test/Other/Resource']]]);
    expect(missing[0].description).toMatch(/Acknowledged on another construct/);
    expect(() => build('one').synth()).toThrow(/FATAL .*Acknowledged on another construct[\s\S]*Test\/Other\/Resource/);
    // On the App, it covers both.
    expect(() => build('app').synth()).not.toThrow();
  });

  test('the checker reads acknowledgements under aws-cdk-lib\'s metadata type', () => {
    expect(ACKNOWLEDGED_RULES).toBe(Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
  });

  test('failOnWarnings still fails on a warning when another finding is acknowledged', () => {
    const app = new App();
    Validations.of(app).addPlugins(new BedrockGuardrailChecks(app, { failOnWarnings: true }));
    const stack = new Stack(app, 'Test', { env: { account: DEFAULT_ENV.account, region: 'us-east-1' } });
    new bedrock.CfnGuardrail(stack, 'NoKey', {
      name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no', wordPolicyConfig: { wordsConfig: [{ text: 'x' }] },
    });
    const role = appRole(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModelWithGuardrail'], resources: ['*'] }));
    Validations.of(role).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-NonexistentBedrockAction[bedrock:InvokeModelWithGuardrail]', reason: 'Kept to show the rule' } as any);
    expect(() => app.synth()).toThrow(/BedrockGuardrail-GuardrailWithoutCustomerManagedKey/);
  });

  test('each run reads the tree as it is: a grant added between two runs in one test is found', () => {
    const { app, stack } = newStack();
    const role = appRole(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(findings(app)['BedrockGuardrail-GuardrailEnforcementMissing']).toBeUndefined();
    new iam.Policy(stack, 'Grant', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] })] });
    expect(findings(app)['BedrockGuardrail-GuardrailEnforcementMissing']).toEqual(['Test/App/Resource']);
  });

  test('writeSuppressionsToCloudFormation writes acknowledged findings to the resource metadata, and needs the scope', () => {
    const { app, stack } = newStack();
    Validations.of(app).addPlugins(new BedrockGuardrailChecks(app, { writeSuppressionsToCloudFormation: true }));
    const role = appRole(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModelWithGuardrail'], resources: ['*'] }));
    Validations.of(role).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-NonexistentBedrockAction[bedrock:InvokeModelWithGuardrail]', reason: 'Kept to show the rule' } as any);
    const json = app.synth().getStackByName('Test').template;
    expect(JSON.stringify(json)).toContain('rules_to_suppress');
    expect(() => new BedrockGuardrailChecks(undefined, { writeSuppressionsToCloudFormation: true })).toThrow(/needs the scope/);
    expect(new BedrockGuardrailChecks().readPackName).toBe('BedrockGuardrail');
  });
});

describe('EnforceGuardrails aspect', () => {
  test('adds the enforcement to principals that can invoke, so the rule passes and unguarded calls are denied', async () => {
    const { app, stack } = newStack();
    const role = appRole(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
    new iam.User(stack, 'Dev', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess')] });
    const untouched = appRole(stack, 'Storage');
    untouched.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    const agent = new AgentExecutionRole(stack, 'Agent', { models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')] });
    Aspects.of(app).add(new EnforceGuardrails({ guardrails: [guardrail()] }));

    const json = Template.fromStack(stack).toJSON();
    expect(findings(app)['BedrockGuardrail-GuardrailEnforcementMissing']).toBeUndefined();
    const policies = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'App'));
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: HAIKU_ARN, context: { 'bedrock:GuardrailIdentifier': `${G1}:1` } })).toBe('Allowed');
    expect(await decide([...policies, ALLOW_ALL], { action: 'bedrock:InvokeModel', resource: HAIKU_ARN })).toBe('ExplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: G1 })).toBe('Allowed');

    const annotations = Annotations.fromStack(stack);
    annotations.hasInfo('/Test/App', Match.stringLikeRegexp('EnforceGuardrails'));
    annotations.hasInfo('/Test/Dev', Match.stringLikeRegexp('EnforceGuardrails'));
    expect(annotations.findInfo('/Test/Storage', Match.anyValue())).toEqual([]);
    expect(annotations.findInfo(`/${agent.node.path}`, Match.anyValue())).toEqual([]);
    expect(JSON.stringify(json.Resources[logicalIdOf(json, 'AWS::IAM::Role', 'Agent')])).not.toContain('Deny');
  });

  test('an L1 role that can invoke gets a warning, not a silent skip', () => {
    const { app, stack } = newStack();
    new iam.CfnRole(stack, 'Raw', {
      assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonBedrockFullAccess'],
    });
    Aspects.of(app).add(new EnforceGuardrails({ guardrails: [guardrail()] }));
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasWarning('/Test/Raw', Match.stringLikeRegexp('EnforceGuardrails cannot add statements to this L1 principal'));
  });

  test('needs at least one guardrail', () => {
    expect(() => new EnforceGuardrails({ guardrails: [] })).toThrow(/EnforceGuardrails: guardrails is empty/);
  });

  const deniesWithoutGuardrail = (json: any, roleId: string) => Object.values(json.Resources as { [id: string]: any })
    .some(r => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles ?? []).includes(roleId)
      && JSON.stringify(r.Properties.PolicyDocument).includes('DenyInvokeWithoutApprovedGuardrail'));

  /** A role that can invoke (seen first), a role without grants yet, and the aspect. */
  const twoRoles = () => {
    const { app, stack } = newStack();
    appRole(stack, 'First').addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
    const late = appRole(stack, 'Late');
    Aspects.of(app).add(new EnforceGuardrails({ guardrails: [guardrail()] }));
    const grantLate = () => new iam.Policy(stack, 'LateGrant', { roles: [late], statements: [new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] })] });
    return { app, late, grantLate };
  };

  test('sees a grant that another aspect adds during the same synthesis, after it visited other principals', () => {
    const { app, late, grantLate } = twoRoles();
    Aspects.of(app).add({
      visit: node => {
        if (node === late) grantLate();
      },
    });
    const json = app.synth().getStackByName('Test').template;
    expect(deniesWithoutGuardrail(json, 'First')).toBe(true);
    expect(deniesWithoutGuardrail(json, 'Late')).toBe(true);
  });

  test('a second synthesis sees a grant added after the first', () => {
    const { app, grantLate } = twoRoles();
    expect(deniesWithoutGuardrail(app.synth().getStackByName('Test').template, 'Late')).toBe(false);
    grantLate();
    expect(deniesWithoutGuardrail(app.synth({ force: true }).getStackByName('Test').template, 'Late')).toBe(true);
  });
});

describe('the library does not load cdk-nag', () => {
  test('importing the library, and building and synthesizing its roles, does not load cdk-nag', () => {
    const script = [
      "const cdk = require('aws-cdk-lib'); const iam = require('aws-cdk-lib/aws-iam'); const m = require('./src');",
      "const app = new cdk.App(); const s = new cdk.Stack(app, 'S', { env: { account: '111122223333', region: 'us-east-1' } });",
      "const g = m.EnforcedGuardrail.fromArn('arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123', m.GuardrailVersion.numbered(1));",
      "const model = m.InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0');",
      "const invoker = new m.GuardrailEnforcedInvokerRole(s, 'I', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [g], models: [model] });",
      "new m.GuardrailEnforcementPolicy(s, 'P', { guardrails: [g], models: [model], roles: [iam.Role.fromRoleName(s, 'R', 'app')] });",
      "new m.AgentExecutionRole(s, 'A', { models: [model], guardrail: g }); new m.FlowServiceRole(s, 'F', { models: [model] });",
      "const key = new m.EncryptedGuardrailKey(s, 'K'); new m.GuardrailAdministratorRole(s, 'Adm', { assumedBy: new iam.AccountRootPrincipal(), encryptionKey: key });",
      'app.synth();',
      "const loaded = Object.keys(require.cache).some(k => k.includes('/node_modules/cdk-nag/'));",
      'console.log(JSON.stringify({ loaded }));',
    ].join(' ');
    const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: path.join(__dirname, '..', '..'),
      env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.dev.json' },
    }).toString();
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ loaded: false });
  });
});

import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CfnAgentAlias, CfnKnowledgeBase, CfnPrompt } from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CfnBotAlias } from 'aws-cdk-lib/aws-lex';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EnforcedGuardrail, FlowServiceRole, FlowServiceRoleProps, GuardrailVersion, InvokableModel } from '../../src';
import { DeployEnv, DEFAULT_ENV, resolveCfn } from '../sim/cfn';
import { decide, identityPoliciesOf, logicalIdOf, PolicyJson, trustPolicyOf } from '../sim/simulate';

const ACCOUNT = DEFAULT_ENV.account;
const REGION = DEFAULT_ENV.region;
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const fm = (id: string, region = REGION) => `arn:aws:bedrock:${region}::foundation-model/${id}`;
const flowArn = (id: string, account = ACCOUNT) => `arn:aws:bedrock:${REGION}:${account}:flow/${id}`;
const bedrock = (type: string, id: string) => `arn:aws:bedrock:${REGION}:${ACCOUNT}:${type}/${id}`;
const G1 = bedrock('guardrail', 'abc123');
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const FN_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:enrich`;
const BOT_ALIAS_ARN = `arn:aws:lex:${REGION}:${ACCOUNT}:bot-alias/BOT1234567/ALIAS12345`;
const ROOT_KEY_POLICY: PolicyJson = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};
const ENV: DeployEnv = {
  ...DEFAULT_ENV,
  refs: { Prompt: bedrock('prompt', 'PROMPT1234') },
  attributes: {
    'Alias.AgentAliasArn': bedrock('agent-alias', 'AGENT12345/ALIAS12345'),
    'BotAlias.Arn': BOT_ALIAS_ARN,
  },
};

const newStack = () => new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });

function synthFlowRole(props: (stack: Stack) => FlowServiceRoleProps, customize?: (role: FlowServiceRole, stack: Stack) => void) {
  const stack = newStack();
  const role = new FlowServiceRole(stack, 'FlowRole', props(stack));
  customize?.(role, stack);
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const id = logicalIdOf(json, 'AWS::IAM::Role', 'FlowRole');
  return { stack, role, template, json, id, policies: identityPoliciesOf(json, id, ENV), trust: trustPolicyOf(json, id) };
}

const basic = () => ({ models: [InvokableModel.foundationModel(HAIKU)] });
const assumeFrom = (arn: string, account = ACCOUNT, principal = 'bedrock.amazonaws.com') => ({
  action: 'sts:AssumeRole', principal, resource: `arn:aws:iam::${ACCOUNT}:role/FlowRole`, context: { 'aws:SourceAccount': account, 'aws:SourceArn': arn },
});

describe('trust', () => {
  test('only Bedrock, only for a flow (flow/, not flows/) of this account', async () => {
    const { trust } = synthFlowRole(basic);
    expect(await decide([], assumeFrom(flowArn('FLOW123456')), trust)).toBe('Allowed');
    expect(await decide([], assumeFrom(`arn:aws:bedrock:${REGION}:${ACCOUNT}:flows/FLOW123456`), trust)).toBe('ImplicitlyDenied');
    expect(await decide([], assumeFrom(bedrock('agent', 'FLOW123456')), trust)).toBe('ImplicitlyDenied');
    expect(await decide([], assumeFrom(flowArn('FLOW123456', '444455556666'), '444455556666'), trust)).toBe('ImplicitlyDenied');
    expect(await decide([], assumeFrom(flowArn('FLOW123456'), ACCOUNT, 'lambda.amazonaws.com'), trust)).toBe('ImplicitlyDenied');
  });

  test('flowIds scope the trust to those flows', async () => {
    const { trust } = synthFlowRole(() => ({ ...basic(), flowIds: ['FLOW123456'] }));
    expect(await decide([], assumeFrom(flowArn('FLOW123456')), trust)).toBe('Allowed');
    expect(await decide([], assumeFrom(flowArn('FLOW000000')), trust)).toBe('ImplicitlyDenied');
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': flowArn('FLOW123456') },
    });
  });
});

describe('statements as the Flows page names them (flows-permissions)', () => {
  /** Each statement's Sid and actions, in order. */
  const statements = (json: any, id: string) => identityPoliciesOf(json, id, ENV).flatMap(p => p.Statement).map((st: any) => [st.Sid, st.Action]);

  test('one statement per node kind, with its Sid and exactly its actions', () => {
    const { json, id } = synthFlowRole(stack => ({
      models: [
        InvokableModel.foundationModel(HAIKU),
        InvokableModel.provisionedModel(bedrock('provisioned-model', 'abcd1234efgh')),
        InvokableModel.customModel(bedrock('custom-model', 'abcd1234efgh')),
        InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, ['us-east-1', 'us-west-2']),
      ],
      agentAliases: [new CfnAgentAlias(stack, 'Alias', { agentId: 'AGENT12345', agentAliasName: 'prod' })],
      encryptionKeys: [kms.Key.fromKeyArn(stack, 'K', KEY_ARN)],
    }));
    expect(statements(json, id)).toEqual([
      ['InvokeModel', 'bedrock:InvokeModel'],
      ['InvokeProvisionedThroughput', ['bedrock:InvokeModel', 'bedrock:GetProvisionedModelThroughput']],
      ['InvokeCustomModel', ['bedrock:InvokeModel', 'bedrock:GetCustomModel']],
      ['InvokeInferenceProfile', ['bedrock:InvokeModel', 'bedrock:GetInferenceProfile']],
      ['InvokeModelThroughProfile1', 'bedrock:InvokeModel'],
      ['InvokeAgent', 'bedrock:InvokeAgent'],
      ['KMSPermissions', ['kms:GenerateDataKey', 'kms:Decrypt']],
    ]);
  });

  test('a custom model deployment alone: InvokeModel only (GetCustomModel authorizes custom-model ARNs only)', async () => {
    const deployment = bedrock('custom-model-deployment', 'abcd1234efgh');
    const { json, id, policies } = synthFlowRole(() => ({ models: [InvokableModel.customModel(deployment)] }));
    expect(statements(json, id)).toEqual([['InvokeModel', 'bedrock:InvokeModel']]);
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: deployment })).toBe('Allowed');
  });
});

describe('node permissions: allowed on the resource, denied on a neighbour', () => {
  test('models: foundation, Provisioned Throughput, custom model and deployment', async () => {
    const pt = bedrock('provisioned-model', 'abcd1234efgh');
    const custom = bedrock('custom-model', 'abcd1234efgh');
    const deployment = bedrock('custom-model-deployment', 'abcd1234efgh');
    const { policies, stack } = synthFlowRole(() => ({
      models: [
        InvokableModel.foundationModel(HAIKU),
        InvokableModel.provisionedModel(pt),
        InvokableModel.customModel(custom),
        InvokableModel.customModel(deployment),
      ],
    }));
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm(HAIKU) })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm('anthropic.claude-v2') })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: pt })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:GetProvisionedModelThroughput', resource: pt })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:GetCustomModel', resource: custom })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:GetCustomModel', resource: bedrock('custom-model', 'zzzz1234efgh') })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: deployment })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: bedrock('custom-model-deployment', 'zzzz1234efgh') })).toBe('ImplicitlyDenied');
    // InvokeModel on a custom-model ARN is as the Flows page writes it; the construct warns that IAM may not use it.
    Annotations.fromStack(stack).hasWarning('/Test/FlowRole', Match.stringLikeRegexp('no custom-model resource type'));
  });

  test('prompts: RenderPrompt on the prompt and its versions; GetPrompt only for legacy flows', async () => {
    const prompt = (stack: Stack) => new CfnPrompt(stack, 'Prompt', { name: 'summarize' });
    const { policies } = synthFlowRole(stack => ({ prompts: [prompt(stack)] }));
    expect(await decide(policies, { action: 'bedrock:RenderPrompt', resource: bedrock('prompt', 'PROMPT1234') })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:RenderPrompt', resource: bedrock('prompt', 'PROMPT1234:3') })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:RenderPrompt', resource: bedrock('prompt', 'PROMPT9999') })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:GetPrompt', resource: bedrock('prompt', 'PROMPT1234') })).toBe('ImplicitlyDenied');
    const legacy = synthFlowRole(stack => ({ prompts: [prompt(stack)], legacyPromptAccess: true }));
    expect(await decide(legacy.policies, { action: 'bedrock:GetPrompt', resource: bedrock('prompt', 'PROMPT1234') })).toBe('Allowed');
  });

  test('knowledge bases and agent aliases', async () => {
    const { policies } = synthFlowRole(stack => ({
      knowledgeBases: [CfnKnowledgeBase.fromKnowledgeBaseId(stack, 'Kb', 'KB12345678')],
      agentAliases: [new CfnAgentAlias(stack, 'Alias', { agentId: 'AGENT12345', agentAliasName: 'prod' })],
    }));
    expect(await decide(policies, { action: 'bedrock:Retrieve', resource: bedrock('knowledge-base', 'KB12345678') })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:Retrieve', resource: bedrock('knowledge-base', 'KB00000000') })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:RetrieveAndGenerate', resource: '*' })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:InvokeAgent', resource: bedrock('agent-alias', 'AGENT12345/ALIAS12345') })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeAgent', resource: bedrock('agent-alias', 'AGENT00000/ALIAS12345') })).toBe('ImplicitlyDenied');
  });

  test('S3 nodes: reads and writes only under their prefixes, only in this account', async () => {
    const { policies } = synthFlowRole(stack => ({
      inputBuckets: [{ bucket: s3.Bucket.fromBucketName(stack, 'In', 'flow-input') }],
      outputBuckets: [{ bucket: s3.Bucket.fromBucketName(stack, 'Out', 'flow-output'), keyPrefix: 'summaries/' }],
    }));
    const obj = (action: string, bucket: string, key: string, account = ACCOUNT) => ({
      action, resource: `arn:aws:s3:::${bucket}/${key}`, resourceAccount: account, context: { 'aws:ResourceAccount': account },
    });
    expect(await decide(policies, obj('s3:GetObject', 'flow-input', 'any/key.txt'))).toBe('Allowed');
    expect(await decide(policies, obj('s3:GetObject', 'flow-input', 'any/key.txt', '444455556666'))).toBe('ImplicitlyDenied');
    expect(await decide(policies, obj('s3:PutObject', 'flow-input', 'any/key.txt'))).toBe('ImplicitlyDenied');
    expect(await decide(policies, obj('s3:PutObject', 'flow-output', 'summaries/2026/11/a.json'))).toBe('Allowed');
    expect(await decide(policies, obj('s3:PutObject', 'flow-output', 'other/a.json'))).toBe('ImplicitlyDenied');
    expect(await decide(policies, obj('s3:PutObject', 'flow-output', 'summaries-old/a.json'))).toBe('ImplicitlyDenied');
    expect(await decide(policies, obj('s3:GetObject', 'flow-output', 'summaries/a.json'))).toBe('ImplicitlyDenied');
  });

  test('Lambda and Lex nodes, with the role itself (flows after 2024-11-22)', async () => {
    const { policies, json } = synthFlowRole(stack => ({
      functions: [lambda.Function.fromFunctionArn(stack, 'Fn', FN_ARN)],
      lexBotAliases: [new CfnBotAlias(stack, 'BotAlias', { botId: 'BOT1234567', botAliasName: 'prod' })],
    }));
    expect(await decide(policies, { action: 'lambda:InvokeFunction', resource: FN_ARN })).toBe('Allowed');
    expect(await decide(policies, { action: 'lambda:InvokeFunction', resource: FN_ARN.replace('enrich', 'other') })).toBe('ImplicitlyDenied');
    // The simulator's data gives the Lex bot-alias resource type two ARN formats in one string and cannot
    // match either, so the Lex statement is checked as written.
    const lex = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'FlowRole'), ENV)[0].Statement.find((st: any) => st.Sid === 'AmazonLexPermissions');
    expect(lex).toEqual({ Sid: 'AmazonLexPermissions', Effect: 'Allow', Action: 'lex:RecognizeUtterance', Resource: BOT_ALIAS_ARN });
  });

  test('guardrails: ApplyGuardrail and kms:Decrypt, no enforcement Deny', async () => {
    const { policies, json } = synthFlowRole(stack => ({
      ...basic(),
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1), { encryptionKey: kms.Key.fromKeyArn(stack, 'GK', KEY_ARN) })],
    }));
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: G1 })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: bedrock('guardrail', 'zzz999') })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'kms:Decrypt', resource: KEY_ARN }, ROOT_KEY_POLICY)).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm(HAIKU) })).toBe('Allowed');
    expect(JSON.stringify(json)).not.toContain('"Deny"');
  });

  test('keys of encrypted resources: GenerateDataKey and Decrypt, keys of this account only', async () => {
    const { policies } = synthFlowRole(stack => ({ encryptionKeys: [kms.Key.fromKeyArn(stack, 'K', KEY_ARN)] }));
    const use = (action: string, account = ACCOUNT) => ({ action, resource: KEY_ARN, resourceAccount: account, context: { 'aws:ResourceAccount': account } });
    expect(await decide(policies, use('kms:GenerateDataKey'), ROOT_KEY_POLICY)).toBe('Allowed');
    expect(await decide(policies, use('kms:Decrypt'), ROOT_KEY_POLICY)).toBe('Allowed');
    expect(await decide(policies, use('kms:Encrypt'), ROOT_KEY_POLICY)).toBe('ImplicitlyDenied');
    expect(await decide(policies, use('kms:Decrypt', '444455556666'), ROOT_KEY_POLICY)).toBe('ImplicitlyDenied');
  });

  test('add* after construction', async () => {
    const { policies, role } = synthFlowRole(basic, (r, stack) => {
      r.addModel(InvokableModel.foundationModel('amazon.nova-pro-v1:0'));
      r.addFunction(lambda.Function.fromFunctionArn(stack, 'Fn', FN_ARN));
      r.addKnowledgeBase(CfnKnowledgeBase.fromKnowledgeBaseId(stack, 'Kb', 'KB12345678'));
      r.addOutputBucket({ bucket: s3.Bucket.fromBucketName(stack, 'Out', 'flow-output') });
    });
    expect(role.models).toHaveLength(2);
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm('amazon.nova-pro-v1:0') })).toBe('Allowed');
    expect(await decide(policies, { action: 'lambda:InvokeFunction', resource: FN_ARN })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:Retrieve', resource: bedrock('knowledge-base', 'KB12345678') })).toBe('Allowed');
    expect(await decide(policies, {
      action: 's3:PutObject', resource: 'arn:aws:s3:::flow-output/x', context: { 'aws:ResourceAccount': ACCOUNT },
    })).toBe('Allowed');
  });
});

describe('flow encryption with a customer managed key', () => {
  test('the role, the callers and the key policy get the documented statement with the flows context', () => {
    const stack = newStack();
    const role = new FlowServiceRole(stack, 'FlowRole', { ...basic(), flowIds: ['FLOW123456'] });
    const key = new kms.Key(stack, 'FlowKey');
    const caller = new iam.Role(stack, 'Builder', { assumedBy: new iam.AccountRootPrincipal() });
    role.grantFlowEncryption(key, [caller]);
    const template = Template.fromStack(stack);
    const json = template.toJSON();
    const env: DeployEnv = { ...DEFAULT_ENV, attributes: { [`${logicalIdOf(json, 'AWS::KMS::Key', 'FlowKey')}.Arn`]: KEY_ARN, [`${logicalIdOf(json, 'AWS::IAM::Role', 'Builder')}.Arn`]: `arn:aws:iam::${ACCOUNT}:role/Builder` } };
    const conditions = {
      StringEquals: { 'kms:ViaService': `bedrock.${REGION}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:aws:bedrock-flows:arn': flowArn('FLOW123456') },
    };
    const roleStatements = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'FlowRole'), env).flatMap(p => p.Statement);
    expect(roleStatements).toContainEqual({ Sid: 'FlowEncryption', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY_ARN, Condition: conditions });
    const callerStatements = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'Builder'), env).flatMap(p => p.Statement);
    expect(callerStatements).toContainEqual({ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY_ARN, Condition: conditions });
    const keyPolicy = resolveCfn(json.Resources[logicalIdOf(json, 'AWS::KMS::Key', 'FlowKey')].Properties.KeyPolicy, env);
    expect(keyPolicy.Statement).toContainEqual({
      Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Builder` }, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*', Condition: conditions,
    });
    expect(JSON.stringify(json)).not.toMatch(/"kms:EncryptionContext"/);
  });

  test('an imported key gets a warning that its key policy is the user\'s to set', () => {
    const stack = newStack();
    const role = new FlowServiceRole(stack, 'FlowRole', basic());
    role.grantFlowEncryption(kms.Key.fromKeyArn(stack, 'K', KEY_ARN), [new iam.Role(stack, 'Builder', { assumedBy: new iam.AccountRootPrincipal() })]);
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasWarning('/Test/FlowRole', Match.stringLikeRegexp('is imported \\(or an L1 CfnKey\\), so its key policy could not be changed'));
  });
});

describe('legacy flows (before 2024-11-22): resource-based policies for the Bedrock service', () => {
  test('Lambda permission and Lex resource policy with SourceAccount and the flow ARN (flow/, not flows/)', () => {
    const stack = newStack();
    const role = new FlowServiceRole(stack, 'FlowRole', basic());
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', FN_ARN);
    const flow = { flowRef: { flowArn: flowArn('FLOW123456') }, node: stack.node, env: { account: ACCOUNT, region: REGION } } as any;
    role.allowLegacyFunctionInvocation(fn, flow);
    role.allowLegacyFunctionInvocation(fn);
    role.allowLegacyLexInvocation(new CfnBotAlias(stack, 'BotAlias', { botId: 'BOT1234567', botAliasName: 'prod' }), flow);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction', FunctionName: FN_ARN, Principal: 'bedrock.amazonaws.com', SourceAccount: ACCOUNT, SourceArn: `${flowArn('FLOW123456')}*`,
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:${REGION}:${ACCOUNT}:flow/*`]] },
    });
    template.hasResourceProperties('AWS::Lex::ResourcePolicy', {
      ResourceArn: { 'Fn::GetAtt': ['BotAlias', 'Arn'] },
      Policy: {
        Version: '2012-10-17',
        Statement: [{
          Sid: 'AllowBedrockFlows',
          Effect: 'Allow',
          Principal: { Service: 'bedrock.amazonaws.com' },
          Action: 'lex:RecognizeUtterance',
          Resource: { 'Fn::GetAtt': ['BotAlias', 'Arn'] },
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `${flowArn('FLOW123456')}*` } },
        }],
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain(':flows/');
  });
});

describe('bad input', () => {
  test.each(['abc', 'FLOW1234567', 'flows/FLOW123456'])('malformed flow ID %p', flowId => {
    expect(() => new FlowServiceRole(newStack(), 'R', { ...basic(), flowIds: [flowId] })).toThrow(/Test\/R: '.*' in flowIds is not a flow ID. Fix:/);
  });

  test.each([
    ['an empty prefix', '', /has an empty keyPrefix. Fix: omit keyPrefix/],
    ['a wildcard prefix', 'out/*', /has a wildcard/],
    ['a leading slash', '/out/', /starts with '\/'.*Fix: write it as 'out\/'/],
  ])('an output bucket with %s', (_label, keyPrefix, message) => {
    const stack = newStack();
    expect(() => new FlowServiceRole(stack, 'R', { outputBuckets: [{ bucket: s3.Bucket.fromBucketName(stack, 'B', 'flow-output'), keyPrefix }] })).toThrow(message);
  });

  test('a prefix without a trailing slash warns', () => {
    const { stack } = synthFlowRole(s => ({ outputBuckets: [{ bucket: s3.Bucket.fromBucketName(s, 'B', 'flow-output'), keyPrefix: 'reports' }] }));
    Annotations.fromStack(stack).hasWarning('/Test/FlowRole', Match.stringLikeRegexp("The keyPrefix 'reports' in outputBuckets also matches"));
  });

  test('a role with no permissions at all fails the synth', () => {
    const stack = newStack();
    new FlowServiceRole(stack, 'R');
    expect(() => Template.fromStack(stack)).toThrow(/The flow role has no permissions/);
  });
});

test('grantFlowEncryption returns the grant and takes any key reference (an L1 CfnKey too)', () => {
  const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
  const role = new FlowServiceRole(stack, 'FlowRole', { models: [InvokableModel.foundationModel(HAIKU)] });
  const key = new kms.CfnKey(stack, 'L1Key', { keyPolicy: { Version: '2012-10-17', Statement: [] } });
  const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
  const grant = role.grantFlowEncryption(key, [caller]);
  expect(grant.success).toBe(true);
  expect(grant.principalStatements.length).toBeGreaterThanOrEqual(2);
  const json = Template.fromStack(stack).toJSON();
  const callerPolicy = JSON.stringify(json.Resources[Object.keys(json.Resources).find(id => id.startsWith('CallerDefaultPolicy'))!]);
  expect(callerPolicy).toContain('kms:EncryptionContext:aws:bedrock-flows:arn');
  Annotations.fromStack(stack).hasWarning('/Test/FlowRole', Match.stringLikeRegexp('is imported \\(or an L1 CfnKey\\), so its key policy could not be changed'));
});

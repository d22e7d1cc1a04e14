import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnAgent, CfnAgentAlias, CfnKnowledgeBase } from 'aws-cdk-lib/aws-bedrock';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AgentExecutionRole, AgentExecutionRoleProps, EnforcedGuardrail, GuardrailProfile, GuardrailVersion, InvokableModel } from '../../src';
import { DeployEnv, DEFAULT_ENV, resolveCfn } from '../sim/cfn';
import { dependsOn, resourcesInCycles } from '../sim/graph';
import { decide, identityPoliciesOf, logicalIdOf, PolicyJson, trustPolicyOf } from '../sim/simulate';

const ACCOUNT = DEFAULT_ENV.account;
const REGION = DEFAULT_ENV.region;
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const fm = (id: string, region = REGION) => `arn:aws:bedrock:${region}::foundation-model/${id}`;
const agentArn = (id: string, account = ACCOUNT) => `arn:aws:bedrock:${REGION}:${account}:agent/${id}`;
const kbArn = (id: string) => `arn:aws:bedrock:${REGION}:${ACCOUNT}:knowledge-base/${id}`;
const aliasArn = (agent: string, alias: string) => `arn:aws:bedrock:${REGION}:${ACCOUNT}:agent-alias/${agent}/${alias}`;
const G1 = `arn:aws:bedrock:${REGION}:${ACCOUNT}:guardrail/abc123`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:pinecone-AbCdEf`;
const ROOT_KEY_POLICY: PolicyJson = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};
const ENV: DeployEnv = {
  ...DEFAULT_ENV,
  attributes: { 'Alias.AgentAliasArn': aliasArn('COLLAB0001', 'ALIAS00001') },
};

function synthAgentRole(props: Partial<AgentExecutionRoleProps> = {}, customize?: (role: AgentExecutionRole, stack: Stack) => void) {
  const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
  const role = new AgentExecutionRole(stack, 'AgentRole', { models: [InvokableModel.foundationModel(HAIKU)], ...props });
  customize?.(role, stack);
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const id = logicalIdOf(json, 'AWS::IAM::Role', 'AgentRole');
  return { stack, role, template, json, id, policies: identityPoliciesOf(json, id, ENV), trust: trustPolicyOf(json, id) };
}

const assume = (principal: string, context: { [key: string]: string }) => ({
  action: 'sts:AssumeRole', principal, resource: `arn:aws:iam::${ACCOUNT}:role/AgentRole`, context,
});
const fromAgent = (arn: string, account = ACCOUNT) => assume('bedrock.amazonaws.com', { 'aws:SourceAccount': account, 'aws:SourceArn': arn });

describe('trust', () => {
  test('only Bedrock, only for an agent of this account and Region', async () => {
    const { trust } = synthAgentRole();
    expect(await decide([], fromAgent(agentArn('AB12CD34EF')), trust)).toBe('Allowed');
    expect(await decide([], fromAgent(agentArn('AB12CD34EF', '444455556666'), '444455556666'), trust)).toBe('ImplicitlyDenied');
    expect(await decide([], fromAgent(agentArn('AB12CD34EF'), '444455556666'), trust)).toBe('ImplicitlyDenied');
    expect(await decide([], fromAgent(`arn:aws:bedrock:${REGION}:${ACCOUNT}:flow/AB12CD34EF`), trust)).toBe('ImplicitlyDenied');
    expect(await decide([], fromAgent(`arn:aws:bedrock:eu-west-1:${ACCOUNT}:agent/AB12CD34EF`), trust)).toBe('ImplicitlyDenied');
    expect(await decide([], assume('bedrock.amazonaws.com', {}), trust)).toBe('ImplicitlyDenied');
    expect(await decide([], assume('lambda.amazonaws.com', { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': agentArn('AB12CD34EF') }), trust)).toBe('ImplicitlyDenied');
  });

  test('agentIds scope the trust to those agents', async () => {
    const { trust } = synthAgentRole({ agentIds: ['AB12CD34EF', 'ZZ99YY88XX'] });
    expect(await decide([], fromAgent(agentArn('AB12CD34EF')), trust)).toBe('Allowed');
    expect(await decide([], fromAgent(agentArn('ZZ99YY88XX')), trust)).toBe('Allowed');
    expect(await decide([], fromAgent(agentArn('QQ11WW22EE')), trust)).toBe('ImplicitlyDenied');
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Service: 'bedrock.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': [agentArn('AB12CD34EF'), agentArn('ZZ99YY88XX')] },
        },
      }],
    });
  });
});

describe('role name', () => {
  test('defaults to the console prefix plus a unique suffix within 64 characters', () => {
    const { json, id } = synthAgentRole();
    const name = json.Resources[id].Properties.RoleName;
    expect(name).toMatch(/^AmazonBedrockExecutionRoleForAgents_[A-Za-z0-9]+$/);
    expect(name.length).toBeLessThanOrEqual(64);
    const stack = new Stack(new App(), 'AVeryLongStackNameThatKeepsGoingAndGoingForeverAndEver');
    new AgentExecutionRole(stack, 'X'.repeat(80), { models: [InvokableModel.foundationModel(HAIKU)] });
    const [long] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role')).map(r => r.Properties.RoleName);
    expect(long).toMatch(/^AmazonBedrockExecutionRoleForAgents_/);
    expect(long.length).toBe(64);
  });

  test('two roles get different names; roleName overrides', () => {
    const { json } = synthAgentRole({}, (_r, stack) => new AgentExecutionRole(stack, 'Second', { models: [InvokableModel.foundationModel(HAIKU)] }));
    const names = Object.values(json.Resources as { [id: string]: any }).filter(r => r.Type === 'AWS::IAM::Role').map(r => r.Properties.RoleName);
    expect(new Set(names).size).toBe(2);
    const custom = synthAgentRole({ roleName: 'my-agent-role' });
    expect(custom.json.Resources[custom.id].Properties.RoleName).toBe('my-agent-role');
  });
});

describe('models', () => {
  test('a foundation model: InvokeModel on it, nothing on its neighbours', async () => {
    const { policies } = synthAgentRole();
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm(HAIKU) })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm('anthropic.claude-v2') })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm(HAIKU, 'us-west-2') })).toBe('ImplicitlyDenied');
  });

  test('no guardrail enforcement on the agent role: its own calls need no guardrail', async () => {
    const { policies, json } = synthAgentRole({ guardrail: EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1)) });
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm(HAIKU) })).toBe('Allowed');
    expect(JSON.stringify(json)).not.toContain('GuardrailIdentifier');
    expect(JSON.stringify(json)).not.toContain('"Deny"');
  });

  test('a cross-Region profile: the profile with the documented extra actions, the models only through it', async () => {
    const profile = `us.${HAIKU}`;
    const profileArn = `arn:aws:bedrock:${REGION}:${ACCOUNT}:inference-profile/${profile}`;
    const { policies } = synthAgentRole({ models: [InvokableModel.crossRegionInferenceProfile(profile, ['us-east-1', 'us-east-2', 'us-west-2'])] });
    for (const action of ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:GetInferenceProfile']) {
      expect(await decide(policies, { action, resource: profileArn })).toBe('Allowed');
    }
    const through = { 'bedrock:InferenceProfileArn': profileArn };
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm(HAIKU, 'us-east-2'), context: through })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeModelWithResponseStream', resource: fm(HAIKU, 'us-west-2'), context: through })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm(HAIKU, 'us-east-2') })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:GetFoundationModel', resource: fm(HAIKU, 'us-east-2') })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: fm(HAIKU, 'eu-west-1'), context: through })).toBe('ImplicitlyDenied');
  });

  test('Provisioned Throughput: InvokeModel and GetProvisionedModelThroughput on it only', async () => {
    const pt = `arn:aws:bedrock:${REGION}:${ACCOUNT}:provisioned-model/abcd1234efgh`;
    const { policies } = synthAgentRole({ models: [InvokableModel.provisionedModel(pt)] });
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: pt })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:GetProvisionedModelThroughput', resource: pt })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: pt.replace('abcd', 'zzzz') })).toBe('ImplicitlyDenied');
  });
});

describe('action groups, knowledge bases, collaborators', () => {
  test('s3:GetObject on exactly the schema objects, in this account', async () => {
    const { policies, template } = synthAgentRole({ actionGroupSchemas: [{ bucketName: 'schemas-bucket', objectKey: 'agents/orders.yaml' }] });
    const get = (key: string, account = ACCOUNT) => ({
      action: 's3:GetObject', resource: `arn:aws:s3:::schemas-bucket/${key}`, resourceAccount: account, context: { 'aws:ResourceAccount': account },
    });
    expect(await decide(policies, get('agents/orders.yaml'))).toBe('Allowed');
    expect(await decide(policies, get('agents/other.yaml'))).toBe('ImplicitlyDenied');
    expect(await decide(policies, get('agents/orders.yaml', '444455556666'))).toBe('ImplicitlyDenied');
    expect(await decide(policies, { ...get('agents/orders.yaml'), action: 's3:PutObject' })).toBe('ImplicitlyDenied');
    template.hasResourceProperties('AWS::IAM::Role', {
      Policies: [{ PolicyName: 'AgentPermissions', PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AgentActionGroupS3', Condition: { StringEquals: { 'aws:ResourceAccount': ACCOUNT } } })]) } }],
    });
  });

  test('bedrock:Retrieve on the knowledge bases; RetrieveAndGenerate only when asked, on *', async () => {
    const { policies } = synthAgentRole({}, (role, stack) => role.addKnowledgeBase(CfnKnowledgeBase.fromKnowledgeBaseArn(stack, 'KB', kbArn('KB12345678'))));
    expect(await decide(policies, { action: 'bedrock:Retrieve', resource: kbArn('KB12345678') })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:Retrieve', resource: kbArn('KB00000000') })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:RetrieveAndGenerate', resource: '*' })).toBe('ImplicitlyDenied');
    const rag = synthAgentRole({ allowRetrieveAndGenerate: true });
    expect(await decide(rag.policies, { action: 'bedrock:RetrieveAndGenerate', resource: '*' })).toBe('Allowed');
  });

  test('a third-party knowledge base only with its credentials secret', async () => {
    const { policies } = synthAgentRole({}, (role, stack) => role.addThirdPartyKnowledgeBaseSecret(secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', SECRET_ARN)));
    const associate = (secret: string) => ({
      action: 'bedrock:AssociateThirdPartyKnowledgeBase', resource: '*', context: { 'bedrock:ThirdPartyKnowledgeBaseCredentialsSecretArn': secret },
    });
    expect(await decide(policies, associate(SECRET_ARN))).toBe('Allowed');
    expect(await decide(policies, associate(SECRET_ARN.replace('pinecone', 'other')))).toBe('ImplicitlyDenied');
    expect(await decide(policies, associate(KEY_ARN))).toBe('ImplicitlyDenied');
  });

  test('collaborators: GetAgentAlias and InvokeAgent on their aliases only', async () => {
    const { policies } = synthAgentRole({}, (role, stack) => {
      const alias = new CfnAgentAlias(stack, 'Alias', { agentId: 'COLLAB0001', agentAliasName: 'prod' });
      role.addCollaborator(alias);
    });
    for (const action of ['bedrock:GetAgentAlias', 'bedrock:InvokeAgent']) {
      expect(await decide(policies, { action, resource: aliasArn('COLLAB0001', 'ALIAS00001') })).toBe('Allowed');
      expect(await decide(policies, { action, resource: aliasArn('COLLAB0002', 'ALIAS00001') })).toBe('ImplicitlyDenied');
    }
  });

  test('guardrail: ApplyGuardrail with its profile, kms:Decrypt on its key', async () => {
    const { policies } = synthAgentRole({}, undefined);
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: G1 })).toBe('ImplicitlyDenied');
    const stack = new Stack(new App(), 'G', { env: { account: ACCOUNT, region: REGION } });
    const guardrail = EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(2), {
      encryptionKey: kms.Key.fromKeyArn(stack, 'K', KEY_ARN),
      guardrailProfile: GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east-2']),
    });
    const g = synthAgentRole({ guardrail });
    expect(await decide(g.policies, { action: 'bedrock:ApplyGuardrail', resource: G1 })).toBe('Allowed');
    expect(await decide(g.policies, { action: 'bedrock:ApplyGuardrail', resource: `arn:aws:bedrock:us-east-2:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0` })).toBe('Allowed');
    expect(await decide(g.policies, { action: 'kms:Decrypt', resource: KEY_ARN }, ROOT_KEY_POLICY)).toBe('Allowed');
    expect(await decide(g.policies, { action: 'kms:GenerateDataKey', resource: KEY_ARN }, ROOT_KEY_POLICY)).toBe('ImplicitlyDenied');
    // A guardrail with a cross-Region profile: the agent also reads it (GetGuardrail), on that guardrail only.
    expect(await decide(g.policies, { action: 'bedrock:GetGuardrail', resource: G1 })).toBe('Allowed');
    expect(await decide(g.policies, { action: 'bedrock:GetGuardrail', resource: G1.replace('abc123', 'zzz999') })).toBe('ImplicitlyDenied');
    const noProfile = synthAgentRole({ guardrail: EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(2)) });
    expect(await decide(noProfile.policies, { action: 'bedrock:GetGuardrail', resource: G1 })).toBe('ImplicitlyDenied');
  });

  test('agent CMK: GenerateDataKey and Decrypt only for this account\'s agents\' encryption context', () => {
    const { policies } = synthAgentRole({}, undefined);
    expect(policies[0].Statement.some((s: any) => s.Sid === 'EncryptDecryptAgents')).toBe(false);
    const stack = new Stack(new App(), 'K', { env: { account: ACCOUNT, region: REGION } });
    const k = synthAgentRole({ encryptionKey: kms.Key.fromKeyArn(stack, 'K', KEY_ARN), agentIds: ['AB12CD34EF'] });
    // The simulator ignores kms:EncryptionContext:KEY context keys (it matches variable keys only after a
    // '/'), so this statement is checked as written rather than simulated.
    expect(k.policies[0].Statement.find((s: any) => s.Sid === 'EncryptDecryptAgents')).toEqual({
      Sid: 'EncryptDecryptAgents',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: KEY_ARN,
      Condition: { StringLike: { 'kms:EncryptionContext:aws:bedrock:arn': agentArn('AB12CD34EF') } },
    });
  });
});

describe('statements as the Agents page names them (agents-permissions)', () => {
  test('one statement per permission, with its Sid and exactly its actions', () => {
    const pt = `arn:aws:bedrock:${REGION}:${ACCOUNT}:provisioned-model/abcd1234efgh`;
    const models = [InvokableModel.foundationModel(HAIKU), InvokableModel.provisionedModel(pt)];
    const { policies } = synthAgentRole({ models, allowRetrieveAndGenerate: true }, (role, stack) => {
      role.addThirdPartyKnowledgeBaseSecret(secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', SECRET_ARN));
      role.addCollaborator(new CfnAgentAlias(stack, 'Alias', { agentId: 'COLLAB0001', agentAliasName: 'prod' }));
    });
    expect(policies.flatMap(p => p.Statement).map((st: any) => [st.Sid, st.Action])).toEqual([
      ['AgentModelInvocationPermissions', 'bedrock:InvokeModel'],
      ['AgentProvisionedThroughput', ['bedrock:InvokeModel', 'bedrock:GetProvisionedModelThroughput']],
      ['AgentRetrieveAndGenerate', 'bedrock:RetrieveAndGenerate'],
      ['Agent3PKnowledgeBase', 'bedrock:AssociateThirdPartyKnowledgeBase'],
      ['AgentMultiAgentCollaboration', ['bedrock:GetAgentAlias', 'bedrock:InvokeAgent']],
    ]);
  });
});

describe('with a CfnAgent and an action-group Lambda', () => {
  function agentApp() {
    const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
    const bucket = new s3.Bucket(stack, 'Schemas');
    const fn = new lambda.Function(stack, 'Orders', {
      runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    const role = new AgentExecutionRole(stack, 'AgentRole', {
      models: [InvokableModel.foundationModel(HAIKU)],
      actionGroupSchemas: [{ bucketName: bucket.bucketName, objectKey: 'orders.yaml' }],
    });
    const agent = new CfnAgent(stack, 'Agent', {
      agentName: 'orders',
      agentResourceRoleArn: role.roleArn,
      foundationModel: HAIKU,
      instruction: 'You help customers with their orders, politely and briefly.',
      actionGroups: [{
        actionGroupName: 'orders',
        actionGroupExecutor: { lambda: fn.functionArn },
        apiSchema: { s3: { s3BucketName: bucket.bucketName, s3ObjectKey: 'orders.yaml' } },
      }],
    });
    const permission = role.allowActionGroupInvocation(fn, agent);
    bucket.grantRead(role); // a later grant, as users write them
    const template = Template.fromStack(stack);
    return { template, json: template.toJSON(), permission };
  }

  test('no dependency cycle; the agent comes after the role and all of its permissions', () => {
    const { json } = agentApp();
    expect(resourcesInCycles(json)).toEqual([]);
    const agent = logicalIdOf(json, 'AWS::Bedrock::Agent', 'Agent');
    expect(dependsOn(json, agent, logicalIdOf(json, 'AWS::IAM::Role', 'AgentRole'))).toBe(true);
    // Every permission of the role is inline in the role itself, including the later bucket grant.
    expect(Object.values(json.Resources as { [id: string]: any }).filter(r => r.Type === 'AWS::IAM::Policy')).toHaveLength(0);
    const role = json.Resources[logicalIdOf(json, 'AWS::IAM::Role', 'AgentRole')];
    const doc = JSON.stringify(resolveCfn(role.Properties.Policies, { ...DEFAULT_ENV, refs: { [logicalIdOf(json, 'AWS::S3::Bucket', 'Schemas')]: 'schemas' }, attributes: { [`${logicalIdOf(json, 'AWS::S3::Bucket', 'Schemas')}.Arn`]: 'arn:aws:s3:::schemas' } }));
    expect(doc).toContain('s3:GetBucket*');
  });

  test('the Lambda permission: Bedrock, this account, this agent', () => {
    const { template } = agentApp();
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Orders'), 'Arn'] },
      Principal: 'bedrock.amazonaws.com',
      SourceAccount: ACCOUNT,
      SourceArn: { 'Fn::GetAtt': ['Agent', 'AgentArn'] },
    });
  });

  test('without an agent, the permission covers every agent of the account in the Region', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:orders`);
    const role = new AgentExecutionRole(stack, 'AgentRole', { models: [InvokableModel.foundationModel(HAIKU)] });
    role.allowActionGroupInvocation(fn);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'bedrock.amazonaws.com',
      SourceAccount: ACCOUNT,
      SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:${REGION}:${ACCOUNT}:agent/*`]] },
    });
  });
});

describe('bad input', () => {
  const stack = () => new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });

  test.each(['abc', 'AB12CD34EF1', 'AB12-D34EF', 'agent/AB12CD34EF'])('malformed agent ID %p', agentId => {
    expect(() => new AgentExecutionRole(stack(), 'R', { models: [InvokableModel.foundationModel(HAIKU)], agentIds: [agentId] }))
      .toThrow(/Test\/R: '.*' in agentIds is not an agent ID. Fix:/);
  });

  test('empty agentIds and empty models', () => {
    expect(() => new AgentExecutionRole(stack(), 'R', { models: [InvokableModel.foundationModel(HAIKU)], agentIds: [] })).toThrow(/Test\/R: agentIds is empty/);
    expect(() => new AgentExecutionRole(stack(), 'R', { models: [] })).toThrow(/Test\/R: models is empty.*Fix:/);
  });

  test.each([
    ['no key', { bucketName: 'b', objectKey: '' }, /has no object key/],
    ['a wildcard key', { bucketName: 'b', objectKey: 'schemas/*' }, /has the wildcard key 'schemas\/\*'/],
  ])('a schema location with %s', (_label, location, message) => {
    expect(() => new AgentExecutionRole(stack(), 'R', { models: [InvokableModel.foundationModel(HAIKU)], actionGroupSchemas: [location] }))
      .toThrow(message);
  });

  test('a secret imported by name cannot be used in the condition', () => {
    const s = stack();
    const role = new AgentExecutionRole(s, 'R', { models: [InvokableModel.foundationModel(HAIKU)] });
    expect(() => role.addThirdPartyKnowledgeBaseSecret(secretsmanager.Secret.fromSecretNameV2(s, 'S', 'pinecone')))
      .toThrow(/Test\/R: the secret Test\/S was imported by name or partial ARN.*fromSecretCompleteArn/);
  });
});

describe('agentIds that name an agent of the same stack', () => {
  const agent = (stack: Stack, id: string, roleArn: string) => new CfnAgent(stack, id, {
    agentName: id, foundationModel: HAIKU, agentResourceRoleArn: roleArn, instruction: 'Answer questions about orders, politely and briefly.',
  });

  test('an agent that uses this role is refused at synth (a real dependency cycle), naming the role and the fix', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
    let role: AgentExecutionRole | undefined;
    // The agent is defined first and names the role when the template is written.
    const user = agent(stack, 'Agent', Lazy.string({ produce: () => role!.roleArn }));
    role = new AgentExecutionRole(stack, 'AgentRole', { models: [InvokableModel.foundationModel(HAIKU)], agentIds: [user.attrAgentId] });
    expect(() => Template.fromStack(stack)).toThrow(/Test\/AgentRole: agentIds\[0\] refers to an agent of this stack that uses this role, so the template would have a dependency cycle.*Fix:/s);
  });

  test('an unrelated agent of the same stack is accepted: no cycle', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
    const other = agent(stack, 'Other', `arn:aws:iam::${ACCOUNT}:role/other-agent-role`);
    new AgentExecutionRole(stack, 'AgentRole', { models: [InvokableModel.foundationModel(HAIKU)], agentIds: [other.attrAgentId] });
    const json = Template.fromStack(stack).toJSON();
    expect(resourcesInCycles(json)).toEqual([]);
    const trust = json.Resources[logicalIdOf(json, 'AWS::IAM::Role', 'AgentRole')].Properties.AssumeRolePolicyDocument;
    expect(JSON.stringify(trust)).toContain('"Fn::GetAtt":["Other","AgentId"]');
  });
});

import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExampleStack } from '../examples/example-stack';
import { OrganizationStack } from '../examples/organization-stack';
import { TeamStack } from '../examples/team-stack';
import { BedrockGuardrailChecks } from '../src';
import { DeployEnv, DEFAULT_ENV, resolveCfn } from './sim/cfn';
import { dependsOn, resourcesInCycles } from './sim/graph';
import { ALLOW_ALL, decide, identityPoliciesOf, logicalIdOf } from './sim/simulate';

// aws-cdk-lib's CloudFormation schema validation, off in most tests (test/setup-env.ts), runs here.
process.env.CDK_VALIDATION = 'true';

const GUARDRAIL = `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:guardrail/exampleguardrail1`;
const KEY = `arn:aws:kms:us-east-1:${DEFAULT_ENV.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function synthExample() {
  // Any issue aws-cdk-lib's CloudFormation validation finds in the template fails the synth.
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const stack = new ExampleStack(app, 'BedrockGuardrailIamExample', { env: { region: 'us-east-1' } });
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const env: DeployEnv = {
    ...DEFAULT_ENV,
    attributes: {
      'GuardrailVersion.GuardrailArn': GUARDRAIL,
      'GuardrailVersion.Version': '3',
      [`${logicalIdOf(json, 'AWS::KMS::Key', 'GuardrailKey')}.Arn`]: KEY,
    },
  };
  return { stack, template, json, env };
}

describe('the example app', () => {
  let stack: Stack, template: Template, json: any, env: DeployEnv;
  beforeAll(() => ({ stack, template, json, env } = synthExample()));

  test('synthesizes without warnings or errors', () => {
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  test('the container role runs inference only with the published guardrail version', async () => {
    const policies = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'AppRole'), env);
    const haiku = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0';
    const request = (guardrail?: string) => ({
      action: 'bedrock:InvokeModel',
      resource: haiku,
      context: guardrail ? { 'bedrock:GuardrailIdentifier': guardrail } : {} as { [key: string]: string },
    });
    expect(await decide(policies, request(`${GUARDRAIL}:3`))).toBe('Allowed');
    expect(await decide([...policies, ALLOW_ALL], request(`${GUARDRAIL}:2`))).toBe('ExplicitlyDenied');
    expect(await decide([...policies, ALLOW_ALL], request(GUARDRAIL))).toBe('ExplicitlyDenied');
    expect(await decide([...policies, ALLOW_ALL], request())).toBe('ExplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: `arn:aws:bedrock:us-west-2:${DEFAULT_ENV.account}:guardrail-profile/us.guardrail.v1:0` })).toBe('Allowed');
  });

  test('the Lambda function\'s role gets the enforcement as a managed policy', async () => {
    const policies = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'SummarizerServiceRole'), env);
    const nova = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0';
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: nova, context: { 'bedrock:GuardrailIdentifier': `${GUARDRAIL}:3` } })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: nova })).toBe('ExplicitlyDenied');
  });

  test('every user of the guardrail (invoker, Lambda policy, agent role, flow role) may decrypt with its key', () => {
    const decrypt = Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GuardrailKey'), 'Arn'] } });
    template.resourcePropertiesCountIs('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([decrypt]), Version: '2012-10-17' },
    }, 1);
    template.resourcePropertiesCountIs('AWS::IAM::Role', {
      Policies: [Match.objectLike({ PolicyDocument: { Statement: Match.arrayWith([decrypt]), Version: '2012-10-17' } })],
    }, 3);
  });

  test('the agent role can run the agent\'s model, read its schema and knowledge base, and apply the guardrail', async () => {
    const agentEnv: DeployEnv = {
      ...env,
      refs: { [logicalIdOf(json, 'AWS::S3::Bucket', 'AgentSchemas')]: 'example-agent-schemas' },
    };
    const policies = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'AgentRole'), agentEnv);
    const profile = `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0`;
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: profile })).toBe('Allowed');
    expect(await decide(policies, {
      action: 'bedrock:InvokeModel',
      resource: 'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
      context: { 'bedrock:InferenceProfileArn': profile },
    })).toBe('Allowed');
    expect(await decide(policies, {
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::example-agent-schemas/orders/openapi.yaml',
      context: { 'aws:ResourceAccount': DEFAULT_ENV.account },
    })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:Retrieve', resource: `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:knowledge-base/KB12345678` })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: GUARDRAIL })).toBe('Allowed');
  });

  test('the agent, its role and its Lambda permission have no dependency cycle, and the agent comes after the role', () => {
    expect(resourcesInCycles(json)).toEqual([]);
    expect(dependsOn(json, 'OrdersAgent', logicalIdOf(json, 'AWS::IAM::Role', 'AgentRole'))).toBe(true);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'bedrock.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::GetAtt': ['OrdersAgent', 'AgentArn'] },
    });
  });

  test('the flow role can run each node of the flow, and writes only under its prefix', async () => {
    const flowEnv: DeployEnv = {
      ...env,
      refs: {
        [logicalIdOf(json, 'AWS::S3::Bucket', 'Summaries')]: 'example-summaries',
        SummarizePrompt: `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:prompt/PROMPT1234`,
      },
      attributes: {
        ...env.attributes,
        [`${logicalIdOf(json, 'AWS::Lambda::Function', 'EnrichSummary')}.Arn`]: `arn:aws:lambda:us-east-1:${DEFAULT_ENV.account}:function:enrich`,
        [`${logicalIdOf(json, 'AWS::S3::Bucket', 'Summaries')}.Arn`]: 'arn:aws:s3:::example-summaries',
      },
    };
    const policies = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'FlowRole'), flowEnv);
    const allowed = [
      { action: 'bedrock:InvokeModel', resource: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0' },
      { action: 'bedrock:RenderPrompt', resource: `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:prompt/PROMPT1234` },
      { action: 'bedrock:Retrieve', resource: `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:knowledge-base/KB12345678` },
      { action: 'bedrock:ApplyGuardrail', resource: GUARDRAIL },
      { action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:us-east-1:${DEFAULT_ENV.account}:function:enrich` },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::example-summaries/summaries/p1.txt', context: { 'aws:ResourceAccount': DEFAULT_ENV.account } },
    ];
    for (const request of allowed) expect({ request, decision: await decide(policies, request) }).toEqual({ request, decision: 'Allowed' });
    expect(await decide(policies, { action: 's3:PutObject', resource: 'arn:aws:s3:::example-summaries/other/p1.txt', context: { 'aws:ResourceAccount': DEFAULT_ENV.account } }))
      .toBe('ImplicitlyDenied');
  });

  test('the flow comes after its role, with no dependency cycle', () => {
    expect(dependsOn(json, 'SummaryFlow', logicalIdOf(json, 'AWS::IAM::Role', 'FlowRole'))).toBe(true);
    template.hasResourceProperties('AWS::Bedrock::Flow', { ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FlowRole'), 'Arn'] } });
  });

  test('the guardrail administrators create only tagged guardrails, cannot run inference, and may use the key', async () => {
    const policies = identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'GuardrailAdmins'), env);
    const create = (team?: string) => ({
      action: 'bedrock:CreateGuardrail',
      resource: '*',
      context: (team ? { 'aws:RequestTag/team': team, 'aws:TagKeys': ['team'] } : {}) as { [key: string]: string | string[] },
    });
    expect(await decide(policies, create('ml-platform'))).toBe('Allowed');
    expect(await decide(policies, create('web'))).toBe('ExplicitlyDenied');
    expect(await decide(policies, create())).toBe('ExplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0' }))
      .toBe('ImplicitlyDenied');
    const grant = { 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': 'bedrock.us-east-1.amazonaws.com' };
    for (const [action, context] of [['kms:Decrypt', {}], ['kms:GenerateDataKey', {}], ['kms:DescribeKey', {}], ['kms:CreateGrant', grant]] as const) {
      expect(await decide(policies, { action, resource: KEY, context }, resolveCfn(json.Resources[logicalIdOf(json, 'AWS::KMS::Key', 'GuardrailKey')].Properties.KeyPolicy, {
        ...env, attributes: { ...env.attributes, [`${logicalIdOf(json, 'AWS::IAM::Role', 'GuardrailAdmins')}.Arn`]: `arn:aws:iam::${DEFAULT_ENV.account}:role/admins` },
      }))).toBe('Allowed');
    }
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::Bedrock::Guardrail', { Tags: [{ Key: 'team', Value: 'ml-platform' }] });
  });

  test('this library\'s rules find nothing in the example, with no acknowledgement', () => {
    expect(new BedrockGuardrailChecks().validateScope(stack).violations).toEqual([]);
  });

  test('with BedrockGuardrailChecks and AwsSolutionsChecks registered, the app synthesizes: every other finding is acknowledged with a reason', () => {
    const app = new App();
    Validations.of(app).addPlugins(new BedrockGuardrailChecks(app), new AwsSolutionsChecks(app));
    const checked = new ExampleStack(app, 'Checked', { env: { region: 'us-east-1' } });
    expect(() => app.synth()).not.toThrow();
    const acknowledgements = checked.node.findAll().flatMap(c => c.node.metadata.filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const entry of acknowledgements) {
      for (const [id, reason] of Object.entries(entry.data as { [id: string]: string })) {
        expect(id).toMatch(/^AwsSolutions::/);
        expect(reason.length).toBeGreaterThan(30);
      }
    }
  });

  test('snapshot', () => {
    expect(json).toMatchSnapshot();
  });
});

describe('the example app\'s other stacks', () => {
  let app: App, organization: OrganizationStack, team: TeamStack;
  beforeAll(() => {
    app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    Validations.of(app).addPlugins(new BedrockGuardrailChecks(app), new AwsSolutionsChecks(app));
    organization = new OrganizationStack(app, 'Organization', { env: { account: '999988887777', region: 'us-east-1' } });
    team = new TeamStack(app, 'Team', { env: { region: 'us-east-1' } });
  });

  test('synthesize without warnings or errors, with both rule packs', () => {
    expect(() => app.synth()).not.toThrow();
    for (const stack of [organization, team]) {
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    }
  });

  test('the team\'s function, allowed InvokeModel by its own policy, runs inference only with the account\'s guardrail (its boundary)', async () => {
    const json = Template.fromStack(team).toJSON();
    const roleId = logicalIdOf(json, 'AWS::IAM::Role', 'TeamChatServiceRole');
    const guardrail = `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:guardrail/teamguardrail1`;
    const env: DeployEnv = {
      ...DEFAULT_ENV,
      attributes: { 'AccountGuardrailVersion.GuardrailArn': guardrail, 'AccountGuardrailVersion.Version': '1' },
    };
    const role = json.Resources[roleId];
    const boundaryId = role.Properties.PermissionsBoundary.Ref;
    expect(json.Resources[boundaryId].Type).toBe('AWS::IAM::ManagedPolicy');
    const boundary = resolveCfn(json.Resources[boundaryId].Properties.PolicyDocument, env);
    const policies = [...identityPoliciesOf(json, roleId, env), ALLOW_ALL];
    const nova = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0';
    const request = (context: { [key: string]: string }) => ({ action: 'bedrock:InvokeModel', resource: nova, context });
    expect(await decide(policies, request({ 'bedrock:GuardrailIdentifier': `${guardrail}:1` }), undefined, { permissionsBoundaries: [boundary] })).toBe('Allowed');
    expect(await decide(policies, request({}), undefined, { permissionsBoundaries: [boundary] })).toBe('ExplicitlyDenied');
    // Without the boundary, the team's own policy would let it call the model with no guardrail.
    expect(await decide(policies, request({}))).toBe('Allowed');
  });

  test('the organization\'s service control policy lets only the approved guardrail of each application account through', async () => {
    const json = Template.fromStack(organization).toJSON();
    const scp = Object.values(json.Resources as { [id: string]: any }).find(r => r.Properties?.Type === 'SERVICE_CONTROL_POLICY')!;
    expect(scp.Properties.TargetIds).toEqual(['ou-ab12-22222222']);
    const content = resolveCfn(scp.Properties.Content, DEFAULT_ENV);
    const request = (guardrail?: string) => ({
      action: 'bedrock:InvokeModel',
      resource: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
      principal: 'arn:aws:iam::111122223333:role/team-app',
      context: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/team-app', ...(guardrail ? { 'bedrock:GuardrailIdentifier': guardrail } : {}) },
    });
    const controls = { serviceControlPolicies: [content] };
    expect(await decide([ALLOW_ALL], request('arn:aws:bedrock:us-east-1:111122223333:guardrail/apps1guardrail:2'), undefined, controls)).toBe('Allowed');
    expect(await decide([ALLOW_ALL], request('arn:aws:bedrock:us-east-1:111122223333:guardrail/apps1guardrail:1'), undefined, controls)).toBe('ExplicitlyDenied');
    expect(await decide([ALLOW_ALL], request(), undefined, controls)).toBe('ExplicitlyDenied');
  });
});

describe('the example app\'s monitor', () => {
  const guardrailArn = `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:guardrail/exampleguardrail1`;
  let resources: { [id: string]: any }, env: DeployEnv;
  beforeAll(() => {
    const stack = new ExampleStack(new App(), 'Monitored', { env: { region: 'us-east-1' } });
    resources = Template.fromStack(stack).toJSON().Resources;
    env = {
      ...DEFAULT_ENV,
      refs: Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Type === 'AWS::IAM::Role' ? `${id}-name` : id])),
      attributes: { 'GuardrailVersion.GuardrailArn': guardrailArn, 'GuardrailVersion.Version': '3' },
    };
  });
  const ruleNamed = (prefix: string) => Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Events::Rule' && id.startsWith(`EnforcementMonitor${prefix}`))![1];

  test('watches the approved guardrail by ARN and by ID, and the two enforced roles', () => {
    const changes = resolveCfn(ruleNamed('GuardrailChanges').Properties.EventPattern, env);
    expect(changes.detail.requestParameters.guardrailIdentifier).toEqual([guardrailArn, 'exampleguardrail1']);
    const denied = resolveCfn(ruleNamed('DeniedInference').Properties.EventPattern, env);
    const names = denied.detail.userIdentity.sessionContext.sessionIssuer.userName as string[];
    expect(names).toHaveLength(2);
    expect(names.some(n => n.startsWith('AppRole'))).toBe(true);
    expect(names.some(n => n.startsWith('SummarizerServiceRole'))).toBe(true);
  });

  test('alarms on the approved version\'s metrics', () => {
    const alarm = Object.values(resources).find(r => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'InvocationClientErrors')!;
    expect(resolveCfn(alarm.Properties.Dimensions, env)).toEqual([{ Name: 'GuardrailArn', Value: guardrailArn }, { Name: 'GuardrailVersion', Value: '3' }]);
  });
});

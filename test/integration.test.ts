import { execFileSync } from 'child_process';
import * as path from 'path';
import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  AgentExecutionRole,
  EncryptedGuardrailKey,
  EnforcedGuardrail,
  FlowServiceRole,
  GuardrailEnforcedInvokerRole,
  GuardrailVersion,
  InvokableModel,
} from '../src';
import { resourcesInCycles } from './sim/graph';

/** Constructs combined the way apps combine them: no CloudFormation dependency cycle, within or across stacks. */

const ENV = { account: '111122223333', region: 'us-east-1' };
const G1 = 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123';
const model = () => InvokableModel.foundationModel('amazon.nova-lite-v1:0');

test('a flow key granted to callers that keep their permissions inline (invoker, agent role): no cycle, an info message', () => {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const key = new kms.Key(stack, 'Key');
  const invoker = new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1), { encryptionKey: key })],
    models: [model()],
  });
  const agentRole = new AgentExecutionRole(stack, 'AgentRole', { models: [model()], encryptionKey: key });
  const flowRole = new FlowServiceRole(stack, 'FlowRole', { models: [model()] });
  const builder = new iam.Role(stack, 'Builder', { assumedBy: new iam.AccountRootPrincipal() });
  flowRole.grantFlowEncryption(key, [invoker, agentRole, builder]);
  const json = Template.fromStack(stack).toJSON();
  expect(resourcesInCycles(json)).toEqual([]);
  const keyPolicy = json.Resources[Object.keys(json.Resources).find(k => k.startsWith('Key'))!].Properties.KeyPolicy;
  const principals = JSON.stringify(keyPolicy.Statement.map((s: any) => s.Principal));
  expect(principals).toContain('Builder');
  expect(principals).not.toContain('Invoker');
  Annotations.fromStack(stack).hasInfo('/Test/FlowRole', Match.stringLikeRegexp('Test/Invoker, Test/AgentRole not named in the key policy'));
});

test('a guardrail key in one stack, an invoker that uses it in another: grantUse makes no cross-stack cycle', () => {
  const app = new App();
  const keys = new Stack(app, 'Keys', { env: ENV });
  const appStack = new Stack(app, 'AppStack', { env: ENV });
  const key = new EncryptedGuardrailKey(keys, 'Key');
  const invoker = new GuardrailEnforcedInvokerRole(appStack, 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1), { encryptionKey: key })],
    models: [model()],
  });
  key.grantUse(invoker);
  expect(() => app.synth()).not.toThrow();
});

test('an agent role in one stack, its agent and action-group function in another: the Lambda permission goes with the function', () => {
  const app = new App();
  const roles = new Stack(app, 'Roles', { env: ENV });
  const services = new Stack(app, 'Services', { env: ENV });
  const role = new AgentExecutionRole(roles, 'AgentRole', { models: [model()] });
  const fn = new lambda.Function(services, 'Orders', {
    runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const agent = new bedrock.CfnAgent(services, 'Agent', {
    agentName: 'orders',
    agentResourceRoleArn: role.roleArn,
    foundationModel: 'amazon.nova-lite-v1:0',
    actionGroups: [{ actionGroupName: 'orders', actionGroupExecutor: { lambda: fn.functionArn } }],
  });
  const permission = role.allowActionGroupInvocation(fn, agent);
  expect(Stack.of(permission) === services).toBe(true);
  expect(() => app.synth()).not.toThrow();
  Template.fromStack(services).hasResourceProperties('AWS::Lambda::Permission', {
    Principal: 'bedrock.amazonaws.com', SourceAccount: ENV.account, SourceArn: { 'Fn::GetAtt': ['Agent', 'AgentArn'] },
  });
});

test.each([
  ['an agent', (s: Stack, roleArn: string) => new bedrock.CfnAgent(s, 'Agent', { agentName: 'a', agentResourceRoleArn: roleArn }).attrAgentId,
    (s: Stack, id: string) => new AgentExecutionRole(s, 'Role', { models: [model()], agentIds: [id] }), /Test\/Role: agentIds\[0\] refers to an agent of this stack that uses this role/],
  ['a flow', (s: Stack, roleArn: string) => new bedrock.CfnFlow(s, 'Flow', { name: 'f', executionRoleArn: roleArn }).attrId,
    (s: Stack, id: string) => new FlowServiceRole(s, 'Role', { models: [model()], flowIds: [id] }), /Test\/Role: flowIds\[0\] refers to a flow of this stack that uses this role/],
])('the ID of %s of the same stack is refused only when it uses the role (a real cycle)', (_label, makeId, makeRole, message) => {
  // Uses the role: the agent or flow is defined first and names the role when the template is written.
  const stack = new Stack(new App(), 'Test', { env: ENV });
  let role: iam.Role | undefined;
  role = makeRole(stack, makeId(stack, Lazy.string({ produce: () => role!.roleArn })));
  expect(() => (stack.node.root as App).synth()).toThrow(message);
  // Another agent or flow of the same stack, with its own role: accepted, no cycle.
  const unrelated = new Stack(new App(), 'Test', { env: ENV });
  makeRole(unrelated, makeId(unrelated, 'arn:aws:iam::111122223333:role/another-role'));
  expect(resourcesInCycles(Template.fromStack(unrelated).toJSON())).toEqual([]);
});

test('an ID from another stack (an exported value) is accepted', () => {
  const app = new App();
  const other = new Stack(app, 'Other', { env: ENV });
  const agent = new bedrock.CfnAgent(other, 'Agent', { agentName: 'a' });
  const stack = new Stack(app, 'Test', { env: ENV });
  new AgentExecutionRole(stack, 'Role', { models: [model()], agentIds: [agent.attrAgentId] });
  expect(() => app.synth()).not.toThrow();
});

test('the library\'s marks use Symbol.for, so a second copy of the library in the same app sees them', () => {
  // Copy A makes an invoker role that leaves the agents path open; copy B (the same files loaded again, with
  // the same aws-cdk-lib) runs EnforceGuardrails, which must see A's mark and leave the role alone.
  const script = [
    "const cdk = require('aws-cdk-lib'); const iam = require('aws-cdk-lib/aws-iam');",
    "const a = require('./src');",
    "for (const k of Object.keys(require.cache)) if (k.includes('/src/')) delete require.cache[k];",
    "const b = require('./src');",
    "const app = new cdk.App(); const s = new cdk.Stack(app, 'S', { env: { account: '111122223333', region: 'us-east-1' } });",
    "const g = (m) => m.EnforcedGuardrail.fromArn('arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123', m.GuardrailVersion.numbered(1));",
    "new a.GuardrailEnforcedInvokerRole(s, 'Invoker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [g(a)],",
    "  models: [a.InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')], allowUnguardedPaths: [a.InferencePath.AGENTS] })",
    "  .addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeAgent'], resources: ['*'] }));",
    'cdk.Aspects.of(app).add(new b.EnforceGuardrails({ guardrails: [g(b)] }));',
    "const docs = Object.values(app.synth().getStackByName('S').template.Resources).flatMap(r => [r.Properties.PolicyDocument, ...(r.Properties.Policies || []).map(p => p.PolicyDocument)]);",
    "const agentsDenied = docs.filter(d => d).flatMap(d => d.Statement).some(st => st.Effect === 'Deny' && [].concat(st.Action).includes('bedrock:InvokeAgent'));",
    'console.log(JSON.stringify({ copies: a.EnforceGuardrails !== b.EnforceGuardrails, agentsDenied }));',
  ].join(' ');
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.dev.json', CDK_VALIDATION: 'false' },
  }).toString();
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ copies: true, agentsDenied: false });
});

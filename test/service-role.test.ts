import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AgentExecutionRole, BedrockServiceRoleProps, FlowServiceRole, InvokableModel } from '../src';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const newStack = () => new Stack(new App(), 'Test', { env: { account: '111122223333', region: 'us-east-1' } });

/** Each Bedrock service role, built from the props every one of them takes. */
const ROLES: Array<[string, (stack: Stack, props: BedrockServiceRoleProps) => iam.Role, string]> = [
  ['AgentExecutionRole', (stack, props) => new AgentExecutionRole(stack, 'Role', { ...props, models: [InvokableModel.foundationModel(HAIKU)] }),
    'Service role that Amazon Bedrock assumes to run agents'],
  ['FlowServiceRole', (stack, props) => new FlowServiceRole(stack, 'Role', { ...props, models: [InvokableModel.foundationModel(HAIKU)] }),
    'Service role that Amazon Bedrock Flows assumes to run flows'],
];

describe.each(ROLES)('%s takes the shared BedrockServiceRoleProps', (_name, create, description) => {
  test('by default: its own description, no boundary, the root path', () => {
    const stack = newStack();
    create(stack, {});
    const role = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))[0].Properties;
    expect(role.Description).toBe(description);
    expect(role.PermissionsBoundary).toBeUndefined();
    expect(role.Path).toBeUndefined();
  });

  test('roleName, description, permissionsBoundary and path are passed to the role', () => {
    const stack = newStack();
    const boundary = new iam.ManagedPolicy(stack, 'Boundary', { statements: [new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] })] });
    create(stack, { roleName: 'team-bedrock-role', description: 'Team role', permissionsBoundary: boundary, path: '/bedrock/' });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'team-bedrock-role',
      Description: 'Team role',
      PermissionsBoundary: { Ref: Match.stringLikeRegexp('^Boundary') },
      Path: '/bedrock/',
    });
  });
});

import { App, Aspects, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { attachBeforeOtherPolicies } from '../../src/private/policy-order';

/**
 * The enforcement policy is attached before, and removed after, every other policy of its principals: each policy
 * resource of the stack that names one of them, in any form, depends on it. Without that, CloudFormation may attach
 * a grant before the Deny, and the principal holds the grant unguarded for that time.
 */
const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

function fixture() {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '111122223333', region: 'us-east-1' } });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'app-role' });
  const user = new iam.User(stack, 'User', { userName: 'app-user' });
  const group = new iam.Group(stack, 'Group', { groupName: 'app-group' });
  const first = new iam.CfnPolicy(stack, 'First', {
    policyName: 'enforcement', roles: [role.roleName], users: [user.userName], groups: [group.groupName], policyDocument: doc,
  });
  attachBeforeOtherPolicies(first, () => ({ roles: [role.roleName], users: [user.userName], groups: [group.groupName] }));
  return { app, stack, role, user, group, first };
}

const dependsOn = (template: any, id: string): string[] => template.Resources[id].DependsOn ?? [];

test('every policy resource that names the principal depends on the first policy; others do not', () => {
  const { stack, role, user, group } = fixture();
  group.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['*'] }));
  new iam.CfnGroupPolicy(stack, 'GroupByName', { groupName: 'app-group', policyName: 'g', policyDocument: doc });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['*'] }));
  new iam.CfnRolePolicy(stack, 'ByName', { roleName: 'app-role', policyName: 'p', policyDocument: doc });
  new iam.CfnPolicy(stack, 'ByArn', { policyName: 'q', roles: ['arn:aws:iam::111122223333:role/app-role'], policyDocument: doc });
  new iam.ManagedPolicy(stack, 'Managed', { document: iam.PolicyDocument.fromJson(doc), roles: [role] });
  new iam.CfnUserPolicy(stack, 'UserPolicy', { userName: 'app-user', policyName: 'u', policyDocument: doc });
  user.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['*'] }));
  const other = new iam.Role(stack, 'Other', { assumedBy: new iam.AccountRootPrincipal() });
  other.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['*'] }));
  new iam.CfnGroupPolicy(stack, 'GroupNamedLikeRole', { groupName: 'app-role', policyName: 'g', policyDocument: doc });
  new iam.CfnPolicy(stack, 'Shared', { policyName: 's', roles: [other.roleName, role.roleName], policyDocument: doc });
  // An AWS::IAM::Policy and a managed policy that name the user and the group by their literal names.
  new iam.CfnPolicy(stack, 'UsersByName', { policyName: 'un', users: ['app-user'], policyDocument: doc });
  new iam.CfnManagedPolicy(stack, 'GroupsByName', { groups: ['app-group'], policyDocument: doc });
  new iam.CfnPolicy(stack, 'UserNamedLikeRole', { policyName: 'ur', users: ['app-role'], policyDocument: doc });

  const template = Template.fromStack(stack).toJSON();
  const id = (path: string) => Object.keys(template.Resources).find(k => k.startsWith(path))!;
  const dependents = [
    'RoleDefaultPolicy', 'ByName', 'ByArn', 'Managed', 'UserPolicy', 'UserDefaultPolicy', 'Shared', 'GroupDefaultPolicy', 'GroupByName',
    'UsersByName', 'GroupsByName',
  ];
  for (const dependent of dependents) {
    expect([dependent, dependsOn(template, id(dependent))]).toEqual([dependent, ['First']]);
  }
  for (const independent of ['OtherDefaultPolicy', 'GroupNamedLikeRole', 'UserNamedLikeRole', 'First']) {
    expect([independent, dependsOn(template, id(independent))]).toEqual([independent, []]);
  }
});

test('a policy that an aspect adds later is ordered too', () => {
  const { stack, role } = fixture();
  Aspects.of(stack).add({
    visit: node => {
      if (node === stack) new iam.CfnRolePolicy(stack, 'Late', { roleName: 'app-role', policyName: 'late', policyDocument: doc });
    },
  });
  expect(role).toBeDefined();
  expect(dependsOn(Template.fromStack(stack).toJSON(), 'Late')).toEqual(['First']);
});

test('two first policies of one principal are not ordered between them', () => {
  const { stack, role } = fixture();
  const second = new iam.CfnPolicy(stack, 'Second', { policyName: 'second', roles: [role.roleName], policyDocument: doc });
  attachBeforeOtherPolicies(second, () => ({ roles: [role.roleName], users: [], groups: [] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['*'] }));
  const template = Template.fromStack(stack).toJSON();
  expect(dependsOn(template, 'First')).toEqual([]);
  expect(dependsOn(template, 'Second')).toEqual([]);
  expect(dependsOn(template, Object.keys(template.Resources).find(k => k.startsWith('RoleDefaultPolicy'))!).sort()).toEqual(['First', 'Second']);
});

test('a policy of a nested stack is not ordered after a first policy of its parent, even for the same principal', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const first = new iam.CfnPolicy(stack, 'First', { policyName: 'enforcement', roles: ['external-role'], policyDocument: doc });
  attachBeforeOtherPolicies(first, () => ({ roles: ['external-role'], users: [], groups: [] }));
  new iam.CfnRolePolicy(stack, 'Here', { roleName: 'external-role', policyName: 'p', policyDocument: doc });
  const nested = new NestedStack(stack, 'Nested');
  new iam.CfnRolePolicy(nested, 'There', { roleName: 'external-role', policyName: 'p', policyDocument: doc });
  expect(dependsOn(Template.fromStack(stack).toJSON(), 'Here')).toEqual(['First']);
  expect(dependsOn(Template.fromStack(nested).toJSON(), 'There')).toEqual([]);
  const nestedResource = Object.values(Template.fromStack(stack).toJSON().Resources).find((r: any) => r.Type === 'AWS::CloudFormation::Stack') as any;
  expect(nestedResource.DependsOn ?? []).toEqual([]);
});

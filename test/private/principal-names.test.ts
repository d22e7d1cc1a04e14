import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { isPrincipalResource, ownerOf, principalKindOf, StackPrincipals } from '../../src/private/principal-names';

/**
 * How a policy's `Roles`, `Users` or `Groups` value is matched to a principal of the stack, form by form: a missed
 * match lets a policy that grants a principal more than the enforcement allows go unseen (the checks, the
 * limitation warnings, the quota of its inline policies); a false match blames the wrong principal.
 */
function fixture() {
  const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'us-east-1' } });
  const named = new iam.Role(stack, 'Named', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'app-role' });
  const generated = new iam.Role(stack, 'Generated', { assumedBy: new iam.AccountRootPrincipal() });
  const user = new iam.User(stack, 'User', { userName: 'app-user' });
  const group = new iam.Group(stack, 'Group', { groupName: 'app-group' });
  const other = new Stack(stack.node.root as App, 'Other');
  const elsewhere = new iam.Role(other, 'Elsewhere', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'other-role' });
  const cfn = (c: iam.Role | iam.User | iam.Group) => c.node.defaultChild as iam.CfnRole;
  return { stack, named, generated, user, group, elsewhere, principals: StackPrincipals.of(stack), cfn };
}

test('a principal of the stack, named by reference, ARN attribute, a value built from its ARN, or its literal name and ARN', () => {
  const { stack, named, generated, principals, cfn } = fixture();
  const namedId = stack.resolve(cfn(named).logicalId);
  const generatedId = stack.resolve(cfn(generated).logicalId);
  for (const value of [
    { Ref: namedId },
    { 'Fn::GetAtt': [namedId, 'Arn'] },
    { 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': [namedId, 'Arn'] }] }] }] }] },
    'app-role',
    'arn:aws:iam::111122223333:role/app-role',
    'arn:aws:iam::111122223333:role/with/a/path/app-role',
  ]) {
    expect(principals.keyOf('role', value)).toBe(`logical:${namedId}`);
    expect(principals.resourceOf('role', value)).toBe(cfn(named));
  }
  expect(principals.keyOf('role', { Ref: generatedId })).toBe(`logical:${generatedId}`);
  expect(principals.keyOfResource(cfn(named))).toBe(`logical:${namedId}`);
  expect(principals.keyOfResource(cfn(generated))).toBe(`logical:${generatedId}`);
});

test('users and groups by name and ARN, each only as its own kind', () => {
  const { stack, user, group, principals, cfn } = fixture();
  const userId = stack.resolve(cfn(user).logicalId);
  const groupId = stack.resolve(cfn(group).logicalId);
  expect(principals.keyOf('user', 'app-user')).toBe(`logical:${userId}`);
  expect(principals.keyOf('user', 'arn:aws:iam::111122223333:user/app-user')).toBe(`logical:${userId}`);
  expect(principals.keyOf('group', 'arn:aws-cn:iam::111122223333:group/app-group')).toBe(`logical:${groupId}`);
  // The name of a user is not a role's name, and a user's ARN names no role.
  expect(principals.keyOf('role', 'app-user')).toBe('name:role:app-user');
  expect(principals.keyOf('role', 'arn:aws:iam::111122223333:user/app-role')).toBe('name:role:arn:aws:iam::111122223333:user/app-role');
  expect(principals.resourceOf('role', 'app-user')).toBeUndefined();
});

test('a principal not created by this stack: its name as the key, from a name or an ARN alike; other values by their JSON', () => {
  const { principals, stack, elsewhere, cfn } = fixture();
  expect(principals.keyOf('role', 'other-role')).toBe('name:role:other-role');
  expect(principals.keyOf('role', 'arn:aws:iam::444455556666:role/other-role')).toBe('name:role:other-role');
  // Not an IAM ARN: the value as it is.
  expect(principals.keyOf('role', 'arn:aws:sts::111122223333:assumed-role/app-role/session')).toBe('name:role:arn:aws:sts::111122223333:assumed-role/app-role/session');
  expect(principals.keyOf('role', 'xarn:aws:iam::111122223333:role/app-role')).toBe('name:role:xarn:aws:iam::111122223333:role/app-role');
  const otherId = stack.resolve(cfn(elsewhere).logicalId);
  expect(principals.keyOf('role', { Ref: otherId })).toBe(`json:{"Ref":"${otherId}"}`);
  expect(principals.keyOf('role', { 'Fn::GetAtt': ['Unknown', 'Arn'] })).toBe('json:{"Fn::GetAtt":["Unknown","Arn"]}');
  expect(principals.keyOf('role', null)).toBe('json:null');
  // A role named 'undefined' is not the role of this stack without a name.
  expect(principals.keyOf('role', 'undefined')).toBe('name:role:undefined');
  expect(principals.resourceOf('role', 'undefined')).toBeUndefined();
  // An ARN followed by more text is not an ARN.
  expect(principals.keyOf('role', 'arn:aws:iam::111122223333:role/app-role\nx')).toBe('name:role:arn:aws:iam::111122223333:role/app-role\nx');
  expect(principals.resourceOf('role', { Ref: otherId })).toBeUndefined();
  // Handed a principal of another stack, the view leaves it out.
  expect(StackPrincipals.fromConstructs(stack, [cfn(elsewhere)]).keyOf('role', 'other-role')).toBe('name:role:other-role');
});

test('an attribute other than Arn does not name the principal', () => {
  const { stack, generated, principals, cfn } = fixture();
  const id = stack.resolve(cfn(generated).logicalId);
  expect(principals.keyOf('role', { 'Fn::GetAtt': [id, 'RoleId'] })).toBe(`json:{"Fn::GetAtt":["${id}","RoleId"]}`);
});

test('kinds and owners', () => {
  const { named, user, group, cfn, stack } = fixture();
  expect([principalKindOf(cfn(named)), principalKindOf(cfn(user) as any), principalKindOf(cfn(group) as any)]).toEqual(['role', 'user', 'group']);
  expect(isPrincipalResource(cfn(named))).toBe(true);
  expect(isPrincipalResource(named)).toBe(false);
  expect(ownerOf(cfn(named))).toBe(named);
  expect(ownerOf(cfn(user))).toBe(user);
  expect(ownerOf(cfn(group))).toBe(group);
  const bare = new iam.CfnRole(stack, 'Bare', { assumeRolePolicyDocument: {} });
  expect(ownerOf(bare)).toBe(bare);
  expect(StackPrincipals.fromConstructs(stack, [bare]).keyOfResource(bare)).toBe(`logical:${stack.resolve(bare.logicalId)}`);
  // A principal not among the constructs given: its logical ID is still its key.
  expect(StackPrincipals.fromConstructs(stack, []).keyOfResource(cfn(named))).toBe(`logical:${stack.resolve(cfn(named).logicalId)}`);
});

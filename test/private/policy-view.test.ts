import { App, Fn, Lazy, NestedStack, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PolicyView } from '../../src/private/policy-view';

/**
 * The one view of a stack's policies that the quota check, the limitation warnings and the checks read: which
 * policies apply to a principal, in which form they name it, how a message names them, and when a cached view is
 * dropped (a stale view would miss a policy added after it was built).
 */
const statement = (action: string) => new iam.PolicyStatement({ actions: [action], resources: ['*'] });
const doc = (action: string) => new iam.PolicyDocument({ statements: [statement(action)] });

function fixture() {
  const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'us-east-1' } });
  const role = new iam.Role(stack, 'Role', {
    assumedBy: new iam.AccountRootPrincipal(),
    roleName: 'app-role',
    inlinePolicies: { Own: doc('own:Action') },
  });
  const cfnRole = role.node.defaultChild as iam.CfnRole;
  return { stack, role, cfnRole };
}

describe('the policies of a principal', () => {
  test('every policy resource that names it, in any form; its own inline policies first, then attached inline ones, then managed ones', () => {
    const { stack, role, cfnRole } = fixture();
    role.addToPolicy(statement('default:Action'));
    new iam.CfnRolePolicy(stack, 'ByName', { roleName: 'app-role', policyName: 'p', policyDocument: doc('rolepolicy:Action') });
    new iam.CfnPolicy(stack, 'ByArn', { policyName: 'q', roles: ['arn:aws:iam::111122223333:role/app-role'], policyDocument: doc('policy:Action') });
    const managed = new iam.ManagedPolicy(stack, 'Managed', { document: doc('managed:Action') });
    role.addManagedPolicy(managed);
    new iam.ManagedPolicy(stack, 'NamesRole', { document: doc('names:Action'), roles: [role] });
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess'));
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'));
    // Not this role's: another role's policy, and a user's policy under the role's name.
    const other = new iam.Role(stack, 'Other', { assumedBy: new iam.AccountRootPrincipal() });
    other.addToPolicy(statement('other:Action'));
    new iam.CfnUserPolicy(stack, 'UserPolicy', { userName: 'app-role', policyName: 'u', policyDocument: doc('user:Action') });

    const view = PolicyView.of(stack);
    const policies = view.policiesOf(cfnRole);
    const actions = (docs: any[]) => docs.map(d => d.Statement[0].Action);
    expect(actions(policies.inline)).toEqual(['own:Action', 'default:Action', 'rolepolicy:Action', 'policy:Action']);
    expect(actions(policies.documents)).toEqual(['own:Action', 'default:Action', 'rolepolicy:Action', 'policy:Action', 'names:Action', 'managed:Action']);
    expect(policies.awsManagedPolicies).toEqual(['AmazonBedrockFullAccess', 'AWSLambdaBasicExecutionRole']);
    expect(policies.attached.map(p => [p.source, p.inline])).toEqual([
      ['The policy S/Role/DefaultPolicy', true],
      ['The policy S/ByName', true],
      ['The policy S/ByArn', true],
      ['The managed policy S/NamesRole', false],
      ['The managed policy S/Managed', false],
    ]);
    expect(view.attachedTo(cfnRole).map(p => p.source)).toEqual(policies.attached.slice(0, 4).map(p => p.source));
    expect(view.managedPoliciesOf(cfnRole).map(p => p.source)).toEqual(['The managed policy S/Managed']);
    expect(view.managedPolicyArns(cfnRole)).toHaveLength(3);
    expect(view.managedPolicyArns(cfnRole)).toBe(view.managedPolicyArns(cfnRole));
  });

  test('a managed policy that names the role and is attached by reference too counts once', () => {
    const { stack, role, cfnRole } = fixture();
    const both = new iam.ManagedPolicy(stack, 'Both', { document: doc('both:Action'), roles: [role] });
    role.addManagedPolicy(both);
    const policies = PolicyView.of(stack).policiesOf(cfnRole);
    expect(policies.attached.map(p => p.source)).toEqual(['The managed policy S/Both']);
    expect(policies.documents).toHaveLength(2);
  });

  test('users and groups: their own policy resources only', () => {
    const { stack } = fixture();
    const user = new iam.User(stack, 'User', { userName: 'app-user' });
    const group = new iam.Group(stack, 'Group', { groupName: 'app-group' });
    user.addToPolicy(statement('user:Action'));
    group.addToPolicy(statement('group:Action'));
    new iam.CfnGroupPolicy(stack, 'GroupByName', { groupName: 'app-group', policyName: 'g', policyDocument: doc('groupname:Action') });
    new iam.CfnRolePolicy(stack, 'RoleNamedLikeUser', { roleName: 'app-user', policyName: 'r', policyDocument: doc('role:Action') });
    // An AWS::IAM::Policy and a managed policy that name them by their literal names.
    new iam.CfnPolicy(stack, 'UsersByName', { policyName: 'un', users: ['app-user'], policyDocument: doc('users:Action') });
    new iam.CfnUserPolicy(stack, 'UserByName', { userName: 'app-user', policyName: 'ub', policyDocument: doc('username:Action') });
    new iam.CfnManagedPolicy(stack, 'GroupsByName', { groups: ['app-group'], policyDocument: doc('groups:Managed') });
    const view = PolicyView.of(stack);
    const actions = (p: iam.CfnUser | iam.CfnGroup) => view.policiesOf(p).documents.map((d: any) => d.Statement[0].Action);
    expect(actions(user.node.defaultChild as iam.CfnUser)).toEqual(['user:Action', 'users:Action', 'username:Action']);
    expect(actions(group.node.defaultChild as iam.CfnGroup)).toEqual(['group:Action', 'groupname:Action', 'groups:Managed']);
  });

  test('managed policies attached by reference: a Ref to a managed policy of the stack only', () => {
    const { stack, cfnRole } = fixture();
    const managed = new iam.CfnManagedPolicy(stack, 'Managed', { policyDocument: doc('managed:Action') });
    const inline = new iam.CfnPolicy(stack, 'Inline', { policyName: 'i', policyDocument: doc('inline:Action') });
    cfnRole.managedPolicyArns = [
      'arn:aws:iam::111122223333:policy/by-arn',
      { Ref: inline.logicalId } as any,
      { 'Fn::GetAtt': [managed.logicalId, 'PolicyArn'] } as any,
      { Ref: 'Unknown' } as any,
      managed.ref,
    ];
    const view = PolicyView.of(stack);
    expect(view.managedPoliciesOf(cfnRole).map(p => p.source)).toEqual(['The managed policy S/Managed']);
    expect(view.policiesOf(cfnRole).documents.map((d: any) => d.Statement[0].Action)).toEqual(['own:Action', 'managed:Action']);
  });

  test('the policy resources of a nested stack are not the parent stack\'s, even when they name its role', () => {
    const { stack, cfnRole } = fixture();
    const nested = new NestedStack(stack, 'Nested');
    new iam.CfnRolePolicy(nested, 'ByName', { roleName: 'app-role', policyName: 'p', policyDocument: doc('nested:Action') });
    new iam.CfnManagedPolicy(nested, 'NamesRole', { roles: ['app-role'], policyDocument: doc('nested:Managed') });
    const view = PolicyView.of(stack);
    expect(view.attachedTo(cfnRole)).toEqual([]);
    expect(view.policiesOf(cfnRole).documents.map((d: any) => d.Statement[0].Action)).toEqual(['own:Action']);
  });

  test('policies whose documents cannot be read at synth are left out, not read as undefined', () => {
    const { stack, role, cfnRole } = fixture();
    // The role's own policies as one intrinsic (a list only known at deploy), and a policy whose document resolves to nothing.
    cfnRole.policies = Fn.split(',', Fn.importValue('PolicyList')) as any;
    new iam.CfnPolicy(stack, 'Nothing', { policyName: 'n', roles: [role.roleName], policyDocument: Lazy.any({ produce: () => undefined }) });
    const policies = PolicyView.of(stack).policiesOf(cfnRole);
    expect(policies.documents).toStrictEqual([]);
    expect(policies.inline).toStrictEqual([]);
    expect(policies.attached.map(p => p.source)).toEqual(['The policy S/Nothing']);
  });

  test('a stack without policy resources: nothing attached', () => {
    const stack = new Stack(new App(), 'S');
    const role = new iam.CfnRole(stack, 'Role', { assumeRolePolicyDocument: {} });
    expect(PolicyView.of(stack).attachedTo(role)).toEqual([]);
    expect(PolicyView.of(stack).policiesOf(role)).toEqual({ documents: [], inline: [], awsManagedPolicies: [], attached: [] });
  });

  test('a document is resolved once, when first read', () => {
    const { stack, role, cfnRole } = fixture();
    role.addToPolicy(statement('default:Action'));
    const [policy] = PolicyView.of(stack).attachedTo(cfnRole);
    expect(policy.document()).toBe(policy.document());
  });
});

describe('the cached view', () => {
  test('one view while the synchronous work lasts; a new one after it, which sees what was added since', async () => {
    const { stack, role, cfnRole } = fixture();
    const first = PolicyView.of(stack);
    expect(PolicyView.of(stack)).toBe(first);
    role.addToPolicy(statement('late:Action'));
    await Promise.resolve();
    const next = PolicyView.of(stack);
    expect(next).not.toBe(first);
    expect(next.attachedTo(cfnRole)).toHaveLength(1);
    expect(first.attachedTo(cfnRole)).toHaveLength(0);
  });

  test('the stack\'s validation drops it, and the drop of an older view leaves a newer one in place', async () => {
    const { stack } = fixture();
    const first = PolicyView.of(stack);
    let seen: PolicyView | undefined;
    // Runs after the first view's drop and before the second's.
    queueMicrotask(() => { seen = PolicyView.of(stack); });
    expect(stack.node.validate()).toEqual([]);
    const second = PolicyView.of(stack);
    expect(second).not.toBe(first);
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toBe(second);
  });

  test('build always makes a new view', () => {
    const { stack } = fixture();
    expect(PolicyView.build(stack)).not.toBe(PolicyView.build(stack));
  });
});

import { App, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  addRoleQuotaChecks,
  checkManagedPolicyCount,
  checkQuota,
  isPlain,
  jsonSize,
  literalSize,
  MANAGED_POLICIES_PER_ROLE,
  MANAGED_POLICY_QUOTA,
  policySize,
  ROLE_INLINE_QUOTA,
  TRUST_POLICY_QUOTA,
  unresolvedSize,
  WARN_AT,
} from '../../src/private/policy-size';

/**
 * The size estimates behind every quota check, value by value: a deploy-time value is counted at its longest
 * (so that a template that passes at synth fits once deployed), and the quotas are IAM's defaults
 * (bedrock-iam.md, "IAM and AWS STS quotas").
 */
const quoted = (n: number) => n + 2;

test('IAM\'s default quotas', () => {
  expect([ROLE_INLINE_QUOTA, MANAGED_POLICY_QUOTA, TRUST_POLICY_QUOTA, MANAGED_POLICIES_PER_ROLE, WARN_AT]).toEqual([10240, 6144, 2048, 10, 0.9]);
});

describe('estimates of deploy-time values', () => {
  test.each([
    ['AWS::Partition', 'aws-us-gov'.length],
    ['AWS::Region', 'ap-southeast-7'.length],
    ['AWS::AccountId', 12],
    ['AWS::URLSuffix', 'amazonaws.com.cn'.length],
    ['AWS::StackName', 128],
    ['SomeBucket', 128],
  ])('Ref %s counts as %d characters', (name, length) => {
    expect(jsonSize({ Ref: name })).toBe(quoted(length));
  });

  test('an attribute or any other intrinsic counts as 128 characters', () => {
    expect(jsonSize({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe(quoted(128));
    expect(jsonSize({ 'Fn::ImportValue': 'X' })).toBe(quoted(128));
    expect(jsonSize({ 'Fn::Select': [0, ['a']] })).toBe(quoted(128));
  });

  test('null and nested arrays are data', () => {
    const data = { a: null, b: [[1, null], { c: null }] };
    expect(jsonSize(data)).toBe(JSON.stringify(data).length);
  });

  test('an object with more than one key is data, not an intrinsic', () => {
    const data = { Ref: 'AWS::Region', Other: 'x' };
    expect(jsonSize(data)).toBe(JSON.stringify(data).length);
    const notIntrinsic = { Function: 'x' };
    expect(jsonSize(notIntrinsic)).toBe(JSON.stringify(notIntrinsic).length);
  });

  test('Fn::Join: its parts and the separators between them; literal parts as JSON writes them', () => {
    expect(jsonSize({ 'Fn::Join': ['::', ['ab', { Ref: 'AWS::Region' }, 'c"d']] })).toBe(quoted(2 + 14 + 4 + 2 * 2));
    expect(jsonSize({ 'Fn::Join': ['-', ['only']] })).toBe(quoted(4));
    expect(jsonSize({ 'Fn::Join': ['-', []] })).toBe(quoted(0));
    expect(jsonSize({ 'Fn::Join': ['', ['a\nb', { 'Fn::Join': [',', ['x', 'y']] }]] })).toBe(quoted(4 + 3));
  });

  test('Fn::Sub: the template with each variable at its estimate, in either form', () => {
    expect(jsonSize({ 'Fn::Sub': 'a${AWS::Region}b${Other}"' })).toBe(quoted(1 + 14 + 1 + 128 + 2));
    expect(jsonSize({ 'Fn::Sub': ['x${Var}', { Var: 'ignored' }] })).toBe(quoted(1 + 128));
  });

  test('policySize is the document\'s JSON without white space, 0 for no document', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: { Ref: 'AWS::AccountId' } }] };
    expect(policySize(doc)).toBe(JSON.stringify({ ...doc, Statement: [{ ...doc.Statement[0], Resource: 'x'.repeat(12) }] }).length);
    expect(policySize(undefined)).toBe(0);
  });
});

describe('unresolved values', () => {
  const stack = new Stack(new App(), 'S');

  test('a value without tokens counts as its JSON; undefined as nothing', () => {
    expect(unresolvedSize(stack, { a: ['b', 1, null, true] })).toBe(JSON.stringify({ a: ['b', 1, null, true] }).length);
    expect(unresolvedSize(stack, undefined)).toBe(0);
  });

  test('each pseudo parameter counts as its estimate without resolving; any other token is resolved', () => {
    const value = { r: `arn:${stack.partition}:x:${stack.region}:${stack.account}:${stack.urlSuffix}` };
    expect(unresolvedSize(stack, value)).toBe(JSON.stringify({ r: `arn:${'p'.repeat(10)}:x:${'r'.repeat(14)}:${'a'.repeat(12)}:${'u'.repeat(16)}` }).length);
    expect(unresolvedSize(stack, value)).toBe(jsonSize(stack.resolve(value)));
    const other = { r: `x${Lazy.string({ produce: () => 'abc' })}`, p: stack.region };
    expect(unresolvedSize(stack, other)).toBe(JSON.stringify({ r: 'xabc', p: 'r'.repeat(14) }).length);
    const stackName = { r: stack.stackName };
    expect(unresolvedSize(stack, stackName)).toBe(JSON.stringify({ r: 'S' }).length);
  });

  test('a value with a token object is resolved', () => {
    const value = { r: Fn.join('', ['a', stack.region]) };
    expect(unresolvedSize(stack, value)).toBe(JSON.stringify({ r: `a${'r'.repeat(14)}` }).length);
  });

  test('literalSize: the size of a value without tokens, or undefined', () => {
    expect(literalSize({ a: 'b' })).toBe(9);
    expect(literalSize({ a: stack.region })).toBeUndefined();
    expect(literalSize({ a: Fn.join('', ['a']) })).toBeUndefined();
    // A token object writes itself as a placeholder without 'Token[': not plain, so no size.
    expect(literalSize({ a: Lazy.any({ produce: () => 'x'.repeat(100) }) })).toBeUndefined();
    expect(literalSize(Fn.getAtt('R', 'Arn'))).toBeUndefined();
  });
});

describe('isPlain', () => {
  class Box { public readonly v = 1; }
  test.each([
    ['a string', 'x', true],
    ['a number', 3, true],
    ['null', null, true],
    ['undefined', undefined, true],
    ['a boolean', false, true],
    ['an array of data', ['a', 1, { b: [null] }], true],
    ['an object without a prototype', Object.assign(Object.create(null), { a: 1 }), true],
    ['a string token (a string: plain)', Lazy.string({ produce: () => 'x' }), true],
    ['a number token', Token.asNumber({ Ref: 'N' }), false],
    ['a function', () => 1, false],
    ['a class instance', new Box(), false],
    ['a token object', Fn.join('', ['a', Lazy.list({ produce: () => ['b'] }) as any]) as any, true],
    ['an object holding a token object', { a: Lazy.any({ produce: () => 1 }) }, false],
    ['an array holding a function', [1, () => 1], false],
    ['an object without a prototype holding a function', Object.assign(Object.create(null), { f: () => 1 }), false],
    ['an intrinsic', Fn.getAtt('R', 'Arn'), false],
  ])('%s: %p', (_label, value, plain) => {
    expect(isPlain(value)).toBe(plain);
  });
});

describe('quota checks', () => {
  const messages = (size: number, quota: number) => {
    const stack = new Stack(new App(), 'S');
    const scope = new Construct(stack, 'P');
    const errors = checkQuota(scope, 'the policy', size, quota, 'split it');
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => String(w.entry.data).replace(/ \[ack: [^\]]+\]$/, ''));
    return { errors, warnings };
  };

  test('at the quota: no error; one over: the error with the size, the quota and the fix', () => {
    expect(messages(1000, 1000).errors).toEqual([]);
    expect(messages(1001, 1000)).toEqual({
      errors: ['the policy would be about 1001 characters, over IAM\'s quota of 1000, so CloudFormation would fail at deploy. Fix: split it.'],
      warnings: [],
    });
  });

  test('at 90 % of the quota: nothing; above it: a warning with the percentage', () => {
    expect(messages(900, 1000)).toEqual({ errors: [], warnings: [] });
    expect(messages(901, 1000)).toEqual({ errors: [], warnings: ['the policy is about 901 characters, 90 % of IAM\'s quota of 1000. Fix before it grows: split it.'] });
    expect(messages(996, 1000).warnings).toEqual(['the policy is about 996 characters, 100 % of IAM\'s quota of 1000. Fix before it grows: split it.']);
  });

  test('10 managed policies per role: distinct ARNs and the policies that name the role; the message says how many the enforcement needs', () => {
    const arns = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:iam::aws:policy/P${i}`);
    expect(checkManagedPolicyCount({ inline: 0, managed: 2, managedPolicyArns: [...arns(8), ...arns(8)] }, 0, 'fix')).toEqual([]);
    expect(checkManagedPolicyCount({ inline: 0, managed: 3, managedPolicyArns: arns(8) }, 0, 'attach fewer')).toEqual([
      'the role would have 11 managed policies, over IAM\'s default quota of 10 managed policies per role, so CloudFormation would fail at deploy. Fix: attach fewer.',
    ]);
    expect(checkManagedPolicyCount({ inline: 0, managed: 4, managedPolicyArns: [{ Ref: 'A' }, { Ref: 'A' }, { Ref: 'B' }, ...arns(5)] }, 3, 'grant fewer')).toEqual([
      'the guardrail enforcement needs 3 managed policies besides the inline policy, and with the 8 attached to the role that is 11, '
      + 'over IAM\'s default quota of 10 managed policies per role, so CloudFormation would fail at deploy. Fix: grant fewer.',
    ]);
  });

  test('every role of a stack is checked, not only the last one registered', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const big = new iam.Role(stack, 'Big', { assumedBy: new iam.AccountRootPrincipal(), inlinePolicies: { Own: new iam.PolicyDocument({ statements: [statement(400)] }) } });
    const small = new iam.Role(stack, 'Small', { assumedBy: new iam.AccountRootPrincipal() });
    addRoleQuotaChecks(big, 'use fewer');
    addRoleQuotaChecks(small, 'use fewer');
    expect(() => app.synth()).toThrow(/S\/Big: the inline policies of the role would be about \d+ characters, over IAM's quota of 10240/);
  });

  test('a role\'s managed policies: over 10, the error says to attach fewer; a managed policy that names the role is not an inline policy', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.AccountRootPrincipal(),
      inlinePolicies: { Own: new iam.PolicyDocument({ statements: [statement(200)] }) },
    });
    // About 5,400 characters inline and as many in a managed policy: over the inline quota only if it were counted there.
    new iam.ManagedPolicy(stack, 'NamesRole', { roles: [role], statements: [statement(200)] });
    addRoleQuotaChecks(role, 'use fewer');
    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('quota'))).toEqual([]);

    const app2 = new App();
    const stack2 = new Stack(app2, 'S');
    const crowded = new iam.Role(stack2, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    for (let i = 0; i < 11; i++) crowded.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(`P${i}`));
    addRoleQuotaChecks(crowded, 'use fewer');
    expect(() => app2.synth()).toThrow('S/Role: the role would have 11 managed policies, over IAM\'s default quota of 10 managed policies per role, '
      + 'so CloudFormation would fail at deploy. Fix: attach fewer managed policies to the role.');

    // Ten by ARN, and one that names the role in its Roles: eleven.
    const app3 = new App();
    const stack3 = new Stack(app3, 'S');
    const named = new iam.Role(stack3, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    for (let i = 0; i < 10; i++) named.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(`P${i}`));
    new iam.ManagedPolicy(stack3, 'NamesRole', { roles: [named], statements: [statement(1)] });
    addRoleQuotaChecks(named, 'use fewer');
    expect(() => app3.synth()).toThrow('S/Role: the role would have 11 managed policies');
  });

  const statement = (n: number) => new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: Array.from({ length: n }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) });

  test('a role\'s inline policies (its own and those attached) and its trust policy are checked at synth, with the fix', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.CompositePrincipal(...Array.from({ length: 60 }, (_, i) => new iam.ArnPrincipal(`arn:aws:iam::111122223333:role/a-role-name-${i}`))),
      inlinePolicies: { Own: new iam.PolicyDocument({ statements: [statement(300)] }) },
    });
    // 300 resources of its own and 100 attached: under the quota each, over it together.
    role.addToPolicy(statement(100));
    addRoleQuotaChecks(role, 'use fewer');
    expect(() => app.synth()).toThrow(new RegExp([
      'the inline policies of the role would be about \\d+ characters, over IAM\'s quota of 10240, so CloudFormation would fail at deploy\\. Fix: use fewer\\.',
      'the trust policy of the role would be about \\d+ characters, over IAM\'s quota of 2048, so CloudFormation would fail at deploy\\. '
        + 'Fix: fewer agent or flow IDs, or none \\(every agent or flow of the account\\)\\.',
    ].map(m => `S/Role: ${m}`).join('[^]*')));
  });
});

import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CfnGuardrail } from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EncryptedGuardrailKey, EnforcedGuardrail, GuardrailEnforcedInvokerRole, GuardrailVersion, InvokableModel } from '../../src';
import { DeployEnv, DEFAULT_ENV, resolveCfn } from '../sim/cfn';
import { resourcesInCycles } from '../sim/graph';
import { decide, identityPoliciesOf, logicalIdOf, PolicyJson } from '../sim/simulate';

const ACCOUNT = DEFAULT_ENV.account;
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY_ARN = KEY_ARN.replace('1234abcd', 'ffffffff');
const ROOT_ONLY: PolicyJson = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
const CREATOR_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
/** CreateGrant as Amazon Bedrock sends it for a guardrail creator: for an AWS resource. */
const BEDROCK_GRANT = { 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': 'bedrock.us-east-1.amazonaws.com', 'kms:GranteePrincipal': 'bedrock.amazonaws.com' };

const newStack = () => new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: 'us-east-1' } });

function keyWithCreatorAndUser() {
  const stack = newStack();
  const creator = new iam.Role(stack, 'Creator', { assumedBy: new iam.AccountRootPrincipal() });
  const user = new iam.Role(stack, 'User', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  new EncryptedGuardrailKey(stack, 'Key', { creators: [creator], users: [user] });
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const keyId = logicalIdOf(json, 'AWS::KMS::Key', 'Key');
  const creatorId = logicalIdOf(json, 'AWS::IAM::Role', 'Creator');
  const userId = logicalIdOf(json, 'AWS::IAM::Role', 'User');
  const env: DeployEnv = {
    ...DEFAULT_ENV,
    attributes: {
      [`${keyId}.Arn`]: KEY_ARN,
      [`${creatorId}.Arn`]: `arn:aws:iam::${ACCOUNT}:role/Creator`,
      [`${userId}.Arn`]: `arn:aws:iam::${ACCOUNT}:role/User`,
    },
  };
  return {
    template,
    keyPolicy: resolveCfn(json.Resources[keyId].Properties.KeyPolicy, env) as PolicyJson,
    creator: identityPoliciesOf(json, creatorId, env),
    user: identityPoliciesOf(json, userId, env),
  };
}

const as = (role: string, action: string, resource = KEY_ARN) => ({ action, resource, principal: `arn:aws:iam::${ACCOUNT}:role/${role}` });

test('a symmetric key with rotation on, and the documented key-policy statements', () => {
  const { template, keyPolicy } = keyWithCreatorAndUser();
  template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, KeySpec: Match.absent(), KeyUsage: Match.absent() });
  expect(keyPolicy.Statement).toContainEqual({
    Sid: 'PermissionsForGuardrailsCreators', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Creator` }, Action: CREATOR_ACTIONS, Resource: '*',
  });
  expect(keyPolicy.Statement).toContainEqual({
    Sid: 'PermissionsForGuardrailsCreatorsGrants',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Creator` },
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: { 'kms:ViaService': 'bedrock.us-east-1.amazonaws.com' } },
  });
  expect(keyPolicy.Statement).toContainEqual({
    Sid: 'PermissionsForGuardrailsUsers', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/User` }, Action: 'kms:Decrypt', Resource: '*',
  });
});

test('creator: the three key actions and Bedrock\'s grants on this key, none on another key', async () => {
  const { keyPolicy, creator } = keyWithCreatorAndUser();
  for (const action of CREATOR_ACTIONS) {
    expect(await decide(creator, as('Creator', action), keyPolicy)).toBe('Allowed');
    expect(await decide(creator, as('Creator', action, OTHER_KEY_ARN), ROOT_ONLY)).toBe('ImplicitlyDenied');
  }
  expect(await decide(creator, { ...as('Creator', 'kms:CreateGrant'), context: BEDROCK_GRANT }, keyPolicy)).toBe('Allowed');
  expect(await decide(creator, { ...as('Creator', 'kms:CreateGrant', OTHER_KEY_ARN), context: BEDROCK_GRANT }, ROOT_ONLY)).toBe('ImplicitlyDenied');
  expect(await decide(creator, as('Creator', 'kms:Encrypt'), keyPolicy)).toBe('ImplicitlyDenied');
  expect(await decide(creator, as('Creator', 'kms:ScheduleKeyDeletion'), keyPolicy)).toBe('ImplicitlyDenied');
});

test('a creator cannot create a grant for a principal of its choosing, or through another service, in the key policy or its identity policy', async () => {
  const { keyPolicy, creator } = keyWithCreatorAndUser();
  const forAttacker = { 'kms:GranteePrincipal': `arn:aws:iam::${ACCOUNT}:role/Attacker`, 'kms:GrantOperations': ['Decrypt'] };
  const throughAnotherService = { ...forAttacker, 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' };
  for (const context of [forAttacker, { ...forAttacker, 'kms:GrantIsForAWSResource': 'false' }, throughAnotherService]) {
    // Key policy and identity policy together, and each alone (the other delegating to IAM or allowing nothing). A grant
    // that is not for an AWS resource is denied explicitly by the key policy; one through another service is not allowed.
    const byKeyPolicy = context === throughAnotherService ? 'ImplicitlyDenied' : 'ExplicitlyDenied';
    expect(await decide(creator, { ...as('Creator', 'kms:CreateGrant'), context }, keyPolicy)).toBe(byKeyPolicy);
    expect(await decide(creator, { ...as('Creator', 'kms:CreateGrant'), context }, ROOT_ONLY)).toBe('ImplicitlyDenied');
    expect(await decide([], { ...as('Creator', 'kms:CreateGrant'), context }, keyPolicy)).toBe(byKeyPolicy);
  }
});

test('no principal of the account, even one allowed everything, can grant the key to a principal of its choosing (CT.KMS.PR.3)', async () => {
  const { keyPolicy, template } = keyWithCreatorAndUser();
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([{
        Sid: 'DenyGrantsExceptForAwsServices',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }]),
    },
  });
  const admin = [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }];
  const forAttacker = { 'kms:GranteePrincipal': `arn:aws:iam::${ACCOUNT}:role/Attacker` };
  expect(await decide(admin, { ...as('Admin', 'kms:CreateGrant'), context: forAttacker }, keyPolicy)).toBe('ExplicitlyDenied');
  expect(await decide(admin, { ...as('Admin', 'kms:CreateGrant'), context: { ...forAttacker, 'aws:PrincipalIsAWSService': 'false' } }, keyPolicy)).toBe('ExplicitlyDenied');
  // A grant an AWS service creates for a resource on the principal's behalf is not denied.
  expect(await decide(admin, { ...as('Admin', 'kms:CreateGrant'), context: BEDROCK_GRANT }, keyPolicy)).toBe('Allowed');
  // Other key administration stays with the account.
  expect(await decide(admin, as('Admin', 'kms:DescribeKey'), keyPolicy)).toBe('Allowed');
});

test('user: kms:Decrypt only', async () => {
  const { keyPolicy, user } = keyWithCreatorAndUser();
  expect(await decide(user, as('User', 'kms:Decrypt'), keyPolicy)).toBe('Allowed');
  for (const action of ['kms:GenerateDataKey', 'kms:DescribeKey', 'kms:Encrypt']) {
    expect(await decide(user, as('User', action), keyPolicy)).toBe('ImplicitlyDenied');
  }
  expect(await decide(user, as('User', 'kms:CreateGrant'), keyPolicy)).toBe('ExplicitlyDenied');
  expect(await decide(user, as('User', 'kms:Decrypt', OTHER_KEY_ARN), ROOT_ONLY)).toBe('ImplicitlyDenied');
});

test('several creators share one key-policy statement (unique Sids)', () => {
  const stack = newStack();
  const key = new EncryptedGuardrailKey(stack, 'Key');
  key.grantCreate(new iam.Role(stack, 'A', { assumedBy: new iam.AccountRootPrincipal() }));
  key.grantCreate(new iam.Role(stack, 'B', { assumedBy: new iam.AccountRootPrincipal() }));
  const policy = Template.fromStack(stack).toJSON().Resources[logicalIdOf(Template.fromStack(stack).toJSON(), 'AWS::KMS::Key', 'Key')].Properties.KeyPolicy;
  const sids = policy.Statement.map((s: any) => s.Sid).filter((s: any) => s);
  expect(new Set(sids).size).toBe(sids.length);
  expect(policy.Statement.find((s: any) => s.Sid === 'PermissionsForGuardrailsCreators').Principal.AWS).toHaveLength(2);
});

test('it encrypts a CfnGuardrail, and the invoker that uses the guardrail gets kms:Decrypt with no dependency cycle', () => {
  const stack = newStack();
  const key = new EncryptedGuardrailKey(stack, 'Key');
  const guardrail = new CfnGuardrail(stack, 'Guardrail', {
    name: 'g',
    blockedInputMessaging: 'no',
    blockedOutputsMessaging: 'no',
    kmsKeyArn: key.keyArn,
    contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
  });
  const invoker = new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    guardrails: [EnforcedGuardrail.fromGuardrail(guardrail, GuardrailVersion.DRAFT, { encryptionKey: key })],
    models: [InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')],
  });
  key.grantUse(invoker);
  const json = Template.fromStack(stack).toJSON();
  expect(resourcesInCycles(json)).toEqual([]);
  const decrypt = json.Resources[logicalIdOf(json, 'AWS::IAM::Role', 'Invoker')].Properties.Policies[0].PolicyDocument.Statement
    .find((s: any) => s.Sid === 'AllowRoleToUseEncryptedGuardrailDuringInference');
  expect(decrypt).toEqual({ Sid: 'AllowRoleToUseEncryptedGuardrailDuringInference', Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [logicalIdOf(json, 'AWS::KMS::Key', 'Key'), 'Arn'] } });
  Annotations.fromStack(stack).hasInfo('/Test/Key', Match.stringLikeRegexp('Test/Invoker is not named in the key policy'));
});

test.each([
  ['an asymmetric key spec', { keySpec: kms.KeySpec.RSA_2048 }, /keySpec RSA_2048 is not a symmetric encryption key/],
  ['an HMAC key spec', { keySpec: kms.KeySpec.HMAC_256 }, /keySpec HMAC_256 is not a symmetric encryption key/],
  ['a signing key usage', { keyUsage: kms.KeyUsage.SIGN_VERIFY }, /keyUsage SIGN_VERIFY cannot encrypt a guardrail/],
])('refuses %s, naming the construct', (_label, props, message) => {
  expect(() => new EncryptedGuardrailKey(newStack(), 'Key', props)).toThrow(new RegExp(`Test/Key: ${message.source}`));
});

test('rotation can be turned off explicitly', () => {
  const stack = newStack();
  new EncryptedGuardrailKey(stack, 'Key', { enableKeyRotation: false });
  Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: false });
});

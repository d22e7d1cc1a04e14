import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CfnGuardrail } from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EncryptedGuardrailKey, GuardrailAdministratorRole, GuardrailAdministratorRoleProps, GuardrailProfile } from '../../src';
import { DeployEnv, DEFAULT_ENV, resolveCfn } from '../sim/cfn';
import { ALLOW_ALL, decide, identityPoliciesOf, logicalIdOf } from '../sim/simulate';

const ACCOUNT = DEFAULT_ENV.account;
const G1 = `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/abc123`;
const G2 = `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/def456`;
const newStack = () => new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: 'us-east-1' } });

function synthAdmin(
  props: Partial<GuardrailAdministratorRoleProps> = {},
  env: DeployEnv = DEFAULT_ENV,
  customize?: (stack: Stack) => Partial<GuardrailAdministratorRoleProps>,
) {
  const stack = newStack();
  new GuardrailAdministratorRole(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal(), ...props, ...customize?.(stack) });
  const json = Template.fromStack(stack).toJSON();
  return { stack, json, get policies() { return identityPoliciesOf(json, logicalIdOf(json, 'AWS::IAM::Role', 'Admin'), env); } };
}

const create = (tags: { [key: string]: string } = {}) => ({
  action: 'bedrock:CreateGuardrail',
  resource: '*',
  context: { ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])), 'aws:TagKeys': Object.keys(tags) },
});
const change = (action: string, resource: string, tags: { [key: string]: string } = {}) => ({
  action, resource, context: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
});

describe('management without tag rules', () => {
  test('create, read, list, update, version and delete guardrails of the account and Region', async () => {
    const { policies } = synthAdmin();
    expect(await decide(policies, create())).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:ListGuardrails', resource: '*' })).toBe('Allowed');
    for (const action of ['bedrock:GetGuardrail', 'bedrock:UpdateGuardrail', 'bedrock:DeleteGuardrail', 'bedrock:CreateGuardrailVersion']) {
      expect(await decide(policies, change(action, G1))).toBe('Allowed');
      expect(await decide(policies, change(action, G1.replace('us-east-1', 'eu-west-1')))).toBe('ImplicitlyDenied');
    }
    expect(await decide(policies, { action: 'bedrock:TagResource', resource: G1 })).toBe('ImplicitlyDenied');
    // Without required tags, no statement carries a tag condition, not even an empty one.
    const statements = policies.flatMap(p => p.Statement);
    expect(statements.filter((st: any) => st.Condition !== undefined)).toEqual([]);
    expect(statements.map((st: any) => st.Sid).sort()).toEqual(['ChangeGuardrails', 'CreateGuardrails', 'GetGuardrails', 'ListGuardrails']);
  });

  test('scoped to guardrail resources (IGuardrailRef), with ARNs', async () => {
    const { policies } = synthAdmin({ guardrailArns: [G1] }, { ...DEFAULT_ENV, refs: { Guardrail: G2 } }, stack => ({
      guardrails: [new CfnGuardrail(stack, 'Guardrail', {
        name: 'g',
        blockedInputMessaging: 'no',
        blockedOutputsMessaging: 'no',
        contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
      })],
    }));
    expect(await decide(policies, change('bedrock:UpdateGuardrail', G1))).toBe('Allowed');
    expect(await decide(policies, change('bedrock:UpdateGuardrail', G2))).toBe('Allowed');
    expect(await decide(policies, change('bedrock:UpdateGuardrail', `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/zzz999`))).toBe('ImplicitlyDenied');
  });

  test('scoped to the given guardrails', async () => {
    const { policies } = synthAdmin({ guardrailArns: [G1] });
    expect(await decide(policies, change('bedrock:UpdateGuardrail', G1))).toBe('Allowed');
    expect(await decide(policies, change('bedrock:UpdateGuardrail', G2))).toBe('ImplicitlyDenied');
    expect(await decide(policies, change('bedrock:DeleteGuardrail', G2))).toBe('ImplicitlyDenied');
  });

  test('separation of duties: no inference, no ApplyGuardrail', async () => {
    const { policies } = synthAdmin();
    expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0' })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: G1 })).toBe('ImplicitlyDenied');
  });

  test('read-only for auditors', async () => {
    const { policies } = synthAdmin({ readOnly: true });
    expect(await decide(policies, change('bedrock:GetGuardrail', G1))).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:ListGuardrails', resource: '*' })).toBe('Allowed');
    expect(await decide(policies, create())).toBe('ImplicitlyDenied');
    expect(await decide(policies, change('bedrock:UpdateGuardrail', G1))).toBe('ImplicitlyDenied');
  });
});

describe('required tags', () => {
  const requiredTags = { team: ['ml-platform', 'search'], env: ['prod'] };

  test('CreateGuardrail only with every required tag at an allowed value, even beside Allow *:*', async () => {
    const { policies } = synthAdmin({ requiredTags });
    expect(await decide(policies, create({ team: 'search', env: 'prod' }))).toBe('Allowed');
    const wrong: Array<{ [key: string]: string }> = [{}, { team: 'search' }, { team: 'web', env: 'prod' }, { team: 'search', env: 'dev' }];
    for (const tags of wrong) {
      expect({ tags, decision: await decide([...policies, ALLOW_ALL], create(tags)) }).toEqual({ tags, decision: 'ExplicitlyDenied' });
    }
  });

  test('update, version and delete only on guardrails that carry the tags (aws:ResourceTag)', async () => {
    const { policies } = synthAdmin({ requiredTags });
    for (const action of ['bedrock:UpdateGuardrail', 'bedrock:DeleteGuardrail', 'bedrock:CreateGuardrailVersion']) {
      expect(await decide(policies, change(action, G1, { team: 'ml-platform', env: 'prod' }))).toBe('Allowed');
      expect(await decide([...policies, ALLOW_ALL], change(action, G1, { team: 'web', env: 'prod' }))).toBe('ExplicitlyDenied');
      expect(await decide([...policies, ALLOW_ALL], change(action, G1))).toBe('ExplicitlyDenied');
    }
  });

  test('another team\'s guardrail cannot be re-tagged and then changed; required tags cannot be removed', async () => {
    const { policies } = synthAdmin({ requiredTags });
    const retag = {
      action: 'bedrock:TagResource',
      resource: G1,
      context: { 'aws:ResourceTag/team': 'web', 'aws:ResourceTag/env': 'prod', 'aws:RequestTag/team': 'search', 'aws:TagKeys': ['team'] },
    };
    expect(await decide([...policies, ALLOW_ALL], retag)).toBe('ExplicitlyDenied');
    expect(await decide([...policies, ALLOW_ALL], { action: 'bedrock:UntagResource', resource: G1, context: { 'aws:TagKeys': ['team'], 'aws:ResourceTag/team': 'search' } }))
      .toBe('ExplicitlyDenied');
    // Tagging a guardrail of this team stays allowed.
    expect(await decide(policies, { ...retag, context: { ...retag.context, 'aws:ResourceTag/team': 'ml-platform' } })).toBe('Allowed');
  });

  /** TagResource that gives an untagged guardrail the required tags: it would then be this team's. */
  const adopt = {
    action: 'bedrock:TagResource',
    resource: G2,
    context: { 'aws:RequestTag/team': 'search', 'aws:RequestTag/env': 'prod', 'aws:TagKeys': ['team', 'env'] },
  };

  test('an untagged guardrail cannot be adopted by tagging it, even beside Allow *:*; creating one with the tags still works', async () => {
    const { policies, stack } = synthAdmin({ requiredTags });
    expect(await decide([...policies, ALLOW_ALL], adopt)).toBe('ExplicitlyDenied');
    // Another spelling of the key: IAM looks up aws:ResourceTag/team ignoring case, so TEAM would count.
    const upper = { ...adopt, context: { 'aws:RequestTag/TEAM': 'search', 'aws:RequestTag/ENV': 'prod', 'aws:TagKeys': ['TEAM', 'ENV'] } };
    expect(await decide([...policies, ALLOW_ALL], upper)).toBe('ExplicitlyDenied');
    expect(await decide([...policies, ALLOW_ALL], { action: 'bedrock:UntagResource', resource: G1, context: { 'aws:TagKeys': ['Team'] } })).toBe('ExplicitlyDenied');
    // One required tag missing is enough: the guardrail carries team but not env.
    expect(await decide([...policies, ALLOW_ALL], { ...adopt, context: { ...adopt.context, 'aws:ResourceTag/team': 'search' } })).toBe('ExplicitlyDenied');
    // Tags that are not required may still be added to the team's own guardrails.
    expect(await decide(policies, {
      action: 'bedrock:TagResource', resource: G2, context: { 'aws:ResourceTag/team': 'search', 'aws:ResourceTag/env': 'prod', 'aws:RequestTag/owner': 'alice', 'aws:TagKeys': ['owner'] },
    })).toBe('Allowed');
    // CreateGuardrail carries the request tags itself (aws:RequestTag, aws:TagKeys).
    expect(await decide(policies, create({ team: 'search', env: 'prod' }))).toBe('Allowed');
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('allowTaggingUntaggedGuardrails lifts only that Deny, with a warning', async () => {
    const { policies, stack } = synthAdmin({ requiredTags, allowTaggingUntaggedGuardrails: true });
    expect(await decide(policies, adopt)).toBe('Allowed');
    expect(await decide([...policies, ALLOW_ALL], { ...adopt, context: { ...adopt.context, 'aws:ResourceTag/team': 'web' } })).toBe('ExplicitlyDenied');
    Annotations.fromStack(stack).hasWarning('/Test/Admin', Match.stringLikeRegexp('allowTaggingUntaggedGuardrails is true, so this role may set a required tag on a guardrail that lacks it'));
  });

  test('TagResource (needed to create with tags) keeps required tags at allowed values', async () => {
    const { policies } = synthAdmin({ requiredTags });
    // A guardrail of this team: it carries the required tags already.
    const tag = (tags: { [key: string]: string }) => ({
      action: 'bedrock:TagResource',
      resource: G1,
      context: {
        'aws:ResourceTag/team': 'search',
        'aws:ResourceTag/env': 'prod',
        ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
        'aws:TagKeys': Object.keys(tags),
      },
    });
    expect(await decide(policies, tag({ team: 'search', env: 'prod' }))).toBe('Allowed');
    expect(await decide(policies, tag({ owner: 'alice' }))).toBe('Allowed');
    expect(await decide(policies, tag({ team: 'web' }))).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:UntagResource', resource: G1, context: { 'aws:TagKeys': ['team'] } })).toBe('ExplicitlyDenied');
  });

  test('the tag Denies stop only what they name: other tags may be added to an untagged guardrail and removed, beside Allow *:*', async () => {
    const { policies } = synthAdmin({ requiredTags });
    const untagged = { action: 'bedrock:TagResource', resource: G2, context: { 'aws:RequestTag/owner': 'alice', 'aws:TagKeys': ['owner'] } };
    expect(await decide([...policies, ALLOW_ALL], untagged)).toBe('Allowed');
    const untag = (keys: string[]) => ({ action: 'bedrock:UntagResource', resource: G1, context: { 'aws:TagKeys': keys, 'aws:ResourceTag/team': 'search' } });
    expect(await decide([...policies, ALLOW_ALL], untag(['owner']))).toBe('Allowed');
    expect(await decide([...policies, ALLOW_ALL], untag(['owner', 'env']))).toBe('ExplicitlyDenied');
  });

  test('the statements, by Sid: one Deny of each kind per required tag', () => {
    const { policies } = synthAdmin({ requiredTags, guardrailProfiles: [GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east-2'])] });
    expect(policies.flatMap(p => p.Statement).map((st: any) => `${st.Effect} ${st.Sid}`).sort()).toEqual([
      'Allow ChangeGuardrails', 'Allow CreateGuardrails', 'Allow GetGuardrails', 'Allow ListGuardrails', 'Allow TagGuardrails', 'Allow UseGuardrailProfiles',
      'Deny DenyChangeGuardrailWithoutRequiredTag1', 'Deny DenyChangeGuardrailWithoutRequiredTag2',
      'Deny DenyCreateGuardrailWithoutRequiredTag1', 'Deny DenyCreateGuardrailWithoutRequiredTag2',
      'Deny DenyRemoveRequiredTags',
      'Deny DenyRetagGuardrailWithOtherRequiredTag1', 'Deny DenyRetagGuardrailWithOtherRequiredTag2',
      'Deny DenyTagUntaggedGuardrailWithRequiredTag1', 'Deny DenyTagUntaggedGuardrailWithRequiredTag2',
    ]);
  });
});

describe('profiles and keys', () => {
  test('cross-Region profile: Create and Update on the profile in every Region', async () => {
    const { policies } = synthAdmin({ guardrailProfiles: [GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east-2', 'us-west-2'])] });
    const profile = (region: string) => `arn:aws:bedrock:${region}:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0`;
    for (const region of ['us-east-1', 'us-east-2', 'us-west-2']) {
      expect(await decide(policies, { action: 'bedrock:UpdateGuardrail', resource: profile(region) })).toBe('Allowed');
    }
    expect(await decide(policies, { action: 'bedrock:UpdateGuardrail', resource: profile('eu-west-1') })).toBe('ImplicitlyDenied');
  });

  test('an EncryptedGuardrailKey: the creator key permissions, in the key policy too', () => {
    const { json } = synthAdmin({}, DEFAULT_ENV, stack => ({ encryptionKey: new EncryptedGuardrailKey(stack, 'Key') }));
    const key = json.Resources[logicalIdOf(json, 'AWS::KMS::Key', 'Key')];
    const creators = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'PermissionsForGuardrailsCreators');
    expect(creators.Principal.AWS).toEqual({ 'Fn::GetAtt': [logicalIdOf(json, 'AWS::IAM::Role', 'Admin'), 'Arn'] });
    const identity = resolveCfn(json.Resources[logicalIdOf(json, 'AWS::IAM::Policy', 'AdminDefaultPolicy')].Properties.PolicyDocument, {
      ...DEFAULT_ENV, attributes: { [`${logicalIdOf(json, 'AWS::KMS::Key', 'Key')}.Arn`]: 'arn:aws:kms:us-east-1:111122223333:key/k' },
    });
    expect(identity.Statement).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], Resource: 'arn:aws:kms:us-east-1:111122223333:key/k' },
      {
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: 'arn:aws:kms:us-east-1:111122223333:key/k',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: { 'kms:ViaService': 'bedrock.us-east-1.amazonaws.com' } },
      },
    ]);
  });

  test('an imported key: the same creator permissions on it, simulated, and CreateGrant only when Bedrock asks for it', async () => {
    const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
    const { policies } = synthAdmin({}, DEFAULT_ENV, stack => ({ encryptionKey: kms.Key.fromKeyArn(stack, 'Imported', keyArn) }));
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']) {
      expect(await decide(policies, { action, resource: keyArn }, keyPolicy)).toBe('Allowed');
      expect(await decide(policies, { action, resource: keyArn.replace('1234abcd', 'ffffffff') }, keyPolicy)).toBe('ImplicitlyDenied');
    }
    expect(await decide(policies, { action: 'kms:Encrypt', resource: keyArn }, keyPolicy)).toBe('ImplicitlyDenied');
    const grant = (context: { [key: string]: string }) => decide(policies, { action: 'kms:CreateGrant', resource: keyArn, context }, keyPolicy);
    expect(await grant({ 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': 'bedrock.us-east-1.amazonaws.com' })).toBe('Allowed');
    expect(await grant({ 'kms:GrantIsForAWSResource': 'false', 'kms:ViaService': 'bedrock.us-east-1.amazonaws.com' })).toBe('ImplicitlyDenied');
    expect(await grant({ 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' })).toBe('ImplicitlyDenied');
    expect(await grant({})).toBe('ImplicitlyDenied');
  });
});

test('a list token of guardrail ARNs (a CommaDelimitedList parameter) is accepted', () => {
  const stack = newStack();
  const arns = new CfnParameter(stack, 'Arns', { type: 'CommaDelimitedList' }).valueAsList;
  new GuardrailAdministratorRole(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal(), guardrailArns: arns });
  expect(() => Template.fromStack(stack)).not.toThrow();
});

describe('bad input', () => {
  const admin = (props: Partial<GuardrailAdministratorRoleProps>) => () => new GuardrailAdministratorRole(newStack(), 'Admin', { assumedBy: new iam.AccountRootPrincipal(), ...props });

  test.each([
    ['an empty list of allowed values', { requiredTags: { team: [] } }, /Test\/Admin: requiredTags\['team'\] has no allowed value.*Fix:/],
    ['a reserved tag key', { requiredTags: { 'aws:team': ['a'] } }, /uses the reserved prefix 'aws:'/],
    ['a malformed tag key', { requiredTags: { 'team*': ['a'] } }, /'team\*' in requiredTags is not a tag key/],
    ['a malformed guardrail ARN', { guardrailArns: ['arn:aws:bedrock:us-east-1:111122223333:guardrail/G-HR'] }, /Test\/Admin: '.*' is not a guardrail ARN. Fix:/],
    ['an empty guardrail list', { guardrailArns: [] }, /guardrailArns and guardrails are empty/],
    ['an empty list of guardrail resources', { guardrails: [] }, /guardrailArns and guardrails are empty/],
    ['read-only with tag rules', { readOnly: true, requiredTags: { team: ['a'] } }, /readOnly grants only GetGuardrail and ListGuardrails/],
    ['allowTaggingUntaggedGuardrails without tag rules', { allowTaggingUntaggedGuardrails: true }, /Test\/Admin: allowTaggingUntaggedGuardrails only lifts a Deny that requiredTags adds.*Fix:/],
  ])('%s', (_label, props, message) => {
    expect(admin(props as Partial<GuardrailAdministratorRoleProps>)).toThrow(message);
  });
});

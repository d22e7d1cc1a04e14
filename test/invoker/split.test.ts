import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ACCOUNT, fm, G1, G2, guardrailArn, invoke, KEY_ARN, profileArn, REGION, stream, synthInvoker } from './fixtures';
import { EnforcedGuardrail, GuardrailEnforcedInvokerRole, GuardrailVersion, InvokableModel } from '../../src';
import { policySize } from '../../src/private/policy-size';
import { ALLOW_ALL, decide, PolicyJson } from '../sim/simulate';

// aws-cdk-lib's CloudFormation schema validation, off in most tests (test/setup-env.ts), runs here.
process.env.CDK_VALIDATION = 'true';

const US = ['us-east-1', 'us-east-2', 'us-west-2'];
const modelId = (i: number) => `anthropic.claude-model-${String(i).padStart(3, '0')}-20250101-v1:0`;
const FOUNDATION_MODELS = 150;
const PROFILES = 12;
const APPROVED = [`${G1}:1`, `${G2}:3`, `${G2}:12`];

/**
 * A role whose enforcement does not fit inline: 150 foundation models and 12 cross-Region profiles (3
 * Regions each), two guardrails (G1 at version 1, G2 at any numbered version, so StringLike), one encrypted.
 */
let split: ReturnType<typeof synthInvoker>, roleId: string, role: any, managedIds: string[], inline: PolicyJson, managed: PolicyJson[];
beforeAll(() => {
  split = synthInvoker({
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: [
      ...Array.from({ length: FOUNDATION_MODELS }, (_, i) => InvokableModel.foundationModel(modelId(i))),
      ...Array.from({ length: PROFILES }, (_, i) => InvokableModel.crossRegionInferenceProfile(`us.${modelId(i)}`, US)),
    ],
  }, (r, stack) => r.addGuardrail(EnforcedGuardrail.fromArn(G2, GuardrailVersion.ANY_NUMBERED, { encryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN) })));
  roleId = Object.keys(split.json.Resources).find(id => split.json.Resources[id].Type === 'AWS::IAM::Role')!;
  role = split.json.Resources[roleId];
  managedIds = Object.keys(split.json.Resources).filter(id => split.json.Resources[id].Type === 'AWS::IAM::ManagedPolicy');
  [inline, ...managed] = split.policies;
});
const profileIds = Array.from({ length: PROFILES }, (_, i) => `us.${modelId(i)}`);

describe('an enforcement too large for the inline policy is split across managed policies', () => {
  test('the inline policy keeps every Deny, whole and first; the rest are Allows in managed policies attached to the role', () => {
    expect(managedIds.length).toBeGreaterThanOrEqual(3);
    expect(role.Properties.Policies).toHaveLength(1);
    expect(role.Properties.Policies[0].PolicyName).toBe('GuardrailEnforcement');
    expect(role.Properties.ManagedPolicyArns).toEqual(managedIds.map(id => ({ Ref: id })));
    expect(inline.Statement[0]).toEqual({
      Sid: 'DenyInvokeWithoutApprovedGuardrail',
      Effect: 'Deny',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: '*',
      Condition: { StringNotLike: { 'bedrock:GuardrailIdentifier': [`${G1}:1`, `${G2}:*`] } },
    });
    expect(inline.Statement.slice(0, 5).map((s: any) => s.Sid)).toEqual([
      'DenyInvokeWithoutApprovedGuardrail', 'DenyInferenceWithoutGuardrailCheck', 'DenyPassRoleToBedrock',
      'DenyChangesToApprovedGuardrails', 'DenyChangesToAccountGuardrailSettings',
    ]);
    expect(inline.Statement.filter((s: any) => s.Effect === 'Deny')).toHaveLength(5);
    for (const p of managed) expect(p.Statement.filter((s: any) => s.Effect === 'Deny')).toEqual([]);
  });

  test('every inference Allow, in every part, carries the guardrail condition', () => {
    const allows = split.policies.flatMap(p => p.Statement).filter(s => s.Effect === 'Allow' && [s.Action].flat().includes('bedrock:InvokeModel'));
    expect(allows.length).toBeGreaterThan(PROFILES);
    for (const s of allows) {
      expect(s.Condition.StringLike['bedrock:GuardrailIdentifier']).toEqual([`${G1}:1`, `${G2}:*`]);
    }
  });

  test('each part is within IAM\'s quotas (filled to 90 % at most), and no warning is given', () => {
    expect(policySize(inline)).toBeLessThanOrEqual(10240 * 0.9);
    for (const p of managed) expect(policySize(p)).toBeLessThanOrEqual(6144 * 0.9);
    Annotations.fromStack(split.stack).hasNoWarning('*', Match.anyValue());
  });

  test('nothing is lost or added: the resources of each statement across the parts are exactly the granted ones', () => {
    const resourcesOf = (sid: string) => split.policies.flatMap(p => p.Statement).filter(s => s.Sid === sid).flatMap(s => [s.Resource].flat()).sort();
    const own = [...Array.from({ length: FOUNDATION_MODELS }, (_, i) => fm(modelId(i))), ...profileIds.map(id => profileArn(id))].sort();
    expect(resourcesOf('InvokeWithApprovedGuardrail')).toEqual(own);
    profileIds.forEach((_id, i) => expect(resourcesOf(`InvokeThroughProfile${i + 1}WithApprovedGuardrail`)).toEqual(US.map(r => fm(modelId(i), r)).sort()));
    expect(resourcesOf('GetInferenceProfile')).toEqual(profileIds.map(id => profileArn(id)).sort());
    expect(resourcesOf('ApplyGuardrail')).toEqual([G1, G2]);
    expect(resourcesOf('AllowRoleToUseEncryptedGuardrailDuringInference')).toEqual([KEY_ARN]);
  });
});

test('the split role\'s template passes aws-cdk-lib\'s CloudFormation validation, its findings as errors', () => {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const stack = new Stack(app, 'Strict', { env: { account: ACCOUNT, region: REGION } });
  new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: Array.from({ length: FOUNDATION_MODELS }, (_, i) => InvokableModel.foundationModel(modelId(i))),
  });
  const template = Template.fromStack(stack).toJSON();
  expect(Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::IAM::ManagedPolicy').length).toBeGreaterThan(0);
});

describe('the split role, simulated', () => {
  /** Every request the role is granted: each model directly, each profile, each routed model through its profile. */
  const granted = [
    ...Array.from({ length: FOUNDATION_MODELS }, (_, i) => ({ resource: fm(modelId(i)), extra: {} })),
    ...profileIds.map(id => ({ resource: profileArn(id), extra: {} })),
    ...profileIds.flatMap((id, i) => US.map(r => ({ resource: fm(modelId(i), r), extra: { 'bedrock:InferenceProfileArn': profileArn(id) } }))),
  ];

  test('every granted request with an approved guardrail is allowed', async () => {
    for (const [n, { resource, extra }] of granted.entries()) {
      const request = n % 2 === 0 ? invoke(resource, APPROVED[n % 3], extra) : stream(resource, APPROVED[n % 3], extra);
      expect([resource, await decide(split.policies, request)]).toEqual([resource, 'Allowed']);
    }
  });

  test('every unguarded request is explicitly denied, even beside Allow *:*, and by the inline policy alone', async () => {
    const wrong = [undefined, G1, `${G1}:2`, guardrailArn('zzz999'), `${guardrailArn('zzz999')}:1`, 'abc123'];
    for (const [n, { resource, extra }] of granted.entries()) {
      const request = invoke(resource, wrong[n % wrong.length], extra);
      expect([resource, await decide([...split.policies, ALLOW_ALL], request)]).toEqual([resource, 'ExplicitlyDenied']);
      // The Deny is in the inline policy, created with the role: it holds before any managed policy is attached.
      expect([resource, await decide([inline, ALLOW_ALL], request)]).toEqual([resource, 'ExplicitlyDenied']);
    }
  });

  test('models, profiles and routes that were not granted stay denied', async () => {
    const notGranted = [
      invoke(fm(modelId(FOUNDATION_MODELS)), APPROVED[0]),
      invoke(profileArn(`us.${modelId(PROFILES)}`), APPROVED[0]),
      // A routed model directly, or through another profile.
      invoke(fm(modelId(0), 'us-west-2'), APPROVED[0]),
      invoke(fm(modelId(0), 'us-west-2'), APPROVED[0], { 'bedrock:InferenceProfileArn': profileArn(profileIds[1]) }),
    ];
    for (const request of notGranted) expect(await decide(split.policies, request)).toBe('ImplicitlyDenied');
  });

  test('the other grants still hold: ApplyGuardrail, GetInferenceProfile, kms:Decrypt', async () => {
    expect(await decide(split.policies, { action: 'bedrock:ApplyGuardrail', resource: G2 })).toBe('Allowed');
    expect(await decide(split.policies, { action: 'bedrock:GetInferenceProfile', resource: profileArn(profileIds[PROFILES - 1]) })).toBe('Allowed');
    const keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
    expect(await decide(split.policies, { action: 'kms:Decrypt', resource: KEY_ARN }, keyPolicy)).toBe('Allowed');
  });
});

describe('when the split happens', () => {
  const models = (n: number) => Array.from({ length: n }, (_, i) => InvokableModel.foundationModel(modelId(i)));
  const managedPolicies = (json: any) => Object.values(json.Resources as { [id: string]: any }).filter(r => r.Type === 'AWS::IAM::ManagedPolicy');

  test('a role whose enforcement fits stays a single inline policy, statements in the docs\' order', () => {
    const { json, policies } = synthInvoker({ models: models(20) });
    expect(managedPolicies(json)).toHaveLength(0);
    expect(policies[0].Statement.map(s => s.Sid)).toEqual([
      'InvokeWithApprovedGuardrail', 'DenyInvokeWithoutApprovedGuardrail', 'DenyInferenceWithoutGuardrailCheck', 'DenyPassRoleToBedrock',
      'DenyChangesToApprovedGuardrails', 'DenyChangesToAccountGuardrailSettings', 'ApplyGuardrail',
    ]);
  });

  test('the user\'s own inline statements leave less room: the enforcement moves out sooner', () => {
    const { json: without } = synthInvoker({ models: models(60) });
    expect(managedPolicies(without)).toHaveLength(0);
    const { json, policies } = synthInvoker({ models: models(60) }, r => {
      for (let i = 0; i < 40; i++) r.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:aws:s3:::bucket-number-${i}/*`] }));
    });
    expect(managedPolicies(json)).toHaveLength(1);
    const inlineTotal = policySize(policies[0]) + policySize(policies[1]);
    expect(policies[1].Statement.every((s: any) => s.Action === 's3:GetObject')).toBe(true);
    expect(inlineTotal).toBeLessThanOrEqual(10240 * 0.9);
  });

  test('the order in which models are listed does not change the split template', () => {
    const forward = synthInvoker({ models: models(200) }).json;
    expect(managedPolicies(forward).length).toBeGreaterThan(1);
    expect(synthInvoker({ models: models(200).reverse() }).json).toEqual(forward);
  });

  test('addModel() after construction is laid out too', () => {
    const { json, policies } = synthInvoker({ models: models(1) }, r => models(200).forEach(m => r.addModel(m)));
    expect(managedPolicies(json).length).toBeGreaterThan(0);
    const resources = policies.flatMap(p => p.Statement).filter(s => s.Sid === 'InvokeWithApprovedGuardrail').flatMap(s => [s.Resource].flat());
    expect(new Set(resources).size).toBe(200);
  });
});

test('account and Region in the simulated ARNs are the stack\'s', () => {
  expect(fm('m')).toBe(`arn:aws:bedrock:${REGION}::foundation-model/m`);
  expect(profileArn('p')).toContain(ACCOUNT);
});

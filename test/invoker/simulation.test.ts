import { CfnGuardrail } from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ACCOUNT, fm, G1, G2, G3, guardrailArn, HAIKU, invoke, KEY_ARN, profileArn, REGION, SONNET, stream, synthInvoker } from './fixtures';
import { EnforcedGuardrail, GuardrailProfile, GuardrailVersion, InvokableModel } from '../../src';
import { ALLOW_ALL, decide, PolicyJson } from '../sim/simulate';

/** The default key policy: the account's IAM policies decide (KMS needs a key policy that delegates to them). */
const ROOT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};

/** Decides the request with the role's policies, and again with an `Allow *:*` policy beside them. */
async function both(policies: PolicyJson[], request: Parameters<typeof decide>[1]) {
  return [await decide(policies, request), await decide([...policies, ALLOW_ALL], request)];
}

/** A denied request must be explicitly denied whatever else the role is allowed. */
async function expectEnforcedDeny(policies: PolicyJson[], request: Parameters<typeof decide>[1]) {
  expect(await both(policies, request)).toEqual(['ExplicitlyDenied', 'ExplicitlyDenied']);
}

async function expectAllowed(policies: PolicyJson[], request: Parameters<typeof decide>[1]) {
  expect(await both(policies, request)).toEqual(['Allowed', 'Allowed']);
}

describe('one guardrail at a numbered version (doc Example 1)', () => {
  let policies: PolicyJson[];
  beforeAll(() => ({ policies } = synthInvoker()));

  test('InvokeModel and InvokeModelWithResponseStream (Converse, ConverseStream) with the approved guardrail are allowed', async () => {
    await expectAllowed(policies, invoke(fm(HAIKU), `${G1}:1`));
    await expectAllowed(policies, stream(fm(HAIKU), `${G1}:1`));
  });

  test.each([
    ['no guardrail', undefined],
    ['the DRAFT of the approved guardrail', G1],
    ['another version of the approved guardrail', `${G1}:2`],
    ['version 10 (a string prefix of 1 would not match it either)', `${G1}:10`],
    ['another guardrail', `${G2}:1`],
    ['a guardrail whose ID starts with the approved ID', `${guardrailArn('abc1234')}:1`],
    ['the approved guardrail in another account', `${guardrailArn('abc123', REGION, '444455556666')}:1`],
    ['the bare guardrail ID instead of the ARN', 'abc123'],
    ['the ID and version instead of the ARN', 'abc123:1'],
  ])('%s is explicitly denied, even beside Allow *:*', async (_label, guardrail) => {
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), guardrail));
    await expectEnforcedDeny(policies, stream(fm(HAIKU), guardrail));
  });

  test('a model that was not granted is not allowed, even with the approved guardrail', async () => {
    expect(await decide(policies, invoke(fm(SONNET), `${G1}:1`))).toBe('ImplicitlyDenied');
    expect(await decide(policies, invoke(fm(HAIKU, 'us-west-2'), `${G1}:1`))).toBe('ImplicitlyDenied');
  });

  test.each([
    ['a foundation model in another Region', fm(SONNET, 'eu-west-1')],
    ['a system inference profile', profileArn(`us.${HAIKU}`)],
    ['an application inference profile', `arn:aws:bedrock:${REGION}:${ACCOUNT}:application-inference-profile/abcd1234efgh`],
    ['a provisioned model', `arn:aws:bedrock:${REGION}:${ACCOUNT}:provisioned-model/abcd1234efgh`],
    ['a custom model deployment', `arn:aws:bedrock:${REGION}:${ACCOUNT}:custom-model-deployment/abcd1234efgh`],
    ['a Bedrock Marketplace endpoint', `arn:aws:bedrock:${REGION}:${ACCOUNT}:marketplace/model-endpoint/all-access`],
    ['an imported model', `arn:aws:bedrock:${REGION}:${ACCOUNT}:imported-model/abcd1234efgh`],
    ['a prompt router', `arn:aws:bedrock:${REGION}:${ACCOUNT}:prompt-router/abcd1234efgh`],
    ['a default prompt router', `arn:aws:bedrock:${REGION}:${ACCOUNT}:default-prompt-router/anthropic.claude:1`],
  ])('the Deny covers %s: without the approved guardrail it is explicitly denied beside Allow *:*', async (_label, resource) => {
    expect(await decide([...policies, ALLOW_ALL], invoke(resource))).toBe('ExplicitlyDenied');
    expect(await decide([...policies, ALLOW_ALL], invoke(resource, `${G2}:1`))).toBe('ExplicitlyDenied');
    expect(await decide([...policies, ALLOW_ALL], stream(resource))).toBe('ExplicitlyDenied');
    // The approved guardrail does not grant these by itself (not in models), but it is not denied.
    expect(await decide(policies, invoke(resource, `${G1}:1`))).toBe('ImplicitlyDenied');
  });

  test('ApplyGuardrail is allowed on the bare guardrail ARN and on no other guardrail', async () => {
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: G1 })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: G2 })).toBe('ImplicitlyDenied');
  });

  test('the role cannot manage guardrails or call other Bedrock APIs', async () => {
    expect(await decide(policies, { action: 'bedrock:UpdateGuardrail', resource: G1 })).toBe('ExplicitlyDenied'); // protectApprovedGuardrails (paths.test.ts)
    expect(await decide(policies, { action: 'bedrock:GetGuardrail', resource: G1 })).toBe('ImplicitlyDenied');
  });
});

describe('version modes', () => {
  test('DRAFT admits only the bare ARN (doc Example 2)', async () => {
    const { policies } = synthInvoker({ guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.DRAFT)] });
    // Exactly the bare ARN, compared as a string: a wider list, or StringLike over more values, would admit another identifier.
    const conditions = policies.flatMap(p => p.Statement).filter((st: any) => JSON.stringify(st.Condition ?? {}).includes('bedrock:GuardrailIdentifier')).map((st: any) => [st.Effect, st.Condition]);
    expect(conditions).toEqual([
      ['Allow', { StringEquals: { 'bedrock:GuardrailIdentifier': G1 } }],
      ['Deny', { StringNotEquals: { 'bedrock:GuardrailIdentifier': G1 } }],
    ]);
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${G1}*`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${G1}:*`));
    await expectAllowed(policies, invoke(fm(HAIKU), G1));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${G1}:1`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), guardrailArn('abc1234')));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU)));
  });

  test('ANY_NUMBERED admits ARN:N only (doc Example 3)', async () => {
    const { policies } = synthInvoker({ guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.ANY_NUMBERED)] });
    await expectAllowed(policies, invoke(fm(HAIKU), `${G1}:1`));
    await expectAllowed(policies, stream(fm(HAIKU), `${G1}:99999999`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), G1));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${guardrailArn('abc1234')}:1`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${G2}:1`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), 'abc123:1'));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU)));
  });

  test('ANY admits the DRAFT and every numbered version, and no guardrail that merely shares the ID prefix (doc Example 4, corrected)', async () => {
    const { policies } = synthInvoker({ guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.ANY)] });
    await expectAllowed(policies, invoke(fm(HAIKU), G1));
    await expectAllowed(policies, invoke(fm(HAIKU), `${G1}:7`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), guardrailArn('abc1234')));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${guardrailArn('abc1234')}:7`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), 'abc123'));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${G2}:1`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU)));
  });

  test('several guardrails in one role, each with its own version (doc Example 5)', async () => {
    const { policies } = synthInvoker({
      guardrails: [
        EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1)),
        EnforcedGuardrail.fromArn(G2, GuardrailVersion.DRAFT),
        EnforcedGuardrail.fromArn(G3, GuardrailVersion.numbered(2)),
      ],
    });
    await expectAllowed(policies, invoke(fm(HAIKU), `${G1}:1`));
    await expectAllowed(policies, invoke(fm(HAIKU), G2));
    await expectAllowed(policies, invoke(fm(HAIKU), `${G3}:2`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), G1));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${G2}:1`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${G3}:1`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU)));
    for (const g of [G1, G2, G3]) {
      expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: g })).toBe('Allowed');
    }
  });

  test('mixing exact and wildcard versions keeps each guardrail to its own versions', async () => {
    const { policies } = synthInvoker({
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(3)), EnforcedGuardrail.fromArn(G2, GuardrailVersion.ANY_NUMBERED)],
    });
    await expectAllowed(policies, invoke(fm(HAIKU), `${G1}:3`));
    await expectAllowed(policies, invoke(fm(HAIKU), `${G2}:5`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), `${G1}:4`));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), G1));
    await expectEnforcedDeny(policies, invoke(fm(HAIKU), G2));
  });
});

describe('inference profiles', () => {
  const US = ['us-east-1', 'us-east-2', 'us-west-2'];
  const PROFILE = `us.${HAIKU}`;

  test('cross-Region profile: the profile, and the model in every destination Region only through it', async () => {
    const { policies } = synthInvoker({ models: [InvokableModel.crossRegionInferenceProfile(PROFILE, US)] });
    const through = { 'bedrock:InferenceProfileArn': profileArn(PROFILE) };
    await expectAllowed(policies, invoke(profileArn(PROFILE), `${G1}:1`));
    await expectAllowed(policies, stream(profileArn(PROFILE), `${G1}:1`));
    for (const region of US) {
      await expectAllowed(policies, invoke(fm(HAIKU, region), `${G1}:1`, through));
      await expectEnforcedDeny(policies, invoke(fm(HAIKU, region), undefined, through));
      await expectEnforcedDeny(policies, invoke(fm(HAIKU, region), `${G2}:1`, through));
    }
    // Not a destination Region, and not the model called directly.
    expect(await decide(policies, invoke(fm(HAIKU, 'eu-west-1'), `${G1}:1`, through))).toBe('ImplicitlyDenied');
    expect(await decide(policies, invoke(fm(HAIKU, 'us-east-2'), `${G1}:1`))).toBe('ImplicitlyDenied');
    expect(await decide(policies, invoke(fm(HAIKU, 'us-east-2'), `${G1}:1`, { 'bedrock:InferenceProfileArn': profileArn(`us.${SONNET}`) }))).toBe('ImplicitlyDenied');
    await expectEnforcedDeny(policies, invoke(profileArn(PROFILE)));
    expect(await decide(policies, { action: 'bedrock:GetInferenceProfile', resource: profileArn(PROFILE) })).toBe('Allowed');
    expect(await decide(policies, { action: 'bedrock:GetInferenceProfile', resource: profileArn(`us.${SONNET}`) })).toBe('ImplicitlyDenied');
  });

  test('global profile: the model in the source Region and with an empty Region, only through the profile', async () => {
    const GLOBAL = 'global.anthropic.claude-sonnet-4-20250514-v1:0';
    const model = 'anthropic.claude-sonnet-4-20250514-v1:0';
    const { policies } = synthInvoker({ models: [InvokableModel.globalInferenceProfile(GLOBAL)] });
    const through = { 'bedrock:InferenceProfileArn': profileArn(GLOBAL) };
    await expectAllowed(policies, invoke(profileArn(GLOBAL), `${G1}:1`));
    await expectAllowed(policies, invoke(fm(model), `${G1}:1`, through));
    // The global ARN with an empty Region (arn:aws:bedrock:::foundation-model/MODEL) is not a resource the
    // simulator can match; template.test.ts checks it is in the same statement.
    await expectEnforcedDeny(policies, invoke(fm(model), undefined, through));
    expect(await decide(policies, invoke(fm(model), `${G1}:1`))).toBe('ImplicitlyDenied');
  });

  test('application inference profile copied from a cross-Region profile', async () => {
    const app = `arn:aws:bedrock:${REGION}:${ACCOUNT}:application-inference-profile/abcd1234efgh`;
    const { policies } = synthInvoker({
      models: [InvokableModel.fromApplicationInferenceProfileArn(app, InvokableModel.crossRegionInferenceProfile(PROFILE, US))],
    });
    await expectAllowed(policies, invoke(app, `${G1}:1`));
    await expectAllowed(policies, invoke(fm(HAIKU, 'us-west-2'), `${G1}:1`, { 'bedrock:InferenceProfileArn': app }));
    await expectEnforcedDeny(policies, invoke(app));
    // The system profile it was copied from is not granted by itself.
    expect(await decide(policies, invoke(profileArn(PROFILE), `${G1}:1`))).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:GetInferenceProfile', resource: app })).toBe('Allowed');
  });

  test('provisioned models, custom model deployments and imported models are granted by ARN, with the guardrail', async () => {
    const provisioned = `arn:aws:bedrock:${REGION}:${ACCOUNT}:provisioned-model/abcd1234efgh`;
    const custom = `arn:aws:bedrock:${REGION}:${ACCOUNT}:custom-model-deployment/abcd1234efgh`;
    const imported = `arn:aws:bedrock:${REGION}:${ACCOUNT}:imported-model/abcd1234efgh`;
    const { policies } = synthInvoker({
      models: [InvokableModel.provisionedModel(provisioned), InvokableModel.customModel(custom), InvokableModel.importedModel(imported)],
    });
    for (const arn of [provisioned, custom, imported]) {
      await expectAllowed(policies, invoke(arn, `${G1}:1`));
      await expectEnforcedDeny(policies, invoke(arn));
    }
    expect(await decide(policies, invoke(`arn:aws:bedrock:${REGION}:${ACCOUNT}:provisioned-model/zzzz1234efgh`, `${G1}:1`))).toBe('ImplicitlyDenied');
  });

  test('allFoundationModels grants every model in the Region, still only with the guardrail', async () => {
    const { policies } = synthInvoker({ models: [InvokableModel.allFoundationModels()] });
    await expectAllowed(policies, invoke(fm(SONNET), `${G1}:1`));
    await expectEnforcedDeny(policies, invoke(fm(SONNET)));
    expect(await decide(policies, invoke(fm(SONNET, 'eu-west-1'), `${G1}:1`))).toBe('ImplicitlyDenied');
  });
});

describe('guardrail profile and key', () => {
  test('ApplyGuardrail on the guardrail profile in the source and every destination Region', async () => {
    const { policies } = synthInvoker({
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1), {
        guardrailProfile: GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east-2', 'us-west-2']),
      })],
    });
    const gp = (region: string) => `arn:aws:bedrock:${region}:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0`;
    for (const region of ['us-east-1', 'us-east-2', 'us-west-2']) {
      expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: gp(region) })).toBe('Allowed');
    }
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: gp('us-west-1') })).toBe('ImplicitlyDenied');
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: G1 })).toBe('Allowed');
  });

  test('kms:Decrypt, and only that, on the guardrail key', async () => {
    const { policies } = synthInvoker({}, (role, stack) => {
      const key = kms.Key.fromKeyArn(stack, 'Key', KEY_ARN);
      role.addGuardrail(EnforcedGuardrail.fromArn(G2, GuardrailVersion.numbered(1), { encryptionKey: key }));
    });
    expect(await decide(policies, { action: 'kms:Decrypt', resource: KEY_ARN }, ROOT_KEY_POLICY)).toBe('Allowed');
    for (const action of ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:ReEncryptFrom']) {
      expect(await decide(policies, { action, resource: KEY_ARN }, ROOT_KEY_POLICY)).toBe('ImplicitlyDenied');
    }
    expect(await decide(policies, { action: 'kms:Decrypt', resource: KEY_ARN.replace('1234abcd', 'ffffffff') }, ROOT_KEY_POLICY)).toBe('ImplicitlyDenied');
  });

  test('a CfnGuardrail with kmsKeyArn gives kms:Decrypt on that key', async () => {
    const { policies } = synthInvoker({}, (role, stack) => {
      const g = new CfnGuardrail(stack, 'Guardrail', {
        name: 'g',
        blockedInputMessaging: 'no',
        blockedOutputsMessaging: 'no',
        kmsKeyArn: KEY_ARN,
        contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
      });
      role.addGuardrail(EnforcedGuardrail.fromGuardrail(g, GuardrailVersion.DRAFT));
    });
    expect(await decide(policies, { action: 'kms:Decrypt', resource: KEY_ARN }, ROOT_KEY_POLICY)).toBe('Allowed');
  });
});

describe('after construction', () => {
  test('addGuardrail and addModel are reflected in the Allow and the Deny', async () => {
    const { policies } = synthInvoker({}, role => {
      role.addGuardrail(EnforcedGuardrail.fromArn(G2, GuardrailVersion.numbered(4)));
      role.addModel(InvokableModel.foundationModel(SONNET));
    });
    await expectAllowed(policies, invoke(fm(SONNET), `${G2}:4`));
    await expectAllowed(policies, invoke(fm(HAIKU), `${G1}:1`));
    await expectEnforcedDeny(policies, invoke(fm(SONNET), `${G2}:3`));
    expect(await decide(policies, { action: 'bedrock:ApplyGuardrail', resource: G2 })).toBe('Allowed');
  });

  test('a broad statement added to the role does not reopen unguarded inference', async () => {
    const { policies } = synthInvoker({}, role => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
      role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess'));
    });
    await expectEnforcedDeny(policies, invoke(fm(HAIKU)));
    await expectEnforcedDeny(policies, invoke(fm(SONNET), `${G2}:1`));
    expect(await decide(policies, invoke(fm(SONNET), `${G1}:1`))).toBe('Allowed');
  });
});

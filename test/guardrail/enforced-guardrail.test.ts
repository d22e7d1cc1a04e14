import { App, CfnParameter, Fn, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { CfnGuardrail } from 'aws-cdk-lib/aws-bedrock';
import { Construct } from 'constructs';
import { EnforcedGuardrail } from '../../src/guardrail/enforced-guardrail';
import { GuardrailProfile } from '../../src/guardrail/guardrail-profile';
import { GuardrailVersion } from '../../src/guardrail/guardrail-version';

/**
 * Where an EnforcedGuardrail is and what it binds, unit by unit: the account and Region the account and organization
 * enforcements check (a wrong one lets a guardrail of another account through, or refuses the right one), the
 * conflict between a literal ARN and a resource's environment, and the ARNs bedrock:ApplyGuardrail is allowed on.
 */
const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const arn = (account = ACCOUNT, region = 'us-east-1') => `arn:aws:bedrock:${region}:${account}:guardrail/abc123def456`;
const V1 = GuardrailVersion.numbered(1);

function newStack(env: { account?: string; region?: string } = { account: ACCOUNT, region: 'us-east-1' }): Stack {
  return new Stack(new App(), 'S', { env });
}

/** A guardrail reference that is not a CfnGuardrail (imported, or an L2 of another library), in `env`. */
function guardrailRef(stack: Stack, guardrailArn: string, env: { account: string; region: string }, extra: object = {}) {
  return Object.assign(new Construct(stack, `G${stack.node.children.length}`), { env, guardrailRef: { guardrailArn, guardrailId: 'abc123def456' } }, extra);
}

describe('_location: a literal ARN is believed over the resource\'s environment', () => {
  test.each([
    ['the same account and Region', ACCOUNT, 'us-east-1', undefined],
    ['another account', OTHER, 'us-east-1', `the guardrail's ARN ${arn()} names ${ACCOUNT}/us-east-1, but its resource is in ${OTHER}/us-east-1`],
    ['another Region', ACCOUNT, 'eu-west-1', `the guardrail's ARN ${arn()} names ${ACCOUNT}/us-east-1, but its resource is in ${ACCOUNT}/eu-west-1`],
  ])('an environment in %s', (_label, account, region, conflict) => {
    const stack = newStack();
    const source = guardrailRef(stack, arn(), { account, region });
    expect(EnforcedGuardrail.fromGuardrail(source, V1)._location).toEqual({ account: ACCOUNT, region: 'us-east-1', source, conflict });
  });

  test('an environment not known at synth is no conflict, and unknown parts show as ?', () => {
    const stack = newStack({});
    const source = guardrailRef(stack, arn(), { account: stack.account, region: stack.region });
    expect(EnforcedGuardrail.fromGuardrail(source, V1)._location).toEqual({ account: ACCOUNT, region: 'us-east-1', source, conflict: undefined });
    const regionOnly = guardrailRef(stack, arn(), { account: stack.account, region: 'eu-west-1' });
    expect(EnforcedGuardrail.fromGuardrail(regionOnly, V1)._location.conflict).toBe(`the guardrail's ARN ${arn()} names ${ACCOUNT}/us-east-1, but its resource is in ?/eu-west-1`);
    const accountOnly = guardrailRef(stack, arn(), { account: OTHER, region: stack.region });
    expect(EnforcedGuardrail.fromGuardrail(accountOnly, V1)._location.conflict).toBe(`the guardrail's ARN ${arn()} names ${ACCOUNT}/us-east-1, but its resource is in ${OTHER}/?`);
  });

  test('an ARN that is a token leaves the environment as the location, when known', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Arn').valueAsString;
    const source = guardrailRef(stack, token, { account: OTHER, region: 'eu-west-1' });
    expect(EnforcedGuardrail.fromGuardrail(source, V1)._location).toEqual({ account: OTHER, region: 'eu-west-1', source, conflict: undefined });
    const agnostic = newStack({});
    const unknown = guardrailRef(agnostic, token, { account: agnostic.account, region: agnostic.region });
    expect(EnforcedGuardrail.fromGuardrail(unknown, V1)._location)
      .toEqual({ account: undefined, region: undefined, source: unknown, conflict: undefined });
  });

  test('fromArn has no resource: the ARN is the location', () => {
    expect(EnforcedGuardrail.fromArn(arn(OTHER, 'eu-west-1'), V1)._location).toEqual({ account: OTHER, region: 'eu-west-1', source: undefined, conflict: undefined });
  });
});

describe('fromGuardrail reads the key and the cross-Region configuration of a CfnGuardrail only', () => {
  test('a reference that is not a CfnGuardrail: properties of the same name are not read', () => {
    const stack = newStack();
    const source = guardrailRef(stack, arn(), { account: ACCOUNT, region: 'us-east-1' }, {
      kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/not-the-guardrails`,
      crossRegionConfig: { guardrailProfileArn: 'x' },
    });
    const guardrail = EnforcedGuardrail.fromGuardrail(source, V1);
    expect(guardrail.encryptionKeyArn).toBeUndefined();
    expect(guardrail._bind(stack).keyArn).toBeUndefined();
  });

  test('a CfnGuardrail\'s key is used unless encryptionKey is given', () => {
    const stack = newStack();
    const cfn = new CfnGuardrail(stack, 'Cfn', {
      name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no', kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/own`,
    });
    expect(EnforcedGuardrail.fromGuardrail(cfn, V1).encryptionKeyArn).toBe(`arn:aws:kms:us-east-1:${ACCOUNT}:key/own`);
    const given = { keyRef: { keyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/given`, keyId: 'given' } } as any;
    expect(EnforcedGuardrail.fromGuardrail(cfn, V1, { encryptionKey: given }).encryptionKeyArn).toBe(`arn:aws:kms:us-east-1:${ACCOUNT}:key/given`);
    expect(EnforcedGuardrail.fromArn(arn(), V1, { encryptionKey: given }).encryptionKeyArn).toBe(`arn:aws:kms:us-east-1:${ACCOUNT}:key/given`);
  });

  test('a CfnGuardrail with crossRegionConfig needs the profile, named in the error with the fix', () => {
    const stack = newStack();
    const cfn = new CfnGuardrail(stack, 'Cfn', {
      name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no', crossRegionConfig: { guardrailProfileArn: 'p' },
    });
    expect(() => EnforcedGuardrail.fromGuardrail(cfn, V1)).toThrow(
      'S/Cfn: the guardrail has crossRegionConfig, so its users need bedrock:ApplyGuardrail on the guardrail profile in every destination Region. '
      + 'Fix: pass guardrailProfile: GuardrailProfile.fromProfileId(\'us.guardrail.v1:0\', [...destination Regions]) (or GuardrailProfile.inAnyRegion(...)) to EnforcedGuardrail.fromGuardrail.');
    const profile = GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-west-2']);
    expect(EnforcedGuardrail.fromGuardrail(cfn, V1, { guardrailProfile: profile }).guardrailProfile).toBe(profile);
  });
});

describe('_bind', () => {
  const profile = GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east-2', 'us-west-2']);

  test('in the stack\'s account: the guardrail and its profile in the source and destination Regions', () => {
    const stack = newStack();
    const bound = EnforcedGuardrail.fromArn(arn(), V1, { guardrailProfile: profile })._bind(stack);
    expect(stack.resolve(bound)).toEqual({
      guardrailArn: arn(),
      conditionValues: { exact: [`${arn()}:1`], patterns: [] },
      applyGuardrailArns: [arn(), ...['us-east-1', 'us-east-2', 'us-west-2'].map(r => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:${r}:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0`]],
      }))],
      keyArn: undefined,
      hasProfile: true,
    });
    expect(EnforcedGuardrail.fromArn(arn(), V1)._bind(stack).hasProfile).toBe(false);
  });

  test('anywhere (a service control policy): no account or Region check, profiles in the guardrail\'s account', () => {
    const stack = newStack({ account: OTHER, region: 'eu-west-1' });
    const bound = EnforcedGuardrail.fromArn(arn(), V1, { guardrailProfile: profile })._bind(stack, { anywhere: true });
    expect(stack.resolve(bound.applyGuardrailArns).slice(1).map((a: any) => a['Fn::Join'][1][2]))
      .toEqual(['us-east-1', 'us-east-2', 'us-west-2'].map(r => `:bedrock:${r}:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0`));
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('anywhere, with a guardrail whose account and Region are not known: its profile in every account, and in every source Region', () => {
    const stack = newStack({ account: OTHER, region: 'eu-west-1' });
    const token = new CfnParameter(stack, 'Arn').valueAsString;
    const bound = EnforcedGuardrail.fromArn(token, V1, { guardrailProfile: profile })._bind(stack, { anywhere: true });
    expect(stack.resolve(bound.applyGuardrailArns).slice(1).map((a: any) => a['Fn::Join'][1][2]))
      .toEqual(['*', 'us-east-2', 'us-west-2'].map(r => `:bedrock:${r}:*:guardrail-profile/us.guardrail.v1:0`));
  });

  test('a resource whose literal ARN names another account or Region is checked by its ARN, not by its environment', () => {
    // An imported guardrail carries the importing stack's environment.
    const stack = newStack();
    const imported = (guardrailArn: string) => EnforcedGuardrail.fromGuardrail(guardrailRef(stack, guardrailArn, { account: ACCOUNT, region: 'us-east-1' }), V1);
    expect(() => imported(arn(OTHER))._bind(new Construct(stack, 'R1'))).toThrow(`S/R1: the guardrail ${arn(OTHER)} is in account ${OTHER}, but this stack deploys to account ${ACCOUNT}.`);
    imported(arn(ACCOUNT, 'eu-west-1'))._bind(new Construct(stack, 'R2'));
    Annotations.fromStack(stack).hasWarning('/S/R2', Match.stringLikeRegexp(`^The guardrail ${arn(ACCOUNT, 'eu-west-1')} is in eu-west-1, but this stack deploys to us-east-1\\.`));
    // Its profile is granted from the guardrail's Region.
    const profiled = EnforcedGuardrail.fromGuardrail(guardrailRef(stack, arn(ACCOUNT, 'us-west-2'), { account: ACCOUNT, region: 'us-east-1' }), V1, { guardrailProfile: profile });
    expect(stack.resolve(profiled._bind(new Construct(stack, 'R3')).applyGuardrailArns).slice(1).map((a: any) => a['Fn::Join'][1][2]))
      .toEqual(['us-west-2', 'us-east-2'].map(r => `:bedrock:${r}:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0`));
  });

  test('a resource whose ARN is a token: its environment is where it is', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Arn').valueAsString;
    expect(() => EnforcedGuardrail.fromGuardrail(guardrailRef(stack, token, { account: OTHER, region: 'us-east-1' }), V1)._bind(new Construct(stack, 'R')))
      .toThrow(`is in account ${OTHER}, but this stack deploys to account ${ACCOUNT}`);
    const bound = EnforcedGuardrail.fromGuardrail(guardrailRef(stack, token, { account: ACCOUNT, region: 'us-west-2' }), V1, { guardrailProfile: profile })
      ._bind(new Construct(stack, 'R2'));
    expect(stack.resolve(bound.applyGuardrailArns).slice(1).map((a: any) => a['Fn::Join'][1][2]))
      .toEqual(['us-west-2', 'us-east-2'].map(r => `:bedrock:${r}:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0`));
  });

  test('not anywhere: another account is refused and another Region warned about, each naming both', () => {
    expect(() => EnforcedGuardrail.fromArn(arn(OTHER), V1)._bind(new Construct(newStack(), 'R')))
      .toThrow(`S/R: the guardrail ${arn(OTHER)} is in account ${OTHER}, but this stack deploys to account ${ACCOUNT}.`);
    const stack = newStack();
    EnforcedGuardrail.fromArn(arn(ACCOUNT, 'eu-west-1'), V1)._bind(new Construct(stack, 'R'));
    Annotations.fromStack(stack).hasWarning('/S/R', Match.stringLikeRegexp(`^The guardrail ${arn(ACCOUNT, 'eu-west-1')} is in eu-west-1, but this stack deploys to us-east-1\\.`));
  });
});

/**
 * The whole text of each check's error or warning: what is wrong, with the values, what Amazon Bedrock or IAM does
 * with it, and the fix.
 */
describe('checks at bind, word for word', () => {
  const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => String(w.entry.data).replace(/ \[ack: [^\]]+\]$/, ''));

  test('a guardrail of another Region', () => {
    const stack = newStack();
    EnforcedGuardrail.fromArn(arn(ACCOUNT, 'eu-west-1'), V1)._bind(new Construct(stack, 'R'));
    expect(warningsOf(stack)).toEqual([`The guardrail ${arn(ACCOUNT, 'eu-west-1')} is in eu-west-1, but this stack deploys to us-east-1. A guardrail is a Regional resource: `
      + 'Amazon Bedrock looks up the guardrail a request names in the Region the request is sent to, and requests from this Region that name it fail '
      + '(ValidationException: the guardrail identifier or version does not exist); cross-Region guardrail inference (a guardrail profile) moves the evaluation, not the guardrail. '
      + 'Fix: create the guardrail (or a copy) in this stack\'s Region, or deploy this stack to the guardrail\'s Region.']);
  });

  test('a guardrail of another account', () => {
    expect(() => EnforcedGuardrail.fromArn(arn(OTHER), V1)._bind(new Construct(newStack(), 'R'))).toThrow(
      `S/R: the guardrail ${arn(OTHER)} is in account ${OTHER}, but this stack deploys to account ${ACCOUNT}. `
      + 'IAM enforcement of bedrock:GuardrailIdentifier is documented only for a guardrail in the same account as the calling role. '
      + 'Fix: create the guardrail (or a copy) in this account, or deploy this role to the guardrail\'s account.');
  });

  const unverified = (which: string) => `Cannot check at synth that the guardrail ${which} is in this stack's account (an account is not known until deploy). `
    + 'IAM enforcement of bedrock:GuardrailIdentifier is documented only for a guardrail in the same account as the calling role. '
    + 'Fix: give the stack an explicit env.account, use a guardrail ARN with a literal account, or pass a guardrail resource to EnforcedGuardrail.fromGuardrail.';

  test.each([
    ['a literal ARN in an account-agnostic stack', (_stack: Stack) => EnforcedGuardrail.fromArn(arn(), V1), `in account ${ACCOUNT}`],
    ['a resource in an account from a parameter, with a literal ARN: the ARN\'s account',
      (stack: Stack) => EnforcedGuardrail.fromGuardrail(guardrailRef(stack, arn(), { account: new CfnParameter(stack, 'Account').valueAsString, region: 'us-east-1' }), V1),
      `in account ${ACCOUNT}`],
    ['a resource in an account from a parameter, with an ARN from a parameter',
      (stack: Stack) => EnforcedGuardrail.fromGuardrail(guardrailRef(stack, new CfnParameter(stack, 'Arn').valueAsString,
        { account: new CfnParameter(stack, 'Account').valueAsString, region: 'us-east-1' }), V1),
      '(its ARN is not known until deploy)'],
    ['an ARN from a parameter', (stack: Stack) => EnforcedGuardrail.fromArn(new CfnParameter(stack, 'Arn').valueAsString, V1), '(its ARN is not known until deploy)'],
  ])('an account not known at synth: %s', (_label, make, which) => {
    const stack = newStack({ region: 'us-east-1' });
    make(stack)._bind(new Construct(stack, 'R'));
    expect(warningsOf(stack).filter(w => w.startsWith('Cannot check'))).toEqual([unverified(which)]);
  });

  test('the same account, or the stack\'s own resource: no warning', () => {
    const stack = newStack();
    EnforcedGuardrail.fromArn(arn(), V1)._bind(new Construct(stack, 'R'));
    const agnostic = newStack({});
    EnforcedGuardrail.fromGuardrail(guardrailRef(agnostic, new CfnParameter(agnostic, 'Arn').valueAsString, { account: agnostic.account, region: agnostic.region }), V1)
      ._bind(new Construct(agnostic, 'R'));
    expect(warningsOf(stack)).toEqual([]);
    expect(warningsOf(agnostic).filter(w => !w.startsWith('A guardrail ARN comes from'))).toEqual([]);
  });

  test.each([
    ['DRAFT', GuardrailVersion.DRAFT],
    ['ANY', GuardrailVersion.ANY],
  ])('a version that admits the draft: %s', (text, version) => {
    const stack = newStack();
    EnforcedGuardrail.fromArn(arn(), version)._bind(new Construct(stack, 'R'));
    expect(warningsOf(stack)).toEqual([`The guardrail ${arn()} is approved at version ${text}, which admits its DRAFT: whoever may call bedrock:UpdateGuardrail on it changes what requests are checked against, `
      + 'with no new version and nothing to review. Fix: approve a numbered version (GuardrailVersion.numbered(n), or EnforcedGuardrail.fromGuardrailVersion), '
      + 'or GuardrailVersion.ANY_NUMBERED with protectApprovedGuardrails (the default), so that the principals it binds cannot publish new versions.']);
  });

  test.each([GuardrailVersion.ANY_NUMBERED, V1])('a version that does not admit the draft (%s): no warning', version => {
    const stack = newStack();
    EnforcedGuardrail.fromArn(arn(), version)._bind(new Construct(stack, 'R'));
    expect(warningsOf(stack)).toEqual([]);
  });

  test('an ARN whose value is known only at synth: a wildcard or a version in its literal parts is refused', () => {
    const lazy = (value: string) => EnforcedGuardrail.fromArn(Lazy.string({ produce: () => value }), GuardrailVersion.ANY_NUMBERED);
    expect(() => lazy(`arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/*`)._bind(new Construct(newStack(), 'R'))).toThrow(
      `S/R: the guardrail ARN arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/* holds a wildcard (* or ?) in its literal parts, so the condition would admit every guardrail that matches, not one. `
      + 'Fix: pass the ARN of one guardrail (for example a CfnGuardrail\'s attrGuardrailArn).');
    expect(() => lazy(`arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/ab?`)._bind(new Construct(newStack(), 'R'))).toThrow('holds a wildcard (* or ?) in its literal parts');
    expect(() => lazy(`${arn()}:1`)._bind(new Construct(newStack(), 'R'))).toThrow(
      'S/R: the guardrail ARN ends with a version (\':1\'), which belongs in GuardrailVersion, not in the ARN. Fix: pass the ARN without the version, and the version as GuardrailVersion.');
  });

  test('a token in a wildcard ARN is shown as ${...}; a version after a resource\'s ARN attribute is refused', () => {
    const stack = newStack();
    const cfn = new CfnGuardrail(stack, 'Cfn', { name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no' });
    const wildcard = Lazy.string({ produce: () => `arn:aws:bedrock:${new CfnParameter(stack, 'Region').valueAsString}:${ACCOUNT}:guardrail/*` });
    expect(() => EnforcedGuardrail.fromArn(wildcard, V1)._bind(new Construct(stack, 'R1')))
      .toThrow(`S/R1: the guardrail ARN arn:aws:bedrock:\${...}:${ACCOUNT}:guardrail/* holds a wildcard`);
    const versioned = Lazy.string({ produce: () => `${cfn.attrGuardrailArn}:17` });
    expect(() => EnforcedGuardrail.fromArn(versioned, V1)._bind(new Construct(stack, 'R2')))
      .toThrow('S/R2: the guardrail ARN ends with a version (\':17\')');
    // A version-like part that is not at the end of the ARN's resource, and a resource attribute alone, are not versions.
    expect(() => EnforcedGuardrail.fromArn(cfn.attrGuardrailArn, V1)._bind(new Construct(stack, 'R3'))).not.toThrow();
    expect(() => EnforcedGuardrail.fromArn(Lazy.string({ produce: () => `${cfn.attrGuardrailArn}/x` }), V1)._bind(new Construct(stack, 'R4'))).not.toThrow();
  });

  test('a Region not known at synth, the stack\'s or the guardrail\'s: no Region warning', () => {
    const agnostic = newStack({ account: ACCOUNT });
    EnforcedGuardrail.fromArn(arn(ACCOUNT, 'eu-west-1'), V1)._bind(new Construct(agnostic, 'R'));
    expect(warningsOf(agnostic)).toEqual([]);
    const stack = newStack();
    const region = new CfnParameter(stack, 'Region').valueAsString;
    EnforcedGuardrail.fromGuardrail(guardrailRef(stack, new CfnParameter(stack, 'Arn').valueAsString, { account: ACCOUNT, region }), V1)._bind(new Construct(stack, 'R'));
    expect(warningsOf(stack).filter(w => w.includes('this stack deploys to'))).toEqual([]);
  });

  test('an ARN from a parameter or an import: a warning that it cannot be checked, with the AllowedPattern fix', () => {
    for (const make of [(s: Stack) => new CfnParameter(s, 'Arn').valueAsString, () => Fn.importValue('GuardrailArn')]) {
      const stack = newStack();
      EnforcedGuardrail.fromArn(make(stack), V1)._bind(new Construct(stack, 'R'));
      expect(warningsOf(stack)).toEqual([
        unverified('(its ARN is not known until deploy)'),
        'A guardrail ARN comes from a CloudFormation parameter or an import, so its value is not known until deploy and cannot be checked: '
        + 'a value with a wildcard (such as .../guardrail/*) would admit every guardrail in the enforcement condition. '
        + 'Fix: pass the guardrail resource (EnforcedGuardrail.fromGuardrail) or a literal ARN; or give the parameter an AllowedPattern such as '
        + '^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:guardrail/[a-z0-9]+$.',
      ]);
    }
  });

  test('an ARN built from a resource attribute is no parameter: only its account is unverified', () => {
    const stack = newStack();
    const cfn = new CfnGuardrail(stack, 'Cfn', { name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no' });
    EnforcedGuardrail.fromArn(cfn.attrGuardrailArn, V1)._bind(new Construct(stack, 'R'));
    expect(warningsOf(stack)).toEqual([unverified('(its ARN is not known until deploy)')]);
  });
});

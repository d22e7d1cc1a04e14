import { App, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnforcedGuardrail } from '../../src/guardrail/enforced-guardrail';
import { GuardrailProfile } from '../../src/guardrail/guardrail-profile';

/**
 * The guardrail and guardrail-profile identifier grammars, character by character: each valid value differs from
 * the others in one character class or range end (narrowing a grammar refuses one of them), and each invalid value
 * is one step outside it (widening a grammar accepts one of them). An identifier that passes lands in the ARNs of
 * the enforcement condition and of bedrock:ApplyGuardrail.
 */
const EXAMPLE = 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456';

function newStack(): Stack {
  return new Stack(new App(), 'S', { env: { account: '111122223333', region: 'us-east-1' } });
}

/** A guardrail version reference that is not a CfnGuardrailVersion (an imported or third-party one). */
function versionRef(stack: Stack, guardrailId: string, version = '1') {
  return Object.assign(new Construct(stack, `V${stack.node.children.length}`), {
    env: { account: stack.account, region: stack.region },
    guardrailVersionRef: { guardrailId, version },
  });
}

describe('guardrail IDs (EnforcedGuardrail.fromGuardrailVersion)', () => {
  test.each(['a', 'z', '0', '9', 'abc123def456'])('%s is a guardrail ID, named in the guardrail ARN', id => {
    const stack = newStack();
    const guardrail = EnforcedGuardrail.fromGuardrailVersion(versionRef(stack, id, '3'));
    expect(stack.resolve(guardrail.guardrailArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:us-east-1:111122223333:guardrail/${id}`]] });
    expect(guardrail.version.version).toBe('3');
  });

  test.each([
    ['empty', ''],
    ['a capital', 'Abc123'],
    ['a leading hyphen', '-abc123'],
    ['a trailing hyphen', 'abc123-'],
    ['a name-style ID', 'my-guardrail'],
    ['an ARN', EXAMPLE],
  ])('%s is refused with the rule', (_label, id) => {
    expect(() => EnforcedGuardrail.fromGuardrailVersion(versionRef(newStack(), id)))
      .toThrow(`EnforcedGuardrail.fromGuardrailVersion: '${id}' is not a guardrail ID. Fix: guardrail IDs are lowercase letters and digits.`);
  });

  test('a reference whose version is not numbered is refused, with the fix for the draft', () => {
    expect(() => EnforcedGuardrail.fromGuardrailVersion(versionRef(newStack(), 'abc', 'DRAFT')))
      .toThrow('EnforcedGuardrail.fromGuardrailVersion: a guardrail version resource has a numbered version, not \'DRAFT\'. Fix: use EnforcedGuardrail.fromGuardrail(guardrail, GuardrailVersion.DRAFT) for the draft.');
  });
});

describe('guardrail ARNs: the error shows a whole example', () => {
  test('fromArn', () => {
    expect(() => EnforcedGuardrail.fromArn('abc123def456', undefined as any))
      .toThrow(`Fix: pass the full ARN of one guardrail, for example '${EXAMPLE}'.`);
  });

  test('fromGuardrail', () => {
    const stack = newStack();
    const ref = Object.assign(new Construct(stack, 'G'), {
      env: { account: stack.account, region: stack.region },
      guardrailRef: { guardrailArn: 'arn:aws:bedrock:us-east-1:111122223333:guardrail/*', guardrailId: '*' },
    });
    expect(() => EnforcedGuardrail.fromGuardrail(ref, undefined as any))
      .toThrow(`EnforcedGuardrail.fromGuardrail: 'arn:aws:bedrock:us-east-1:111122223333:guardrail/*' is not a guardrail ARN: it holds a wildcard (* or ?), so it would name every guardrail that matches, not one. Fix: pass the full ARN of one guardrail, for example '${EXAMPLE}'.`);
  });
});

describe('guardrail profile IDs', () => {
  const arns = (profile: GuardrailProfile) => {
    const stack = newStack();
    return stack.resolve(profile._arns(stack, 'us-east-1')).map((arn: any) => arn['Fn::Join'][1][2]);
  };

  test.each(['a', 'z', '0', '9', '-'].map(c => `${c}.guardrail.v1:0`)
    .concat(['us.guardrail.v0', 'us.guardrail.v9', 'us-gov.guardrail.v1:0', 'apac.guardrail.v1:0']))('%s is a guardrail profile ID, named in the profile ARNs', id => {
    expect(arns(GuardrailProfile.fromProfileId(id, ['us-west-2']))).toEqual([
      `:bedrock:us-east-1:111122223333:guardrail-profile/${id}`,
      `:bedrock:us-west-2:111122223333:guardrail-profile/${id}`,
    ]);
    expect(arns(GuardrailProfile.inAnyRegion(id))).toEqual([`:bedrock:*:111122223333:guardrail-profile/${id}`]);
  });

  test.each([
    ['a leading space', ' us.guardrail.v1:0'],
    ['a trailing space', 'us.guardrail.v1:0 '],
    ['no geography', '.guardrail.v1:0'],
    ['a capital', 'US.guardrail.v1:0'],
    ['no version', 'us.guardrail.v'],
    ['a letter in the version', 'us.guardrail.v1a'],
    ['another resource type', 'us.profile.v1:0'],
    ['an ARN', 'arn:aws:bedrock:us-east-1:111122223333:guardrail-profile/us.guardrail.v1:0'],
  ])('%s is refused, by both factories', (_label, id) => {
    const fix = `'${id}' is not a guardrail profile ID. Fix: use the system profile ID, for example 'us.guardrail.v1:0' or 'eu.guardrail.v1:0'.`;
    expect(() => GuardrailProfile.fromProfileId(id, ['us-west-2'])).toThrow(`GuardrailProfile.fromProfileId: ${fix}`);
    expect(() => GuardrailProfile.inAnyRegion(id)).toThrow(`GuardrailProfile.inAnyRegion: ${fix}`);
  });
});

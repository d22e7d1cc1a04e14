import { App, CfnParameter, Stack, Token } from 'aws-cdk-lib';
import { EnforcedGuardrail, GuardrailVersion } from '../../src';
import { G1 } from '../invoker/fixtures';

/**
 * GuardrailVersion's public API, value by value: what each version admits as `bedrock:GuardrailIdentifier` decides
 * what every enforcement Deny lets through, so each kind is pinned exactly (a widened value list would admit
 * another identifier).
 */
describe('GuardrailVersion', () => {
  test.each<[string, () => GuardrailVersion, string[], string, boolean, boolean]>([
    ['DRAFT', () => GuardrailVersion.DRAFT, [G1], 'DRAFT', false, false],
    ['numbered(1)', () => GuardrailVersion.numbered(1), [`${G1}:1`], '1', false, true],
    ['numbered(99999999)', () => GuardrailVersion.numbered(99999999), [`${G1}:99999999`], '99999999', false, true],
    ['fromString(\'7\')', () => GuardrailVersion.fromString('7'), [`${G1}:7`], '7', false, true],
    ['fromString(\'10\')', () => GuardrailVersion.fromString('10'), [`${G1}:10`], '10', false, true],
    ['fromString(\'99999999\')', () => GuardrailVersion.fromString('99999999'), [`${G1}:99999999`], '99999999', false, true],
    ['fromString(\'DRAFT\')', () => GuardrailVersion.fromString('DRAFT'), [G1], 'DRAFT', false, false],
    ['ANY_NUMBERED', () => GuardrailVersion.ANY_NUMBERED, [`${G1}:*`], 'ANY_NUMBERED', true, false],
    ['ANY', () => GuardrailVersion.ANY, [G1, `${G1}:*`], 'ANY', true, false],
  ])('%s: admits exactly its values, and says what it is', (_label, make, values, text, wildcard, numbered) => {
    // Made in the test: a version that throws fails this test, not the whole file.
    const version = make();
    expect(version.conditionValues(G1)).toEqual(values);
    expect(version.version).toBe(text);
    expect(version.toString()).toBe(text);
    expect(`${version}`).toBe(text);
    expect(version.isWildcard).toBe(wildcard);
    expect(version.isNumbered).toBe(numbered);
  });

  test('only ANY and ANY_NUMBERED use a wildcard, and never right after the ID (ARN* would admit other guardrails)', () => {
    for (const version of [GuardrailVersion.DRAFT, GuardrailVersion.numbered(3), GuardrailVersion.ANY_NUMBERED, GuardrailVersion.ANY]) {
      const split = version._conditionValues(G1);
      expect(split.exact.every(v => !v.includes('*'))).toBe(true);
      expect(split.patterns.every(v => v === `${G1}:*`)).toBe(true);
      expect(split.patterns.length > 0).toBe(version.isWildcard);
    }
    expect(GuardrailVersion.DRAFT._conditionValues(G1)).toEqual({ exact: [G1], patterns: [] });
    expect(GuardrailVersion.ANY._conditionValues(G1)).toEqual({ exact: [G1], patterns: [`${G1}:*`] });
  });

  test('numbered() and fromString() accept an unresolved token as one numbered version', () => {
    const stack = new Stack(new App(), 'S');
    const number = new CfnParameter(stack, 'Version', { type: 'Number' });
    const text = new CfnParameter(stack, 'VersionText');
    for (const version of [GuardrailVersion.numbered(number.valueAsNumber), GuardrailVersion.fromString(text.valueAsString)]) {
      expect(Token.isUnresolved(version.version)).toBe(true);
      expect(version.isNumbered).toBe(true);
      expect(version.isWildcard).toBe(false);
      expect(version.conditionValues(G1)).toHaveLength(1);
      expect(version._conditionValues(G1).patterns).toEqual([]);
    }
    const [value] = GuardrailVersion.numbered(number.valueAsNumber).conditionValues(G1);
    expect(stack.resolve(value)).toEqual({ 'Fn::Join': ['', [`${G1}:`, { Ref: 'Version' }]] });
  });

  test.each([0, -1, 1.5, 100000000, NaN])('numbered(%p) is refused', (n) => {
    expect(() => GuardrailVersion.numbered(n)).toThrow(/^GuardrailVersion\.numbered: .* is not a guardrail version\. Fix: use a whole number from 1 to 99999999/);
  });

  test.each([['draft', /case-sensitive/], ['01', /without leading zeros/], ['0', /without leading zeros/], ['123456789', /1 to 99999999/], ['', /is not a guardrail version/]])(
    'fromString(%p) is refused with the reason', (text, reason) => {
      expect(() => GuardrailVersion.fromString(text)).toThrow(reason);
      expect(() => GuardrailVersion.fromString(text)).toThrow(/^GuardrailVersion\.fromString: '.*' is not a guardrail version\. Fix: /);
    });

  test('an EnforcedGuardrail shares its version\'s values', () => {
    expect(EnforcedGuardrail.fromArn(G1, GuardrailVersion.DRAFT).conditionValues).toEqual([G1]);
    expect(EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(2)).conditionValues).toEqual([`${G1}:2`]);
  });
});

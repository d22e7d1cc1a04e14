import { deniedPaths } from '../../src/model/inference-paths';
import { guardrailProtectionStatements, inferencePathDenyStatements } from '../../src/statements/protection';

/**
 * The Denies that are the same for every principal are built once and shared: each must be frozen, or one
 * principal's `addActions`/`addCondition` on its copy would change (or empty) the Deny of every other.
 */
describe('shared Denies', () => {
  test('the inference-path Denies are shared, frozen, and the same for the same paths only', () => {
    const first = inferencePathDenyStatements(deniedPaths());
    const second = inferencePathDenyStatements(deniedPaths());
    expect(second).toEqual(first);
    expect(second[0]).toBe(first[0]);
    for (const statement of first) {
      expect(statement.frozen).toBe(true);
      expect(() => statement.addCondition('StringEquals', { 'aws:PrincipalTag/team': 'x' })).toThrow(/freeze\(\) has been called/);
    }
    // Another list of paths has Denies of its own.
    const fewer = inferencePathDenyStatements(deniedPaths().slice(1));
    expect(fewer[0]).not.toBe(first[0]);
    expect(fewer[0].actions).not.toEqual(first[0].actions);
  });

  test('the Deny of changes to the account\'s guardrail settings is shared and frozen when no principal is exempt', () => {
    const [, settings] = guardrailProtectionStatements(['arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123']);
    expect(settings.sid).toBe('DenyChangesToAccountGuardrailSettings');
    expect(settings.frozen).toBe(true);
    expect(() => settings.addResources('arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123')).toThrow(/freeze\(\) has been called/);
  });
});

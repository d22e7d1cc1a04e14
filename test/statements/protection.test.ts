import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { deniedPaths } from '../../src/model/inference-paths';
import {
  bedrockApiKeyDenyStatements, exemptionCondition, exemptRoleProtectionStatements, guardrailProtectionStatements, inferencePathDenyStatements,
} from '../../src/statements/protection';

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

/**
 * Each Deny exactly (Sid, actions, resources, condition): the action lists are the protection, and a list that lost
 * an action would leave a way to weaken the guardrail. The simulations of test/scp-boundary.test.ts and
 * test/enforcement prove what the Denies do; these pin what they are, in a file that loads in a second.
 */
describe('the protection Denies, exactly', () => {
  const G = 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123';
  const ADMIN = 'arn:aws:iam::111122223333:role/Admin';
  // The statements' JSON, each action list sorted (its order means nothing to IAM).
  const json = (statements: iam.PolicyStatement[]) => new Stack().resolve(statements.map(s => s.toStatementJson()))
    .map((s: any) => (Array.isArray(s.Action) ? { ...s, Action: [...s.Action].sort() } : s));
  const guardrailActions = ['bedrock:CreateGuardrailVersion', 'bedrock:DeleteGuardrail', 'bedrock:DeleteResourcePolicy',
    'bedrock:PutResourcePolicy', 'bedrock:TagResource', 'bedrock:UntagResource', 'bedrock:UpdateGuardrail'];
  const settingsActions = ['bedrock:DeleteEnforcedGuardrailConfiguration', 'bedrock:DeleteModelInvocationLoggingConfiguration',
    'bedrock:PutEnforcedGuardrailConfiguration', 'bedrock:PutModelInvocationLoggingConfiguration'];

  test('changes to the approved guardrails and the account\'s guardrail settings; with exempt principals, both leave them out', () => {
    expect(json(guardrailProtectionStatements([G]))).toEqual([
      { Sid: 'DenyChangesToApprovedGuardrails', Effect: 'Deny', Action: guardrailActions, Resource: G },
      { Sid: 'DenyChangesToAccountGuardrailSettings', Effect: 'Deny', Action: settingsActions, Resource: '*' },
    ]);
    const exempt = { ArnNotLike: { 'aws:PrincipalArn': [ADMIN, 'arn:aws:iam::111122223333:role/Break*'] } };
    expect(json(guardrailProtectionStatements([G, `${G}-profile`], [ADMIN, 'arn:aws:iam::111122223333:role/Break*', ADMIN]))).toEqual([
      { Sid: 'DenyChangesToApprovedGuardrails', Effect: 'Deny', Action: guardrailActions, Resource: [G, `${G}-profile`], Condition: exempt },
      { Sid: 'DenyChangesToAccountGuardrailSettings', Effect: 'Deny', Action: settingsActions, Resource: '*', Condition: exempt },
    ]);
    expect(exemptionCondition([ADMIN])).toEqual({ ArnNotLike: { 'aws:PrincipalArn': ADMIN } });
  });

  test('taking over the exempt administrator roles, and the identity providers that could federate into them', () => {
    const exempt = { ArnNotLike: { 'aws:PrincipalArn': ADMIN } };
    expect(json(exemptRoleProtectionStatements([ADMIN]))).toEqual([
      {
        Sid: 'DenyChangesToExemptAdministratorRoles',
        Effect: 'Deny',
        Action: [
          'iam:AttachRolePolicy', 'iam:CreateRole', 'iam:DeleteRole', 'iam:DeleteRolePermissionsBoundary', 'iam:DeleteRolePolicy',
          'iam:DetachRolePolicy', 'iam:PassRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:TagRole', 'iam:UntagRole',
          'iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession',
        ],
        Resource: ADMIN,
        Condition: exempt,
      },
      {
        Sid: 'DenyChangesToIdentityProviders',
        Effect: 'Deny',
        Action: [
          'iam:AddClientIDToOpenIDConnectProvider', 'iam:CreateOpenIDConnectProvider', 'iam:CreateSAMLProvider', 'iam:DeleteOpenIDConnectProvider',
          'iam:DeleteSAMLProvider', 'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint', 'iam:UpdateSAMLProvider',
        ],
        Resource: '*',
        Condition: exempt,
      },
    ]);
  });

  test('Amazon Bedrock API keys: creating long-term keys, and calling with any key on both endpoints', () => {
    expect(json(bedrockApiKeyDenyStatements())).toEqual([
      {
        Sid: 'DenyBedrockApiKeyCreation',
        Effect: 'Deny',
        Action: 'iam:CreateServiceSpecificCredential',
        Resource: '*',
        Condition: { StringEquals: { 'iam:ServiceSpecificCredentialServiceName': 'bedrock.amazonaws.com' } },
      },
      { Sid: 'DenyBedrockApiKeyUse', Effect: 'Deny', Action: ['bedrock-mantle:CallWithBearerToken', 'bedrock:CallWithBearerToken'], Resource: '*' },
    ]);
  });

  test('the inference paths IAM cannot check: their actions on every resource, and passing roles to the services that run them', () => {
    const paths = deniedPaths();
    const [actions, passRole] = json(inferencePathDenyStatements(paths));
    expect(actions).toEqual({
      Sid: 'DenyInferenceWithoutGuardrailCheck',
      Effect: 'Deny',
      Resource: '*',
      Action: [...new Set(paths.filter(p => p.passedToService === undefined).flatMap(p => p.actions))].sort(),
    });
    const services = [...new Set(paths.flatMap(p => (p.passedToService === undefined ? [] : [p.passedToService])))];
    expect(services.length).toBeGreaterThan(0);
    // Each Deny only for paths that need it: no empty action list, no PassRole Deny over no service.
    const direct = paths.filter(p => p.passedToService === undefined);
    const passed = paths.filter(p => p.passedToService !== undefined);
    expect(direct.length).toBeGreaterThan(0);
    expect(passed.length).toBeGreaterThan(0);
    expect(json(inferencePathDenyStatements(direct)).map((st: any) => st.Sid)).toEqual(['DenyInferenceWithoutGuardrailCheck']);
    expect(json(inferencePathDenyStatements(passed)).map((st: any) => st.Sid)).toEqual(['DenyPassRoleToBedrock']);
    expect(inferencePathDenyStatements([])).toEqual([]);
    expect(passRole).toEqual({
      Sid: 'DenyPassRoleToBedrock',
      Effect: 'Deny',
      Action: 'iam:PassRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:PassedToService': services.length === 1 ? services[0] : services } },
    });
  });
});

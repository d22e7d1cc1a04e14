import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { InferencePath } from '../../src/model/inference-path';
import { limitedActionsAllowedBy, warnAboutLimitationsOf, warnLimitation } from '../../src/private/limitations';

/**
 * Limitation L1 (bedrock-iam.md §11: InvokeAgent and RetrieveAndGenerate fail with AccessDenied under
 * `bedrock:GuardrailIdentifier` enforcement), word for word: the warning names what grants the actions, says
 * which of them the enforcement denies outright (their inference path is not allowed) and which fail, and gives the fix.
 */
const FIX = 'Fix: call InvokeAgent and RetrieveAndGenerate from a separate role without the enforcement.';
const DENIED_WHY = 'these APIs run models with no guardrail IAM can check), so the grant does nothing.';
const FAILS = 'InvokeModel on the caller\'s behalf, some calls carry no guardrail, and the enforcement Deny makes them fail '
  + 'with AccessDenied even when the request names the guardrail (documented limitation).';

function warning(actions: string[], allowedPaths: InferencePath[]): string[] {
  const stack = new Stack(new App(), 'S');
  warnLimitation(new Construct(stack, 'R'), actions, 'The policy X', allowedPaths);
  return Annotations.fromStack(stack).findWarning('/S/R', Match.anyValue()).map(w => String(w.entry.data));
}

test.each([
  ['both denied', ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate'], [],
    'The policy X allows bedrock:InvokeAgent and bedrock:RetrieveAndGenerate on a principal with guardrail enforcement. '
    + 'bedrock:InvokeAgent and bedrock:RetrieveAndGenerate are denied by the enforcement (InferencePath.AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION: '
    + `${DENIED_WHY} ${FIX}`],
  ['InvokeAgent denied', ['bedrock:InvokeAgent'], [InferencePath.KNOWLEDGE_BASE_GENERATION],
    'The policy X allows bedrock:InvokeAgent on a principal with guardrail enforcement. '
    + `bedrock:InvokeAgent is denied by the enforcement (InferencePath.AGENTS: ${DENIED_WHY} ${FIX}`],
  ['RetrieveAndGenerate open', ['bedrock:RetrieveAndGenerate'], [InferencePath.KNOWLEDGE_BASE_GENERATION],
    `The policy X allows bedrock:RetrieveAndGenerate on a principal with guardrail enforcement. bedrock:RetrieveAndGenerate calls ${FAILS} ${FIX}`],
  ['both open', ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate'], [InferencePath.AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION],
    'The policy X allows bedrock:InvokeAgent and bedrock:RetrieveAndGenerate on a principal with guardrail enforcement. '
    + `bedrock:InvokeAgent and bedrock:RetrieveAndGenerate call ${FAILS} ${FIX}`],
  ['one denied, one open', ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate'], [InferencePath.AGENTS],
    'The policy X allows bedrock:InvokeAgent and bedrock:RetrieveAndGenerate on a principal with guardrail enforcement. '
    + `bedrock:RetrieveAndGenerate is denied by the enforcement (InferencePath.KNOWLEDGE_BASE_GENERATION: ${DENIED_WHY} bedrock:InvokeAgent calls ${FAILS} ${FIX}`],
  ['no actions named: both, as a managed policy grants them', [], [],
    'The policy X allows bedrock:InvokeAgent and bedrock:RetrieveAndGenerate on a principal with guardrail enforcement. '
    + 'bedrock:InvokeAgent and bedrock:RetrieveAndGenerate are denied by the enforcement (InferencePath.AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION: '
    + `${DENIED_WHY} ${FIX}`],
] as Array<[string, string[], InferencePath[], string]>)('%s', (_label, actions, allowed, text) => {
  expect(warning(actions, allowed)).toEqual([`${text} [ack: cdk-bedrock-guardrail-iam:enforcedPrincipalCallsAgentOrRag]`]);
});

test('the limited actions a document allows: by action, wildcard or NotAction; none from a Deny or no document', () => {
  const doc = (statement: object) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*', ...statement }] });
  expect(limitedActionsAllowedBy(doc({ Action: 'bedrock:InvokeAgent' }))).toEqual(['bedrock:InvokeAgent']);
  expect(limitedActionsAllowedBy(doc({ Action: ['bedrock:Retrieve*'] }))).toEqual(['bedrock:RetrieveAndGenerate']);
  expect(limitedActionsAllowedBy(doc({ Action: 'bedrock:*' }))).toEqual(['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate']);
  expect(limitedActionsAllowedBy(doc({ NotAction: 'bedrock:InvokeAgent' }))).toEqual(['bedrock:RetrieveAndGenerate']);
  expect(limitedActionsAllowedBy(doc({ Effect: 'Deny', Action: '*' }))).toEqual([]);
  expect(limitedActionsAllowedBy(undefined)).toEqual([]);
});

describe('warnAboutLimitationsOf: every policy of the principal, once each', () => {
  const agents = () => new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['bedrock:InvokeAgent'], resources: ['*'] })] });
  const other = () => new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] })] });

  test('own inline policies, attached policies, managed policies by reference (once when also attached), AWS managed policies with those paths', () => {
    const stack = new Stack(new App(), 'S');
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.AccountRootPrincipal(),
      inlinePolicies: { Agents: agents(), Other: other() },
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:RetrieveAndGenerate'], resources: ['*'] }));
    role.addManagedPolicy(new iam.ManagedPolicy(stack, 'ByRef', { document: agents() }));
    role.addManagedPolicy(new iam.ManagedPolicy(stack, 'Clean', { document: other() }));
    role.addManagedPolicy(new iam.ManagedPolicy(stack, 'Both', { document: agents(), roles: [role] }));
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockStudioPermissionsBoundary'));
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockLimitedAccess'));
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonS3ReadOnlyAccess'));
    const scope = new Construct(stack, 'Scope');
    warnAboutLimitationsOf(scope, role.node.defaultChild as iam.CfnRole, [InferencePath.AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION]);
    const sources = Annotations.fromStack(stack).findWarning('/S/Scope', Match.anyValue()).map(w => String(w.entry.data).split(' on a principal')[0]);
    expect(sources).toEqual([
      'The inline policy \'Agents\' allows bedrock:InvokeAgent',
      'The policy S/Role/DefaultPolicy allows bedrock:RetrieveAndGenerate',
      'The managed policy S/Both allows bedrock:InvokeAgent',
      'The managed policy S/ByRef allows bedrock:InvokeAgent',
      'The AWS managed policy AmazonBedrockStudioPermissionsBoundary allows bedrock:InvokeAgent and bedrock:RetrieveAndGenerate',
    ]);
  });

  test('a principal without such grants: no warning', () => {
    const stack = new Stack(new App(), 'S');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), inlinePolicies: { Other: other() } });
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockLimitedAccess'));
    warnAboutLimitationsOf(new Construct(stack, 'Scope'), role.node.defaultChild as iam.CfnRole, []);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

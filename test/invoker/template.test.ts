import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CfnGuardrail, CfnGuardrailVersion } from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ACCOUNT, G1, G2, HAIKU, newStack, REGION, synthInvoker } from './fixtures';
import { EnforcedGuardrail, GuardrailEnforcedInvokerRole, GuardrailProfile, GuardrailVersion, InvokableModel } from '../../src';
import { resolveCfn, DEFAULT_ENV } from '../sim/cfn';

const INFERENCE = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/** The Deny of every inference path (InferencePath), in the enum's order: written out, never a wildcard. */
export const PATH_ACTIONS = [
  'bedrock-mantle:CreateInference',
  'bedrock:CreateModelInvocationJob',
  'bedrock:CreateEvaluationJob', 'bedrock:CreateModelEvaluationJob',
  'bedrock:CreateAgent', 'bedrock:UpdateAgent', 'bedrock:InvokeAgent',
  'bedrock:InvokeInlineAgent',
  'bedrock:RetrieveAndGenerate', 'bedrock:AgenticRetrieveStream',
  'bedrock:CreateFlow', 'bedrock:UpdateFlow', 'bedrock:InvokeFlow', 'bedrock:StartFlowExecution',
  'bedrock:OptimizePrompt', 'bedrock:CreateAdvancedPromptOptimizationJob',
  'bedrock:GenerateQuery',
  'bedrock:InvokeBuilder',
  'bedrock:InvokeDataAutomation', 'bedrock:InvokeDataAutomationAsync', 'bedrock:GetBlueprintRecommendation',
  'bedrock:InvokeBlueprintRecommendationAsync', 'bedrock:InvokeBlueprintOptimizationAsync',
  'bedrock:CreateDataSource', 'bedrock:UpdateDataSource', 'bedrock:StartIngestionJob', 'bedrock:IngestKnowledgeBaseDocuments',
  'bedrock-agentcore:InvokeHarness', 'bedrock-agentcore:Evaluate', 'bedrock-agentcore:StartBatchEvaluation', 'bedrock-agentcore:StartPolicyGeneration',
  'bedrock-agentcore:CreateEvent', 'bedrock-agentcore:StartMemoryExtractionJob',
  'bedrock:StartAutomatedReasoningPolicyBuildWorkflow', 'bedrock:StartAutomatedReasoningPolicyTestWorkflow',
];

function statementsOf(json: any): any[] {
  const role = Object.values(json.Resources as { [id: string]: any }).find(r => r.Type === 'AWS::IAM::Role');
  const policy = role.Properties.Policies.find((p: any) => p.PolicyName === 'GuardrailEnforcement');
  return resolveCfn(policy.PolicyDocument, DEFAULT_ENV).Statement;
}

describe('the enforcement policy, as written in the template', () => {
  test('doc Example 1 shape: guarded Allow, negated Deny on every resource, the path and protection Denies, ApplyGuardrail on the bare ARN', () => {
    const { template } = synthInvoker();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' })],
      }),
      Policies: [{
        PolicyName: 'GuardrailEnforcement',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'InvokeWithApprovedGuardrail',
              Effect: 'Allow',
              Action: INFERENCE,
              Resource: Match.anyValue(),
              Condition: { StringEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } },
            },
            {
              Sid: 'DenyInvokeWithoutApprovedGuardrail',
              Effect: 'Deny',
              Action: INFERENCE,
              Resource: '*',
              Condition: { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } },
            },
            { Sid: 'DenyInferenceWithoutGuardrailCheck', Effect: 'Deny', Action: PATH_ACTIONS, Resource: '*' },
            {
              Sid: 'DenyPassRoleToBedrock',
              Effect: 'Deny',
              Action: 'iam:PassRole',
              Resource: '*',
              Condition: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } },
            },
            {
              Sid: 'DenyChangesToApprovedGuardrails',
              Effect: 'Deny',
              Action: [
                'bedrock:UpdateGuardrail', 'bedrock:CreateGuardrailVersion', 'bedrock:DeleteGuardrail', 'bedrock:TagResource',
                'bedrock:UntagResource', 'bedrock:PutResourcePolicy', 'bedrock:DeleteResourcePolicy',
              ],
              Resource: G1,
            },
            {
              Sid: 'DenyChangesToAccountGuardrailSettings',
              Effect: 'Deny',
              Action: [
                'bedrock:PutEnforcedGuardrailConfiguration', 'bedrock:DeleteEnforcedGuardrailConfiguration',
                'bedrock:PutModelInvocationLoggingConfiguration', 'bedrock:DeleteModelInvocationLoggingConfiguration',
              ],
              Resource: '*',
            },
            { Sid: 'ApplyGuardrail', Effect: 'Allow', Action: 'bedrock:ApplyGuardrail', Resource: G1 },
          ],
        },
      }],
    });
  });

  test('the Allow names the model ARN with an empty account field and the stack\'s Region', () => {
    const { json } = synthInvoker();
    expect(statementsOf(json)[0].Resource).toBe(`arn:aws:bedrock:${REGION}::foundation-model/${HAIKU}`);
  });

  test('wildcard versions use StringLike/StringNotLike with ARN and ARN:*, never ARN*', () => {
    const { json } = synthInvoker({ guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.ANY)] });
    const [allow, deny] = statementsOf(json);
    expect(allow.Condition).toEqual({ StringLike: { 'bedrock:GuardrailIdentifier': [G1, `${G1}:*`] } });
    expect(deny.Condition).toEqual({ StringNotLike: { 'bedrock:GuardrailIdentifier': [G1, `${G1}:*`] } });
    expect(JSON.stringify(json)).not.toContain(`${G1}*`);
  });

  test('no IfExists operator anywhere', () => {
    const { json } = synthInvoker({
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.ANY), EnforcedGuardrail.fromArn(G2, GuardrailVersion.numbered(1))],
    });
    expect(JSON.stringify(json)).not.toMatch(/IfExists/);
  });

  test('every Sid is alphanumeric and unique; every action is written out (no wildcard)', () => {
    const US = ['us-east-1', 'us-east-2', 'us-west-2'];
    const { json } = synthInvoker({
      models: [
        InvokableModel.foundationModel(HAIKU),
        InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, US),
        InvokableModel.globalInferenceProfile('global.anthropic.claude-sonnet-4-20250514-v1:0'),
      ],
    });
    const statements = statementsOf(json);
    const sids = statements.map(s => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]+$/);
    for (const s of statements) {
      for (const action of [s.Action].flat()) expect(action).not.toContain('*');
    }
  });

  test('global profile: the model with an empty Region field is in the statement scoped to the profile', () => {
    const GLOBAL = 'global.anthropic.claude-sonnet-4-20250514-v1:0';
    const { json } = synthInvoker({ models: [InvokableModel.globalInferenceProfile(GLOBAL)] });
    const routed = statementsOf(json).find(s => s.Sid === 'InvokeThroughProfile1WithApprovedGuardrail');
    // Resources are sorted: the empty Region sorts first.
    expect(routed.Resource).toEqual([
      'arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0',
      `arn:aws:bedrock:${REGION}::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0`,
    ]);
    expect(routed.Condition).toEqual({
      StringEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` },
      StringLike: { 'bedrock:InferenceProfileArn': `arn:aws:bedrock:${REGION}:${ACCOUNT}:inference-profile/${GLOBAL}` },
    });
  });

  test('the same profile or model added twice is written once', () => {
    const US = ['us-east-1', 'us-east-2', 'us-west-2'];
    const { json } = synthInvoker({}, role => {
      role.addModel(InvokableModel.foundationModel(HAIKU));
      role.addModel(InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, US));
      role.addModel(InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, US));
      role.addGuardrail(EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1)));
    });
    const statements = statementsOf(json);
    expect(statements.filter(s => s.Sid.startsWith('InvokeThroughProfile'))).toHaveLength(1);
    expect(statements[0].Condition.StringEquals['bedrock:GuardrailIdentifier']).toBe(`${G1}:1`);
    expect(statements[0].Resource).toHaveLength(2);
  });

  test('a guardrail profile in any Region uses a wildcard Region in the account', () => {
    const { json } = synthInvoker({
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1), { guardrailProfile: GuardrailProfile.inAnyRegion('eu.guardrail.v1:0') })],
    });
    const apply = statementsOf(json).find(s => s.Sid === 'ApplyGuardrail');
    expect(apply.Resource).toEqual([G1, `arn:aws:bedrock:*:${ACCOUNT}:guardrail-profile/eu.guardrail.v1:0`]);
  });

  test('CfnGuardrail and CfnGuardrailVersion tokens are accepted and written as references', () => {
    const stack = newStack();
    const guardrail = new CfnGuardrail(stack, 'Guardrail', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    });
    const version = new CfnGuardrailVersion(stack, 'Version', { guardrailIdentifier: guardrail.attrGuardrailId });
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [EnforcedGuardrail.fromGuardrailVersion(version)],
      models: [InvokableModel.foundationModel(HAIKU)],
    });
    const json = Template.fromStack(stack).toJSON();
    const doc = JSON.stringify(json.Resources[Object.keys(json.Resources).find(k => k.startsWith('Invoker'))!].Properties.Policies);
    expect(doc).toContain('{"Fn::GetAtt":["Version","GuardrailArn"]}');
    expect(doc).toContain('{"Fn::GetAtt":["Version","Version"]}');
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('guardrailAccountUnverified'))).toHaveLength(0);
  });

  test('a custom model ARN (not a deployment) is granted as the Flows page writes it, with a warning', () => {
    const arn = `arn:aws:bedrock:${REGION}:${ACCOUNT}:custom-model/amazon.titan-text-express-v1:0:8k/abcd1234efgh`;
    const { json, stack } = synthInvoker({ models: [InvokableModel.customModel(arn)] });
    expect(statementsOf(json)[0].Resource).toBe(arn);
    Annotations.fromStack(stack).hasWarning('/Test/Invoker', Match.stringLikeRegexp('no custom-model resource type'));
  });
});

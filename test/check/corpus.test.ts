import { Aspects, CfnParameter, Stack, Stage } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { cdkApp, decideFor, ENV, findingLines, templateFiles } from './harness';
import {
  AccountGuardrailEnforcement,
  AgentExecutionRole,
  EncryptedGuardrailKey,
  EnforcedGuardrail,
  EnforceGuardrails,
  FlowServiceRole,
  GuardrailAdministratorRole,
  GuardrailEnforcedInvokerRole,
  GuardrailEnforcementPolicy,
  GuardrailResourcePolicy,
  GuardrailVersion,
  InferencePath,
  InvokableModel,
  OrganizationGuardrailPolicy,
} from '../../src';
import { TemplateStack } from '../../src/check/input';
import { sampleResource } from '../sim/samples';
import { SimRequest } from '../sim/simulate';

/**
 * The corpus of the checks: configurations as users write them, each with the exact findings the checks must
 * report (severity, rule, construct path or STACK/LOGICAL_ID) or none. Every unguarded configuration is also
 * sent to the IAM simulator, which must allow the unguarded request: the corpus cannot drift from IAM.
 */

const G1 = `arn:aws:bedrock:${ENV.region}:${ENV.account}:guardrail/abc123def456`;
const OTHER_ACCOUNT_G = `arn:aws:bedrock:${ENV.region}:444455556666:guardrail/abc123def456`;
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const FM = `arn:aws:bedrock:${ENV.region}::foundation-model/${HAIKU}`;
const PROFILE = `arn:aws:bedrock:${ENV.region}:${ENV.account}:inference-profile/us.${HAIKU}`;
const INVOKE = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
const guardrail = () => EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1));
const model = () => InvokableModel.foundationModel(HAIKU);

const ALL_PATHS = Object.values(InferencePath) as string[];
/** The paths whose actions are in the bedrock service (what `bedrock:*` reaches). */
const BEDROCK_PATHS = ALL_PATHS.filter(p => !['OPENAI_COMPATIBLE_ENDPOINTS', 'AGENTCORE_MANAGED_MODELS', 'PASS_ROLE_TO_BEDROCK'].includes(p));

const missing = (where: string) => `error BedrockGuardrail-GuardrailEnforcementMissing ${where}`;
const paths = (where: string, list: string[]) => list.map(p => `error BedrockGuardrail-UnguardedInferencePath[${p}] ${where}`);
const allowed = (where: string, list: string[]) => list.map(p => `warning BedrockGuardrail-InferencePathAllowed[${p}] ${where}`);
const condition = (where: string, detail: string) => `error BedrockGuardrail-IneffectiveGuardrailCondition[${detail}] ${where}`;

/** InvokeModel on a foundation model without a guardrail. */
const invokeWithout: SimRequest = { action: 'bedrock:InvokeModel', resource: FM };
/** InvokeModel on an inference profile with no guardrail (a Deny on foundation-model/* leaves it open). */
const invokeProfileWithout: SimRequest = { action: 'bedrock:InvokeModel', resource: PROFILE };
const withGuardrail = (value: string): SimRequest => ({ action: 'bedrock:InvokeModel', resource: FM, context: { 'bedrock:GuardrailIdentifier': value } });

/** A request of one action of a path, on a resource the action authorizes. */
async function pathRequest(action: string): Promise<SimRequest> {
  if (action === 'iam:PassRole') {
    return { action, resource: `arn:aws:iam::${ENV.account}:role/batch-service-role`, context: { 'iam:PassedToService': 'bedrock.amazonaws.com' } };
  }
  return { action, resource: await sampleResource(action) };
}

function role(stack: Stack, id = 'App', props: Partial<iam.RoleProps> = {}) {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), ...props });
}

const allow = (actions: string[], resources = ['*'], conditions?: any) => new iam.PolicyStatement({ actions, resources, conditions });
const deny = (actions: string[], resources: string[], conditions?: any) =>
  new iam.PolicyStatement({ effect: iam.Effect.DENY, actions, resources, conditions });

/** The enforcement as a careful user writes it by hand: the guardrail Deny and the Deny of every path. */
const HANDWRITTEN_ENFORCEMENT = `
          - Effect: Deny
            Action: [bedrock:InvokeModel, bedrock:InvokeModelWithResponseStream]
            Resource: '*'
            Condition:
              StringNotEquals:
                bedrock:GuardrailIdentifier: !Sub 'arn:\${AWS::Partition}:bedrock:\${AWS::Region}:\${AWS::AccountId}:guardrail/abc123def456:1'
          - Effect: Deny
            Action: [bedrock-mantle:*, bedrock:CreateModelInvocationJob, bedrock:CreateEvaluationJob, bedrock:CreateModelEvaluationJob,
              bedrock:CreateAgent, bedrock:UpdateAgent, bedrock:InvokeAgent, bedrock:InvokeInlineAgent, bedrock:RetrieveAndGenerate,
              bedrock:AgenticRetrieveStream, bedrock:CreateFlow, bedrock:UpdateFlow, bedrock:InvokeFlow, bedrock:StartFlowExecution,
              bedrock:OptimizePrompt, bedrock:CreateAdvancedPromptOptimizationJob, bedrock:GenerateQuery, bedrock:InvokeBuilder,
              bedrock:InvokeDataAutomation, bedrock:InvokeDataAutomationAsync, bedrock:GetBlueprintRecommendation,
              bedrock:InvokeBlueprintRecommendationAsync, bedrock:InvokeBlueprintOptimizationAsync, bedrock:CreateDataSource,
              bedrock:UpdateDataSource, bedrock:StartIngestionJob, bedrock:IngestKnowledgeBaseDocuments, bedrock-agentcore:InvokeHarness,
              bedrock-agentcore:Evaluate, bedrock-agentcore:StartBatchEvaluation, bedrock-agentcore:StartPolicyGeneration,
              bedrock-agentcore:CreateEvent, bedrock-agentcore:StartMemoryExtractionJob,
              bedrock:StartAutomatedReasoningPolicyBuildWorkflow, bedrock:StartAutomatedReasoningPolicyTestWorkflow]
            Resource: '*'
          - Effect: Deny
            Action: iam:PassRole
            Resource: '*'
            Condition:
              StringEquals:
                iam:PassedToService: bedrock.amazonaws.com`;

function handwrittenRole(allowStatements: string, enforcement = HANDWRITTEN_ENFORCEMENT): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: ecs-tasks.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: app
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
${indent(allowStatements)}${indent(enforcement)}
`;
}

/** Statements written for a `Statement:` key at 10 spaces, moved under one at 12. */
function indent(statements: string): string {
  return statements.replace(/^(?=.)/gm, '  ');
}

const INVOKE_ALLOW = `          - Effect: Allow
            Action: [bedrock:InvokeModel, bedrock:InvokeModelWithResponseStream]
            Resource: !Sub 'arn:\${AWS::Partition}:bedrock:\${AWS::Region}::foundation-model/*'`;

interface Case {
  readonly name: string;
  readonly stacks: () => TemplateStack[];
  /** The exact findings: `severity rule where`. */
  readonly findings: string[];
  /** Values of parameters and other references as deployed, for the simulator. */
  readonly refs?: { [logicalId: string]: string };
  /** For an unguarded configuration: the principal and the request IAM must allow. */
  readonly unguarded?: Array<{ readonly principal: string; readonly request: SimRequest | (() => Promise<SimRequest>) }>;
}

/** Unguarded configurations: each lets a principal reach model output without an approved guardrail. */
const UNGUARDED: Case[] = [
  {
    name: 'an Allow with only a StringEquals guardrail condition (as users write it), and another team\'s grant of InvokeModel',
    stacks: () => cdkApp(s => {
      const r = role(s);
      r.addToPolicy(allow(INVOKE, ['*'], { StringEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } }));
      new iam.Policy(s, 'DataTeam', { roles: [r], statements: [allow(['bedrock:InvokeModel'], [`arn:aws:bedrock:${ENV.region}::foundation-model/*`])] });
    }),
    findings: [missing('App/App/Resource')],
    unguarded: [{ principal: 'App/App', request: invokeWithout }],
  },
  {
    name: 'bedrock:* on *',
    stacks: () => cdkApp(s => role(s).addToPolicy(allow(['bedrock:*']))),
    findings: [missing('App/App/Resource'), ...paths('App/App/Resource', BEDROCK_PATHS)],
    unguarded: [{ principal: 'App/App', request: invokeWithout }, { principal: 'App/App', request: () => pathRequest('bedrock:CreateAgent') }],
  },
  {
    name: 'bedrock:Invoke* (invocation and the Invoke* paths)',
    stacks: () => cdkApp(s => role(s).addToPolicy(allow(['bedrock:Invoke*']))),
    findings: [missing('App/App/Resource'), ...paths('App/App/Resource', ['AGENTS', 'INLINE_AGENTS', 'FLOWS', 'CONVERSATIONAL_BUILDER', 'DATA_AUTOMATION'])],
    unguarded: [{ principal: 'App/App', request: invokeWithout }, { principal: 'App/App', request: () => pathRequest('bedrock:InvokeInlineAgent') }],
  },
  {
    name: 'NotAction with everything but S3',
    stacks: () => cdkApp(s => role(s).addToPolicy(new iam.PolicyStatement({ notActions: ['s3:*'], resources: ['*'] }))),
    findings: [missing('App/App/Resource'), ...paths('App/App/Resource', ALL_PATHS)],
    unguarded: [{ principal: 'App/App', request: invokeWithout }, { principal: 'App/App', request: () => pathRequest('iam:PassRole') }],
  },
  {
    name: 'Action * on *',
    stacks: () => cdkApp(s => role(s).addToPolicy(allow(['*']))),
    findings: [missing('App/App/Resource'), ...paths('App/App/Resource', ALL_PATHS)],
    unguarded: [{ principal: 'App/App', request: invokeWithout }],
  },
  {
    name: 'AmazonBedrockFullAccess on a role',
    stacks: () => cdkApp(s => role(s, 'App', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess')] })),
    findings: [missing('App/App/Resource'), ...paths('App/App/Resource', ALL_PATHS.filter(p => p !== 'AGENTCORE_MANAGED_MODELS'))],
    unguarded: [{ principal: 'App/App', request: invokeWithout }],
  },
  {
    name: 'AmazonBedrockLimitedAccess on a role',
    stacks: () => cdkApp(s => role(s, 'App', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockLimitedAccess')] })),
    findings: [missing('App/App/Resource'),
      ...paths('App/App/Resource', ['OPENAI_COMPATIBLE_ENDPOINTS', 'BATCH_INFERENCE', 'MODEL_EVALUATION', 'DATA_AUTOMATION', 'AUTOMATED_REASONING_WORKFLOWS'])],
    unguarded: [{ principal: 'App/App', request: invokeWithout }, { principal: 'App/App', request: () => pathRequest('bedrock-mantle:CreateInference') }],
  },
  {
    name: 'PowerUserAccess on a role',
    stacks: () => cdkApp(s => role(s, 'App', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('PowerUserAccess')] })),
    findings: [missing('App/App/Resource'), ...paths('App/App/Resource', ALL_PATHS.filter(p => p !== 'PASS_ROLE_TO_BEDROCK'))],
    unguarded: [{ principal: 'App/App', request: invokeWithout }],
  },
  {
    name: 'AdministratorAccess on a user',
    stacks: () => cdkApp(s => new iam.User(s, 'Admin', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')] })),
    findings: [missing('App/Admin/Resource'), ...paths('App/Admin/Resource', ALL_PATHS)],
    unguarded: [{ principal: 'App/Admin', request: invokeWithout }],
  },
  {
    name: 'AmazonBedrockMantleInferenceAccess (the OpenAI-compatible endpoints only)',
    stacks: () => cdkApp(s => role(s, 'App', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockMantleInferenceAccess')] })),
    findings: paths('App/App/Resource', ['OPENAI_COMPATIBLE_ENDPOINTS']),
    unguarded: [{ principal: 'App/App', request: { action: 'bedrock-mantle:CreateInference', resource: `arn:aws:bedrock-mantle:${ENV.region}:${ENV.account}:project/default` } }],
  },
  {
    name: 'IAMFullAccess (passing any role to Bedrock)',
    stacks: () => cdkApp(s => role(s, 'App', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('IAMFullAccess')] })),
    findings: paths('App/App/Resource', ['PASS_ROLE_TO_BEDROCK']),
    unguarded: [{ principal: 'App/App', request: () => pathRequest('iam:PassRole') }],
  },
  {
    name: 'AmazonBedrockReadOnly (bedrock:Get* includes GetBlueprintRecommendation)',
    stacks: () => cdkApp(s => role(s, 'App', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockReadOnly')] })),
    findings: paths('App/App/Resource', ['DATA_AUTOMATION']),
    unguarded: [{ principal: 'App/App', request: () => pathRequest('bedrock:GetBlueprintRecommendation') }],
  },
  {
    name: 'the docs\' Example 1: a Deny on foundation-model/* only (inference profiles stay open)',
    stacks: () => cdkApp(s => {
      const r = role(s);
      r.addToPolicy(allow(INVOKE, ['*'], { StringEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } }));
      r.addToPolicy(deny(INVOKE, [`arn:aws:bedrock:${ENV.region}::foundation-model/*`], { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } }));
      // Any other grant of the profile reopens it: the Allow's condition guards only what it grants.
      r.addToPolicy(allow(['bedrock:InvokeModel'], [PROFILE]));
    }),
    findings: [missing('App/App/Resource')],
    unguarded: [{ principal: 'App/App', request: invokeProfileWithout }],
  },
  {
    name: 'a Deny with ForAnyValue:StringNotEquals (false when the key is absent)',
    stacks: () => cdkApp(s => {
      const r = role(s);
      r.addToPolicy(allow(['bedrock:InvokeModel']));
      r.addToPolicy(deny(INVOKE, ['*'], { 'ForAnyValue:StringNotEquals': { 'bedrock:GuardrailIdentifier': `${G1}:1` } }));
    }),
    findings: [missing('App/App/Resource')],
    unguarded: [{ principal: 'App/App', request: invokeWithout }],
  },
  {
    name: 'a Deny narrowed by another condition (one Region)',
    stacks: () => cdkApp(s => {
      const r = role(s);
      r.addToPolicy(allow(['bedrock:InvokeModel']));
      r.addToPolicy(deny(INVOKE, ['*'], { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` }, StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }));
    }),
    findings: [missing('App/App/Resource')],
    unguarded: [{ principal: 'App/App', request: { ...invokeWithout, context: { 'aws:RequestedRegion': ENV.region } } }],
  },
  {
    name: 'a Deny whose resource is a parameter (it may be narrow)',
    stacks: () => cdkApp(s => {
      const r = role(s);
      r.addToPolicy(allow(['bedrock:InvokeModel']));
      r.addToPolicy(deny(INVOKE, [new CfnParameter(s, 'ModelArn').valueAsString], { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } }));
    }),
    findings: [missing('App/App/Resource')],
    // Deployed with the parameter set to one model: every other model stays open.
    refs: { ModelArn: `arn:aws:bedrock:${ENV.region}::foundation-model/amazon.nova-lite-v1:0` },
    unguarded: [{ principal: 'App/App', request: invokeWithout }],
  },
  {
    name: 'a Deny that admits any guardrail (StringNotLike arn:aws:bedrock:*:*:guardrail/*)',
    stacks: () => cdkApp(s => {
      const r = role(s);
      r.addToPolicy(allow(['bedrock:InvokeModel']));
      r.addToPolicy(deny(INVOKE, ['*'], { StringNotLike: { 'bedrock:GuardrailIdentifier': 'arn:aws:bedrock:*:*:guardrail/*' } }));
    }),
    findings: [missing('App/App/Resource'), condition('App/App/DefaultPolicy/Resource', 'AnyGuardrail::arn:aws:bedrock:*:*:guardrail/*')],
    unguarded: [{ principal: 'App/App', request: withGuardrail(`arn:aws:bedrock:${ENV.region}:${ENV.account}:guardrail/mine0000:1`) }],
  },
  {
    name: 'a Deny pinned to another account\'s guardrail',
    stacks: () => cdkApp(s => {
      const r = role(s);
      r.addToPolicy(allow(['bedrock:InvokeModel']));
      r.addToPolicy(deny(INVOKE, ['*'], { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${OTHER_ACCOUNT_G}:1` } }));
    }),
    findings: [missing('App/App/Resource'), condition('App/App/DefaultPolicy/Resource', `OtherAccountGuardrail::${OTHER_ACCOUNT_G}:1`)],
    unguarded: [{ principal: 'App/App', request: withGuardrail(`${OTHER_ACCOUNT_G}:1`) }],
  },
  {
    name: 'a Deny with ArnNotLike …/ID:* (a bare guardrail ID slips through)',
    stacks: () => cdkApp(s => {
      const r = role(s);
      r.addToPolicy(allow(['bedrock:InvokeModel']));
      r.addToPolicy(deny(INVOKE, ['*'], { ArnNotLike: { 'bedrock:GuardrailIdentifier': `${G1}:*` } }));
    }),
    findings: [missing('App/App/Resource'), condition('App/App/DefaultPolicy/Resource', 'ArnOperatorOnDeny::ArnNotLike')],
    unguarded: [{ principal: 'App/App', request: withGuardrail('abc123def456') }],
  },
  {
    name: 'a Deny with a wildcard in the guardrail ID (…/guardrail/abc*)',
    stacks: () => cdkApp(s => {
      const r = role(s);
      r.addToPolicy(allow(['bedrock:InvokeModel']));
      r.addToPolicy(deny(INVOKE, ['*'], { StringNotLike: { 'bedrock:GuardrailIdentifier': `arn:aws:bedrock:${ENV.region}:${ENV.account}:guardrail/abc*` } }));
    }),
    findings: [missing('App/App/Resource'),
      condition('App/App/DefaultPolicy/Resource', `PrefixWildcard::arn:aws:bedrock:${ENV.region}:${ENV.account}:guardrail/abc*`),
      condition('App/App/DefaultPolicy/Resource', `AnyGuardrail::arn:aws:bedrock:${ENV.region}:${ENV.account}:guardrail/abc*`)],
    unguarded: [{ principal: 'App/App', request: withGuardrail(`arn:aws:bedrock:${ENV.region}:${ENV.account}:guardrail/abcother0001:1`) }],
  },
  {
    name: 'IfExists on an Allow, with no Deny',
    stacks: () => cdkApp(s => role(s).addToPolicy(allow(INVOKE, ['*'], { StringEqualsIfExists: { 'bedrock:GuardrailIdentifier': `${G1}:1` } }))),
    findings: [missing('App/App/Resource'), condition('App/App/DefaultPolicy/Resource', 'IfExistsOnAllow::StringEqualsIfExists')],
    unguarded: [{ principal: 'App/App', request: invokeWithout }],
  },
  {
    name: 'a policy that names the role through iam.Role.fromRoleName in the same stack',
    stacks: () => cdkApp(s => {
      role(s, 'Named', { roleName: 'app-role' });
      new iam.Policy(s, 'P', { roles: [iam.Role.fromRoleName(s, 'Imp', 'app-role')], statements: [allow(['bedrock:InvokeModel'])] });
    }),
    findings: [missing('App/Named/Resource')],
    unguarded: [{ principal: 'App/Named', request: invokeWithout }],
  },
  {
    name: 'a policy that names the role through iam.Role.fromRoleArn (a literal ARN)',
    stacks: () => cdkApp(s => {
      role(s, 'Named', { roleName: 'app-role' });
      new iam.Policy(s, 'P', { roles: [iam.Role.fromRoleArn(s, 'Imp', `arn:aws:iam::${ENV.account}:role/app-role`)], statements: [allow(['bedrock:InvokeModel'])] });
    }),
    findings: [missing('App/Named/Resource')],
    unguarded: [{ principal: 'App/Named', request: invokeWithout }],
  },
  {
    name: 'a policy that names the role through fromRoleArn of its own ARN (Fn::Select / Fn::Split)',
    stacks: () => cdkApp(s => {
      const r = role(s, 'Named');
      new iam.Policy(s, 'P', { roles: [iam.Role.fromRoleArn(s, 'Imp', r.roleArn)], statements: [allow(['bedrock:InvokeModel'])] });
    }),
    findings: [missing('App/Named/Resource')],
    unguarded: [{ principal: 'App/Named', request: invokeWithout }],
  },
  {
    name: 'an AWS::IAM::RolePolicy that names the role by its literal name',
    stacks: () => cdkApp(s => {
      role(s, 'Named', { roleName: 'app-role' });
      new iam.CfnRolePolicy(s, 'ByName', {
        policyName: 'p', roleName: 'app-role', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' }] },
      });
    }),
    findings: [missing('App/Named/Resource')],
    unguarded: [{ principal: 'App/Named', request: invokeWithout }],
  },
  {
    name: 'a policy in another stack that names the role by name',
    stacks: () => cdkApp((s, app) => {
      role(s, 'Named', { roleName: 'app-role' });
      const other = new Stack(app, 'Grants', { env: ENV });
      new iam.Policy(other, 'P', { roles: [iam.Role.fromRoleName(other, 'Imp', 'app-role')], statements: [allow(['bedrock:InvokeModel'])] });
    }),
    findings: [missing('App/Named/Resource')],
    unguarded: [{ principal: 'App/Named', request: invokeWithout }],
  },
  {
    name: 'a policy in another stack that attaches to the role through an export (a cross-stack reference)',
    stacks: () => cdkApp((s, app) => {
      const r = role(s, 'Shared');
      const other = new Stack(app, 'Grants', { env: ENV });
      new iam.Policy(other, 'P', { roles: [r], statements: [allow(['bedrock:InvokeModel'])] });
    }),
    findings: [missing('App/Shared/Resource')],
    unguarded: [{ principal: 'App/Shared', request: invokeWithout }],
  },
  {
    name: 'a customer managed policy of another stack attached through an export',
    stacks: () => cdkApp((s, app) => {
      const other = new Stack(app, 'Policies', { env: ENV });
      const mp = new iam.ManagedPolicy(other, 'Invoke', { statements: [allow(['bedrock:InvokeModel'])] });
      role(s, 'App', { managedPolicies: [mp] });
    }),
    findings: [missing('App/App/Resource')],
    unguarded: [{ principal: 'App/App', request: invokeWithout }],
  },
  {
    name: 'a customer managed policy attached by its literal ARN, defined in the app',
    stacks: () => cdkApp(s => {
      new iam.ManagedPolicy(s, 'Invoke', { managedPolicyName: 'bedrock-invoke', statements: [allow(['bedrock:InvokeModel'])] });
      role(s, 'App', { managedPolicies: [iam.ManagedPolicy.fromManagedPolicyArn(s, 'ByArn', `arn:aws:iam::${ENV.account}:policy/bedrock-invoke`)] });
    }),
    findings: [missing('App/App/Resource')],
    unguarded: [{ principal: 'App/App', request: invokeWithout }],
  },
  {
    name: 'a group with InvokeModel, and its member',
    stacks: () => cdkApp(s => {
      const group = new iam.Group(s, 'Team');
      group.addToPolicy(allow(['bedrock:InvokeModel']));
      new iam.User(s, 'Dev', { groups: [group] });
    }),
    findings: [missing('App/Dev/Resource'), missing('App/Team/Resource')],
    unguarded: [{ principal: 'App/Dev', request: invokeWithout }],
  },
  {
    name: 'a user added to a group with AmazonBedrockFullAccess by AWS::IAM::UserToGroupAddition',
    stacks: () => cdkApp(s => {
      const group = new iam.Group(s, 'Team', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess')] });
      const user = new iam.User(s, 'Dev');
      new iam.CfnUserToGroupAddition(s, 'Membership', { groupName: group.groupName, users: [user.userName] });
    }),
    findings: [
      missing('App/Dev/Resource'), ...paths('App/Dev/Resource', ALL_PATHS.filter(p => p !== 'AGENTCORE_MANAGED_MODELS')),
      missing('App/Team/Resource'), ...paths('App/Team/Resource', ALL_PATHS.filter(p => p !== 'AGENTCORE_MANAGED_MODELS')),
    ],
    unguarded: [{ principal: 'App/Dev', request: invokeWithout }],
  },
  ...[
    ['OPENAI_COMPATIBLE_ENDPOINTS', 'bedrock-mantle:CreateInference'],
    ['BATCH_INFERENCE', 'bedrock:CreateModelInvocationJob'],
    ['MODEL_EVALUATION', 'bedrock:CreateEvaluationJob'],
    ['AGENTS', 'bedrock:CreateAgent'],
    ['INLINE_AGENTS', 'bedrock:InvokeInlineAgent'],
    ['KNOWLEDGE_BASE_GENERATION', 'bedrock:RetrieveAndGenerate'],
    ['FLOWS', 'bedrock:InvokeFlow'],
    ['PROMPT_OPTIMIZATION', 'bedrock:OptimizePrompt'],
    ['QUERY_GENERATION', 'bedrock:GenerateQuery'],
    ['CONVERSATIONAL_BUILDER', 'bedrock:InvokeBuilder'],
    ['DATA_AUTOMATION', 'bedrock:InvokeDataAutomationAsync'],
    ['KNOWLEDGE_BASE_INGESTION', 'bedrock:StartIngestionJob'],
    ['AGENTCORE_MANAGED_MODELS', 'bedrock-agentcore:InvokeHarness'],
    ['AUTOMATED_REASONING_WORKFLOWS', 'bedrock:StartAutomatedReasoningPolicyBuildWorkflow'],
    ['PASS_ROLE_TO_BEDROCK', 'iam:PassRole'],
  ].map(([path, action]): Case => ({
    name: `only an indirect path: ${action} (${path}), beside a correct guardrail enforcement`,
    stacks: () => cdkApp(s => {
      const r = role(s);
      new GuardrailEnforcementPolicy(s, 'Enforcement', {
        guardrails: [guardrail()], models: [model()], roles: [r], allowUnguardedPaths: Object.values(InferencePath),
      });
      r.addToPolicy(allow([action]));
    }),
    // The enforcement policy records the open paths, so this one is a choice (a warning), not an oversight.
    findings: [...allowed('App/App/Resource', [path]),
      // With its path open, RetrieveAndGenerate meets the documented limitation of a guardrail-enforced principal.
      ...(action === 'bedrock:RetrieveAndGenerate' ? ['warning BedrockGuardrail-EnforcedPrincipalCallsAgentOrRag[bedrock:RetrieveAndGenerate] App/App/Resource'] : [])],
    unguarded: [{ principal: 'App/App', request: () => pathRequest(action) }],
  })),
  ...[
    ['OPENAI_COMPATIBLE_ENDPOINTS', 'bedrock-mantle:*'],
    ['BATCH_INFERENCE', 'bedrock:CreateModelInvocationJob'],
    ['AGENTS', 'bedrock:InvokeAgent'],
    ['PASS_ROLE_TO_BEDROCK', 'iam:PassRole'],
  ].map(([path, action]): Case => ({
    name: `only an indirect path, written by hand without any enforcement: ${action}`,
    stacks: () => cdkApp(s => role(s).addToPolicy(allow([action]))),
    findings: paths('App/App/Resource', [path]),
    unguarded: [{ principal: 'App/App', request: () => pathRequest(action === 'bedrock-mantle:*' ? 'bedrock-mantle:CreateInference' : action) }],
  })),
  {
    name: 'an invoker role that opens the OpenAI-compatible endpoints (allowUnguardedPaths) and uses them',
    stacks: () => cdkApp(s => new GuardrailEnforcedInvokerRole(s, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [guardrail()],
      models: [model()],
      allowUnguardedPaths: [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS],
    }).addToPolicy(allow(['bedrock-mantle:CreateInference']))),
    findings: allowed('App/Invoker/Resource', ['OPENAI_COMPATIBLE_ENDPOINTS']),
    unguarded: [{ principal: 'App/Invoker', request: () => pathRequest('bedrock-mantle:CreateInference') }],
  },
  {
    name: 'a role in a stage (as CDK Pipelines apps write every stack)',
    stacks: () => cdkApp((_s, app) => {
      const stage = new Stage(app, 'Prod');
      role(new Stack(stage, 'Api', { env: ENV }), 'Fn').addToPolicy(allow(['bedrock:InvokeModel']));
    }),
    findings: [missing('Prod/Api/Fn/Resource')],
    unguarded: [{ principal: 'Prod/Api/Fn', request: invokeWithout }],
  },
  {
    name: 'a hand-written YAML template: InvokeModel with !Sub, and a Deny with ArnNotLike',
    stacks: () => templateFiles({
      'app.yaml': handwrittenRole(INVOKE_ALLOW, `
          - Effect: Deny
            Action: [bedrock:InvokeModel, bedrock:InvokeModelWithResponseStream]
            Resource: '*'
            Condition:
              ArnNotLike:
                bedrock:GuardrailIdentifier: !Sub 'arn:\${AWS::Partition}:bedrock:\${AWS::Region}:\${AWS::AccountId}:guardrail/abc123def456:*'`),
    }),
    findings: [missing('app.yaml/AppRole'), condition('app.yaml/AppRole', 'ArnOperatorOnDeny::ArnNotLike')],
    unguarded: [{ principal: 'app.yaml/AppRole', request: withGuardrail('abc123def456') }],
  },
  {
    name: 'hand-written templates: a policy in one template names a role of another by its literal name',
    stacks: () => templateFiles({
      'roles.yaml': `Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: reporting-app
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }] }
`,
      'grants.json': JSON.stringify({
        Resources: {
          Grant: {
            Type: 'AWS::IAM::Policy',
            Properties: { PolicyName: 'g', Roles: ['reporting-app'], PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:*', Resource: '*' }] } },
          },
        },
      }),
    }),
    findings: [missing('roles.yaml/AppRole'), ...paths('roles.yaml/AppRole', BEDROCK_PATHS)],
    unguarded: [{ principal: 'roles.yaml/AppRole', request: invokeWithout }],
  },
  {
    name: 'a hand-written template: a role imported from another template\'s export (Fn::ImportValue)',
    stacks: () => templateFiles({
      'base.yaml': `Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }] }
Outputs:
  RoleName:
    Value: !Ref AppRole
    Export: { Name: base-app-role }
`,
      'grants.yaml': `Resources:
  Grant:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: g
      Roles: [!ImportValue base-app-role]
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: bedrock:InvokeModel, Resource: '*' }] }
`,
    }),
    findings: [missing('base.yaml/AppRole')],
    unguarded: [{ principal: 'base.yaml/AppRole', request: invokeWithout }],
  },
];

/** Correct configurations (the library's and hand-written): no finding at all, or only the warnings named. */
const CORRECT: Case[] = [
  {
    name: 'GuardrailEnforcedInvokerRole',
    stacks: () => cdkApp(s => new GuardrailEnforcedInvokerRole(s, 'Invoker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [guardrail()], models: [model()] })),
    findings: [],
  },
  {
    name: 'GuardrailEnforcedInvokerRole with two guardrails, ANY_NUMBERED and a cross-Region profile',
    stacks: () => cdkApp(s => new GuardrailEnforcedInvokerRole(s, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [guardrail(), EnforcedGuardrail.fromArn(`arn:aws:bedrock:${ENV.region}:${ENV.account}:guardrail/zzz999`, GuardrailVersion.ANY_NUMBERED)],
      models: [InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, ['us-east-1', 'us-west-2'])],
    })),
    findings: [],
  },
  {
    name: 'GuardrailEnforcedInvokerRole split across managed policies',
    stacks: () => cdkApp(s => new GuardrailEnforcedInvokerRole(s, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [guardrail()],
      models: Array.from({ length: 150 }, (_, i) => InvokableModel.foundationModel(`anthropic.claude-model-${i}-v1:0`)),
    })),
    findings: [],
  },
  {
    name: 'GuardrailEnforcedInvokerRole in an environment-agnostic stack, with a guardrail ARN built from pseudo parameters',
    stacks: () => cdkApp((_s, app) => {
      const agnostic = new Stack(app, 'Agnostic');
      new GuardrailEnforcedInvokerRole(agnostic, 'Invoker', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        guardrails: [EnforcedGuardrail.fromArn(`arn:${agnostic.partition}:bedrock:${agnostic.region}:${agnostic.account}:guardrail/abc123`, GuardrailVersion.numbered(2))],
        models: [model()],
      });
    }),
    findings: [],
  },
  {
    name: 'GuardrailEnforcementPolicy on a Lambda function\'s role that also has bedrock:*',
    stacks: () => cdkApp(s => {
      const fn = new lambda.Function(s, 'Fn', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
      fn.addToRolePolicy(allow(['bedrock:*']));
      new GuardrailEnforcementPolicy(s, 'Enforcement', { guardrails: [guardrail()], models: [InvokableModel.allFoundationModels()], roles: [fn.role!] });
    }),
    findings: [],
  },
  {
    name: 'GuardrailEnforcementPolicy on a group: its member with InvokeModel is guarded (no false positive)',
    stacks: () => cdkApp(s => {
      const group = new iam.Group(s, 'Team');
      new GuardrailEnforcementPolicy(s, 'Enforcement', { guardrails: [guardrail()], models: [model()], groups: [group] });
      new iam.User(s, 'Dev', { groups: [group] }).addToPolicy(allow(['bedrock:InvokeModel']));
    }),
    findings: [],
  },
  {
    name: 'GuardrailEnforcementPolicy attached to a role imported by name in the same stack',
    stacks: () => cdkApp(s => {
      role(s, 'Named', { roleName: 'app-role' }).addToPolicy(allow(['bedrock:InvokeModel']));
      new GuardrailEnforcementPolicy(s, 'Enforcement', { guardrails: [guardrail()], models: [model()], roles: [iam.Role.fromRoleName(s, 'Imp', 'app-role')] });
    }),
    findings: [],
  },
  {
    name: 'GuardrailEnforcementPolicy of another stack, attached through an export',
    stacks: () => cdkApp((s, app) => {
      const r = role(s, 'Shared');
      r.addToPolicy(allow(['bedrock:InvokeModel']));
      new GuardrailEnforcementPolicy(new Stack(app, 'Guard', { env: ENV }), 'Enforcement', { guardrails: [guardrail()], models: [model()], roles: [r] });
    }),
    findings: [],
  },
  {
    name: 'EnforceGuardrails on a role with bedrock:*',
    stacks: () => cdkApp((s, app) => {
      role(s).addToPolicy(allow(['bedrock:*']));
      Aspects.of(app).add(new EnforceGuardrails({ guardrails: [guardrail()] }));
    }),
    findings: [],
  },
  {
    name: 'EnforceGuardrails on a user with AmazonBedrockFullAccess',
    stacks: () => cdkApp((s, app) => {
      new iam.User(s, 'Dev', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess')] });
      Aspects.of(app).add(new EnforceGuardrails({ guardrails: [guardrail()] }));
    }),
    findings: [],
  },
  {
    name: 'the agent and flow service roles (the enforcement Deny is not for them)',
    stacks: () => cdkApp(s => {
      new AgentExecutionRole(s, 'Agent', { models: [model()], guardrail: guardrail() });
      new FlowServiceRole(s, 'Flow', { models: [model()] });
    }),
    findings: [],
  },
  {
    name: 'an agent with its guardrail, and an encrypted guardrail with EncryptedGuardrailKey',
    stacks: () => cdkApp(s => {
      const key = new EncryptedGuardrailKey(s, 'Key');
      const g = new bedrock.CfnGuardrail(s, 'Guardrail', {
        name: 'g',
        blockedInputMessaging: 'no',
        blockedOutputsMessaging: 'no',
        kmsKeyArn: key.keyArn,
        contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
      });
      const agentRole = new AgentExecutionRole(s, 'AgentRole', { models: [model()], guardrail: EnforcedGuardrail.fromGuardrail(g, GuardrailVersion.DRAFT) });
      new bedrock.CfnAgent(s, 'Agent', {
        agentName: 'a',
        agentResourceRoleArn: agentRole.roleArn,
        foundationModel: HAIKU,
        guardrailConfiguration: { guardrailIdentifier: g.attrGuardrailId, guardrailVersion: 'DRAFT' },
      });
    }),
    findings: [],
  },
  {
    name: 'GuardrailAdministratorRole (guardrail management only)',
    stacks: () => cdkApp(s => new GuardrailAdministratorRole(s, 'Admins', { assumedBy: new iam.AccountRootPrincipal(), requiredTags: { team: ['search'] } })),
    findings: [],
  },
  {
    name: 'account and organization enforcement: AccountGuardrailEnforcement with grantApply, GuardrailResourcePolicy, OrganizationGuardrailPolicy',
    stacks: () => cdkApp(s => {
      const enforced = EnforcedGuardrail.fromArn(`arn:aws:bedrock:${ENV.region}:${ENV.account}:guardrail/org0guardrail1`, GuardrailVersion.numbered(2));
      const account = new AccountGuardrailEnforcement(s, 'Account', { guardrail: enforced });
      account.grantApply(new iam.Role(s, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
      new GuardrailResourcePolicy(s, 'SameAccount', { guardrail: enforced }).allowSameAccount();
      new OrganizationGuardrailPolicy(s, 'Organization', { guardrails: [enforced], targetIds: ['r-ab12'], organizationId: 'o-a1b2c3d4e5' });
    }),
    findings: [],
  },
  {
    name: 'roles that cannot reach models: S3 only; ApplyGuardrail and GetGuardrail only',
    stacks: () => cdkApp(s => {
      role(s, 'Storage').addToPolicy(allow(['s3:GetObject']));
      role(s, 'Checker').addToPolicy(allow(['bedrock:ApplyGuardrail', 'bedrock:GetGuardrail'], [G1]));
    }),
    findings: [],
  },
  {
    name: 'an invoker role in a stage, with a grant of S3 from another stack',
    stacks: () => cdkApp((_s, app) => {
      const stage = new Stage(app, 'Prod');
      const invoker = new GuardrailEnforcedInvokerRole(new Stack(stage, 'Api', { env: ENV }), 'Invoker', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [guardrail()], models: [model()],
      });
      new iam.Policy(new Stack(stage, 'Data', { env: ENV }), 'Reads', { roles: [invoker], statements: [allow(['s3:GetObject'])] });
    }),
    findings: [],
  },
  {
    name: 'a hand-written template with the full enforcement (StringNotEquals, !Sub, every path denied)',
    stacks: () => templateFiles({ 'app.yaml': handwrittenRole(INVOKE_ALLOW) }),
    findings: [],
  },
  {
    name: 'a hand-written JSON template: StringNotLike with ARN and ARN:* (any numbered version), every path denied',
    stacks: () => templateFiles({
      'app.yaml': handwrittenRole(INVOKE_ALLOW, HANDWRITTEN_ENFORCEMENT.replace(
        `StringNotEquals:
                bedrock:GuardrailIdentifier: !Sub 'arn:\${AWS::Partition}:bedrock:\${AWS::Region}:\${AWS::AccountId}:guardrail/abc123def456:1'`,
        `StringNotLike:
                bedrock:GuardrailIdentifier: ['${G1}', '${G1}:*']`)),
    }),
    findings: [],
  },
  {
    name: 'a hand-written template whose Deny names the guardrail resource of the template (!GetAtt)',
    stacks: () => templateFiles({
      'app.yaml': handwrittenRole(INVOKE_ALLOW, HANDWRITTEN_ENFORCEMENT.replace(
        '!Sub \'arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:guardrail/abc123def456:1\'',
        '!Ref GuardrailVersion')) + `  Guardrail:
    Type: AWS::Bedrock::Guardrail
    Properties: { Name: g, BlockedInputMessaging: no, BlockedOutputsMessaging: no, KmsKeyArn: !Sub 'arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:key/k' }
  GuardrailVersion:
    Type: AWS::Bedrock::GuardrailVersion
    Properties: { GuardrailIdentifier: !GetAtt Guardrail.GuardrailId }
`,
    }),
    findings: [],
  },
  {
    name: 'an enforcement in a customer managed policy of the template attached by Ref, in a hand-written template',
    stacks: () => templateFiles({
      'app.yaml': `Resources:
  Enforcement:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
${INVOKE_ALLOW.replace(/^ {10}/gm, '          ')}${HANDWRITTEN_ENFORCEMENT}
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns: [!Ref Enforcement]
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }] }
`,
    }),
    findings: [],
  },
  {
    name: 'a role with a customer managed policy from outside the app (a warning, not silence)',
    stacks: () => cdkApp(s => role(s, 'App', { managedPolicies: [iam.ManagedPolicy.fromManagedPolicyArn(s, 'Ext', `arn:aws:iam::${ENV.account}:policy/team-baseline`)] })),
    findings: [`warning BedrockGuardrail-UnknownManagedPolicy[arn:aws:iam::${ENV.account}:policy/team-baseline] App/App/Resource`],
  },
  {
    name: 'an invoker role that opens the agents path and calls InvokeAgent (the documented limitation, warnings)',
    stacks: () => cdkApp(s => new GuardrailEnforcedInvokerRole(s, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [guardrail()], models: [model()], allowUnguardedPaths: [InferencePath.AGENTS],
    }).addToPolicy(allow(['bedrock:InvokeAgent']))),
    findings: ['warning BedrockGuardrail-EnforcedPrincipalCallsAgentOrRag[bedrock:InvokeAgent] App/Invoker/Resource', ...allowed('App/Invoker/Resource', ['AGENTS'])],
  },
  {
    name: 'an invoker role with a grant of InvokeAgent that its agents-path Deny makes dead (nothing to warn about)',
    stacks: () => cdkApp(s => new GuardrailEnforcedInvokerRole(s, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [guardrail()], models: [model()],
    }).addToPolicy(allow(['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate']))),
    findings: [],
  },
];

describe('unguarded configurations', () => {
  test(`the corpus has at least 40 (${UNGUARDED.length})`, () => expect(UNGUARDED.length).toBeGreaterThanOrEqual(40));
  test.each(UNGUARDED.map(c => [c.name, c] as const))('%s', async (_name, c) => {
    const stacks = c.stacks();
    expect(findingLines(stacks)).toEqual([...c.findings].sort());
    for (const { principal, request } of c.unguarded ?? []) {
      const r = typeof request === 'function' ? await request() : request;
      expect({ principal, action: r.action, decision: await decideFor(stacks, principal, r, c.refs) }).toEqual({ principal, action: r.action, decision: 'Allowed' });
    }
    expect(c.unguarded?.length ?? 0).toBeGreaterThan(0);
  });
});

describe('correct configurations', () => {
  test(`the corpus has at least 20 (${CORRECT.length})`, () => expect(CORRECT.length).toBeGreaterThanOrEqual(20));
  test.each(CORRECT.map(c => [c.name, c] as const))('%s', (_name, c) => {
    expect(findingLines(c.stacks())).toEqual([...c.findings].sort());
  });
});

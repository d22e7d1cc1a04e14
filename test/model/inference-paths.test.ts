import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { InferencePath } from '../../src/model/inference-path';
import { deniedPaths } from '../../src/model/inference-paths';
import { checkInferencePaths, warnAboutEnforcementOptions } from '../../src/private/enforcement-options';

/**
 * Every path that IAM cannot guard, with the actions its Deny names (bedrock-iam.md §12) and what a principal can do
 * once it is allowed, written here independently of the table in src/model/inference-paths.ts: a change to an
 * action list or to a warning's explanation must show up as a failing test.
 */
const PATHS: Array<[InferencePath, string[], string]> = [
  [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS, ['bedrock-mantle:CreateInference'],
    'the principal can run any model through the OpenAI-compatible endpoints (bedrock-mantle), which have no guardrail condition key, so no guardrail is required there'],
  [InferencePath.BATCH_INFERENCE, ['bedrock:CreateModelInvocationJob'],
    'the principal can run batch inference jobs: a service role runs the model for the caller, and the request has no guardrail IAM can check'],
  [InferencePath.MODEL_EVALUATION, ['bedrock:CreateEvaluationJob', 'bedrock:CreateModelEvaluationJob'],
    'the principal can run model evaluation jobs on prompts it chooses: a service role runs the model for the caller, and the request has no guardrail IAM can check'],
  [InferencePath.AGENTS, ['bedrock:CreateAgent', 'bedrock:UpdateAgent', 'bedrock:InvokeAgent'],
    'the principal can create, change and invoke agents; an agent applies a guardrail only if one is configured on it, and IAM cannot require one. '
    + 'Also, with the guardrail Deny on this principal, InvokeAgent can fail with AccessDenied even when the agent has a guardrail (documented limitation): '
    + 'call agents from a separate role without the enforcement'],
  [InferencePath.INLINE_AGENTS, ['bedrock:InvokeInlineAgent'],
    'the principal can run inline agents, whose guardrail is a request field IAM does not see, so it can run them without a guardrail'],
  [InferencePath.KNOWLEDGE_BASE_GENERATION, ['bedrock:RetrieveAndGenerate', 'bedrock:AgenticRetrieveStream'],
    'the principal can generate answers from knowledge bases (RetrieveAndGenerate, RetrieveAndGenerateStream, AgenticRetrieveStream), whose guardrail is a request field IAM does not see. '
    + 'Also, with the guardrail Deny on this principal, RetrieveAndGenerate can fail with AccessDenied even when the request names the guardrail (documented limitation): '
    + 'call it from a separate role without the enforcement'],
  [InferencePath.FLOWS, ['bedrock:CreateFlow', 'bedrock:UpdateFlow', 'bedrock:InvokeFlow', 'bedrock:StartFlowExecution'],
    'the principal can create, change and run flows; a flow applies a guardrail only on nodes configured with one, and IAM cannot require it'],
  [InferencePath.PROMPT_OPTIMIZATION, ['bedrock:OptimizePrompt', 'bedrock:CreateAdvancedPromptOptimizationJob'],
    'the principal can have a model rewrite any text through prompt optimization, with no guardrail'],
  [InferencePath.QUERY_GENERATION, ['bedrock:GenerateQuery'],
    'the principal can have a model turn any text into a query (GenerateQuery), with no guardrail'],
  [InferencePath.CONVERSATIONAL_BUILDER, ['bedrock:InvokeBuilder'],
    'the principal can chat with the conversational builder model, with no guardrail'],
  [InferencePath.DATA_AUTOMATION, ['bedrock:InvokeDataAutomation', 'bedrock:InvokeDataAutomationAsync', 'bedrock:GetBlueprintRecommendation',
    'bedrock:InvokeBlueprintRecommendationAsync', 'bedrock:InvokeBlueprintOptimizationAsync'],
  'the principal can have models generate output from its documents, images, audio and video through Bedrock Data Automation, with no guardrail'],
  [InferencePath.KNOWLEDGE_BASE_INGESTION, ['bedrock:CreateDataSource', 'bedrock:UpdateDataSource', 'bedrock:StartIngestionJob', 'bedrock:IngestKnowledgeBaseDocuments'],
    'the principal can create or change knowledge-base data sources and ingest documents; a data source that parses with a foundation model runs the caller\'s parsing prompt '
    + 'on the caller\'s documents, and bedrock:Retrieve returns that output, with no guardrail'],
  [InferencePath.AGENTCORE_MANAGED_MODELS, ['bedrock-agentcore:InvokeHarness', 'bedrock-agentcore:Evaluate', 'bedrock-agentcore:StartBatchEvaluation',
    'bedrock-agentcore:StartPolicyGeneration', 'bedrock-agentcore:CreateEvent', 'bedrock-agentcore:StartMemoryExtractionJob'],
  'the principal can have Amazon Bedrock AgentCore run models on its input (a harness with a model of its choice, model-as-judge evaluations, policy generation, '
    + 'memory strategies that summarize its events), with no guardrail IAM can check'],
  [InferencePath.AUTOMATED_REASONING_WORKFLOWS, ['bedrock:StartAutomatedReasoningPolicyBuildWorkflow', 'bedrock:StartAutomatedReasoningPolicyTestWorkflow'],
    'the principal can have a model turn its documents into Automated Reasoning rules and generated test scenarios, with no guardrail'],
  [InferencePath.PASS_ROLE_TO_BEDROCK, ['iam:PassRole'],
    'the principal can pass roles to Amazon Bedrock (for batch, evaluation, agents, flows, knowledge bases), and a service role then runs models with its own permissions, '
    + 'not this principal\'s guardrail enforcement'],
];

const FIX = 'Fix: remove it from allowUnguardedPaths unless this principal needs it, and then enforce a guardrail where that path runs '
  + '(the agent, flow or job configuration, or account-level enforcement).';

/** The warnings (id and text) for a construct whose enforcement allows `paths`. */
function warnings(paths: InferencePath[], protectApprovedGuardrails?: boolean): Array<{ id: string; text: string }> {
  const stack = new Stack(new App(), 'S');
  warnAboutEnforcementOptions(new Construct(stack, 'R'), { allowUnguardedPaths: paths, protectApprovedGuardrails });
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => {
    const text = String(w.entry.data);
    const id = /\[ack: ([^\]]+)\]$/.exec(text)?.[1] ?? '';
    return { id, text: text.replace(/ \[ack: [^\]]+\]$/, '') };
  });
}

describe('inference paths', () => {
  test('every path is denied by default, in the enum\'s order, with its actions', () => {
    expect(deniedPaths().map(p => [p.path, p.actions])).toEqual(PATHS.map(([path, actions]) => [path, actions]));
    expect(deniedPaths().find(p => p.path === InferencePath.PASS_ROLE_TO_BEDROCK)?.passedToService).toBe('bedrock.amazonaws.com');
    expect(deniedPaths().filter(p => p.passedToService !== undefined)).toHaveLength(1);
  });

  test('an allowed path is no longer denied; the others still are', () => {
    expect(deniedPaths([InferencePath.FLOWS, InferencePath.BATCH_INFERENCE]).map(p => p.path))
      .toEqual(PATHS.map(([path]) => path).filter(p => p !== InferencePath.FLOWS && p !== InferencePath.BATCH_INFERENCE));
  });

  test.each(PATHS)('allowing %s warns with its actions and what it gives up', (path, actions, givesUp) => {
    const passRoleNote = path === InferencePath.AGENTS || path === InferencePath.FLOWS
      ? ` Note: creating or changing ${path === InferencePath.AGENTS ? 'an agent' : 'a flow'} passes its service role, and iam:PassRole to Bedrock is still denied `
        + '(allow InferencePath.PASS_ROLE_TO_BEDROCK too, or create it from another principal).'
      : '';
    expect(warnings([path])).toEqual([{
      id: `cdk-bedrock-guardrail-iam:unguardedPathAllowed:${path}`,
      text: `allowUnguardedPaths includes InferencePath.${path}, so ${actions.join(', ')} ${actions.length > 1 ? 'are' : 'is'} no longer denied: ${givesUp}. `
        + `A request reaching a model through this path is not guaranteed to carry an approved guardrail.${passRoleNote} ${FIX}`,
    }]);
  });

  test('with PASS_ROLE_TO_BEDROCK allowed too, agents and flows get no PassRole note', () => {
    const texts = warnings([InferencePath.AGENTS, InferencePath.FLOWS, InferencePath.PASS_ROLE_TO_BEDROCK]).map(w => w.text);
    expect(texts).toHaveLength(3);
    for (const text of texts) expect(text).not.toContain('Note:');
  });

  test('protectApprovedGuardrails: false warns; true and the default do not', () => {
    expect(warnings([], false)).toEqual([expect.objectContaining({
      id: 'cdk-bedrock-guardrail-iam:approvedGuardrailsUnprotected',
      text: 'protectApprovedGuardrails is false, so a principal bound by this enforcement that is allowed bedrock:UpdateGuardrail, CreateGuardrailVersion, DeleteGuardrail, '
        + 'TagResource, UntagResource, PutResourcePolicy or DeleteResourcePolicy elsewhere can change the approved guardrails themselves (empty a DRAFT, or publish a new version '
        + 'that an ANY or ANY_NUMBERED version admits), and can change or delete the account\'s enforced guardrail configuration. '
        + 'Fix: keep the protection (the default) and manage guardrails from a separate role, such as GuardrailAdministratorRole.',
    })]);
    expect(warnings([], true)).toEqual([]);
    expect(warnings([])).toEqual([]);
  });

  test('a value that is not an InferencePath is refused, listing every path', () => {
    const fix = `allowUnguardedPaths has 'FLOW', which is not an InferencePath. Fix: use the InferencePath enum, one of ${PATHS.map(([p]) => p).join(', ')}.`;
    expect(() => checkInferencePaths('Factory.method', ['FLOW' as InferencePath])).toThrow(`Factory.method: ${fix}`);
    const stack = new Stack(new App(), 'S');
    expect(() => checkInferencePaths(new Construct(stack, 'R'), ['FLOW' as InferencePath])).toThrow(`S/R: ${fix}`);
    expect(() => checkInferencePaths('Factory.method', undefined)).not.toThrow();
  });
});

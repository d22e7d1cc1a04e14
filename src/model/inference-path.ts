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

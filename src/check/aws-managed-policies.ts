import { InferencePath } from '../model/inference-path';

/**
 * What an AWS managed policy lets a principal reach: model inference, inference paths IAM cannot guard
 * (`InferencePath`), and changes to guardrails. Read from the policies' JSON documents in the AWS Managed
 * Policy Reference (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/POLICY_NAME.html, the
 * versions current on 2026-11-29; every policy of the reference was checked, by matching its actions and
 * wildcards against the actions of each path). A policy that allows `iam:PassRole` without
 * `iam:PassedToService`, or with `bedrock.amazonaws.com`, reaches PASS_ROLE_TO_BEDROCK; policies that allow
 * passing only roles of given names are not counted. Permissions boundaries are listed for what they let a
 * principal keep.
 */
export interface AwsManagedPolicyReach {
  /** Allows `bedrock:InvokeModel` or `bedrock:InvokeModelWithResponseStream` (on some resource). */
  readonly invokes: boolean;
  /** The inference paths it allows any action of. */
  readonly paths: InferencePath[];
  /** Allows changing a guardrail or the account's enforced guardrail configuration. */
  readonly guardrailChanges: boolean;
}

const ALL_PATHS = Object.values(InferencePath) as InferencePath[];
const ALL_BUT_PASS_ROLE = ALL_PATHS.filter(p => p !== InferencePath.PASS_ROLE_TO_BEDROCK);

/** AWS managed policies that reach Bedrock model output or change guardrails, by name. */
export const AWS_MANAGED_POLICY_REACH: { [name: string]: AwsManagedPolicyReach } = {
  'AWSDataPipelineRole': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false }, // deprecated
  'AWSElasticBeanstalkFullAccess': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false }, // deprecated
  'AWSElasticBeanstalkMulticontainerDocker': { invokes: true, paths: [], guardrailChanges: false },
  'AWSElasticBeanstalkService': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'AWSElasticBeanstalkWebTier': { invokes: true, paths: [], guardrailChanges: false },
  'AWSElasticBeanstalkWorkerTier': { invokes: true, paths: [], guardrailChanges: false },
  'AWSLambdaFullAccess': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false }, // deprecated
  'AWSMcpServiceActionsFullAccess': { invokes: true, paths: ALL_PATHS, guardrailChanges: true },
  'AWSOpsWorksFullAccess': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false }, // deprecated
  'AWSOpsWorksRegisterCLI': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false }, // deprecated
  'AWSOpsWorksRole': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false }, // deprecated
  'AdministratorAccess': { invokes: true, paths: ALL_PATHS, guardrailChanges: true },
  'AdministratorAccess-Amplify': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'AmazonBedrockAgentCoreMemoryBedrockModelInferenceExecutionRolePolicy': { invokes: true, paths: [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS], guardrailChanges: false },
  'AmazonBedrockFullAccess': { invokes: true, paths: [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS, InferencePath.BATCH_INFERENCE, InferencePath.MODEL_EVALUATION, InferencePath.AGENTS, InferencePath.INLINE_AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION, InferencePath.FLOWS, InferencePath.PROMPT_OPTIMIZATION, InferencePath.QUERY_GENERATION, InferencePath.CONVERSATIONAL_BUILDER, InferencePath.DATA_AUTOMATION, InferencePath.KNOWLEDGE_BASE_INGESTION, InferencePath.AUTOMATED_REASONING_WORKFLOWS, InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: true },
  'AmazonBedrockLimitedAccess': { invokes: true, paths: [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS, InferencePath.BATCH_INFERENCE, InferencePath.MODEL_EVALUATION, InferencePath.DATA_AUTOMATION, InferencePath.AUTOMATED_REASONING_WORKFLOWS], guardrailChanges: true },
  'AmazonBedrockMantleFullAccess': { invokes: false, paths: [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS], guardrailChanges: false },
  'AmazonBedrockMantleInferenceAccess': { invokes: false, paths: [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS], guardrailChanges: false },
  'AmazonBedrockMarketplaceAccess': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'AmazonBedrockReadOnly': { invokes: false, paths: [InferencePath.DATA_AUTOMATION], guardrailChanges: false }, // bedrock:Get* includes GetBlueprintRecommendation
  'AmazonBedrockStudioPermissionsBoundary': { invokes: true, paths: [InferencePath.AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION, InferencePath.FLOWS, InferencePath.KNOWLEDGE_BASE_INGESTION], guardrailChanges: false },
  'AmazonDataZoneBedrockModelConsumptionPolicy': { invokes: true, paths: [], guardrailChanges: false },
  'AmazonDataZoneSageMakerEnvironmentRolePermissionsBoundary': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'AmazonDynamoDBFullAccesswithDataPipeline': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'AmazonEC2ContainerServiceFullAccess': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false }, // deprecated
  'AmazonEC2SpotFleetRole': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false }, // deprecated
  'AmazonElasticMapReduceFullAccess': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'AmazonElasticMapReduceRole': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'AmazonSageMakerCanvasAIServicesAccess': { invokes: true, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'AmazonSageMakerModelCustomizationCoreAccess': { invokes: true, paths: [InferencePath.MODEL_EVALUATION, InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'BedrockAgentCoreFullAccess': { invokes: true, paths: [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS, InferencePath.AGENTCORE_MANAGED_MODELS], guardrailChanges: false },
  'CloudWatchOmniModelInferencePolicy': { invokes: true, paths: [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS], guardrailChanges: false },
  'CloudWatchOmniSpaceAccessPolicy': { invokes: false, paths: [InferencePath.AGENTCORE_MANAGED_MODELS], guardrailChanges: false }, // from the service documentation; the policy document was not published
  'IAMFullAccess': { invokes: false, paths: [InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'PowerUserAccess': { invokes: true, paths: ALL_BUT_PASS_ROLE, guardrailChanges: true },
  'SageMakerStudioAdminIAMDefaultExecutionPolicy': { invokes: true, paths: [InferencePath.BATCH_INFERENCE, InferencePath.MODEL_EVALUATION, InferencePath.AGENTS, InferencePath.INLINE_AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION, InferencePath.FLOWS, InferencePath.PROMPT_OPTIMIZATION, InferencePath.QUERY_GENERATION, InferencePath.CONVERSATIONAL_BUILDER, InferencePath.DATA_AUTOMATION, InferencePath.KNOWLEDGE_BASE_INGESTION, InferencePath.AUTOMATED_REASONING_WORKFLOWS, InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: true },
  'SageMakerStudioAdminIAMPermissiveExecutionPolicy': { invokes: true, paths: [InferencePath.BATCH_INFERENCE, InferencePath.MODEL_EVALUATION, InferencePath.AGENTS, InferencePath.INLINE_AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION, InferencePath.FLOWS, InferencePath.PROMPT_OPTIMIZATION, InferencePath.QUERY_GENERATION, InferencePath.CONVERSATIONAL_BUILDER, InferencePath.DATA_AUTOMATION, InferencePath.KNOWLEDGE_BASE_INGESTION, InferencePath.AUTOMATED_REASONING_WORKFLOWS, InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: true },
  'SageMakerStudioBedrockAgentServiceRolePolicy': { invokes: true, paths: [InferencePath.KNOWLEDGE_BASE_GENERATION], guardrailChanges: false },
  'SageMakerStudioBedrockChatAgentUserRolePolicy': { invokes: false, paths: [InferencePath.AGENTS], guardrailChanges: false },
  'SageMakerStudioBedrockEvaluationJobServiceRolePolicy': { invokes: true, paths: [InferencePath.BATCH_INFERENCE], guardrailChanges: false },
  'SageMakerStudioBedrockFlowServiceRolePolicy': { invokes: true, paths: [InferencePath.AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION], guardrailChanges: false },
  'SageMakerStudioBedrockKnowledgeBaseCustomResourcePolicy': { invokes: false, paths: [InferencePath.KNOWLEDGE_BASE_INGESTION], guardrailChanges: false },
  'SageMakerStudioBedrockKnowledgeBaseServiceRolePolicy': { invokes: true, paths: [InferencePath.QUERY_GENERATION], guardrailChanges: false },
  'SageMakerStudioProjectProvisioningRolePolicy': { invokes: false, paths: [InferencePath.AGENTS, InferencePath.FLOWS, InferencePath.KNOWLEDGE_BASE_INGESTION, InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: true },
  'SageMakerStudioProjectUserRolePermissionsBoundary': { invokes: true, paths: [InferencePath.MODEL_EVALUATION, InferencePath.AGENTS, InferencePath.INLINE_AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION, InferencePath.FLOWS, InferencePath.KNOWLEDGE_BASE_INGESTION, InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'SageMakerStudioProjectUserRolePolicy': { invokes: true, paths: [InferencePath.MODEL_EVALUATION, InferencePath.AGENTS, InferencePath.INLINE_AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION, InferencePath.FLOWS, InferencePath.DATA_AUTOMATION, InferencePath.KNOWLEDGE_BASE_INGESTION, InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: false },
  'SageMakerStudioUserIAMDefaultExecutionPolicy': { invokes: true, paths: [InferencePath.BATCH_INFERENCE, InferencePath.MODEL_EVALUATION, InferencePath.AGENTS, InferencePath.INLINE_AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION, InferencePath.FLOWS, InferencePath.PROMPT_OPTIMIZATION, InferencePath.QUERY_GENERATION, InferencePath.CONVERSATIONAL_BUILDER, InferencePath.DATA_AUTOMATION, InferencePath.KNOWLEDGE_BASE_INGESTION, InferencePath.AUTOMATED_REASONING_WORKFLOWS, InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: true },
  'SageMakerStudioUserIAMPermissiveExecutionPolicy': { invokes: true, paths: [InferencePath.BATCH_INFERENCE, InferencePath.MODEL_EVALUATION, InferencePath.AGENTS, InferencePath.INLINE_AGENTS, InferencePath.KNOWLEDGE_BASE_GENERATION, InferencePath.FLOWS, InferencePath.PROMPT_OPTIMIZATION, InferencePath.QUERY_GENERATION, InferencePath.CONVERSATIONAL_BUILDER, InferencePath.DATA_AUTOMATION, InferencePath.KNOWLEDGE_BASE_INGESTION, InferencePath.AUTOMATED_REASONING_WORKFLOWS, InferencePath.PASS_ROLE_TO_BEDROCK], guardrailChanges: true },
  'WellArchitectedAgentResourceScanning': { invokes: false, paths: [InferencePath.DATA_AUTOMATION], guardrailChanges: false }, // bedrock:Get* includes GetBlueprintRecommendation
};

/** The name of an AWS managed policy in an ARN (`arn:PARTITION:iam::aws:policy/[PATH/]NAME`), if it is one. */
export function awsManagedPolicyName(arn: string): string | undefined {
  const match = /:iam::aws:policy\/(?:.*\/)?([A-Za-z0-9+=,.@_-]+)$/.exec(arn);
  return match === null ? undefined : match[1];
}


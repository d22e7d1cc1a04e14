import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { INFERENCE_ACTIONS, modelInvocationStatements } from './inference';
import { allow, oneOrMany } from './statement';
import { InvokableModelKind, ModelGrant } from '../model/invokable-model';
import { unique } from '../util/policy-json';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/**
 * The agent role's model statements (agents-permissions AgentModelInvocationPermissions and the optional Provisioned
 * Throughput statement): `bedrock:InvokeModel` on foundation, custom and imported models; for Provisioned
 * Throughput also `GetProvisionedModelThroughput`; for inference profiles the actions of the agents-permissions
 * "Important" box (`InvokeModelWithResponseStream`, `GetInferenceProfile`) on the profile, the models it
 * routes to only through it (inference-profiles-prereq), and `GetFoundationModel` on those models.
 */
export function agentModelStatements(models: ModelGrant[]): iam.PolicyStatement[] {
  const statements = modelInvocationStatements(models, {
    groupFor: kind => {
      switch (kind) {
        case InvokableModelKind.PROVISIONED_MODEL:
          return { sid: 'AgentProvisionedThroughput', actions: ['bedrock:InvokeModel', 'bedrock:GetProvisionedModelThroughput'] };
        case InvokableModelKind.CROSS_REGION_INFERENCE_PROFILE:
        case InvokableModelKind.GLOBAL_INFERENCE_PROFILE:
        case InvokableModelKind.APPLICATION_INFERENCE_PROFILE:
          return { sid: 'AgentInferenceProfileInvocation', actions: [...INFERENCE_ACTIONS, 'bedrock:GetInferenceProfile'] };
        default:
          return { sid: 'AgentModelInvocationPermissions', actions: ['bedrock:InvokeModel'] };
      }
    },
    routeSid: n => `AgentModelThroughProfile${n}`,
    routeActions: INFERENCE_ACTIONS,
  });
  const routed = unique(models.flatMap(m => m.routes.flatMap(r => r.modelArns)));
  if (routed.length > 0) {
    statements.push(allow('AgentGetFoundationModel', ['bedrock:GetFoundationModel'], routed));
  }
  return statements;
}

/** The S3 object ARN of a location. */
export function objectArn(scope: IConstruct, location: s3.Location): string {
  return `arn:${Stack.of(scope).partition}:s3:::${location.bucketName}/${location.objectKey}`;
}

/** agents-permissions AgentActionGroupS3: `s3:GetObject` on exactly the schema objects, in buckets of this account. */
export function actionGroupSchemaStatement(scope: IConstruct, objectArns: string[]): iam.PolicyStatement {
  return allow('AgentActionGroupS3', ['s3:GetObject'], objectArns, { StringEquals: { 'aws:ResourceAccount': Stack.of(scope).account } });
}

/** agents-permissions AgentKnowledgeBaseQuery: `bedrock:Retrieve` on the knowledge bases. */
export function knowledgeBaseRetrieveStatement(sid: string, knowledgeBaseArns: string[]): iam.PolicyStatement {
  return allow(sid, ['bedrock:Retrieve'], knowledgeBaseArns);
}

/**
 * `bedrock:RetrieveAndGenerate` has no resource type in the Service Authorization Reference, so only
 * `Resource: "*"` grants it; the docs' knowledge-base-scoped grant of it allows nothing (Service Authorization Reference).
 */
export function retrieveAndGenerateStatement(): iam.PolicyStatement {
  return allow('AgentRetrieveAndGenerate', ['bedrock:RetrieveAndGenerate'], ['*']);
}

/**
 * agents-permissions Agent3PKnowledgeBase, corrected: the action has no resource type, so `*`, and the
 * condition key holds the Secrets Manager ARN of the third-party credentials, not a KMS key ARN.
 */
export function thirdPartyKnowledgeBaseStatement(secretArns: string[]): iam.PolicyStatement {
  return allow('Agent3PKnowledgeBase', ['bedrock:AssociateThirdPartyKnowledgeBase'], ['*'],
    { StringEquals: { 'bedrock:ThirdPartyKnowledgeBaseCredentialsSecretArn': oneOrMany(unique(secretArns)) } });
}

/**
 * agents-permissions and guardrail-automated-reasoning-agent-permissions: an agent whose guardrail uses a cross-Region guardrail profile also needs
 * `bedrock:GetGuardrail` on the guardrail.
 */
export function agentGetGuardrailStatement(guardrailArns: string[]): iam.PolicyStatement {
  return allow('AgentGetGuardrail', ['bedrock:GetGuardrail'], guardrailArns);
}

/** agents-permissions multi-agent collaboration (supervisor): `GetAgentAlias` and `InvokeAgent` on collaborator aliases. */
export function collaboratorStatement(aliasArns: string[]): iam.PolicyStatement {
  return allow('AgentMultiAgentCollaboration', ['bedrock:GetAgentAlias', 'bedrock:InvokeAgent'], aliasArns);
}

/**
 * cmk-agent-resources and encryption-agents EncryptDecryptAgents: `kms:GenerateDataKey` and `kms:Decrypt` on the agent's key, only for
 * the agents' encryption context (`kms:EncryptionContext:aws:bedrock:arn`).
 */
export function agentKeyStatement(keyArn: string, agentArns: string[]): iam.PolicyStatement {
  return allow('EncryptDecryptAgents', ['kms:GenerateDataKey', 'kms:Decrypt'], [keyArn],
    { StringLike: { 'kms:EncryptionContext:aws:bedrock:arn': oneOrMany(agentArns) } });
}

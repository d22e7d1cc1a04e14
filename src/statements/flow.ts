import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { modelInvocationStatements } from './inference';
import { allow, Conditions, oneOrMany } from './statement';
import { InvokableModelKind, ModelGrant } from '../model/invokable-model';
import { unique } from '../util/policy-json';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/**
 * The Flows role's model statements (flows-permissions InvokeModel, InvokeProvisionedThroughput, InvokeCustomModel):
 * `bedrock:InvokeModel`, plus `GetProvisionedModelThroughput` on Provisioned Throughput and
 * `GetCustomModel` on custom model ARNs; inference profiles get `GetInferenceProfile` (inference-prereq) and their
 * models in every destination Region, only through the profile (inference-profiles-prereq).
 */
export function flowModelStatements(models: ModelGrant[]): iam.PolicyStatement[] {
  return modelInvocationStatements(models, {
    groupFor: (kind, arn) => {
      switch (kind) {
        case InvokableModelKind.PROVISIONED_MODEL:
          return { sid: 'InvokeProvisionedThroughput', actions: ['bedrock:InvokeModel', 'bedrock:GetProvisionedModelThroughput'] };
        case InvokableModelKind.CUSTOM_MODEL:
          // GetCustomModel authorizes custom-model ARNs only, not deployments.
          return arn.includes(':custom-model/')
            ? { sid: 'InvokeCustomModel', actions: ['bedrock:InvokeModel', 'bedrock:GetCustomModel'] }
            : { sid: 'InvokeModel', actions: ['bedrock:InvokeModel'] };
        case InvokableModelKind.CROSS_REGION_INFERENCE_PROFILE:
        case InvokableModelKind.GLOBAL_INFERENCE_PROFILE:
        case InvokableModelKind.APPLICATION_INFERENCE_PROFILE:
          return { sid: 'InvokeInferenceProfile', actions: ['bedrock:InvokeModel', 'bedrock:GetInferenceProfile'] };
        default:
          return { sid: 'InvokeModel', actions: ['bedrock:InvokeModel'] };
      }
    },
    routeSid: n => `InvokeModelThroughProfile${n}`,
    routeActions: ['bedrock:InvokeModel'],
  });
}

/**
 * flows-permissions UsePromptFromPromptManagement: `bedrock:RenderPrompt` (flows created after 2024-11-22), and
 * `bedrock:GetPrompt` for older flows, on each prompt and its versions (`prompt/ID:N`).
 */
export function promptStatement(promptArns: string[], legacyGetPrompt: boolean): iam.PolicyStatement {
  return allow('UsePromptFromPromptManagement', legacyGetPrompt ? ['bedrock:RenderPrompt', 'bedrock:GetPrompt'] : ['bedrock:RenderPrompt'],
    promptArns.flatMap(arn => [arn, `${arn}:*`]));
}

/** flows-permissions InvokeAgent: `bedrock:InvokeAgent` on agent aliases. */
export function flowAgentStatement(aliasArns: string[]): iam.PolicyStatement {
  return allow('InvokeAgent', ['bedrock:InvokeAgent'], aliasArns);
}

/**
 * flows-permissions AccessS3Bucket (S3 retrieval node, `s3:GetObject`) and WriteToS3Bucket (S3 storage node,
 * `s3:PutObject`), on objects under the given prefixes, in buckets of this account. The doc's bucket ARN
 * itself is left out: these actions authorize objects only.
 */
export function flowBucketStatement(scope: IConstruct, sid: string, action: string, objectPatterns: string[]): iam.PolicyStatement {
  return allow(sid, [action], objectPatterns, { StringEquals: { 'aws:ResourceAccount': Stack.of(scope).account } });
}

/** flows-permissions LambdaPermissions: the Flows role invokes Lambda nodes (flows created after 2024-11-22). */
export function flowLambdaStatement(functionArns: string[]): iam.PolicyStatement {
  return allow('LambdaPermissions', ['lambda:InvokeFunction'], functionArns);
}

/** flows-permissions AmazonLexPermissions: the Flows role calls Lex nodes (flows created after 2024-11-22). */
export function flowLexStatement(botAliasArns: string[]): iam.PolicyStatement {
  return allow('AmazonLexPermissions', ['lex:RecognizeUtterance'], botAliasArns);
}

/** flows-permissions KMSPermissions: encrypted resources the flow uses, keys of this account. */
export function flowResourceKeyStatement(scope: IConstruct, keyArns: string[]): iam.PolicyStatement {
  return allow('KMSPermissions', FLOW_KEY_ACTIONS, keyArns, { StringEquals: { 'aws:ResourceAccount': Stack.of(scope).account } });
}

/**
 * encryption-flows: a flow encrypted with a customer managed key. `kms:GenerateDataKey` and `kms:Decrypt` only through
 * Amazon Bedrock in the stack's Region (`kms:ViaService`) and only for the flows' encryption context
 * (`kms:EncryptionContext:aws:bedrock-flows:arn`, not the seed's `kms:EncryptionContext`). Used on the
 * identity of the Flows API callers and of the Flows role (for executions), and in the key policy for the
 * callers (with `principals`).
 */
export function flowEncryptionStatement(
  scope: IConstruct,
  keyArns: string[],
  flowArns: string[],
  options: { readonly sid?: string; readonly principals?: iam.IPrincipal[] } = {},
): iam.PolicyStatement {
  const principals = options.principals;
  return new iam.PolicyStatement({
    sid: options.sid,
    effect: iam.Effect.ALLOW,
    principals,
    actions: FLOW_KEY_ACTIONS,
    resources: principals ? ['*'] : unique(keyArns),
    conditions: flowEncryptionConditions(scope, flowArns),
  });
}

/** The key actions of encryption-flows. */
export const FLOW_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

/** The conditions of encryption-flows: through Amazon Bedrock in the stack's Region, for the flows' encryption context. */
export function flowEncryptionConditions(scope: IConstruct, flowArns: string[]): Conditions {
  const stack = Stack.of(scope);
  return {
    StringEquals: { 'kms:ViaService': `bedrock.${stack.region}.${stack.urlSuffix}` },
    StringLike: { 'kms:EncryptionContext:aws:bedrock-flows:arn': oneOrMany(flowArns) },
  };
}

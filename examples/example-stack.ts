import { Annotations, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  AccountGuardrailEnforcement,
  AgentExecutionRole,
  EncryptedGuardrailKey,
  EnforcedGuardrail,
  FlowServiceRole,
  GuardrailEnforcedInvokerRole,
  GuardrailEnforcementMonitor,
  GuardrailEnforcementPolicy,
  GuardrailAdministratorRole,
  GuardrailProfile,
  GuardrailResourcePolicy,
  InvokableModel,
} from '../src';

/** The Regions the US guardrail and inference profiles route to from us-east-1. */
const US_REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];

/**
 * An application that may call Amazon Bedrock models only with its guardrail:
 * - a guardrail encrypted with an EncryptedGuardrailKey, with a cross-Region profile, a published version
 *   and guardrail administrators;
 * - an invoker role for a container, and a Lambda function whose existing role gets the same enforcement;
 * - a Bedrock agent with an action group, a knowledge base and the guardrail, run by its service role;
 * - a Bedrock flow whose nodes (knowledge base with the guardrail, prompt, Lambda function, S3 storage) get
 *   their permissions from the Flows service role;
 * - the same guardrail enforced by Amazon Bedrock on every inference call of the account in this Region, with
 *   a resource policy that lets the account's principals apply it;
 * - a monitor that reports tampering with the enforcement and denied inference, with a dashboard.
 */
export class ExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // The guardrail's customer managed key, and the people who manage guardrails: every guardrail must be
    // tagged with an owning team.
    const key = new EncryptedGuardrailKey(this, 'GuardrailKey');
    const admins = new GuardrailAdministratorRole(this, 'GuardrailAdmins', {
      assumedBy: new iam.AccountRootPrincipal(),
      requiredTags: { team: ['ml-platform'] },
      guardrailProfiles: [GuardrailProfile.fromProfileId('us.guardrail.v1:0', US_REGIONS)],
      encryptionKey: key,
    });
    acknowledge(admins, {
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]': 'CreateGuardrail has no required resource type and ListGuardrails is a list: IAM grants them only on *. Creation is limited by the required tags.',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:us-east-1:<AWS::AccountId>:guardrail/*]':
        'Administrators manage every guardrail of the account in this Region; changes are limited to guardrails with the required tags.',
    });

    const guardrail = new bedrock.CfnGuardrail(this, 'Guardrail', {
      name: 'app-guardrail',
      blockedInputMessaging: 'Sorry, I cannot help with that.',
      blockedOutputsMessaging: 'Sorry, I cannot help with that.',
      contentPolicyConfig: {
        filtersConfig: [
          { type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' },
          { type: 'VIOLENCE', inputStrength: 'HIGH', outputStrength: 'HIGH' },
          { type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE' },
        ],
      },
      kmsKeyArn: key.keyArn,
      crossRegionConfig: { guardrailProfileArn: `arn:${this.partition}:bedrock:${this.region}:${this.account}:guardrail-profile/us.guardrail.v1:0` },
      tags: [{ key: 'team', value: 'ml-platform' }],
    });
    const version = new bedrock.CfnGuardrailVersion(this, 'GuardrailVersion', {
      guardrailIdentifier: guardrail.attrGuardrailId,
      description: 'Reviewed and approved',
    });

    // Requests must carry the published version; the key and profile come with it.
    const approved = EnforcedGuardrail.fromGuardrailVersion(version, {
      encryptionKey: key,
      guardrailProfile: GuardrailProfile.fromProfileId('us.guardrail.v1:0', US_REGIONS),
    });

    // Account level: Amazon Bedrock applies the approved version to every inference call of this account and
    // Region, whatever the request names; the guardrail's resource policy lets the account's principals apply it.
    const accountEnforcement = new AccountGuardrailEnforcement(this, 'AccountEnforcement', { guardrail: approved });
    // The example deploys to the CLI's account, not known at synth: the guardrail is this stack's own.
    Annotations.of(accountEnforcement).acknowledgeWarning('cdk-bedrock-guardrail-iam:enforcementEnvironmentUnknown',
      'The guardrail is created in this stack, so it is in the stack\'s account; this is the app\'s only enforcement.');
    new GuardrailResourcePolicy(this, 'GuardrailResourcePolicy', { guardrail: approved }).allowSameAccount();

    // A new role for the application's containers.
    const appRole = new GuardrailEnforcedInvokerRole(this, 'AppRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Runs Bedrock inference only with the approved guardrail',
      guardrails: [approved],
      models: [
        InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0'),
        InvokableModel.crossRegionInferenceProfile('us.anthropic.claude-3-5-sonnet-20241022-v2:0', US_REGIONS),
      ],
    });

    // An existing principal: a Lambda function's execution role.
    const fn = new lambda.Function(this, 'Summarizer', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    });
    acknowledgeBasicExecutionRole(fn);
    // Every caller needs ApplyGuardrail on the account's enforced guardrail.
    accountEnforcement.grantApply(fn);
    new GuardrailEnforcementPolicy(this, 'SummarizerEnforcement', {
      guardrails: [approved],
      models: [InvokableModel.foundationModel('amazon.nova-lite-v1:0')],
      roles: [fn.role!],
    });

    // Watch the enforcement: changes to the approved guardrail and to the account's enforcement, denied inference
    // of the two enforced roles, the guardrail's errors, throttles and intervention rate; a dashboard, and an
    // encrypted topic that every rule and alarm notifies.
    new GuardrailEnforcementMonitor(this, 'EnforcementMonitor', { guardrails: [approved], principals: [appRole, fn.role!] });

    // A Bedrock agent: its service role, an action group backed by a Lambda function, an existing
    // knowledge base, and the guardrail.
    const schemas = new s3.Bucket(this, 'AgentSchemas', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
    });
    acknowledge(schemas, { 'AwsSolutions::AwsSolutions-S1': 'Example bucket for agent schemas; a real app sends server access logs to its logging bucket.' });
    const ordersFn = new lambda.Function(this, 'OrdersActionGroup', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (event) => ({ messageVersion: "1.0", response: {} });'),
    });
    acknowledgeBasicExecutionRole(ordersFn);
    const knowledgeBase = bedrock.CfnKnowledgeBase.fromKnowledgeBaseId(this, 'ProductDocs', 'KB12345678');
    const agentModel = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
    const agentRole = new AgentExecutionRole(this, 'AgentRole', {
      models: [InvokableModel.crossRegionInferenceProfile(agentModel, US_REGIONS)],
      actionGroupSchemas: [{ bucketName: schemas.bucketName, objectKey: 'orders/openapi.yaml' }],
      knowledgeBases: [knowledgeBase],
      guardrail: approved,
    });
    const agent = new bedrock.CfnAgent(this, 'OrdersAgent', {
      agentName: 'orders-assistant',
      agentResourceRoleArn: agentRole.roleArn,
      foundationModel: agentModel,
      instruction: 'You help customers find their orders and answer questions about our products.',
      guardrailConfiguration: { guardrailIdentifier: guardrail.attrGuardrailId, guardrailVersion: version.attrVersion },
      actionGroups: [{
        actionGroupName: 'orders',
        actionGroupExecutor: { lambda: ordersFn.functionArn },
        apiSchema: { s3: { s3BucketName: schemas.bucketName, s3ObjectKey: 'orders/openapi.yaml' } },
      }],
      knowledgeBases: [{
        knowledgeBaseId: knowledgeBase.knowledgeBaseRef.knowledgeBaseId,
        description: 'Product documentation',
        knowledgeBaseState: 'ENABLED',
      }],
    });
    agentRole.allowActionGroupInvocation(ordersFn, agent);

    // A Bedrock flow: knowledge base (with the guardrail) -> prompt -> Lambda -> S3.
    const haiku = 'anthropic.claude-3-haiku-20240307-v1:0';
    const prompt = new bedrock.CfnPrompt(this, 'SummarizePrompt', {
      name: 'summarize',
      defaultVariant: 'default',
      variants: [{
        name: 'default',
        templateType: 'TEXT',
        modelId: haiku,
        templateConfiguration: { text: { text: 'Summarize for a customer: {{text}}', inputVariables: [{ name: 'text' }] } },
        inferenceConfiguration: { text: { maxTokens: 512, temperature: 0.2 } },
      }],
    });
    const enrichFn = new lambda.Function(this, 'EnrichSummary', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (event) => event.node.inputs[0].value;'),
    });
    acknowledgeBasicExecutionRole(enrichFn);
    const summaries = new s3.Bucket(this, 'Summaries', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
    });
    acknowledge(summaries, { 'AwsSolutions::AwsSolutions-S1': 'Example output bucket; a real app sends server access logs to its logging bucket.' });
    const flowRole = new FlowServiceRole(this, 'FlowRole', {
      models: [InvokableModel.foundationModel(haiku)],
      prompts: [prompt],
      knowledgeBases: [knowledgeBase],
      guardrails: [approved],
      functions: [enrichFn],
      outputBuckets: [{ bucket: summaries, keyPrefix: 'summaries/' }],
    });
    acknowledge(flowRole, {
      'AwsSolutions::AwsSolutions-IAM5[Resource::<SummarizePrompt>:*]': 'The prompt node renders a version of this one prompt (prompt/ID:N); the wildcard is the version number only.',
      'AwsSolutions::AwsSolutions-IAM5[Resource::<Summaries97D24110.Arn>/summaries/*]': 'The storage node writes objects under the summaries/ prefix of this one bucket.',
    });
    const data = (source: string, sourceOutput: string, target: string, targetInput: string) => ({
      name: `${source}To${target}${targetInput}`,
      source,
      target,
      type: 'Data',
      configuration: { data: { sourceOutput, targetInput } },
    });
    new bedrock.CfnFlow(this, 'SummaryFlow', {
      name: 'product-summary',
      executionRoleArn: flowRole.roleArn,
      definition: {
        nodes: [
          { name: 'Start', type: 'Input', configuration: { input: {} }, outputs: [{ name: 'document', type: 'String' }] },
          {
            name: 'Docs',
            type: 'KnowledgeBase',
            configuration: {
              knowledgeBase: {
                knowledgeBaseId: knowledgeBase.knowledgeBaseRef.knowledgeBaseId,
                modelId: haiku,
                guardrailConfiguration: { guardrailIdentifier: guardrail.attrGuardrailId, guardrailVersion: version.attrVersion },
              },
            },
            inputs: [{ name: 'retrievalQuery', type: 'String', expression: '$.data' }],
            outputs: [{ name: 'outputText', type: 'String' }],
          },
          {
            name: 'Summarize',
            type: 'Prompt',
            configuration: { prompt: { sourceConfiguration: { resource: { promptArn: prompt.attrArn } } } },
            inputs: [{ name: 'text', type: 'String', expression: '$.data' }],
            outputs: [{ name: 'modelCompletion', type: 'String' }],
          },
          {
            name: 'Enrich',
            type: 'LambdaFunction',
            configuration: { lambdaFunction: { lambdaArn: enrichFn.functionArn } },
            inputs: [{ name: 'codeHookInput', type: 'String', expression: '$.data' }],
            outputs: [{ name: 'functionResponse', type: 'String' }],
          },
          {
            name: 'Store',
            type: 'Storage',
            configuration: { storage: { serviceConfiguration: { s3: { bucketName: summaries.bucketName } } } },
            inputs: [
              { name: 'content', type: 'String', expression: '$.data' },
              { name: 'objectKey', type: 'String', expression: '$.data' },
            ],
            outputs: [{ name: 's3Uri', type: 'String' }],
          },
          { name: 'End', type: 'Output', configuration: { output: {} }, inputs: [{ name: 'document', type: 'String', expression: '$.data' }] },
        ],
        connections: [
          data('Start', 'document', 'Docs', 'retrievalQuery'),
          data('Docs', 'outputText', 'Summarize', 'text'),
          data('Summarize', 'modelCompletion', 'Enrich', 'codeHookInput'),
          data('Enrich', 'functionResponse', 'Store', 'content'),
          data('Start', 'document', 'Store', 'objectKey'),
          data('Store', 's3Uri', 'End', 'document'),
        ],
      },
    });
  }
}

/** Acknowledges cdk-nag findings on a construct, each with its reason. */
function acknowledge(scope: Construct, reasons: { [id: string]: string }) {
  for (const [id, reason] of Object.entries(reasons)) Validations.of(scope).acknowledge({ id, reason });
}

/** Lambda functions of the example log with the AWS managed basic execution policy. */
function acknowledgeBasicExecutionRole(fn: lambda.Function) {
  acknowledge(fn.role!, {
    'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
      'CloudWatch Logs permissions of an example function; the AWS managed policy is the documented default.',
  });
}

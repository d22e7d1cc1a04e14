import { Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { aws_bedrock as bedrockRefs, aws_kms as kmsRefs } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';
import { BoundGuardrail, EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { InvokableModel } from '../model/invokable-model';
import { BedrockServiceRole, ifAny, ServiceRoleKind } from '../service-role/bedrock-service-role';
import { BedrockServiceRoleProps } from '../service-role/bedrock-service-role-props';
import {
  actionGroupSchemaStatement,
  agentGetGuardrailStatement,
  agentKeyStatement,
  agentModelStatements,
  collaboratorStatement,
  knowledgeBaseRetrieveStatement,
  objectArn,
  retrieveAndGenerateStatement,
  thirdPartyKnowledgeBaseStatement,
} from '../statements/agent';
import { applyGuardrailStatement, guardrailKeyDecryptStatement } from '../statements/guardrail';
import { BEDROCK_SERVICE } from '../statements/service-role';
import { constructError } from '../util/validation';

/** The role-name prefix of console-created agent roles and of the older documentation. */
const ROLE_NAME_PREFIX = 'AmazonBedrockExecutionRoleForAgents_';
const MAX_ROLE_NAME = 64;

/** The role's lists of ARNs (see `BedrockServiceRole._add`). */
const SCHEMAS = 'actionGroupSchemas';
const KNOWLEDGE_BASES = 'knowledgeBases';
const SECRETS = 'thirdPartyKnowledgeBaseSecrets';
const COLLABORATORS = 'collaborators';

/** Agents: assumed by Amazon Bedrock for this account's agents (`agent/ID`, IDs of 10 letters and digits). */
const AGENT_ROLE: ServiceRoleKind = {
  resourceType: 'agent',
  policyName: 'AgentPermissions',
  quotaFix: 'fewer models or destination Regions, or fewer knowledge bases, schemas and collaborators per role',
  description: 'Service role that Amazon Bedrock assumes to run agents',
  defaultRoleName: role => ROLE_NAME_PREFIX + Names.uniqueResourceName(role, { maxLength: MAX_ROLE_NAME - ROLE_NAME_PREFIX.length }),
};

/**
 * Properties of an AgentExecutionRole.
 */
export interface AgentExecutionRoleProps extends BedrockServiceRoleProps {
  /**
   * The models the agent orchestrates with.
   *
   * Inference profiles also get `bedrock:InvokeModelWithResponseStream`, `bedrock:GetInferenceProfile` and
   * `bedrock:GetFoundationModel`; Provisioned Throughput also gets `bedrock:GetProvisionedModelThroughput`.
   */
  readonly models: InvokableModel[];

  /**
   * The S3 objects that hold the action groups' OpenAPI schemas: `s3:GetObject` on exactly these objects,
   * in buckets of this account (`aws:ResourceAccount`).
   *
   * @default - no action-group schemas in S3
   */
  readonly actionGroupSchemas?: s3.Location[];

  /**
   * The knowledge bases associated with the agent: `bedrock:Retrieve` on each.
   *
   * @default - no knowledge bases
   */
  readonly knowledgeBases?: bedrockRefs.IKnowledgeBaseRef[];

  /**
   * Also allow `bedrock:RetrieveAndGenerate`. The action has no resource type in IAM, so it can only be
   * granted on `*` (a grant scoped to knowledge bases, as in the AWS example, allows nothing).
   *
   * @default false
   */
  readonly allowRetrieveAndGenerate?: boolean;

  /**
   * The Secrets Manager secrets holding the credentials of third-party knowledge bases (Pinecone, Redis
   * Enterprise Cloud): `bedrock:AssociateThirdPartyKnowledgeBase` only with these secrets
   * (`bedrock:ThirdPartyKnowledgeBaseCredentialsSecretArn`).
   *
   * @default - no third-party knowledge bases
   */
  readonly thirdPartyKnowledgeBaseSecrets?: secretsmanager.ISecret[];

  /**
   * The guardrail attached to the agent: `bedrock:ApplyGuardrail` on it (and its guardrail profile in
   * every Region), `kms:Decrypt` on its key when it has one, and `bedrock:GetGuardrail` on it when it has a
   * cross-Region guardrail profile.
   *
   * No `bedrock:GuardrailIdentifier` enforcement is put on this role: the documented limitation is that
   * the agent's own model calls would then fail.
   *
   * @default - no guardrail
   */
  readonly guardrail?: EnforcedGuardrail;

  /**
   * Collaborator agent aliases of a supervisor agent: `bedrock:GetAgentAlias` and `bedrock:InvokeAgent` on
   * each.
   *
   * @default - no collaborators
   */
  readonly collaborators?: bedrockRefs.IAgentAliasRef[];

  /**
   * The customer managed key the agent is encrypted with (`customerEncryptionKeyArn`):
   * `kms:GenerateDataKey` and `kms:Decrypt` on it, only for the agents' encryption context
   * (`kms:EncryptionContext:aws:bedrock:arn`).
   *
   * @default - the agent uses an AWS owned key
   */
  readonly encryptionKey?: kmsRefs.IKeyRef;

  /**
   * The IDs of the agents that may assume the role (`aws:SourceArn`). An agent of the same stack that uses
   * this role cannot be named here (the template would have a dependency cycle): give its literal ID once
   * it exists. Other agents' IDs, literal or references, are fine.
   *
   * @default - every agent of this account in the stack's Region (`agent/*`)
   */
  readonly agentIds?: string[];
}

/**
 * The service role that Amazon Bedrock assumes to run an agent, with every documented permission typed
 * as props ("Create a service role for Amazon Bedrock Agents").
 *
 * - Trust: only `bedrock.amazonaws.com`, only with `aws:SourceAccount` of this stack and `aws:SourceArn`
 *   of this account's agents.
 * - Permissions are inline in the role (policy `AgentPermissions`), including statements added later with
 *   `addToPolicy()` or `grant*()`: an agent that refers to the role is created only after every
 *   permission exists.
 * - IAM's quotas are checked at synth: all inline policies together (10,240 characters, with every
 *   AWS::IAM::Policy of the stack that names the role), the trust policy (2,048) and 10 managed policies.
 *   Statements with the same effect, actions and condition are merged, and resources are sorted.
 */
export class AgentExecutionRole extends BedrockServiceRole {
  /** The ARNs of the agents that may assume the role. */
  public readonly agentArns: string[];

  private readonly guardrail?: BoundGuardrail;
  private readonly encryptionKeyArn?: string;
  private readonly allowRetrieveAndGenerate: boolean;
  private actionGroupPermissions = 0;

  constructor(scope: Construct, id: string, props: AgentExecutionRoleProps) {
    super(scope, id, AGENT_ROLE, props.agentIds, props);
    this.agentArns = this._sourceArns;
    this.allowRetrieveAndGenerate = props.allowRetrieveAndGenerate ?? false;
    this.guardrail = props.guardrail?._bind(this);
    this.encryptionKeyArn = props.encryptionKey?.keyRef.keyArn;

    if (props.models.length === 0) {
      throw constructError(this, 'models is empty, so the agent could not orchestrate with any model. Fix: pass at least one InvokableModel, for example InvokableModel.foundationModel(\'anthropic.claude-3-haiku-20240307-v1:0\').');
    }
    props.models.forEach(m => this.addModel(m));
    props.actionGroupSchemas?.forEach(l => this.addActionGroupSchema(l));
    props.knowledgeBases?.forEach(kb => this.addKnowledgeBase(kb));
    props.thirdPartyKnowledgeBaseSecrets?.forEach(secret => this.addThirdPartyKnowledgeBaseSecret(secret));
    props.collaborators?.forEach(c => this.addCollaborator(c));
  }

  /** Grants `s3:GetObject` on one more action-group schema object. */
  public addActionGroupSchema(location: s3.Location): void {
    if (!Token.isUnresolved(location.objectKey) && (location.objectKey === '' || location.objectKey.includes('*'))) {
      throw constructError(this, `the action-group schema location in bucket '${location.bucketName}' has ${location.objectKey === '' ? 'no object key' : `the wildcard key '${location.objectKey}'`}. `
        + 'Fix: give the key of the schema object itself, for example { bucketName, objectKey: \'schemas/orders.yaml\' }.');
    }
    if (!Token.isUnresolved(location.bucketName) && location.bucketName === '') {
      throw constructError(this, 'an action-group schema location has no bucket name. Fix: give the bucket that holds the schema.');
    }
    this._add('addActionGroupSchema', SCHEMAS, objectArn(this, location));
  }

  /** Grants `bedrock:Retrieve` on one more knowledge base. */
  public addKnowledgeBase(knowledgeBase: bedrockRefs.IKnowledgeBaseRef): void {
    this._add('addKnowledgeBase', KNOWLEDGE_BASES, knowledgeBase.knowledgeBaseRef.knowledgeBaseArn);
  }

  /** Allows associating a third-party knowledge base whose credentials are in this secret. */
  public addThirdPartyKnowledgeBaseSecret(secret: secretsmanager.ISecret): void {
    if (secret.secretFullArn === undefined) {
      throw constructError(this, `the secret ${secret.node.path} was imported by name or partial ARN, but the condition key takes the full secret ARN (with its random suffix). `
        + 'Fix: import it with secretsmanager.Secret.fromSecretCompleteArn().');
    }
    this._add('addThirdPartyKnowledgeBaseSecret', SECRETS, secret.secretFullArn);
  }

  /** Allows the agent, as a supervisor, to use one more collaborator agent alias. */
  public addCollaborator(alias: bedrockRefs.IAgentAliasRef): void {
    this._add('addCollaborator', COLLABORATORS, alias.agentAliasRef.agentAliasArn);
  }

  /**
   * Lets Amazon Bedrock invoke an action group's Lambda function for an agent: the function's
   * resource-based policy allows `lambda:InvokeFunction` to `bedrock.amazonaws.com` only with
   * `aws:SourceAccount` of this stack and `aws:SourceArn` of the agent (or of every agent of the account in
   * the stack's Region when no agent is given).
   *
   * @param fn the action group's function
   * @param agent the agent that uses it, for example a `CfnAgent`
   * @returns the permission resource
   */
  public allowActionGroupInvocation(fn: lambda.IFunction, agent?: bedrockRefs.IAgentRef): lambda.CfnPermission {
    const stack = Stack.of(this);
    const sourceArn = agent?.agentRef.agentArn ?? `arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:agent/*`;
    return this._lambdaPermission(++this.actionGroupPermissions, fn, BEDROCK_SERVICE, sourceArn);
  }

  /** @internal */
  protected _statements(): iam.PolicyStatement[] {
    const guardrail = this.guardrail;
    return [
      ...agentModelStatements(this._modelGrants),
      ifAny(this._values(SCHEMAS), arns => actionGroupSchemaStatement(this, arns)),
      ifAny(this._values(KNOWLEDGE_BASES), arns => knowledgeBaseRetrieveStatement('AgentKnowledgeBaseQuery', arns)),
      this.allowRetrieveAndGenerate ? retrieveAndGenerateStatement() : undefined,
      ifAny(this._values(SECRETS), thirdPartyKnowledgeBaseStatement),
      ...(guardrail === undefined ? [] : [
        applyGuardrailStatement([guardrail]),
        guardrailKeyDecryptStatement([guardrail]),
        guardrail.hasProfile ? agentGetGuardrailStatement([guardrail.guardrailArn]) : undefined,
      ]),
      ifAny(this._values(COLLABORATORS), collaboratorStatement),
      this.encryptionKeyArn === undefined ? undefined : agentKeyStatement(this.encryptionKeyArn, this.agentArns),
    ].filter((st): st is iam.PolicyStatement => st !== undefined);
  }
}

import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as lex from 'aws-cdk-lib/aws-lex';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { aws_bedrock as bedrockRefs, aws_kms as kmsRefs, aws_lex as lexRefs } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';
import { BoundGuardrail, EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { InvokableModel } from '../model/invokable-model';
import { mayNameInKeyPolicy } from '../private/inline-roles';
import { BedrockServiceRole, ifAny, ServiceRoleKind } from '../service-role/bedrock-service-role';
import { BedrockServiceRoleProps } from '../service-role/bedrock-service-role-props';
import { knowledgeBaseRetrieveStatement } from '../statements/agent';
import {
  flowAgentStatement,
  flowBucketStatement,
  flowEncryptionConditions,
  flowEncryptionStatement,
  FLOW_KEY_ACTIONS,
  flowLambdaStatement,
  flowLexStatement,
  flowModelStatements,
  flowResourceKeyStatement,
  promptStatement,
} from '../statements/flow';
import { applyGuardrailStatement, guardrailKeyDecryptStatement } from '../statements/guardrail';
import { BEDROCK_SERVICE } from '../statements/service-role';
import { lazy } from '../util/policy-json';
import { constructError } from '../util/validation';

// aws-cdk-lib's Lex module, loaded only for a legacy Lex resource policy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const awsLex = lazy(() => require('aws-cdk-lib/aws-lex') as typeof lex);

/** Flows: assumed by Amazon Bedrock for this account's flows (`flow/ID`, IDs of 10 letters and digits). */
const FLOW_ROLE: ServiceRoleKind = {
  resourceType: 'flow',
  policyName: 'FlowPermissions',
  quotaFix: 'fewer models, prompts or resources per flow role, or one role per flow',
  description: 'Service role that Amazon Bedrock Flows assumes to run flows',
};

/** The role's lists of ARNs and object patterns (see `BedrockServiceRole._add`). */
const PROMPTS = 'prompts';
const KNOWLEDGE_BASES = 'knowledgeBases';
const AGENT_ALIASES = 'agentAliases';
const INPUT_OBJECTS = 'inputBuckets';
const OUTPUT_OBJECTS = 'outputBuckets';
const FUNCTIONS = 'functions';
const LEX_BOT_ALIASES = 'lexBotAliases';
const RESOURCE_KEYS = 'encryptionKeys';
const FLOW_KEYS = 'flowKeys';

/**
 * A bucket, and optionally a key prefix in it, that an S3 node of a flow reads or writes.
 */
export interface FlowBucketLocation {
  /** The bucket. */
  readonly bucket: s3.IBucket;

  /**
   * Only objects whose keys start with this prefix, for example `reports/`.
   *
   * @default - every object in the bucket
   */
  readonly keyPrefix?: string;
}

/**
 * Properties of a FlowServiceRole.
 */
export interface FlowServiceRoleProps extends BedrockServiceRoleProps {
  /**
   * Models of prompt and knowledge-base nodes: `bedrock:InvokeModel`; Provisioned Throughput also
   * `GetProvisionedModelThroughput`, custom model ARNs also `GetCustomModel`, inference profiles also
   * `GetInferenceProfile` and their models in every destination Region.
   *
   * @default - none
   */
  readonly models?: InvokableModel[];

  /**
   * Prompts from Prompt management used by prompt nodes: `bedrock:RenderPrompt` on each prompt and its
   * versions.
   *
   * @default - none
   */
  readonly prompts?: bedrockRefs.IPromptRef[];

  /**
   * Also allow `bedrock:GetPrompt` on the prompts, for flows created before 2024-11-22 that have not been
   * updated (they fetch prompts with GetPrompt instead of RenderPrompt).
   *
   * @default false
   */
  readonly legacyPromptAccess?: boolean;

  /**
   * Knowledge bases of knowledge-base nodes: `bedrock:Retrieve`.
   *
   * @default - none
   */
  readonly knowledgeBases?: bedrockRefs.IKnowledgeBaseRef[];

  /**
   * Agent aliases of agent nodes: `bedrock:InvokeAgent`.
   *
   * @default - none
   */
  readonly agentAliases?: bedrockRefs.IAgentAliasRef[];

  /**
   * Buckets (and prefixes) that S3 retrieval nodes read: `s3:GetObject` in buckets of this account.
   *
   * @default - none
   */
  readonly inputBuckets?: FlowBucketLocation[];

  /**
   * Buckets (and prefixes) that S3 storage nodes write: `s3:PutObject` in buckets of this account.
   *
   * @default - none
   */
  readonly outputBuckets?: FlowBucketLocation[];

  /**
   * Functions of Lambda nodes: `lambda:InvokeFunction` (flows created after 2024-11-22 call them with this
   * role).
   *
   * @default - none
   */
  readonly functions?: lambda.IFunction[];

  /**
   * Lex bot aliases of Lex nodes: `lex:RecognizeUtterance`.
   *
   * @default - none
   */
  readonly lexBotAliases?: lexRefs.IBotAliasRef[];

  /**
   * Guardrails of prompt and knowledge-base nodes: `bedrock:ApplyGuardrail` (and their guardrail profiles),
   * `kms:Decrypt` on their keys. No `bedrock:GuardrailIdentifier` enforcement is put on a service role.
   *
   * @default - none
   */
  readonly guardrails?: EnforcedGuardrail[];

  /**
   * Customer managed keys of encrypted resources the flow uses: `kms:GenerateDataKey` and `kms:Decrypt`,
   * keys of this account only.
   *
   * @default - none
   */
  readonly encryptionKeys?: kmsRefs.IKeyRef[];

  /**
   * The IDs of the flows that may assume the role (`aws:SourceArn`). A flow of the same stack that uses
   * this role cannot be named here (the template would have a dependency cycle): give its literal ID once
   * it exists. Other flows' IDs, literal or references, are fine.
   *
   * @default - every flow of this account in the stack's Region (`flow/*`)
   */
  readonly flowIds?: string[];
}

/**
 * The service role that Amazon Bedrock Flows assumes to run a flow, with one typed permission set per node
 * type ("Create a service role for Amazon Bedrock Flows").
 *
 * - Trust: only `bedrock.amazonaws.com`, only with `aws:SourceAccount` of this stack and `aws:SourceArn` of
 *   this account's flows (`flow/`, not the older page's `flows/`).
 * - Permissions are inline in the role (policy `FlowPermissions`), including statements added later with
 *   `addToPolicy()` or `grant*()`: a flow that refers to the role is created only after every permission
 *   exists.
 * - IAM's quotas are checked at synth: all inline policies together (10,240 characters, with every
 *   AWS::IAM::Policy of the stack that names the role), the trust policy (2,048) and 10 managed policies.
 *   Statements with the same effect, actions and condition are merged, and resources are sorted.
 */
export class FlowServiceRole extends BedrockServiceRole {
  /** The ARNs of the flows that may assume the role. */
  public readonly flowArns: string[];

  private readonly legacyPromptAccess: boolean;
  private readonly boundGuardrails: BoundGuardrail[] = [];
  private legacyPermissions = 0;

  constructor(scope: Construct, id: string, props: FlowServiceRoleProps = {}) {
    super(scope, id, FLOW_ROLE, props.flowIds, props);
    this.flowArns = this._sourceArns;
    this.legacyPromptAccess = props.legacyPromptAccess ?? false;

    props.models?.forEach(m => this.addModel(m));
    props.prompts?.forEach(p => this.addPrompt(p));
    props.knowledgeBases?.forEach(kb => this.addKnowledgeBase(kb));
    props.agentAliases?.forEach(a => this.addAgentAlias(a));
    props.inputBuckets?.forEach(b => this.addInputBucket(b));
    props.outputBuckets?.forEach(b => this.addOutputBucket(b));
    props.functions?.forEach(f => this.addFunction(f));
    props.lexBotAliases?.forEach(l => this.addLexBotAlias(l));
    props.guardrails?.forEach(g => this.addGuardrail(g));
    props.encryptionKeys?.forEach(k => this.addEncryptionKey(k));
    this.node.addValidation({ validate: () => this.validateNotEmpty() });
  }

  /** Grants `bedrock:RenderPrompt` on a prompt (and its versions) of a prompt node. */
  public addPrompt(prompt: bedrockRefs.IPromptRef): void {
    this._add('addPrompt', PROMPTS, prompt.promptRef.promptArn);
  }

  /** Grants `bedrock:Retrieve` on a knowledge base of a knowledge-base node. */
  public addKnowledgeBase(knowledgeBase: bedrockRefs.IKnowledgeBaseRef): void {
    this._add('addKnowledgeBase', KNOWLEDGE_BASES, knowledgeBase.knowledgeBaseRef.knowledgeBaseArn);
  }

  /** Grants `bedrock:InvokeAgent` on an agent alias of an agent node. */
  public addAgentAlias(alias: bedrockRefs.IAgentAliasRef): void {
    this._add('addAgentAlias', AGENT_ALIASES, alias.agentAliasRef.agentAliasArn);
  }

  /** Grants `s3:GetObject` under a bucket (and prefix) read by an S3 retrieval node. */
  public addInputBucket(location: FlowBucketLocation): void {
    this._add('addInputBucket', INPUT_OBJECTS, this.objectPattern(location, 'inputBuckets'));
  }

  /** Grants `s3:PutObject` under a bucket (and prefix) written by an S3 storage node. */
  public addOutputBucket(location: FlowBucketLocation): void {
    this._add('addOutputBucket', OUTPUT_OBJECTS, this.objectPattern(location, 'outputBuckets'));
  }

  /** Grants `lambda:InvokeFunction` on the function of a Lambda node. */
  public addFunction(fn: lambda.IFunction): void {
    this._add('addFunction', FUNCTIONS, fn.functionArn);
  }

  /** Grants `lex:RecognizeUtterance` on the bot alias of a Lex node. */
  public addLexBotAlias(alias: lexRefs.IBotAliasRef): void {
    this._add('addLexBotAlias', LEX_BOT_ALIASES, alias.botAliasRef.botAliasArn);
  }

  /** Grants `bedrock:ApplyGuardrail` (and `kms:Decrypt` on its key) for a guardrail of a node. */
  public addGuardrail(guardrail: EnforcedGuardrail): void {
    this._checkOpen('addGuardrail');
    this.boundGuardrails.push(guardrail._bind(this));
  }

  /** Grants `kms:GenerateDataKey` and `kms:Decrypt` on the key of an encrypted resource the flow uses. */
  public addEncryptionKey(key: kmsRefs.IKeyRef): void {
    this._add('addEncryptionKey', RESOURCE_KEYS, key.keyRef.keyArn);
  }

  /**
   * Sets up a customer managed key that encrypts the flows themselves (`customerEncryptionKeyArn`), as
   * "Encryption of Amazon Bedrock Flows resources" describes: `kms:GenerateDataKey` and `kms:Decrypt`, only
   * through Amazon Bedrock in this Region and only for these flows' encryption context, for
   *
   * - this role (flow executions), and
   * - each caller of the Flows APIs, on its identity and, when `key` is a key of this app, in the key policy.
   *
   * @param key the flows' key
   * @param callers the principals that create, update and invoke the flows
   * @returns the grant to this role and the callers
   */
  public grantFlowEncryption(key: kmsRefs.IKeyRef, callers: iam.IGrantable[] = []): iam.Grant {
    const keyArn = key.keyRef.keyArn;
    this._add('grantFlowEncryption', FLOW_KEYS, keyArn);
    const options = { actions: FLOW_KEY_ACTIONS, resourceArns: [keyArn], conditions: flowEncryptionConditions(this, this.flowArns) };
    // The role's own statement (FlowEncryption, in its inline policy) and one per caller, on its identity.
    const grants = [this, ...callers].map(grantee => iam.Grant.addToPrincipal({ grantee, ...options }));
    const grant = grants.reduce((all, g) => all.combine(g));
    if (callers.length === 0) return grant;
    const named = callers.map(c => c.grantPrincipal).filter(p => mayNameInKeyPolicy(p));
    const inline = callers.map(c => c.grantPrincipal).filter(p => !mayNameInKeyPolicy(p));
    const keyPath = Construct.isConstruct(key) ? key.node.path : keyArn;
    if (inline.length > 0) {
      Annotations.of(this).addInfo(`${inline.map(p => p.toString()).join(', ')} not named in the key policy of ${keyPath}: `
        + 'their permissions are inline and may name the key, so a key-policy statement would make a dependency cycle. The key\'s policy must delegate to IAM (the default).');
    }
    if (named.length === 0) return grant;
    // Only a key of this app (kms.IKey) can have its key policy changed.
    const added = isKey(key)
      ? key.addToResourcePolicy(flowEncryptionStatement(this, [keyArn], this.flowArns, { principals: named }))
      : { statementAdded: false };
    if (!added.statementAdded) {
      Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:flowKeyPolicyNotUpdated',
        `The key ${keyPath} is imported (or an L1 CfnKey), so its key policy could not be changed. `
        + 'Fix: make sure its key policy lets the Flows API callers use it (for example by delegating to IAM policies, as the default key policy does).');
    }
    return grant;
  }

  /**
   * For flows created before 2024-11-22, which invoke Lambda nodes with the Bedrock service principal:
   * the function's resource-based policy allows `lambda:InvokeFunction` to `bedrock.amazonaws.com` with
   * `aws:SourceAccount` of this stack and `aws:SourceArn` matching the flow and its aliases and executions
   * (`…:flow/ID*`; flow IDs have a fixed length, so no other flow matches), or every flow of the account in
   * the stack's Region when no flow is given.
   */
  public allowLegacyFunctionInvocation(fn: lambda.IFunction, flow?: bedrockRefs.IFlowRef): lambda.CfnPermission {
    return this._lambdaPermission(++this.legacyPermissions, fn, BEDROCK_SERVICE, this.legacySourceArn(flow));
  }

  /**
   * For flows created before 2024-11-22, which call Lex nodes with the Bedrock service principal: the bot
   * alias's resource-based policy allows `lex:RecognizeUtterance` to `bedrock.amazonaws.com` with
   * `aws:SourceAccount` and `aws:SourceArn` as in `allowLegacyFunctionInvocation()`.
   *
   * The policy is the whole resource policy of the bot alias: it replaces any other.
   */
  public allowLegacyLexInvocation(botAlias: lexRefs.IBotAliasRef, flow?: bedrockRefs.IFlowRef): lex.CfnResourcePolicy {
    const aliasArn = botAlias.botAliasRef.botAliasArn;
    return new (awsLex().CfnResourcePolicy)(this, `LegacyFlowLex${++this.legacyPermissions}`, {
      resourceArn: aliasArn,
      policy: {
        Version: '2012-10-17',
        Statement: [{
          Sid: 'AllowBedrockFlows',
          Effect: 'Allow',
          Principal: { Service: BEDROCK_SERVICE },
          Action: 'lex:RecognizeUtterance',
          Resource: aliasArn,
          Condition: {
            StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
            ArnLike: { 'aws:SourceArn': this.legacySourceArn(flow) },
          },
        }],
      },
    });
  }

  private legacySourceArn(flow?: bedrockRefs.IFlowRef): string {
    if (flow !== undefined) return `${flow.flowRef.flowArn}*`;
    const stack = Stack.of(this);
    return `arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:flow/*`;
  }

  private objectPattern(location: FlowBucketLocation, prop: string): string {
    const prefix = location.keyPrefix;
    if (prefix !== undefined && !Token.isUnresolved(prefix)) {
      if (prefix === '') {
        throw constructError(this, `a location in ${prop} has an empty keyPrefix. Fix: omit keyPrefix to mean the whole bucket, or give a prefix such as 'reports/'.`);
      }
      if (prefix.includes('*') || prefix.includes('?')) {
        throw constructError(this, `the keyPrefix '${prefix}' in ${prop} has a wildcard. Fix: give a plain prefix such as 'reports/'; every key under it is included.`);
      }
      if (prefix.startsWith('/')) {
        throw constructError(this, `the keyPrefix '${prefix}' in ${prop} starts with '/', which S3 keys do not. Fix: write it as '${prefix.replace(/^\/+/, '')}'.`);
      }
      if (!prefix.endsWith('/')) {
        Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:flowPrefixWithoutSlash',
          `The keyPrefix '${prefix}' in ${prop} also matches keys such as '${prefix}-old/...'. Fix: end it with '/' to mean a folder.`);
      }
    }
    return location.bucket.arnForObjects(`${prefix ?? ''}*`);
  }

  /** @internal */
  protected _statements(): iam.PolicyStatement[] {
    const guardrails = this.boundGuardrails;
    return [
      ...flowModelStatements(this._modelGrants),
      ifAny(this._values(PROMPTS), arns => promptStatement(arns, this.legacyPromptAccess)),
      ifAny(this._values(KNOWLEDGE_BASES), arns => knowledgeBaseRetrieveStatement('QueryKnowledgeBase', arns)),
      ifAny(this._values(AGENT_ALIASES), flowAgentStatement),
      ifAny(this._values(INPUT_OBJECTS), objects => flowBucketStatement(this, 'AccessS3Bucket', 's3:GetObject', objects)),
      ifAny(this._values(OUTPUT_OBJECTS), objects => flowBucketStatement(this, 'WriteToS3Bucket', 's3:PutObject', objects)),
      ...(guardrails.length === 0 ? [] : [applyGuardrailStatement(guardrails, 'GuardrailPermissions'), guardrailKeyDecryptStatement(guardrails)]),
      ifAny(this._values(FUNCTIONS), flowLambdaStatement),
      ifAny(this._values(LEX_BOT_ALIASES), flowLexStatement),
      ifAny(this._values(RESOURCE_KEYS), arns => flowResourceKeyStatement(this, arns)),
      ifAny(this._values(FLOW_KEYS), arns => flowEncryptionStatement(this, arns, this.flowArns, { sid: 'FlowEncryption' })),
    ].filter((st): st is iam.PolicyStatement => st !== undefined);
  }

  private validateNotEmpty(): string[] {
    return this._hasNoPermissions
      ? ['The flow role has no permissions, and an empty inline policy is not valid. Fix: give the permissions of the flow\'s nodes (models, prompts, knowledgeBases, functions, ...).']
      : [];
  }
}

/** Whether a key reference is a key of aws-cdk-lib whose policy can be added to. */
function isKey(key: kmsRefs.IKeyRef): key is kms.IKey {
  return typeof (key as kms.IKey).addToResourcePolicy === 'function';
}

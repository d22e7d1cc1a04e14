import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance, NagRuleFindings } from 'cdk-nag';
import { IConstruct } from 'constructs';
import {
  AgentWithoutGuardrail,
  BedrockServiceWithoutConfusedDeputyConditions,
  EnforcedPrincipalCallsAgentOrRag,
  GuardrailEnforcementMissing,
  GuardrailWithoutCustomerManagedKey,
  IneffectiveGuardrailCondition,
  NonexistentBedrockAction,
} from './rules';

interface RuleSpec {
  readonly id: string;
  readonly level: NagMessageLevel;
  readonly info: string;
  readonly explanation: string;
  readonly rule: (node: CfnResource) => NagRuleCompliance | NagRuleFindings;
}

/** The rules of the pack, in the order of the README's table. */
const RULES: RuleSpec[] = [
  {
    id: 'GuardrailEnforcementMissing',
    level: NagMessageLevel.ERROR,
    rule: GuardrailEnforcementMissing,
    info: 'This IAM principal can call Amazon Bedrock models (InvokeModel, InvokeModelWithResponseStream, so Converse too) without an approved guardrail.',
    explanation: 'Only an explicit Deny with a negated bedrock:GuardrailIdentifier condition over every invokable resource makes a guardrail mandatory; an Allow with a condition is reopened by any other Allow. '
      + 'Fix: use GuardrailEnforcedInvokerRole, attach a GuardrailEnforcementPolicy, or add the EnforceGuardrails aspect.',
  },
  {
    id: 'IneffectiveGuardrailCondition',
    level: NagMessageLevel.ERROR,
    rule: IneffectiveGuardrailCondition,
    info: 'A bedrock:GuardrailIdentifier condition does not enforce what it seems to.',
    explanation: 'An ...IfExists operator on an Allow lets requests without a guardrail through; a value ending in /ID* also matches every guardrail whose ID starts the same (use ["…/ID", "…/ID:*"]); '
      + 'the key holds the guardrail ARN (ARN or ARN:version), so a name or bare ID never matches. Fix: build the condition with EnforcedGuardrail and GuardrailVersion.',
  },
  {
    id: 'NonexistentBedrockAction',
    level: NagMessageLevel.ERROR,
    rule: NonexistentBedrockAction,
    info: 'A policy names a Bedrock action that does not exist, so its statement allows or denies nothing.',
    explanation: 'There is no bedrock:InvokeModelWithGuardrail, bedrock:Converse or bedrock:ConverseStream action. Fix: use bedrock:InvokeModel (InvokeModel, Converse) and '
      + 'bedrock:InvokeModelWithResponseStream (streaming, ConverseStream), with a bedrock:GuardrailIdentifier condition for enforcement.',
  },
  {
    id: 'BedrockServiceWithoutConfusedDeputyConditions',
    level: NagMessageLevel.ERROR,
    rule: BedrockServiceWithoutConfusedDeputyConditions,
    info: 'A trust policy, Lambda permission or Lex resource policy for bedrock.amazonaws.com lacks aws:SourceAccount or aws:SourceArn.',
    explanation: 'Without both conditions, Bedrock acting for another account or resource could use it (confused deputy). '
      + 'Fix: use AgentExecutionRole or FlowServiceRole (and their allowActionGroupInvocation / allowLegacy* methods), or add both conditions.',
  },
  {
    id: 'EnforcedPrincipalCallsAgentOrRag',
    level: NagMessageLevel.WARN,
    rule: EnforcedPrincipalCallsAgentOrRag,
    info: 'A guardrail-enforced principal can also call bedrock:InvokeAgent or bedrock:RetrieveAndGenerate.',
    explanation: 'These APIs call models on the caller\'s behalf, partly without a guardrail, so the enforcement Deny makes them fail with AccessDenied (documented limitation). '
      + 'Fix: call them from a separate role without the enforcement.',
  },
  {
    id: 'GuardrailWithoutCustomerManagedKey',
    level: NagMessageLevel.WARN,
    rule: GuardrailWithoutCustomerManagedKey,
    info: 'The guardrail has no KmsKeyArn, so it is encrypted with an AWS owned key.',
    explanation: 'A customer managed key lets you control and audit who can use the guardrail. Fix: set kmsKeyArn to an EncryptedGuardrailKey.',
  },
  {
    id: 'AgentWithoutGuardrail',
    level: NagMessageLevel.WARN,
    rule: AgentWithoutGuardrail,
    info: 'The agent has no guardrail configuration.',
    explanation: 'An agent service role cannot carry the guardrail enforcement (documented limitation), so the agent\'s guardrailConfiguration is what applies a guardrail. Fix: set guardrailConfiguration.',
  },
];

/**
 * A cdk-nag 3.x rule pack that checks, at synth, that the principals of a whole CDK app can only call
 * Amazon Bedrock models with a guardrail, and the related documented pitfalls.
 *
 * Register it with `Validations.of(app).addPlugins(new BedrockGuardrailChecks(app))`; acknowledge a
 * finding with `Validations.of(construct).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-RULE', reason })`.
 */
export class BedrockGuardrailChecks extends NagPack {
  /** The rule ids of the pack. */
  public static readonly RULE_IDS = RULES.map(r => `BedrockGuardrail-${r.id}`);

  public readonly name: string;
  public readonly ruleIds?: string[];

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.name = 'BedrockGuardrail';
    this.packName = 'BedrockGuardrail';
    this.ruleIds = BedrockGuardrailChecks.RULE_IDS;
  }

  protected checkResource(node: CfnResource): void {
    for (const spec of RULES) {
      this.applyRule({
        ruleSuffixOverride: spec.id,
        info: spec.info,
        explanation: spec.explanation,
        level: spec.level,
        node,
        rule: spec.rule,
      });
    }
  }
}

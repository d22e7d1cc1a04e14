import { CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';
import type { NagMessageLevel, NagPack } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { ERROR, RuleResult, WARN } from './compliance';
import type * as Rules from './rules';
import { PolicyView } from '../private/policy-view';

interface RuleSpec {
  readonly id: string;
  readonly level: NagMessageLevel;
  readonly info: string;
  readonly explanation: string;
  /** The rule's function in `./rules` (loaded with the pack, not with the library). */
  readonly rule: keyof typeof Rules;
}

/**
 * The rules of the pack, in the order of the README's table. `info` (shown with every finding) says what
 * was found and the fix; `explanation` (shown in verbose mode) says why it matters.
 */
const RULES: RuleSpec[] = [
  {
    id: 'GuardrailEnforcementMissing',
    level: ERROR,
    rule: 'GuardrailEnforcementMissing',
    info: 'This IAM principal can call Amazon Bedrock models (InvokeModel, InvokeModelWithResponseStream, so Converse too) without an approved guardrail. '
      + 'Fix: use GuardrailEnforcedInvokerRole, attach a GuardrailEnforcementPolicy, or add the EnforceGuardrails aspect.',
    explanation: 'Only an explicit Deny with a negated bedrock:GuardrailIdentifier condition over every invokable resource makes a guardrail mandatory: '
      + 'an Allow with a condition is reopened by any other Allow, and a Deny on foundation-model/* leaves inference profiles and other models open.',
  },
  {
    id: 'IneffectiveGuardrailCondition',
    level: ERROR,
    rule: 'IneffectiveGuardrailCondition',
    info: 'A bedrock:GuardrailIdentifier condition does not enforce what it seems to. Fix: build the condition with EnforcedGuardrail and GuardrailVersion.',
    explanation: 'An ...IfExists operator on an Allow lets requests without a guardrail through; a value ending in /ID* also matches every guardrail whose ID starts the same '
      + '(use ["…/ID", "…/ID:*"]); the key holds the guardrail ARN (ARN or ARN:version), so a name or bare ID never matches.',
  },
  {
    id: 'NonexistentBedrockAction',
    level: ERROR,
    rule: 'NonexistentBedrockAction',
    info: 'A policy names a Bedrock action that does not exist, so its statement allows or denies nothing. '
      + 'Fix: use bedrock:InvokeModel (InvokeModel, Converse) and bedrock:InvokeModelWithResponseStream (streaming, ConverseStream).',
    explanation: 'IAM has no Converse, ConverseStream or guardrail-specific invoke action in the bedrock service (some blog posts invent one); '
      + 'guardrail enforcement is a bedrock:GuardrailIdentifier condition on the two inference actions.',
  },
  {
    id: 'BedrockServiceWithoutConfusedDeputyConditions',
    level: ERROR,
    rule: 'BedrockServiceWithoutConfusedDeputyConditions',
    info: 'A trust policy, Lambda permission or Lex resource policy for bedrock.amazonaws.com lacks aws:SourceAccount or aws:SourceArn. '
      + 'Fix: use AgentExecutionRole or FlowServiceRole (and their allowActionGroupInvocation / allowLegacy* methods), or add both conditions.',
    explanation: 'Without both conditions, Bedrock acting for another account or another resource could use the role or function (confused deputy).',
  },
  {
    id: 'EnforcedPrincipalCallsAgentOrRag',
    level: WARN,
    rule: 'EnforcedPrincipalCallsAgentOrRag',
    info: 'A guardrail-enforced principal can also call bedrock:InvokeAgent or bedrock:RetrieveAndGenerate. Fix: call them from a separate role without the enforcement.',
    explanation: 'These APIs call models on the caller\'s behalf, partly without a guardrail, so the enforcement Deny makes them fail with AccessDenied (documented limitation).',
  },
  {
    id: 'GuardrailWithoutCustomerManagedKey',
    level: WARN,
    rule: 'GuardrailWithoutCustomerManagedKey',
    info: 'The guardrail has no KmsKeyArn, so it is encrypted with an AWS owned key. Fix: set kmsKeyArn to an EncryptedGuardrailKey.',
    explanation: 'A customer managed key lets you control and audit who can read and use the guardrail.',
  },
  {
    id: 'AgentWithoutGuardrail',
    level: WARN,
    rule: 'AgentWithoutGuardrail',
    info: 'The agent has no guardrail configuration. Fix: set guardrailConfiguration.',
    explanation: 'An agent service role cannot carry guardrail enforcement (documented limitation), so the agent\'s guardrailConfiguration is what applies a guardrail.',
  },
];

/**
 * Options of BedrockGuardrailChecks.
 */
export interface BedrockGuardrailChecksProps {
  /**
   * Print each finding's explanation too.
   *
   * @default false
   */
  readonly verbose?: boolean;

  /**
   * Write the acknowledged findings to the CloudFormation metadata of each resource (cdk-nag's
   * `rules_to_suppress`), as cdk-nag's packs do. Needs the `scope`; cdk-nag is then loaded when the pack
   * is made, not when it first runs.
   *
   * @default false
   */
  readonly writeSuppressionsToCloudFormation?: boolean;
}

/**
 * A cdk-nag 3.x rule pack that checks, at synth, that the principals of a whole CDK app can only call
 * Amazon Bedrock models with a guardrail, and the related documented pitfalls.
 *
 * Register it with `Validations.of(app).addPlugins(new BedrockGuardrailChecks(app))`; acknowledge a
 * finding with `Validations.of(construct).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-RULE', reason })`
 * (the exact id, with any `[finding]` suffix, is printed with each finding).
 *
 * Rules (`BedrockGuardrail-…`): errors `GuardrailEnforcementMissing`, `IneffectiveGuardrailCondition`,
 * `NonexistentBedrockAction`, `BedrockServiceWithoutConfusedDeputyConditions`; warnings
 * `EnforcedPrincipalCallsAgentOrRag`, `GuardrailWithoutCustomerManagedKey`, `AgentWithoutGuardrail`.
 *
 * cdk-nag is loaded only when the pack is used (the first validation), so an app that imports this
 * library for its roles does not pay for it.
 */
export class BedrockGuardrailChecks implements IPolicyValidationPlugin {
  /** The rule ids of the pack. */
  public static readonly RULE_IDS = RULES.map(r => `BedrockGuardrail-${r.id}`);

  public readonly name: string = 'BedrockGuardrail';
  public readonly ruleIds?: string[] = BedrockGuardrailChecks.RULE_IDS;
  private readonly scope?: IConstruct;
  private readonly props: BedrockGuardrailChecksProps;
  private pack?: NagPack;

  /**
   * @param scope optional, as for cdk-nag's packs (`new BedrockGuardrailChecks(app)`): the pack checks the app
   * it is registered on with `Validations.of(app).addPlugins()`, or the construct given to `validateScope()`
   * @param props options
   */
  constructor(scope?: IConstruct, props: BedrockGuardrailChecksProps = {}) {
    this.scope = scope;
    this.props = props;
    if (props.writeSuppressionsToCloudFormation) {
      if (scope === undefined) {
        throw new Error('BedrockGuardrailChecks: writeSuppressionsToCloudFormation needs the scope whose resources get the metadata. Fix: new BedrockGuardrailChecks(app, { writeSuppressionsToCloudFormation: true }).');
      }
      // cdk-nag adds its metadata aspect to the scope when the pack is made: now, before synthesis.
      this.nagPack();
    }
  }

  /** The pack's name, as cdk-nag's packs give it. */
  public get readPackName(): string {
    return this.name;
  }

  /** Called by aws-cdk-lib after synthesis: checks every resource of the app. */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    // The tree as it is now (a check may run twice in one synchronous test, with changes between).
    PolicyView.forgetAll();
    return this.nagPack().validate(context);
  }

  /** Checks every resource in `scope`, as `validate` does for the app. */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    PolicyView.forgetAll();
    return this.nagPack().validateScope(scope);
  }

  private nagPack(): NagPack {
    this.pack ??= createNagPack(this.scope, this.props);
    return this.pack;
  }
}

/** The cdk-nag 3 pack behind BedrockGuardrailChecks, made when first needed (cdk-nag is loaded then). */
function createNagPack(scope: IConstruct | undefined, props: BedrockGuardrailChecksProps): NagPack {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const nag: typeof import('cdk-nag') = require('cdk-nag');
  const rules: typeof Rules = require('./rules');
  /* eslint-enable @typescript-eslint/no-require-imports */
  class Pack extends nag.NagPack {
    public readonly name = 'BedrockGuardrail';
    constructor() {
      super(scope, { verbose: props.verbose, writeSuppressionsToCloudFormation: props.writeSuppressionsToCloudFormation });
      this.packName = 'BedrockGuardrail';
    }

    protected checkResource(node: CfnResource): void {
      for (const spec of RULES) {
        this.applyRule({
          ruleSuffixOverride: spec.id,
          info: spec.info,
          explanation: spec.explanation,
          level: spec.level,
          node,
          rule: rules[spec.rule] as (node: CfnResource) => RuleResult,
        });
      }
    }
  }
  const pack = new Pack();
  (pack as { ruleIds?: string[] }).ruleIds = BedrockGuardrailChecks.RULE_IDS;
  return pack;
}

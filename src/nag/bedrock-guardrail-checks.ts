import * as path from 'path';
import {
  App,
  Aspects,
  CfnResource,
  IAspect,
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
  Stage,
  Validations,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { newNag2Pack } from './cdk-nag-2';
import { acknowledgedIds, metadataOf } from './tree-metadata';
import { readAssembly, readSynthesizedStack, TemplateStack, withNestedStacks } from '../check/input';
import { acknowledgementAt, PACK_NAME, reportFindings, ReportedFinding } from '../check/report';
import { ALL_RULES, checkTemplates } from '../check/rules';

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
   * Write the acknowledged findings to the CloudFormation metadata of each resource (`cdk_nag`
   * `rules_to_suppress`, as cdk-nag's packs do), for audit tools that read templates. Needs the `scope`.
   *
   * @default false
   */
  readonly writeSuppressionsToCloudFormation?: boolean;

  /**
   * Fail the synth on warnings too. By default a finding of warning level is printed and does not fail
   * `cdk synth`; errors do. As a validation plugin, aws-cdk-lib's context `@aws-cdk/core:strictCfnValidateErrors`
   * = `true` also makes warnings fail (every plugin's); as a cdk-nag 2 aspect, `cdk synth --strict` does.
   *
   * @default false
   */
  readonly failOnWarnings?: boolean;

  /**
   * Only as a cdk-nag 2 aspect: write cdk-nag 2's compliance report of each stack (CSV, a
   * `BedrockGuardrail-…-NagReport.csv` file per stack in the output directory, named as cdk-nag 2 names them), as
   * cdk-nag 2's packs do by default.
   *
   * @default true
   */
  readonly reports?: boolean;

  /**
   * Only as a cdk-nag 2 aspect: log each finding suppressed with `NagSuppressions` as an info annotation, with
   * its reason, as cdk-nag 2's `logIgnores`.
   *
   * @default false
   */
  readonly logIgnores?: boolean;
}

/**
 * Checks, at synth, that the principals of a whole CDK app can only call Amazon Bedrock models with a
 * guardrail, and the related documented pitfalls: a validation plugin of aws-cdk-lib, registered like
 * cdk-nag 3's packs and usable beside them, or a cdk-nag 2 pack, added as an aspect like cdk-nag 2's packs.
 *
 * As a validation plugin (no cdk-nag needed, or beside cdk-nag 3): register it with
 * `Validations.of(app).addPlugins(new BedrockGuardrailChecks(app))`; acknowledge a finding with
 * `Validations.of(construct).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-RULE', reason })` (the exact id,
 * with any `[finding]` suffix, is printed with each finding).
 *
 * As a cdk-nag 2 pack (cdk-nag 2 installed in the app): `Aspects.of(app).add(new BedrockGuardrailChecks(app))`;
 * findings are annotations (errors and warnings) with the same rule ids, acknowledged with cdk-nag 2's
 * `NagSuppressions` (`appliesTo` for the part in brackets).
 *
 * Errors fail `cdk synth`; warnings are printed and do not, unless `failOnWarnings` is set.
 *
 * It reads the synthesized templates of every stack of the app together, with the same rules as the
 * `cdk-bedrock-guardrail-iam check` command for pipelines: a policy in one stack that names a role of another
 * (by name or through an export) counts for that role.
 *
 * Rules (`BedrockGuardrail-…`): errors `GuardrailEnforcementMissing`, `UnguardedInferencePath`,
 * `ApprovedGuardrailNotProtected`, `IneffectiveGuardrailCondition`, `NonexistentBedrockAction`,
 * `BedrockServiceWithoutConfusedDeputyConditions`, `MalformedBedrockPolicy`, `PrincipalOutsideTemplates`; warnings
 * `InferencePathAllowed`, `UnknownManagedPolicy`, `EnforcedPrincipalCallsAgentOrRag`, `SelectiveContentGuarding`,
 * `BedrockPolicyWithoutResourcePolicy`, `GuardrailWithoutCustomerManagedKey`, `AgentWithoutGuardrail`.
 * Nested stacks are read with their parent.
 */
export class BedrockGuardrailChecks implements IPolicyValidationPlugin, IAspect {
  /** The rule ids of the pack. */
  public static readonly RULE_IDS = ALL_RULES.map(r => `${PACK_NAME}-${r.id}`);

  public readonly name: string = PACK_NAME;
  public readonly ruleIds?: string[] = BedrockGuardrailChecks.RULE_IDS;
  private readonly props: BedrockGuardrailChecksProps;
  private nag2Pack?: IAspect;

  /**
   * @param scope optional, as for cdk-nag's packs (`new BedrockGuardrailChecks(app)`): the pack checks the app
   * it is registered on with `Validations.of(app).addPlugins()`, or the construct given to `validateScope()`;
   * `writeSuppressionsToCloudFormation` needs it
   * @param props options
   */
  constructor(scope?: IConstruct, props: BedrockGuardrailChecksProps = {}) {
    this.props = props;
    if (props.writeSuppressionsToCloudFormation) {
      if (scope === undefined) {
        throw new Error('BedrockGuardrailChecks: writeSuppressionsToCloudFormation needs the scope whose resources get the metadata. Fix: new BedrockGuardrailChecks(app, { writeSuppressionsToCloudFormation: true }).');
      }
      Aspects.of(scope).add({ visit: node => writeSuppressions(node) });
    }
  }

  /** The pack's name, as cdk-nag's packs give it. */
  public get readPackName(): string {
    return this.name;
  }

  /**
   * Called by aws-cdk-lib for each construct when the checks are added as an aspect, the way cdk-nag 2 packs are
   * (`Aspects.of(app).add(checks)`): needs cdk-nag 2 in the app, and applies the rules as a cdk-nag 2 pack.
   */
  public visit(node: IConstruct): void {
    this.nag2Pack ??= newNag2Pack(this.props);
    this.nag2Pack.visit(node);
  }

  /** Called by aws-cdk-lib after synthesis: checks every stack of the app. */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const stacks = context.stackTemplates.flatMap(t => withNestedStacks(readSynthesizedStack(t.templatePath, {
      name: t.stackConstructPath, account: t.accountId, region: t.region,
    }), path.dirname(t.templatePath)));
    // aws-cdk-lib (2.269 and later) also gives the app's construct tree, where acknowledgements on a Stage or the
    // App are seen (the assembly records only those inside stacks).
    const root = (context as { appConstruct?: IConstruct }).appConstruct;
    return this.report(reportFindings(checkTemplates(stacks)), false, root);
  }

  /**
   * Checks every stack in `scope` (an app, a stage or a stack), as `validate` does for the app: the app is
   * synthesized (again) for it, and the report names each resource's construct path. For tests.
   */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    const root = scope.node.root;
    if (!Stage.isStage(root)) throw new Error(`BedrockGuardrailChecks.validateScope: ${scope.node.path} is not in an App. Fix: give a construct of an App.`);
    const assembly = (root as App).synth({ force: true, skipValidation: true });
    const prefix = scope.node.path;
    const stacks = readAssembly(assembly.directory).filter((s: TemplateStack) => prefix === '' || s.name === prefix || s.name.startsWith(`${prefix}/`)
      || [...s.constructPaths.values()].some(p => p === prefix || p.startsWith(`${prefix}/`)));
    return this.report(reportFindings(checkTemplates(stacks)), true, root);
  }

  /**
   * The report: one violation per rule name (as aws-cdk-lib groups them), with the resources whose finding is not
   * acknowledged at or above them. aws-cdk-lib suppresses a violation whose rule name is acknowledged **anywhere**
   * in the app, so an open finding whose rule name is acknowledged on another construct is reported as `fatal`,
   * which aws-cdk-lib does not suppress: an acknowledgement covers its own construct and what is under it, nothing
   * else. With `failOnWarnings`, warnings are reported as errors (aws-cdk-lib decides on the severity once
   * something is acknowledged, not on `success`).
   */
  private report(findings: ReportedFinding[], withConstructPaths: boolean, root?: IConstruct): PolicyValidationPluginReport {
    const metadata = root === undefined ? {} : metadataOf(root);
    const anywhere = acknowledgedIds(metadata);
    const open = findings.filter(f => f.acknowledged === undefined
      && (f.constructPath === undefined || acknowledgementAt(metadata, f.ruleName, f.constructPath) === undefined));
    const byRule = new Map<string, { finding: ReportedFinding; severity: string; resources: ReportedFinding[] }>();
    for (const f of open) {
      const elsewhere = anywhere.has(`${PACK_NAME}::${f.ruleName}`);
      const severity = elsewhere ? 'fatal' : f.severity === 'warning' && this.props.failOnWarnings ? 'error' : f.severity;
      const key = `${f.ruleName}\u0000${severity}`;
      const entry = byRule.get(key) ?? { finding: f, severity, resources: [] };
      entry.resources.push(f);
      byRule.set(key, entry);
    }
    const violations: PolicyViolation[] = [...byRule.values()].map(({ finding, severity, resources }) => {
      const description = this.props.verbose ? `${finding.message} ${finding.rule.explanation}` : finding.message;
      return {
        ruleName: finding.ruleName,
        description: severity === 'fatal'
          ? `${description} (Acknowledged on another construct; an acknowledgement covers only its construct and what is under it: acknowledge it on this one.)`
          : description,
        fix: finding.rule.info.replace(/^.* Fix: /, ''),
        severity,
        violatingResources: resources.map(r => ({
          resourceLogicalId: r.logicalId,
          templatePath: r.templatePath,
          locations: [],
          ...(withConstructPaths && r.constructPath !== undefined ? { constructPath: r.constructPath } : {}),
        })),
      };
    });
    // Warnings are reported and do not fail the synth, unless asked (aws-cdk-lib fails it on a report that is not a success).
    const success = violations.every(v => v.severity === 'warning');
    return { success, violations };
  }
}

/** cdk-nag's `rules_to_suppress` metadata on a resource, from the acknowledgements at or above it. */
function writeSuppressions(node: IConstruct) {
  if (!CfnResource.isCfnResource(node)) return;
  const seen = new Set<string>();
  const rules: Array<{ id: string; reason: string }> = [];
  for (let current: IConstruct | undefined = node; current !== undefined; current = current.node.scope) {
    for (const entry of current.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as { [id: string]: string })) {
        if (!id.startsWith(`${PACK_NAME}::`) || seen.has(id)) continue;
        seen.add(id);
        rules.push({ id, reason });
      }
    }
  }
  if (rules.length > 0) node.addMetadata('cdk_nag', { rules_to_suppress: rules });
}

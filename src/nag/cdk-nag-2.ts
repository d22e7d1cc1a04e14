import { CfnElement, CfnResource, IAspect, Stack, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { metadataOf } from './tree-metadata';
import { TemplateStack } from '../check/input';
import { PACK_NAME, reportFindings, ReportedFinding } from '../check/report';
import { ALL_RULES, checkTemplates, RuleSpec } from '../check/rules';

/**
 * BedrockGuardrailChecks used as an aspect, the way cdk-nag 2 packs are registered
 * (`Aspects.of(app).add(pack)`): a cdk-nag 2 `NagPack`, built at run time on the app's own cdk-nag 2, so that
 * its findings are annotations with cdk-nag 2's rule ids and format, `NagSuppressions` acknowledges them, and
 * its reports and `logIgnores` work as for cdk-nag 2's packs.
 *
 * The rules read the whole Stage's templates (a policy in one stack can name a role of another), which exist
 * only after the aspects ran and CDK resolved the references between stacks. So the aspect adds a construct
 * validation to the scope it was added to; CDK runs it after preparing the app and before writing the templates,
 * and it applies the rules to every resource under the scope, reading every stack of the Stage once per synthesis.
 */

/** The options cdk-nag 2's `NagPack` takes, as far as this pack passes them on. */
export interface Nag2Options {
  readonly verbose?: boolean;
  readonly logIgnores?: boolean;
  readonly reports?: boolean;
  readonly failOnWarnings?: boolean;
}

/** The resource types the rules read: for other resources the report says "not applicable". */
const READ_TYPES = new Set([
  'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy',
  'AWS::IAM::RolePolicy', 'AWS::IAM::UserPolicy', 'AWS::IAM::GroupPolicy', 'AWS::IAM::UserToGroupAddition',
  'AWS::Bedrock::Guardrail', 'AWS::Bedrock::GuardrailVersion', 'AWS::Bedrock::Agent', 'AWS::Bedrock::ResourcePolicy', 'AWS::Bedrock::EnforcedGuardrailConfiguration',
  'AWS::Organizations::Policy', 'AWS::Lambda::Permission', 'AWS::Lex::ResourcePolicy',
]);

/**
 * cdk-nag 2, loaded from the app (not a dependency of this package). Throws a clear error when cdk-nag cannot be
 * loaded or is not version 2 (cdk-nag 3 has no `NagSuppressions` and its packs are validation plugins).
 */
function loadCdkNag2(): any {
  let nag: any;
  try {
    // cdk-nag 2 is the app's, not a dependency of this package: loaded only here.
    // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
    nag = require('cdk-nag');
  } catch {
    throw new Error('BedrockGuardrailChecks was added as an aspect (Aspects.of(app).add(...)), the way cdk-nag 2 packs are registered, but cdk-nag cannot be loaded. '
      + 'Fix: install cdk-nag 2 (npm install cdk-nag@^2), or register the checks as a validation plugin, which needs no cdk-nag: Validations.of(app).addPlugins(new BedrockGuardrailChecks(app)).');
  }
  if (typeof nag?.NagPack !== 'function' || typeof nag?.NagSuppressions !== 'function' || typeof nag.NagPack.prototype?.applyRule !== 'function') {
    throw new Error('BedrockGuardrailChecks was added as an aspect (Aspects.of(app).add(...)), the way cdk-nag 2 packs are registered, but the cdk-nag installed is not version 2 (cdk-nag 3 packs are validation plugins). '
      + 'Fix: register the checks as a validation plugin, as cdk-nag 3 packs are: Validations.of(app).addPlugins(new BedrockGuardrailChecks(app)).');
  }
  return nag;
}

/** A cdk-nag 2 `NagPack` that applies the checks to each resource it visits (see above). */
export function newNag2Pack(options: Nag2Options): IAspect {
  const nag = loadCdkNag2();
  const level = (rule: RuleSpec) => rule.severity === 'error' || options.failOnWarnings ? nag.NagMessageLevel.ERROR : nag.NagMessageLevel.WARN;

  class BedrockGuardrailNagPack extends (nag.NagPack as new (props?: any) => any) {
    /** The apps whose scope (the first node visited there) has the validation. */
    private readonly roots = new WeakSet<IConstruct>();

    constructor() {
      super({ verbose: options.verbose, logIgnores: options.logIgnores, reports: options.reports });
      this.packName = PACK_NAME;
    }

    public visit(node: IConstruct): void {
      if (this.roots.has(node.node.root)) return;
      // The first node visited in an app is the scope the aspect was added to. Its validation runs after CDK has
      // prepared the app (references between stacks resolved) and before the templates are written; it checks every
      // resource under the scope then, including resources other aspects added after this one ran.
      this.roots.add(node.node.root);
      node.node.addValidation({ validate: () => { this.checkScope(node); return []; } });
    }

    private checkScope(scope: IConstruct) {
      // Aspects do not reach into a nested Stage (it is synthesized on its own), so neither does the pack.
      const stage = Stage.isStage(scope) ? scope : Stage.of(scope);
      const resources = scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stage.of(c) === stage);
      if (stage === undefined || resources.length === 0) return;
      const byResource = findingsOf(stage);
      for (const resource of resources) this.check(resource, byResource.get(resource) ?? []);
    }

    private check(resource: CfnResource, own: ReportedFinding[]) {
      const applies = READ_TYPES.has(resource.cfnResourceType);
      for (const rule of ALL_RULES) {
        const found = own.filter(f => f.rule === rule && f.acknowledged === undefined);
        if (found.length === 0) {
          this.applyRule({
            ruleSuffixOverride: rule.id,
            info: rule.info,
            explanation: rule.explanation,
            level: level(rule),
            node: resource,
            rule: namedRule(rule.id, () => applies ? nag.NagRuleCompliance.COMPLIANT : nag.NagRuleCompliance.NOT_APPLICABLE),
          });
        }
        // One call per finding: each has its own message. A finding with a detail is granular, as cdk-nag 2's
        // IAM5 is: `BedrockGuardrail-UnguardedInferencePath[BATCH_INFERENCE]`, suppressed with `appliesTo`.
        for (const finding of found) {
          this.applyRule({
            ruleSuffixOverride: rule.id,
            info: finding.message,
            explanation: rule.explanation,
            level: level(rule),
            node: resource,
            rule: namedRule(rule.id, () => finding.detail === undefined ? nag.NagRuleCompliance.NON_COMPLIANT : [finding.detail]),
          });
        }
      }
    }
  }
  return new BedrockGuardrailNagPack();
}

/** A rule function with the rule's id as its name (cdk-nag 2 reports the function's name as the rule's original name). */
function namedRule(id: string, fn: () => any): (node: CfnResource) => any {
  Object.defineProperty(fn, 'name', { value: id });
  return fn;
}

/**
 * The findings of every stack of a Stage (nested stacks included), read from the templates CDK is about to
 * write, by the resource they are about.
 */
function findingsOf(stage: Stage): Map<CfnResource, ReportedFinding[]> {
  const metadata = metadataOf(stage.node.root);
  const resources = new Map<TemplateStack, Map<string, CfnResource>>();
  const stacks: TemplateStack[] = [];
  for (const stack of stage.node.findAll().filter((c): c is Stack => Stack.isStack(c) && Stage.of(c) === stage)) {
    const constructPaths = new Map<string, string>();
    const byLogicalId = new Map<string, CfnResource>();
    for (const element of stack.node.findAll().filter((c): c is CfnElement => CfnElement.isCfnElement(c) && c.stack === stack)) {
      const logicalId = stack.resolve(element.logicalId) as string;
      constructPaths.set(logicalId, element.node.path);
      if (CfnResource.isCfnResource(element)) byLogicalId.set(logicalId, element);
    }
    const templateStack: TemplateStack = {
      name: stack.node.path,
      templatePath: stack.templateFile,
      // The template CDK writes next (the same method its synthesizer calls), after the references between
      // stacks were resolved.
      template: (stack as any)._toCloudFormation(),
      account: Token.isUnresolved(stack.account) ? undefined : stack.account,
      region: Token.isUnresolved(stack.region) ? undefined : stack.region,
      constructPaths,
      metadata,
    };
    stacks.push(templateStack);
    resources.set(templateStack, byLogicalId);
  }
  const found = checkTemplates(stacks);
  // cdk-nag 2 itself applies the NagSuppressions (with logIgnores and its suppression conditions); the
  // acknowledgements made with Validations.of(...).acknowledge are applied here.
  const reported = reportFindings(found, [], { templateSuppressions: false });
  const byResource = new Map<CfnResource, ReportedFinding[]>();
  found.forEach((finding, i) => {
    const resource = resources.get(finding.stack)?.get(finding.logicalId);
    if (resource !== undefined) byResource.set(resource, [...byResource.get(resource) ?? [], reported[i]]);
  });
  return byResource;
}

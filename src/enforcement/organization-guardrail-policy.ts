import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import { checkEnforceable, checkEnforcedModels, checkOrganizationId, checkTargetIds, warnSelectiveGuarding } from './checks';
import { ContentGuarding } from './content-guarding';
import { GuardrailResourcePolicy } from './guardrail-resource-policy';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { constructError, pathError } from '../util/validation';

// AWS pages: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_bedrock_syntax.html (syntax),
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_bedrock_best_practices.html (best practices)

/**
 * Props of `OrganizationGuardrailPolicy`.
 */
export interface OrganizationGuardrailPolicyProps {
  /**
   * The guardrails to enforce, at most one per Region (the Region is the guardrail's), each at a **numbered**
   * version, owned by the management account (the account this stack deploys to).
   */
  readonly guardrails: EnforcedGuardrail[];

  /**
   * Where the policy is attached: the organization root (`r-…`), organizational units (`ou-…-…`) or accounts
   * (12 digits).
   */
  readonly targetIds: string[];

  /**
   * The organization's ID (`o-…`). When given, a `GuardrailResourcePolicy` that lets the organization apply
   * the guardrail is created for each guardrail of this stack's Region (member accounts must be allowed to apply
   * it, or their inference fails); for guardrails of other Regions, create one in a stack of that Region.
   *
   * @default - no resource policy is created: the guardrails must already let the organization apply them
   */
  readonly organizationId?: string;

  /**
   * What the guardrails evaluate in system prompts.
   *
   * @default ContentGuarding.COMPREHENSIVE
   */
  readonly systemPromptGuarding?: ContentGuarding;

  /**
   * What the guardrails evaluate in user messages.
   *
   * @default ContentGuarding.COMPREHENSIVE
   */
  readonly messageGuarding?: ContentGuarding;

  /**
   * The foundation model IDs the enforcement applies to.
   *
   * @default - every model (`["ALL"]`)
   */
  readonly models?: string[];

  /**
   * Foundation model IDs the enforcement does not apply to.
   *
   * @default - none
   */
  readonly excludedModels?: string[];

  /**
   * The policy's name.
   *
   * @default - a name made from the construct path
   */
  readonly policyName?: string;

  /**
   * The policy's description.
   *
   * @default - says that the policy enforces Amazon Bedrock guardrails
   */
  readonly description?: string;
}

/**
 * The AWS Organizations quotas page lists no size for Bedrock policies (unknown); every other management
 * policy type (declarative, backup, tag, chat applications) allows 10,000 characters, used here.
 */
const MAX_POLICY_CHARACTERS = 10_000;

/**
 * An AWS Organizations policy of type `BEDROCK_POLICY` (`AWS::Organizations::Policy`): Amazon Bedrock applies
 * the guardrails to every inference call of the member accounts it targets, in each guardrail's Region, with
 * no IAM condition. Deploy it in the management account, where the guardrails are.
 *
 * The policy type must be enabled in the organization first (`aws organizations enable-policy-type
 * --policy-type BEDROCK_POLICY --root-id r-…`); check what an account gets with `DescribeEffectivePolicy`.
 * A malformed guardrail identifier makes every Amazon Bedrock call of the targeted accounts fail, so the
 * construct checks each one at synth.
 */
export class OrganizationGuardrailPolicy extends Construct {
  /** The policy resource. */
  public readonly resource: organizations.CfnPolicy;

  /** The policy's content, as AWS Organizations receives it. */
  public readonly content: any;

  /** The resource policies created for the guardrails of this stack's Region (with `organizationId`). */
  public readonly resourcePolicies: GuardrailResourcePolicy[] = [];

  constructor(scope: Construct, id: string, props: OrganizationGuardrailPolicyProps) {
    if (props.guardrails.length === 0) throw pathError(scope, id, 'guardrails is empty. Fix: give one guardrail per Region to enforce.');
    checkTargetIds(scope, id, props.targetIds);
    checkEnforcedModels(scope, id, props.models, props.excludedModels);
    if (props.organizationId !== undefined) checkOrganizationId(`${scope.node.path}/${id}`, props.organizationId);
    super(scope, id);
    const stack = Stack.of(this);

    const byRegion = new Map<string, EnforcedGuardrail>();
    for (const guardrail of props.guardrails) {
      const { account, region } = guardrail._location;
      if (Token.isUnresolved(guardrail.guardrailArn) && region === undefined) {
        throw constructError(this, `the Region of the guardrail ${guardrail.guardrailArn} is not known at synth, and the policy is keyed by Region. `
          + 'Fix: use EnforcedGuardrail.fromArn with the literal ARN, or a guardrail of a stack with an explicit env.');
      }
      if (!guardrail.version.isNumbered) {
        throw constructError(this, `the guardrail ${guardrail.guardrailArn} must be at a numbered version, not ${guardrail.version}. Fix: use GuardrailVersion.numbered(n).`);
      }
      if (account !== undefined && !Token.isUnresolved(stack.account) && account !== stack.account) {
        throw constructError(this, `the guardrail ${guardrail.guardrailArn} is in account ${account}, but this stack deploys to ${stack.account}: an organization `
          + 'Bedrock policy enforces guardrails owned by the management account. Fix: deploy this construct in the management account, with its guardrails.');
      }
      // A wrong identifier makes every Bedrock call of the targeted accounts fail: nothing unknown is written.
      checkEnforceable(this, guardrail, true, 'organization-level enforcement');
      const r = region!;
      const other = byRegion.get(r);
      if (other !== undefined) {
        throw constructError(this, `two guardrails for ${r} (${other.guardrailArn} and ${guardrail.guardrailArn}); the policy holds one per Region. Fix: keep one.`);
      }
      byRegion.set(r, guardrail);
    }

    const system = props.systemPromptGuarding ?? ContentGuarding.COMPREHENSIVE;
    const messages = props.messageGuarding ?? ContentGuarding.COMPREHENSIVE;
    warnSelectiveGuarding(this, system, messages, 'in the targeted accounts');
    const assign = (value: any) => ({ '@@assign': value });
    const config = (g: EnforcedGuardrail) => ({
      identifier: assign(`${g.guardrailArn}:${g.version.version}`),
      selective_content_guarding: { system: assign(system.toLowerCase()), messages: assign(messages.toLowerCase()) },
      ...(props.models !== undefined || props.excludedModels !== undefined
        ? { model_enforcement: { included_models: assign(props.models ?? ['ALL']), excluded_models: assign(props.excludedModels ?? []) } }
        : {}),
    });
    this.content = {
      bedrock: {
        guardrail_inference: Object.fromEntries([...byRegion.entries()].map(([r, g]) => [r, { config_1: config(g) }])),
      },
    };
    const size = JSON.stringify(stack.resolve(this.content)).length;
    if (size > MAX_POLICY_CHARACTERS) {
      throw constructError(this, `the policy is ${size} characters, over the ${MAX_POLICY_CHARACTERS} of AWS Organizations management policies. Fix: list fewer models, or split it by Region.`);
    }

    this.resource = new organizations.CfnPolicy(this, 'Resource', {
      name: props.policyName ?? `BedrockGuardrails-${this.node.addr.slice(0, 12)}`,
      description: props.description ?? 'Enforces Amazon Bedrock guardrails on every inference call of the targeted accounts',
      type: 'BEDROCK_POLICY',
      content: this.content,
      targetIds: props.targetIds,
    });

    if (props.organizationId !== undefined && Token.isUnresolved(stack.region)) {
      Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:guardrailPolicyRegionUnknown',
        'This stack\'s Region is not known at synth, so no guardrail resource policy is created (a resource policy is created in its guardrail\'s Region). '
        + 'Fix: give the stack an explicit env.region, or add a GuardrailResourcePolicy with allowOrganization() in a stack of each guardrail\'s Region.');
    }
    for (const [r, guardrail] of byRegion) {
      if (props.organizationId === undefined || Token.isUnresolved(stack.region)) continue;
      if (!Token.isUnresolved(stack.region) && r !== stack.region) {
        Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:guardrailPolicyInOtherRegion',
          `The guardrail ${guardrail.guardrailArn} is in ${r}: its resource policy must be created there. Add a GuardrailResourcePolicy with allowOrganization() `
          + `in a stack of ${r}, or member accounts get AccessDenied on inference in ${r}.`);
        continue;
      }
      const policy = new GuardrailResourcePolicy(this, `ResourcePolicy-${r}`, { guardrail }).allowOrganization(props.organizationId);
      // Members must be allowed to apply the guardrail before the policy enforces it on them.
      this.resource.node.addDependency(policy);
      this.resourcePolicies.push(policy);
    }
    if (props.organizationId === undefined) {
      Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:organizationResourcePolicy',
        'No organizationId: no guardrail resource policy is created. Member accounts must be allowed bedrock:ApplyGuardrail on each guardrail by its resource policy '
        + '(GuardrailResourcePolicy.allowOrganization), or their inference fails with AccessDenied.');
    }
    Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:bedrockPolicyTypeMustBeEnabled',
      'The BEDROCK_POLICY type must be enabled in the organization (EnablePolicyType) before this policy can be created; '
      + 'after deployment, check an account\'s effective policy with DescribeEffectivePolicy (policy type BEDROCK_POLICY).');
  }
}

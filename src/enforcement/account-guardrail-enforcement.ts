import { Stack, Token } from 'aws-cdk-lib';
import { CfnEnforcedGuardrailConfiguration } from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { checkEnforceable, checkEnforcedModels, warnSelectiveGuarding, warnUnknownEnvironment } from './checks';
import { ContentGuarding } from './content-guarding';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { constructError, pathError } from '../util/validation';

// AWS pages: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-enforcements.html (account-level
// enforcement), https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-bedrock-enforcedguardrailconfiguration.html

/**
 * Props of `AccountGuardrailEnforcement`.
 */
export interface AccountGuardrailEnforcementProps {
  /**
   * The guardrail to apply to every inference call of the account in this Region, at one **numbered**
   * version (`GuardrailVersion.numbered(n)` or `EnforcedGuardrail.fromGuardrailVersion(...)`). It must be in
   * the stack's account and Region, and must not have an Automated Reasoning policy.
   */
  readonly guardrail: EnforcedGuardrail;

  /**
   * The foundation model IDs the enforcement applies to.
   *
   * @default - every model
   */
  readonly models?: string[];

  /**
   * Foundation model IDs the enforcement does not apply to (a model in both lists is excluded).
   *
   * @default - none
   */
  readonly excludedModels?: string[];

  /**
   * What the guardrail evaluates in system prompts.
   *
   * @default ContentGuarding.COMPREHENSIVE
   */
  readonly systemPromptGuarding?: ContentGuarding;

  /**
   * What the guardrail evaluates in user messages.
   *
   * @default ContentGuarding.COMPREHENSIVE
   */
  readonly messageGuarding?: ContentGuarding;
}

/** The enforcements of each account and Region in an app, to refuse a second one. */
const ENFORCEMENTS = new WeakMap<IConstruct, Map<string, AccountGuardrailEnforcement>>();

/**
 * An account-level enforced guardrail (`AWS::Bedrock::EnforcedGuardrailConfiguration`): Amazon Bedrock
 * applies the guardrail to every InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream call
 * of the account in the stack's Region, with no IAM condition, together with any guardrail the request names.
 *
 * Callers need `bedrock:ApplyGuardrail` on the enforced guardrail, or their inference fails with
 * AccessDenied once the enforcement is on: give it with `grantApply()`.
 */
export class AccountGuardrailEnforcement extends Construct {
  /** The enforced guardrail. */
  public readonly guardrail: EnforcedGuardrail;

  /** The configuration resource. */
  public readonly resource: CfnEnforcedGuardrailConfiguration;

  /** The configuration's ID (its `ConfigId`). */
  public readonly configId: string;

  constructor(scope: Construct, id: string, props: AccountGuardrailEnforcementProps) {
    const { guardrail } = props;
    if (!guardrail.version.isNumbered) {
      throw pathError(scope, id, `the enforced guardrail must be at a numbered version, not ${guardrail.version}: the configuration takes one version `
        + '(DRAFT changes under it; ANY and ANY_NUMBERED are not versions). Fix: use GuardrailVersion.numbered(n), or EnforcedGuardrail.fromGuardrailVersion(version).');
    }
    checkEnforcedModels(scope, id, props.models, props.excludedModels);
    super(scope, id);
    this.guardrail = guardrail;
    const stack = Stack.of(this);
    // First what any enforcement needs of the guardrail (its ARN agrees with its resource, no Automated Reasoning).
    checkEnforceable(this, guardrail, false, 'an enforced guardrail');
    const location = guardrail._location;
    const known = (v: string) => !Token.isUnresolved(v);
    if (location.account !== undefined && known(stack.account) && location.account !== stack.account) {
      throw constructError(this, `the guardrail ${guardrail.guardrailArn} is in account ${location.account}, but this stack deploys to ${stack.account}: `
        + 'an account-level enforcement applies a guardrail of its own account. Fix: deploy this construct in the guardrail\'s account, '
        + 'or use OrganizationGuardrailPolicy to apply a management-account guardrail to member accounts.');
    }
    if (location.region !== undefined && known(stack.region) && location.region !== stack.region) {
      throw constructError(this, `the guardrail ${guardrail.guardrailArn} is in ${location.region}, but this stack deploys to ${stack.region}: `
        + 'the enforcement is per Region and applies a guardrail of its Region. Fix: deploy this construct in a stack of the guardrail\'s Region, with a guardrail there.');
    }
    warnUnknownEnvironment(this, guardrail);
    this.checkOnePerAccountAndRegion(stack);

    const system = props.systemPromptGuarding ?? ContentGuarding.COMPREHENSIVE;
    const messages = props.messageGuarding ?? ContentGuarding.COMPREHENSIVE;
    warnSelectiveGuarding(this, system, messages, 'in this account and Region');

    this.resource = new CfnEnforcedGuardrailConfiguration(this, 'Resource', {
      guardrailIdentifier: guardrail.guardrailArn,
      guardrailVersion: guardrail.version.version,
      selectiveContentGuarding: { system, messages },
      ...(props.models !== undefined || props.excludedModels !== undefined
        ? { modelEnforcement: { includedModels: props.models ?? ['ALL'], excludedModels: props.excludedModels ?? [] } }
        : {}),
    });
    // A guardrail in use by an enforcement cannot be deleted: CloudFormation removes the enforcement first.
    if (location.source !== undefined && Stack.of(location.source) === stack) this.resource.node.addDependency(location.source);
    this.configId = this.resource.attrConfigId;
  }

  /**
   * Gives `bedrock:ApplyGuardrail` on the enforced guardrail (and its guardrail profile, if any): every
   * principal that calls models in this account and Region needs it once the enforcement is on. It adds no
   * other permission and changes no guardrail condition of the grantee.
   */
  public grantApply(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['bedrock:ApplyGuardrail'],
      resourceArns: this.guardrail._bind(this).applyGuardrailArns,
    });
  }

  private checkOnePerAccountAndRegion(stack: Stack) {
    const root = this.node.root;
    const seen = ENFORCEMENTS.get(root) ?? new Map<string, AccountGuardrailEnforcement>();
    ENFORCEMENTS.set(root, seen);
    // A stack without an explicit environment deploys to one account and Region: two there are one too many.
    const key = Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) ? `stack:${stack.node.path}` : `${stack.account}/${stack.region}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw constructError(this, `${other.node.path} already enforces a guardrail in account ${stack.account}, ${stack.region}; an account and Region has one `
        + 'enforced guardrail configuration, and a second one would overwrite it. Fix: keep one AccountGuardrailEnforcement per account and Region.');
    }
    seen.set(key, this);
  }
}

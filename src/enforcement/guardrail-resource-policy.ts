import { Lazy, Stack, Token } from 'aws-cdk-lib';
import { CfnResourcePolicy } from 'aws-cdk-lib/aws-bedrock';
import { aws_bedrock as bedrockRefs } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';
import { checkOrganizationId } from './checks';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { constructError, parseArn, pathError } from '../util/validation';

// AWS page: https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-resource-based-policies.html

/**
 * Props of `GuardrailResourcePolicy`: the guardrail, or the guardrail profile, the policy is attached to
 * (exactly one).
 */
export interface GuardrailResourcePolicyProps {
  /**
   * The guardrail (its version does not matter here: the policy is on the guardrail).
   *
   * @default - give `guardrailRef` or `guardrailProfileArn`
   */
  readonly guardrail?: EnforcedGuardrail;

  /**
   * The guardrail, as a resource (a `CfnGuardrail` or an imported guardrail).
   *
   * @default - give `guardrail` or `guardrailProfileArn`
   */
  readonly guardrailRef?: bedrockRefs.IGuardrailRef;

  /**
   * A guardrail profile in the stack's Region (`arn:aws:bedrock:REGION:ACCOUNT:guardrail-profile/ID`). A
   * cross-Region profile is a resource in each of its Regions: give each Region its own policy, in a stack of
   * that Region.
   *
   * @default - give `guardrail` or `guardrailRef`
   */
  readonly guardrailProfileArn?: string;

  /**
   * Also allow `bedrock:GetGuardrail` (reading the guardrail's configuration). Not on a guardrail profile,
   * which supports only `bedrock:ApplyGuardrail`.
   *
   * @default false
   */
  readonly allowGetGuardrail?: boolean;
}

const OU_PATH = /^o-[a-z0-9]{10,32}\/r-[0-9a-z]{4,32}\/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\/)+\*?$/;
const PROFILE_ARN = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+):(\d{12}):guardrail-profile\/[a-z0-9.:-]+$/;

/**
 * A resource-based policy on a guardrail or a guardrail profile (`AWS::Bedrock::ResourcePolicy`), built only
 * from the patterns Amazon Bedrock supports: the same account, the whole organization (`aws:PrincipalOrgID`),
 * or organizational units (`aws:PrincipalOrgPaths`), for `bedrock:ApplyGuardrail` (and `bedrock:GetGuardrail`
 * on a guardrail). Anything else (another organization, other conditions, other actions) cannot be expressed.
 *
 * Recommended for account-level enforcement, required for organization-level enforcement, where member
 * accounts apply a guardrail of the management account.
 */
export class GuardrailResourcePolicy extends Construct {
  /** The ARN of the guardrail or guardrail profile the policy is on. */
  public readonly resourceArn: string;

  /** The policy resource. */
  public readonly resource: CfnResourcePolicy;

  private readonly statements: any[] = [];
  private readonly actions: string[];

  constructor(scope: Construct, id: string, props: GuardrailResourcePolicyProps) {
    const given = [props.guardrail, props.guardrailRef, props.guardrailProfileArn].filter(x => x !== undefined);
    if (given.length !== 1) {
      throw pathError(scope, id, `give exactly one of guardrail, guardrailRef and guardrailProfileArn (${given.length} given).`);
    }
    const profile = props.guardrailProfileArn;
    if (profile !== undefined && props.allowGetGuardrail) {
      throw pathError(scope, id, 'a guardrail profile supports only bedrock:ApplyGuardrail in its resource policy. Fix: leave allowGetGuardrail out for a profile.');
    }
    super(scope, id);
    const stack = Stack.of(this);
    if (profile !== undefined && !Token.isUnresolved(profile)) {
      const match = PROFILE_ARN.exec(profile);
      if (match === null) {
        throw constructError(this, `'${profile}' is not a guardrail profile ARN. Fix: use arn:aws:bedrock:REGION:ACCOUNT:guardrail-profile/ID, for example `
          + 'arn:aws:bedrock:us-east-1:111122223333:guardrail-profile/us.guardrail.v1:0.');
      }
    }
    this.resourceArn = props.guardrail?.guardrailArn ?? props.guardrailRef?.guardrailRef.guardrailArn ?? profile!;
    // Where the guardrail is: its literal ARN first, else the environment of its resource.
    const parsed = Token.isUnresolved(this.resourceArn) ? undefined : parseArn(this.resourceArn);
    const location = props.guardrail?._location;
    if (location?.conflict !== undefined) throw constructError(this, `${location.conflict}. Fix: use the guardrail's own ARN.`);
    const known = (v?: string) => (v === undefined || Token.isUnresolved(v) ? undefined : v);
    const region = parsed?.region ?? location?.region ?? known(props.guardrailRef?.env.region);
    const account = parsed?.account ?? location?.account ?? known(props.guardrailRef?.env.account);
    if (region !== undefined && !Token.isUnresolved(stack.region) && region !== stack.region) {
      throw constructError(this, `the ${profile === undefined ? 'guardrail' : 'guardrail profile'} ${this.resourceArn} is in ${region}, but this stack deploys to ${stack.region}: `
        + 'a resource policy is created in its resource\'s Region. Fix: create the GuardrailResourcePolicy in a stack of that Region'
        + `${profile === undefined ? '' : ' (one per Region of a cross-Region profile)'}.`);
    }
    if (account !== undefined && !Token.isUnresolved(stack.account) && account !== stack.account) {
      throw constructError(this, `the ${profile === undefined ? 'guardrail' : 'guardrail profile'} ${this.resourceArn} is in account ${account}, but this stack deploys to ${stack.account}: `
        + 'only the guardrail\'s owner can attach its resource policy. Fix: create the GuardrailResourcePolicy in a stack of the guardrail\'s account.');
    }
    this.actions = ['bedrock:ApplyGuardrail', ...(props.allowGetGuardrail ? ['bedrock:GetGuardrail'] : [])];
    this.resource = new CfnResourcePolicy(this, 'Resource', {
      resourceArn: this.resourceArn,
      policyDocument: Lazy.any({ produce: () => ({ Version: '2012-10-17', Statement: this.statements }) }),
    });
    this.node.addValidation({
      validate: () => (this.statements.length === 0
        ? ['the policy allows no one. Fix: call allowSameAccount(), allowOrganization(organizationId) or allowOrganizationalUnits(organizationId, ouPaths).']
        : []),
    });
  }

  /** Allows principals of the guardrail's own account (the pattern for account-level enforcement). */
  public allowSameAccount(): GuardrailResourcePolicy {
    const stack = Stack.of(this);
    this.add('AllowSameAccount', { AWS: `arn:${stack.partition}:iam::${stack.account}:root` });
    return this;
  }

  /** Allows every principal of the organization (`aws:PrincipalOrgID`): the pattern for organization-level enforcement. */
  public allowOrganization(organizationId: string): GuardrailResourcePolicy {
    checkOrganizationId(this.node.path, organizationId);
    this.add('AllowOrganization', '*', { StringEquals: { 'aws:PrincipalOrgID': organizationId } });
    return this;
  }

  /**
   * Allows the principals of some organizational units (`aws:PrincipalOrgPaths`), each path written as
   * `o-ORG/r-ROOT/ou-PARENT/.../ou-UNIT/` (optionally ending in `*` for the units below).
   */
  public allowOrganizationalUnits(organizationId: string, ouPaths: string[]): GuardrailResourcePolicy {
    checkOrganizationId(this.node.path, organizationId);
    if (ouPaths.length === 0) throw constructError(this, 'allowOrganizationalUnits: ouPaths is empty. Fix: list at least one path, or use allowOrganization().');
    for (const p of ouPaths) {
      if (Token.isUnresolved(p)) continue;
      if (!OU_PATH.test(p) || !p.startsWith(`${organizationId}/`)) {
        throw constructError(this, `allowOrganizationalUnits: '${p}' is not an organizational unit path of ${organizationId}. `
          + `Fix: write it as ${organizationId}/r-ROOT/ou-ROOT-UNIT/ (optionally ending in * for the units below).`);
      }
    }
    this.add('AllowOrganizationalUnits', '*', {
      'StringEquals': { 'aws:PrincipalOrgID': organizationId },
      'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ouPaths },
    });
    return this;
  }

  private add(sid: string, principal: any, condition?: any) {
    if (this.statements.some(s => s.Sid === sid)) throw constructError(this, `${sid} is already in the policy. Fix: call each allow method once.`);
    this.statements.push({
      Sid: sid,
      Effect: 'Allow',
      Principal: principal,
      Action: this.actions.length === 1 ? this.actions[0] : this.actions,
      Resource: this.resourceArn,
      ...(condition === undefined ? {} : { Condition: condition }),
    });
  }
}

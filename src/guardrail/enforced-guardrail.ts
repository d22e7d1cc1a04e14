import { Annotations, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import { CfnGuardrail, CfnGuardrailVersion } from 'aws-cdk-lib/aws-bedrock';
import { aws_bedrock as bedrockRefs, aws_kms as kmsRefs } from 'aws-cdk-lib/interfaces';
import { IConstruct } from 'constructs';
import { GuardrailProfile } from './guardrail-profile';
import { GuardrailConditionValues, GuardrailVersion } from './guardrail-version';
import { ArnParts, checkGuardrailArn, constructError, factoryError, parseArn, readTokenArn } from '../util/validation';

/** Guardrail IDs are lowercase letters and digits only (the ARN formats of the Service Authorization Reference). */
const GUARDRAIL_ID = /^[a-z0-9]+$/;
const EXAMPLE_ARN = 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456';

/**
 * Options for an enforced guardrail.
 */
export interface EnforcedGuardrailOptions {
  /**
   * The customer managed KMS key the guardrail is encrypted with.
   *
   * Principals that use the guardrail get `kms:Decrypt` (and only that) on this key.
   *
   * @default - for a `CfnGuardrail` with `kmsKeyArn`, that key; otherwise the guardrail is taken to use an AWS owned key
   */
  readonly encryptionKey?: kmsRefs.IKeyRef;

  /**
   * The cross-Region guardrail profile set on the guardrail (`crossRegionConfig`).
   *
   * Principals that use the guardrail get `bedrock:ApplyGuardrail` on the profile in the source Region
   * and every destination Region.
   *
   * @default - the guardrail has no cross-Region profile
   */
  readonly guardrailProfile?: GuardrailProfile;
}

/**
 * What a principal needs for one guardrail, computed for a construct.
 * @internal
 */
export interface BoundGuardrail {
  readonly guardrailArn: string;
  readonly conditionValues: GuardrailConditionValues;
  /** The guardrail ARN and any guardrail-profile ARNs, for bedrock:ApplyGuardrail. */
  readonly applyGuardrailArns: string[];
  readonly keyArn?: string;
  /** Whether the guardrail has a cross-Region guardrail profile. */
  readonly hasProfile: boolean;
}

/**
 * One guardrail, the versions of it that requests may carry, and what is needed to use it.
 */
export class EnforcedGuardrail {
  /**
   * A guardrail by ARN (`arn:aws:bedrock:REGION:ACCOUNT:guardrail/ID`).
   *
   * The guardrail must be in the same account as the principals that use it (documented limitation of
   * `bedrock:GuardrailIdentifier` enforcement).
   */
  public static fromArn(guardrailArn: string, version: GuardrailVersion, options: EnforcedGuardrailOptions = {}): EnforcedGuardrail {
    const parsed = checkGuardrailArn('EnforcedGuardrail.fromArn', guardrailArn, EXAMPLE_ARN);
    return new EnforcedGuardrail({
      guardrailArn,
      version,
      account: parsed?.account,
      region: parsed?.region,
      keyArn: options.encryptionKey?.keyRef.keyArn,
      profile: options.guardrailProfile,
    });
  }

  /**
   * A guardrail resource: a `CfnGuardrail`, an L2 from another library, or an imported guardrail.
   *
   * For a `CfnGuardrail` with `kmsKeyArn`, that key is used unless `options.encryptionKey` is given.
   */
  public static fromGuardrail(
    guardrail: bedrockRefs.IGuardrailRef,
    version: GuardrailVersion,
    options: EnforcedGuardrailOptions = {},
  ): EnforcedGuardrail {
    const guardrailArn = guardrail.guardrailRef.guardrailArn;
    checkGuardrailArn('EnforcedGuardrail.fromGuardrail', guardrailArn, EXAMPLE_ARN);
    let keyArn = options.encryptionKey?.keyRef.keyArn;
    if (guardrail instanceof CfnGuardrail) {
      keyArn = keyArn ?? guardrail.kmsKeyArn;
      const crossRegion = guardrail.crossRegionConfig;
      if (crossRegion !== undefined && options.guardrailProfile === undefined) {
        throw constructError(guardrail, 'the guardrail has crossRegionConfig, so its users need bedrock:ApplyGuardrail on the guardrail profile in every destination Region. '
          + 'Fix: pass guardrailProfile: GuardrailProfile.fromProfileId(\'us.guardrail.v1:0\', [...destination Regions]) (or GuardrailProfile.inAnyRegion(...)) to EnforcedGuardrail.fromGuardrail.');
      }
    }
    return new EnforcedGuardrail({
      guardrailArn,
      version,
      account: guardrail.env.account,
      region: guardrail.env.region,
      keyArn,
      profile: options.guardrailProfile,
      source: guardrail,
    });
  }

  /**
   * One numbered version of a guardrail, from a guardrail version resource (`CfnGuardrailVersion`).
   */
  public static fromGuardrailVersion(version: bedrockRefs.IGuardrailVersionRef, options: EnforcedGuardrailOptions = {}): EnforcedGuardrail {
    const ref = version.guardrailVersionRef;
    const stack = Stack.of(version);
    if (!Token.isUnresolved(ref.guardrailId) && !GUARDRAIL_ID.test(ref.guardrailId)) {
      throw factoryError('EnforcedGuardrail.fromGuardrailVersion', `'${ref.guardrailId}' is not a guardrail ID. Fix: guardrail IDs are lowercase letters and digits.`);
    }
    // A CfnGuardrailVersion has the guardrail ARN and version as attributes; other references are built
    // from the guardrail ID in the resource's own account and Region.
    const guardrailArn = version instanceof CfnGuardrailVersion
      ? version.attrGuardrailArn
      : `arn:${stack.partition}:bedrock:${version.env.region}:${version.env.account}:guardrail/${ref.guardrailId}`;
    const pinned = GuardrailVersion.fromString(version instanceof CfnGuardrailVersion ? version.attrVersion : ref.version);
    if (!pinned.isNumbered) {
      throw factoryError('EnforcedGuardrail.fromGuardrailVersion', `a guardrail version resource has a numbered version, not '${ref.version}'. Fix: use EnforcedGuardrail.fromGuardrail(guardrail, GuardrailVersion.DRAFT) for the draft.`);
    }
    return new EnforcedGuardrail({
      guardrailArn,
      version: pinned,
      account: version.env.account,
      region: version.env.region,
      keyArn: options.encryptionKey?.keyRef.keyArn,
      profile: options.guardrailProfile,
      source: version,
    });
  }

  /** The guardrail ARN (without a version). */
  public readonly guardrailArn: string;

  /** The version(s) requests may carry. */
  public readonly version: GuardrailVersion;

  /** The ARN of the guardrail's customer managed key, if any. */
  public readonly encryptionKeyArn?: string;

  /** The cross-Region guardrail profile, if any. */
  public readonly guardrailProfile?: GuardrailProfile;

  private readonly account?: string;
  private readonly region?: string;
  private readonly source?: IConstruct;

  private constructor(props: {
    guardrailArn: string;
    version: GuardrailVersion;
    account?: string;
    region?: string;
    keyArn?: string;
    profile?: GuardrailProfile;
    source?: IConstruct;
  }) {
    this.source = props.source;
    this.guardrailArn = props.guardrailArn;
    this.version = props.version;
    this.account = props.account;
    this.region = props.region;
    this.encryptionKeyArn = props.keyArn;
    this.guardrailProfile = props.profile;
  }

  /**
   * Where the guardrail is: its account and Region (from the resource's environment or the ARN; undefined where
   * not known at synth), and the guardrail or guardrail version construct it was made from, if any.
   *
   * @internal
   */
  public get _location(): { account?: string; region?: string; source?: IConstruct; conflict?: string } {
    // A literal ARN says where the guardrail is; a resource's environment is only a hint (an imported guardrail
    // carries the importing stack's environment).
    const parsed = this.literalArn;
    const known = (v?: string) => (Token.isUnresolved(v) ? undefined : v);
    const envAccount = known(this.account);
    const envRegion = known(this.region);
    const conflict = parsed !== undefined
      && ((envAccount !== undefined && envAccount !== parsed.account) || (envRegion !== undefined && envRegion !== parsed.region))
      ? `the guardrail's ARN ${this.guardrailArn} names ${parsed.account}/${parsed.region}, but its resource is in ${envAccount ?? '?'}/${envRegion ?? '?'}`
      : undefined;
    return { account: parsed?.account ?? envAccount, region: parsed?.region ?? envRegion, source: this.source, conflict };
  }

  /** The parts of the guardrail ARN, when it is a literal. */
  private get literalArn(): ArnParts | undefined {
    return Token.isUnresolved(this.guardrailArn) ? undefined : parseArn(this.guardrailArn);
  }

  /** The values of `bedrock:GuardrailIdentifier` that this guardrail and version admit. */
  public get conditionValues(): string[] {
    return this.version.conditionValues(this.guardrailArn);
  }

  /**
   * Checks that the guardrail is usable from `scope`'s account and computes its ARNs there; with `anywhere`,
   * for principals of any account and Region (a service control policy), without those checks.
   *
   * @internal
   */
  public _bind(scope: IConstruct, options: { anywhere?: boolean } = {}): BoundGuardrail {
    const stack = Stack.of(scope);
    const { account } = this._location;
    // Anywhere (a service control policy): the guardrail is checked where the requests are, in member accounts
    // and Regions the policy does not know, so its profiles are named in the guardrail's own account.
    if (options.anywhere !== true) this.checkSameAccount(scope);
    // A literal ARN says where the guardrail is; otherwise the resource's environment (a resource of this
    // stack carries the stack's own Region token).
    const sourceRegion = this.literalArn?.region ?? this.region ?? (options.anywhere === true ? '*' : stack.region);
    if (options.anywhere !== true) this.checkSameRegion(scope, sourceRegion);
    this.checkTokenArn(scope);
    this.warnAboutMutableVersion(scope);
    const profileAccount = options.anywhere === true ? account ?? '*' : undefined;
    return {
      guardrailArn: this.guardrailArn,
      conditionValues: this.version._conditionValues(this.guardrailArn),
      applyGuardrailArns: [this.guardrailArn, ...(this.guardrailProfile?._arns(scope, sourceRegion, profileAccount) ?? [])],
      keyArn: this.encryptionKeyArn,
      hasProfile: this.guardrailProfile !== undefined,
    };
  }

  /**
   * A guardrail is a Regional resource: Amazon Bedrock looks up the guardrail a request names in the Region
   * the request is sent to (cross-Region guardrail inference moves only the evaluation, through a guardrail
   * profile; the guardrail stays in its Region). A guardrail of another Region is reported as not found.
   */
  private checkSameRegion(scope: IConstruct, guardrailRegion: string) {
    const stack = Stack.of(scope);
    if (Token.isUnresolved(guardrailRegion) || Token.isUnresolved(stack.region) || guardrailRegion === stack.region) return;
    Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:guardrailInOtherRegion',
      `The guardrail ${this.guardrailArn} is in ${guardrailRegion}, but this stack deploys to ${stack.region}. A guardrail is a Regional resource: Amazon Bedrock looks up the guardrail a request names `
      + 'in the Region the request is sent to, and requests from this Region that name it fail (ValidationException: the guardrail identifier or version does not exist); '
      + 'cross-Region guardrail inference (a guardrail profile) moves the evaluation, not the guardrail. '
      + 'Fix: create the guardrail (or a copy) in this stack\'s Region, or deploy this stack to the guardrail\'s Region.');
  }

  /**
   * An ARN that is a token is checked as the template will write it: a wildcard in the literal parts of
   * `Fn.sub()`, `Fn.join()` or a `Lazy` value would admit every guardrail that matches (it lands in a
   * StringLike condition whenever a wildcard version is approved). A value from a parameter or an import is
   * not known until deploy: a warning.
   */
  private checkTokenArn(scope: IConstruct) {
    // A literal ARN was checked by the factory; it passes these checks too.
    const { literal, opaque } = readTokenArn(Stack.of(scope), this.guardrailArn);
    if (/[*?]/.test(literal)) {
      throw constructError(scope, `the guardrail ARN ${literal.replace(/\u0000/g, '${...}')} holds a wildcard (* or ?) in its literal parts, so the condition would admit every guardrail that matches, not one. `
        + 'Fix: pass the ARN of one guardrail (for example a CfnGuardrail\'s attrGuardrailArn).');
    }
    // `:N` after the guardrail ID, or after a part that is the whole ARN (a guardrail resource's attribute).
    const suffix = /(?:\u0000|:guardrail\/[^:\u0000]*)(:[^/\u0000]*)$/.exec(literal);
    if (suffix !== null) {
      throw constructError(scope, `the guardrail ARN ends with a version ('${suffix[1]}'), which belongs in GuardrailVersion, not in the ARN. `
        + 'Fix: pass the ARN without the version, and the version as GuardrailVersion.');
    }
    if (opaque) {
      Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:guardrailArnNotKnown',
        'A guardrail ARN comes from a CloudFormation parameter or an import, so its value is not known until deploy and cannot be checked: '
        + 'a value with a wildcard (such as .../guardrail/*) would admit every guardrail in the enforcement condition. '
        + 'Fix: pass the guardrail resource (EnforcedGuardrail.fromGuardrail) or a literal ARN; or give the parameter an AllowedPattern such as '
        + '^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:guardrail/[a-z0-9]+$.');
    }
  }

  /** DRAFT and ANY admit the draft, whose content changes with every UpdateGuardrail, without a new version. */
  private warnAboutMutableVersion(scope: IConstruct) {
    if (this.version !== GuardrailVersion.DRAFT && this.version !== GuardrailVersion.ANY) return;
    Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:approvedDraftGuardrail',
      `The guardrail ${this.guardrailArn} is approved at version ${this.version.version}, which admits its DRAFT: whoever may call bedrock:UpdateGuardrail on it changes what requests are checked against, `
      + 'with no new version and nothing to review. Fix: approve a numbered version (GuardrailVersion.numbered(n), or EnforcedGuardrail.fromGuardrailVersion), '
      + 'or GuardrailVersion.ANY_NUMBERED with protectApprovedGuardrails (the default), so that the principals it binds cannot publish new versions.');
  }

  /**
   * `bedrock:GuardrailIdentifier` enforcement is documented for a guardrail in the caller's own account.
   */
  private checkSameAccount(scope: IConstruct) {
    const stack = Stack.of(scope);
    // A literal ARN says where the guardrail is; otherwise the resource's environment (a resource of this
    // stack carries the stack's own account token).
    const account = this.literalArn?.account ?? this.account;
    // Token.compareStrings says SAME only for the same string.
    if (account === stack.account) return;
    if (account !== undefined && Token.compareStrings(account, stack.account) === TokenComparison.DIFFERENT) {
      throw constructError(scope, `the guardrail ${this.guardrailArn} is in account ${account}, but this stack deploys to account ${stack.account}. `
        + 'IAM enforcement of bedrock:GuardrailIdentifier is documented only for a guardrail in the same account as the calling role. '
        + 'Fix: create the guardrail (or a copy) in this account, or deploy this role to the guardrail\'s account.');
    }
    // One of them, or both, is not known until deploy.
    const which = account !== undefined && !Token.isUnresolved(account) ? `in account ${account}` : '(its ARN is not known until deploy)';
    Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:guardrailAccountUnverified',
      `Cannot check at synth that the guardrail ${which} is in this stack's account (an account is not known until deploy). `
      + 'IAM enforcement of bedrock:GuardrailIdentifier is documented only for a guardrail in the same account as the calling role. '
      + 'Fix: give the stack an explicit env.account, use a guardrail ARN with a literal account, or pass a guardrail resource to EnforcedGuardrail.fromGuardrail.');
  }
}

import { Token, Tokenization } from 'aws-cdk-lib';
import { factoryError } from '../util/validation';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/** A numbered guardrail version: 1 to 99999999 (GuardrailVersion pattern `[1-9][0-9]{0,7}`). */
const NUMBERED_VERSION = /^[1-9][0-9]{0,7}$/;
const MAX_VERSION = 99999999;

/**
 * The values of `bedrock:GuardrailIdentifier` that a version admits (guardrails-permissions-id).
 * @internal
 */
export interface GuardrailConditionValues {
  /** Values compared exactly (StringEquals). */
  readonly exact: string[];
  /** Values with a `*` wildcard (StringLike). */
  readonly patterns: string[];
}

enum VersionKind {
  NUMBERED = 'NUMBERED',
  DRAFT = 'DRAFT',
  ANY_NUMBERED = 'ANY_NUMBERED',
  ANY = 'ANY',
}

/**
 * Which version or versions of one guardrail an inference request may carry.
 *
 * IAM sees the guardrail on a request as the `bedrock:GuardrailIdentifier` condition key: the
 * guardrail ARN for the DRAFT version and `ARN:N` for numbered version N.
 */
export class GuardrailVersion {
  /**
   * The working draft of the guardrail (the bare guardrail ARN in the condition).
   *
   * The draft changes whenever the guardrail is edited; pin a numbered version in production.
   */
  public static readonly DRAFT = new GuardrailVersion(VersionKind.DRAFT, 'DRAFT');

  /** Any numbered version of the guardrail (`ARN:*`), but not the DRAFT. */
  public static readonly ANY_NUMBERED = new GuardrailVersion(VersionKind.ANY_NUMBERED, 'ANY_NUMBERED');

  /**
   * The DRAFT and any numbered version of the guardrail: `ARN` and `ARN:*`.
   *
   * Never `ARN*`, which would also admit every other guardrail whose ID starts with the same characters.
   */
  public static readonly ANY = new GuardrailVersion(VersionKind.ANY, 'ANY');

  /**
   * One numbered version, 1 to 99999999.
   *
   * @param version the version number; an unresolved numeric token is accepted
   */
  public static numbered(version: number): GuardrailVersion {
    if (Token.isUnresolved(version)) {
      return new GuardrailVersion(VersionKind.NUMBERED, Tokenization.stringifyNumber(version));
    }
    if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) {
      throw factoryError('GuardrailVersion.numbered', `${version} is not a guardrail version. Fix: use a whole number from 1 to ${MAX_VERSION}, or GuardrailVersion.DRAFT for the draft.`);
    }
    return new GuardrailVersion(VersionKind.NUMBERED, String(version));
  }

  /**
   * A version as Amazon Bedrock writes it: `DRAFT`, or `1` to `99999999`.
   *
   * An unresolved token, such as `CfnGuardrailVersion.attrVersion`, is taken as a numbered version.
   */
  public static fromString(version: string): GuardrailVersion {
    if (Token.isUnresolved(version)) {
      return new GuardrailVersion(VersionKind.NUMBERED, version);
    }
    if (version === 'DRAFT') {
      return GuardrailVersion.DRAFT;
    }
    if (NUMBERED_VERSION.test(version)) {
      return new GuardrailVersion(VersionKind.NUMBERED, version);
    }
    const hint = version.toUpperCase() === 'DRAFT'
      ? 'versions are case-sensitive: write \'DRAFT\''
      : `use 'DRAFT' or a whole number from 1 to ${MAX_VERSION} without leading zeros; for several versions use GuardrailVersion.ANY or GuardrailVersion.ANY_NUMBERED`;
    throw factoryError('GuardrailVersion.fromString', `'${version}' is not a guardrail version. Fix: ${hint}.`);
  }

  /**
   * The version as text: `DRAFT`, `ANY`, `ANY_NUMBERED` or the version number (possibly a token).
   */
  public readonly version: string;

  private readonly kind: VersionKind;

  private constructor(kind: VersionKind, version: string) {
    this.kind = kind;
    this.version = version;
  }

  /** Whether this admits more than one version. */
  public get isWildcard(): boolean {
    return this.kind === VersionKind.ANY || this.kind === VersionKind.ANY_NUMBERED;
  }

  /** Whether this is one numbered version. */
  public get isNumbered(): boolean {
    return this.kind === VersionKind.NUMBERED;
  }

  /** The values of `bedrock:GuardrailIdentifier` this version admits for the guardrail `guardrailArn`. */
  public conditionValues(guardrailArn: string): string[] {
    const v = this._conditionValues(guardrailArn);
    return [...v.exact, ...v.patterns];
  }

  /** @internal */
  public _conditionValues(guardrailArn: string): GuardrailConditionValues {
    switch (this.kind) {
      case VersionKind.NUMBERED: return { exact: [`${guardrailArn}:${this.version}`], patterns: [] };
      case VersionKind.DRAFT: return { exact: [guardrailArn], patterns: [] };
      case VersionKind.ANY_NUMBERED: return { exact: [], patterns: [`${guardrailArn}:*`] };
      case VersionKind.ANY: return { exact: [guardrailArn], patterns: [`${guardrailArn}:*`] };
    }
  }

  public toString(): string {
    return this.version;
  }
}

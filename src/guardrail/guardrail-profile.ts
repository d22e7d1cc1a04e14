import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { checkRegions, factoryError, isToken } from '../util/validation';

/** System guardrail-profile IDs such as `us.guardrail.v1:0` (GuardrailCrossRegionConfig API). */
const PROFILE_ID = /^[a-z0-9-]+\.guardrail\.v[0-9:]+$/;

/**
 * A cross-Region guardrail profile (a system-defined `guardrail-profile` resource), set on the guardrail
 * with `crossRegionConfig`.
 *
 * A role that applies a guardrail with a profile needs `bedrock:ApplyGuardrail` on the profile in the
 * source Region and in every destination Region, all in the caller's own account
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrail-profiles-permissions.html). The destination
 * Regions depend on the profile and on the source Region
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-cross-region-support.html).
 */
export class GuardrailProfile {
  /**
   * A guardrail profile and the Regions it can route to.
   *
   * @param profileId the system profile ID, for example `us.guardrail.v1:0`
   * @param destinationRegions every Region the profile can route to from the source Region
   */
  public static fromProfileId(profileId: string, destinationRegions: string[]): GuardrailProfile {
    const factory = 'GuardrailProfile.fromProfileId';
    checkProfileId(factory, profileId);
    return new GuardrailProfile(profileId, checkRegions(factory, destinationRegions, 'destinationRegions'));
  }

  /**
   * A guardrail profile in any Region (`arn:PARTITION:bedrock:*:ACCOUNT:guardrail-profile/ID`).
   *
   * Shorter than listing the destination Regions and robust to new ones, at the cost of naming Regions
   * the profile does not route to. The AWS documentation uses this form for Automated Reasoning
   * guardrails.
   */
  public static inAnyRegion(profileId: string): GuardrailProfile {
    checkProfileId('GuardrailProfile.inAnyRegion', profileId);
    return new GuardrailProfile(profileId, undefined);
  }

  /** The profile ID, for example `us.guardrail.v1:0`. */
  public readonly profileId: string;

  /** The destination Regions; undefined when the profile is granted in any Region. */
  public readonly destinationRegions?: string[];

  private constructor(profileId: string, destinationRegions: string[] | undefined) {
    this.profileId = profileId;
    this.destinationRegions = destinationRegions;
  }

  /**
   * The guardrail-profile ARNs to allow `bedrock:ApplyGuardrail` on: the source Region and every
   * destination Region, in the account of `scope`'s stack (or in `account`).
   *
   * @internal
   */
  public _arns(scope: IConstruct, sourceRegion: string, account?: string): string[] {
    const stack = Stack.of(scope);
    const arn = (region: string) => `arn:${stack.partition}:bedrock:${region}:${account ?? stack.account}:guardrail-profile/${this.profileId}`;
    if (this.destinationRegions === undefined) {
      return [arn('*')];
    }
    return Array.from(new Set([sourceRegion, ...this.destinationRegions])).map(arn);
  }
}

function checkProfileId(factory: string, profileId: string) {
  if (!isToken(profileId) && !PROFILE_ID.test(profileId)) {
    throw factoryError(factory, `'${profileId}' is not a guardrail profile ID. Fix: use the system profile ID, for example 'us.guardrail.v1:0' or 'eu.guardrail.v1:0'.`);
  }
}

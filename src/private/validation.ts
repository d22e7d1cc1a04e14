import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Error for bad input found inside a construct: names the construct path first. */
export function constructError(scope: IConstruct, message: string): Error {
  return new Error(`${scope.node.path}: ${message}`);
}

/** Error for bad input given to a static factory (no construct exists yet). */
export function factoryError(factory: string, message: string): Error {
  return new Error(`${factory}: ${message}`);
}

/** Whether a string holds any unresolved token (wholly or in part). */
export function isToken(value: string): boolean {
  return Token.isUnresolved(value);
}

/**
 * AWS Region names, including the GovCloud, ISO and China partitions
 * (us-east-1, us-gov-west-1, cn-north-1, eu-central-2, ap-southeast-7, ...).
 */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/** Throws unless each Region is a Region name or a token. Returns a de-duplicated copy. */
export function checkRegions(factory: string, regions: string[], what: string): string[] {
  if (regions.length === 0) {
    throw factoryError(factory, `${what} is empty. Fix: list every Region the profile can route to, for example ['us-east-1', 'us-east-2', 'us-west-2'].`);
  }
  for (const r of regions) {
    if (!isToken(r) && !REGION.test(r)) {
      throw factoryError(factory, `'${r}' in ${what} is not an AWS Region name. Fix: use Region codes such as 'us-east-1'.`);
    }
  }
  return Array.from(new Set(regions));
}

/** The parts of a literal ARN, or undefined for a token. */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the fifth colon. */
  readonly resource: string;
}

export function parseArn(arn: string): ArnParts | undefined {
  if (isToken(arn)) return undefined;
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return {
    partition: parts[1],
    service: parts[2],
    region: parts[3],
    account: parts[4],
    resource: parts.slice(5).join(':'),
  };
}

const PARTITION = /^aws(-[a-z]+)*$/;
const ACCOUNT = /^\d{12}$/;

/**
 * Checks a literal Bedrock ARN of `resourceType` whose resource ID matches `idPattern`
 * (§1.4 of the reference). Tokens pass. Returns the parsed ARN for literals.
 */
export function checkBedrockArn(factory: string, arn: string, resourceType: string, idPattern: RegExp, example: string): ArnParts | undefined {
  if (isToken(arn)) return undefined;
  const parsed = parseArn(arn);
  const prefix = `${resourceType}/`;
  const ok = parsed !== undefined
    && PARTITION.test(parsed.partition)
    && parsed.service === 'bedrock'
    && REGION.test(parsed.region)
    && ACCOUNT.test(parsed.account)
    && parsed.resource.startsWith(prefix)
    && idPattern.test(parsed.resource.slice(prefix.length));
  if (!ok) {
    throw factoryError(factory, `'${arn}' is not a ${resourceType} ARN. Fix: pass the full ARN, for example '${example}'.`);
  }
  return parsed;
}

import { CfnParameter, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Error for bad input found inside a construct: names the construct path first. */
export function constructError(scope: IConstruct, message: string): Error {
  return new Error(`${scope.node.path}: ${message}`);
}

/** Error for bad input found before a construct exists (in its constructor, before `super()`). */
export function pathError(scope: IConstruct, id: string, message: string): Error {
  return new Error(`${scope.node.path}/${id}: ${message}`);
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
 * AWS Region names, including the GovCloud, ISO, China and European Sovereign Cloud partitions
 * (us-east-1, us-gov-west-1, cn-north-1, eu-central-2, ap-southeast-7, eusc-de-east-1, ...).
 */
const REGION = /^[a-z]{2,4}(-gov|-iso[a-z]?)?(-[a-z]+)+-\d{1,2}$/;

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
 * (the ARN formats of the Service Authorization Reference). Tokens pass. Returns the parsed ARN for literals.
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

/** A placeholder for a token inside a string, so that its literal parts can be checked. */
const TOKEN_MARK = '\u0000';

/** The string with each token replaced by TOKEN_MARK (a literal string is returned as it is). */
function withTokensMarked(value: string): string {
  if (!isToken(value)) return value;
  return Tokenization.reverseString(value)
    .mapTokens({ mapToken: () => TOKEN_MARK })
    .join({ join: (left: any, right: any) => `${left}${right}` });
}

/**
 * Checks a guardrail ARN (`arn:PARTITION:bedrock:REGION:ACCOUNT:guardrail/ID`) and says which part is wrong.
 * A value built with tokens is checked in its literal parts: a wildcard there is an error, like a literal one
 * (a policy condition or Deny would then match other guardrails). Returns the parsed ARN for literals.
 */
export function checkGuardrailArn(factory: string, arn: string, example: string): ArnParts | undefined {
  const fail = (what: string) => factoryError(factory, `'${arn}' is not a guardrail ARN: ${what}. Fix: pass the full ARN of one guardrail, for example '${example}'.`);
  if (isToken(arn)) {
    const marked = withTokensMarked(arn);
    if (/[*?]/.test(marked.split(TOKEN_MARK).join(''))) {
      throw fail('its literal parts hold a wildcard (* or ?), so it would name every guardrail that matches, not one');
    }
    // Where the literal text shows the structure, check it.
    const parts = marked.split(':');
    if (parts.length >= 6 && parts[0] === 'arn') {
      const literal = (part: string) => !part.includes(TOKEN_MARK);
      if (literal(parts[2]) && parts[2] !== 'bedrock') throw fail(`the service is '${parts[2]}', not 'bedrock'`);
      const resource = parts.slice(5).join(':');
      const type = resource.split('/')[0];
      if (literal(type) && type !== 'guardrail') throw fail(resourceTypeProblem(type));
      if (parts.length > 6 && !resource.startsWith(TOKEN_MARK)) throw fail('it ends with a version (`:N`), which belongs in GuardrailVersion, not in the ARN');
    } else if (/:[^:/\u0000]*$/.test(marked)) {
      // A literal `:...` after a token ARN, such as `${guardrail.attrGuardrailArn}:1`.
      throw fail('it ends with a version (`:N`), which belongs in GuardrailVersion, not in the ARN');
    }
    return undefined;
  }
  if (/[*?]/.test(arn)) throw fail('it holds a wildcard (* or ?), so it would name every guardrail that matches, not one');
  if (!arn.startsWith('arn:')) {
    throw fail(GUARDRAIL_ID_ONLY.test(arn)
      ? 'it is a bare guardrail ID; IAM compares bedrock:GuardrailIdentifier with the ARN, so pass the ARN'
      : 'it does not start with \'arn:\'');
  }
  const parsed = parseArn(arn);
  if (parsed === undefined) throw fail('it has fewer than six colon-separated parts');
  if (!PARTITION.test(parsed.partition)) throw fail(`the partition '${parsed.partition}' is not one (aws, aws-cn, aws-us-gov, ...)`);
  if (parsed.service !== 'bedrock') throw fail(`the service is '${parsed.service}', not 'bedrock'`);
  if (!REGION.test(parsed.region)) throw fail(`the Region '${parsed.region}' is not a Region name (a guardrail ARN always has one)`);
  if (!ACCOUNT.test(parsed.account)) throw fail(`the account '${parsed.account}' is not a 12-digit account ID`);
  const [type, ...rest] = parsed.resource.split('/');
  if (type !== 'guardrail') throw fail(resourceTypeProblem(type));
  const id = rest.join('/');
  if (id.includes(':')) throw fail(`it ends with a version ('${id.slice(id.indexOf(':'))}'), which belongs in GuardrailVersion (for example GuardrailVersion.numbered(1)), not in the ARN`);
  if (/[A-Z]/.test(id) && GUARDRAIL_ID_ONLY.test(id.toLowerCase())) {
    throw fail(`the ID '${id}' has capital letters; guardrail IDs are lowercase letters and digits (is this the guardrail's name? an ARN holds its ID)`);
  }
  if (!GUARDRAIL_ID_ONLY.test(id)) throw fail(`the ID '${id}' is not a guardrail ID (lowercase letters and digits only; an ARN holds the guardrail's ID, never its name)`);
  return parsed;
}

const GUARDRAIL_ID_ONLY = /^[a-z0-9]+$/;

function resourceTypeProblem(type: string): string {
  return type === 'guardrails'
    ? 'the resource type is \'guardrails/\'; the ARN says \'guardrail/\' (singular)'
    : type === 'guardrail-profile'
      ? 'it is a guardrail-profile ARN; pass the guardrail\'s ARN, and the profile as guardrailProfile (GuardrailProfile)'
      : `the resource type is '${type}/', not 'guardrail/'`;
}

/** How a guardrail ARN that is a token will be known at deploy time. */
export interface ResolvedArnCheck {
  /** The ARN's literal text, with every part not known at synth replaced by TOKEN_MARK. */
  readonly literal: string;
  /** Whether a part comes from a CloudFormation parameter or an import, whose value can be any text. */
  readonly opaque: boolean;
}

/**
 * Reads a token ARN as the template will write it: the literal parts of `Fn::Join` and `Fn::Sub` (which a
 * check of the unresolved string cannot see: `Fn.sub(...)`, `Fn.join(...)` and `Lazy` values are one token),
 * and whether any part comes from a parameter or an import.
 */
export function readTokenArn(stack: Stack, arn: string): ResolvedArnCheck {
  let opaque = Tokenization.reverseString(arn).tokens.some(t => t instanceof Reference && t.target instanceof CfnParameter);
  const text = (value: any): string => {
    if (typeof value === 'string') return value;
    if (value === null || typeof value !== 'object') return String(value);
    if (Array.isArray(value['Fn::Join'])) {
      const [sep, parts] = value['Fn::Join'];
      return (Array.isArray(parts) ? parts : [parts]).map(text).join(sep);
    }
    if (value['Fn::Sub'] !== undefined) {
      const template = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub'];
      return String(template).replace(/\$\{[^}]*\}/g, TOKEN_MARK);
    }
    if (value['Fn::ImportValue'] !== undefined) opaque = true;
    return TOKEN_MARK;
  };
  return { literal: text(stack.resolve(arn)), opaque };
}

import { InferencePathInfo } from '../model/inference-paths';
import { asArray, coversAction, PolicyJson, Statement, wildcardMatch } from '../util/policy-json';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/**
 * What IAM policy documents (as they stand in a template) allow and deny, for the checks and the
 * EnforceGuardrails aspect. Pure functions of JSON: no construct, no aws-cdk-lib.
 *
 * Values the template does not know (a reference to a resource, a parameter, an import) are read as
 * "could be anything" where that errs towards a finding: an Allow on an unknown resource allows, a Deny on an
 * unknown resource does not count as covering every resource.
 */

/** The two actions behind InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream. */
export const INVOKE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
/** The actions that run models on the caller's behalf, partly without a guardrail (documented limitation). */
export const AGENT_OR_RAG_ACTIONS = ['bedrock:InvokeAgent', 'bedrock:RetrieveAndGenerate'];
/** The condition key of the request's guardrail, lower case (condition keys compare without case). */
export const GUARDRAIL_KEY = 'bedrock:guardrailidentifier';

/** One invokable resource of each type InvokeModel authorizes, to test that a Deny covers them all. */
const INVOKABLE_SAMPLES = [
  'arn:aws:bedrock:us-east-1::foundation-model/m',
  'arn:aws:bedrock:::foundation-model/m',
  'arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.m',
  'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p',
  'arn:aws:bedrock:us-east-1:111122223333:provisioned-model/p',
  'arn:aws:bedrock:us-east-1:111122223333:custom-model-deployment/d',
  'arn:aws:bedrock:us-east-1:111122223333:imported-model/i',
  'arn:aws:bedrock:us-east-1:111122223333:prompt-router/r',
  'arn:aws:bedrock:us-east-1:111122223333:default-prompt-router/r',
];

const PSEUDO_PARAMETERS = ['AWS::Partition', 'AWS::Region', 'AWS::AccountId', 'AWS::URLSuffix'];

/** Where a value stands: the account and Region of its template, when known, for the pseudo parameters. */
export interface ValueContext {
  readonly account?: string;
  readonly region?: string;
}

/**
 * A value as text, the way a check can compare it: pseudo parameters become their value when the template's
 * environment is known (the partition is `aws`), the placeholders `<account>` and `<region>` otherwise;
 * `Fn::Join` and `Fn::Sub` are written out; anything else unknown (a reference to a resource, a parameter,
 * an import) becomes `*`.
 */
export function valueText(value: any, context: ValueContext = {}): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  if (typeof value.Ref === 'string') return pseudoText(value.Ref, context) ?? '*';
  if (Array.isArray(value['Fn::Join'])) {
    const [sep, parts] = value['Fn::Join'];
    return Array.isArray(parts) ? parts.map(p => valueText(p, context)).join(String(sep)) : '*';
  }
  if (value['Fn::Sub'] !== undefined) {
    const [template, variables] = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'] : [value['Fn::Sub'], {}];
    if (typeof template !== 'string') return '*';
    return template.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
      if (variables && variables[name] !== undefined) return valueText(variables[name], context);
      return pseudoText(name, context) ?? '*';
    });
  }
  return '*';
}

function pseudoText(name: string, context: ValueContext): string | undefined {
  switch (name) {
    case 'AWS::Partition': return 'aws';
    case 'AWS::AccountId': return context.account ?? '<account>';
    case 'AWS::Region': return context.region ?? '<region>';
    case 'AWS::URLSuffix': return 'amazonaws.com';
    default: return undefined;
  }
}

/** Whether a value is known up to pseudo parameters (no reference to a resource, parameter or import). */
export function isKnownValue(value: any): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (typeof value.Ref === 'string') return PSEUDO_PARAMETERS.includes(value.Ref);
  if (Array.isArray(value['Fn::Join'])) return Array.isArray(value['Fn::Join'][1]) && value['Fn::Join'][1].every(isKnownValue);
  if (value['Fn::Sub'] !== undefined) {
    const [template, variables] = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'] : [value['Fn::Sub'], {}];
    if (typeof template !== 'string') return false;
    const names = [...template.matchAll(/\$\{([^}!]+)\}/g)].map(m => m[1]);
    return names.every(n => PSEUDO_PARAMETERS.includes(n) || (variables?.[n] !== undefined && isKnownValue(variables[n])));
  }
  return false;
}

/** The condition blocks of a statement that test bedrock:GuardrailIdentifier: [operator, values]. */
export function guardrailConditions(statement: Statement): Array<[string, any[]]> {
  const found: Array<[string, any[]]> = [];
  for (const [operator, byKey] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries((byKey ?? {}) as object)) {
      if (key.toLowerCase() === GUARDRAIL_KEY) found.push([operator, asArray(values)]);
    }
  }
  return found;
}

/**
 * The negated operators whose condition is true when the key is absent (IAM condition operators), so that a
 * request without a guardrail is denied. Set operators are not: with ForAnyValue an absent key makes the
 * condition false.
 */
function isNegated(operator: string): boolean {
  if (operator.includes(':')) return false;
  return ['StringNotEquals', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'StringNotEqualsIgnoreCase'].includes(operator.replace(/IfExists$/, ''));
}

/** Whether a Deny statement covers both inference actions on every invokable resource (whatever its condition). */
function coversEveryInvocation(statement: Statement, context: ValueContext): boolean {
  if (statement.Effect !== 'Deny' || statement.NotResource !== undefined) return false;
  if (!INVOKE_ACTIONS.every(a => coversAction(statement, a))) return false;
  // A resource not known at synth (a parameter, another resource's ARN) may be narrow: for a Deny it does
  // not count as covering anything.
  const resources = asArray(statement.Resource).filter(isKnownValue).map(r => valueText(r, context));
  return INVOKABLE_SAMPLES.every(sample => resources.some(r => wildcardMatch(r, sample, false)));
}

/**
 * A guardrail ARN, bare (DRAFT) or with a version (`:N`, `:*`): the ID is lowercase letters and digits
 * (guardrail IDs), the account 12 digits or the template's own (`<account>`), the Region a Region or `<region>`.
 */
const PINNED_GUARDRAIL = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+|<region>):(\d{12}|<account>):guardrail\/([a-z0-9]+)(:([0-9]+|\*))?$/;

/** Why a value of a Deny's guardrail condition does not pin the Deny to a guardrail of this account. */
function guardrailValueDefect(raw: any, context: ValueContext): string | undefined {
  // A value built from a reference to another resource (a guardrail's ARN, an import, a parameter) names one
  // guardrail the template cannot read: it is not second-guessed here.
  if (!isKnownValue(raw)) return undefined;
  const value = valueText(raw, context);
  const match = PINNED_GUARDRAIL.exec(value);
  if (match === null) {
    // A value that is no guardrail ARN at all (a name, a bare ID) is never equal to the request's ARN: the Deny
    // then denies every request, which blocks inference rather than opening it (IneffectiveGuardrailCondition).
    return /[*?]/.test(value.replace(/:\*$/, '')) ? `AnyGuardrail:${value}` : undefined;
  }
  const account = match[2];
  if (context.account !== undefined && /^\d{12}$/.test(account) && account !== context.account) return `OtherAccountGuardrail:${value}`;
  return undefined;
}

/**
 * For a statement that has the shape of the enforcement Deny (both inference actions, every invokable
 * resource, only negated `bedrock:GuardrailIdentifier` conditions): what makes it fail to enforce an approved
 * guardrail ([] when it enforces one); `undefined` for any other statement.
 *
 * - `ArnOperator`: `ArnNotLike` / `ArnNotEquals` do not apply to a value that is not an ARN, so a request that
 *   names a guardrail by its bare ID passes the Deny (the library uses `StringNotLike` / `StringNotEquals`).
 * - `AnyGuardrail:VALUE`: a wildcard in the account, Region or ID admits any guardrail, even one the principal
 *   creates itself.
 * - `OtherAccountGuardrail:VALUE`: a guardrail of another account, whose owner decides what it checks.
 */
export function enforcementDenyDefects(statement: Statement, context: ValueContext = {}): string[] | undefined {
  // Each statement is asked about several times (for its principal, and by the resource rules): worked out once.
  if (statement === null || typeof statement !== 'object' || statement.Effect !== 'Deny' || statement.Condition === undefined) return undefined;
  const cached = DEFECTS.get(statement);
  if (cached !== undefined && cached.account === context.account && cached.region === context.region) return cached.defects;
  const defects = computeDefects(statement, context);
  DEFECTS.set(statement, { account: context.account, region: context.region, defects });
  return defects;
}

const DEFECTS = new WeakMap<object, { account?: string; region?: string; defects: string[] | undefined }>();

function computeDefects(statement: Statement, context: ValueContext): string[] | undefined {
  // Any other condition key narrows the Deny (for example to one Region), so it no longer covers every request.
  const keys = Object.values(statement.Condition ?? {}).flatMap(byKey => Object.keys((byKey ?? {}) as object));
  if (keys.some(k => k.toLowerCase() !== GUARDRAIL_KEY)) return undefined;
  const conditions = guardrailConditions(statement);
  if (conditions.length === 0 || !conditions.every(([operator]) => isNegated(operator))) return undefined;
  if (!coversEveryInvocation(statement, context)) return undefined;
  const defects = new Set<string>();
  for (const [operator, values] of conditions) {
    if (operator.startsWith('Arn')) defects.add('ArnOperator');
    for (const value of values) {
      const defect = guardrailValueDefect(value, context);
      if (defect !== undefined) defects.add(defect);
    }
  }
  return [...defects];
}

/**
 * The enforcement Deny of the docs, hardened (guardrails-permissions-id): denies both inference actions on
 * every invokable resource unless `bedrock:GuardrailIdentifier` names an approved guardrail of this account
 * (negated string operators, pinned values).
 */
export function isEnforcementDeny(statement: Statement, context: ValueContext = {}): boolean {
  return enforcementDenyDefects(statement, context)?.length === 0;
}

/** Whether any of the documents has an enforcement Deny that enforces an approved guardrail. */
export function hasEnforcementDeny(documents: PolicyJson[], context: ValueContext = {}): boolean {
  return documents.some(doc => asArray(doc.Statement).some(s => isEnforcementDeny(s, context)));
}

/** The defects of the enforcement-shaped Denies of the documents, when none of them enforces (see `enforcementDenyDefects`). */
export function enforcementDefectsOf(documents: PolicyJson[], context: ValueContext = {}): string[] {
  const all = documents.flatMap(doc => asArray(doc.Statement))
    .map(s => enforcementDenyDefects(s, context))
    .filter((d): d is string[] => d !== undefined);
  if (all.some(d => d.length === 0)) return [];
  return [...new Set(all.flat())];
}

/**
 * Whether a Deny of the documents blocks the path for every request: every action of the path, on every
 * resource, without a condition (for iam:PassRole, a condition on iam:PassedToService that names Bedrock).
 */
export function deniesPath(documents: PolicyJson[], path: InferencePathInfo): boolean {
  return path.actions.every(action => documents.some(doc => asArray(doc.Statement).some(s => {
    if (s.Effect !== 'Deny' || s.NotResource !== undefined || !coversAction(s, action)) return false;
    if (!asArray(s.Resource).some(r => isKnownValue(r) && valueText(r) === '*')) return false;
    const conditions = Object.entries(s.Condition ?? {});
    if (conditions.length === 0) return true;
    if (path.passedToService === undefined) return false;
    return conditions.every(([operator, byKey]) => ['StringEquals', 'StringLike'].includes(operator)
      && Object.entries((byKey ?? {}) as object).every(([key, values]) => key.toLowerCase() === 'iam:passedtoservice'
        && asArray(values).some(v => wildcardMatch(valueText(v), path.passedToService!))));
  })));
}

/**
 * The guardrails the documents' own enforcement Deny approves: the literal guardrail ARNs in its negated
 * `bedrock:GuardrailIdentifier` conditions, without their version (`:N`, `:*`).
 */
export function approvedGuardrailArns(documents: PolicyJson[], context: ValueContext = {}): string[] {
  const arns = new Set<string>();
  for (const statement of documents.flatMap(d => asArray(d.Statement)).filter(s => isEnforcementDeny(s, context))) {
    for (const [, values] of guardrailConditions(statement)) {
      for (const value of values) {
        const match = typeof value === 'string' ? /^(arn:[^:]+:bedrock:[^:]+:\d{12}:guardrail\/[a-z0-9]+)(:.*)?$/.exec(value) : null;
        if (match !== null) arns.add(match[1]);
      }
    }
  }
  return [...arns];
}

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

/** The resource types InvokeModel authorizes: `foundation-model` ARNs have no account. */
const INVOKABLE_TYPES = [
  ['', 'foundation-model/m'],
  ['A', 'inference-profile/us.m'],
  ['A', 'application-inference-profile/p'],
  ['A', 'provisioned-model/p'],
  ['A', 'custom-model-deployment/d'],
  ['A', 'imported-model/i'],
  ['A', 'prompt-router/r'],
  ['A', 'default-prompt-router/r'],
];
/** Regions a request may go to, besides the stack's own: a Deny must cover them all (cross-Region inference). */
const SAMPLE_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

/**
 * One invokable resource of each type InvokeModel authorizes, in the stack's partition, in its Region and
 * others, in its account (or an account no policy names when it is not known): a Deny that covers every
 * request must match them all.
 */
function invokableSamples(context: ValueContext): string[] {
  let samples = SAMPLES.get(context);
  if (samples === undefined) {
    samples = computeSamples(context);
    SAMPLES.set(context, samples);
  }
  return samples;
}

const SAMPLES = new WeakMap<ValueContext, string[]>();

function computeSamples(context: ValueContext): string[] {
  const region = context.region !== undefined && /^[a-z0-9-]+$/.test(context.region) ? context.region : undefined;
  const partition = region?.startsWith('cn-') ? 'aws-cn' : region?.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const regions = partition === 'aws' ? [...new Set([...(region ? [region] : []), ...SAMPLE_REGIONS])] : [region!];
  const account = context.account !== undefined && /^\d{12}$/.test(context.account) ? context.account : '000000000000';
  return [
    // Foundation-model ARNs as some AWS pages write them, without a Region.
    `arn:${partition}:bedrock:::foundation-model/m`,
    ...regions.flatMap(r => INVOKABLE_TYPES.map(([a, resource]) => `arn:${partition}:bedrock:${r}:${a === 'A' ? account : ''}:${resource}`)),
  ];
}

/** The context of a value whose template's environment is not known. */
const NO_CONTEXT: ValueContext = Object.freeze({});

const PSEUDO_PARAMETERS = ['AWS::Partition', 'AWS::Region', 'AWS::AccountId', 'AWS::URLSuffix'];

/** Where a value stands: the account and Region of its template, when known, for the pseudo parameters. */
export interface ValueContext {
  readonly account?: string;
  readonly region?: string;
  /** The template the value is in: its parameters' defaults and its resources' types. */
  readonly template?: any;
}

/**
 * A value as text, the way a check can compare it: pseudo parameters become their value when the template's
 * environment is known (the partition is `aws`), the placeholders `<account>` and `<region>` otherwise;
 * `Fn::Join` and `Fn::Sub` are written out; anything else unknown (a reference to a resource, a parameter,
 * an import) becomes `*`.
 */
export function valueText(value: any, context: ValueContext = NO_CONTEXT): string {
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
  const condition = statement?.Condition;
  if (condition === null || typeof condition !== 'object') return found;
  for (const operator in condition) {
    const byKey = condition[operator];
    if (byKey === null || typeof byKey !== 'object') continue;
    for (const key in byKey) {
      if (key.length === GUARDRAIL_KEY.length && key.toLowerCase() === GUARDRAIL_KEY) found.push([operator, asArray(byKey[key])]);
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
  if (statement.Effect !== 'Deny') return false;
  if (!INVOKE_ACTIONS.every(a => coversAction(statement, a))) return false;
  const samples = invokableSamples(context);
  if (statement.NotResource !== undefined) {
    // Every resource but those listed: it covers the samples when none is listed (an unknown entry may list any).
    const excluded = asArray(statement.NotResource);
    if (!excluded.every(isKnownValue)) return false;
    const patterns = excluded.map(r => valueText(r, context));
    return samples.every(sample => !patterns.some(p => wildcardMatch(p, sample, false)));
  }
  // A resource not known at synth (a parameter, another resource's ARN) may be narrow: for a Deny it does
  // not count as covering anything.
  const resources = asArray(statement.Resource).filter(isKnownValue).map(r => valueText(r, context));
  if (resources.includes('*')) return true;
  return samples.every(sample => resources.some(r => wildcardMatch(r, sample, false)));
}

/**
 * A guardrail ARN, bare (DRAFT) or with a version (`:N`, `:*`): the ID is lowercase letters and digits
 * (guardrail IDs), the account 12 digits or the template's own (`<account>`), the Region a Region or `<region>`.
 */
const PINNED_GUARDRAIL = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+|<region>):(\d{12}|<account>):guardrail\/([a-z0-9]+)(:([0-9]+|\*))?$/;

/** Why a value of a Deny's guardrail condition does not pin the Deny to a guardrail of this account. */
function guardrailValueDefect(raw: any, context: ValueContext, depth = 0): string | undefined {
  if (raw !== null && typeof raw === 'object' && depth < 5) {
    // A choice made at deploy time: every value it may take must pin the Deny.
    if (Array.isArray(raw['Fn::If']) && raw['Fn::If'].length === 3) {
      return guardrailValueDefect(raw['Fn::If'][1], context, depth + 1) ?? guardrailValueDefect(raw['Fn::If'][2], context, depth + 1);
    }
    const select = raw['Fn::Select'];
    if (Array.isArray(select) && Array.isArray(select[1])) {
      const index = Number(select[0]);
      if (Number.isInteger(index) && select[1][index] !== undefined) return guardrailValueDefect(select[1][index], context, depth + 1);
      return `AnyGuardrail:${JSON.stringify(raw)}`;
    }
    // A parameter's default is what the stack deploys with unless told otherwise.
    const parameter = typeof raw.Ref === 'string' ? context.template?.Parameters?.[raw.Ref] : undefined;
    if (parameter !== undefined && parameter.Default !== undefined) return guardrailValueDefect(parameter.Default, context, depth + 1);
  }
  // A value built from a reference to a resource (a guardrail's ARN), an import, or a parameter without a
  // default names one guardrail the template cannot read: it is not second-guessed here.
  if (!isKnownValue(raw)) return referencesSomething(raw) ? undefined : `AnyGuardrail:${JSON.stringify(raw)}`;
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

/** Whether an unknown value is built from a reference (`Ref`, `Fn::GetAtt`, `Fn::ImportValue`), rather than from functions the check cannot follow. */
function referencesSomething(value: any): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.every(v => isKnownValue(v) || referencesSomething(v));
  if (typeof value.Ref === 'string' || value['Fn::GetAtt'] !== undefined || value['Fn::ImportValue'] !== undefined) return true;
  if (Array.isArray(value['Fn::Join'])) return referencesSomething(value['Fn::Join'][1]);
  if (value['Fn::Sub'] !== undefined) {
    const [, variables] = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'] : [value['Fn::Sub'], {}];
    return Object.values((variables ?? {}) as object).every(v => isKnownValue(v) || referencesSomething(v));
  }
  return false;
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
export function enforcementDenyDefects(statement: Statement, context: ValueContext = NO_CONTEXT): string[] | undefined {
  // Each statement is asked about several times (for its principal, and by the resource rules): worked out once.
  if (statement === null || typeof statement !== 'object' || statement.Effect !== 'Deny' || statement.Condition === undefined) return undefined;
  const cached = DEFECTS.get(statement);
  if (cached !== undefined && cached.account === context.account && cached.region === context.region && cached.template === context.template) {
    return cached.defects;
  }
  const defects = computeDefects(statement, context);
  DEFECTS.set(statement, { account: context.account, region: context.region, template: context.template, defects });
  return defects;
}

const DEFECTS = new WeakMap<object, { account?: string; region?: string; template?: any; defects: string[] | undefined }>();

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
export function isEnforcementDeny(statement: Statement, context: ValueContext = NO_CONTEXT): boolean {
  return enforcementDenyDefects(statement, context)?.length === 0;
}

/** Whether any of the documents has an enforcement Deny that enforces an approved guardrail. */
export function hasEnforcementDeny(documents: PolicyJson[], context: ValueContext = NO_CONTEXT): boolean {
  return documents.some(doc => asArray(doc.Statement).some(s => isEnforcementDeny(s, context)));
}

/** The defects of the enforcement-shaped Denies of the documents, when none of them enforces (see `enforcementDenyDefects`). */
export function enforcementDefectsOf(documents: PolicyJson[], context: ValueContext = NO_CONTEXT): string[] {
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
    if (s === null || typeof s !== 'object' || s.Effect !== 'Deny' || s.NotResource !== undefined || !coversAction(s, action)) return false;
    if (!asArray(s.Resource).some(r => isKnownValue(r) && valueText(r) === '*')) return false;
    const conditions = Object.entries(s.Condition ?? {});
    if (conditions.length === 0) return true;
    if (path.passedToService === undefined) return false;
    // Condition values compare with case; StringEquals compares literally, StringLike with wildcards.
    return conditions.every(([operator, byKey]) => ['StringEquals', 'StringLike'].includes(operator)
      && Object.entries((byKey ?? {}) as object).every(([key, values]) => key.toLowerCase() === 'iam:passedtoservice'
        && asArray(values).some(v => isKnownValue(v) && (operator === 'StringEquals'
          ? valueText(v) === path.passedToService
          : wildcardMatch(valueText(v), path.passedToService!, false)))));
  })));
}

/**
 * The guardrails the documents' own enforcement Deny approves: the literal guardrail ARNs in its negated
 * `bedrock:GuardrailIdentifier` conditions, without their version (`:N`, `:*`).
 */
export function approvedGuardrailArns(documents: PolicyJson[], context: ValueContext = NO_CONTEXT): string[] {
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

/**
 * The approved guardrails whose content a change can weaken while the enforcement still matches: a value that
 * approves the draft (the bare ARN: `UpdateGuardrail` changes it in place) or any numbered version (`:*`:
 * `CreateGuardrailVersion` publishes a new one). A value pinned to one number cannot be changed (versions are
 * immutable). With the action that changes each.
 */
export function changeableApprovals(documents: PolicyJson[], context: ValueContext = NO_CONTEXT): Array<{ arn: string; action: string }> {
  const found = new Map<string, { arn: string; action: string }>();
  for (const statement of documents.flatMap(d => asArray(d.Statement)).filter(s => isEnforcementDeny(s, context))) {
    for (const [, values] of guardrailConditions(statement)) {
      for (const value of values) {
        if (!isKnownValue(value)) continue;
        const match = /^(arn:[^:]+:bedrock:[^:]+:[^:]+:guardrail\/[a-z0-9]+)(:(.*))?$/.exec(valueText(value, context));
        if (match === null) continue;
        const action = match[3] === undefined ? 'bedrock:UpdateGuardrail' : match[3] === '*' ? 'bedrock:CreateGuardrailVersion' : undefined;
        if (action !== undefined) found.set(`${match[1]} ${action}`, { arn: match[1], action });
      }
    }
  }
  return [...found.values()];
}

/** Whether an Allow of the documents may perform `action` on `arn` (a resource not known at synth may be it). */
export function allowsOn(documents: PolicyJson[], action: string, arn: string, context: ValueContext = NO_CONTEXT): boolean {
  return documents.some(doc => asArray(doc.Statement).some(s => s !== null && typeof s === 'object' && s.Effect === 'Allow' && coversAction(s, action)
    && (s.NotResource !== undefined || asArray(s.Resource).some(r => !isKnownValue(r) || wildcardMatch(valueText(r, context), arn, false)))));
}

/** Whether a Deny of the documents without a condition denies `action` on `arn`. */
export function deniesOn(documents: PolicyJson[], action: string, arn: string, context: ValueContext = NO_CONTEXT): boolean {
  return documents.some(doc => asArray(doc.Statement).some(s => s !== null && typeof s === 'object' && s.Effect === 'Deny' && s.Condition === undefined
    && s.NotResource === undefined && coversAction(s, action)
    && asArray(s.Resource).some(r => isKnownValue(r) && wildcardMatch(valueText(r, context), arn, false))));
}

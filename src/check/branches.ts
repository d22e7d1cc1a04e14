import { isKnownValue, ValueContext, valueText } from './policy';
import { asArray, PolicyJson, Statement } from '../util/policy-json';

/**
 * Which way a policy document is read: for what it **may** allow (every branch of a condition, an unknown
 * value as anything), or for what it **surely** denies (only what holds on every branch; an unknown value
 * denies nothing). A check that reads Allows one way and Denies the other never takes a guess for a guarantee.
 */
export type Side = 'allow' | 'deny';

/** An Allow of everything: what a document the checks cannot read may allow. */
const ALLOW_EVERYTHING: PolicyJson = Object.freeze({ Statement: [Object.freeze({ Effect: 'Allow', Action: '*', Resource: '*' })] }) as PolicyJson;
const NOTHING: PolicyJson = Object.freeze({ Statement: [] }) as PolicyJson;

/** How each document reads on both sides, worked out in one pass over its statements. */
const READ = new WeakMap<object, { allow: PolicyJson; deny: PolicyJson }>();

/**
 * A policy document as the checks read it on one side: the template's value (an object, a JSON string, or an
 * `Fn::Sub` of one) with `Fn::If` branches and values not known at synth resolved for that side. Allow side:
 * only the Allow statements, with both branches of every `Fn::If`, and a document that cannot be read allows
 * everything. Deny side: only Deny statements that hold on every branch, with their actions and resources
 * known (an unknown `NotAction` or `NotResource`, or a condition that depends on `Fn::If`, drops the statement).
 */
export function readDocument(value: any, side: Side, context: ValueContext = {}): PolicyJson {
  const document = documentJson(value, context);
  if (document === undefined) return side === 'allow' ? ALLOW_EVERYTHING : NOTHING;
  let read = READ.get(document);
  if (read === undefined) {
    const allow: Statement[] = [];
    const deny: Statement[] = [];
    if (Array.isArray(document.Statement) && document.Statement.every((s: any) => s !== null && typeof s === 'object' && isPlain(s))) {
      for (const s of document.Statement) (s.Effect === 'Allow' ? allow : s.Effect === 'Deny' ? deny : []).push(s);
    } else {
      for (const s of statementList(document.Statement, 'allow')) allow.push(...statementsOf(s, 'allow'));
      for (const s of statementList(document.Statement, 'deny')) deny.push(...statementsOf(s, 'deny'));
    }
    read = { allow: { Statement: allow }, deny: { Statement: deny } };
    READ.set(document, read);
  }
  return read[side];
}

/** The document a template value holds: an object, or a JSON string (also an `Fn::Sub` of one); undefined when it cannot be read. */
export function documentJson(value: any, context: ValueContext = {}): PolicyJson | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || (typeof value === 'object' && value['Fn::Sub'] !== undefined)) {
    try {
      const parsed = JSON.parse(typeof value === 'string' ? value : valueText(value, context));
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || Array.isArray(value) || isIf(value) || !('Statement' in value)) return undefined;
  return value;
}

/** Whether a value holds an `Fn::If` anywhere. */
export function hasIf(value: any): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const v of value) if (hasIf(v)) return true;
    return false;
  }
  for (const k in value) {
    if (k === 'Fn::If' || hasIf(value[k])) return true;
  }
  return false;
}

/** The values an `Fn::If` (or a list of values with some) may take: both branches on the allow side, the common ones on the deny side. */
export function branchValues(value: any, side: Side): any[] {
  if (isIf(value)) {
    const [, a, b] = value['Fn::If'];
    const left = branchValues(a, side);
    const right = branchValues(b, side);
    if (side === 'allow') return [...left, ...right];
    const rightText = new Set(right.map(v => JSON.stringify(v)));
    return left.filter(v => rightText.has(JSON.stringify(v)));
  }
  if (Array.isArray(value)) {
    // Most lists have no choice in them: the same list.
    let plain = true;
    for (const v of value) {
      if (v !== null && typeof v === 'object' && (Array.isArray(v) || isIf(v) || isNoValue(v))) {
        plain = false;
        break;
      }
    }
    return plain ? value : value.flatMap(v => branchValues(v, side));
  }
  if (isNoValue(value)) return [];
  return [value];
}

export function isIf(value: any): boolean {
  return value !== null && typeof value === 'object' && Array.isArray(value['Fn::If']) && value['Fn::If'].length === 3;
}

function isNoValue(value: any): boolean {
  return value !== null && typeof value === 'object' && value.Ref === 'AWS::NoValue';
}

function statementList(value: any, side: Side): any[] {
  if (isIf(value) || Array.isArray(value)) return branchValues(value, side);
  return asArray(value);
}

function statementsOf(value: any, side: Side): Statement[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  // Most statements are plain (written out by CDK): read as they are, the same object (so what is worked out
  // about a statement once is reused).
  if (isPlain(value)) return value.Effect === (side === 'allow' ? 'Allow' : 'Deny') ? [value] : [];
  const effect = effectOf(value.Effect, side);
  if (effect !== (side === 'allow' ? 'Allow' : 'Deny')) return [];
  const out: any = { ...value, Effect: effect };
  for (const field of ['Action', 'NotAction', 'Resource', 'NotResource']) {
    if (value[field] === undefined) continue;
    const items = listItems(value[field], side, field.startsWith('Not'));
    if (items === undefined) return [];
    out[field] = items;
  }
  if (side === 'deny' && value.Condition !== undefined && hasIf(value.Condition)) return [];
  return [out];
}

/**
 * A statement with a literal effect, actions and resources known at synth (strings, or `Fn::Join`/`Fn::Sub` of
 * pseudo parameters, as CDK writes ARNs), and no `Fn::If` in its condition.
 */
function isPlain(statement: any): boolean {
  if (typeof statement.Effect !== 'string') return false;
  for (const field of FIELDS) {
    const v = statement[field];
    if (v === undefined || typeof v === 'string') continue;
    if (!Array.isArray(v)) {
      if (!isPlainItem(v)) return false;
      continue;
    }
    for (const item of v) if (typeof item !== 'string' && !isPlainItem(item)) return false;
  }
  return statement.Condition === undefined || !hasIf(statement.Condition);
}

const FIELDS = ['Action', 'NotAction', 'Resource', 'NotResource'];

function isPlainItem(item: any): boolean {
  return item !== null && typeof item === 'object' && !Array.isArray(item) && !isIf(item) && !isNoValue(item) && isKnownValue(item) && !hasIf(item);
}

/** Allow side: `Allow` when any branch is; deny side: `Deny` when every branch is. */
function effectOf(value: any, side: Side): string | undefined {
  if (typeof value === 'string') return value;
  if (isIf(value)) {
    const [, a, b] = value['Fn::If'];
    const both = [effectOf(a, side), effectOf(b, side)];
    if (side === 'allow') return both.includes('Allow') ? 'Allow' : both[0];
    return both.every(e => e === 'Deny') ? 'Deny' : undefined;
  }
  // A value known only at deploy time may be Allow, and is not surely Deny.
  return side === 'allow' ? 'Allow' : undefined;
}

/**
 * The items of an Action, Resource (or Not-) list for one side. Unknown items: on the allow side an Action or
 * Resource may be anything (kept, read as `*`), a NotAction or NotResource item may exclude nothing (dropped);
 * on the deny side an Action or Resource item denies nothing for sure (dropped), and an unknown NotAction or
 * NotResource makes the statement unusable (undefined).
 */
function listItems(value: any, side: Side, negated: boolean): any[] | undefined {
  // A negated list with a branch: the union of exclusions on the deny side would be wrong either way.
  if (negated && side === 'deny' && hasIf(value)) return undefined;
  const items = branchValues(value, side === 'allow' && negated ? 'deny' : side);
  const unknown = items.filter(i => !isKnownValue(i));
  if (unknown.length === 0) return items;
  if (side === 'allow') return negated ? items.filter(isKnownValue) : items;
  return negated ? undefined : items.filter(isKnownValue);
}

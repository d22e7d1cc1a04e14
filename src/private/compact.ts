import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { isPlain } from './policy-size';

/** How a list token is written as a string. */
const LIST_TOKEN = '#{Token[';

/**
 * Compact policies: statements that allow or deny the same actions under the same condition are one
 * statement over the union of their resources (the union is what the separate statements grant), without
 * duplicate resources. The first statement's Sid and position are kept. Statements with principals or
 * NotResource are left as they are.
 */
export function mergeStatements(statements: iam.PolicyStatement[]): iam.PolicyStatement[] {
  const merged: Array<{ first: iam.PolicyStatement; resources: string[] }> = [];
  const byKey = new Map<string | undefined, { first: iam.PolicyStatement; resources: string[] }>();
  for (const statement of statements) {
    const key = mergeKey(statement);
    const existing = byKey.get(key);
    if (existing !== undefined) {
      existing.resources.push(...statement.resources);
      continue;
    }
    const entry = { first: statement, resources: [...statement.resources] };
    merged.push(entry);
    if (key !== undefined) byKey.set(key, entry);
  }
  return merged.map(({ first, resources }) => {
    // A statement nothing was merged into is returned as it is (a frozen shared Deny stays the same object).
    if (resources.length === first.resources.length) return first;
    return new iam.PolicyStatement({
      sid: first.sid,
      effect: first.effect,
      actions: first.actions,
      notActions: first.notActions,
      // A statement on every resource already covers the others.
      resources: resources.includes('*') ? ['*'] : Array.from(new Set(resources)),
      conditions: first.conditions,
    });
  });
}

/**
 * What two mergeable statements share, or undefined when the statement is not merged: with principals or
 * NotResource; with a list token among its resources (it cannot be joined to other resources); with a
 * condition that holds a token object (two different ones would look the same as JSON).
 */
function mergeKey(statement: iam.PolicyStatement): string | undefined {
  // A statement with NotResource has no Resource.
  if (statement.hasPrincipal || statement.resources.length === 0) return undefined;
  if (Token.isUnresolved(statement.resources) || statement.resources.some(r => r.startsWith(LIST_TOKEN))) return undefined;
  if (!isPlain(statement.conditions ?? {})) return undefined;
  return canonicalJson([statement.effect, [...statement.actions].sort(), [...statement.notActions].sort(), statement.conditions ?? {}]);
}

/**
 * JSON with object keys sorted, so that equal conditions written in another order compare equal: given the
 * list of every key in the value, JSON.stringify writes each object's keys in the list's order.
 */
function canonicalJson(value: any): string {
  const keys = new Set<string>();
  JSON.stringify(value, (key, v) => {
    keys.add(key);
    return v;
  });
  return JSON.stringify(value, [...keys].sort());
}

/**
 * Sorts the resources of every statement of a resolved policy document, by their JSON (an intrinsic such as
 * `Fn::Join` sorts by its parts), so that the template does not depend on the order in which models and
 * guardrails were added or on token numbers.
 */
export function sortResources(document: any): any {
  if (!document || !Array.isArray(document.Statement)) return document;
  const unsorted = (s: any) => ['Resource', 'NotResource'].some(key => Array.isArray(s[key]) && s[key].length > 1);
  if (!document.Statement.some(unsorted)) return document;
  return {
    ...document,
    Statement: document.Statement.map((s: any) => {
      if (!unsorted(s)) return s;
      const out = { ...s };
      for (const key of ['Resource', 'NotResource']) {
        if (Array.isArray(out[key])) out[key] = sortByJson(out[key]);
      }
      return out;
    }),
  };
}

function sortByJson(values: any[]): any[] {
  return sortByKey(values, v => JSON.stringify(v));
}

/** The items ordered by their keys (in UTF-16 code unit order); items with the same key keep their order. */
export function sortByKey<T>(items: T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    byKey.set(k, [...(byKey.get(k) ?? []), item]);
  }
  return [...byKey.keys()].sort().flatMap(k => byKey.get(k)!);
}

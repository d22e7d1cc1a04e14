/**
 * Reading IAM policy documents as JSON (resolved by a stack): the one place for the helpers every reader of
 * policies needs (the quota check, the limitation warnings, the policy view, the checks).
 */

export type Statement = { [key: string]: any };
export type PolicyJson = { Version?: string; Statement?: Statement[] };

/** A value or a list of values as a list (`undefined` and `null` as an empty one). */
export function asArray<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The values without duplicates, in their first order. */
export function unique<T>(values: T[]): T[] {
  return Array.from(new Set(values));
}

/** A resolved value as text: intrinsics that name the partition become `aws`, any other one becomes `*`. */
export function asText(value: any): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (Array.isArray(value['Fn::Join'])) {
    const [sep, parts] = value['Fn::Join'];
    return asArray(parts).map(asText).join(sep);
  }
  return '*';
}

const PSEUDO_PARAMETERS = ['AWS::Partition', 'AWS::Region', 'AWS::AccountId', 'AWS::URLSuffix'];

/** Whether a resolved value is known up to pseudo parameters (no reference to a resource or parameter). */
export function isKnown(value: any): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (typeof value.Ref === 'string') return PSEUDO_PARAMETERS.includes(value.Ref);
  if (Array.isArray(value['Fn::Join'])) return asArray(value['Fn::Join'][1]).every(isKnown);
  return false;
}

/**
 * IAM wildcard matching: `*` matches any run of characters, `?` any one character, everything else itself.
 * Actions compare without regard to case (the default); ARNs and condition values with it.
 */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = true): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) {
    return pattern.length === value.length && (caseInsensitive ? pattern.toLowerCase() === value.toLowerCase() : pattern === value);
  }
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let re = PATTERNS.get(key);
  if (re === undefined) {
    const source = '^' + pattern.split('').map(c => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('') + '$';
    re = new RegExp(source, caseInsensitive ? 'i' : '');
    if (PATTERNS.size > 10000) PATTERNS.clear();
    PATTERNS.set(key, re);
  }
  return re.test(value);
}

/** Compiled wildcard patterns (policies repeat the same actions and resources many times). */
const PATTERNS = new Map<string, RegExp>();

/** Whether the statement's Action/NotAction covers `action`. */
export function coversAction(statement: Statement, action: string): boolean {
  if (statement.NotAction !== undefined) return !asArray(statement.NotAction).some(p => wildcardMatch(asText(p), action));
  return asArray(statement.Action).some(p => wildcardMatch(asText(p), action));
}

/** Whether any Allow statement of the documents lets a principal perform `action` (on some resource). */
export function allows(docs: PolicyJson[], action: string): boolean {
  return docs.some(doc => asArray(doc.Statement).some(s => s.Effect === 'Allow' && coversAction(s, action)));
}

/**
 * A module loaded when first needed, for code that runs only at synth or when a feature is used: importing
 * the library then costs less (the package's import time is measured by `npx projen bench`).
 */
export function lazy<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { sortByKey } from './compact';
import { jsonSize, literalSize, unresolvedSize } from './policy-size';

/** The characters of a policy document around its statements: `{"Version":"2012-10-17","Statement":[]}`. */
export const DOCUMENT_OVERHEAD = JSON.stringify({ Version: '2012-10-17', Statement: [] }).length;

/** One policy document of a split: its statements and the characters IAM will count (estimated high). */
export interface PolicyPart {
  readonly statements: iam.PolicyStatement[];
  readonly size: number;
}

/** How to split: the statements that must stay together in the first part, and the room in each part. */
export interface SplitOptions {
  /** Statements that go first in the first part, whole (the enforcement Deny). */
  readonly pinned: iam.PolicyStatement[];
  /** Characters available in the first part (the role's inline policy). */
  readonly firstBudget: number;
  /** Characters available in each further part (a managed policy). */
  readonly nextBudget: number;
}

interface Measured {
  readonly size: number;
  /**
   * For an Allow over several resources: the statement's size without resources, and its resources sorted
   * as the template writes them (so that the split does not depend on the order models were listed in)
   * with the size of each.
   */
  readonly split?: { readonly empty: number; readonly sorted: string[]; readonly sizes: number[] };
}

/**
 * Lays out statements in policy documents. When they all fit in the first part they stay there, in their
 * order. Otherwise the pinned statements go first in the first part, and the others fill the parts in
 * order; an Allow that does not fit the room left is split by resources (a statement over some of the
 * resources, with the same actions and condition, in each part: together they allow exactly what the
 * statement allowed). A Deny is never split: two Denies over parts of a negated condition's values would
 * deny more, and over parts of the resources they would deny the same, so it gains nothing.
 *
 * A part can end up over its budget only with a statement that does not fit an empty part on its own; the
 * caller's quota check reports it.
 */
export function splitStatements(stack: Stack, statements: iam.PolicyStatement[], options: SplitOptions): PolicyPart[] {
  const all = documentSize(statements.map(s => statementSize(stack, s)));
  if (all <= options.firstBudget) return [{ statements, size: all }];
  const measured = new Map(statements.map(s => [s, measure(stack, s)]));

  const parts: Array<{ statements: iam.PolicyStatement[]; size: number; budget: number }> = [];
  const open = (budget: number) => {
    const part = { statements: [] as iam.PolicyStatement[], size: DOCUMENT_OVERHEAD, budget };
    parts.push(part);
    return part;
  };
  const add = (part: { statements: iam.PolicyStatement[]; size: number }, statement: iam.PolicyStatement, size: number) => {
    part.size += size + (part.statements.length > 0 ? 1 : 0);
    part.statements.push(statement);
  };
  const room = (part: { statements: iam.PolicyStatement[]; size: number; budget: number }) =>
    part.budget - part.size - (part.statements.length > 0 ? 1 : 0);

  let current = open(options.firstBudget);
  for (const statement of options.pinned) add(current, statement, measured.get(statement)!.size);
  for (const statement of statements.filter(s => !options.pinned.includes(s))) {
    const m = measured.get(statement)!;
    if (m.size <= room(current)) {
      add(current, statement, m.size);
      continue;
    }
    if (m.split === undefined) {
      if (current.statements.length > 0) current = open(options.nextBudget);
      add(current, statement, m.size);
      continue;
    }
    // Split by resources, in order: each piece takes as many as fit in the room left, and the next piece opens a new
    // part (the resource that did not fit does not fit there, even as a statement of its own). A resource that does
    // not fit an empty part goes alone, over budget: the caller's quota check reports it. One pass per resource.
    const { empty, sorted, sizes } = m.split;
    let piece: string[] = [];
    let used = empty - 1; // the last resource has no comma after it
    sorted.forEach((arn, i) => {
      if (used + sizes[i] > room(current) && (piece.length > 0 || current.statements.length > 0)) {
        if (piece.length > 0) add(current, withResources(statement, piece), used);
        current = open(options.nextBudget);
        piece = [];
        used = empty - 1;
      }
      piece.push(arn);
      used += sizes[i];
    });
    add(current, withResources(statement, piece), used);
  }
  return parts.map(({ statements: s, size }) => ({ statements: s, size }));
}

/** The sizes of frozen statements without tokens (shared by many principals: the Denies of the paths). */
const LITERAL_SIZES = new WeakMap<iam.PolicyStatement, number>();

/** The characters of one statement, estimated high for tokens. */
function statementSize(stack: Stack, statement: iam.PolicyStatement): number {
  const known = LITERAL_SIZES.get(statement);
  // Stryker disable next-line ConditionalExpression: a memo; without it the size is computed again, the same
  if (known !== undefined) return known;
  const json = statement.toStatementJson();
  // Stryker disable next-line ConditionalExpression: a memo; literalSize and unresolvedSize agree on a statement without tokens
  const literal = statement.frozen ? literalSize(json) : undefined;
  // Stryker disable next-line ConditionalExpression: true gives the same size (unresolvedSize agrees with literalSize without tokens)
  if (literal === undefined) return unresolvedSize(stack, json);
  LITERAL_SIZES.set(statement, literal);
  return literal;
}

/** The size of a document of statements of these sizes. */
function documentSize(sizes: number[]): number {
  return DOCUMENT_OVERHEAD + sizes.reduce((n, s) => n + s, 0) + Math.max(0, sizes.length - 1);
}

function measure(stack: Stack, statement: iam.PolicyStatement): Measured {
  const json = stack.resolve(statement.toStatementJson());
  const size = jsonSize(json);
  if (statement.effect !== iam.Effect.ALLOW || statement.resources.length < 2) return { size };
  const values: unknown[] = stack.resolve(statement.resources);
  // A token that resolves to nothing leaves no value for its resource: such a statement stays whole.
  if (values.length !== statement.resources.length) return { size };
  const resolved = sortByKey(values.map((r, i) => ({ arn: statement.resources[i], key: JSON.stringify(r), size: jsonSize(r) + 1 })), r => r.key);
  return { size, split: { empty: jsonSize({ ...json, Resource: [] }), sorted: resolved.map(r => r.arn), sizes: resolved.map(r => r.size) } };
}

function withResources(statement: iam.PolicyStatement, resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: statement.sid,
    effect: statement.effect,
    actions: statement.actions,
    notActions: statement.notActions,
    resources,
    conditions: statement.conditions,
  });
}

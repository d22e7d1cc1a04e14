import { App, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DOCUMENT_OVERHEAD, PolicyPart, splitStatements } from '../../src/private/policy-split';

/**
 * The split, at its boundaries: budgets are computed from the JSON IAM counts, so that a statement that fits
 * exactly must stay, one character less must move it, and the sizes the split reports must be the documents'.
 * Literal ARNs only, so every size is exact.
 */
const stack = new Stack(new App(), 'S');
const arn = (i: number, pad = 10) => `arn:aws:bedrock:us-east-1::foundation-model/m${String(i).padStart(pad, '0')}`;
const allow = (sid: string, resources: string[], actions = ['bedrock:InvokeModel']) =>
  new iam.PolicyStatement({ sid, actions, resources, conditions: { StringEquals: { 'bedrock:GuardrailIdentifier': 'g:1' } } });
const deny = new iam.PolicyStatement({ sid: 'Deny', effect: iam.Effect.DENY, actions: ['bedrock:InvokeModel'], resources: ['*'] });

/** The characters IAM counts for a document of these statements. */
function docSize(statements: iam.PolicyStatement[]): number {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements.map(s => s.toStatementJson()) }).length;
}

/** Each part as Sids with their resources' indexes. */
function layout(parts: PolicyPart[]): string[][] {
  return parts.map(p => p.statements.map(s => `${s.sid}:${s.resources.map(r => Number(r.slice(-10))).join(',')}`));
}

test('the document overhead is {"Version":"2012-10-17","Statement":[]}', () => {
  expect(DOCUMENT_OVERHEAD).toBe(39);
  expect(docSize([])).toBe(DOCUMENT_OVERHEAD);
});

test('statements that fit the first part exactly stay there, whole and in their order', () => {
  const statements = [allow('A', [arn(1), arn(2)]), deny, allow('B', [arn(3)])];
  const size = docSize(statements);
  const parts = splitStatements(stack, statements, { pinned: [deny], firstBudget: size, nextBudget: 100 });
  expect(parts).toEqual([{ statements, size }]);
  expect(parts[0].statements[0]).toBe(statements[0]);
});

test('one character less: the pinned Deny goes first, and the Allows fill the parts in order', () => {
  const a = allow('A', [arn(1)]);
  const b = allow('B', [arn(2)]);
  const first = docSize([deny, a]);
  const parts = splitStatements(stack, [a, deny, b], { pinned: [deny], firstBudget: docSize([a, deny, b]) - 1, nextBudget: docSize([b]) });
  // The first part has room for exactly the Deny and A; B fits the next part exactly.
  expect(first).toBeLessThan(docSize([a, deny, b]) - 1);
  expect(layout(parts)).toEqual([['Deny:NaN', 'A:1'], ['B:2']]);
  expect(parts.map(p => p.size)).toEqual([first, docSize([b])]);
});

test('an Allow over many resources is split where the room ends, its resources sorted, each piece the same statement otherwise', () => {
  const resources = [5, 3, 1, 4, 2].map(i => arn(i));
  const big = allow('Big', resources, ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
  const piece = (ids: number[]) => allow('Big', ids.map(i => arn(i)), ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
  // Room for the Deny and exactly three resources, then exactly two per part.
  const firstBudget = docSize([deny, piece([1, 2, 3])]);
  const nextBudget = docSize([piece([4, 5])]);
  const parts = splitStatements(stack, [deny, big], { pinned: [deny], firstBudget, nextBudget });
  expect(layout(parts)).toEqual([['Deny:NaN', 'Big:1,2,3'], ['Big:4,5']]);
  expect(parts.map(p => p.size)).toEqual([firstBudget, nextBudget]);
  for (const p of parts.slice(1)) {
    const json = p.statements[0].toStatementJson();
    expect({ ...json, Resource: undefined }).toEqual({ ...big.toStatementJson(), Resource: undefined });
  }

  // One character less in each: two resources in the first part, and one per part after it. A piece with one
  // resource is counted as a list (two characters high: IAM's JSON writes a single resource as a string).
  const tight = splitStatements(stack, [deny, big], { pinned: [deny], firstBudget: firstBudget - 1, nextBudget: nextBudget - 1 });
  expect(layout(tight)).toEqual([['Deny:NaN', 'Big:1,2'], ['Big:3'], ['Big:4'], ['Big:5']]);
  expect(tight.map(p => p.size)).toEqual([docSize([deny, piece([1, 2])]), ...[3, 4, 5].map(i => docSize([piece([i])]) + 2)]);
});

test('the piece that ends a part is followed in the same part by nothing: the next statement opens a new part only if it does not fit', () => {
  const big = allow('Big', [1, 2, 3].map(i => arn(i)));
  const small = allow('Small', [arn(9)]);
  const nextBudget = docSize([allow('Big', [arn(3)]), small]) + 2;
  const parts = splitStatements(stack, [deny, big, small], { pinned: [deny], firstBudget: docSize([deny, allow('Big', [arn(1), arn(2)])]), nextBudget });
  expect(layout(parts)).toEqual([['Deny:NaN', 'Big:1,2'], ['Big:3', 'Small:9']]);
  expect(parts[1].size).toBe(nextBudget);
});

test('a statement that cannot be split and does not fit moves to a new part whole; alone in an empty part it stays, over budget', () => {
  const denyTwo = new iam.PolicyStatement({ sid: 'Deny2', effect: iam.Effect.DENY, actions: ['bedrock:Converse'], resources: [arn(1), arn(2)] });
  const a = allow('A', [arn(7)]);
  const parts = splitStatements(stack, [a, denyTwo], { pinned: [], firstBudget: docSize([a]), nextBudget: docSize([denyTwo]) - 1 });
  expect(layout(parts)).toEqual([['A:7'], ['Deny2:1,2']]);
  expect(parts[1].size).toBe(docSize([denyTwo]));
});

test('a single resource larger than an empty part is placed alone in a part of its own (the quota check reports it)', () => {
  const long = `arn:aws:bedrock:us-east-1::foundation-model/${'x'.repeat(200)}0000000001`;
  const big = allow('Big', [long, arn(2)]);
  const parts = splitStatements(stack, [deny, big], { pinned: [deny], firstBudget: docSize([deny]) + 10, nextBudget: 150 });
  expect(parts.map(p => p.statements.map(s => s.resources.length))).toEqual([[1], [1], [1]]);
  // Sorted: the model ARN ('m...') before the long one ('x...').
  expect(parts[1].statements[0].resources).toEqual([arn(2)]);
  expect(parts[2].statements[0].resources).toEqual([long]);
  expect(parts[2].size).toBe(docSize([allow('Big', [long])]) + 2);
  expect(parts[2].size).toBeGreaterThan(150);
});

test('an Allow whose first resource does not fit an empty first part starts there, that resource alone: no part is left empty', () => {
  const long = `arn:aws:bedrock:us-east-1::foundation-model/a${'x'.repeat(200)}0000000001`;
  const big = allow('Big', [arn(2), long, arn(3)]);
  // Room in the first part for a piece with one of the short resources (counted as a list: two characters high).
  const firstBudget = docSize([allow('Big', [arn(2)])]) + 2;
  const parts = splitStatements(stack, [big], { pinned: [], firstBudget, nextBudget: docSize([allow('Big', [arn(2), arn(3)])]) });
  // Sorted: the long ARN ('a...') first, alone and over budget in the first part; the others together in the next.
  expect(parts.map(p => p.statements.map(st => st.resources))).toEqual([[[long]], [[arn(2), arn(3)]]]);
  expect(parts[0].size).toBe(docSize([allow('Big', [long])]) + 2);
  expect(parts[0].size).toBeGreaterThan(firstBudget);
});

test('a statement that cannot be split and does not fit an empty first part stays there: no part is left empty', () => {
  const denyTwo = new iam.PolicyStatement({ sid: 'Deny2', effect: iam.Effect.DENY, actions: ['bedrock:Converse'], resources: [arn(1), arn(2)] });
  const a = allow('A', [arn(7)]);
  const parts = splitStatements(stack, [denyTwo, a], { pinned: [], firstBudget: docSize([denyTwo]) - 1, nextBudget: docSize([a]) });
  expect(layout(parts)).toEqual([['Deny2:1,2'], ['A:7']]);
  expect(parts.map(p => p.size)).toEqual([docSize([denyTwo]), docSize([a])]);
});

test('an Allow with a resource that resolves to nothing is not split by resources: it moves whole, every resource kept', () => {
  const nothing = Lazy.string({ produce: () => undefined as unknown as string });
  const resources = [arn(3), nothing, arn(1), arn(2)];
  const big = allow('Big', resources);
  const a = allow('A', [arn(7)]);
  // Room for A and two of the resources: a split would fill it.
  const parts = splitStatements(stack, [a, big], { pinned: [], firstBudget: docSize([a, allow('Big', [arn(1), arn(2)])]), nextBudget: 10_000 });
  expect(parts.map(p => p.statements.map(s => s.sid))).toEqual([['A'], ['Big']]);
  expect(parts[1].statements[0]).toBe(big);
  expect(stack.resolve(parts[1].statements[0].resources)).toEqual([arn(3), arn(1), arn(2)]);
  expect(parts[1].size).toBe(JSON.stringify({ Version: '2012-10-17', Statement: [stack.resolve(big.toStatementJson())] }).length);
});

import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DeferredPolicyDocument } from '../../src/private/deferred-document';

/**
 * The document behind every role of the library: its statements are built once, when first needed (so that
 * guardrails and models added after construction are in them), statements added before that are merged with
 * them, and the template's resources are sorted.
 */
const stack = new Stack(new App(), 'S');
const allow = (sid: string, action: string, ...resources: string[]) => new iam.PolicyStatement({ sid, actions: [action], resources });

function counted(statements: () => iam.PolicyStatement[]) {
  let calls = 0;
  return { build: () => { calls++; return statements(); }, calls: () => calls };
}

test('built once, on first use, by each of the ways a document is read', () => {
  const reads: Array<(d: DeferredPolicyDocument) => unknown> = [
    d => stack.resolve(d),
    d => d.isEmpty,
    d => d.statementCount,
    d => d.toJSON(),
    d => d.validateForIdentityPolicy(),
    d => d.validateForAnyPolicy(),
  ];
  for (const read of reads) {
    const { build, calls } = counted(() => [allow('A', 's3:GetObject', 'arn:aws:s3:::b/1')]);
    const document = new DeferredPolicyDocument(build);
    expect(document.isBuilt).toBe(false);
    expect(calls()).toBe(0);
    read(document);
    expect(document.isBuilt).toBe(true);
    read(document);
    stack.resolve(document);
    expect(calls()).toBe(1);
    expect(document.statementCount).toBe(1);
    expect(document.isEmpty).toBe(false);
  }
});

test('what the builder sees is the state when the document is first read', () => {
  const actions: string[] = ['s3:GetObject'];
  const document = new DeferredPolicyDocument(() => actions.map((a, i) => allow(`S${i}`, a, '*')));
  actions.push('s3:PutObject');
  expect(stack.resolve(document).Statement.map((s: any) => s.Action)).toEqual(['s3:GetObject', 's3:PutObject']);
  actions.push('s3:DeleteObject');
  expect(stack.resolve(document).Statement).toHaveLength(2);
});

test('statements added before building are merged with the built ones; after building they are added as they are', () => {
  const document = new DeferredPolicyDocument(() => [allow('Built', 's3:GetObject', 'arn:aws:s3:::b/1')]);
  document.addStatements(allow('Early', 's3:GetObject', 'arn:aws:s3:::b/2'), allow('Other', 'kms:Decrypt', '*'));
  expect(stack.resolve(document).Statement).toEqual([
    { Sid: 'Built', Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::b/1', 'arn:aws:s3:::b/2'] },
    { Sid: 'Other', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
  ]);
  document.addStatements(allow('Late', 's3:GetObject', 'arn:aws:s3:::b/3'));
  expect(stack.resolve(document).Statement.map((s: any) => s.Sid)).toEqual(['Built', 'Other', 'Late']);
  document.addStatements();
  expect(document.statementCount).toBe(3);
});

test('merged: the builder\'s statements are used as they are, unless statements were added before building', () => {
  const built = [allow('A', 's3:GetObject', 'arn:aws:s3:::b/1'), allow('B', 's3:GetObject', 'arn:aws:s3:::b/2')];
  // Two statements of the same shape stay apart: the builder says they are merged already.
  const asIs = new DeferredPolicyDocument(() => built, true);
  expect(stack.resolve(asIs).Statement.map((s: any) => s.Sid)).toEqual(['A', 'B']);
  const notMerged = new DeferredPolicyDocument(() => built);
  expect(stack.resolve(notMerged).Statement.map((s: any) => s.Sid)).toEqual(['A']);
  const added = new DeferredPolicyDocument(() => built, true);
  added.addStatements(allow('C', 'kms:Decrypt', '*'));
  expect(stack.resolve(added).Statement.map((s: any) => s.Sid)).toEqual(['A', 'C']);
});

test('the template\'s resources are sorted, after aws-cdk-lib\'s own post-processing', () => {
  const document = new DeferredPolicyDocument(() => [
    allow('A', 's3:GetObject', 'arn:aws:s3:::c', 'arn:aws:s3:::a', 'arn:aws:s3:::b'),
    new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::y', 'arn:aws:s3:::x'] }),
    new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::y', 'arn:aws:s3:::x'] }),
  ], true);
  expect(stack.resolve(document)).toEqual({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'A', Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::a', 'arn:aws:s3:::b', 'arn:aws:s3:::c'] },
      // aws-cdk-lib's post-processor drops the duplicate statement, then the resources are sorted.
      { Effect: 'Allow', Action: 's3:PutObject', Resource: ['arn:aws:s3:::x', 'arn:aws:s3:::y'] },
    ],
  });
  expect(new DeferredPolicyDocument(() => []).isEmpty).toBe(true);
});

import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnKnowledgeBase } from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AgentExecutionRole, EnforcedGuardrail, GuardrailEnforcedInvokerRole, GuardrailVersion, InvokableModel } from '../src';
import { DEFAULT_ENV } from './sim/cfn';
import { ALLOW_ALL, decide, identityPoliciesOf, logicalIdOf } from './sim/simulate';
import { mergeStatements, sortByKey, sortResources } from '../src/private/compact';
import { isPlain, unresolvedSize } from '../src/private/policy-size';

const { account: ACCOUNT, region: REGION } = DEFAULT_ENV;
const G1 = `arn:aws:bedrock:${REGION}:${ACCOUNT}:guardrail/abc123`;
const kb = (id: string) => `arn:aws:bedrock:${REGION}:${ACCOUNT}:knowledge-base/${id}`;
const json = (statements: iam.PolicyStatement[]) => new Stack().resolve(statements.map(s => s.toStatementJson()));

describe('mergeStatements', () => {
  test('same effect, actions (in any order) and condition (keys in any order): one statement over the union, first Sid kept', () => {
    const merged = mergeStatements([
      new iam.PolicyStatement({ sid: 'First', actions: ['s3:GetObject', 's3:PutObject'], resources: ['arn:aws:s3:::b/1', 'arn:aws:s3:::b/2'], conditions: { StringEquals: { 'aws:ResourceAccount': ACCOUNT, 'aws:PrincipalAccount': ACCOUNT } } }),
      new iam.PolicyStatement({ sid: 'Other', actions: ['kms:Decrypt'], resources: ['arn:aws:kms:us-east-1:111122223333:key/k'] }),
      new iam.PolicyStatement({ sid: 'Second', actions: ['s3:PutObject', 's3:GetObject'], resources: ['arn:aws:s3:::b/2', 'arn:aws:s3:::b/3'], conditions: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:ResourceAccount': ACCOUNT } } }),
    ]);
    expect(json(merged)).toEqual([
      { Sid: 'First', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::b/1', 'arn:aws:s3:::b/2', 'arn:aws:s3:::b/3'], Condition: { StringEquals: { 'aws:ResourceAccount': ACCOUNT, 'aws:PrincipalAccount': ACCOUNT } } },
      { Sid: 'Other', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:us-east-1:111122223333:key/k' },
    ]);
  });

  test('NotAction lists in another order are the same NotAction: the statements merge', () => {
    const merged = mergeStatements([
      new iam.PolicyStatement({ sid: 'A', effect: iam.Effect.DENY, notActions: ['s3:GetObject', 'kms:Decrypt'], resources: ['arn:aws:s3:::b/1'] }),
      new iam.PolicyStatement({ sid: 'B', effect: iam.Effect.DENY, notActions: ['kms:Decrypt', 's3:GetObject'], resources: ['arn:aws:s3:::b/2'] }),
    ]);
    expect(json(merged)).toEqual([
      { Sid: 'A', Effect: 'Deny', NotAction: ['s3:GetObject', 'kms:Decrypt'], Resource: ['arn:aws:s3:::b/1', 'arn:aws:s3:::b/2'] },
    ]);
  });

  test('different NotAction lists keep statements apart', () => {
    const statements = [
      new iam.PolicyStatement({ effect: iam.Effect.DENY, notActions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/1'] }),
      new iam.PolicyStatement({ effect: iam.Effect.DENY, notActions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/2'] }),
    ];
    expect(mergeStatements(statements)).toEqual(statements);
  });

  test('a different effect, action set or condition keeps statements apart', () => {
    const base = { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/1'] };
    const statements = [
      new iam.PolicyStatement({ ...base }),
      new iam.PolicyStatement({ ...base, effect: iam.Effect.DENY, resources: ['arn:aws:s3:::b/2'] }),
      new iam.PolicyStatement({ ...base, actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: ['arn:aws:s3:::b/3'] }),
      new iam.PolicyStatement({ ...base, resources: ['arn:aws:s3:::b/4'], conditions: { Bool: { 'aws:SecureTransport': 'true' } } }),
      new iam.PolicyStatement({ ...base, resources: ['arn:aws:s3:::b/5'], principals: [new iam.AccountRootPrincipal()] }),
      new iam.PolicyStatement({ ...base, resources: ['arn:aws:s3:::b/6'], principals: [new iam.AccountRootPrincipal()] }),
    ];
    expect(mergeStatements(statements)).toEqual(statements);
  });

  test('conditions holding token objects, and list tokens among the resources, are never merged', () => {
    const stack = new Stack();
    const vpceA = new CfnParameter(stack, 'VpceA');
    const vpceB = new CfnParameter(stack, 'VpceB');
    const buckets = new CfnParameter(stack, 'Buckets', { type: 'CommaDelimitedList' });
    const byToken = [
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::public/*'], conditions: { StringEquals: { 'aws:SourceVpce': vpceA.value } } }),
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::secret/*'], conditions: { StringEquals: { 'aws:SourceVpce': vpceB.value } } }),
    ];
    expect(stack.resolve(mergeStatements(byToken).map(st => st.toStatementJson())).map((st: any) => st.Condition.StringEquals['aws:SourceVpce']))
      .toEqual([{ Ref: 'VpceA' }, { Ref: 'VpceB' }]);
    const byList = [
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::one/*'] }),
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: buckets.valueAsList }),
    ];
    expect(mergeStatements(byList)).toEqual(byList);
    // A list token beside a literal resource (the list is not the whole of the resources) is never merged either.
    const mixed = [
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::one/*'] }),
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [...buckets.valueAsList, 'arn:aws:s3:::two/*'] }),
    ];
    expect(mergeStatements(mixed)).toEqual(mixed);
    // Encoded string tokens are told apart as JSON, so they merge only when equal.
    const byString = [
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::a/*'], conditions: { StringEquals: { 'aws:SourceVpce': vpceA.valueAsString } } }),
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'], conditions: { StringEquals: { 'aws:SourceVpce': vpceB.valueAsString } } }),
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::c/*'], conditions: { StringEquals: { 'aws:SourceVpce': vpceA.valueAsString } } }),
    ];
    expect(json(mergeStatements(byString)).map((st: any) => st.Resource)).toEqual([['arn:aws:s3:::a/*', 'arn:aws:s3:::c/*'], 'arn:aws:s3:::b/*']);
  });

  test('a token object without a prototype is not taken for data: not merged, and its size is resolved', () => {
    const stack = new Stack();
    // An IResolvable made with Object.create(null), as a hand-written token may be.
    const token = (value: string) => Object.assign(Object.create(null), { creationStack: [], resolve: () => value, toString: () => 'token' });
    const strict = new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      actions: ['s3:DeleteObject'],
      resources: ['arn:aws:s3:::a/*'],
      conditions: { StringNotEquals: { 'aws:PrincipalArn': token('arn:aws:iam::111122223333:role/admin') } },
    });
    const open = new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      actions: ['s3:DeleteObject'],
      resources: ['arn:aws:s3:::b/*'],
      conditions: { StringNotEquals: { 'aws:PrincipalArn': token('*') } },
    });
    expect(mergeStatements([strict, open])).toEqual([strict, open]);
    expect(isPlain({ a: token('x') })).toBe(false);
    expect(unresolvedSize(stack, { Resource: token('x'.repeat(5000)) })).toBe(JSON.stringify({ Resource: 'x'.repeat(5000) }).length);
    // aws-cdk-lib writes principals as objects without a prototype: plain data.
    expect(isPlain(Object.assign(Object.create(null), { Service: 'lambda.amazonaws.com' }))).toBe(true);
  });

  test('statements nothing was merged into are returned as they are: the same objects, a frozen shared one still frozen', () => {
    const shared = new iam.PolicyStatement({ sid: 'Shared', effect: iam.Effect.DENY, actions: ['bedrock:InvokeModel'], notResources: ['arn:aws:s3:::x'] });
    shared.freeze();
    const a = new iam.PolicyStatement({ sid: 'A', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/1'] });
    const b = new iam.PolicyStatement({ sid: 'B', actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/1'] });
    const c = new iam.PolicyStatement({ sid: 'C', actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/2'] });
    const merged = mergeStatements([shared, a, b, c]);
    expect(merged).toHaveLength(3);
    expect(merged[0]).toBe(shared);
    expect(merged[0].frozen).toBe(true);
    expect(merged[1]).toBe(a);
    expect(json([merged[2]])).toEqual([{ Sid: 'B', Effect: 'Allow', Action: 's3:PutObject', Resource: ['arn:aws:s3:::b/1', 'arn:aws:s3:::b/2'] }]);
    // A statement merged with one whose resources are all its own already: one statement, its resources once.
    const same = mergeStatements([b, new iam.PolicyStatement({ sid: 'D', actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/1'] })]);
    expect(json(same)).toEqual([{ Sid: 'B', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/1' }]);
  });

  test('NotResource statements with the same shape are left apart', () => {
    const deny = (resource: string) => new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['s3:GetObject'], notResources: [resource] });
    const statements = [deny('arn:aws:s3:::a'), deny('arn:aws:s3:::b')];
    const merged = mergeStatements(statements);
    expect(merged[0]).toBe(statements[0]);
    expect(merged[1]).toBe(statements[1]);
  });

  test('a statement on every resource absorbs the others it merges with', () => {
    const merged = mergeStatements([
      new iam.PolicyStatement({ actions: ['bedrock:ListFoundationModels'], resources: ['arn:aws:bedrock:us-east-1::foundation-model/m'] }),
      new iam.PolicyStatement({ actions: ['bedrock:ListFoundationModels'], resources: ['*'] }),
    ]);
    expect(json(merged)).toEqual([{ Effect: 'Allow', Action: 'bedrock:ListFoundationModels', Resource: '*' }]);
  });

  test('merging grants exactly what the separate statements grant (simulated)', async () => {
    const separate = [
      new iam.PolicyStatement({ actions: ['bedrock:Retrieve'], resources: [kb('KB00000001')], conditions: { StringEquals: { 'aws:ResourceAccount': ACCOUNT } } }),
      new iam.PolicyStatement({ actions: ['bedrock:Retrieve'], resources: [kb('KB00000002')], conditions: { StringEquals: { 'aws:ResourceAccount': ACCOUNT } } }),
    ];
    const before = { Version: '2012-10-17', Statement: json(separate) };
    const after = { Version: '2012-10-17', Statement: json(mergeStatements(separate)) };
    expect(after.Statement).toHaveLength(1);
    for (const id of ['KB00000001', 'KB00000002', 'KB00000003']) {
      const request = { action: 'bedrock:Retrieve', resource: kb(id), context: { 'aws:ResourceAccount': ACCOUNT } };
      expect(await decide([after], request)).toBe(await decide([before], request));
    }
    const context = { 'aws:ResourceAccount': ACCOUNT };
    expect(await decide([after], { action: 'bedrock:Retrieve', resource: kb('KB00000001'), context })).toBe('Allowed');
    expect(await decide([after], { action: 'bedrock:Retrieve', resource: kb('KB00000003'), context })).toBe('ImplicitlyDenied');
  });
});

describe('in the constructs', () => {
  test('a statement added to an agent role with the same action as one of its own is merged into it', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
    const role = new AgentExecutionRole(stack, 'AgentRole', {
      models: [InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')],
      knowledgeBases: [CfnKnowledgeBase.fromKnowledgeBaseArn(stack, 'Kb1', kb('KB00000002'))],
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:Retrieve'], resources: [kb('KB00000001')] }));
    const template = Template.fromStack(stack).toJSON();
    const statements = template.Resources[logicalIdOf(template, 'AWS::IAM::Role', 'AgentRole')].Properties.Policies
      .flatMap((p: any) => p.PolicyDocument.Statement).filter((s: any) => [s.Action].flat().includes('bedrock:Retrieve'));
    expect(statements).toEqual([{ Sid: 'AgentKnowledgeBaseQuery', Effect: 'Allow', Action: 'bedrock:Retrieve', Resource: [kb('KB00000001'), kb('KB00000002')] }]);
  });

  test('an agent role with knowledge bases and a statement on a list parameter of knowledge bases synthesizes', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
    const list = new CfnParameter(stack, 'KnowledgeBases', { type: 'CommaDelimitedList' });
    const role = new AgentExecutionRole(stack, 'AgentRole', {
      models: [InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')],
      knowledgeBases: [CfnKnowledgeBase.fromKnowledgeBaseArn(stack, 'Kb1', kb('KB00000002'))],
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:Retrieve'], resources: list.valueAsList }));
    const template = Template.fromStack(stack).toJSON();
    const retrieve = template.Resources[logicalIdOf(template, 'AWS::IAM::Role', 'AgentRole')].Properties.Policies
      .flatMap((p: any) => p.PolicyDocument.Statement).filter((st: any) => st.Action === 'bedrock:Retrieve');
    expect(retrieve.map((st: any) => st.Resource)).toEqual([kb('KB00000002'), { Ref: 'KnowledgeBases' }]);
  });

  test('resources are sorted: the order in which models are listed does not change the template', async () => {
    const ids = ['meta.llama3-8b-instruct-v1:0', 'amazon.titan-text-express-v1', 'anthropic.claude-3-haiku-20240307-v1:0', 'cohere.command-r-v1:0'];
    const synth = (order: string[]) => {
      const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
      new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
        models: order.map(id => InvokableModel.foundationModel(id)),
      });
      return Template.fromStack(stack).toJSON();
    };
    const forward = synth(ids);
    expect(synth([...ids].reverse())).toEqual(forward);
    const policies = identityPoliciesOf(forward, logicalIdOf(forward, 'AWS::IAM::Role', 'Invoker'));
    const allow = policies[0].Statement.find(s => s.Sid === 'InvokeWithApprovedGuardrail');
    expect(allow.Resource).toEqual([...ids].sort().map(id => `arn:aws:bedrock:${REGION}::foundation-model/${id}`));
    for (const id of ids) {
      expect(await decide(policies, { action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:${REGION}::foundation-model/${id}`, context: { 'bedrock:GuardrailIdentifier': `${G1}:1` } })).toBe('Allowed');
      expect(await decide([...policies, ALLOW_ALL], { action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:${REGION}::foundation-model/${id}` })).toBe('ExplicitlyDenied');
    }
  });

  test('sortResources orders intrinsics by their JSON and leaves other fields alone', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['b:Y', 'a:X'], Resource: ['z', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::b']] }, 'a'] }] };
    expect(sortResources(doc).Statement[0]).toEqual({
      Effect: 'Allow', Action: ['b:Y', 'a:X'], Resource: ['a', 'z', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::b']] }],
    });
  });

  test('sortResources: Resource and NotResource of each statement, duplicates kept; a document with nothing to sort is returned as it is', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'One', Effect: 'Allow', Action: 'a:X', Resource: 'b' },
        { Sid: 'Single', Effect: 'Allow', Action: 'a:X', Resource: ['b'] },
        { Sid: 'Res', Effect: 'Allow', Action: 'a:X', Resource: ['c', 'a', 'b', 'a'] },
        { Sid: 'NotRes', Effect: 'Deny', Action: 'a:X', NotResource: ['y', 'x'] },
        { Sid: 'Equal', Effect: 'Allow', Action: 'a:X', Resource: ['d', 'd'] },
      ],
    };
    const sorted = sortResources(doc);
    expect(sorted).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'One', Effect: 'Allow', Action: 'a:X', Resource: 'b' },
        { Sid: 'Single', Effect: 'Allow', Action: 'a:X', Resource: ['b'] },
        { Sid: 'Res', Effect: 'Allow', Action: 'a:X', Resource: ['a', 'a', 'b', 'c'] },
        { Sid: 'NotRes', Effect: 'Deny', Action: 'a:X', NotResource: ['x', 'y'] },
        { Sid: 'Equal', Effect: 'Allow', Action: 'a:X', Resource: ['d', 'd'] },
      ],
    });
    // The input is not changed; statements with nothing to sort are the same objects.
    expect(doc.Statement[2].Resource).toEqual(['c', 'a', 'b', 'a']);
    expect(sorted.Statement[0]).toBe(doc.Statement[0]);
    expect(sorted.Statement[1]).toBe(doc.Statement[1]);
    expect(sorted.Statement[2]).not.toBe(doc.Statement[2]);

    const nothing = { Version: '2012-10-17', Statement: [doc.Statement[0], doc.Statement[1]] };
    expect(sortResources(nothing)).toBe(nothing);
    for (const odd of [undefined, null, {}, { Statement: { Effect: 'Allow' } }]) expect(sortResources(odd)).toBe(odd);
  });

  test('sortByKey: by key in UTF-16 code unit order (not the locale\'s), items with the same key in their order', () => {
    const items = [{ k: 'b', n: 1 }, { k: 'B', n: 2 }, { k: 'a', n: 3 }, { k: 'b', n: 4 }, { k: 'ab', n: 5 }, { k: '', n: 6 }];
    expect(sortByKey(items, i => i.k).map(i => i.n)).toEqual([6, 2, 3, 5, 1, 4]);
    expect(sortByKey([], (i: string) => i)).toEqual([]);
  });

  test('sortResources is a total order on JSON: strings before objects as JSON sorts them, and the result does not depend on the input order', () => {
    const values = ['arn:b', { Ref: 'B' }, 'arn:a', { 'Fn::GetAtt': ['A', 'Arn'] }, 'arn:a:x', { Ref: 'A' }];
    const expected = ['arn:a', 'arn:a:x', 'arn:b', { 'Fn::GetAtt': ['A', 'Arn'] }, { Ref: 'A' }, { Ref: 'B' }];
    for (const order of [values, [...values].reverse(), [values[3], values[0], values[5], values[1], values[4], values[2]]]) {
      expect(sortResources({ Statement: [{ Resource: order }] }).Statement[0].Resource).toEqual(expected);
    }
  });
});

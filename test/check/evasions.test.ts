import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnCondition, CfnParameter, Fn, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { cdkApp, ENV, findingLines, templateFiles } from './harness';
import { BedrockGuardrailChecks } from '../../src';
import { main } from '../../src/check/cli';
import { decide, PolicyJson } from '../sim/simulate';

// Ways to get past the checks that a review found, each now caught (or, for correct setups, no longer
// reported). Where a case says a principal is unguarded, the simulator confirms it on the policies as they
// deploy (the branch that deploys written out).

const INVOKE = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
const GUARDRAIL = `arn:aws:bedrock:us-east-1:${ENV.account}:guardrail/abc123def456:1`;
const ALLOW = { Effect: 'Allow', Action: INVOKE, Resource: '*' };
const DENY = { Effect: 'Deny', Action: INVOKE, Resource: '*', Condition: { StringNotEquals: { 'bedrock:GuardrailIdentifier': GUARDRAIL } } };
const MISSING = 'error BedrockGuardrail-GuardrailEnforcementMissing';

const UNGUARDED_REQUEST = { action: 'bedrock:InvokeModel', resource: 'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0' };

/** A hand-written template with one role whose inline policies are given, and more resources. */
function roleTemplate(statements: any[], more: { [id: string]: any } = {}, extra: { [k: string]: any } = {}): string {
  return JSON.stringify({
    ...extra,
    Resources: {
      AppRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
        },
      },
      ...more,
    },
  });
}

const lines = (text: string) => findingLines(templateFiles({ 't.json': text }));
const has = (text: string, line: string) => expect(lines(text)).toContain(line);

describe('resources the checks did not read', () => {
  test('a role in a NestedStack (its template is an asset of the parent): the checker and the pack both find it', () => {
    const build = (stack: Stack) => {
      const nested = new NestedStack(stack, 'Nested');
      new iam.Role(nested, 'Caller', { assumedBy: new iam.AccountRootPrincipal() })
        .addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
    };
    expect(findingLines(cdkApp(build))).toEqual([`${MISSING} App/Nested/Caller/Resource`]);

    const app = new App();
    Validations.of(app).addPlugins(new BedrockGuardrailChecks(app));
    build(new Stack(app, 'App', { env: ENV }));
    expect(() => app.synth()).toThrow(/BedrockGuardrail-GuardrailEnforcementMissing/);
  });

  test('a policy document written as a JSON string', async () => {
    const text = roleTemplate([]).replace('"Policies":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[]}}]',
      `"Policies":[{"PolicyName":"p","PolicyDocument":${JSON.stringify(JSON.stringify({ Statement: [ALLOW] }))}}]`);
    expect(text).toContain('\\"Effect\\"');
    has(text, `${MISSING} t.json/AppRole`);
    expect(await decide([{ Statement: [ALLOW] }], UNGUARDED_REQUEST)).toBe('Allowed');
  });

  test('a policy attached to a role outside the templates gets a warning; with its own enforcement Deny, none', () => {
    const grant = (statements: any[]) => roleTemplate([], {
      Grant: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'g', Roles: ['ExistingRole'], PolicyDocument: { Statement: statements } } },
    });
    expect(lines(grant([ALLOW]))).toEqual(['error BedrockGuardrail-PrincipalOutsideTemplates[ExistingRole] t.json/Grant']);
    expect(lines(grant([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]))).toEqual([]);
  });
});

describe('names and accounts', () => {
  test('a policy that names a role by name attaches only in its own account', () => {
    const stacks = cdkApp((a, app) => {
      const b = new Stack(app, 'Other', { env: { account: '444455556666', region: ENV.region } });
      for (const stack of [a, b]) {
        new iam.CfnRole(stack, 'Invoker', {
          roleName: 'app-invoker',
          assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: stack.account }, Action: 'sts:AssumeRole' }] },
          policies: [{ policyName: 'p', policyDocument: { Statement: [ALLOW] } }],
        });
      }
      new iam.CfnPolicy(a, 'Enforcement', { policyName: 'e', roles: ['app-invoker'], policyDocument: { Statement: [DENY] } });
    });
    expect(findingLines(stacks)).toEqual([`${MISSING} Other/Invoker`]);
  });
});

describe('Denies that cover less than every request', () => {
  test('pinned to one Region (cross-Region requests pass)', async () => {
    const deny = { ...DENY, Resource: ['arn:aws:bedrock:us-east-1:*:*', 'arn:aws:bedrock:::foundation-model/*'] };
    has(roleTemplate([ALLOW, deny]), `${MISSING} t.json/AppRole`);
    expect(await decide([{ Statement: [ALLOW, deny] }], UNGUARDED_REQUEST)).toBe('Allowed');
  });

  test('pinned to an account: no longer passes because the sample account happened to match', () => {
    const stacks = cdkApp(stack => {
      new iam.CfnRole(stack, 'Invoker', {
        assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: stack.account }, Action: 'sts:AssumeRole' }] },
        policies: [{ policyName: 'p', policyDocument: { Statement: [ALLOW, { ...DENY, Resource: 'arn:aws:bedrock:*:999988887777:*' }] } }],
      });
    });
    expect(findingLines(stacks)).toEqual([`${MISSING} App/Invoker`]);
  });

  test('NotResource that excludes nothing of Bedrock covers every request (no false positive)', () => {
    const { Resource: _r, ...rest } = DENY;
    expect(lines(roleTemplate([ALLOW, { ...rest, NotResource: 'arn:aws:s3:::nothing' }]))).toEqual([]);
    expect(lines(roleTemplate([ALLOW, { ...rest, NotResource: 'arn:aws:bedrock:*::foundation-model/*' }]))).toContain(`${MISSING} t.json/AppRole`);
  });

  test('the Deny in a permissions boundary counts (no false positive); its Allows do not grant', () => {
    const text = JSON.stringify({
      Resources: {
        Boundary: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, DENY] } } },
        AppRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: [] },
            PermissionsBoundary: { Ref: 'Boundary' },
            Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [ALLOW] } }],
          },
        },
      },
    });
    expect(lines(text)).toEqual([]);
  });
});

describe('values chosen at deploy time (Fn::If, conditions, parameters)', () => {
  test('an Allow in one branch of Fn::If may be deployed', async () => {
    has(roleTemplate([{ 'Fn::If': ['Prod', ALLOW, { Ref: 'AWS::NoValue' }] }]), `${MISSING} t.json/AppRole`);
    expect(await decide([{ Statement: [ALLOW] }], UNGUARDED_REQUEST)).toBe('Allowed');
  });

  test('a Deny whose actions depend on Fn::If, or on a parameter, denies nothing for sure', async () => {
    const viaIf = { ...DENY, Action: { 'Fn::If': ['Never', INVOKE, 's3:ListBucket'] } };
    has(roleTemplate([ALLOW, viaIf]), `${MISSING} t.json/AppRole`);
    const viaParameter = { ...DENY, Action: { Ref: 'Actions' } };
    has(roleTemplate([ALLOW, viaParameter], {}, { Parameters: { Actions: { Type: 'CommaDelimitedList' } } }), `${MISSING} t.json/AppRole`);
    // Deployed with the other branch: the Deny is about S3, and the Allow stands.
    expect(await decide([{ Statement: [ALLOW, { ...DENY, Action: 's3:ListBucket' }] }], UNGUARDED_REQUEST)).toBe('Allowed');
  });

  test('a Deny of the paths with its actions from a parameter does not count as denying them', () => {
    const text = roleTemplate([{ Effect: 'Allow', Action: 'bedrock-mantle:CreateInference', Resource: '*' }, { Effect: 'Deny', Action: { Ref: 'Actions' }, Resource: '*' }],
      {}, { Parameters: { Actions: { Type: 'CommaDelimitedList' } } });
    expect(lines(text)).toEqual(['error BedrockGuardrail-UnguardedInferencePath[OPENAI_COMPATIBLE_ENDPOINTS] t.json/AppRole']);
  });

  test('an enforcement policy resource with a Condition may not exist', () => {
    const stacks = cdkApp(stack => {
      const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
      role.addToPolicy(new iam.PolicyStatement({ actions: INVOKE, resources: ['*'] }));
      const enforce = new CfnParameter(stack, 'Enforce', { default: 'false' });
      const policy = new iam.CfnPolicy(stack, 'Enforcement', { policyName: 'e', roles: [role.roleName], policyDocument: { Statement: [DENY] } });
      policy.cfnOptions.condition = new CfnCondition(stack, 'IfEnforce', { expression: Fn.conditionEquals(enforce.valueAsString, 'true') });
    });
    expect(findingLines(stacks)).toEqual([`${MISSING} App/Caller/Resource`]);
  });

  test('a policy that names the role in one branch of Fn::If counts for its Allows, not its Denies', () => {
    const text = JSON.stringify({
      Resources: {
        A: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [] }, Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [ALLOW] } }] } },
        B: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [] } } },
        Enforcement: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'e', Roles: [{ 'Fn::If': ['C', { Ref: 'A' }, { Ref: 'B' }] }], PolicyDocument: { Statement: [DENY] } } },
      },
    });
    expect(lines(text)).toEqual([`${MISSING} t.json/A`]);
  });

  test('a guardrail value that may be a wildcard: Fn::If, Fn::Select, a parameter default', async () => {
    const withValue = (value: any, extra = {}) => roleTemplate([ALLOW, { ...DENY, Condition: { StringNotLike: { 'bedrock:GuardrailIdentifier': value } } }], {}, extra);
    has(withValue({ 'Fn::If': ['C', '*', GUARDRAIL] }), `${MISSING} t.json/AppRole`);
    has(withValue({ 'Fn::Select': [0, ['*']] }), `${MISSING} t.json/AppRole`);
    has(withValue({ Ref: 'G' }, { Parameters: { G: { Type: 'String', Default: '*' } } }), `${MISSING} t.json/AppRole`);
    // A parameter without a default names one guardrail the template cannot read: not second-guessed.
    expect(lines(withValue({ Ref: 'G' }, { Parameters: { G: { Type: 'String' } } }))).toEqual([]);
    expect(await decide([{ Statement: [ALLOW, { ...DENY, Condition: { StringNotLike: { 'bedrock:GuardrailIdentifier': '*' } } }] }], {
      ...UNGUARDED_REQUEST, context: { 'bedrock:GuardrailIdentifier': `arn:aws:bedrock:us-east-1:${ENV.account}:guardrail/mine0000000:1` },
    })).toBe('Allowed');
  });
});

describe('the guardrail an enforcement approves', () => {
  const BARE = GUARDRAIL.replace(/:1$/, '');
  const anyVersion = { ...DENY, Condition: { StringNotLike: { 'bedrock:GuardrailIdentifier': [BARE, `${BARE}:*`] } } };
  const all = { Effect: 'Allow', Action: 'bedrock:*', Resource: '*' };
  const pathsDenied = {
    Effect: 'Deny',
    NotAction: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:ApplyGuardrail',
      'bedrock:UpdateGuardrail', 'bedrock:CreateGuardrailVersion', 'bedrock:GetGuardrail'],
    Resource: '*',
  };

  test('can be changed by the principal it binds, when the draft or any numbered version is approved', async () => {
    expect(lines(roleTemplate([all, anyVersion, pathsDenied]))).toEqual([
      `error BedrockGuardrail-ApprovedGuardrailNotProtected[${BARE} bedrock:CreateGuardrailVersion] t.json/AppRole`,
      `error BedrockGuardrail-ApprovedGuardrailNotProtected[${BARE} bedrock:UpdateGuardrail] t.json/AppRole`,
    ]);
    for (const action of ['bedrock:UpdateGuardrail', 'bedrock:CreateGuardrailVersion']) {
      expect(await decide([{ Statement: [all, anyVersion, pathsDenied] }], { action, resource: BARE })).toBe('Allowed');
    }
  });

  test('is not reported when the changes are denied on it, or only fixed versions are approved', () => {
    const protect = { Effect: 'Deny', Action: ['bedrock:UpdateGuardrail', 'bedrock:CreateGuardrailVersion'], Resource: BARE };
    expect(lines(roleTemplate([all, anyVersion, pathsDenied, protect]))).toEqual([]);
    expect(lines(roleTemplate([all, DENY, pathsDenied]))).toEqual([]);
  });
});

describe('conditions read exactly', () => {
  test('a PassRole Deny with StringEquals compares literally and with case', async () => {
    const allowPass = { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' };
    for (const value of ['bedrock.*', 'Bedrock.AmazonAWS.com']) {
      const deny = { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': value } } };
      expect(lines(roleTemplate([allowPass, deny]))).toEqual(['error BedrockGuardrail-UnguardedInferencePath[PASS_ROLE_TO_BEDROCK] t.json/AppRole']);
      expect(await decide([{ Statement: [allowPass, deny] } as PolicyJson], {
        action: 'iam:PassRole', resource: `arn:aws:iam::${ENV.account}:role/job`, context: { 'iam:PassedToService': 'bedrock.amazonaws.com' },
      })).toBe('Allowed');
    }
    const exact = { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*', Condition: { StringLike: { 'iam:PassedToService': 'bedrock.*' } } };
    expect(lines(roleTemplate([allowPass, exact]))).toEqual([]);
  });

  test('a Null test on the guardrail key is not read as a guardrail value', () => {
    const nullDeny = { ...DENY, Condition: { Null: { 'bedrock:GuardrailIdentifier': 'true' } } };
    expect(lines(roleTemplate([ALLOW, nullDeny]))).toEqual([`${MISSING} t.json/AppRole`]);
  });
});

describe('input the command must survive', () => {
  const run = (...args: string[]) => {
    let stderr = '';
    const code = main(args, { stdout: () => undefined, stderr: t => { stderr += t; } });
    return { code, stderr };
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evasions-'));

  test('a null statement is read as nothing, not a crash', () => {
    const file = path.join(dir, 'null.json');
    fs.writeFileSync(file, roleTemplate([ALLOW, null]));
    expect(run('check', file)).toEqual({ code: 1, stderr: '' });
  });

  test('a JSON template with a byte-order mark', () => {
    const file = path.join(dir, 'bom.json');
    fs.writeFileSync(file, `\uFEFF${roleTemplate([ALLOW])}`);
    expect(run('check', file)).toEqual({ code: 1, stderr: '' });
  });

  test('an empty --acknowledge is a usage error', () => {
    const file = path.join(dir, 'bom.json');
    const result = run('check', file, '--acknowledge=');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--acknowledge needs a rule/);
  });
});

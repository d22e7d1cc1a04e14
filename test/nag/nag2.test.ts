import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import {
  BedrockGuardrailChecks,
  EnforcedGuardrail,
  GuardrailEnforcedInvokerRole,
  GuardrailVersion,
  InferencePath,
  InvokableModel,
} from '../../src';
import { main } from '../../src/check/cli';
import { DEFAULT_ENV } from '../sim/cfn';

/**
 * BedrockGuardrailChecks as a cdk-nag 2 pack (an aspect). The library loads the app's `cdk-nag`; here that name is
 * cdk-nag 2 (installed as `cdk-nag-v2`), so the tests run what a cdk-nag 2 app runs.
 */
jest.mock('cdk-nag', () => jest.requireActual('cdk-nag-v2'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nag2 = require('cdk-nag') as typeof import('cdk-nag-v2');

const G1 = `arn:aws:bedrock:us-east-1:${DEFAULT_ENV.account}:guardrail/abc123`;
const env = { account: DEFAULT_ENV.account, region: 'us-east-1' };
const guardrail = () => EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1));
const model = () => InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0');

interface Message { readonly level: 'error' | 'warning' | 'info'; readonly path: string; readonly text: string }

/** The pack's annotations after a synthesis, from the construct tree (stacks in a Stage included). */
function messages(app: App, prefix = 'BedrockGuardrail-'): Message[] {
  app.synth({ force: true });
  const out: Message[] = [];
  const levels: { [type: string]: Message['level'] } = { 'aws:cdk:error': 'error', 'aws:cdk:warning': 'warning', 'aws:cdk:info': 'info' };
  const visit = (c: IConstruct) => {
    for (const m of c.node.metadata) {
      const level = levels[m.type];
      if (level !== undefined && typeof m.data === 'string' && m.data.includes(prefix)) out.push({ level, path: c.node.path, text: m.data });
    }
    c.node.children.forEach(visit);
  };
  visit(app);
  return out;
}

/** `rule id (with any detail) @ construct path`, one per finding. */
const ids = (found: Message[]) => found.map(m => `${/^(BedrockGuardrail-[A-Za-z]+(\[[^\]]*\])?)/.exec(m.text)?.[1]} @ ${m.path}`).sort();

function newApp(props = {}) {
  const app = new App();
  Aspects.of(app).add(new BedrockGuardrailChecks(app, { reports: false, ...props }));
  return { app, stack: new Stack(app, 'Test', { env }) };
}

function appRole(scope: Stack, id = 'App') {
  return new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

describe('BedrockGuardrailChecks as a cdk-nag 2 pack (Aspects.of(app).add)', () => {
  test('an unguarded role gets an error annotation in cdk-nag 2\'s format, with the rule id and the fix', () => {
    const { app, stack } = newApp();
    appRole(stack).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
    const found = messages(app);
    expect(ids(found.filter(m => m.level === 'error'))).toContain('BedrockGuardrail-GuardrailEnforcementMissing @ Test/App/Resource');
    const text = found.find(m => m.text.startsWith('BedrockGuardrail-GuardrailEnforcementMissing'))!.text;
    expect(text).toMatch(/^BedrockGuardrail-GuardrailEnforcementMissing: .+ Fix: .+/);
  });

  test('the library\'s constructs pass with no annotation', () => {
    const { app, stack } = newApp();
    new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), guardrails: [guardrail()], models: [model()],
    });
    expect(messages(app)).toEqual([]);
  });

  test('the same findings as the validation plugin, across stacks, paths, details and warnings', () => {
    const build = (app: App) => {
      const a = new Stack(app, 'A', { env });
      const b = new Stack(app, 'B', { env });
      const role = appRole(a, 'Cross');
      // A policy of stack B that gives a role of stack A inference (the reference crosses stacks).
      new iam.Policy(b, 'Grant', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] })] });
      appRole(a, 'Paths').addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:CreateModelInvocationJob', 'bedrock-mantle:*', 'bedrock:Converse'], resources: ['*'] }));
      new GuardrailEnforcedInvokerRole(a, 'Open', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        guardrails: [guardrail()],
        models: [model()],
        allowUnguardedPaths: [InferencePath.BATCH_INFERENCE],
      });
      new bedrock.CfnGuardrail(b, 'NoKey', { name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no', wordPolicyConfig: { wordsConfig: [{ text: 'x' }] } });
    };
    const plugin = new App();
    build(plugin);
    const report = new BedrockGuardrailChecks().validateScope(plugin);
    const expected = report.violations.flatMap(v => v.violatingResources.map(r => `${v.ruleName} @ ${r.constructPath}`)).sort();
    expect(expected.length).toBe(5);
    expect(expected).toEqual(expect.arrayContaining([
      'BedrockGuardrail-GuardrailEnforcementMissing @ A/Cross/Resource',
      'BedrockGuardrail-UnguardedInferencePath[BATCH_INFERENCE] @ A/Paths/Resource',
      'BedrockGuardrail-NonexistentBedrockAction[bedrock:Converse] @ A/Paths/DefaultPolicy/Resource',
      'BedrockGuardrail-GuardrailWithoutCustomerManagedKey @ B/NoKey',
    ]));

    const app = new App();
    Aspects.of(app).add(new BedrockGuardrailChecks(app, { reports: false }));
    build(app);
    const found = messages(app);
    expect(ids(found)).toEqual(expected);
    // Each finding at its rule's level.
    const levels = Object.fromEntries(report.violations.map(v => [v.ruleName, v.severity]));
    for (const m of found) expect(levels[ids([m])[0].split(' @ ')[0]]).toBe(m.level);
    expect(found.some(m => m.level === 'warning')).toBe(true);
  });

  test('stacks inside a Stage (a CDK Pipelines app) are checked when the pack is added to the Stage (aspects of the app do not reach into a Stage)', () => {
    const app = new App();
    const stage = new Stage(app, 'Prod');
    Aspects.of(stage).add(new BedrockGuardrailChecks(stage, { reports: false }));
    appRole(new Stack(stage, 'Api', { env })).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:*'], resources: ['*'] }));
    expect(ids(messages(app).filter(m => m.level === 'error'))).toContain('BedrockGuardrail-GuardrailEnforcementMissing @ Prod/Api/App/Resource');
  });

  test('NagSuppressions acknowledges a finding; appliesTo acknowledges one detail and leaves the others', () => {
    const { app, stack } = newApp({ logIgnores: true });
    const role = appRole(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel', 'bedrock:CreateModelInvocationJob', 'bedrock:CreateEvaluationJob'], resources: ['*'] }));
    nag2.NagSuppressions.addResourceSuppressions(role, [
      { id: 'BedrockGuardrail-GuardrailEnforcementMissing', reason: 'Batch evaluation role; its prompts are synthetic.' },
      { id: 'BedrockGuardrail-UnguardedInferencePath', reason: 'Batch inference is reviewed per job.', appliesTo: ['BATCH_INFERENCE'] },
    ], true);
    const found = messages(app);
    const errors = ids(found.filter(m => m.level === 'error'));
    expect(errors).toEqual(['BedrockGuardrail-UnguardedInferencePath[MODEL_EVALUATION] @ Test/App/Resource']);
    // logIgnores: each suppressed finding is an info annotation with its reason.
    const infos = found.filter(m => m.level === 'info').map(m => m.text);
    expect(infos.some(t => t.startsWith('CdkNagSuppression: BedrockGuardrail-GuardrailEnforcementMissing was triggered but suppressed'))).toBe(true);
    expect(infos.some(t => t.startsWith('CdkNagSuppression[BATCH_INFERENCE]: BedrockGuardrail-UnguardedInferencePath was triggered but suppressed'))).toBe(true);
  });

  test('an acknowledgement with Validations.of(...).acknowledge counts too', () => {
    const build = (acknowledge: boolean) => {
      const { app, stack } = newApp();
      const role = appRole(stack);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModelWithGuardrail'], resources: ['*'] }));
      if (acknowledge) Validations.of(role).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-NonexistentBedrockAction[bedrock:InvokeModelWithGuardrail]', reason: 'Kept to show the rule' } as any);
      return messages(app);
    };
    expect(ids(build(false))).toEqual(['BedrockGuardrail-NonexistentBedrockAction[bedrock:InvokeModelWithGuardrail] @ Test/App/DefaultPolicy/Resource']);
    expect(build(true)).toEqual([]);
    // On the App: it covers everything under it.
    const { app, stack } = newApp();
    appRole(stack).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModelWithGuardrail'], resources: ['*'] }));
    Validations.of(app).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-NonexistentBedrockAction[bedrock:InvokeModelWithGuardrail]', reason: 'Kept to show the rule' } as any);
    expect(messages(app)).toEqual([]);
  });

  test('a warning is a warning annotation (cdk synth fails on it only with --strict); failOnWarnings makes it an error', () => {
    const guardrailWithoutKey = (stack: Stack) => new bedrock.CfnGuardrail(stack, 'NoKey', {
      name: 'g', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no', wordPolicyConfig: { wordsConfig: [{ text: 'x' }] },
    });
    const lenient = newApp();
    guardrailWithoutKey(lenient.stack);
    expect(messages(lenient.app).map(m => `${m.level} ${ids([m])[0]}`)).toEqual(['warning BedrockGuardrail-GuardrailWithoutCustomerManagedKey @ Test/NoKey']);
    const strict = newApp({ failOnWarnings: true });
    guardrailWithoutKey(strict.stack);
    expect(messages(strict.app).map(m => `${m.level} ${ids([m])[0]}`)).toEqual(['error BedrockGuardrail-GuardrailWithoutCustomerManagedKey @ Test/NoKey']);
  });

  test('each synthesis reads the app as it is then: a grant added after a first synthesis is found', () => {
    const { app, stack } = newApp();
    const role = appRole(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(messages(app)).toEqual([]);
    new iam.Policy(stack, 'Grant', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] })] });
    expect(ids(messages(app))).toContain('BedrockGuardrail-GuardrailEnforcementMissing @ Test/App/Resource');
  });

  test('reports: cdk-nag 2\'s CSV report of each stack, with the rule ids', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag2-'));
    const app = new App({ outdir });
    Aspects.of(app).add(new BedrockGuardrailChecks(app));
    appRole(new Stack(app, 'Test', { env })).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
    app.synth();
    const reports = fs.readdirSync(outdir).filter(f => f.endsWith('-NagReport.csv'));
    expect(reports).toEqual([expect.stringMatching(/^BedrockGuardrail-.*Test-NagReport\.csv$/)]);
    const csv = fs.readFileSync(path.join(outdir, reports[0]), 'utf8');
    expect(csv).toMatch(/"BedrockGuardrail-GuardrailEnforcementMissing","Test\/App\/Resource","Non-Compliant"/);
    expect(csv).toMatch(/"BedrockGuardrail-AgentWithoutGuardrail","Test\/App\/Resource","Compliant"/);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('beside cdk-nag 2\'s AwsSolutionsChecks, each pack reports its own rules', () => {
    const { app, stack } = newApp();
    Aspects.of(app).add(new nag2.AwsSolutionsChecks({ reports: false }));
    appRole(stack).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
    expect(messages(app, 'AwsSolutions-').map(m => `${m.text.split(': ')[0]} @ ${m.path}`)).toContain('AwsSolutions-IAM5[Resource::*] @ Test/App/DefaultPolicy/Resource');
    expect(ids(messages(app))).toEqual(['BedrockGuardrail-GuardrailEnforcementMissing @ Test/App/Resource']);
  });

  test('the pipeline gate reads cdk-nag 2\'s suppressions from the templates: the same findings pass and fail', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag2-gate-'));
    const app = new App({ outdir });
    const stage = new Stage(app, 'Prod');
    const stack = new Stack(stage, 'Api', { env });
    const role = appRole(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel', 'bedrock:CreateModelInvocationJob', 'bedrock:CreateEvaluationJob'], resources: ['*'] }));
    nag2.NagSuppressions.addResourceSuppressions(role, [
      { id: 'BedrockGuardrail-GuardrailEnforcementMissing', reason: 'Batch evaluation role; its prompts are synthetic.' },
      { id: 'BedrockGuardrail-UnguardedInferencePath', reason: 'Batch inference is reviewed per job.', appliesTo: [{ regex: '/^BATCH_/' }] },
    ], true);
    app.synth();
    let out = '';
    const code = main(['check', outdir, '--format', 'json'], { stdout: t => { out += t; }, stderr: () => undefined });
    const report = JSON.parse(out);
    const open = report.findings.filter((f: any) => f.acknowledged === undefined).map((f: any) => f.rule);
    const acknowledged = report.findings.filter((f: any) => f.acknowledged !== undefined).map((f: any) => `${f.rule}: ${f.acknowledged}`);
    expect(open).toEqual(['BedrockGuardrail-UnguardedInferencePath[MODEL_EVALUATION]']);
    expect(acknowledged.sort()).toEqual([
      'BedrockGuardrail-GuardrailEnforcementMissing: Batch evaluation role; its prompts are synthetic.',
      'BedrockGuardrail-UnguardedInferencePath[BATCH_INFERENCE]: [BATCH_INFERENCE] Batch inference is reviewed per job.',
    ]);
    expect(code).toBe(1);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('the pipeline gate honours cdk-nag 2\'s rules for suppressions: a reason of 10 characters or more, encoded reasons, and can ignore them', () => {
    const template = (suppressions: any[], templateLevel: any[] = []) => ({
      Metadata: templateLevel.length > 0 ? { cdk_nag: { rules_to_suppress: templateLevel } } : undefined,
      Resources: {
        AppRole: {
          Type: 'AWS::IAM::Role',
          Metadata: { cdk_nag: { rules_to_suppress: suppressions } },
          Properties: {
            AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
            Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' }] } }],
          },
        },
      },
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag2-tpl-'));
    const check = (t: any, ...args: string[]) => {
      const file = path.join(dir, 't.json');
      fs.writeFileSync(file, JSON.stringify(t));
      return main(['check', file, ...args], { stdout: () => undefined, stderr: () => undefined });
    };
    const id = 'BedrockGuardrail-GuardrailEnforcementMissing';
    expect(check(template([]))).toBe(1);
    expect(check(template([{ id, reason: 'Reviewed: synthetic prompts only' }]))).toBe(0);
    expect(check(template([{ id, reason: 'ok' }]))).toBe(1);
    expect(check(template([{ id, reason: Buffer.from('Geprüft: nur synthetische Prompts ✓').toString('base64'), is_reason_encoded: true }]))).toBe(0);
    expect(check(template([{ id, reason: 'Reviewed: synthetic prompts only' }]), '--ignore-template-suppressions')).toBe(1);
    // The stack-wide form, as NagSuppressions.addStackSuppressions writes it.
    expect(check(template([], [{ id, reason: 'Reviewed: synthetic prompts only' }]))).toBe(0);
    // The form writeSuppressionsToCloudFormation writes counts on the resource only.
    expect(check(template([], [{ id: `BedrockGuardrail::${id}`, reason: 'Reviewed: synthetic prompts only' }]))).toBe(1);
    expect(check(template([{ id: `BedrockGuardrail::${id}`, reason: 'Reviewed: synthetic prompts only' }]))).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('one pack added to two apps reads each app as it is at its synthesis', () => {
    const pack = new BedrockGuardrailChecks(undefined, { reports: false });
    const first = new App();
    Aspects.of(first).add(pack);
    appRole(new Stack(first, 'Test', { env })).addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(messages(first)).toEqual([]);
    const second = new App();
    Aspects.of(second).add(pack);
    appRole(new Stack(second, 'Test', { env })).addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
    expect(ids(messages(second))).toEqual(['BedrockGuardrail-GuardrailEnforcementMissing @ Test/App/Resource']);
  });

  test('a role that another aspect adds after the pack visited the app is checked too', () => {
    const { app, stack } = newApp();
    let added = false;
    Aspects.of(app).add({
      visit: () => {
        if (added) return;
        added = true;
        appRole(stack, 'Late').addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
      },
    });
    expect(ids(messages(app))).toEqual(['BedrockGuardrail-GuardrailEnforcementMissing @ Test/Late/Resource']);
  });
});

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { ExampleStack } from '../../examples/example-stack';
import { GuardrailEnforcedInvokerRole, GuardrailVersion, EnforcedGuardrail, InvokableModel } from '../../src';
import { main } from '../../src/check/cli';

const ROOT = path.join(__dirname, '..', '..');
const ENV = { account: '111122223333', region: 'us-east-1' };
const GUARDRAIL_ARN = `arn:aws:bedrock:${ENV.region}:${ENV.account}:guardrail/abc123def456`;

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `check-${prefix}-`));
}

/** Runs the command as `npx cdk-bedrock-guardrail-iam …` would, capturing what it writes. */
function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = main(args, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; } });
  return { code, stdout, stderr };
}

/** A role that can call every Bedrock model without a guardrail (one finding: GuardrailEnforcementMissing). */
function unguardedCaller(stack: Stack, id = 'Caller'): iam.Role {
  const role = new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
  return role;
}

function guardedCaller(stack: Stack, id = 'Invoker'): GuardrailEnforcedInvokerRole {
  return new GuardrailEnforcedInvokerRole(stack, id, {
    assumedBy: new iam.AccountRootPrincipal(),
    guardrails: [EnforcedGuardrail.fromArn(GUARDRAIL_ARN, GuardrailVersion.numbered(1))],
    models: [InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')],
  });
}

/** The findings' `severity rule where` from the JSON report. */
function findingsOf(dir: string, ...options: string[]): { code: number; lines: string[]; report: any } {
  const result = run('check', dir, '--format', 'json', ...options);
  const report = JSON.parse(result.stdout);
  const lines = report.findings
    .filter((f: any) => f.acknowledged === undefined)
    .map((f: any) => `${f.severity} ${f.rule} ${f.constructPath ?? `${f.stack}/${f.logicalId}`}`)
    .sort();
  return { code: result.code, lines, report };
}

const HAND_WRITTEN_YAML = `AWSTemplateFormatVersion: '2010-09-09'
Description: Written by hand, not by CDK
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app-role
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { AWS: !Sub 'arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root' }
            Action: sts:AssumeRole
  AppPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: app
      Roles: [!Ref AppRole]
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: bedrock:InvokeModel
            Resource: !Sub 'arn:\${AWS::Partition}:bedrock:\${AWS::Region}::foundation-model/*'
Outputs:
  RoleArn:
    Value: !GetAtt AppRole.Arn
`;

describe('the example app\'s cloud assembly', () => {
  const dir = tempDir('example');
  beforeAll(() => {
    const app = new App({ outdir: dir });
    new ExampleStack(app, 'BedrockGuardrailIamExample', { env: { region: 'us-east-1' } });
    app.synth();
  });

  test('passes: exit code 0, no finding', () => {
    const result = run('check', dir);
    expect(result).toEqual({ code: 0, stdout: '1 stack(s) checked: 0 error(s), 0 warning(s).\n', stderr: '' });
  });

  test('with an unguarded role added, fails with the finding at its construct path', () => {
    const dir2 = tempDir('example-bad');
    const app2 = new App({ outdir: dir2 });
    const stack = new ExampleStack(app2, 'BedrockGuardrailIamExample', { env: { region: 'us-east-1' } });
    unguardedCaller(stack, 'Backdoor');
    app2.synth();
    expect(findingsOf(dir2).lines).toEqual(['error BedrockGuardrail-GuardrailEnforcementMissing BedrockGuardrailIamExample/Backdoor/Resource']);
    expect(run('check', dir2).code).toBe(1);
  });
});

describe('an app whose stacks are all in a Stage', () => {
  const cdkSynth = (out: string, ...selectors: string[]) => spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk'), [
    'synth', ...selectors, '--quiet', '--no-notices', '--output', out,
    '--app', `${path.join(ROOT, 'node_modules', '.bin', 'ts-node')} --transpile-only --project ${path.join(ROOT, 'tsconfig.dev.json')} ${path.join(__dirname, 'fixtures', 'stage-app.ts')}`,
  ], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_VALIDATION: 'false', CDK_DISABLE_CLI_TELEMETRY: 'true' } });

  test('cdk synth exits 0 with the checks failing (the pitfall); the checker exits 1 on its output', () => {
    const out = tempDir('stage-cli');
    const cdk = cdkSynth(out);
    // What a pipeline sees from cdk synth: success. The failure is only in the report file.
    expect(cdk.status).toBe(0);
    expect(cdk.stderr).not.toContain('BedrockGuardrail');
    const report = JSON.parse(fs.readFileSync(path.join(out, 'validation-report.json'), 'utf8'));
    expect(JSON.stringify(report)).toContain('BedrockGuardrail-GuardrailEnforcementMissing');

    const result = run('check', out);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('error   BedrockGuardrail-GuardrailEnforcementMissing  Prod/Api Caller');
    expect(result.stdout).toContain('(Prod/Api/Caller/Resource)');
  });

  test('cdk synth \'**\' (every stack, stages included) does fail', () => {
    const cdk = cdkSynth(tempDir('stage-all'), '**');
    expect(cdk.status).toBe(1);
    expect(cdk.stderr).toContain('BedrockGuardrail-GuardrailEnforcementMissing');
  });

  test('nested stages are read; each finding names its stage and stack', () => {
    const dir = tempDir('stages');
    const app = new App({ outdir: dir });
    const prod = new Stage(app, 'Prod', { env: ENV });
    guardedCaller(new Stack(prod, 'Api'));
    const eu = new Stage(prod, 'Eu', { env: { ...ENV, region: 'eu-west-1' } });
    unguardedCaller(new Stack(eu, 'Api'));
    app.synth();
    expect(findingsOf(dir).lines).toEqual(['error BedrockGuardrail-GuardrailEnforcementMissing Prod/Eu/Api/Caller/Resource']);
  });
});

describe('a CDK Pipelines app', () => {
  const dir = tempDir('pipeline');
  beforeAll(() => {
    const app = new App({ outdir: dir });
    const pipelineStack = new Stack(app, 'Pipeline', { env: ENV });
    const pipeline = new pipelines.CodePipeline(pipelineStack, 'Pipeline', {
      synth: new pipelines.ShellStep('Synth', {
        input: pipelines.CodePipelineSource.connection('example/app', 'main', {
          connectionArn: `arn:aws:codeconnections:${ENV.region}:${ENV.account}:connection/0123abcd-4567-89ef-0123-456789abcdef`,
        }),
        commands: ['npm ci', 'npx cdk synth', 'npx cdk-bedrock-guardrail-iam check cdk.out'],
      }),
    });
    class ApiStage extends Stage {
      constructor(scope: App, id: string, unguarded: boolean) {
        super(scope, id, { env: ENV });
        const stack = new Stack(this, 'Api');
        guardedCaller(stack);
        if (unguarded) unguardedCaller(stack);
      }
    }
    pipeline.addStage(new ApiStage(app, 'Beta', false));
    pipeline.addStage(new ApiStage(app, 'Prod', true));
    app.synth();
  });

  test('the stages are found; only the unguarded role of Prod is reported (none of the pipeline\'s own roles)', () => {
    const { code, lines, report } = findingsOf(dir);
    expect(code).toBe(1);
    expect(lines).toEqual(['error BedrockGuardrail-GuardrailEnforcementMissing Prod/Api/Caller/Resource']);
    // The checker read the pipeline stack and both stages' stacks.
    expect([...report.stacks].sort()).toEqual(['Beta/Api', 'Pipeline', 'Prod/Api']);
  });

  test('the check can be a step of the pipeline (the command in the synth step)', () => {
    const template = JSON.parse(fs.readFileSync(path.join(dir, 'Pipeline.template.json'), 'utf8'));
    expect(JSON.stringify(template)).toContain('npx cdk-bedrock-guardrail-iam check cdk.out');
  });
});

describe('hand-written templates', () => {
  const dir = tempDir('files');
  const yamlFile = path.join(dir, 'app.yaml');
  fs.writeFileSync(yamlFile, HAND_WRITTEN_YAML);

  test('YAML with short-form intrinsics: one line per finding with rule, severity, stack, logical ID and the fix', () => {
    const result = run('check', yamlFile);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const [line, summary] = result.stdout.trimEnd().split('\n');
    expect(line).toMatch(/^error {3}BedrockGuardrail-GuardrailEnforcementMissing {2}app\.yaml AppRole {2}This IAM principal can call Amazon Bedrock models .* Fix: use GuardrailEnforcedInvokerRole/);
    expect(summary).toBe('1 stack(s) checked: 1 error(s), 0 warning(s).');
  });

  test('the same template as JSON gives the same finding; two files are read together', () => {
    const jsonFile = path.join(dir, 'app.template.json');
    fs.writeFileSync(jsonFile, JSON.stringify({
      Resources: {
        AppRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [] } } },
        AppPolicy: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'app',
            Roles: [{ Ref: 'AppRole' }],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' }] },
          },
        },
      },
    }));
    expect(findingsOf(jsonFile).lines).toEqual(['error BedrockGuardrail-GuardrailEnforcementMissing app.template.json/AppRole']);
    expect(findingsOf(yamlFile, jsonFile).lines).toEqual([
      'error BedrockGuardrail-GuardrailEnforcementMissing app.template.json/AppRole',
      'error BedrockGuardrail-GuardrailEnforcementMissing app.yaml/AppRole',
    ]);
  });

  test('--acknowledge RULE:STACK/LOGICAL_ID accepts that finding only; the exit code follows', () => {
    const acked = run('check', yamlFile, '--acknowledge', 'BedrockGuardrail-GuardrailEnforcementMissing:app.yaml/AppRole');
    expect(acked).toEqual({ code: 0, stdout: '1 stack(s) checked: 0 error(s), 0 warning(s), 1 acknowledged.\n', stderr: '' });
    expect(run('check', yamlFile, '--acknowledge', 'BedrockGuardrail-GuardrailEnforcementMissing:app.yaml/OtherRole').code).toBe(1);
    expect(run('check', yamlFile, '--acknowledge', 'BedrockGuardrail-UnguardedInferencePath').code).toBe(1);
    // With or without the namespace and the pack prefix, and as --acknowledge=…
    expect(run('check', yamlFile, '--acknowledge=BedrockGuardrail::BedrockGuardrail-GuardrailEnforcementMissing').code).toBe(0);
    expect(run('check', yamlFile, '--acknowledge', 'GuardrailEnforcementMissing').code).toBe(0);
  });
});

describe('output formats', () => {
  const dir = tempDir('formats');
  const file = path.join(dir, 'app.yaml');
  fs.writeFileSync(file, HAND_WRITTEN_YAML);

  test('json: every finding with its fields, and the counts', () => {
    const result = run('check', file, '--format', 'json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toEqual(expect.objectContaining({ stacks: ['app.yaml'], errors: 1, warnings: 0, acknowledged: 0 }));
    expect(report.findings).toEqual([expect.objectContaining({
      rule: 'BedrockGuardrail-GuardrailEnforcementMissing',
      severity: 'error',
      stack: 'app.yaml',
      logicalId: 'AppRole',
      template: file,
    })]);
  });

  test('sarif: SARIF 2.1.0 with the rule, the level, and the resource\'s line in the template', () => {
    const result = run('check', file, '--format', 'sarif');
    const sarif = JSON.parse(result.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0\.json$/);
    const [run0] = sarif.runs;
    expect(run0.tool.driver.name).toBe('cdk-bedrock-guardrail-iam');
    expect(run0.tool.driver.rules.map((r: any) => r.id)).toContain('BedrockGuardrail-GuardrailEnforcementMissing');
    expect(run0.results).toHaveLength(1);
    const [res] = run0.results;
    expect(res.ruleId).toBe('BedrockGuardrail-GuardrailEnforcementMissing');
    expect(res.level).toBe('error');
    const location = res.locations[0].physicalLocation;
    const appRoleLine = HAND_WRITTEN_YAML.split('\n').findIndex(l => l.startsWith('  AppRole:')) + 1;
    expect(location.region.startLine).toBe(appRoleLine);
    expect(location.artifactLocation.uri).toMatch(/app\.yaml$/);
  });

  test('sarif marks acknowledged findings as suppressed, with the reason', () => {
    const sarif = JSON.parse(run('check', file, '--format', 'sarif', '--acknowledge', 'GuardrailEnforcementMissing').stdout);
    expect(sarif.runs[0].results[0].suppressions).toEqual([{ kind: 'external', justification: 'acknowledged on the command line' }]);
  });

  test('--output writes the report to the file and the text summary to standard output', () => {
    const out = path.join(dir, 'report.sarif');
    const result = run('check', file, '--format', 'sarif', '--output', out);
    expect(result.code).toBe(1);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).version).toBe('2.1.0');
    expect(result.stdout).toContain('1 stack(s) checked: 1 error(s), 0 warning(s).');
    expect(result.stdout).toContain('BedrockGuardrail-GuardrailEnforcementMissing');
  });
});

describe('acknowledgements made in the app', () => {
  test('are read from the cloud assembly: the acknowledged finding does not fail the check, others still do', () => {
    const dir = tempDir('ack');
    const app = new App({ outdir: dir });
    const stack = new Stack(app, 'Api', { env: ENV });
    const accepted = unguardedCaller(stack, 'Accepted');
    unguardedCaller(stack, 'Other');
    Validations.of(accepted).acknowledge({ id: 'BedrockGuardrail::BedrockGuardrail-GuardrailEnforcementMissing', reason: 'Load test role, no user content' } as any);
    app.synth();
    const { code, lines, report } = findingsOf(dir);
    expect(code).toBe(1);
    expect(lines).toEqual(['error BedrockGuardrail-GuardrailEnforcementMissing Api/Other/Resource']);
    expect(report.findings.find((f: any) => f.constructPath === 'Api/Accepted/Resource').acknowledged).toBe('Load test role, no user content');
  });
});

describe('bad input: exit code 2 and one clear line, never a stack trace', () => {
  const dir = tempDir('bad');
  const cases: Array<[string, () => string[], RegExp]> = [
    ['a path that does not exist', () => ['check', path.join(dir, 'missing')], /missing: no such file or directory\./],
    ['a directory that is not a cloud assembly', () => ['check', dir], /not a cloud assembly \(no manifest\.json\)/],
    ['a cloud assembly without stacks (a wrong path or a failed synth must not pass)', () => {
      const empty = new App({ outdir: path.join(dir, 'empty.out') });
      empty.synth();
      return ['check', path.join(dir, 'empty.out')];
    }, /empty\.out: the cloud assembly has no stacks to check\./],
    ['a file that is not JSON or YAML', () => {
      fs.writeFileSync(path.join(dir, 'broken.json'), '{ "Resources": ');
      return ['check', path.join(dir, 'broken.json')];
    }, /broken\.json: not valid JSON/],
    ['YAML that does not parse', () => {
      fs.writeFileSync(path.join(dir, 'broken.yaml'), 'Resources:\n  A: [\n');
      return ['check', path.join(dir, 'broken.yaml')];
    }, /broken\.yaml: not valid YAML/],
    ['a file that is not a CloudFormation template', () => {
      fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "x" }');
      return ['check', path.join(dir, 'package.json')];
    }, /package\.json: not a CloudFormation template \(no Resources section\)/],
    ['an unknown format', () => ['check', 'cdk.out', '--format', 'xml'], /--format must be text, json or sarif, not 'xml'/],
    ['an option without its value', () => ['check', 'cdk.out', '--output'], /--output needs a value/],
    ['an unknown option', () => ['check', 'cdk.out', '--strict'], /Unknown option '--strict'/],
    ['no path', () => ['check'], /Give a cloud assembly directory/],
    ['an unknown command', () => ['lint', 'cdk.out'], /Unknown command 'lint'/],
    ['no command', () => [], /Usage: cdk-bedrock-guardrail-iam check/],
    ['an output file that cannot be written', () => {
      fs.writeFileSync(path.join(dir, 't.yaml'), HAND_WRITTEN_YAML);
      return ['check', path.join(dir, 't.yaml'), '--output', path.join(dir, 'missing', 'r.txt')];
    }, /r\.txt: cannot be written/],
  ];
  test.each(cases)('%s', (_name, args, message) => {
    const result = run(...args());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('--help prints the usage and exits 0', () => {
    const result = run('check', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--format text\|json\|sarif/);
  });
});

describe('the checker is independent of aws-cdk-lib', () => {
  test('running it loads neither aws-cdk-lib nor constructs', () => {
    const dir = tempDir('noload');
    fs.writeFileSync(path.join(dir, 't.yaml'), HAND_WRITTEN_YAML);
    const script = [
      "require('ts-node').register({ transpileOnly: true, project: 'tsconfig.dev.json' });",
      `const code = require('./src/check/cli').main(['check', ${JSON.stringify(path.join(dir, 't.yaml'))}], { stdout() {}, stderr() {} });`,
      'const loaded = Object.keys(require.cache).filter(f => /node_modules[\\\\/](aws-cdk-lib|constructs)[\\\\/]/.test(f));',
      'console.log(JSON.stringify({ code, loaded }));',
    ].join('\n');
    const child = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ code: 1, loaded: [] });
  });
});

/**
 * Synth-time benchmark: apps of N guardrail-enforced roles built with this library, side by side with the
 * same statements written by hand with plain aws-cdk-lib.
 *
 *   npx projen bench                      # sizes 1, 10, 100, 1000; at least 9 runs each
 *   npx projen bench -- --sizes 1 --runs 1
 *
 * Timings are noisy (this is not a test); the median of the runs is reported. Small apps get more runs
 * (at least 200 / roles), and the garbage of one run is collected before the next starts, so that a
 * collection does not land on whichever variant happens to run next.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { App, IPolicyValidationPluginBeta1, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BedrockGuardrailChecks, EnforcedGuardrail, GuardrailEnforcedInvokerRole, GuardrailVersion, InvokableModel } from '../src';
import { policySize } from '../src/private/policy-size';
import { CONFIG_CHANGES, GUARDRAIL_CHANGES } from '../test/sim/actions';

// aws-cdk-lib's CloudFormation schema validation is off for the timed runs (as in the tests): it costs the
// same in both variants and would hide the library's own cost.
process.env.CDK_VALIDATION = 'false';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const guardrailArn = (i: number) => `arn:aws:bedrock:${REGION}:${ACCOUNT}:guardrail/guard${String(i).padStart(7, '0')}`;

/** The AWS docs' Example 1 (one guardrail at version 1, foundation models), as published. */
const DOCS_EXAMPLE_1 = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'InvokeFoundationModelStatement1',
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: [`arn:aws:bedrock:${REGION}::foundation-model/*`],
      Condition: { StringEquals: { 'bedrock:GuardrailIdentifier': `${guardrailArn(0)}:1` } },
    },
    {
      Sid: 'InvokeFoundationModelStatement2',
      Effect: 'Deny',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: [`arn:aws:bedrock:${REGION}::foundation-model/*`],
      Condition: { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${guardrailArn(0)}:1` } },
    },
    { Sid: 'ApplyGuardrail', Effect: 'Allow', Action: ['bedrock:ApplyGuardrail'], Resource: [guardrailArn(0)] },
  ],
};

/** The hand-written variant's Deny of the inference paths IAM cannot guard, and of changes to the guardrail. */
const PATH_ACTIONS = [
  'bedrock-mantle:CreateInference', 'bedrock:CreateModelInvocationJob', 'bedrock:CreateEvaluationJob', 'bedrock:CreateModelEvaluationJob',
  'bedrock:CreateAgent', 'bedrock:UpdateAgent', 'bedrock:InvokeAgent', 'bedrock:InvokeInlineAgent', 'bedrock:RetrieveAndGenerate',
  'bedrock:AgenticRetrieveStream', 'bedrock:CreateFlow', 'bedrock:UpdateFlow', 'bedrock:InvokeFlow', 'bedrock:StartFlowExecution',
  'bedrock:OptimizePrompt', 'bedrock:CreateAdvancedPromptOptimizationJob', 'bedrock:GenerateQuery', 'bedrock:InvokeBuilder',
  'bedrock:InvokeDataAutomation', 'bedrock:InvokeDataAutomationAsync', 'bedrock:GetBlueprintRecommendation',
  'bedrock:InvokeBlueprintRecommendationAsync', 'bedrock:InvokeBlueprintOptimizationAsync',
  'bedrock:CreateDataSource', 'bedrock:UpdateDataSource', 'bedrock:StartIngestionJob', 'bedrock:IngestKnowledgeBaseDocuments',
  'bedrock-agentcore:InvokeHarness', 'bedrock-agentcore:Evaluate', 'bedrock-agentcore:StartBatchEvaluation', 'bedrock-agentcore:StartPolicyGeneration',
  'bedrock-agentcore:CreateEvent', 'bedrock-agentcore:StartMemoryExtractionJob',
  'bedrock:StartAutomatedReasoningPolicyBuildWorkflow', 'bedrock:StartAutomatedReasoningPolicyTestWorkflow',
];

export type Variant = 'library' | 'hand-written';

/** CloudFormation allows 500 resources per stack: large apps spread their roles over stacks of 250. */
const ROLES_PER_STACK = 250;

/** No checks, the pack, or a validation plugin that checks nothing (what aws-cdk-lib costs for any plugin). */
type Checks = 'none' | 'pack' | 'no-op';

/** How long each validate() of the pack took. */
const PACK_VALIDATE_MS: number[] = [];

const NO_OP_PLUGIN: IPolicyValidationPluginBeta1 = {
  name: 'NoOp',
  validate: () => ({ success: true, violations: [] }),
};

export function buildApp(variant: Variant, roles: number, outdir: string, checks: Checks = 'none'): App {
  const app = new App({ outdir });
  if (checks === 'pack') {
    // The pack, with the time of its own work (validate) recorded.
    const pack = new BedrockGuardrailChecks(app);
    const validate = pack.validate.bind(pack);
    pack.validate = context => {
      const start = process.hrtime.bigint();
      try {
        return validate(context);
      } finally {
        PACK_VALIDATE_MS.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    };
    Validations.of(app).addPlugins(pack);
  }
  if (checks === 'no-op') Validations.of(app).addPlugins(NO_OP_PLUGIN);
  let stack!: Stack;
  for (let i = 0; i < roles; i++) {
    if (i % ROLES_PER_STACK === 0) stack = new Stack(app, `Bench${i / ROLES_PER_STACK}`, { env: { account: ACCOUNT, region: REGION } });
    const assumedBy = new iam.ServicePrincipal('lambda.amazonaws.com');
    if (variant === 'library') {
      new GuardrailEnforcedInvokerRole(stack, `Role${i}`, {
        assumedBy,
        guardrails: [EnforcedGuardrail.fromArn(guardrailArn(i), GuardrailVersion.numbered(1))],
        models: [InvokableModel.foundationModel(MODEL)],
      });
    } else {
      const value = `${guardrailArn(i)}:1`;
      const actions = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
      new iam.Role(stack, `Role${i}`, {
        assumedBy,
        inlinePolicies: {
          GuardrailEnforcement: new iam.PolicyDocument({
            statements: [
              new iam.PolicyStatement({
                sid: 'InvokeWithApprovedGuardrail',
                actions,
                resources: [`arn:${stack.partition}:bedrock:${REGION}::foundation-model/${MODEL}`],
                conditions: { StringEquals: { 'bedrock:GuardrailIdentifier': value } },
              }),
              new iam.PolicyStatement({
                sid: 'DenyInvokeWithoutApprovedGuardrail',
                effect: iam.Effect.DENY,
                actions,
                resources: ['*'],
                conditions: { StringNotEquals: { 'bedrock:GuardrailIdentifier': value } },
              }),
              new iam.PolicyStatement({ sid: 'DenyInferenceWithoutGuardrailCheck', effect: iam.Effect.DENY, actions: PATH_ACTIONS, resources: ['*'] }),
              new iam.PolicyStatement({
                sid: 'DenyPassRoleToBedrock',
                effect: iam.Effect.DENY,
                actions: ['iam:PassRole'],
                resources: ['*'],
                conditions: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } },
              }),
              new iam.PolicyStatement({ sid: 'DenyChangesToApprovedGuardrails', effect: iam.Effect.DENY, actions: GUARDRAIL_CHANGES, resources: [guardrailArn(i)] }),
              new iam.PolicyStatement({ sid: 'DenyChangesToAccountGuardrailSettings', effect: iam.Effect.DENY, actions: CONFIG_CHANGES, resources: ['*'] }),
              new iam.PolicyStatement({ sid: 'ApplyGuardrail', actions: ['bedrock:ApplyGuardrail'], resources: [guardrailArn(i)] }),
            ],
          }),
        },
      });
    }
  }
  return app;
}

v8.setFlagsFromString('--expose-gc');
const collectGarbage: () => void = vm.runInNewContext('gc');

function synthOnce(variant: Variant, roles: number) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  collectGarbage();
  const start = process.hrtime.bigint();
  const assembly = buildApp(variant, roles, outdir).synth();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const stacks = assembly.stacks;
  const texts = stacks.map(s => fs.readFileSync(s.templateFullPath, 'utf8'));
  const template = JSON.parse(texts[0]);
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const firstRole = Object.values(template.Resources as { [id: string]: any }).find(r => r.Type === 'AWS::IAM::Role');
  const policyChars = policySize(resolvePartition(firstRole.Properties.Policies[0].PolicyDocument));
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ms, bytes, policyChars, templates: texts.join('\n') };
}

/** The partition as deployed in the commercial partition (the policy size IAM would count there). */
function resolvePartition(value: any): any {
  if (Array.isArray(value)) return value.map(resolvePartition);
  if (value === null || typeof value !== 'object') return value;
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (Array.isArray(value['Fn::Join'])) return resolvePartition(value['Fn::Join'][1]).join(value['Fn::Join'][0]);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolvePartition(v)]));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
/** The spread of runs: the middle half (25th to 75th percentile). */
const spread = (xs: number[], digits = 0) => `${quantile(xs, 0.25).toFixed(digits)}–${quantile(xs, 0.75).toFixed(digits)}`;

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/**
 * What importing the package costs, in fresh processes: the time to load the compiled package (lib/) after
 * the aws-cdk-lib classes its constructs extend, and the time to load it and build one invoker role.
 */
function importCost(runs: number) {
  const lib = path.join(__dirname, '..', 'lib');
  if (!fs.existsSync(path.join(lib, 'index.js'))) return undefined;
  const prelude = "const cdk=require('aws-cdk-lib'); const iam=require('aws-cdk-lib/aws-iam'); const kms=require('aws-cdk-lib/aws-kms');"
    + ' void iam.Role; void iam.ManagedPolicy; void kms.Key; void cdk.Stack; const t=process.hrtime.bigint();';
  const use = "const s=new cdk.Stack(new cdk.App(),'S',{env:{account:'111122223333',region:'us-east-1'}});"
    + " new m.GuardrailEnforcedInvokerRole(s,'R',{assumedBy:new iam.ServicePrincipal('lambda.amazonaws.com'),"
    + " guardrails:[m.EnforcedGuardrail.fromArn('arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123',m.GuardrailVersion.numbered(1))],"
    + " models:[m.InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')]});";
  // The same role written with aws-cdk-lib alone, in a process that does not load the package.
  const plain = "const s=new cdk.Stack(new cdk.App(),'S',{env:{account:'111122223333',region:'us-east-1'}});"
    + " new iam.Role(s,'R',{assumedBy:new iam.ServicePrincipal('lambda.amazonaws.com'),inlinePolicies:{G:new iam.PolicyDocument({statements:["
    + "new iam.PolicyStatement({actions:['bedrock:InvokeModel'],resources:['*'],conditions:{StringEquals:{'bedrock:GuardrailIdentifier':'x'}}})]})}});";
  const time = (code: string, load = true) => Number(execFileSync(process.execPath, ['-e',
    `${prelude} ${load ? `const m=require(${JSON.stringify(lib)});` : ''} ${code} console.log(Number(process.hrtime.bigint()-t)/1e6)`]).toString());
  const load: number[] = [];
  const construct: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    load.push(time(''));
    construct.push(time(use));
    baseline.push(time(plain, false));
  }
  return { load, construct, baseline };
}

/**
 * The pipeline checker as `npx cdk-bedrock-guardrail-iam check` runs it: a fresh process that loads no
 * aws-cdk-lib. Timed from reading the cloud assembly to the report (loading the checker's modules excluded).
 */
const CHECKER_TIMING = `
require('ts-node').register({ transpileOnly: true, project: 'tsconfig.dev.json' });
const { readInputs } = require('./src/check/input');
const { checkTemplates } = require('./src/check/rules');
const { reportFindings, formatText } = require('./src/check/report');
const t = process.hrtime.bigint();
const stacks = readInputs([process.argv[1]]);
const findings = reportFindings(checkTemplates(stacks));
formatText(findings, stacks.map(s => s.name));
const ms = Number(process.hrtime.bigint() - t) / 1e6;
if (Object.keys(require.cache).some(f => f.includes('aws-cdk-lib'))) throw new Error('the checker loaded aws-cdk-lib');
console.log(JSON.stringify({ ms, stacks: stacks.length, findings: findings.map(f => f.ruleName) }));
`;

/**
 * The cost of the checks on the library's app of `roles` roles: synth with BedrockGuardrailChecks registered
 * against synth without it (paired runs, alternating order), and the pipeline checker on the synthesized cloud
 * assembly (reading every template and checking it) against the synth that wrote it. Both must find nothing.
 */
function checksCost(roles: number, runs: number) {
  const times: { [c in Checks]: number[] } = { 'none': [], 'pack': [], 'no-op': [] };
  const once = (checks: Checks, keep = false) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-checks-'));
    collectGarbage();
    const start = process.hrtime.bigint();
    buildApp('library', roles, outdir, checks).synth();
    times[checks].push(Number(process.hrtime.bigint() - start) / 1e6);
    if (keep) return outdir;
    fs.rmSync(outdir, { recursive: true, force: true });
    return undefined;
  };
  const orders: Checks[][] = [['none', 'no-op', 'pack'], ['pack', 'no-op', 'none'], ['no-op', 'pack', 'none']];
  for (const checks of orders[0]) once(checks);
  for (const k of Object.keys(times) as Checks[]) times[k].length = 0;
  PACK_VALIDATE_MS.length = 0;
  for (let r = 0; r < runs; r++) for (const checks of orders[r % orders.length]) once(checks);
  // The checker, on one assembly of the app, in fresh processes after the synths (so as not to disturb them).
  const outdir = once('none', true)!;
  times.none.pop();
  const checker: number[] = [];
  for (let r = 0; r < runs; r++) {
    const result = JSON.parse(execFileSync(process.execPath, ['-e', CHECKER_TIMING, outdir], { cwd: path.join(__dirname, '..') }).toString());
    checker.push(result.ms);
    if (result.findings.length > 0 || result.stacks !== Math.ceil(roles / ROLES_PER_STACK)) {
      throw new Error(`The checker found ${result.findings.length} finding(s) in ${result.stacks} stack(s) of the library's app: ${result.findings.join(', ')}`);
    }
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  const ratio = (a: number[], b: number[]) => a.map((x, i) => x / b[i]);
  return {
    plain: times.none,
    withPack: times.pack,
    noOp: times['no-op'],
    packRatio: ratio(times.pack, times.none),
    packOwn: PACK_VALIDATE_MS.map((ms, i) => ms / times.pack[i]),
    noOpRatio: ratio(times['no-op'], times.none),
    checker,
    checkerRatio: checker.map(ms => ms / median(times.none)),
  };
}

if (require.main === module) main();

function main() {
  const sizes = argument('sizes', '1,10,100,1000').split(',').map(Number);
  const runs = Number(argument('runs', '9'));
  const runsFor = (size: number) => Math.max(runs, Math.ceil(200 / size));

  const imports = importCost(Math.max(runs, 9));
  if (imports === undefined) {
    console.log('Import cost: lib/ is not built (npx projen compile), so it is not measured.');
  } else {
    console.log(`Import cost (fresh processes, after the aws-cdk-lib classes the constructs extend): load ${median(imports.load).toFixed(1)} ms `
      + `(middle half ${spread(imports.load, 1)}); load and build one GuardrailEnforcedInvokerRole ${median(imports.construct).toFixed(1)} ms (${spread(imports.construct, 1)}), `
    + `against ${median(imports.baseline).toFixed(1)} ms (${spread(imports.baseline, 1)}) for one iam.Role with an inline policy and no package.`);
  }

  console.log(`Synth benchmark, CloudFormation validation off: at least ${runs} run(s) per size (${sizes.map(n => `${runsFor(n)} for ${n}`).join(', ')}), median and middle half; Node ${process.version}, ${os.cpus().length} CPUs`);
  console.log('| roles | library ms | hand-written ms | ratio of medians | median of paired ratios (middle half) | template bytes | policy chars per role |');
  console.log('|---|---|---|---|---|---|---|');
  let differs = false;
  for (const size of sizes) {
    const results: { [v: string]: ReturnType<typeof synthOnce>[] } = { 'library': [], 'hand-written': [] };
    // Warm up: the first synths of a process pay for loading modules, whichever variant runs first.
    for (const v of ['library', 'hand-written', 'library', 'hand-written'] as Variant[]) synthOnce(v, size);
    for (let r = 0; r < runsFor(size); r++) {
      // Alternate the order so that neither variant always runs on a warmer process.
      const order: Variant[] = r % 2 === 0 ? ['library', 'hand-written'] : ['hand-written', 'library'];
      for (const v of order) results[v].push(synthOnce(v, size));
    }
    const lib = results.library.map(x => x.ms);
    const hand = results['hand-written'].map(x => x.ms);
    // The machine's speed drifts over seconds (other tenants): the ratio of each pair of neighbouring runs
    // cancels the drift, and its median is the least noisy estimate.
    const paired = results.library.map((x, r) => x.ms / results['hand-written'][r].ms);
    // The comparison is like for like only if both variants write the same templates, at every size.
    const same = results.library[0].templates === results['hand-written'][0].templates;
    differs ||= !same;
    console.log(`| ${size} | ${median(lib).toFixed(0)} (${spread(lib)}) | ${median(hand).toFixed(0)} (${spread(hand)}) | ${(median(lib) / median(hand)).toFixed(2)} `
      + `| ${median(paired).toFixed(2)} (${spread(paired, 2)}) | ${results.library[0].bytes}${same ? '' : ` / ${results['hand-written'][0].bytes} DIFFERENT`} `
      + `| ${results.library[0].policyChars} |`);
  }
  if (differs) {
    console.error('\nThe hand-written templates differ from the library\'s at some size, so the timings do not compare the same output.');
    process.exitCode = 1;
  } else {
    console.log('\nAt every size, both variants synthesize the same templates, character for character.');
  }
  const checkSize = Math.max(...sizes);
  const cost = checksCost(checkSize, runs);
  console.log(`\nChecks on the library's app of ${checkSize} role(s), ${runs} run(s) of each, median (middle half):`);
  console.log(`- synth ${median(cost.plain).toFixed(0)} ms (${spread(cost.plain)}); with BedrockGuardrailChecks ${median(cost.withPack).toFixed(0)} ms (${spread(cost.withPack)}), `
    + `paired ratio ${median(cost.packRatio).toFixed(2)} (${spread(cost.packRatio, 2)}); with a validation plugin that checks nothing ${median(cost.noOp).toFixed(0)} ms `
    + `(${spread(cost.noOp)}), paired ratio ${median(cost.noOpRatio).toFixed(2)} (${spread(cost.noOpRatio, 2)}): aws-cdk-lib's own cost of running any plugin.`);
  console.log(`- the pack's own work (its validate(), timed inside the synth): ${(100 * median(cost.packOwn)).toFixed(1)} % of that synth (${spread(cost.packOwn.map(x => 100 * x), 1)} %).`);
  console.log(`- the checker on the cloud assembly (a fresh process, as in a pipeline) ${median(cost.checker).toFixed(0)} ms (${spread(cost.checker)}), `
    + `${(100 * median(cost.checkerRatio)).toFixed(1)} % of the median synth (${spread(cost.checkerRatio.map(x => 100 * x), 1)} %). The pack and the checker found nothing.`);
  const ours = synthOnce('library', 1).policyChars;
  const docs = JSON.stringify(DOCS_EXAMPLE_1).length;
  console.log(`One guardrail, one model: the library's policy is ${ours} characters; the AWS docs' Example 1 is ${docs}.`);
}

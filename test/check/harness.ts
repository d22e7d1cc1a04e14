import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { readAssembly, readInputs, TemplateStack } from '../../src/check/input';
import { AppModel, Principal } from '../../src/check/model';
import { reportFindings } from '../../src/check/report';
import { checkTemplates } from '../../src/check/rules';
import { DEFAULT_ENV } from '../sim/cfn';
import { decide, PolicyJson, SimRequest } from '../sim/simulate';

/** The account and Region of the corpus's stacks. */
export const ENV = { account: DEFAULT_ENV.account, region: DEFAULT_ENV.region };

/** The stacks of a CDK app built by `build` (one stack `App` given, more can be added), as `cdk synth` writes them. */
export function cdkApp(build: (stack: Stack, app: App) => void): TemplateStack[] {
  const app = new App();
  build(new Stack(app, 'App', { env: ENV }), app);
  return readAssembly(app.synth().directory);
}

/** Hand-written template files (YAML or JSON text), read as the checker reads files. */
export function templateFiles(files: { [name: string]: string }): TemplateStack[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return readInputs(Object.keys(files).map(name => path.join(dir, name)));
}

/** Where a finding is: the construct path, or `STACK/LOGICAL_ID` for a template without construct paths. */
export function whereOf(stack: TemplateStack, logicalId: string): string {
  return stack.constructPaths.get(logicalId) ?? `${stack.name}/${logicalId}`;
}

/** The unacknowledged findings as `severity ruleName where`, sorted. */
export function findingLines(stacks: TemplateStack[]): string[] {
  return reportFindings(checkTemplates(stacks))
    .filter(f => f.acknowledged === undefined)
    .map(f => `${f.severity} ${f.ruleName} ${f.constructPath ?? `${f.stack}/${f.logicalId}`}`)
    .sort();
}

/**
 * What the relevant AWS managed policies allow, for the simulator: the statements of the AWS Managed Policy
 * Reference (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/NAME.html) that concern Bedrock,
 * `bedrock-mantle` and `iam:PassRole`, reduced to the actions on every resource.
 */
export const AWS_MANAGED_DOCUMENTS: { [name: string]: PolicyJson } = {
  AmazonBedrockFullAccess: {
    Statement: [
      { Effect: 'Allow', Action: ['bedrock:*', 'bedrock-mantle:*'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: 'arn:aws:iam::*:role/*AmazonBedrock*',
        Condition: { StringEquals: { 'iam:PassedToService': ['bedrock.amazonaws.com'] } },
      },
    ],
  },
  AmazonBedrockLimitedAccess: {
    Statement: [{
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock-mantle:CreateInference', 'bedrock:CreateModelInvocationJob',
        'bedrock:CreateEvaluationJob', 'bedrock:Get*', 'bedrock:StartAutomatedReasoningPolicyBuildWorkflow',
        'bedrock:CreateGuardrailVersion', 'bedrock:DeleteGuardrail'],
      Resource: '*',
    }],
  },
  AmazonBedrockMantleInferenceAccess: { Statement: [{ Effect: 'Allow', Action: 'bedrock-mantle:CreateInference', Resource: 'arn:aws:bedrock-mantle:*:*:project/*' }] },
  AmazonBedrockReadOnly: { Statement: [{ Effect: 'Allow', Action: ['bedrock:Get*', 'bedrock:List*'], Resource: '*' }] },
  PowerUserAccess: { Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }] },
  AdministratorAccess: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  IAMFullAccess: { Statement: [{ Effect: 'Allow', Action: ['iam:*', 'organizations:DescribeAccount'], Resource: '*' }] },
};

/**
 * Every policy document that may apply to a principal, found by text rather than by the checker's model (so
 * that a Deny the model misses still reaches the simulator): inline policies; any policy resource of any stack
 * whose attachment properties mention the principal's logical ID, its literal name, or an export whose value
 * mentions it; managed policies in its ManagedPolicyArns (by reference, import, or AWS managed name); for a
 * user, the same for the groups whose properties mention it.
 */
export function looseDocuments(stacks: TemplateStack[], principal: Principal): PolicyJson[] {
  const docs = new Set<any>();
  const props = principal.resource.Properties ?? {};
  const nameProp = { role: 'RoleName', user: 'UserName', group: 'GroupName' }[principal.kind];
  const name = typeof props[nameProp] === 'string' ? props[nameProp] : undefined;
  const exportsNaming = stacks.flatMap(s => Object.values((s.template.Outputs ?? {}) as { [id: string]: any })
    .filter(o => s === principal.stack && JSON.stringify(o.Value).includes(`"${principal.logicalId}"`) && o.Export?.Name)
    .map(o => String(o.Export.Name)));
  const mentions = (stack: TemplateStack, value: any) => {
    const text = JSON.stringify(value ?? null);
    return (stack === principal.stack && text.includes(`"${principal.logicalId}"`))
      || (name !== undefined && text.includes(name))
      || exportsNaming.some(e => text.includes(`"${e}"`));
  };
  for (const p of props.Policies ?? []) docs.add(p.PolicyDocument);
  for (const stack of stacks) {
    for (const [id, r] of Object.entries((stack.template.Resources ?? {}) as { [id: string]: any })) {
      if (!/^AWS::IAM::(Policy|ManagedPolicy|RolePolicy|UserPolicy|GroupPolicy)$/.test(r.Type)) continue;
      const { PolicyDocument, ...attachment } = r.Properties ?? {};
      if (mentions(stack, attachment)) docs.add(PolicyDocument);
      void id;
    }
  }
  for (const arn of props.ManagedPolicyArns ?? []) {
    const text = JSON.stringify(arn);
    const aws = /iam::aws:policy\/(?:[^"]*\/)?([A-Za-z0-9+=,.@_-]+)"/.exec(text);
    if (aws !== null && AWS_MANAGED_DOCUMENTS[aws[1]] !== undefined) docs.add(AWS_MANAGED_DOCUMENTS[aws[1]]);
    for (const stack of stacks) {
      for (const [id, r] of Object.entries((stack.template.Resources ?? {}) as { [id: string]: any })) {
        if (r.Type !== 'AWS::IAM::ManagedPolicy') continue;
        const exported = Object.values((stack.template.Outputs ?? {}) as { [k: string]: any })
          .filter(o => JSON.stringify(o.Value).includes(`"${id}"`) && o.Export?.Name).map(o => String(o.Export.Name));
        if ((stack === principal.stack && text.includes(`"${id}"`)) || exported.some(e => text.includes(`"${e}"`))
          || (typeof r.Properties?.ManagedPolicyName === 'string' && text.includes(`policy/${r.Properties.ManagedPolicyName}`))) docs.add(r.Properties.PolicyDocument);
      }
    }
  }
  if (principal.kind === 'user') {
    const model = new AppModel(stacks);
    for (const group of model.principals.filter(p => p.kind === 'group')) {
      const groupName = group.resource.Properties?.GroupName;
      const member = JSON.stringify(props.Groups ?? []).includes(`"${group.logicalId}"`)
        || (typeof groupName === 'string' && JSON.stringify(props.Groups ?? []).includes(groupName))
        || stacks.some(s => Object.values((s.template.Resources ?? {}) as { [id: string]: any })
          .some(r => r.Type === 'AWS::IAM::UserToGroupAddition' && JSON.stringify(r.Properties.Users).includes(`"${principal.logicalId}"`)
            && JSON.stringify(r.Properties.GroupName).includes(`"${group.logicalId}"`)));
      if (member) looseDocuments(stacks, group).forEach(d => docs.add(d));
    }
  }
  return [...docs].filter(d => d !== undefined);
}

/** A template value as deployed in the corpus's account and Region: unknown references become placeholders. */
export function resolveLoosely(value: any, refs: { [logicalId: string]: string } = {}): any {
  const again = (v: any) => resolveLoosely(v, refs);
  if (Array.isArray(value)) return value.map(again);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [k] = keys;
    const arg = value[k];
    const pseudo: { [n: string]: string } = { 'AWS::Partition': 'aws', 'AWS::Region': ENV.region, 'AWS::AccountId': ENV.account, 'AWS::URLSuffix': 'amazonaws.com' };
    switch (k) {
      case 'Ref': return pseudo[arg] ?? refs[arg] ?? `unresolved-${arg}`;
      case 'Fn::GetAtt': return `unresolved-${Array.isArray(arg) ? arg.join('.') : arg}`;
      case 'Fn::ImportValue': return 'unresolved-import';
      case 'Fn::Join': return (again(arg[1]) as any[]).join(arg[0]);
      case 'Fn::Sub': {
        const [template, vars] = Array.isArray(arg) ? arg : [arg, {}];
        return String(template).replace(/\$\{([^}]+)\}/g, (_m, n: string) => (vars?.[n] !== undefined ? again(vars[n]) : pseudo[n] ?? refs[n] ?? `unresolved-${n}`));
      }
      case 'Fn::Select': return (again(arg[1]) as any[])[Number(arg[0])];
      case 'Fn::Split': return String(again(arg[1])).split(arg[0]);
    }
  }
  const out: any = {};
  for (const k of keys) out[k] = again(value[k]);
  return out;
}

/**
 * IAM's decision for a request of a principal, with everything that applies to it: the documents the checker
 * attributes to it and those found by text (`looseDocuments`), and its AWS managed policies.
 */
export async function decideFor(
  stacks: TemplateStack[], where: string, request: SimRequest, refs: { [logicalId: string]: string } = {},
): Promise<string> {
  const model = new AppModel(stacks);
  const principal = model.principals.find(p => whereOf(p.stack, p.logicalId) === where || whereOf(p.stack, p.logicalId) === `${where}/Resource`);
  if (principal === undefined) throw new Error(`no principal at ${where}`);
  const policies = model.policiesOf(principal);
  const documents = new Set<any>([...policies.documents.map(d => d.document), ...looseDocuments(stacks, principal)]);
  for (const name of policies.awsManagedPolicies) {
    if (AWS_MANAGED_DOCUMENTS[name] === undefined) throw new Error(`the corpus has no document for the AWS managed policy ${name}`);
    documents.add(AWS_MANAGED_DOCUMENTS[name]);
  }
  return decide([...documents].map(d => resolveLoosely(d, refs)), request);
}

import { AWS_MANAGED_POLICY_REACH } from './aws-managed-policies';
import { branchValues, documentJson, readDocument } from './branches';
import { TemplateStack } from './input';
import { AppModel, contextOf, ExternalGrant, Principal } from './model';
import {
  AGENT_OR_RAG_ACTIONS,
  allowsOn,
  changeableApprovals,
  deniesOn,
  deniesPath,
  enforcementDefectsOf,
  enforcementDenyDefects,
  guardrailConditions,
  hasEnforcementDeny,
  INVOKE_ACTIONS,
  isKnownValue,
  valueText,
} from './policy';
import { InferencePath } from '../model/inference-path';
import { INFERENCE_PATHS } from '../model/inference-paths';
import { asArray, asText, coversAction, PolicyJson, Statement, wildcardMatch } from '../util/policy-json';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

export type Severity = 'error' | 'warning';

/** A rule of the checks: what it finds, how bad it is, the fix, and why it matters. */
export interface RuleSpec {
  readonly id: string;
  readonly severity: Severity;
  /** What was found, and the fix (shown with every finding). */
  readonly info: string;
  /** Why it matters (verbose mode, SARIF help). */
  readonly explanation: string;
}

/** One finding: a rule, the resource it is about, and what exactly was found. */
export interface Finding {
  readonly rule: RuleSpec;
  /** What exactly was found, when a rule can find several things on one resource (`bedrock:Converse`). */
  readonly detail?: string;
  readonly stack: TemplateStack;
  readonly logicalId: string;
  /** Said of this resource only, besides the rule's info. */
  readonly message?: string;
}

/** The rules, in the order of the README's table. */
export const RULES = {
  GuardrailEnforcementMissing: {
    id: 'GuardrailEnforcementMissing',
    severity: 'error',
    info: 'This IAM principal can call Amazon Bedrock models (InvokeModel, InvokeModelWithResponseStream, so Converse too) without an approved guardrail. '
      + 'Fix: use GuardrailEnforcedInvokerRole, attach a GuardrailEnforcementPolicy, or add the EnforceGuardrails aspect.',
    explanation: 'Only an explicit Deny with a negated bedrock:GuardrailIdentifier string condition over every invokable resource, pinned to guardrails of this '
      + 'account, makes a guardrail mandatory: an Allow with a condition is reopened by any other Allow, a Deny on foundation-model/* leaves inference '
      + 'profiles open, a wildcard admits any guardrail (even one the principal creates), and ArnNotLike lets a request that names a guardrail by its bare ID through.',
  },
  UnguardedInferencePath: {
    id: 'UnguardedInferencePath',
    severity: 'error',
    info: 'This IAM principal can get model output through a path that carries no guardrail IAM can check (the finding names the InferencePath). '
      + 'Fix: use the library\'s constructs or the EnforceGuardrails aspect, which deny every such path, or deny the path\'s actions yourself.',
    explanation: 'Only InvokeModel and InvokeModelWithResponseStream have the bedrock:GuardrailIdentifier key. Batch, evaluation, agents, flows, '
      + 'knowledge-base generation, the OpenAI-compatible bedrock-mantle endpoints, prompt optimization and passing a role to Bedrock run models with no '
      + 'guardrail IAM can require, so a guardrail Deny alone does not stop them.',
  },
  InferencePathAllowed: {
    id: 'InferencePathAllowed',
    severity: 'warning',
    info: 'A construct of this library leaves an inference path without a guardrail check open for this principal (allowUnguardedPaths). '
      + 'Fix: remove the path from allowUnguardedPaths, or acknowledge this finding with the reason.',
    explanation: 'allowUnguardedPaths is an explicit choice: requests through the path reach models without any guardrail IAM can require.',
  },
  ApprovedGuardrailNotProtected: {
    id: 'ApprovedGuardrailNotProtected',
    severity: 'error',
    info: 'A guardrail-enforced principal can change a guardrail its own enforcement approves at the draft or at any numbered version '
      + '(bedrock:UpdateGuardrail, bedrock:CreateGuardrailVersion), so it can empty the guardrail and still pass the Deny. '
      + 'Fix: use the library\'s constructs or the EnforceGuardrails aspect (they deny changes to the approved guardrails), or deny those actions on the guardrail.',
    explanation: 'An approval of the draft follows every UpdateGuardrail; an approval of any numbered version (:*) accepts a version the principal '
      + 'publishes itself. A numbered version cannot be changed, so approving fixed versions only is not affected.',
  },
  MalformedBedrockPolicy: {
    id: 'MalformedBedrockPolicy',
    severity: 'error',
    info: 'An AWS Organizations Bedrock policy has a guardrail identifier that is not ARN:version of a guardrail in the Region it is listed under. '
      + 'Fix: use OrganizationGuardrailPolicy, or write arn:aws:bedrock:REGION:MANAGEMENT_ACCOUNT:guardrail/ID:VERSION.',
    explanation: 'AWS Organizations warns that an incorrect or malformed identifier makes every Amazon Bedrock call of the targeted accounts fail.',
  },
  SelectiveContentGuarding: {
    id: 'SelectiveContentGuarding',
    severity: 'warning',
    info: 'An enforced guardrail evaluates only the content callers mark with input tags (SELECTIVE) in system prompts or messages. '
      + 'Fix: use COMPREHENSIVE (ContentGuarding.COMPREHENSIVE), or acknowledge this finding if every caller is trusted to tag.',
    explanation: 'With selective guarding, a caller that sets no input tags sends that content to the model unchecked.',
  },
  BedrockPolicyWithoutResourcePolicy: {
    id: 'BedrockPolicyWithoutResourcePolicy',
    severity: 'warning',
    info: 'An AWS Organizations Bedrock policy enforces a guardrail that no resource policy of the checked templates lets the organization apply. '
      + 'Fix: add a GuardrailResourcePolicy with allowOrganization() (OrganizationGuardrailPolicy creates it with organizationId), or acknowledge if it exists elsewhere.',
    explanation: 'Member accounts apply a guardrail of the management account; without a resource policy that allows them, their inference fails with AccessDenied.',
  },
  UnknownManagedPolicy: {
    id: 'UnknownManagedPolicy',
    severity: 'warning',
    info: 'This IAM principal has a customer managed policy attached by ARN that none of the checked templates defines, so what it allows cannot be checked. '
      + 'Fix: check that policy for Bedrock permissions and acknowledge this finding, or define the policy in the app.',
    explanation: 'A managed policy outside the app may allow inference or an unguarded path; the checks see only what the templates contain.',
  },
  PrincipalOutsideTemplates: {
    id: 'PrincipalOutsideTemplates',
    // An error: a grant of inference the checks cannot see guarded is treated as unguarded (fail closed).
    severity: 'error',
    info: 'A policy gives Bedrock inference or an inference path to a principal that none of the checked templates defines (for example a role imported '
      + 'from outside the app), without an enforcement Deny of its own, so whether the principal is guarded cannot be checked. '
      + 'Fix: attach a GuardrailEnforcementPolicy to that principal, check it and acknowledge this finding, or check its templates together with these.',
    explanation: 'The checks see only the templates they are given; the principal\'s other policies, and its enforcement if it has one, are elsewhere.',
  },
  IneffectiveGuardrailCondition: {
    id: 'IneffectiveGuardrailCondition',
    severity: 'error',
    info: 'A bedrock:GuardrailIdentifier condition does not enforce what it seems to. Fix: build the condition with EnforcedGuardrail and GuardrailVersion.',
    explanation: 'An ...IfExists operator on an Allow lets requests without a guardrail through; a value ending in /ID* also matches every guardrail whose ID starts '
      + 'the same (use ["…/ID", "…/ID:*"]); the key holds the guardrail ARN (ARN or ARN:version), so a name or bare ID never matches; on a Deny, ArnNotLike and '
      + 'ArnNotEquals let a request that names the guardrail by its bare ID through, a wildcard in the account, Region or ID admits any guardrail, and a '
      + 'guardrail of another account is configured by that account.',
  },
  NonexistentBedrockAction: {
    id: 'NonexistentBedrockAction',
    severity: 'error',
    info: 'A policy names a Bedrock action that does not exist, so its statement allows or denies nothing. '
      + 'Fix: use bedrock:InvokeModel (InvokeModel, Converse) and bedrock:InvokeModelWithResponseStream (streaming, ConverseStream).',
    explanation: 'IAM has no Converse, ConverseStream or guardrail-specific invoke action in the bedrock service (some blog posts invent one); '
      + 'guardrail enforcement is a bedrock:GuardrailIdentifier condition on the two inference actions.',
  },
  BedrockServiceWithoutConfusedDeputyConditions: {
    id: 'BedrockServiceWithoutConfusedDeputyConditions',
    severity: 'error',
    info: 'A trust policy, Lambda permission or Lex resource policy for bedrock.amazonaws.com lacks aws:SourceAccount or aws:SourceArn. '
      + 'Fix: use AgentExecutionRole or FlowServiceRole (and their allowActionGroupInvocation / allowLegacy* methods), or add both conditions.',
    explanation: 'Without both conditions, Bedrock acting for another account or another resource could use the role or function (confused deputy).',
  },
  EnforcedPrincipalCallsAgentOrRag: {
    id: 'EnforcedPrincipalCallsAgentOrRag',
    severity: 'warning',
    info: 'A guardrail-enforced principal can also call bedrock:InvokeAgent or bedrock:RetrieveAndGenerate (their inference path is left open). '
      + 'Fix: call them from a separate role without the enforcement.',
    explanation: 'These APIs call models on the caller\'s behalf, partly without a guardrail, so the enforcement Deny makes them fail with AccessDenied (documented limitation).',
  },
  GuardrailWithoutCustomerManagedKey: {
    id: 'GuardrailWithoutCustomerManagedKey',
    severity: 'warning',
    info: 'The guardrail has no KmsKeyArn, so it is encrypted with an AWS owned key. Fix: set kmsKeyArn to an EncryptedGuardrailKey.',
    explanation: 'A customer managed key lets you control and audit who can read and use the guardrail.',
  },
  AgentWithoutGuardrail: {
    id: 'AgentWithoutGuardrail',
    severity: 'warning',
    info: 'The agent has no guardrail configuration. Fix: set guardrailConfiguration.',
    explanation: 'An agent service role cannot carry guardrail enforcement (documented limitation), so the agent\'s guardrailConfiguration is what applies a guardrail.',
  },
} satisfies { [id: string]: RuleSpec };

/** Every rule, in order. */
export const ALL_RULES: RuleSpec[] = Object.values(RULES);

/** The checks of a set of templates: one model of their principals and policies, every rule. */
export function checkTemplates(stacks: TemplateStack[]): Finding[] {
  const model = new AppModel(stacks);
  const findings: Finding[] = [];
  for (const principal of model.principals) findings.push(...principalFindings(model, principal));
  for (const grant of model.externalGrants) findings.push(...externalGrantFindings(grant));
  for (const stack of stacks) findings.push(...resourceFindings(stack), ...enforcementFindings(stack, stacks));
  return findings;
}

/** The rules about what a principal can do, with everything that applies to it. */
function principalFindings(model: AppModel, principal: Principal): Finding[] {
  if (isBedrockServiceRole(principal)) return [];
  const policies = model.policiesOf(principal);
  const context = contextOf(principal.stack);
  // What the principal may be allowed (every branch, unknown documents as everything) and what is surely denied
  // (documents that surely apply, and the permissions boundary, whose Denies apply too).
  const allowDocs = policies.documents.map(d => readDocument(d.document, 'allow', contextOf(d.stack)));
  const docs = [...policies.documents.filter(d => d.certain), ...policies.boundaries].map(d => readDocument(d.document, 'deny', contextOf(d.stack)));
  const at = (rule: RuleSpec, detail?: string, message?: string): Finding =>
    ({ rule, detail, stack: principal.stack, logicalId: principal.logicalId, message });
  const findings: Finding[] = [];

  const reach = new Reach(allowDocs, policies.awsManagedPolicies);
  const enforced = hasEnforcementDeny(docs, context);
  if (reach.invokesModels() && !enforced) {
    const defects = enforcementDefectsOf(docs, context);
    findings.push(at(RULES.GuardrailEnforcementMissing, undefined, defects.length === 0 ? undefined
      : `Its guardrail Deny does not enforce an approved guardrail: ${defects.map(describeDefect).join('; ')}.`));
  }
  for (const path of reach.paths()) {
    if (deniesPath(docs, path)) continue;
    findings.push(policies.allowedPaths.includes(path.path)
      ? at(RULES.InferencePathAllowed, path.path)
      : at(RULES.UnguardedInferencePath, path.path, `Reachable through ${path.actions.filter(a => reach.allowsAction(a, path.path)).join(', ') || path.actions[0]}.`));
  }
  if (enforced) {
    // The principal must not be able to weaken the guardrail its enforcement approves.
    const byManaged = policies.awsManagedPolicies.some(name => AWS_MANAGED_POLICY_REACH[name]?.guardrailChanges === true);
    const mayChange = byManaged || GUARDRAIL_CHANGES.some(a => reach.allows(a));
    for (const { arn, action } of mayChange ? changeableApprovals(docs, context) : []) {
      if ((byManaged || allowsOn(allowDocs, action, arn, context)) && !deniesOn(docs, action, arn, context)) {
        findings.push(at(RULES.ApprovedGuardrailNotProtected, `${arn} ${action}`, `It may call ${action} on ${arn}.`));
      }
    }
    // Where the path is denied, the grant does nothing; where it is open, the documented limitation applies.
    for (const action of AGENT_OR_RAG_ACTIONS) {
      const path = INFERENCE_PATHS.find(p => p.path === PATH_OF_AGENT_OR_RAG[action])!;
      if (reach.allowsAction(action, path.path) && !deniesPath(docs, path)) findings.push(at(RULES.EnforcedPrincipalCallsAgentOrRag, action));
    }
  }
  for (const arn of policies.unknownManagedPolicies) findings.push(at(RULES.UnknownManagedPolicy, arn));
  return findings;
}

/**
 * A policy that names a principal outside the templates (a role imported by name or ARN from outside the app):
 * a finding when it gives that principal inference without its own enforcement Deny, or a path it does not
 * deny, since what else applies to the principal cannot be seen.
 */
function externalGrantFindings(grant: ExternalGrant): Finding[] {
  const context = contextOf(grant.stack);
  const reach = new Reach([readDocument(grant.document, 'allow', context)], []);
  const denies = [readDocument(grant.document, 'deny', context)];
  const what = [
    ...(reach.invokesModels() && !hasEnforcementDeny(denies, context) ? ['model inference'] : []),
    ...reach.paths().filter(p => !deniesPath(denies, p)).map(p => p.path),
  ];
  if (what.length === 0) return [];
  return [{
    rule: RULES.PrincipalOutsideTemplates,
    detail: grant.name,
    stack: grant.stack,
    logicalId: grant.logicalId,
    message: `It names ${grant.name} and gives it ${what.join(', ')}.`,
  }];
}

const PATH_OF_AGENT_OR_RAG: { [action: string]: InferencePath } = {
  'bedrock:InvokeAgent': InferencePath.AGENTS,
  'bedrock:RetrieveAndGenerate': InferencePath.KNOWLEDGE_BASE_GENERATION,
};

function describeDefect(defect: string): string {
  const [kind, ...rest] = defect.split(':');
  const value = rest.join(':');
  switch (kind) {
    case 'ArnOperator': return 'ArnNotLike / ArnNotEquals let a request that names the guardrail by its bare ID through (use StringNotLike / StringNotEquals)';
    case 'AnyGuardrail': return `${value} admits any guardrail, even one the principal creates`;
    case 'OtherAccountGuardrail': return `${value} is a guardrail of another account`;
    default: return defect;
  }
}

/**
 * The actions the rules ask about: model inference, every inference path, the agent and RAG calls. What each
 * Allow statement covers of them is worked out once per statement (a statement is read for its principal and
 * again for the resource rules; an app of 1,000 roles has thousands).
 */
/** The changes that weaken an approved guardrail (ApprovedGuardrailNotProtected). */
const GUARDRAIL_CHANGES = ['bedrock:UpdateGuardrail', 'bedrock:CreateGuardrailVersion'];
const TRACKED_ACTIONS = [...new Set([...INVOKE_ACTIONS, ...INFERENCE_PATHS.flatMap(p => p.actions), ...AGENT_OR_RAG_ACTIONS, ...GUARDRAIL_CHANGES])];
const TRACKED_BY_LOWER_CASE = new Map(TRACKED_ACTIONS.map(a => [a.toLowerCase(), a]));
const NOTHING: ReadonlySet<string> = new Set();
const COVERED = new WeakMap<object, ReadonlySet<string>>();

function coveredByAllow(statement: Statement): ReadonlySet<string> {
  if (statement === null || typeof statement !== 'object' || statement.Effect !== 'Allow') return NOTHING;
  let covered = COVERED.get(statement);
  if (covered === undefined) {
    covered = computeCovered(statement);
    COVERED.set(statement, covered);
  }
  return covered;
}

function computeCovered(statement: Statement): ReadonlySet<string> {
  if (statement.NotAction !== undefined) return new Set(TRACKED_ACTIONS.filter(a => coversAction(statement, a)));
  // Most actions are written out: looked up, not matched against every tracked action.
  const covered = new Set<string>();
  for (const pattern of asArray(statement.Action)) {
    const text = asText(pattern);
    if (!text.includes('*') && !text.includes('?')) {
      const action = TRACKED_BY_LOWER_CASE.get(text.toLowerCase());
      if (action !== undefined) covered.add(action);
    } else {
      for (const action of TRACKED_ACTIONS) if (wildcardMatch(text, action)) covered.add(action);
    }
  }
  return covered;
}

/** What a principal may do of the tracked actions: its Allows, and the AWS managed policies attached to it. */
class Reach {
  private readonly allowed = new Set<string>();
  private readonly managedPaths = new Set<InferencePath>();
  private readonly managedInvokes: boolean;

  constructor(allowDocs: PolicyJson[], awsManagedPolicies: string[]) {
    for (const doc of allowDocs) {
      for (const statement of asArray<Statement>(doc.Statement)) {
        for (const action of coveredByAllow(statement)) this.allowed.add(action);
      }
    }
    const managed = awsManagedPolicies.map(name => AWS_MANAGED_POLICY_REACH[name]).filter(r => r !== undefined);
    for (const reach of managed) for (const path of reach.paths) this.managedPaths.add(path);
    this.managedInvokes = managed.some(r => r.invokes);
  }

  /** Whether an Allow of the principal covers a tracked action (on some resource). */
  allows(action: string): boolean {
    return this.allowed.has(action);
  }

  /** Whether the principal may call InvokeModel or InvokeModelWithResponseStream through any of its policies. */
  invokesModels(): boolean {
    return this.managedInvokes || INVOKE_ACTIONS.some(a => this.allowed.has(a));
  }

  /** Whether an Allow of the principal (or an AWS managed policy that reaches the path) covers the action. */
  allowsAction(action: string, path: InferencePath): boolean {
    return this.allowed.has(action) || this.managedPaths.has(path);
  }

  /** The inference paths any Allow of the principal reaches (on some resource), AWS managed policies included. */
  paths() {
    return INFERENCE_PATHS.filter(p => p.actions.some(a => this.allowsAction(a, p.path)));
  }
}

/** Whether a role can be assumed only by bedrock.amazonaws.com (agent, flow, knowledge-base service roles). */
function isBedrockServiceRole(principal: Principal): boolean {
  if (principal.kind !== 'role') return false;
  // Every statement that may allow (both branches of an Fn::If; an unreadable trust policy trusts anyone).
  const allowStatements = asArray<Statement>(readDocument(principal.resource.Properties?.AssumeRolePolicyDocument, 'allow').Statement);
  return allowStatements.length > 0 && allowStatements.every(s => {
    const p = s.Principal;
    if (!p || typeof p !== 'object') return false;
    const keys = Object.keys(p);
    return keys.length === 1 && keys[0] === 'Service' && asArray(p.Service).every((x: any) => x === BEDROCK);
  });
}

const BEDROCK = 'bedrock.amazonaws.com';

/**
 * The rules about guardrails Amazon Bedrock enforces without IAM: account-level configurations and AWS
 * Organizations Bedrock policies (their guarding mode, their identifiers, and the resource policy members need).
 */
function enforcementFindings(stack: TemplateStack, stacks: TemplateStack[]): Finding[] {
  const findings: Finding[] = [];
  for (const [logicalId, resource] of Object.entries((stack.template.Resources ?? {}) as { [id: string]: any })) {
    const at = (rule: RuleSpec, detail?: string, message?: string): Finding => ({ rule, detail, stack, logicalId, message });
    const props = resource?.Properties ?? {};
    if (resource?.Type === 'AWS::Bedrock::EnforcedGuardrailConfiguration') {
      for (const [part, value] of Object.entries((props.SelectiveContentGuarding ?? {}) as object)) {
        if (String(value).toUpperCase() === 'SELECTIVE') findings.push(at(RULES.SelectiveContentGuarding, part));
      }
    }
    if (resource?.Type === 'AWS::Organizations::Policy' && props.Type === 'BEDROCK_POLICY') {
      const content = typeof props.Content === 'string' ? documentJson(props.Content) as any : props.Content;
      const regions = (content?.bedrock?.guardrail_inference ?? {}) as { [region: string]: any };
      for (const [region, configs] of Object.entries(regions)) {
        // Inheritance operators (`@@operators_allowed_for_child_policies`) are not configurations.
        if (region.startsWith('@@')) continue;
        for (const [name, config] of Object.entries((configs ?? {}) as { [name: string]: any })) {
          if (name.startsWith('@@')) continue;
          const identifier = config?.identifier?.['@@assign'];
          const where = `${region}.${name}`;
          const malformed = identifierDefect(identifier, region, stack);
          if (malformed !== undefined) {
            findings.push(at(RULES.MalformedBedrockPolicy, where, `The identifier of ${where} is ${malformed}.`));
            continue;
          }
          for (const part of ['system', 'messages']) {
            if (String(config?.selective_content_guarding?.[part]?.['@@assign'] ?? '').toLowerCase() === 'selective') {
              findings.push(at(RULES.SelectiveContentGuarding, `${where}.${part}`));
            }
          }
          if (hasOrganizationResourcePolicy(stack, stacks, identifier) === false) findings.push(at(RULES.BedrockPolicyWithoutResourcePolicy, where));
        }
      }
    }
  }
  return findings;
}

/**
 * What is wrong with a Bedrock policy's guardrail identifier, if anything: it must be `ARN:VERSION` of a
 * guardrail of the Region it is listed under, in the management account (the template's), at a numbered
 * version. Parts not known at synth are not judged, the literal parts are.
 */
function identifierDefect(identifier: any, region: string, stack: TemplateStack): string | undefined {
  if (identifier === undefined) return 'missing';
  const text = valueText(identifier, contextOf(stack));
  const version = /:([^:]*)$/.exec(text)?.[1];
  if (version !== undefined && version !== '*' && !/^[1-9][0-9]{0,7}$/.test(version) && !/\*/.test(version)) return `'${text}' (the version must be a number)`;
  if (!isKnownValue(identifier)) return undefined;
  const match = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+|<region>):(\d{12}|<account>):guardrail\/[a-z0-9]+:[1-9][0-9]{0,7}$/.exec(text);
  if (match === null) return `'${text}' (not ARN:VERSION of a guardrail)`;
  if (!match[1].startsWith('<') && match[1] !== region) return `'${text}' (a guardrail of ${match[1]}, listed under ${region})`;
  if (stack.account !== undefined && /^\d{12}$/.test(match[2]) && match[2] !== stack.account) return `'${text}' (not a guardrail of the management account ${stack.account})`;
  return undefined;
}

/**
 * Whether a resource policy of the templates lets an organization apply the guardrail an identifier names:
 * undefined when the guardrail cannot be told (a value imported from elsewhere).
 */
function hasOrganizationResourcePolicy(stack: TemplateStack, stacks: TemplateStack[], identifier: any): boolean | undefined {
  const wanted = guardrailKey(stack, identifier);
  if (wanted === undefined) return undefined;
  return stacks.some(s => Object.values((s.template.Resources ?? {}) as { [id: string]: any }).some(r => {
    if (r?.Type !== 'AWS::Bedrock::ResourcePolicy' || guardrailKey(s, r.Properties?.ResourceArn) !== wanted) return false;
    const doc = readDocument(r.Properties?.PolicyDocument, 'allow');
    return asArray<Statement>(doc.Statement).some(st => coversAction(st, 'bedrock:ApplyGuardrail')
      && Object.keys((st.Condition?.StringEquals ?? {}) as object).some(k => k.toLowerCase() === 'aws:principalorgid'));
  }));
}

/**
 * A guardrail (named by an ARN, `ARN:version`, or a reference) as a key to compare: the guardrail resource of
 * a stack (a version's `GuardrailArn` leads to the guardrail it publishes), a parameter of a stack, or the
 * literal ARN; undefined for a value the templates cannot tell (an import).
 */
function guardrailKey(stack: TemplateStack, value: any): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = JSON.stringify(value);
  if (text.includes('Fn::ImportValue')) return undefined;
  const resources = (stack.template.Resources ?? {}) as { [id: string]: any };
  const resourceKey = (logicalId: string): string => {
    const r = resources[logicalId];
    if (r?.Type === 'AWS::Bedrock::GuardrailVersion') {
      const target = /"(?:Ref|Fn::GetAtt)":\[?"([^".]+)/.exec(JSON.stringify(r.Properties?.GuardrailIdentifier ?? ''))?.[1];
      if (target !== undefined && resources[target]?.Type === 'AWS::Bedrock::Guardrail') return `${stack.templatePath}#${target}`;
    }
    return `${stack.templatePath}#${logicalId}`;
  };
  const getAtt = /"Fn::GetAtt":\["([^"]+)","GuardrailArn"\]/.exec(text);
  if (getAtt !== null) return resourceKey(getAtt[1]);
  const ref = /"Ref":"([^"]+)"/.exec(text);
  if (ref !== null && !ref[1].startsWith('AWS::')) {
    return resources[ref[1]] !== undefined ? resourceKey(ref[1]) : `${stack.templatePath}#parameter:${ref[1]}`;
  }
  const arn = /arn:[^:"]+:bedrock:[^:"]+:[^:"]+:guardrail\/[a-z0-9]+/.exec(typeof value === 'string' ? value : valueText(value, contextOf(stack)));
  return arn?.[0];
}

/** The policy documents a resource holds, for the rules that read statements wherever they are. */
function documentsOf(resource: any): PolicyJson[] {
  const props = resource?.Properties ?? {};
  switch (resource?.Type) {
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
    case 'AWS::IAM::Group':
      return branchValues(props.Policies, 'allow').map(p => documentJson(p?.PolicyDocument)).filter((d): d is PolicyJson => d !== undefined);
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
    case 'AWS::IAM::RolePolicy':
    case 'AWS::IAM::UserPolicy':
    case 'AWS::IAM::GroupPolicy': {
      const document = documentJson(props.PolicyDocument);
      return document === undefined ? [] : [document];
    }
    default:
      return [];
  }
}

/** The rules about single resources: policy statements, trust and resource policies, guardrails, agents. */
function resourceFindings(stack: TemplateStack): Finding[] {
  const findings: Finding[] = [];
  for (const [logicalId, resource] of Object.entries((stack.template.Resources ?? {}) as { [id: string]: any })) {
    const at = (rule: RuleSpec, detail?: string): Finding => ({ rule, detail, stack, logicalId });
    const docs = documentsOf(resource);
    if (docs.length > 0) {
      for (const detail of ineffectiveConditions(docs, stack)) findings.push(at(RULES.IneffectiveGuardrailCondition, detail));
      for (const action of nonexistentActions(docs)) findings.push(at(RULES.NonexistentBedrockAction, action));
    }
    if (lacksConfusedDeputyConditions(resource)) findings.push(at(RULES.BedrockServiceWithoutConfusedDeputyConditions));
    if (resource?.Type === 'AWS::Bedrock::Guardrail' && resource.Properties?.KmsKeyArn === undefined) findings.push(at(RULES.GuardrailWithoutCustomerManagedKey));
    if (resource?.Type === 'AWS::Bedrock::Agent' && resource.Properties?.GuardrailConfiguration === undefined) findings.push(at(RULES.AgentWithoutGuardrail));
  }
  return findings;
}

/**
 * A guardrail ARN, optionally with a version or `:*`: the ID is lowercase letters and digits (a name such as
 * `G-HR-Compliance` never appears in an ARN), or `*` where a part is not known.
 */
const GUARDRAIL_ARN = /^arn:[^:]+:bedrock:[^:]*:[^:]*:guardrail\/([a-z0-9]+|\*)(:([0-9]+|\*))?$/;
/** `…/guardrail/ID*`: also matches every guardrail whose ID starts with ID. */
const PREFIX_WILDCARD = /:guardrail\/[^:/*]+\*$/;

/**
 * What is wrong with the `bedrock:GuardrailIdentifier` conditions of some documents, one entry per problem:
 * `IfExistsOnAllow::OPERATOR`, `PrefixWildcard::VALUE`, `NotAGuardrailArn::VALUE`, and on an enforcement
 * Deny `ArnOperatorOnDeny::OPERATOR`, `AnyGuardrail::VALUE`, `OtherAccountGuardrail::VALUE`.
 */
function ineffectiveConditions(docs: PolicyJson[], stack: TemplateStack): string[] {
  const findings = new Set<string>();
  const context = contextOf(stack);
  for (const statement of docs.flatMap(d => asArray(d.Statement))) {
    if (statement?.Condition === undefined) continue;
    for (const [operator, values] of guardrailConditions(statement)) {
      // Null tests whether the key is present; its values are true/false, not guardrails.
      if (operator.startsWith('Null')) continue;
      if (statement.Effect === 'Allow' && operator.endsWith('IfExists')) findings.add(`IfExistsOnAllow::${operator}`);
      if (statement.Effect === 'Deny' && /^Arn(Not)?(Equals|Like)/.test(operator) && operator.includes('Not')) findings.add(`ArnOperatorOnDeny::${operator}`);
      for (const raw of values) {
        const value = valueText(raw, context);
        // `${guardrail.attrGuardrailArn}*` reads as `**`: a wildcard right after an unknown ARN, not after `:`.
        if (PREFIX_WILDCARD.test(value) || (!isKnownValue(raw) && /[^:]\*$/.test(value))) findings.add(`PrefixWildcard::${value}`);
        else if (isKnownValue(raw) && !GUARDRAIL_ARN.test(value) && !/[*?]/.test(value)) findings.add(`NotAGuardrailArn::${value}`);
      }
    }
    for (const defect of enforcementDenyDefects(statement, context) ?? []) {
      const [kind, ...rest] = defect.split(':');
      if (kind === 'AnyGuardrail' || kind === 'OtherAccountGuardrail') findings.add(`${kind}::${rest.join(':')}`);
    }
  }
  return [...findings];
}

/**
 * Actions that some documents name but IAM does not know. InvokeModel and Converse need
 * `bedrock:InvokeModel`; InvokeModelWithResponseStream and ConverseStream need
 * `bedrock:InvokeModelWithResponseStream` (Service Authorization Reference, Amazon Bedrock).
 */
const NONEXISTENT = new Set(['bedrock:invokemodelwithguardrail', 'bedrock:converse', 'bedrock:conversestream']);
const NONEXISTENT_LENGTHS = new Set([...NONEXISTENT].map(a => a.length));

function nonexistentActions(docs: PolicyJson[]): string[] {
  const found = new Set<string>();
  for (const doc of docs) {
    for (const statement of asArray<Statement>(doc.Statement)) {
      for (const list of [statement?.Action, statement?.NotAction]) {
        for (const raw of asArray(list)) {
          const action = typeof raw === 'string' ? raw : valueText(raw);
          if (NONEXISTENT_LENGTHS.has(action.length) && NONEXISTENT.has(action.toLowerCase())) found.add(action);
        }
      }
    }
  }
  return [...found];
}

function namesBedrock(principal: any): boolean {
  return principal !== null && typeof principal === 'object' && asArray(principal.Service).includes(BEDROCK);
}

/** The condition keys compared by one of `operators` (a Null or negated test does not restrict who calls). */
function comparedKeys(statement: Statement, operators: string[]): string[] {
  return Object.entries(statement.Condition ?? {})
    .filter(([operator]) => operators.includes(operator.replace(/IfExists$/, '')) && !operator.endsWith('IfExists'))
    .flatMap(([, byKey]) => Object.keys((byKey ?? {}) as object))
    .map(k => k.toLowerCase());
}

function hasBothConditions(statement: Statement): boolean {
  return comparedKeys(statement, ['StringEquals', 'StringEqualsIgnoreCase']).includes('aws:sourceaccount')
    && comparedKeys(statement, ['ArnEquals', 'ArnLike', 'StringEquals', 'StringLike']).includes('aws:sourcearn');
}

/**
 * A role trusted by `bedrock.amazonaws.com`, a Lambda permission or a Lex resource policy for it, without
 * both `aws:SourceAccount` and `aws:SourceArn` (the confused-deputy guard the Bedrock pages recommend).
 */
function lacksConfusedDeputyConditions(resource: any): boolean {
  const props = resource?.Properties ?? {};
  const unguarded = (value: any) => {
    const forBedrock = asArray<Statement>(readDocument(value, 'allow').Statement).filter(s => namesBedrock(s.Principal));
    return forBedrock.length > 0 && !forBedrock.every(hasBothConditions);
  };
  switch (resource?.Type) {
    case 'AWS::IAM::Role': return unguarded(props.AssumeRolePolicyDocument);
    case 'AWS::Lambda::Permission': return props.Principal === BEDROCK && (props.SourceAccount === undefined || props.SourceArn === undefined);
    case 'AWS::Lex::ResourcePolicy': return unguarded(props.Policy);
    default: return false;
  }
}


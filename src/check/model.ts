import { awsManagedPolicyName } from './aws-managed-policies';
import { branchValues, hasIf, isIf } from './branches';
import { TemplateStack } from './input';
import { isKnownValue, ValueContext, valueText } from './policy';
import { InferencePath } from '../model/inference-path';
import { asArray, PolicyJson } from '../util/policy-json';

/** The metadata type the library's constructs record the inference paths they leave open with. */
export const ENFORCEMENT_METADATA = 'cdk-bedrock-guardrail-iam:enforcement';

export type PrincipalKind = 'role' | 'user' | 'group';

const PRINCIPAL_TYPES: { [type: string]: PrincipalKind } = {
  'AWS::IAM::Role': 'role',
  'AWS::IAM::User': 'user',
  'AWS::IAM::Group': 'group',
};

const NAME_PROPERTY: { [kind in PrincipalKind]: string } = { role: 'RoleName', user: 'UserName', group: 'GroupName' };

/** An IAM role, user or group of one of the templates. */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly stack: TemplateStack;
  readonly logicalId: string;
  readonly resource: any;
}

/** A policy document that applies to a principal, and where it is written. */
export interface AppliedDocument {
  readonly document: PolicyJson;
  readonly stack: TemplateStack;
  /** The resource that holds the document (the principal itself for its inline policies). */
  readonly logicalId: string;
  /** The group through which it applies to a user. */
  readonly group?: Principal;
  /**
   * Whether it surely applies: not when the policy resource has a CloudFormation `Condition`, or names the
   * principal (or is named by it) in one branch of an `Fn::If`. Uncertain documents count for their Allows only.
   */
  readonly certain: boolean;
}

/** A policy resource that names a principal none of the templates defines (a role imported from outside the app). */
export interface ExternalGrant {
  readonly stack: TemplateStack;
  /** The policy resource. */
  readonly logicalId: string;
  readonly document: PolicyJson;
  /** How the policy names the principal (a name or ARN). */
  readonly name: string;
}

/** Everything that applies to one principal. */
export interface PrincipalPolicies {
  readonly principal: Principal;
  readonly documents: AppliedDocument[];
  /** AWS managed policies attached by ARN, by name. */
  readonly awsManagedPolicies: string[];
  /** Customer managed policies attached by ARN whose document none of the templates holds. */
  readonly unknownManagedPolicies: string[];
  /** Inference paths that the library's constructs leave open for it on purpose (`allowUnguardedPaths`). */
  readonly allowedPaths: InferencePath[];
  /** Its permissions boundary, when the templates hold it: its Denies apply (its Allows only limit). */
  readonly boundaries: AppliedDocument[];
}

/** The context to read a stack's values in: its account and Region, when known. */
export function contextOf(stack: TemplateStack): ValueContext {
  let context = CONTEXTS.get(stack);
  if (context === undefined) {
    context = { account: stack.account, region: stack.region, template: stack.template };
    CONTEXTS.set(stack, context);
  }
  return context;
}

const CONTEXTS = new WeakMap<TemplateStack, ValueContext>();

/** A resource of a stack, by logical ID. */
interface ResourceRef {
  readonly stack: TemplateStack;
  readonly logicalId: string;
  readonly resource: any;
}

/**
 * The IAM principals of a set of templates (an app's stacks, or template files) and every policy that applies
 * to each: inline policies; `AWS::IAM::Policy`, `ManagedPolicy`, `RolePolicy`, `UserPolicy` and `GroupPolicy`
 * resources of any of the templates that name it by reference, by ARN or name (literal, or through an
 * export and `Fn::ImportValue`); managed policies it attaches (of the templates, AWS managed by name, or
 * unknown); and, for a user, everything that applies to its groups.
 */
export class AppModel {
  public readonly principals: Principal[] = [];
  /** Policies that name principals outside the templates. */
  public readonly externalGrants: ExternalGrant[] = [];
  private readonly byKey = new Map<string, Principal>();
  private readonly byName = new Map<string, Principal[]>();
  private readonly exports = new Map<string, { stack: TemplateStack; value: any }>();
  private readonly managedByName = new Map<string, ResourceRef[]>();
  private readonly attached = new Map<Principal, AppliedDocument[]>();
  private readonly members = new Map<Principal, Principal[]>();
  private readonly policies = new Map<Principal, PrincipalPolicies>();

  constructor(public readonly stacks: TemplateStack[]) {
    for (const stack of stacks) this.index(stack);
    for (const stack of stacks) this.attach(stack);
  }

  /** The principal a resource of a stack is, if it is one. */
  public principalAt(stack: TemplateStack, logicalId: string): Principal | undefined {
    return this.byKey.get(key(stack, logicalId));
  }

  /** Everything that applies to a principal (a user's groups' policies included). */
  public policiesOf(principal: Principal): PrincipalPolicies {
    let found = this.policies.get(principal);
    if (found !== undefined) return found;
    const documents: AppliedDocument[] = [];
    const aws: string[] = [];
    const unknown: string[] = [];
    const paths = new Set<InferencePath>();
    const boundaries: AppliedDocument[] = [];
    const add = (p: Principal, group?: Principal) => {
      const props = p.resource.Properties ?? {};
      for (const [policy, certain] of listEntries(props.Policies)) {
        if (policy?.PolicyDocument) documents.push({ document: policy.PolicyDocument, stack: p.stack, logicalId: p.logicalId, group, certain });
      }
      for (const doc of this.attached.get(p) ?? []) documents.push(group ? { ...doc, group } : doc);
      for (const [arn, certain] of listEntries(props.ManagedPolicyArns)) {
        const managed = this.managedPolicy(p.stack, arn);
        if (managed.kind === 'document') {
          const { document, stack, logicalId } = managed;
          documents.push({ document, stack, logicalId, group, certain: certain && managed.certain });
        } else if (managed.kind === 'aws') {
          aws.push(managed.name);
        } else {
          unknown.push(managed.arn);
        }
      }
      if (props.PermissionsBoundary !== undefined && !hasIf(props.PermissionsBoundary)) {
        const boundary = this.managedPolicy(p.stack, props.PermissionsBoundary);
        if (boundary.kind === 'document' && boundary.certain) {
          boundaries.push({ document: boundary.document, stack: boundary.stack, logicalId: boundary.logicalId, certain: true });
        }
      }
      allowedPathsAt(p.stack, p.logicalId).forEach(x => paths.add(x));
    };
    add(principal);
    if (principal.kind === 'user') {
      for (const group of this.groupsOf(principal)) add(group, group);
    }
    for (const doc of documents) allowedPathsAt(doc.stack, doc.logicalId).forEach(x => paths.add(x));
    found = {
      principal,
      documents: uniqueDocuments(documents),
      awsManagedPolicies: [...new Set(aws)],
      unknownManagedPolicies: [...new Set(unknown)],
      allowedPaths: [...paths],
      boundaries,
    };
    this.policies.set(principal, found);
    return found;
  }

  /** The groups a user belongs to: its `Groups`, and `AWS::IAM::UserToGroupAddition` resources that name it. */
  public groupsOf(user: Principal): Principal[] {
    const groups = new Set<Principal>();
    for (const value of asArray(user.resource.Properties?.Groups)) this.principalsNamed(user.stack, value, 'group').forEach(g => groups.add(g));
    for (const [group, users] of this.members) if (users.includes(user)) groups.add(group);
    return [...groups];
  }

  /**
   * The principals of `kind` a value of `stack` names: a reference to the resource (`Ref`, `Fn::GetAtt`, or a
   * value built from its ARN), an import of another stack's export, a literal name or ARN.
   */
  public principalsNamed(stack: TemplateStack, value: any, kind: PrincipalKind, depth = 0): Principal[] {
    if (depth > 5) return [];
    const referenced = this.referencedResource(stack, value, type => PRINCIPAL_TYPES[type] === kind);
    if (referenced !== undefined) return [this.byKey.get(key(stack, referenced))!];
    const imported = this.importedValue(stack, value);
    if (imported !== undefined) return this.principalsNamed(imported.stack, imported.value, kind, depth + 1);
    if (!isKnownValue(value)) return [];
    const text = valueText(value, contextOf(stack));
    const arn = /^arn:[^:]+:iam::([^:]*):(role|user|group)\/(.+)$/.exec(text);
    if (arn !== null && arn[2] !== kind) return [];
    const name = arn !== null ? arn[3].split('/').pop()! : text;
    // A name (or an ARN with this account's pseudo parameter) names a principal of the stack's own account.
    const account = arn !== null && /^\d{12}$/.test(arn[1]) ? arn[1] : stack.account;
    return (this.byName.get(`${kind}:${name}`) ?? []).filter(p => account === undefined || p.stack.account === undefined || p.stack.account === account);
  }

  private index(stack: TemplateStack) {
    const context = contextOf(stack);
    for (const [logicalId, resource] of Object.entries((stack.template.Resources ?? {}) as { [id: string]: any })) {
      const kind = PRINCIPAL_TYPES[resource?.Type];
      if (kind !== undefined) {
        const principal: Principal = { kind, stack, logicalId, resource };
        this.principals.push(principal);
        this.byKey.set(key(stack, logicalId), principal);
        const name = resource.Properties?.[NAME_PROPERTY[kind]];
        if (name !== undefined && isKnownValue(name)) {
          const list = this.byName.get(`${kind}:${valueText(name, context)}`) ?? [];
          list.push(principal);
          this.byName.set(`${kind}:${valueText(name, context)}`, list);
        }
      }
      if (resource?.Type === 'AWS::IAM::ManagedPolicy') {
        const name = resource.Properties?.ManagedPolicyName;
        if (name !== undefined && isKnownValue(name)) {
          const list = this.managedByName.get(valueText(name, context)) ?? [];
          list.push({ stack, logicalId, resource });
          this.managedByName.set(valueText(name, context), list);
        }
      }
    }
    for (const output of Object.values((stack.template.Outputs ?? {}) as { [id: string]: any })) {
      const name = output?.Export?.Name;
      if (name !== undefined && isKnownValue(name)) this.exports.set(valueText(name, context), { stack, value: output.Value });
    }
  }

  private attach(stack: TemplateStack) {
    for (const [logicalId, resource] of Object.entries((stack.template.Resources ?? {}) as { [id: string]: any })) {
      const props = resource?.Properties ?? {};
      const document = props.PolicyDocument;
      // A resource with a CloudFormation Condition may not exist.
      const exists = resource?.Condition === undefined;
      const attachTo = (values: any, kind: PrincipalKind) => {
        for (const [value, certain] of listEntries(values)) {
          const named = this.principalsNamed(stack, value, kind);
          for (const p of named) this.addAttached(p, { document, stack, logicalId, certain: certain && exists });
          if (named.length === 0 && isKnownValue(value) && value !== undefined) {
            this.externalGrants.push({ stack, logicalId, document, name: valueText(value, contextOf(stack)) });
          }
        }
      };
      switch (resource?.Type) {
        case 'AWS::IAM::Policy':
        case 'AWS::IAM::ManagedPolicy':
          if (document === undefined) break;
          attachTo(props.Roles, 'role');
          attachTo(props.Users, 'user');
          attachTo(props.Groups, 'group');
          break;
        case 'AWS::IAM::RolePolicy':
          if (document !== undefined) attachTo(props.RoleName, 'role');
          break;
        case 'AWS::IAM::UserPolicy':
          if (document !== undefined) attachTo(props.UserName, 'user');
          break;
        case 'AWS::IAM::GroupPolicy':
          if (document !== undefined) attachTo(props.GroupName, 'group');
          break;
        case 'AWS::IAM::UserToGroupAddition': {
          const users = asArray(props.Users).flatMap(u => this.principalsNamed(stack, u, 'user'));
          for (const group of this.principalsNamed(stack, props.GroupName, 'group')) {
            this.members.set(group, [...(this.members.get(group) ?? []), ...users]);
          }
          break;
        }
        default:
          break;
      }
    }
  }

  private addAttached(principal: Principal, document: AppliedDocument) {
    const list = this.attached.get(principal) ?? [];
    list.push(document);
    this.attached.set(principal, list);
  }

  /** What a principal's ManagedPolicyArns entry is: a document of the templates, an AWS managed policy, or unknown. */
  private managedPolicy(stack: TemplateStack, value: any, depth = 0):
  { kind: 'document'; document: PolicyJson; stack: TemplateStack; logicalId: string; certain: boolean } | { kind: 'aws'; name: string } | { kind: 'unknown'; arn: string } {
    const referenced = depth > 5 ? undefined : this.referencedResource(stack, value, type => type === 'AWS::IAM::ManagedPolicy');
    if (referenced !== undefined) {
      const resource = stack.template.Resources[referenced];
      return { kind: 'document', document: resource.Properties?.PolicyDocument ?? {}, stack, logicalId: referenced, certain: resource.Condition === undefined };
    }
    const imported = depth > 5 ? undefined : this.importedValue(stack, value);
    if (imported !== undefined) return this.managedPolicy(imported.stack, imported.value, depth + 1);
    const text = valueText(value, contextOf(stack));
    if (!isKnownValue(value)) return { kind: 'unknown', arn: text };
    const aws = awsManagedPolicyName(text);
    if (aws !== undefined) return { kind: 'aws', name: aws };
    const customer = /^arn:[^:]+:iam::([^:]*):policy\/(?:.*\/)?([^/]+)$/.exec(text);
    const account = customer !== null && /^\d{12}$/.test(customer[1]) ? customer[1] : stack.account;
    const candidates = customer === null ? [] : (this.managedByName.get(customer[2]) ?? [])
      .filter(m => account === undefined || m.stack.account === undefined || m.stack.account === account);
    if (candidates.length > 0) {
      const m = candidates[0];
      return { kind: 'document', document: m.resource.Properties?.PolicyDocument ?? {}, stack: m.stack, logicalId: m.logicalId, certain: m.resource.Condition === undefined };
    }
    return { kind: 'unknown', arn: text };
  }

  /**
   * The logical ID of the resource of `stack` a value refers to (`Ref`, `Fn::GetAtt`, anywhere inside the
   * value, as `iam.Role.fromRoleArn` writes a role name from its ARN), among resources whose type passes.
   */
  private referencedResource(stack: TemplateStack, value: any, typeOk: (type: string) => boolean): string | undefined {
    if (value === null || typeof value !== 'object') return undefined;
    const resources = stack.template.Resources ?? {};
    const ok = (id: unknown) => typeof id === 'string' && resources[id] !== undefined && typeOk(resources[id].Type);
    if (ok(value.Ref)) return value.Ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && ok(getAtt[0])) return getAtt[0];
    if (typeof getAtt === 'string' && ok(getAtt.split('.')[0])) return getAtt.split('.')[0];
    for (const v of Object.values(value)) {
      const found = this.referencedResource(stack, v, typeOk);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * The exported value a value imports (`Fn::ImportValue` of another stack's export), with the part of
   * `iam.Role.fromRoleArn` around it kept: an import anywhere inside the value is followed.
   */
  private importedValue(stack: TemplateStack, value: any): { stack: TemplateStack; value: any } | undefined {
    if (value === null || typeof value !== 'object') return undefined;
    if (value['Fn::ImportValue'] !== undefined) {
      const name = value['Fn::ImportValue'];
      if (!isKnownValue(name)) return undefined;
      return this.exports.get(valueText(name, contextOf(stack)));
    }
    for (const v of Object.values(value)) {
      const found = this.importedValue(stack, v);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/**
 * The entries of a list property (or a single value), each with whether it is surely there: both branches of an
 * `Fn::If` entry are listed, as uncertain.
 */
function listEntries(value: any): Array<[any, boolean]> {
  if (value === undefined) return [];
  if (isIf(value)) return branchValues(value, 'allow').map(v => [v, false]);
  return asArray(value).flatMap(v => (isIf(v) ? branchValues(v, 'allow').map(b => [b, false] as [any, boolean]) : [[v, true] as [any, boolean]]));
}

function key(stack: TemplateStack, logicalId: string): string {
  return `${stack.templatePath}#${logicalId}`;
}

/** The same document applied twice (a policy that names the role twice, or a user and its group) counts once. */
function uniqueDocuments(documents: AppliedDocument[]): AppliedDocument[] {
  const seen = new Set<PolicyJson>();
  return documents.filter(d => (seen.has(d.document) ? false : (seen.add(d.document), true)));
}

/**
 * The inference paths the library's constructs record as left open (`allowUnguardedPaths`) on a resource or
 * on the construct around it (an L2 role around its `AWS::IAM::Role`).
 */
function allowedPathsAt(stack: TemplateStack, logicalId: string): InferencePath[] {
  const recorded = recordedPathsOf(stack);
  if (recorded.size === 0) return [];
  const path = stack.constructPaths.get(logicalId);
  if (path === undefined) return [];
  return [...recorded.get(`/${path}`) ?? [], ...recorded.get(`/${path.replace(/\/[^/]*$/, '')}`) ?? []];
}

/** The `allowUnguardedPaths` the stack's metadata records, by construct path (read once per stack). */
function recordedPathsOf(stack: TemplateStack): Map<string, InferencePath[]> {
  let recorded = RECORDED_PATHS.get(stack);
  if (recorded === undefined) {
    recorded = new Map();
    for (const [at, entries] of Object.entries(stack.metadata)) {
      for (const entry of entries ?? []) {
        if (entry?.type !== ENFORCEMENT_METADATA) continue;
        recorded.set(at, [...recorded.get(at) ?? [], ...asArray(entry.data?.allowUnguardedPaths) as InferencePath[]]);
      }
    }
    RECORDED_PATHS.set(stack, recorded);
  }
  return recorded;
}

const RECORDED_PATHS = new WeakMap<TemplateStack, Map<string, InferencePath[]>>();

import { Names, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DeferredPolicyDocument } from '../private/deferred-document';
import { markInlinePermissions } from '../private/inline-roles';
import { addRoleQuotaChecks } from '../private/policy-size';
import { reportStatements, rolesArePrecreated } from '../private/precreated-roles';
import { serviceTrustPrincipal } from '../statements/service-role';
import { asArray, lazy } from '../util/policy-json';
import { constructError, pathError } from '../util/validation';

// aws-cdk-lib's Lambda module, loaded only when a Lambda permission is made.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const awsLambda = lazy(() => require('aws-cdk-lib/aws-lambda') as typeof lambda);

/** What a Bedrock service role is for: the service that assumes it and the resources it runs for. */
export interface ServiceRoleKind {
  /** The service principal that assumes the role, for example `bedrock.amazonaws.com`. */
  readonly servicePrincipal: string;
  /** The service's prefix in the resources' ARNs, for example `bedrock`. */
  readonly arnService: string;
  /** The resource type whose ARNs may assume the role (`aws:SourceArn`), for example `agent` or `flow`. */
  readonly resourceType: string;
  /** The shape of one resource ID, for example 10 letters and digits for agents and flows. */
  readonly idPattern: RegExp;
  /** The prop that lists the IDs, for messages (`agentIds`). */
  readonly idsProp: string;
  /** The name of the inline policy that holds the permissions. */
  readonly policyName: string;
  /** The fix named when the role's policies are over IAM's quota. */
  readonly quotaFix: string;
}

/** The props every Bedrock service role shares. */
export interface ServiceRoleBaseProps {
  readonly ids?: string[];
  readonly roleName?: string;
  readonly description: string;
  readonly permissionsBoundary?: iam.IManagedPolicy;
  readonly path?: string;
}

/**
 * The base of the Bedrock service roles (agents, flows, ...): the confused-deputy trust (only the service,
 * only with `aws:SourceAccount` of the stack and `aws:SourceArn` of its resources), every permission inline
 * in one policy built when first rendered (statements added later with `addToPolicy()` or `grant*()` too, so
 * a resource that refers to the role never starts before its permissions exist), IAM's quota checks, and the
 * open/closed state (nothing may be added once the policy is rendered).
 *
 * A new service role declares its statements (`_statements()`) and its props; it needs a statements file, a
 * construct file and an export.
 *
 * @internal
 */
export abstract class BedrockServiceRole extends iam.Role {
  /**
   * The ARNs of the resources that may assume the role.
   * @internal
   */
  protected readonly _sourceArns: string[];
  private readonly permissions: DeferredPolicyDocument;

  constructor(scope: Construct, id: string, kind: ServiceRoleKind, props: ServiceRoleBaseProps) {
    const sourceArns = serviceSourceArns(scope, id, kind, props.ids);
    let self: BedrockServiceRole | undefined;
    const permissions = new DeferredPolicyDocument(() => self!._statements());
    const precreated = rolesArePrecreated(scope);
    super(scope, id, {
      assumedBy: serviceTrustPrincipal(scope, kind.servicePrincipal, sourceArns),
      roleName: props.roleName,
      description: props.description,
      permissionsBoundary: props.permissionsBoundary,
      path: props.path,
      inlinePolicies: precreated ? undefined : { [kind.policyName]: permissions },
    });
    self = this;
    this._sourceArns = sourceArns;
    this.permissions = permissions;
    markInlinePermissions(this);
    addRoleQuotaChecks(this, kind.quotaFix);
    if (precreated) {
      // iam.Role.customizeRoles: the statements go to the pre-created roles report, once they are complete.
      reportStatements(this, () => asArray(permissions.toJSON()?.Statement).map(j => iam.PolicyStatement.fromJson(j)),
        statement => super.addToPrincipalPolicy(statement));
    }
  }

  /**
   * Statements added to the role (by `addToPolicy()` or any `grant*()`) go in its inline policy, so that a
   * resource that refers to the role never starts before them.
   */
  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.permissions.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }

  /**
   * The role's own statements, built from its state when the policy is first rendered.
   * @internal
   */
  protected abstract _statements(): iam.PolicyStatement[];

  /**
   * Whether the role has no permission at all (an empty inline policy is not valid).
   * @internal
   */
  protected get _hasNoPermissions(): boolean {
    return this.permissions.isEmpty;
  }

  /**
   * Throws when the role is changed after its policy was rendered (the change would be lost).
   * @internal
   */
  protected _checkOpen(method: string) {
    if (this.permissions.isBuilt) {
      throw constructError(this, `${method}() was called after the role's policy was synthesized. Fix: call ${method}() before app.synth().`);
    }
  }

  /**
   * A Lambda resource-based permission for the role's service, only with `aws:SourceAccount` of the role's
   * stack and `aws:SourceArn` matching `sourceArn`. It is created with the function, as
   * `IFunction.addPermission` does, so that a function in another stack than the role makes no cycle.
   * @internal
   */
  protected _lambdaPermission(n: number, fn: lambda.IFunction, servicePrincipal: string, sourceArn: string): lambda.CfnPermission {
    return new (awsLambda().CfnPermission)(fn, `InvokedByBedrock${Names.nodeUniqueId(this.node)}${n}`, {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionArn,
      principal: servicePrincipal,
      sourceAccount: Stack.of(this).account,
      sourceArn,
    });
  }
}

/**
 * The ARNs of the resources (`kind.resourceType`) of the stack's account and Region that may assume a
 * service role: one per ID, or `TYPE/*` when no IDs are given. An ID that refers to a resource of this stack
 * that itself refers to the role would make a dependency cycle, which is refused; other references are fine.
 */
function serviceSourceArns(scope: Construct, id: string, kind: ServiceRoleKind, ids?: string[]): string[] {
  if (ids !== undefined && !Token.isUnresolved(ids) && ids.length === 0) {
    throw pathError(scope, id, `${kind.idsProp} is empty, so nothing could assume the role. Fix: omit ${kind.idsProp} to allow every ${kind.resourceType} of the account, or list ${kind.resourceType} IDs.`);
  }
  const stack = Stack.of(scope);
  return (ids ?? ['*']).map((value, i) => {
    const reference = Tokenization.reverseString(value).tokens.find(t => t instanceof Reference && Stack.of(t.target) === stack);
    if (reference !== undefined) {
      // Checked when the stack is synthesized: by then the resource's properties name its role or not.
      stack.node.addValidation({
        validate: () => (refersToRole((reference as Reference).target, scope, id)
          ? [`${scope.node.path}/${id}: ${kind.idsProp}[${i}] refers to ${article(kind.resourceType)} ${kind.resourceType} of this stack that uses this role, so the template would have a dependency cycle. `
            + `Fix: omit ${kind.idsProp} (every ${kind.resourceType} of the account may assume the role), or give the literal ID once the ${kind.resourceType} exists.`]
          : []),
      });
    }
    if (value !== '*' && !Token.isUnresolved(value) && !kind.idPattern.test(value)) {
      throw pathError(scope, id, `'${value}' in ${kind.idsProp} is not ${article(kind.resourceType)} ${kind.resourceType} ID. Fix: use the ID of the ${kind.resourceType}, for example 'AB12CD34EF'.`);
    }
    return `arn:${stack.partition}:${kind.arnService}:${stack.region}:${stack.account}:${kind.resourceType}/${value}`;
  });
}

/** Whether a resource's properties refer to the role `scope/id` (its ARN or name). */
function refersToRole(target: Construct, scope: Construct, id: string): boolean {
  const role = scope.node.tryFindChild(id);
  const cfn = role?.node.defaultChild;
  if (!(cfn instanceof iam.CfnRole)) return false;
  const stack = Stack.of(cfn);
  const logicalId = stack.resolve(cfn.logicalId);
  const props = stack.resolve((target as any).cfnProperties ?? {});
  const visit = (v: any): boolean => {
    if (v === null || typeof v !== 'object') return false;
    if (v.Ref === logicalId) return true;
    if (Array.isArray(v['Fn::GetAtt']) && v['Fn::GetAtt'][0] === logicalId) return true;
    return Object.values(v).some(visit);
  };
  return visit(props);
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

import { Names, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { DeferredPolicyDocument } from './deferred-document';
import { BEDROCK_SERVICE } from '../statements/agent';
import { constructError } from '../util/validation';

/** Agent and flow IDs are 10 letters and digits (Agent and Flow APIs). */
const RESOURCE_ID = /^[0-9a-zA-Z]{10}$/;

/**
 * The ARNs of the agents or flows (`resourceType`) of the stack's account and Region that may use a
 * service role: one per ID, or `TYPE/*` when no IDs are given. Checks the IDs; `path` names the construct.
 */
export function serviceSourceArns(scope: Construct, path: string, resourceType: 'agent' | 'flow', prop: string, ids?: string[]): string[] {
  if (ids !== undefined && ids.length === 0) {
    throw new Error(`${path}: ${prop} is empty, so nothing could assume the role. Fix: omit ${prop} to allow every ${resourceType} of the account, or list ${resourceType} IDs.`);
  }
  const stack = Stack.of(scope);
  return (ids ?? ['*']).map((id, i) => {
    // A resource of this stack (the agent or flow itself) refers to this role, so its ID here is a cycle.
    if (Tokenization.reverseString(id).tokens.some(t => t instanceof Reference && Stack.of(t.target) === stack)) {
      throw new Error(`${path}: ${prop}[${i}] refers to a resource of this stack, but that ${resourceType} refers to this role, so the template would have a dependency cycle. `
        + `Fix: omit ${prop} (every ${resourceType} of the account may assume the role), or give the literal IDs once the ${resourceType}s exist.`);
    }
    if (id !== '*' && !Token.isUnresolved(id) && !RESOURCE_ID.test(id)) {
      throw new Error(`${path}: '${id}' in ${prop} is not ${resourceType === 'agent' ? 'an' : 'a'} ${resourceType} ID. Fix: use the 10-character ID of the ${resourceType} (letters and digits), for example 'AB12CD34EF'.`);
    }
    return `arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:${resourceType}/${id}`;
  });
}

/**
 * The inline permissions of a Bedrock service role: one policy document built from the role's state when
 * it is first rendered, to which statements added later (`addToPolicy()`, `grant*()`) also go, so that a
 * Bedrock resource referring to the role is created only after every permission exists.
 */
export class InlinePermissions {
  public readonly document: DeferredPolicyDocument;

  constructor(build: () => iam.PolicyStatement[]) {
    this.document = new DeferredPolicyDocument(build);
  }

  /** Throws when the role is changed after its policy was rendered (the change would be lost). */
  public checkOpen(owner: IConstruct, method: string) {
    if (this.document.isBuilt) {
      throw constructError(owner, `${method}() was called after the role's policy was synthesized. Fix: call ${method}() before app.synth().`);
    }
  }
}

/**
 * A Lambda resource-based permission for `bedrock.amazonaws.com`, only with `aws:SourceAccount` of the
 * role's stack and `aws:SourceArn` matching `sourceArn` (§3 "Lambda resource-based policy for action
 * groups"; the legacy Flows policy, §10 errata 003-1). It is created with the function, as
 * `IFunction.addPermission` does, so that a function in another stack than the role makes no cycle.
 */
export function bedrockLambdaPermission(role: Construct, n: number, fn: lambda.IFunction, sourceArn: string): lambda.CfnPermission {
  return new lambda.CfnPermission(fn, `InvokedByBedrock${Names.nodeUniqueId(role.node)}${n}`, {
    action: 'lambda:InvokeFunction',
    functionName: fn.functionArn,
    principal: BEDROCK_SERVICE,
    sourceAccount: Stack.of(role).account,
    sourceArn,
  });
}

import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lex from 'aws-cdk-lib/aws-lex';
import { asArray, PolicyJson } from '../../util/policy-json';
import { COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, RuleResult } from '../compliance';

const BEDROCK = 'bedrock.amazonaws.com';

function namesBedrock(principal: any): boolean {
  return principal !== null && typeof principal === 'object' && asArray(principal.Service).includes(BEDROCK);
}

/** The condition keys compared by one of `operators` (a Null or negated test does not restrict who calls). */
function comparedKeys(statement: any, operators: string[]): string[] {
  return Object.entries(statement.Condition ?? {})
    .filter(([operator]) => operators.includes(operator.replace(/IfExists$/, '')) && !operator.endsWith('IfExists'))
    .flatMap(([, byKey]) => Object.keys(byKey as object))
    .map(k => k.toLowerCase());
}

function hasBothConditions(statement: any): boolean {
  return comparedKeys(statement, ['StringEquals', 'StringEqualsIgnoreCase']).includes('aws:sourceaccount')
    && comparedKeys(statement, ['ArnEquals', 'ArnLike', 'StringEquals', 'StringLike']).includes('aws:sourcearn');
}

function policyGuarded(doc: PolicyJson | undefined): boolean {
  return asArray(doc?.Statement).filter(s => s.Effect === 'Allow' && namesBedrock(s.Principal)).every(hasBothConditions);
}

/**
 * Error: a role trusted by `bedrock.amazonaws.com`, a Lambda permission or a Lex resource policy for
 * `bedrock.amazonaws.com`, without both `aws:SourceAccount` and `aws:SourceArn` (the confused-deputy
 * guard the Bedrock pages recommend).
 */
export function BedrockServiceWithoutConfusedDeputyConditions(node: CfnResource): RuleResult {
  const stack = Stack.of(node);
  if (node instanceof iam.CfnRole) {
    const trust = stack.resolve(node.assumeRolePolicyDocument) as PolicyJson;
    if (!asArray(trust?.Statement).some(s => namesBedrock(s.Principal))) return NOT_APPLICABLE;
    return policyGuarded(trust) ? COMPLIANT : NON_COMPLIANT;
  }
  if (node instanceof lambda.CfnPermission) {
    if (stack.resolve(node.principal) !== BEDROCK) return NOT_APPLICABLE;
    return node.sourceAccount !== undefined && node.sourceArn !== undefined ? COMPLIANT : NON_COMPLIANT;
  }
  if (node instanceof lex.CfnResourcePolicy) {
    const policy = stack.resolve(node.policy) as PolicyJson;
    if (!asArray(policy?.Statement).some(s => namesBedrock(s.Principal))) return NOT_APPLICABLE;
    return policyGuarded(policy) ? COMPLIANT : NON_COMPLIANT;
  }
  return NOT_APPLICABLE;
}

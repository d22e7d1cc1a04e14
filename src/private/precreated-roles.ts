import { AspectPriority, Aspects } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** The context key `iam.Role.customizeRoles(scope)` sets (aws-cdk-lib's CUSTOMIZE_ROLES_CONTEXT_KEY). */
const CUSTOMIZE_ROLES = '@aws-cdk/iam:customizeRoles';

/**
 * Whether roles created in `scope` are pre-created outside CloudFormation (`iam.Role.customizeRoles`): the
 * role writes its policies to the pre-created roles report instead of the template. aws-cdk-lib reads a
 * role's inline policies while the role is being constructed, before this library's statements exist, so
 * the library's roles leave their own statements out of `inlinePolicies` then and add them with
 * `addToPrincipalPolicy` (`reportStatements`).
 */
export function rolesArePrecreated(scope: IConstruct): boolean {
  return scope.node.tryGetContext(CUSTOMIZE_ROLES) !== undefined;
}

/**
 * Adds `statements()` to the pre-created role's report after every other aspect (the statements may
 * still change until then). `add` is the role's `iam.Role` `addToPrincipalPolicy`.
 */
export function reportStatements(role: iam.Role, statements: () => iam.PolicyStatement[], add: (s: iam.PolicyStatement) => void) {
  Aspects.of(role).add({
    visit: node => {
      // aws-cdk-lib visits each node once per aspect. Adding the statements on a child's visit instead, or on every
      // visit, gives the same report: the role's policy drops a statement it already has.
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent (above)
      if (node === role) statements().forEach(add);
    },
  }, { priority: AspectPriority.READONLY });
}

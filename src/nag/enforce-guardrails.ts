import { Annotations, IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import type * as Analysis from './analysis';
import { EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { GuardrailEnforcementOptions } from '../invoker/guardrail-enforcement-options';
import { deniedPaths } from '../model/inference-paths';
import { checkInferencePaths, warnAboutEnforcementOptions } from '../private/enforcement-options';
import { enforcementMark, enforcingBoundaryOf, markEnforced, recordAllowedPaths } from '../private/markers';
import { enforcementDenyStatements } from '../statements/enforcement-denies';
import { applyGuardrailStatement, guardrailKeyDecryptStatement } from '../statements/guardrail';
import { lazy } from '../util/policy-json';
import { factoryError } from '../util/validation';

// The analysis of policies runs only when the aspect visits, at synth.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const analysis = lazy(() => require('./analysis') as typeof Analysis);

/**
 * Properties of the EnforceGuardrails aspect.
 */
export interface EnforceGuardrailsProps extends GuardrailEnforcementOptions {
  /**
   * The approved guardrails: every inference request of the principals in scope must name one of them.
   */
  readonly guardrails: EnforcedGuardrail[];
}

/**
 * An aspect that puts guardrail enforcement on every IAM role, user and group in its scope that can reach
 * Amazon Bedrock model output and does not have it yet: the same statements as GuardrailEnforcedInvokerRole,
 * built by the same code, added to the principal's default policy: the Deny with a negated
 * `bedrock:GuardrailIdentifier` condition on every resource, the Deny of the inference paths that carry no
 * guardrail IAM can check (`InferencePath`, unless `allowUnguardedPaths` lists them), the protection of the
 * approved guardrails, `bedrock:ApplyGuardrail` and `kms:Decrypt`. The principal's own Allows still decide
 * which models it may call.
 *
 * A principal is in scope when it can call `bedrock:InvokeModel` or `bedrock:InvokeModelWithResponseStream`,
 * or any action of a denied inference path (a role with only `bedrock-mantle:*`, or only `iam:PassRole` on
 * `*`, included). It gets the Deny of every denied path, not only of those it can reach today (another
 * policy may be attached later). A principal that already has a guardrail Deny of its own keeps it and gets
 * only the Denies it lacks. Principals that carry this library's enforcement (an invoker role, a GuardrailEnforcementPolicy)
 * are left as they are: their own `allowUnguardedPaths` is the choice made for them.
 *
 * Roles that only `bedrock.amazonaws.com` can assume (agent, flow and knowledge-base service roles) are
 * skipped: the documented limitation forbids the Deny there. Each principal changed gets an info message;
 * an L1 principal (`CfnRole`, `CfnUser`, `CfnGroup` without an L2 around it) gets a warning instead, as
 * there is no policy to add to.
 *
 * @example
 * import { App, Aspects } from 'aws-cdk-lib';
 * import { EnforcedGuardrail, EnforceGuardrails, GuardrailVersion } from 'cdk-bedrock-guardrail-iam';
 *
 * declare const app: App;
 * const arn = 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456';
 * Aspects.of(app).add(new EnforceGuardrails({ guardrails: [EnforcedGuardrail.fromArn(arn, GuardrailVersion.numbered(1))] }));
 */
export class EnforceGuardrails implements IAspect {
  private readonly props: EnforceGuardrailsProps;

  constructor(props: EnforceGuardrailsProps) {
    if (props.guardrails.length === 0) {
      throw factoryError('EnforceGuardrails', 'guardrails is empty, so no request could carry an approved guardrail. Fix: pass at least one EnforcedGuardrail.');
    }
    checkInferencePaths('EnforceGuardrails', props.allowUnguardedPaths);
    this.props = props;
  }

  public visit(node: IConstruct): void {
    const {
      approvedGuardrailArnsOf, canInvokeModels, deniesPath, hasEnforcementDeny, isBedrockServiceRole, isPrincipalResource, newPolicyView, policiesOf,
      reachablePaths,
    } = analysis();
    if (!isPrincipalResource(node) || isBedrockServiceRole(node)) return;
    const owner = node.node.scope;
    if (owner !== undefined && (enforcementMark(owner) !== undefined || enforcingBoundaryOf(owner) !== undefined)) return;
    // The stack's policies as they are now: other aspects may have added some since the last principal, and
    // a second synthesis may see grants added after the first.
    const policies = policiesOf(node, newPolicyView(Stack.of(node)));
    const denied = deniedPaths(this.props.allowUnguardedPaths);
    const invokes = canInvokeModels(policies);
    if (!invokes && reachablePaths(policies, denied).length === 0) return;
    // The whole enforcement, as the invoker role has it, less what the principal already denies.
    const guardrailDeny = invokes && !hasEnforcementDeny(node, policies);
    const paths = denied.filter(p => !deniesPath(policies.documents, p));
    if (!guardrailDeny && paths.length === 0) return;
    if (!(owner instanceof iam.Role || owner instanceof iam.User || owner instanceof iam.Group)) {
      Annotations.of(node).addWarningV2('cdk-bedrock-guardrail-iam:enforceGuardrailsSkippedL1',
        'EnforceGuardrails cannot add statements to this L1 principal (it has no iam.Role, iam.User or iam.Group around it), and it can reach Bedrock model output without a guardrail. '
        + 'Fix: attach a GuardrailEnforcementPolicy to it, or define it with iam.Role / GuardrailEnforcedInvokerRole.');
      return;
    }
    const bound = this.props.guardrails.map(g => g._bind(owner));
    // A principal with a guardrail Deny of its own: its own approved guardrails are protected too.
    const statements = [
      ...enforcementDenyStatements(bound, {
        inference: guardrailDeny,
        paths,
        protect: this.props.protectApprovedGuardrails !== false,
        alsoProtect: approvedGuardrailArnsOf(node, policies),
      }),
      // What using the approved guardrails needs, only for a principal that runs inference.
      ...(guardrailDeny ? [applyGuardrailStatement(bound), guardrailKeyDecryptStatement(bound)] : []),
    ];
    statements.forEach(s => s !== undefined && owner.addToPrincipalPolicy(s));
    warnAboutEnforcementOptions(owner, this.props);
    markEnforced(owner, this.props.allowUnguardedPaths ?? []);
    recordAllowedPaths(owner, this.props.allowUnguardedPaths ?? []);
    const what = [
      guardrailDeny ? `inference without one of the approved guardrails (${this.props.guardrails.map(g => g.guardrailArn).join(', ')})` : undefined,
      paths.length > 0 ? `the inference paths without a guardrail check (${paths.map(p => p.path).join(', ')})` : undefined,
    ].filter(w => w !== undefined).join(' and ');
    Annotations.of(owner).addInfo(`EnforceGuardrails: this principal can reach Bedrock model output, so its default policy now denies ${what}.`);
  }
}

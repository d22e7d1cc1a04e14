import { runSimulation } from '@cloud-copilot/iam-simulate';
import { DEFAULT_ENV, DeployEnv, resolveCfn } from './cfn';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** An IAM policy document as JSON. */
export type PolicyJson = { Version?: string; Statement: any[] };

/** Another policy on the same principal that allows everything (AdministratorAccess). */
export const ALLOW_ALL: PolicyJson = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The organization's default SCP (AWS managed FullAWSAccess). */
export const FULL_AWS_ACCESS: PolicyJson = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** What else limits the principal: service control policies in force on its account, its permissions boundary. */
export interface Controls {
  readonly serviceControlPolicies?: PolicyJson[];
  readonly permissionsBoundaries?: PolicyJson[];
}

export interface SimRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: { [key: string]: string | string[] };
  /** @default the resource ARN's account, else DEFAULT_ENV.account */
  readonly resourceAccount?: string;
  /** @default a role in DEFAULT_ENV.account */
  readonly principal?: string;
}

/**
 * Runs one request through the simulator against identity policies (and optionally a resource policy)
 * and returns its decision. A simulation error (unknown action, condition key not valid for the action,
 * resource ARN of a type the action does not have) fails the test instead of passing quietly.
 */
export async function decide(
  identityPolicies: PolicyJson[], request: SimRequest, resourcePolicy?: PolicyJson, controls: Controls = {},
): Promise<Decision> {
  const arnAccount = request.resource.split(':')[4];
  const result = await runSimulation({
    identityPolicies: identityPolicies.map((policy, i) => ({ name: `policy${i}`, policy })),
    // The SCPs at the root, beside FullAWSAccess (which every level of an organization has unless removed).
    serviceControlPolicies: controls.serviceControlPolicies === undefined ? [] : [{
      orgIdentifier: 'r-root',
      policies: [FULL_AWS_ACCESS, ...controls.serviceControlPolicies].map((policy, i) => ({ name: `scp${i}`, policy })),
    }],
    permissionBoundaryPolicies: controls.permissionsBoundaries?.map((policy, i) => ({ name: `boundary${i}`, policy })),
    resourceControlPolicies: [],
    resourcePolicy,
    request: {
      action: request.action,
      principal: request.principal ?? `arn:aws:iam::${DEFAULT_ENV.account}:role/app`,
      resource: {
        resource: request.resource,
        accountId: request.resourceAccount ?? (arnAccount && arnAccount !== '*' ? arnAccount : DEFAULT_ENV.account),
      },
      contextVariables: request.context ?? {},
    },
  } as any, {});
  if (result.resultType === 'error') {
    throw new Error(`simulation error for ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}

/**
 * Every identity policy that applies to the role `roleLogicalId` in a synthesized template, with the
 * intrinsics resolved: the role's inline policies, AWS::IAM::Policy resources that name it, and
 * customer managed policies attached either way.
 */
export function identityPoliciesOf(template: any, roleLogicalId: string, env: DeployEnv = DEFAULT_ENV): PolicyJson[] {
  const resources = template.Resources as { [id: string]: any };
  const role = resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role in the template`);
  const namesRole = (list: any[] | undefined) => (list ?? []).some(r => r?.Ref === roleLogicalId);
  const docs: any[] = [];
  for (const p of role.Properties.Policies ?? []) docs.push(p.PolicyDocument);
  const attachedManaged = new Set<string>((role.Properties.ManagedPolicyArns ?? []).filter((a: any) => a?.Ref).map((a: any) => a.Ref));
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Policy' && namesRole(r.Properties.Roles)) docs.push(r.Properties.PolicyDocument);
    if (r.Type === 'AWS::IAM::ManagedPolicy' && (namesRole(r.Properties.Roles) || attachedManaged.has(id))) docs.push(r.Properties.PolicyDocument);
  }
  return docs.map(d => resolveCfn(d, env));
}

/** The trust policy of a role, resolved. */
export function trustPolicyOf(template: any, roleLogicalId: string, env: DeployEnv = DEFAULT_ENV): PolicyJson {
  return resolveCfn(template.Resources[roleLogicalId].Properties.AssumeRolePolicyDocument, env);
}

/** The logical ID of the only resource of `type` whose ID starts with `prefix`. */
export function logicalIdOf(template: any, type: string, prefix: string): string {
  const ids = Object.entries(template.Resources as { [id: string]: any })
    .filter(([id, r]) => r.Type === type && id.startsWith(prefix))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} with a logical ID starting ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}

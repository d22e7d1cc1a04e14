import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  AgentExecutionRole,
  EncryptedGuardrailKey,
  EnforcedGuardrail,
  FlowServiceRole,
  GuardrailAdministratorRole,
  GuardrailEnforcedInvokerRole,
  GuardrailVersion,
  InvokableModel,
} from '../src';

/**
 * Every role of the library under `iam.Role.customizeRoles(scope)`: no role in the template, and the
 * pre-created roles report lists the role with its trust and all its statements (the guardrail Deny too).
 */
const G1 = 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123';
const HAIKU = InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0');

function reportOf(make: (stack: Stack) => void) {
  const app = new App();
  const stack = new Stack(app, 'Precreated', { env: { account: '111122223333', region: 'us-east-1' } });
  iam.Role.customizeRoles(stack, { usePrecreatedRoles: { 'Precreated/Role': 'team-role' } });
  make(stack);
  const assembly = app.synth();
  const template = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Precreated.template.json'), 'utf8'));
  const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'iam-policy-report.json'), 'utf8'));
  const role = report.roles.find((r: any) => r.roleConstructPath === 'Precreated/Role');
  return { template, role, statements: role.identityPolicyStatements as any[] };
}

const roleResources = (template: any) => Object.values(template.Resources ?? {}).filter((r: any) => r.Type === 'AWS::IAM::Role');

test('GuardrailEnforcedInvokerRole: the report lists every statement, the Denies first', () => {
  const { template, role, statements } = reportOf(stack => {
    const r = new GuardrailEnforcedInvokerRole(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [HAIKU],
    });
    r.addModel(InvokableModel.foundationModel('amazon.nova-lite-v1:0'));
  });
  expect(roleResources(template)).toEqual([]);
  expect(role.roleName).toBe('team-role');
  expect(statements.map(s => s.Sid)).toEqual([
    'DenyInvokeWithoutApprovedGuardrail', 'DenyInferenceWithoutGuardrailCheck', 'DenyPassRoleToBedrock',
    'DenyChangesToApprovedGuardrails', 'DenyChangesToAccountGuardrailSettings', 'InvokeWithApprovedGuardrail', 'ApplyGuardrail',
  ]);
  expect(statements[0].Condition).toEqual({ StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } });
  expect(JSON.stringify(statements)).toContain('amazon.nova-lite-v1:0');
});

test('GuardrailEnforcedInvokerRole: a model that an aspect adds is in the report (the statements are read after every other aspect)', () => {
  const { statements } = reportOf(stack => {
    const r = new GuardrailEnforcedInvokerRole(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      models: [HAIKU],
    });
    Aspects.of(r).add({ visit: node => { if (node === r) r.addModel(InvokableModel.foundationModel('amazon.nova-lite-v1:0')); } });
  });
  expect(JSON.stringify(statements)).toContain('amazon.nova-lite-v1:0');
});

test('AgentExecutionRole: the report lists the trust and the permissions, with statements added later', () => {
  const { template, role, statements } = reportOf(stack => {
    const r = new AgentExecutionRole(stack, 'Role', { models: [HAIKU] });
    r.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::docs/*'] }));
  });
  expect(roleResources(template)).toEqual([]);
  expect(role.assumeRolePolicy[0].Principal).toEqual({ Service: 'bedrock.amazonaws.com' });
  expect(Object.keys(role.assumeRolePolicy[0].Condition).sort()).toEqual(['ArnLike', 'StringEquals']);
  expect(statements.map(s => s.Sid)).toContain('AgentModelInvocationPermissions');
  expect(JSON.stringify(statements)).toContain('arn:aws:s3:::docs/*');
});

test('FlowServiceRole: the report lists the permissions', () => {
  const { template, statements } = reportOf(stack => new FlowServiceRole(stack, 'Role', { models: [HAIKU] }));
  expect(roleResources(template)).toEqual([]);
  expect(statements.map(s => s.Sid)).toEqual(['InvokeModel']);
});

test('GuardrailAdministratorRole: the report lists the administration and the key statements', () => {
  const { template, statements } = reportOf(stack => new GuardrailAdministratorRole(stack, 'Role', {
    assumedBy: new iam.AccountRootPrincipal(),
    requiredTags: { team: ['search'] },
    encryptionKey: new EncryptedGuardrailKey(stack, 'Key'),
  }));
  expect(roleResources(template)).toEqual([]);
  expect(statements.map(s => s.Sid)).toEqual(expect.arrayContaining(['CreateGuardrails', 'DenyTagUntaggedGuardrailWithRequiredTag1']));
  expect(JSON.stringify(statements)).toContain('kms:CreateGrant');
});

import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { G1, HAIKU } from './fixtures';
import { EnforcedGuardrail, GuardrailEnforcedInvokerRole, GuardrailVersion, InferencePath, InvokableModel } from '../../src';
import { ENFORCEMENT_METADATA } from '../../src/check/model';
import { GuardrailEnforcement } from '../../src/private/enforcement';

/** What the shared enforcement records for the checks, and its guard against use before it has an owner. */
describe('GuardrailEnforcement', () => {
  const invoker = (allowUnguardedPaths?: InferencePath[]) => new GuardrailEnforcedInvokerRole(new Stack(new App(), 'S'), 'Invoker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    models: [InvokableModel.foundationModel(HAIKU)],
    allowUnguardedPaths,
  });
  const recorded = (role: GuardrailEnforcedInvokerRole) => role.node.metadata.filter(m => m.type === ENFORCEMENT_METADATA).map(m => m.data);

  test('the paths left open are recorded for the checks exactly, and nothing when every path is denied', () => {
    expect(recorded(invoker())).toEqual([]);
    expect(recorded(invoker([]))).toEqual([]);
    expect(recorded(invoker([InferencePath.FLOWS]))).toEqual([{ allowUnguardedPaths: [InferencePath.FLOWS] }]);
  });

  test('the approved guardrails and the account\'s guardrail settings are protected by default and with true, not with false (paths.test.ts simulates it)', () => {
    const sids = (protectApprovedGuardrails?: boolean) => {
      const stack = new Stack(new App(), 'S');
      new GuardrailEnforcedInvokerRole(stack, 'Invoker', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
        models: [InvokableModel.foundationModel(HAIKU)],
        protectApprovedGuardrails,
      });
      return [...JSON.stringify(Template.fromStack(stack).toJSON()).matchAll(/"Sid":"(\w+)"/g)].map(m => m[1]);
    };
    const protection = ['DenyChangesToApprovedGuardrails', 'DenyChangesToAccountGuardrailSettings'];
    expect(sids()).toEqual(expect.arrayContaining(protection));
    expect(sids(true)).toEqual(sids());
    expect(sids(false)).toEqual(sids().filter(sid => !protection.includes(sid)));
  });

  test('a layout gets every statement, and apart from them the Denies, which must stay whole in the first part', () => {
    const enforcement = new GuardrailEnforcement();
    enforcement.attach(new Construct(new Stack(new App(), 'S'), 'Owner'), [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
      [InvokableModel.foundationModel(HAIKU)]);
    const seen: { statements: string[]; denies: string[] }[] = [];
    enforcement.layOutWith((statements, denies) => {
      seen.push({ statements: statements.map(st => st.sid!), denies: denies.map(st => st.sid!) });
      return [{ statements, size: 0 }];
    });
    expect(enforcement.parts()[0].statements.map(st => st.sid)).toEqual(seen[0].statements);
    expect(seen).toEqual([{
      statements: [
        'InvokeWithApprovedGuardrail', 'DenyInvokeWithoutApprovedGuardrail', 'DenyInferenceWithoutGuardrailCheck', 'DenyPassRoleToBedrock',
        'DenyChangesToApprovedGuardrails', 'DenyChangesToAccountGuardrailSettings', 'ApplyGuardrail',
      ],
      denies: [
        'DenyInvokeWithoutApprovedGuardrail', 'DenyInferenceWithoutGuardrailCheck', 'DenyPassRoleToBedrock',
        'DenyChangesToApprovedGuardrails', 'DenyChangesToAccountGuardrailSettings',
      ],
    }]);
  });

  test('adding a guardrail or a model before it is attached to an owner is a programming error', () => {
    const enforcement = new GuardrailEnforcement();
    expect(() => enforcement.addGuardrail(EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))))
      .toThrow('GuardrailEnforcement.addGuardrail called before attach');
    expect(() => enforcement.addModel(InvokableModel.foundationModel(HAIKU))).toThrow('GuardrailEnforcement.addModel called before attach');
  });
});

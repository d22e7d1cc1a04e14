import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { InferencePath } from '../../src/model/inference-path';
import { holdsPermissionsInline, markInlinePermissions, mayNameInKeyPolicy } from '../../src/private/inline-roles';
import {
  enforcementMark,
  enforcingBoundaryOf,
  markEnforced,
  markEnforcingBoundary,
  markEnforcingBoundaryScope,
} from '../../src/private/markers';
import { attachBeforeOtherPolicies } from '../../src/private/policy-order';

/**
 * The library's marks are an interface between copies of the library in one app, which may be different
 * versions (two constructs libraries that each depend on it): each is a property under `Symbol.for` of a fixed
 * name. A mark made under that name by another copy must be read, and a mark made here must be under that name.
 */
const key = (name: string) => Symbol.for(`cdk-bedrock-guardrail-iam.${name}`);
const newScope = () => new Construct(new Stack(new App(), 'S'), 'C');

test('an enforced principal: marked under enforcedPrincipal; a mark of another copy is read', () => {
  const principal = newScope();
  markEnforced(principal, [InferencePath.AGENTS]);
  expect((principal as any)[key('enforcedPrincipal')]).toEqual({ allowedPaths: [InferencePath.AGENTS] });
  const other = newScope();
  Object.defineProperty(other, key('enforcedPrincipal'), { value: { allowedPaths: [InferencePath.FLOWS] }, configurable: true });
  expect(enforcementMark(other)).toEqual({ allowedPaths: [InferencePath.FLOWS] });
  // A second enforcement leaves a path open only if both do.
  markEnforced(other, [InferencePath.FLOWS, InferencePath.AGENTS]);
  expect(enforcementMark(other)).toEqual({ allowedPaths: [InferencePath.FLOWS] });
  markEnforced(other, [InferencePath.AGENTS]);
  expect(enforcementMark(other)).toEqual({ allowedPaths: [] });
  expect(enforcementMark(newScope())).toBeUndefined();
});

test('a guardrail boundary and its scopes: marked under enforcingBoundary and enforcingBoundaryScope', () => {
  const stack = new Stack(new App(), 'S');
  const boundary = new iam.ManagedPolicy(stack, 'Boundary', { statements: [new iam.PolicyStatement({ actions: ['*'], resources: ['*'] })] });
  markEnforcingBoundary(boundary, [InferencePath.BATCH_INFERENCE]);
  expect((boundary as any)[key('enforcingBoundary')]).toEqual({ allowedPaths: [InferencePath.BATCH_INFERENCE] });

  // Its own permissionsBoundary first.
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal(), permissionsBoundary: boundary });
  expect(enforcingBoundaryOf(role)).toEqual({ allowedPaths: [InferencePath.BATCH_INFERENCE] });
  const unmarked = new iam.ManagedPolicy(stack, 'Other', { statements: [new iam.PolicyStatement({ actions: ['*'], resources: ['*'] })] });
  expect(enforcingBoundaryOf(new iam.Role(stack, 'Own', { assumedBy: new iam.AccountRootPrincipal(), permissionsBoundary: unmarked }))).toBeUndefined();

  // Then the nearest scope a boundary was applied to, marked by another copy.
  const scope = new Construct(stack, 'Team');
  const inner = new Construct(scope, 'Inner');
  const other = Object.defineProperty({}, key('enforcingBoundary'), { value: { allowedPaths: [] } });
  Object.defineProperty(scope, key('enforcingBoundaryScope'), { value: other, configurable: true });
  expect(enforcingBoundaryOf(new iam.Role(inner, 'Role', { assumedBy: new iam.AccountRootPrincipal() }))).toEqual({ allowedPaths: [] });
  markEnforcingBoundaryScope(inner, unmarked);
  // A scope's boundary can be applied again (the last one counts).
  markEnforcingBoundaryScope(inner, boundary);
  expect((inner as any)[key('enforcingBoundaryScope')]).toBe(boundary);
  expect(enforcingBoundaryOf(new iam.Role(inner, 'Nearest', { assumedBy: new iam.AccountRootPrincipal() }))).toEqual({ allowedPaths: [InferencePath.BATCH_INFERENCE] });
  expect(enforcingBoundaryOf(new iam.Role(stack, 'Outside', { assumedBy: new iam.AccountRootPrincipal() }))).toBeUndefined();
});

test('a role that holds its permissions inline: marked under inlinePermissions, and never named in a key policy', () => {
  const role = newScope();
  markInlinePermissions(role);
  expect((role as any)[key('inlinePermissions')]).toBe(true);
  expect(holdsPermissionsInline(role)).toBe(true);
  expect(mayNameInKeyPolicy(role)).toBe(false);
  const other = Object.defineProperty(newScope(), key('inlinePermissions'), { value: true });
  expect(mayNameInKeyPolicy(other)).toBe(false);
  expect(mayNameInKeyPolicy(newScope())).toBe(true);
  expect(mayNameInKeyPolicy(new iam.AccountRootPrincipal())).toBe(true);
});

test('the policies attached first: kept on the stack under firstPolicies, shared with another copy', () => {
  const stack = new Stack(new App(), 'S');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
  const first = new iam.CfnPolicy(stack, 'First', { policyName: 'f', roles: [role.roleName], policyDocument: {} });
  attachBeforeOtherPolicies(first, () => ({ roles: [role.roleName], users: [], groups: [] }));
  expect((stack as any)[key('firstPolicies')]).toHaveLength(1);
  expect(Aspects.of(stack).all).toHaveLength(1);

  // Another copy made the list and its aspect: this copy adds to that list, and no second aspect.
  const shared = new Stack(new App(), 'Shared');
  const entries: unknown[] = [];
  Object.defineProperty(shared, key('firstPolicies'), { value: entries });
  const sharedRole = new iam.Role(shared, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
  attachBeforeOtherPolicies(new iam.CfnPolicy(shared, 'First', { policyName: 'f', roles: [sharedRole.roleName], policyDocument: {} }),
    () => ({ roles: [sharedRole.roleName], users: [], groups: [] }));
  expect(entries).toHaveLength(1);
  expect(Aspects.of(shared).all).toHaveLength(0);
});

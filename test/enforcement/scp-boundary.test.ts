import { App, Aspects, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  AgentExecutionRole,
  EnforcedGuardrail,
  EnforceGuardrails,
  GuardrailPermissionsBoundary,
  GuardrailProfile,
  GuardrailPermissionsBoundaryProps,
  GuardrailServiceControlPolicy,
  GuardrailServiceControlPolicyProps,
  GuardrailVersion,
  InferencePath,
  InvokableModel,
  ServiceControlPolicyPart,
} from '../../src';
import { INFERENCE_PATHS } from '../../src/model/inference-paths';
import { cdkApp, findingLines } from '../check/harness';
import { CONFIG_CHANGES, GUARDRAIL_CHANGES } from '../sim/actions';
import { resolveCfn } from '../sim/cfn';
import { sampleResource } from '../sim/samples';
import { ALLOW_ALL, Controls, decide, Decision, PolicyJson, SimRequest } from '../sim/simulate';

const MEMBER = '111122223333';
const MANAGEMENT = '999988887777';
const G1 = `arn:aws:bedrock:us-east-1:${MEMBER}:guardrail/abc123def456`;
const OTHER = `arn:aws:bedrock:us-east-1:${MEMBER}:guardrail/zzz999`;
const FM = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0';
const APP_ROLE = `arn:aws:iam::${MEMBER}:role/app`;
const ADMIN_ROLE = `arn:aws:iam::${MEMBER}:role/GuardrailAdministrator`;
const EXEMPT = 'arn:aws:iam::*:role/GuardrailAdministrator';
const MEMBER_ENV = { partition: 'aws', region: 'us-east-1', account: MEMBER };
const MGMT_ENV = { partition: 'aws', region: 'us-east-1', account: MANAGEMENT };

const PATH_ACTIONS = INFERENCE_PATHS.flatMap(p => p.actions.map(a => [p.path, a] as const));

/** The request as IAM evaluates it: aws:PrincipalArn is always present for a role (the simulator needs it given). */
const asRole = (request: SimRequest): SimRequest => {
  const principal = request.principal ?? APP_ROLE;
  return { ...request, principal, context: { 'aws:PrincipalArn': principal, ...request.context } };
};
const simulate = (identity: PolicyJson[], request: SimRequest, controls: Controls) => decide(identity, asRole(request), undefined, controls);

const invoke = (guardrail?: string, action = 'bedrock:InvokeModel'): SimRequest => ({
  action, resource: FM, principal: APP_ROLE, context: guardrail === undefined ? {} : { 'bedrock:GuardrailIdentifier': guardrail },
});

async function pathRequest(action: string, principal = APP_ROLE): Promise<SimRequest> {
  return {
    action,
    resource: await sampleResource(action),
    principal,
    context: action === 'iam:PassRole' ? { 'iam:PassedToService': 'bedrock.amazonaws.com' } : {},
  };
}

function scpStack(props: Partial<GuardrailServiceControlPolicyProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Management', { env: { account: MANAGEMENT, region: 'us-east-1' } });
  const scp = new GuardrailServiceControlPolicy(stack, 'GuardrailRule', {
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    targetIds: ['ou-ab12-cdef3456'],
    ...props,
  });
  const template = Template.fromStack(stack);
  const resource = Object.values(template.toJSON().Resources as { [id: string]: any }).find(r => r.Type === 'AWS::Organizations::Policy')!;
  return { stack, scp, template, content: resolveCfn(resource.Properties.Content, MGMT_ENV) as PolicyJson };
}

describe('GuardrailServiceControlPolicy', () => {
  let template: Template, content: PolicyJson, scp: GuardrailServiceControlPolicy;
  beforeAll(() => ({ template, content, scp } = scpStack({ exemptAdministratorRoleArns: [EXEMPT], denyBedrockApiKeys: true })));
  const underScp = (identity: PolicyJson[], request: SimRequest) => simulate(identity, request, { serviceControlPolicies: [content] });

  test('is an SCP on its targets, with the Denies of the invoker role', () => {
    template.hasResourceProperties('AWS::Organizations::Policy', {
      Type: 'SERVICE_CONTROL_POLICY',
      TargetIds: ['ou-ab12-cdef3456'],
      Content: {
        Version: '2012-10-17',
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyInvokeWithoutApprovedGuardrail',
            Effect: 'Deny',
            Resource: '*',
            Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
            Condition: { StringNotEquals: { 'bedrock:GuardrailIdentifier': `${G1}:1` } },
          }),
          Match.objectLike({ Sid: 'DenyChangesToApprovedGuardrails', Resource: G1, Condition: { ArnNotLike: { 'aws:PrincipalArn': EXEMPT } } }),
          Match.objectLike({ Sid: 'DenyChangesToExemptAdministratorRoles', Resource: EXEMPT, Condition: { ArnNotLike: { 'aws:PrincipalArn': EXEMPT } } }),
        ]),
      },
    });
    expect(content.Statement.every((s: any) => s.Effect === 'Deny')).toBe(true);
    expect(scp.size).toBe(JSON.stringify(content).length);
    // Every statement named, in the documented order (a reader of the SCP finds each Deny by its Sid).
    expect(content.Statement.map((s: any) => s.Sid)).toEqual([
      'DenyInvokeWithoutApprovedGuardrail', 'DenyInferenceWithoutGuardrailCheck', 'DenyPassRoleToBedrock', 'DenyChangesToApprovedGuardrails',
      'DenyChangesToAccountGuardrailSettings', 'DenyChangesToExemptAdministratorRoles', 'DenyChangesToIdentityProviders',
      'DenyBedrockApiKeyCreation', 'DenyBedrockApiKeyUse',
    ]);
  });

  describe('a member-account role that allows *:* itself', () => {
    test('inference without a guardrail, or with another one, is ExplicitlyDenied; with the approved one, Allowed', async () => {
      expect(await underScp([ALLOW_ALL], invoke())).toBe('ExplicitlyDenied');
      expect(await underScp([ALLOW_ALL], invoke(undefined, 'bedrock:InvokeModelWithResponseStream'))).toBe('ExplicitlyDenied');
      expect(await underScp([ALLOW_ALL], invoke(`${OTHER}:1`))).toBe('ExplicitlyDenied');
      expect(await underScp([ALLOW_ALL], invoke(`${G1}:2`))).toBe('ExplicitlyDenied');
      expect(await underScp([ALLOW_ALL], invoke(G1))).toBe('ExplicitlyDenied');
      expect(await underScp([ALLOW_ALL], invoke(`${G1}:1`))).toBe('Allowed');
      expect(await underScp([ALLOW_ALL], invoke(`${G1}:1`, 'bedrock:InvokeModelWithResponseStream'))).toBe('Allowed');
    });

    test('the SCP grants nothing: without its own Allow the role is ImplicitlyDenied even with the guardrail', async () => {
      expect(await underScp([], invoke(`${G1}:1`))).toBe('ImplicitlyDenied');
    });

    test('every indirect inference path is ExplicitlyDenied', async () => {
      const decisions: Array<[string, Decision]> = [];
      for (const [path, action] of PATH_ACTIONS) decisions.push([`${path} ${action}`, await underScp([ALLOW_ALL], await pathRequest(action))]);
      expect(decisions).toEqual(decisions.map(([label]) => [label, 'ExplicitlyDenied']));
    });

    test('passing a role to another service than Bedrock stays allowed', async () => {
      const request = { ...(await pathRequest('iam:PassRole')), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } };
      expect(await underScp([ALLOW_ALL], request)).toBe('Allowed');
    });

    test('changes to the approved guardrail and to the guardrail settings are ExplicitlyDenied', async () => {
      for (const action of GUARDRAIL_CHANGES) {
        expect([action, await underScp([ALLOW_ALL], { action, resource: G1, principal: APP_ROLE })]).toEqual([action, 'ExplicitlyDenied']);
      }
      for (const action of CONFIG_CHANGES) {
        expect([action, await underScp([ALLOW_ALL], { action, resource: '*', principal: APP_ROLE })]).toEqual([action, 'ExplicitlyDenied']);
      }
      // Another guardrail (its own, say) is not the SCP's business.
      expect(await underScp([ALLOW_ALL], { action: 'bedrock:UpdateGuardrail', resource: OTHER, principal: APP_ROLE })).toBe('Allowed');
    });

    test('it cannot take over an administrator role (trust, policies, boundary, creation, passing)', async () => {
      for (const action of ['iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:CreateRole', 'iam:DeleteRolePermissionsBoundary', 'iam:PassRole']) {
        expect([action, await underScp([ALLOW_ALL], { action, resource: ADMIN_ROLE, principal: APP_ROLE })]).toEqual([action, 'ExplicitlyDenied']);
      }
      expect(await underScp([ALLOW_ALL], { action: 'iam:UpdateAssumeRolePolicy', resource: `arn:aws:iam::${MEMBER}:role/other`, principal: APP_ROLE })).toBe('Allowed');
    });

    test('it cannot assume an administrator role (even one that trusts the account root), nor change the identity providers', async () => {
      expect(await underScp([ALLOW_ALL], { action: 'sts:AssumeRole', resource: ADMIN_ROLE, principal: APP_ROLE })).toBe('ExplicitlyDenied');
      expect(await underScp([ALLOW_ALL], { action: 'sts:AssumeRole', resource: `arn:aws:iam::${MEMBER}:role/other`, principal: APP_ROLE })).toBe('Allowed');
      for (const [action, resource] of [
        ['iam:UpdateSAMLProvider', `arn:aws:iam::${MEMBER}:saml-provider/corp`],
        ['iam:CreateSAMLProvider', `arn:aws:iam::${MEMBER}:saml-provider/corp`],
        ['iam:AddClientIDToOpenIDConnectProvider', `arn:aws:iam::${MEMBER}:oidc-provider/token.actions.githubusercontent.com`],
      ]) {
        expect([action, await underScp([ALLOW_ALL], { action, resource, principal: APP_ROLE })]).toEqual([action, 'ExplicitlyDenied']);
        expect([action, await underScp([ALLOW_ALL], { action, resource, principal: ADMIN_ROLE })]).toEqual([action, 'Allowed']);
      }
    });

    test('Bedrock API keys are denied (creation for Bedrock, use on both endpoints); other service credentials are not', async () => {
      const user = `arn:aws:iam::${MEMBER}:user/dev`;
      expect(await underScp([ALLOW_ALL], { action: 'bedrock:CallWithBearerToken', resource: '*', principal: APP_ROLE })).toBe('ExplicitlyDenied');
      expect(await underScp([ALLOW_ALL], { action: 'bedrock-mantle:CallWithBearerToken', resource: '*', principal: APP_ROLE })).toBe('ExplicitlyDenied');
      const create = (service: string) => ({
        action: 'iam:CreateServiceSpecificCredential', resource: user, principal: APP_ROLE, context: { 'iam:ServiceSpecificCredentialServiceName': service },
      });
      expect(await underScp([ALLOW_ALL], create('bedrock.amazonaws.com'))).toBe('ExplicitlyDenied');
      expect(await underScp([ALLOW_ALL], create('codecommit.amazonaws.com'))).toBe('Allowed');
    });
  });

  describe('an exempt administrator role (in any member account) that allows *:*', () => {
    const admin = (request: SimRequest) => underScp([ALLOW_ALL], { ...request, principal: ADMIN_ROLE });
    test('may change the approved guardrail and the guardrail settings', async () => {
      for (const action of GUARDRAIL_CHANGES) expect([action, await admin({ action, resource: G1 })]).toEqual([action, 'Allowed']);
      for (const action of CONFIG_CHANGES) expect([action, await admin({ action, resource: '*' })]).toEqual([action, 'Allowed']);
      expect(await admin({ action: 'iam:UpdateAssumeRolePolicy', resource: ADMIN_ROLE })).toBe('Allowed');
    });
    test('is still denied inference without the guardrail, and every indirect path', async () => {
      expect(await admin(invoke())).toBe('ExplicitlyDenied');
      expect(await admin(invoke(`${OTHER}:1`))).toBe('ExplicitlyDenied');
      expect(await admin(invoke(`${G1}:1`))).toBe('Allowed');
      for (const [path, action] of PATH_ACTIONS) {
        expect([path, action, await admin(await pathRequest(action, ADMIN_ROLE))]).toEqual([path, action, 'ExplicitlyDenied']);
      }
    });
  });

  test('a target or guardrail in the management account (the stack\'s) gets a warning; so does a version not known at synth', () => {
    const { stack } = scpStack({
      targetIds: ['ou-ab12-cdef3456', MANAGEMENT],
      guardrails: [
        EnforcedGuardrail.fromArn(`arn:aws:bedrock:us-east-1:${MANAGEMENT}:guardrail/mgmt1`, GuardrailVersion.numbered(1)),
        EnforcedGuardrail.fromArn(G1, GuardrailVersion.fromString(Fn.importValue('GuardrailVersion'))),
      ],
    });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => String(w.entry.data));
    expect(warnings.filter(w => w.includes('serviceControlPolicyOnManagementAccount'))).toHaveLength(1);
    expect(warnings.filter(w => w.includes('serviceControlPolicyGuardrailInManagementAccount') && w.includes('mgmt1'))).toHaveLength(1);
    expect(warnings.filter(w => w.includes('enforcedGuardrailNotKnown'))).toHaveLength(1);
    expect(Annotations.fromStack(scpStack().stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('without exemptions, no one in the member accounts may change the approved guardrail', async () => {
    const plain = scpStack().content;
    expect(JSON.stringify(plain)).not.toContain('ArnNotLike');
    const decision = await simulate([ALLOW_ALL], { action: 'bedrock:UpdateGuardrail', resource: G1, principal: ADMIN_ROLE }, { serviceControlPolicies: [plain] });
    expect(decision).toBe('ExplicitlyDenied');
    expect(JSON.stringify(plain)).not.toContain('CallWithBearerToken');
  });

  test('allowUnguardedPaths opens exactly that path, with warnings', async () => {
    const { content: open, stack } = scpStack({ allowUnguardedPaths: [InferencePath.OPENAI_COMPATIBLE_ENDPOINTS, InferencePath.AGENTS] });
    const controls: Controls = { serviceControlPolicies: [open] };
    expect(await simulate([ALLOW_ALL], await pathRequest('bedrock-mantle:CreateInference'), controls)).toBe('Allowed');
    expect(await simulate([ALLOW_ALL], await pathRequest('bedrock:InvokeAgent'), controls)).toBe('Allowed');
    expect(await simulate([ALLOW_ALL], await pathRequest('bedrock:CreateModelInvocationJob'), controls)).toBe('ExplicitlyDenied');
    expect(await simulate([ALLOW_ALL], invoke(), controls)).toBe('ExplicitlyDenied');
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => String(w.entry.data));
    expect(warnings.some(w => w.includes('InferencePath.OPENAI_COMPATIBLE_ENDPOINTS'))).toBe(true);
    // Agents run models with their service role, which the SCP also covers: said, not hidden.
    expect(warnings.some(w => w.includes('opens AGENTS') && w.includes('service roles included'))).toBe(true);
  });

  test('guardrails of several member accounts, at any numbered version and DRAFT', async () => {
    const g2 = 'arn:aws:bedrock:eu-west-1:444455556666:guardrail/q1w2e3r4t5y6';
    const { content: multi, stack } = scpStack({
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.ANY_NUMBERED), EnforcedGuardrail.fromArn(g2, GuardrailVersion.DRAFT)],
    });
    const controls: Controls = { serviceControlPolicies: [multi] };
    const other = 'arn:aws:iam::444455556666:role/app';
    expect(await simulate([ALLOW_ALL], invoke(`${G1}:7`), controls)).toBe('Allowed');
    expect(await simulate([ALLOW_ALL], invoke(G1), controls)).toBe('ExplicitlyDenied');
    expect(await simulate([ALLOW_ALL], { ...invoke(g2), principal: other, resourceAccount: '444455556666' }, controls)).toBe('Allowed');
    expect(await simulate([ALLOW_ALL], { ...invoke(`${g2}:1`), principal: other, resourceAccount: '444455556666' }, controls)).toBe('ExplicitlyDenied');
    // A guardrail whose ID starts like the approved one is not admitted by the wildcard version.
    expect(await simulate([ALLOW_ALL], invoke(`${G1}x:1`), controls)).toBe('ExplicitlyDenied');
    // No same-account or same-Region check for an SCP, but the DRAFT warning stays.
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => String(w.entry.data));
    expect(warnings.some(w => w.includes('approvedDraftGuardrail') || w.includes('admits its DRAFT'))).toBe(true);
    expect(warnings.some(w => w.includes('guardrailInOtherRegion') || w.includes('is in eu-west-1'))).toBe(false);
  });

  test('a guardrail profile is protected in the guardrail\'s own account, not the management account', () => {
    const { content: withProfile } = scpStack({
      guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1), {
        guardrailProfile: GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east-1', 'us-east-2', 'us-west-2']),
      })],
    });
    const protection = withProfile.Statement.find((s: any) => s.Sid === 'DenyChangesToApprovedGuardrails');
    expect(JSON.stringify(protection.Resource)).toContain(`:${MEMBER}:guardrail-profile/`);
    expect(JSON.stringify(protection.Resource)).not.toContain(MANAGEMENT);
  });

  describe('split in two with parts', () => {
    test('two policies with complementary parts deny what one does', async () => {
      const guardrails = [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))];
      const a = scpStack({ guardrails, parts: [ServiceControlPolicyPart.INFERENCE] });
      const b = scpStack({ guardrails, parts: [ServiceControlPolicyPart.INFERENCE_PATHS, ServiceControlPolicyPart.GUARDRAIL_PROTECTION] });
      const both: Controls = { serviceControlPolicies: [a.content, b.content] };
      expect(await simulate([ALLOW_ALL], invoke(), both)).toBe('ExplicitlyDenied');
      expect(await simulate([ALLOW_ALL], invoke(`${G1}:1`), both)).toBe('Allowed');
      expect(await simulate([ALLOW_ALL], await pathRequest('bedrock:InvokeFlow'), both)).toBe('ExplicitlyDenied');
      expect(await simulate([ALLOW_ALL], { action: 'bedrock:DeleteGuardrail', resource: G1, principal: APP_ROLE }, both)).toBe('ExplicitlyDenied');
      expect(a.content.Statement.map((s: any) => s.Sid)).toEqual(['DenyInvokeWithoutApprovedGuardrail']);
      expect(b.content.Statement.map((s: any) => s.Sid)).not.toContain('DenyInvokeWithoutApprovedGuardrail');
      // Each alone says it is half of the rule.
      for (const half of [a, b]) {
        const warnings = Annotations.fromStack(half.stack).findWarning('*', Match.anyValue()).map(w => String(w.entry.data));
        expect(warnings.some(w => w.includes('alone, it does not hold the guardrail rule'))).toBe(true);
      }
    });
  });

  describe('size', () => {
    /** The size of the policy for these guardrails, or the size the quota error reports. */
    function sizeOf(guardrails: EnforcedGuardrail[], props: Partial<GuardrailServiceControlPolicyProps> = {}): { size: number; error?: string } {
      try {
        return { size: scpStack({ guardrails, ...props }).scp.size };
      } catch (e) {
        const message = (e as Error).message;
        const match = /the policy is (\d+) characters/.exec(message);
        if (match === null) throw e;
        return { size: Number(match[1]), error: message };
      }
    }
    const guardrail = (n: number, idLength = 12, version = 1) =>
      EnforcedGuardrail.fromArn(`arn:aws:bedrock:us-east-1:${String(100000000000 + n)}:guardrail/${String(n).padStart(idLength, 'a')}`, GuardrailVersion.numbered(version));
    const largest = (props: Partial<GuardrailServiceControlPolicyProps>) => {
      let n = 1;
      while (sizeOf(Array.from({ length: n + 1 }, (_, i) => guardrail(i)), props).error === undefined) n++;
      return n;
    };

    test('the quota is checked at its exact boundary: 5,120 characters accepted, 5,121 refused with the fix', () => {
      // Fill with guardrails, then lengthen the last one's ID (2 characters each: condition and protection) and its
      // version (1 character per digit) until the policy is exactly 5,120 characters.
      let count = 1;
      while (sizeOf(Array.from({ length: count + 1 }, (_, i) => guardrail(i))).error === undefined) count++;
      const build = (idLength: number, version: number) =>
        [...Array.from({ length: count - 1 }, (_, i) => guardrail(i)), guardrail(count - 1, idLength, version)];
      let exact: EnforcedGuardrail[] | undefined;
      let over: EnforcedGuardrail[] | undefined;
      for (let idLength = 12; idLength < 200 && (exact === undefined || over === undefined); idLength++) {
        for (const version of [1, 10]) {
          const { size } = sizeOf(build(idLength, version));
          if (size === GuardrailServiceControlPolicy.MAX_CHARACTERS) exact = exact ?? build(idLength, version);
          if (size === GuardrailServiceControlPolicy.MAX_CHARACTERS + 1) over = over ?? build(idLength, version);
        }
      }
      expect(exact).toBeDefined();
      expect(over).toBeDefined();
      expect(sizeOf(exact!)).toEqual({ size: 5120 });
      // At the limit it is accepted, with a warning that there is no room left.
      const atLimit = scpStack({ guardrails: exact! }).stack;
      expect(Annotations.fromStack(atLimit).findWarning('*', Match.stringLikeRegexp('100 % of the 5120'))).toHaveLength(1);
      expect(Annotations.fromStack(scpStack().stack).findWarning('*', Match.stringLikeRegexp('serviceControlPolicyNearQuota'))).toHaveLength(0);
      const refused = sizeOf(over!);
      expect(refused.size).toBe(5121);
      expect(refused.error).toMatch(/GuardrailRule: the policy is 5121 characters, over the 5120 of a service control policy/);
      expect(refused.error).toContain('INFERENCE (every approved guardrail) in one, INFERENCE_PATHS and GUARDRAIL_PROTECTION in the other');
    });

    test('the largest policies accepted (guardrails × paths), as the README states', () => {
      const allPaths = INFERENCE_PATHS.map(p => p.path);
      const measured = {
        everyPathDenied: largest({}),
        noPathDenied: largest({ allowUnguardedPaths: allPaths }),
        inferenceOnly: largest({ parts: [ServiceControlPolicyPart.INFERENCE] }),
        withExemptionAndApiKeys: largest({ exemptAdministratorRoleArns: [EXEMPT], denyBedrockApiKeys: true }),
      };
      expect(measured).toEqual({ everyPathDenied: 22, noPathDenied: 33, inferenceOnly: 73, withExemptionAndApiKeys: 10 });
    });
  });

  describe('refuses bad input, naming the construct, the value and the fix', () => {
    const build = (props: Partial<GuardrailServiceControlPolicyProps>) => () => scpStack(props);
    test.each([
      [{ targetIds: [] }, /Management\/GuardrailRule: targetIds is empty/],
      [{ targetIds: ['o-abc1234567'] }, /'o-abc1234567' is not a root, organizational unit or account ID/],
      [{ guardrails: [] }, /guardrails is empty/],
      [{ exemptAdministratorRoleArns: ['arn:aws:iam::*:user/admin'] }, /'arn:aws:iam::\*:user\/admin', which is not a role ARN/],
      [{ exemptAdministratorRoleArns: ['arn:aws:iam::*:role/*'] }, /matches every role/],
      [{ exemptAdministratorRoleArns: [EXEMPT], parts: [ServiceControlPolicyPart.INFERENCE] }, /no GUARDRAIL_PROTECTION part/],
      [{ parts: [] }, /parts is empty/],
      [{ parts: ['EVERYTHING' as ServiceControlPolicyPart] }, /'EVERYTHING', which is not a ServiceControlPolicyPart/],
      [{ allowUnguardedPaths: ['MAGIC' as InferencePath] }, /'MAGIC', which is not an InferencePath/],
    ])('%j', (props, message) => {
      expect(build(props as Partial<GuardrailServiceControlPolicyProps>)).toThrow(message);
    });
    test('a guardrail ARN with a wildcard is refused, as for the invoker role', () => {
      expect(() => EnforcedGuardrail.fromArn(`arn:aws:bedrock:us-east-1:${MEMBER}:guardrail/*`, GuardrailVersion.numbered(1))).toThrow(/guardrail/);
    });
    test('a guardrail-management part alone needs no inference part, and the path part alone needs no guardrail', () => {
      expect(() => scpStack({ guardrails: [], parts: [ServiceControlPolicyPart.INFERENCE_PATHS] })).not.toThrow();
    });
  });
});

/** A member-account stack whose roles are under the boundary. */
function boundaryStack(props: Partial<GuardrailPermissionsBoundaryProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Team', { env: { account: MEMBER, region: 'us-east-1' } });
  const boundary = new GuardrailPermissionsBoundary(stack, 'Boundary', {
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))],
    ...props,
  });
  const role = new iam.Role(stack, 'AppRole', { roleName: 'app', assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess'));
  boundary.applyTo(stack);
  return { app, stack, boundary, role };
}

describe('GuardrailPermissionsBoundary', () => {
  let template: Template, resources: { [id: string]: any }, boundaryId: string, boundaryResource: any, boundaryDoc: PolicyJson, boundaryArn: string;
  beforeAll(() => {
    template = Template.fromStack(boundaryStack().stack);
    resources = template.toJSON().Resources;
    [boundaryId, boundaryResource] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy')!;
    boundaryDoc = resolveCfn(boundaryResource.Properties.PolicyDocument, MEMBER_ENV) as PolicyJson;
    boundaryArn = `arn:aws:iam::${MEMBER}:policy/${boundaryResource.Properties.ManagedPolicyName}`;
  });
  const bounded = (request: SimRequest) => simulate([ALLOW_ALL], { principal: APP_ROLE, ...request }, { permissionsBoundaries: [boundaryDoc] });

  test('is the boundary of the scope\'s roles, and names itself by a name fixed at synth', () => {
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'app', PermissionsBoundary: { Ref: boundaryId } });
    expect(typeof boundaryResource.Properties.ManagedPolicyName).toBe('string');
    expect(JSON.stringify(boundaryDoc)).toContain(boundaryArn);
  });

  describe('a role under it that allows *:* itself', () => {
    test('inference only with the approved guardrail', async () => {
      expect(await bounded(invoke())).toBe('ExplicitlyDenied');
      expect(await bounded(invoke(`${OTHER}:1`))).toBe('ExplicitlyDenied');
      expect(await bounded(invoke(`${G1}:1`))).toBe('Allowed');
      expect(await bounded(invoke(`${G1}:1`, 'bedrock:InvokeModelWithResponseStream'))).toBe('Allowed');
    });
    test('every indirect path and every change to the approved guardrail is ExplicitlyDenied', async () => {
      for (const [path, action] of PATH_ACTIONS) expect([path, action, await bounded(await pathRequest(action))]).toEqual([path, action, 'ExplicitlyDenied']);
      for (const action of GUARDRAIL_CHANGES) expect([action, await bounded({ action, resource: G1 })]).toEqual([action, 'ExplicitlyDenied']);
      for (const action of CONFIG_CHANGES) expect([action, await bounded({ action, resource: '*' })]).toEqual([action, 'ExplicitlyDenied']);
    });
    test('everything else the boundary permits stays allowed', async () => {
      expect(await bounded({ action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/key' })).toBe('Allowed');
      expect(await bounded({ action: 'bedrock:UpdateGuardrail', resource: OTHER })).toBe('Allowed');
    });
    test('it cannot remove or replace its own boundary, or edit the boundary policy', async () => {
      expect(await bounded({ action: 'iam:DeleteRolePermissionsBoundary', resource: APP_ROLE, context: { 'iam:PermissionsBoundary': boundaryArn } })).toBe('ExplicitlyDenied');
      expect(await bounded({
        action: 'iam:PutRolePermissionsBoundary', resource: APP_ROLE, context: { 'iam:PermissionsBoundary': `arn:aws:iam::${MEMBER}:policy/Loose` },
      })).toBe('ExplicitlyDenied');
      for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicyVersion', 'iam:DeletePolicy']) {
        expect([action, await bounded({ action, resource: boundaryArn })]).toEqual([action, 'ExplicitlyDenied']);
      }
      expect(await bounded({ action: 'iam:CreatePolicyVersion', resource: `arn:aws:iam::${MEMBER}:policy/TeamPolicy` })).toBe('Allowed');
    });
    test('it can create a role only with this boundary', async () => {
      const newRole = `arn:aws:iam::${MEMBER}:role/new`;
      expect(await bounded({ action: 'iam:CreateRole', resource: newRole })).toBe('ExplicitlyDenied');
      expect(await bounded({ action: 'iam:CreateRole', resource: newRole, context: { 'iam:PermissionsBoundary': `arn:aws:iam::${MEMBER}:policy/Loose` } })).toBe('ExplicitlyDenied');
      expect(await bounded({ action: 'iam:CreateRole', resource: newRole, context: { 'iam:PermissionsBoundary': boundaryArn } })).toBe('Allowed');
      expect(await bounded({ action: 'iam:CreateUser', resource: `arn:aws:iam::${MEMBER}:user/new` })).toBe('ExplicitlyDenied');
    });
    test('it cannot give a role without this boundary more permissions or a trust policy it can assume', async () => {
      const admin = { resource: ADMIN_ROLE };
      for (const action of ['iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy']) {
        expect([action, await bounded({ action, ...admin })]).toEqual([action, 'ExplicitlyDenied']);
        expect([action, await bounded({ action, ...admin, context: { 'iam:PermissionsBoundary': `arn:aws:iam::${MEMBER}:policy/Loose` } })]).toEqual([action, 'ExplicitlyDenied']);
        expect([action, await bounded({ action, resource: `arn:aws:iam::${MEMBER}:role/teamrole`, context: { 'iam:PermissionsBoundary': boundaryArn } })])
          .toEqual([action, 'Allowed']);
      }
    });
    test('it cannot assume another role (one that trusts the account root would lift the boundary)', async () => {
      expect(await bounded({ action: 'sts:AssumeRole', resource: `arn:aws:iam::${MEMBER}:role/cdk-hnb659fds-deploy-role-${MEMBER}-us-east-1` })).toBe('ExplicitlyDenied');
      expect(await bounded({ action: 'sts:AssumeRole', resource: 'arn:aws:iam::444455556666:role/reader' })).toBe('ExplicitlyDenied');
    });
    test('it cannot change the account\'s identity providers (a replaced SAML key signs assertions for any role that trusts it)', async () => {
      for (const action of ['iam:UpdateSAMLProvider', 'iam:CreateSAMLProvider', 'iam:DeleteSAMLProvider']) {
        expect([action, await bounded({ action, resource: `arn:aws:iam::${MEMBER}:saml-provider/corp` })]).toEqual([action, 'ExplicitlyDenied']);
      }
      expect(await bounded({ action: 'iam:AddClientIDToOpenIDConnectProvider', resource: `arn:aws:iam::${MEMBER}:oidc-provider/example.com` })).toBe('ExplicitlyDenied');
    });
    test('it cannot act as another user: credentials, group membership and group policies are denied', async () => {
      const user = `arn:aws:iam::${MEMBER}:user/admin`;
      for (const action of [
        'iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:CreateLoginProfile', 'iam:CreateServiceSpecificCredential',
        'iam:ResetServiceSpecificCredential', 'iam:UpdateServiceSpecificCredential',
      ]) {
        expect([action, await bounded({ action, resource: user })]).toEqual([action, 'ExplicitlyDenied']);
      }
      expect(await bounded({ action: 'iam:AttachGroupPolicy', resource: `arn:aws:iam::${MEMBER}:group/admins` })).toBe('ExplicitlyDenied');
    });
  });

  test('permissions narrows what the boundary permits; the Denies stay', async () => {
    const narrow = boundaryStack({ permissions: [new iam.PolicyStatement({ actions: ['s3:*', 'bedrock:InvokeModel'], resources: ['*'] })] });
    const policies = Object.values(Template.fromStack(narrow.stack).toJSON().Resources as { [id: string]: any });
    const doc = resolveCfn(policies.find(r => r.Type === 'AWS::IAM::ManagedPolicy').Properties.PolicyDocument, MEMBER_ENV);
    const controls: Controls = { permissionsBoundaries: [doc] };
    expect(await simulate([ALLOW_ALL], { principal: APP_ROLE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }, controls)).toBe('Allowed');
    expect(await simulate([ALLOW_ALL], invoke(`${G1}:1`), controls)).toBe('Allowed');
    expect(await simulate([ALLOW_ALL], invoke(), controls)).toBe('ExplicitlyDenied');
    expect(await simulate([ALLOW_ALL], invoke(`${G1}:1`, 'bedrock:InvokeModelWithResponseStream'), controls)).toBe('ImplicitlyDenied');
    expect(await simulate([ALLOW_ALL], { principal: APP_ROLE, action: 'ec2:RunInstances', resource: '*' }, controls)).toBe('ImplicitlyDenied');
  });

  test('assumableRoleArns lets it assume those roles only', async () => {
    const listed = boundaryStack({ assumableRoleArns: [`arn:aws:iam::${MEMBER}:role/team/*`] });
    const policies = Object.values(Template.fromStack(listed.stack).toJSON().Resources as { [id: string]: any });
    const doc = resolveCfn(policies.find(r => r.Type === 'AWS::IAM::ManagedPolicy').Properties.PolicyDocument, MEMBER_ENV);
    const controls: Controls = { permissionsBoundaries: [doc] };
    expect(await simulate([ALLOW_ALL], { action: 'sts:AssumeRole', resource: `arn:aws:iam::${MEMBER}:role/team/worker` }, controls)).toBe('Allowed');
    expect(await simulate([ALLOW_ALL], { action: 'sts:AssumeRole', resource: `arn:aws:iam::${MEMBER}:role/admin` }, controls)).toBe('ExplicitlyDenied');
  });

  test('the checks count a principal under the boundary as enforced, and one outside it as not', () => {
    const stacks = cdkApp(team => {
      const boundary = new GuardrailPermissionsBoundary(team, 'Boundary', { guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))] });
      const inside = new iam.Role(team, 'Inside', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), permissionsBoundary: boundary });
      inside.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess'));
      const outside = new iam.Role(team, 'Outside', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      outside.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess'));
    });
    const errors = findingLines(stacks).filter(l => l.startsWith('error'));
    expect(errors.filter(l => l.includes('/Inside'))).toEqual([]);
    expect(errors.filter(l => l.includes('/Outside')).join('\n')).toMatch(/GuardrailEnforcementMissing[\s\S]*UnguardedInferencePath|UnguardedInferencePath[\s\S]*GuardrailEnforcementMissing/);
  });

  test('the EnforceGuardrails aspect leaves principals under the boundary alone', () => {
    const { app, stack: team } = boundaryStack();
    const loose = new iam.Role(new Stack(app, 'Other', { env: { account: MEMBER, region: 'us-east-1' } }), 'Loose', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    loose.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonBedrockFullAccess'));
    Aspects.of(app).add(new EnforceGuardrails({ guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1))] }));
    Template.fromStack(team).resourceCountIs('AWS::IAM::Policy', 0);
    Template.fromStack(Stack.of(loose)).resourceCountIs('AWS::IAM::Policy', 1);
  });

  test('a Bedrock service role in the scope gets a warning: its model calls carry no guardrail identifier', () => {
    const { stack: team } = boundaryStack();
    new AgentExecutionRole(team, 'Agent', { models: [InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')] });
    const warnings = Annotations.fromStack(team).findWarning('*', Match.stringLikeRegexp('serviceRoleUnderGuardrailBoundary'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(Annotations.fromStack(boundaryStack().stack).findWarning('*', Match.stringLikeRegexp('serviceRoleUnderGuardrailBoundary'))).toHaveLength(0);
  });

  describe('refuses bad input', () => {
    test.each([
      [{ guardrails: [] }, /Team\/Boundary: guardrails is empty/],
      [{ permissions: [] }, /permissions has no Allow statement/],
      [{ permissions: [new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['s3:*'], resources: ['*'] })] }, /permissions has no Allow statement/],
      [{ assumableRoleArns: ['role/team'] }, /'role\/team', which is not a role ARN/],
      [{ path: 'teams' }, /path 'teams' is not an IAM path/],
      [{ guardrails: [EnforcedGuardrail.fromArn('arn:aws:bedrock:us-east-1:444455556666:guardrail/abc', GuardrailVersion.numbered(1))] }, /is in account 444455556666/],
    ])('%j', (props, message) => {
      expect(() => boundaryStack(props as Partial<GuardrailPermissionsBoundaryProps>)).toThrow(message);
    });
  });
});

import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EnforcedGuardrail, GuardrailEnforcementMonitor, GuardrailEnforcementMonitorProps, GuardrailProfile, GuardrailVersion } from '../../src';
import { CONFIG_CHANGES, GUARDRAIL_CHANGES } from '../sim/actions';
import { DeployEnv, resolveCfn } from '../sim/cfn';
import { matchesPattern } from '../sim/event-pattern';

const ACCOUNT = '111122223333';
const ENV: DeployEnv = { partition: 'aws', region: 'us-east-1', account: ACCOUNT };
const G1_ID = 'abc123def456';
const G1 = `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/${G1_ID}`;
const G2 = `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/zzz999`;
const OTHER = `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/other1`;

/** An event as EventBridge delivers a CloudTrail record (the record is `detail`), per the CloudTrail record contents page. */
function cloudTrailEvent(record: { [key: string]: any }, source = 'aws.bedrock') {
  return {
    'version': '0',
    'id': '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'AWS API Call via CloudTrail',
    source,
    'account': ACCOUNT,
    'time': '2026-11-30T12:00:00Z',
    'region': 'us-east-1',
    'resources': [],
    'detail': {
      eventVersion: '1.08',
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/session`,
        sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/app`, userName: 'app' } },
      },
      eventTime: '2026-11-30T12:00:00Z',
      eventSource: 'bedrock.amazonaws.com',
      awsRegion: 'us-east-1',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      ...record,
    },
  };
}
const as = (roleName: string) => ({
  userIdentity: {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/session`,
    sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/team/${roleName}`, userName: roleName } },
  },
});

function monitorStack(props: GuardrailEnforcementMonitorProps | ((stack: Stack) => GuardrailEnforcementMonitorProps) = {}, region = 'us-east-1') {
  const app = new App();
  const stack = new Stack(app, 'Watch', { env: { account: ACCOUNT, region } });
  const monitor = new GuardrailEnforcementMonitor(stack, 'Monitor', typeof props === 'function' ? props(stack) : props);
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const env = deployedEnv(json);
  const patternOf = (idPrefix: string) => {
    const entry = Object.entries(json.Resources as { [id: string]: any }).find(([id, r]) => r.Type === 'AWS::Events::Rule' && id.startsWith(`Monitor${idPrefix}`));
    if (entry === undefined) throw new Error(`no rule ${idPrefix}`);
    return resolveCfn(entry[1].Properties.EventPattern, env);
  };
  return { stack, monitor, template, json, patternOf, env };
}

/** Values the template's references take once deployed: a role's name, a policy's ID, `ID.Attribute` for attributes. */
function deployedEnv(json: any): DeployEnv {
  const refs: { [id: string]: string } = {};
  for (const [id, r] of Object.entries(json.Resources as { [id: string]: any })) {
    refs[id] = r.Type === 'AWS::IAM::Role' ? r.Properties.RoleName ?? id : r.Type === 'AWS::Organizations::Policy' ? 'p-examplepolicyid111' : id;
  }
  const attributes = new Proxy({}, { get: (_t, key) => String(key) }) as { [key: string]: string };
  return { ...ENV, refs, attributes };
}

const roleNamed = (stack: Stack, name: string) => new iam.Role(stack, name, { roleName: name, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

describe('the event pattern matcher (EventBridge semantics the tests rely on)', () => {
  test('values are alternatives, fields must all match, list fields match by any element, filters and $or', () => {
    const event = { source: 'aws.bedrock', detail: { eventName: 'UpdateGuardrail', tags: ['a', 'b'], errorCode: 'AccessDeniedException' } };
    expect(matchesPattern({ source: ['aws.bedrock', 'aws.s3'] }, event)).toBe(true);
    expect(matchesPattern({ source: ['aws.s3'] }, event)).toBe(false);
    expect(matchesPattern({ detail: { tags: ['b'] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { errorCode: [{ prefix: 'AccessDenied' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { errorCode: [{ prefix: 'Throttl' }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: ['x'] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { eventName: [{ wildcard: 'Update*rail' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { $or: [{ eventName: ['X'] }, { errorCode: ['AccessDeniedException'] }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { $or: [{ eventName: ['X'] }, { errorCode: ['Y'] }] } }, event)).toBe(false);
    expect(() => matchesPattern({ detail: { n: [{ numeric: ['>', 1] }] } }, { detail: { n: 2 } })).toThrow(/not modelled/);
  });
});

describe('GuardrailEnforcementMonitor', () => {
  let template: Template, json: any, patternOf: (prefix: string) => any, env: DeployEnv;
  beforeAll(() => ({ template, json, patternOf, env } = monitorStack(stack => ({
    guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1)), EnforcedGuardrail.fromArn(G2, GuardrailVersion.ANY_NUMBERED)],
    principals: [roleNamed(stack, 'app')],
    cloudTrailLogGroup: logs.LogGroup.fromLogGroupName(stack, 'Trail', 'aws-cloudtrail-logs'),
  }))));

  describe('tampering rules', () => {
    test('changes to an approved guardrail, named by its ID or its ARN, and no other', () => {
      const pattern = patternOf('GuardrailChanges');
      expect(pattern).toEqual({
        'source': ['aws.bedrock'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': {
          eventSource: ['bedrock.amazonaws.com'],
          eventName: ['UpdateGuardrail', 'CreateGuardrailVersion', 'DeleteGuardrail'],
          requestParameters: { guardrailIdentifier: [G1, G1_ID, G2, 'zzz999'] },
        },
      });
      const update = (identifier: string, eventName = 'UpdateGuardrail') =>
        cloudTrailEvent({ eventName, requestParameters: { guardrailIdentifier: identifier, name: 'HIDDEN_DUE_TO_SECURITY_REASONS' } });
      expect(matchesPattern(pattern, update(G1_ID))).toBe(true);
      expect(matchesPattern(pattern, update(G1))).toBe(true);
      expect(matchesPattern(pattern, update('zzz999', 'CreateGuardrailVersion'))).toBe(true);
      expect(matchesPattern(pattern, update(G1_ID, 'DeleteGuardrail'))).toBe(true);
      expect(matchesPattern(pattern, update('other1'))).toBe(false);
      expect(matchesPattern(pattern, update(G1_ID, 'GetGuardrail'))).toBe(false);
      expect(matchesPattern(pattern, { ...update(G1_ID), source: 'aws.s3' })).toBe(false);
    });

    test('tags (resourceARN) and resource policy (resourceArn, also URL-encoded) of an approved guardrail', () => {
      const tags = patternOf('GuardrailTagChanges');
      const policy = patternOf('GuardrailPolicyChanges');
      expect(tags.detail.eventName).toEqual(['TagResource', 'UntagResource']);
      expect(policy.detail.eventName).toEqual(['PutResourcePolicy', 'DeleteResourcePolicy']);
      expect(matchesPattern(tags, cloudTrailEvent({ eventName: 'TagResource', requestParameters: { resourceARN: G1, tags: [{ key: 'team', value: 'x' }] } }))).toBe(true);
      expect(matchesPattern(tags, cloudTrailEvent({ eventName: 'UntagResource', requestParameters: { resourceARN: G2, tagKeys: ['team'] } }))).toBe(true);
      expect(matchesPattern(tags, cloudTrailEvent({ eventName: 'TagResource', requestParameters: { resourceArn: G1 } }))).toBe(false);
      expect(matchesPattern(policy, cloudTrailEvent({ eventName: 'PutResourcePolicy', requestParameters: { resourceArn: G1, resourcePolicy: '{}' } }))).toBe(true);
      expect(matchesPattern(policy, cloudTrailEvent({ eventName: 'DeleteResourcePolicy', requestParameters: { resourceArn: G2 } }))).toBe(true);
      expect(matchesPattern(policy, cloudTrailEvent({ eventName: 'DeleteResourcePolicy', requestParameters: { resourceArn: encodeURIComponent(G2) } }))).toBe(true);
      expect(matchesPattern(policy, cloudTrailEvent({ eventName: 'PutResourcePolicy', requestParameters: { resourceArn: OTHER } }))).toBe(false);
      expect(matchesPattern(tags, cloudTrailEvent({ eventName: 'TagResource', requestParameters: { resourceARN: `arn:aws:bedrock:us-east-1:${ACCOUNT}:agent/AGENT1` } }))).toBe(false);
      // Another service's PutResourcePolicy with the same ARN spelling is not Bedrock's.
      expect(matchesPattern(policy, cloudTrailEvent({ eventName: 'PutResourcePolicy', eventSource: 'secretsmanager.amazonaws.com', requestParameters: { resourceArn: G1 } }))).toBe(false);
    });

    test('a guardrail profile\'s resource policy, in the guardrail\'s account, is watched with its guardrail', () => {
      const withProfile = monitorStack({
        guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.numbered(1), { guardrailProfile: GuardrailProfile.fromProfileId('us.guardrail.v1:0', ['us-east-1', 'us-west-2']) })],
      });
      const policy = withProfile.patternOf('GuardrailPolicyChanges');
      const profile = `arn:aws:bedrock:us-west-2:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0`;
      expect(matchesPattern(policy, cloudTrailEvent({ eventName: 'PutResourcePolicy', requestParameters: { resourceArn: profile } }))).toBe(true);
      expect(matchesPattern(policy, cloudTrailEvent({ eventName: 'PutResourcePolicy', requestParameters: { resourceArn: profile.replace(ACCOUNT, '444455556666') } }))).toBe(false);
    });

    test('the event lists are the protected actions: every guardrail change the enforcement denies is watched', () => {
      const watched = ['GuardrailChanges', 'GuardrailTagChanges', 'GuardrailPolicyChanges'].flatMap(r => patternOf(r).detail.eventName as string[]);
      expect(watched.map(n => `bedrock:${n}`).sort()).toEqual([...GUARDRAIL_CHANGES].sort());
      expect((patternOf('AccountSettingChanges').detail.eventName as string[]).map(n => `bedrock:${n}`).sort()).toEqual([...CONFIG_CHANGES].sort());
    });

    test('the account\'s enforced guardrail configuration and model invocation logging, set or deleted', () => {
      const pattern = patternOf('AccountSettingChanges');
      expect(matchesPattern(pattern, cloudTrailEvent({ eventName: 'DeleteModelInvocationLoggingConfiguration', requestParameters: {} }))).toBe(true);
      expect(matchesPattern(pattern, cloudTrailEvent({ eventName: 'PutModelInvocationLoggingConfiguration', requestParameters: {} }))).toBe(true);
      expect(matchesPattern(pattern, cloudTrailEvent({ eventName: 'DeleteEnforcedGuardrailConfiguration', requestParameters: { configId: 'cfg1' } }))).toBe(true);
      expect(matchesPattern(pattern, cloudTrailEvent({ eventName: 'PutEnforcedGuardrailConfiguration', requestParameters: {} }))).toBe(true);
      expect(matchesPattern(pattern, cloudTrailEvent({ eventName: 'ListEnforcedGuardrailsConfiguration', readOnly: true }))).toBe(false);
    });

    test('without guardrails, every guardrail of the account is watched, and nothing else', () => {
      const any = monitorStack();
      const changes = any.patternOf('GuardrailChanges');
      expect(changes.detail.requestParameters).toBeUndefined();
      expect(matchesPattern(changes, cloudTrailEvent({ eventName: 'DeleteGuardrail', requestParameters: { guardrailIdentifier: 'other1' } }))).toBe(true);
      const tags = any.patternOf('GuardrailTagChanges');
      expect(matchesPattern(tags, cloudTrailEvent({ eventName: 'TagResource', requestParameters: { resourceARN: OTHER } }))).toBe(true);
      expect(matchesPattern(tags, cloudTrailEvent({ eventName: 'TagResource', requestParameters: { resourceARN: `arn:aws:bedrock:us-east-1:${ACCOUNT}:agent/AGENT1` } }))).toBe(false);
      const policy = any.patternOf('GuardrailPolicyChanges');
      expect(matchesPattern(policy, cloudTrailEvent({ eventName: 'PutResourcePolicy', requestParameters: { resourceArn: `arn:aws-us-gov:bedrock:us-gov-west-1:${ACCOUNT}:guardrail/g1` } }))).toBe(true);
      expect(matchesPattern(policy, cloudTrailEvent({ eventName: 'PutResourcePolicy', requestParameters: { resourceArn: `arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail-profile/us.guardrail.v1:0` } }))).toBe(true);
    });

    test('Organizations policies: changes, detaching and deletion of the watched policies; disabling their policy type', () => {
      const org = monitorStack(stack => ({
        organizationPolicies: [new organizations.CfnPolicy(stack, 'BedrockPolicy', { name: 'b', type: 'BEDROCK_POLICY', content: {}, targetIds: ['r-abcd'] })],
      }));
      const changes = org.patternOf('OrganizationPolicyChanges');
      expect(changes.source).toEqual(['aws.organizations']);
      const policyId = changes.detail.requestParameters.policyId[0];
      const orgEvent = (eventName: string, requestParameters: any) =>
        cloudTrailEvent({ eventName, eventSource: 'organizations.amazonaws.com', requestParameters }, 'aws.organizations');
      expect(matchesPattern(changes, orgEvent('DetachPolicy', { policyId, targetId: 'ou-ab12-11111111' }))).toBe(true);
      expect(matchesPattern(changes, orgEvent('UpdatePolicy', { policyId, content: '{}' }))).toBe(true);
      expect(matchesPattern(changes, orgEvent('DeletePolicy', { policyId }))).toBe(true);
      expect(matchesPattern(changes, orgEvent('DeletePolicy', { policyId: 'p-other' }))).toBe(false);
      expect(matchesPattern(changes, orgEvent('AttachPolicy', { policyId, targetId: 'ou-ab12-11111111' }))).toBe(false);
      const structure = org.patternOf('OrganizationStructureChanges');
      expect(matchesPattern(structure, orgEvent('DisablePolicyType', { rootId: 'r-abcd', policyType: 'BEDROCK_POLICY' }))).toBe(true);
      expect(matchesPattern(structure, orgEvent('DisablePolicyType', { rootId: 'r-abcd', policyType: 'SERVICE_CONTROL_POLICY' }))).toBe(true);
      expect(matchesPattern(structure, orgEvent('DisablePolicyType', { rootId: 'r-abcd', policyType: 'TAG_POLICY' }))).toBe(false);
      // A new Bedrock policy can override the watched one in a child (@@assign); a tag policy cannot.
      expect(matchesPattern(structure, orgEvent('CreatePolicy', { name: 'x', type: 'BEDROCK_POLICY', content: '{}' }))).toBe(true);
      expect(matchesPattern(structure, orgEvent('CreatePolicy', { name: 'x', type: 'TAG_POLICY', content: '{}' }))).toBe(false);
      // An account moved out of the targeted unit leaves the policies behind.
      expect(matchesPattern(structure, orgEvent('MoveAccount', { accountId: ACCOUNT, sourceParentId: 'ou-ab12-11111111', destinationParentId: 'r-abcd' }))).toBe(true);
      expect(matchesPattern(structure, orgEvent('RemoveAccountFromOrganization', { accountId: ACCOUNT }))).toBe(true);
      expect(matchesPattern(structure, orgEvent('DescribePolicy', { policyId }))).toBe(false);
      expect(Annotations.fromStack(org.stack).findWarning('*', Match.anyValue())).toEqual([]);
      // Organizations events arrive only in us-east-1.
      const elsewhere = monitorStack(stack => ({
        organizationPolicies: [new organizations.CfnPolicy(stack, 'BedrockPolicy', { name: 'b', type: 'BEDROCK_POLICY', content: {}, targetIds: ['r-abcd'] })],
      }), 'eu-west-1');
      expect(Annotations.fromStack(elsewhere.stack).findWarning('*', Match.stringLikeRegexp('only in us-east-1'))).toHaveLength(1);
    });

    test('the enforced roles: their policies, boundary or trust changed, or deleted (IAM, us-east-1)', () => {
      const pattern = patternOf('EnforcedRoleChanges');
      const iamEvent = (eventName: string, roleName: string) =>
        cloudTrailEvent({ eventName, eventSource: 'iam.amazonaws.com', requestParameters: { roleName, policyName: 'GuardrailEnforcement' } }, 'aws.iam');
      for (const name of ['DeleteRolePolicy', 'PutRolePolicy', 'DetachRolePolicy', 'DeleteRolePermissionsBoundary', 'UpdateAssumeRolePolicy', 'DeleteRole']) {
        expect([name, matchesPattern(pattern, iamEvent(name, 'app'))]).toEqual([name, true]);
      }
      expect(matchesPattern(pattern, iamEvent('DeleteRolePolicy', 'someone-else'))).toBe(false);
      expect(matchesPattern(pattern, iamEvent('GetRolePolicy', 'app'))).toBe(false);
      const elsewhere = monitorStack(stack => ({ principals: [roleNamed(stack, 'app')] }), 'eu-west-1');
      expect(Annotations.fromStack(elsewhere.stack).findWarning('*', Match.stringLikeRegexp('IAM records its events only in us-east-1'))).toHaveLength(1);
    });

    test('the monitor itself and the account\'s trails: its rules, alarms and topic disabled, changed or deleted', () => {
      const pattern = patternOf('MonitoringChanges');
      const ruleNames = Object.values(json.Resources as { [id: string]: any }).filter(r => r.Type === 'AWS::Events::Rule').map(r => r.Properties.Name as string);
      const alarmName = Object.values(json.Resources as { [id: string]: any }).find(r => r.Type === 'AWS::CloudWatch::Alarm')!.Properties.AlarmName as string;
      expect(ruleNames.every(n => n.startsWith(ruleNames[0].split('-')[0]))).toBe(true);
      const call = (eventSource: string, eventName: string, requestParameters: any) => cloudTrailEvent({ eventSource, eventName, requestParameters });
      expect(matchesPattern(pattern, call('events.amazonaws.com', 'DisableRule', { name: ruleNames[1] }))).toBe(true);
      expect(matchesPattern(pattern, call('events.amazonaws.com', 'RemoveTargets', { rule: ruleNames[0], ids: ['Target0'] }))).toBe(true);
      expect(matchesPattern(pattern, call('events.amazonaws.com', 'DisableRule', { name: 'some-other-rule' }))).toBe(false);
      expect(matchesPattern(pattern, call('monitoring.amazonaws.com', 'DisableAlarmActions', { alarmNames: ['other', alarmName] }))).toBe(true);
      expect(matchesPattern(pattern, call('monitoring.amazonaws.com', 'DeleteAlarms', { alarmNames: ['other'] }))).toBe(false);
      expect(matchesPattern(pattern, call('cloudtrail.amazonaws.com', 'StopLogging', { name: 'management-events' }))).toBe(true);
      expect(matchesPattern(pattern, call('cloudtrail.amazonaws.com', 'LookupEvents', {}))).toBe(false);
      const topicArn = env.refs![Object.keys(json.Resources).find(id => json.Resources[id].Type === 'AWS::SNS::Topic')!];
      expect(matchesPattern(pattern, call('sns.amazonaws.com', 'DeleteTopic', { topicArn }))).toBe(true);
      expect(matchesPattern(pattern, call('sns.amazonaws.com', 'DeleteTopic', { topicArn: 'arn:aws:sns:us-east-1:111122223333:other' }))).toBe(false);
    });

    test('the most approved guardrails a monitor takes (13, as the README states), then an error with the fix', () => {
      const many = (n: number) => Array.from({ length: n }, (_, i) =>
        EnforcedGuardrail.fromArn(`arn:aws:bedrock:us-east-1:${ACCOUNT}:guardrail/${String(i).padStart(12, 'a')}`, GuardrailVersion.numbered(1)));
      expect(() => monitorStack({ guardrails: many(13) })).not.toThrow();
      expect(() => monitorStack({ guardrails: many(14) })).toThrow(/Watch\/Monitor: the event pattern of the rule GuardrailPolicyChanges would be about 2\d{3} characters.*Fix: leave guardrails out/);
    });

    test('a guardrail of another account or Region: a warning (its events and metrics are recorded there)', () => {
      const other = monitorStack({ guardrails: [EnforcedGuardrail.fromArn('arn:aws:bedrock:eu-west-1:444455556666:guardrail/q1w2e3', GuardrailVersion.numbered(1))] });
      const warnings = Annotations.fromStack(other.stack).findWarning('*', Match.stringLikeRegexp('monitoredGuardrailElsewhere'));
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0].entry.data)).toContain('account 444455556666 and Region eu-west-1');
    });
  });

  describe('denied attempts', () => {
    test('an enforced role\'s inference denied with AccessDenied (either spelling), on any inference API or path; not others', () => {
      const pattern = patternOf('DeniedInference');
      const denied = (eventName: string, more: any = {}) => cloudTrailEvent({
        eventName, errorCode: 'AccessDenied', errorMessage: 'User: ... is not authorized to perform: bedrock:InvokeModel with an explicit deny', ...more,
      });
      for (const name of ['InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream', 'InvokeAgent', 'RetrieveAndGenerateStream', 'CreateModelInvocationJob']) {
        expect([name, matchesPattern(pattern, denied(name))]).toEqual([name, true]);
      }
      expect(matchesPattern(pattern, denied('Converse', { errorCode: 'AccessDeniedException' }))).toBe(true);
      // A role with a path is matched by its name.
      expect(matchesPattern(pattern, denied('InvokeModel', as('app')))).toBe(true);
      expect(matchesPattern(pattern, denied('InvokeModel', as('someone-else')))).toBe(false);
      expect(matchesPattern(pattern, cloudTrailEvent({ eventName: 'InvokeModel' }))).toBe(false);
      expect(matchesPattern(pattern, denied('InvokeModel', { errorCode: 'ThrottlingException' }))).toBe(false);
      expect(matchesPattern(pattern, denied('UpdateGuardrail'))).toBe(false);
      expect(pattern.detail.errorCode).toEqual([{ prefix: 'AccessDenied' }]);
      expect(pattern.detail.userIdentity.sessionContext.sessionIssuer.userName).toEqual(['app']);
    });

    test('without principals, any principal\'s denied inference', () => {
      const pattern = monitorStack().patternOf('DeniedInference');
      expect(pattern.detail.userIdentity).toBeUndefined();
      expect(matchesPattern(pattern, cloudTrailEvent({ eventName: 'InvokeModel', errorCode: 'AccessDenied', ...as('anyone') }))).toBe(true);
    });

    test('with a CloudTrail log group: a metric filter of every denied Bedrock call of the roles, and an alarm on it', () => {
      const filter = Object.values(json.Resources as { [id: string]: any }).find(r => r.Type === 'AWS::Logs::MetricFilter')!.Properties;
      expect(resolveCfn(filter, env)).toEqual({
        LogGroupName: 'aws-cloudtrail-logs',
        FilterPattern: '{ ($.eventSource = "bedrock.amazonaws.com" || $.eventSource = "bedrock-mantle.amazonaws.com") && $.errorCode = "AccessDenied*" && '
          + '($.userIdentity.sessionContext.sessionIssuer.userName = "app") }',
        MetricTransformations: [{ MetricNamespace: 'BedrockGuardrailEnforcement', MetricName: 'DeniedBedrockCalls', MetricValue: '1' }],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'BedrockGuardrailEnforcement', MetricName: 'DeniedBedrockCalls', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });

    test('too many principals for a filter pattern, or for an event pattern, is an error with the fix', () => {
      const imported = (stack: Stack, n: number) => Array.from({ length: n }, (_, i) => iam.Role.fromRoleName(stack, `R${i}`, `application-role-number-${i}`));
      const trail = (stack: Stack) => logs.LogGroup.fromLogGroupName(stack, 'Trail', 'trail');
      expect(() => monitorStack(stack => ({ principals: imported(stack, 10), cloudTrailLogGroup: trail(stack) }))).not.toThrow();
      expect(() => monitorStack(stack => ({ principals: imported(stack, 11), cloudTrailLogGroup: trail(stack) })))
        .toThrow(/Watch\/Monitor: the metric filter for 11 principals would be about 1\d{3} characters, over the 1,024/);
      // Roles of the stack count as 64-character names.
      expect(() => monitorStack(stack => ({ principals: Array.from({ length: 14 }, (_, i) => roleNamed(stack, `r${i}`)) }))).not.toThrow();
      expect(() => monitorStack(stack => ({ principals: Array.from({ length: 15 }, (_, i) => roleNamed(stack, `r${i}`)) })))
        .toThrow(/the event pattern of the rule DeniedInference would be about 2\d{3} characters, over EventBridge's default quota of 2048/);
    });
  });

  describe('guardrail health alarms', () => {
    const alarms = () => Object.values(json.Resources as { [id: string]: any }).filter(r => r.Type === 'AWS::CloudWatch::Alarm').map(r => r.Properties);
    const dims = [{ Name: 'GuardrailArn', Value: G1 }, { Name: 'GuardrailVersion', Value: '1' }];
    test('client errors and throttles of each approved guardrail at its version', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Bedrock/Guardrails', MetricName: 'InvocationClientErrors', Dimensions: dims, Statistic: 'Sum', Period: 300, Threshold: 1,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Bedrock/Guardrails', MetricName: 'InvocationThrottles', Dimensions: dims });
    });
    test('the intervention rate: intervened / invocations over the threshold', () => {
      const rate = alarms().find(a => (a.Metrics ?? []).some((m: any) => m.Expression !== undefined))!;
      expect(rate.Threshold).toBe(0.5);
      expect(rate.ComparisonOperator).toBe('GreaterThanThreshold');
      const expression = rate.Metrics.find((m: any) => m.Expression !== undefined);
      expect(expression.Expression).toBe('IF(invocations >= 10, intervened / invocations, 0)');
      const used = Object.fromEntries(rate.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [m.Id, m.MetricStat.Metric]));
      expect(used).toEqual({
        intervened: { Namespace: 'AWS/Bedrock/Guardrails', MetricName: 'InvocationsIntervened', Dimensions: dims },
        invocations: { Namespace: 'AWS/Bedrock/Guardrails', MetricName: 'Invocations', Dimensions: dims },
      });
    });
    test('a guardrail approved at ANY_NUMBERED has no single version to alarm on (graphed with SEARCH instead)', () => {
      expect(JSON.stringify(alarms())).not.toContain('zzz999');
      expect(alarms()).toHaveLength(4);
    });
    test('every alarm notifies the topic; missing data is not an alarm', () => {
      for (const alarm of alarms()) {
        expect(alarm.AlarmActions).toHaveLength(1);
        expect(alarm.AlarmActions[0].Ref).toMatch(/^MonitorTopic[0-9A-F]{8}$/);
        expect(alarm.TreatMissingData).toBe('notBreaching');
      }
    });
    test('interventionRateThreshold and period are used; bad values are refused', () => {
      const custom = monitorStack({
        guardrails: [EnforcedGuardrail.fromArn(G1, GuardrailVersion.DRAFT)], interventionRateThreshold: 0.2, period: Duration.minutes(1),
      });
      custom.template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 0.2 });
      custom.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'InvocationClientErrors', Period: 60, Dimensions: [{ Name: 'GuardrailArn', Value: G1 }, { Name: 'GuardrailVersion', Value: 'DRAFT' }],
      });
      for (const bad of [0, 1, 1.5, -1]) {
        expect(() => monitorStack({ interventionRateThreshold: bad })).toThrow(new RegExp(`interventionRateThreshold is ${bad}, but it is a share`));
      }
      expect(() => monitorStack({ minimumInvocations: 0 })).toThrow(/minimumInvocations is 0/);
      expect(() => monitorStack({ period: Duration.seconds(90) })).toThrow(/period is 90 seconds, but alarms on these metrics need whole minutes/);
      expect(() => monitorStack(stack => ({ topic: new sns.Topic(stack, 'T'), encryptionKey: new kms.Key(stack, 'K') }))).toThrow(/encryptionKey is the key of the topic the monitor creates/);
      expect(() => monitorStack({ guardrails: [] })).toThrow(/guardrails is empty/);
      expect(() => monitorStack({ principals: [] })).toThrow(/principals is empty/);
    });
  });

  test('the dashboard: text, guardrail graphs, denied attempts, tampering, alarm status', () => {
    const dashboard = Object.values(json.Resources as { [id: string]: any }).find(r => r.Type === 'AWS::CloudWatch::Dashboard')!;
    const body = JSON.parse(resolveCfn(dashboard.Properties.DashboardBody, env));
    const widgets = body.widgets as any[];
    expect(widgets.map(w => w.type)).toEqual(['text', 'metric', 'metric', 'metric', 'metric', 'metric', 'alarm']);
    expect(widgets.map(w => w.properties.title).slice(1)).toEqual([
      'Approved guardrails: invocations and interventions',
      'Approved guardrails: errors and throttles',
      'Denied inference attempts of the enforced roles',
      'Tampering with the enforcement',
      'Notifications EventBridge failed to deliver',
      'Alarms',
    ]);
    const metricsText = JSON.stringify(widgets[1].properties.metrics);
    expect(metricsText).toContain(`"AWS/Bedrock/Guardrails","Invocations","GuardrailArn","${G1}","GuardrailVersion","1"`);
    expect(metricsText).toContain(`"AWS/Bedrock/Guardrails","InvocationsIntervened","GuardrailArn","${G1}","GuardrailVersion","1"`);
    expect(metricsText).toContain(`SEARCH('{AWS/Bedrock/Guardrails,GuardrailArn,GuardrailVersion} MetricName=\\"Invocations\\" GuardrailArn=\\"${G2}\\"', 'Sum', 300)`);
    expect(JSON.stringify(widgets[3].properties.metrics)).toContain('"AWS/Events","TriggeredRules","RuleName"');
    expect(JSON.stringify(widgets[3].properties.metrics)).toContain('"BedrockGuardrailEnforcement","DeniedBedrockCalls"');
    // Each tampering rule (guardrails, tags, policies, settings, enforced roles) and the monitoring rule.
    expect(widgets[4].properties.metrics).toHaveLength(6);
    expect(JSON.stringify(widgets[5].properties.metrics)).toContain('"AWS/Events","FailedInvocations","RuleName"');
    expect(widgets[5].properties.metrics).toHaveLength(7);
    expect(widgets[6].properties.alarms).toHaveLength(4);
  });

  describe('notifications', () => {
    test('a topic encrypted with a rotated key that EventBridge and CloudWatch may use', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Principal: { Service: ['events.amazonaws.com', 'cloudwatch.amazonaws.com'] }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          })]),
        },
      });
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      // Grants only for AWS services (CT.KMS.PR.3), as on the guardrail key.
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'DenyGrantsExceptForAwsServices', Effect: 'Deny', Action: 'kms:CreateGrant' })]) },
      });
    });
    test('the topic policy lets only this monitor\'s rules and alarms publish, from this account, over TLS', () => {
      const policy = Object.values(json.Resources as { [id: string]: any }).find(r => r.Type === 'AWS::SNS::TopicPolicy')!.Properties.PolicyDocument;
      const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
      expect(Object.keys(bySid).sort()).toEqual(['AllowPublishThroughSSLOnly', 'AllowThisMonitorsAlarms', 'AllowThisMonitorsRules']);
      expect(bySid.AllowThisMonitorsRules.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(bySid.AllowThisMonitorsRules.Condition.StringEquals).toEqual({ 'aws:SourceAccount': ACCOUNT });
      expect(bySid.AllowThisMonitorsRules.Condition.ArnEquals['aws:SourceArn']).toHaveLength(7);
      expect(bySid.AllowThisMonitorsAlarms.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
      expect(bySid.AllowThisMonitorsAlarms.Condition.ArnEquals['aws:SourceArn']).toHaveLength(4);
      expect(bySid.AllowPublishThroughSSLOnly).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      // Every rule targets the topic, and nothing else (no role, no input transformation).
      for (const rule of Object.values(json.Resources as { [id: string]: any }).filter(r => r.Type === 'AWS::Events::Rule')) {
        expect(rule.Properties.Targets).toHaveLength(1);
        expect(Object.keys(rule.Properties.Targets[0]).sort()).toEqual(['Arn', 'Id']);
        expect(rule.Properties.Targets[0].Arn.Ref).toMatch(/^MonitorTopic[0-9A-F]{8}$/);
      }
    });
    test('a given key gets the statement EventBridge and CloudWatch need; an imported one a warning', () => {
      const own = monitorStack(stack => ({ encryptionKey: new kms.Key(stack, 'OpsKey', { enableKeyRotation: true }) }));
      own.template.resourceCountIs('AWS::KMS::Key', 1);
      own.template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowEventBridgeAndCloudWatchToPublishToTheTopic' })]) },
      });
      const imported = monitorStack(stack => ({ encryptionKey: kms.Key.fromKeyArn(stack, 'OpsKey', `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`) }));
      expect(Annotations.fromStack(imported.stack).findWarning('*', Match.stringLikeRegexp('monitorKeyImported'))).toHaveLength(1);
    });
    test('a given topic of the stack gets the same statements; an imported one a warning', () => {
      const own = monitorStack(stack => ({ topic: new sns.Topic(stack, 'Ops') }));
      expect(JSON.stringify(own.json)).toMatch(/AllowThisMonitorsRules[0-9a-f]{8}/);
      own.template.resourceCountIs('AWS::KMS::Key', 0);
      const imported = monitorStack(stack => ({ topic: sns.Topic.fromTopicArn(stack, 'Ops', `arn:aws:sns:us-east-1:${ACCOUNT}:ops`) }));
      expect(Annotations.fromStack(imported.stack).findWarning('*', Match.stringLikeRegexp('monitorTopicImported'))).toHaveLength(1);
    });
  });
});

import * as iam from 'aws-cdk-lib/aws-iam';
import { allow, Conditions, deny } from './statement';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/** Actions that change one existing guardrail; they carry no request tags, so tag rules use aws:ResourceTag. */
export const GUARDRAIL_CHANGE_ACTIONS = ['bedrock:UpdateGuardrail', 'bedrock:DeleteGuardrail', 'bedrock:CreateGuardrailVersion'];

function tagConditions(operator: string, prefix: string, requiredTags: { [key: string]: string[] }): Conditions | undefined {
  const keys = Object.keys(requiredTags);
  if (keys.length === 0) return undefined;
  const byKey: { [key: string]: string[] } = {};
  for (const key of keys) byKey[`${prefix}/${key}`] = requiredTags[key];
  return { [operator]: byKey };
}

/**
 * The guardrail management statements of guardrails-permissions (Create, CreateVersion, Delete, Get, List, Update), with the
 * tighter scoping the Service Authorization Reference allows (guardrails-permissions-kms): `ListGuardrails` on `*` (a list),
 * `CreateGuardrail` on `*` (no required resource type) and only with the required request tags,
 * `GetGuardrail` and the change actions on the guardrails, the change actions only on guardrails that carry
 * the required tags (`aws:ResourceTag`: Update and Delete carry no request tags), and `TagResource` when
 * tags are used. Guardrail profiles (guardrail-profiles-permissions) are allowed for Create and Update without tag conditions:
 * they are system resources and carry no tags.
 */
export function guardrailAdminStatements(options: {
  readonly guardrailArns: string[];
  readonly profileArns: string[];
  readonly requiredTags: { [key: string]: string[] };
  readonly allowTagging: boolean;
  readonly readOnly: boolean;
  /** Leave out the Deny of tagging a guardrail that lacks a required tag (adopting it). */
  readonly allowTaggingUntagged?: boolean;
}): iam.PolicyStatement[] {
  const statements = [
    allow('ListGuardrails', ['bedrock:ListGuardrails'], ['*']),
    allow('GetGuardrails', ['bedrock:GetGuardrail'], options.guardrailArns),
  ];
  if (options.readOnly) return statements;
  const requestTags = tagConditions('StringEquals', 'aws:RequestTag', options.requiredTags);
  const resourceTags = tagConditions('StringEquals', 'aws:ResourceTag', options.requiredTags);
  statements.push(
    allow('CreateGuardrails', ['bedrock:CreateGuardrail'], ['*'], requestTags),
    allow('ChangeGuardrails', GUARDRAIL_CHANGE_ACTIONS, options.guardrailArns, resourceTags),
  );
  if (options.profileArns.length > 0) {
    statements.push(allow('UseGuardrailProfiles', ['bedrock:CreateGuardrail', 'bedrock:UpdateGuardrail'], options.profileArns));
  }
  if (options.allowTagging) {
    // CreateGuardrail with tags also needs TagResource (guardrails-permissions); a tag call that sets a required key must
    // keep an allowed value. IfExists lets calls that do not touch a required key through.
    statements.push(allow('TagGuardrails', ['bedrock:TagResource'], options.guardrailArns,
      tagConditions('StringEqualsIfExists', 'aws:RequestTag', options.requiredTags)));
  }
  // The blog's intent, done correctly: one Deny per required tag, so any missing or other value denies
  // creation, and changes to guardrails without the tags are denied, whatever else the role may hold.
  // Re-tagging is denied too: a guardrail that carries a required tag at another value (another team's)
  // cannot be given an allowed value and then changed, a guardrail without the tag cannot be given it
  // (adopted), and required tags cannot be removed.
  Object.entries(options.requiredTags).forEach(([key, values], i) => {
    statements.push(
      deny(`DenyCreateGuardrailWithoutRequiredTag${i + 1}`, ['bedrock:CreateGuardrail'], ['*'],
        { StringNotEquals: { [`aws:RequestTag/${key}`]: values } }),
      deny(`DenyChangeGuardrailWithoutRequiredTag${i + 1}`, GUARDRAIL_CHANGE_ACTIONS, options.guardrailArns,
        { StringNotEquals: { [`aws:ResourceTag/${key}`]: values } }),
      // Adopting: a request that sets the required tag on a guardrail without it (Null true) could make any
      // untagged guardrail this team's, and then change it. Tag keys are compared ignoring case: IAM looks up
      // aws:ResourceTag/KEY without regard to case, so a request setting `TEAM` would otherwise slip past a
      // Deny on `team` and still count as the team's tag.
      ...(options.allowTaggingUntagged ? [] : [deny(`DenyTagUntaggedGuardrailWithRequiredTag${i + 1}`, ['bedrock:TagResource'], options.guardrailArns,
        { 'Null': { [`aws:ResourceTag/${key}`]: 'true' }, 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [key] } })]),
      // The tag is on the guardrail (Null false) with a value that is not allowed.
      deny(`DenyRetagGuardrailWithOtherRequiredTag${i + 1}`, ['bedrock:TagResource'], options.guardrailArns,
        { Null: { [`aws:ResourceTag/${key}`]: 'false' }, StringNotEquals: { [`aws:ResourceTag/${key}`]: values } }),
    );
  });
  const keys = Object.keys(options.requiredTags);
  if (keys.length > 0) {
    statements.push(deny('DenyRemoveRequiredTags', ['bedrock:UntagResource'], options.guardrailArns,
      { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': keys } }));
  }
  return statements;
}

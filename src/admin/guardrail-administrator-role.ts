import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { aws_bedrock as bedrockRefs, aws_kms as kmsRefs } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';
import { GuardrailProfile } from '../guardrail/guardrail-profile';
import { EncryptedGuardrailKey } from '../key/encrypted-guardrail-key';
import { DeferredPolicyDocument } from '../private/deferred-document';
import { addRoleQuotaChecks } from '../private/policy-size';
import { guardrailAdminStatements } from '../statements/guardrail-admin';
import { guardrailCreatorIdentityStatements } from '../statements/guardrail-key';
import { checkBedrockArn, isToken, pathError } from '../util/validation';

const POLICY_NAME = 'GuardrailAdministration';
/** Tag keys: 1 to 128 characters of letters, digits, spaces and _.:/=+-@ (Bedrock TagResource). */
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

/**
 * Properties of a GuardrailAdministratorRole.
 */
export interface GuardrailAdministratorRoleProps extends iam.RoleProps {
  /**
   * The guardrails the role may read, update, version and delete, by ARN (a wildcard such as
   * `arn:aws:bedrock:us-east-1:111122223333:guardrail/*` is allowed here).
   *
   * @default - with `guardrails`, only those; otherwise every guardrail of the stack's account in the stack's
   * Region (`guardrail/*`)
   */
  readonly guardrailArns?: string[];

  /**
   * The guardrails the role may read, update, version and delete, as resources (a `CfnGuardrail`, an L2
   * from another library, or an imported guardrail). Combined with `guardrailArns`.
   *
   * @default - with `guardrailArns`, only those; otherwise every guardrail of the stack's account in the
   * stack's Region (`guardrail/*`)
   */
  readonly guardrails?: bedrockRefs.IGuardrailRef[];

  /**
   * Tags that every guardrail must carry, each with its allowed values. CreateGuardrail is denied unless
   * each tag is in the request with an allowed value (`aws:RequestTag`), and Update, Delete and
   * CreateGuardrailVersion are denied on guardrails that do not carry them (`aws:ResourceTag`: these
   * requests carry no tags). Implies `allowTagging`.
   *
   * @default - no tag rules
   */
  readonly requiredTags?: { [key: string]: string[] };

  /**
   * Allow `bedrock:TagResource`, which CreateGuardrail with tags also needs.
   *
   * @default - true when `requiredTags` is given, false otherwise
   */
  readonly allowTagging?: boolean;

  /**
   * With `requiredTags`: let the role set a required tag on a guardrail that does not carry it.
   *
   * By default that is denied, so that the role cannot adopt an untagged guardrail (tag it with its own team,
   * then change or delete it). Amazon Bedrock authorizes tags passed to CreateGuardrail as a
   * `bedrock:TagResource` request too; AWS does not document whether that request sees the new guardrail's
   * tags (`aws:ResourceTag`). If it does not, it looks to IAM like adopting an untagged guardrail and is
   * denied, and creating a guardrail with its required tags fails with AccessDenied on
   * `bedrock:TagResource`: then set this to true (a warning says what it reopens).
   *
   * @default false
   */
  readonly allowTaggingUntaggedGuardrails?: boolean;

  /**
   * Cross-Region guardrail profiles the managed guardrails use: CreateGuardrail and UpdateGuardrail on the
   * profile in the stack's Region and every destination Region.
   *
   * @default - none
   */
  readonly guardrailProfiles?: GuardrailProfile[];

  /**
   * The customer managed key of the guardrails: the creator permissions (`kms:Decrypt`,
   * `kms:GenerateDataKey`, `kms:DescribeKey`, and `kms:CreateGrant` only for grants Amazon Bedrock requests,
   * `kms:GrantIsForAWSResource` and `kms:ViaService`); for an `EncryptedGuardrailKey` also in its key policy.
   *
   * @default - the guardrails use an AWS owned key
   */
  readonly encryptionKey?: kmsRefs.IKeyRef;

  /**
   * Only read: `GetGuardrail` and `ListGuardrails`, for auditors.
   *
   * @default false
   */
  readonly readOnly?: boolean;
}

/**
 * A role that creates and manages Amazon Bedrock guardrails ("Set up permissions to use guardrails"), with
 * optional tag rules, and nothing else: it cannot run inference (separation of duties).
 *
 * IAM's quotas are checked at synth: all inline policies together (10,240 characters, with every
 * AWS::IAM::Policy of the stack that names the role), the trust policy (2,048) and 10 managed policies.
 */
export class GuardrailAdministratorRole extends iam.Role {
  constructor(scope: Construct, id: string, props: GuardrailAdministratorRoleProps) {
    const stack = Stack.of(scope);
    const requiredTags = props.requiredTags ?? {};
    for (const [key, values] of Object.entries(requiredTags)) {
      if (!isToken(key) && !TAG_KEY.test(key)) {
        throw pathError(scope, id, `'${key}' in requiredTags is not a tag key. Fix: use 1 to 128 letters, digits, spaces or _.:/=+-@.`);
      }
      if (key.toLowerCase().startsWith('aws:')) {
        throw pathError(scope, id, `the tag key '${key}' in requiredTags uses the reserved prefix 'aws:'. Fix: choose another key.`);
      }
      if (values.length === 0) {
        throw pathError(scope, id, `requiredTags['${key}'] has no allowed value, so no guardrail could ever be created. Fix: list the allowed values, for example ['ml-platform'].`);
      }
    }
    const writeOptions = [props.requiredTags, props.allowTagging, props.guardrailProfiles, props.encryptionKey];
    if (props.readOnly && writeOptions.some(o => o !== undefined && o !== false)) {
      throw pathError(scope, id, 'readOnly grants only GetGuardrail and ListGuardrails, so requiredTags, allowTagging, guardrailProfiles and encryptionKey would do nothing. Fix: drop them, or drop readOnly.');
    }
    if (props.allowTaggingUntaggedGuardrails && props.requiredTags === undefined) {
      throw pathError(scope, id, 'allowTaggingUntaggedGuardrails only lifts a Deny that requiredTags adds, and requiredTags is not given, so it would do nothing. Fix: drop it, or give requiredTags.');
    }
    const given = [props.guardrailArns, props.guardrails].filter(l => l !== undefined && !Token.isUnresolved(l)) as unknown[][];
    if (given.length > 0 && given.every(l => l.length === 0)) {
      throw pathError(scope, id, 'guardrailArns and guardrails are empty, so the role could manage no guardrail. Fix: omit them to manage every guardrail of the account in this Region, or list guardrails.');
    }
    const fromRefs = (props.guardrails ?? []).map(g => g.guardrailRef.guardrailArn);
    const guardrailArns = props.guardrailArns === undefined && props.guardrails === undefined
      ? [`arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:guardrail/*`]
      : [...(props.guardrailArns ?? []), ...fromRefs];
    // A list token (a CommaDelimitedList parameter) cannot be checked at synth.
    const literalArns = props.guardrailArns === undefined || Token.isUnresolved(props.guardrailArns) ? [] : props.guardrailArns;
    for (const arn of literalArns) {
      if (!Token.isUnresolved(arn)) {
        try {
          checkBedrockArn('GuardrailAdministratorRole', arn, 'guardrail', /^[a-z0-9]+$/, 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456');
        } catch (e) {
          throw pathError(scope, id, `${(e as Error).message.replace(/^GuardrailAdministratorRole: /, '')}`);
        }
      }
    }
    const statements = guardrailAdminStatements({
      guardrailArns,
      profileArns: (props.guardrailProfiles ?? []).flatMap(p => p._arns(scope, stack.region)),
      requiredTags,
      allowTagging: props.allowTagging ?? props.requiredTags !== undefined,
      readOnly: props.readOnly ?? false,
      allowTaggingUntagged: props.allowTaggingUntaggedGuardrails,
    });
    if (props.inlinePolicies?.[POLICY_NAME] !== undefined) {
      throw pathError(scope, id, `inlinePolicies has a policy named '${POLICY_NAME}', which this role uses. Fix: rename that inline policy.`);
    }
    super(scope, id, {
      ...props,
      description: props.description ?? 'Creates and manages Amazon Bedrock guardrails',
      inlinePolicies: { ...props.inlinePolicies, [POLICY_NAME]: new DeferredPolicyDocument(() => statements) },
    });
    addRoleQuotaChecks(this, 'fewer guardrail ARNs (or none, for every guardrail of the account), or fewer required tags');
    if (props.allowTaggingUntaggedGuardrails && props.requiredTags !== undefined) {
      Annotations.of(this).addWarningV2('cdk-bedrock-guardrail-iam:adminMayAdoptUntaggedGuardrails',
        'allowTaggingUntaggedGuardrails is true, so this role may set a required tag on a guardrail that lacks it, make it its own, and then change or delete it. '
        + 'Fix: leave it false unless creating guardrails with tags fails with AccessDenied on bedrock:TagResource, and tag every existing guardrail.');
    }
    const key = props.encryptionKey;
    if (key instanceof EncryptedGuardrailKey) {
      key.grantCreate(this);
    } else if (key !== undefined) {
      guardrailCreatorIdentityStatements(this, key.keyRef.keyArn).forEach(s => this.addToPrincipalPolicy(s));
    }
  }
}

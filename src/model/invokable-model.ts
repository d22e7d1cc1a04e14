import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { CfnApplicationInferenceProfile } from 'aws-cdk-lib/aws-bedrock';
import { aws_bedrock as bedrockRefs } from 'aws-cdk-lib/interfaces';
import { IConstruct } from 'constructs';
import { checkModelId, GEO_PREFIXES, MODEL_ID, PROFILE_ID } from './model-id';
import { unique } from '../util/policy-json';
import { checkBedrockArn, checkRegions, factoryError, isToken } from '../util/validation';

/** The kinds of resource a role can run inference on. */
export enum InvokableModelKind {
  /** One foundation model in the stack's Region. */
  FOUNDATION_MODEL = 'FOUNDATION_MODEL',
  /** Every foundation model in the stack's Region. */
  ALL_FOUNDATION_MODELS = 'ALL_FOUNDATION_MODELS',
  /** A system-defined cross-Region (geographic) inference profile. */
  CROSS_REGION_INFERENCE_PROFILE = 'CROSS_REGION_INFERENCE_PROFILE',
  /** A system-defined global inference profile. */
  GLOBAL_INFERENCE_PROFILE = 'GLOBAL_INFERENCE_PROFILE',
  /** An application inference profile. */
  APPLICATION_INFERENCE_PROFILE = 'APPLICATION_INFERENCE_PROFILE',
  /** A Provisioned Throughput model. */
  PROVISIONED_MODEL = 'PROVISIONED_MODEL',
  /** A custom (fine-tuned or distilled) model, through its deployment or by its ARN. */
  CUSTOM_MODEL = 'CUSTOM_MODEL',
  /** A model brought in with Custom Model Import. */
  IMPORTED_MODEL = 'IMPORTED_MODEL',
}


/**
 * Foundation-model ARNs that a request through an inference profile reaches, and that profile.
 * @internal
 */
export interface ProfileRoute {
  readonly profileArn: string;
  readonly modelArns: string[];
}

/**
 * Everything a principal needs to run inference on one invokable model, computed for a construct.
 * @internal
 */
export interface ModelGrant {
  readonly kind: InvokableModelKind;
  /** Resources invoked directly: models, profiles, provisioned, custom and imported models. */
  readonly invokeArns: string[];
  /** Foundation models reachable only through an inference profile (`bedrock:InferenceProfileArn`). */
  readonly routes: ProfileRoute[];
  /** Inference profiles (system-defined or application), for `bedrock:GetInferenceProfile`. */
  readonly profileArns: string[];
}

type Binder = (scope: IConstruct) => ModelGrant;
/** For the kinds an application inference profile can copy: the foundation-model ARNs it reaches. */
type ModelArns = (scope: IConstruct, sourceRegion: string) => string[];

function foundationModelArn(scope: IConstruct, region: string, modelId: string): string {
  return `arn:${Stack.of(scope).partition}:bedrock:${region}::foundation-model/${modelId}`;
}

function systemProfileArn(scope: IConstruct, profileId: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:inference-profile/${profileId}`;
}


/**
 * Something a role may run inference on (`bedrock:InvokeModel`, `bedrock:InvokeModelWithResponseStream`,
 * and so the Converse and ConverseStream APIs), with every ARN IAM needs for it.
 */
export class InvokableModel {
  /**
   * One foundation model in the stack's Region.
   *
   * @param modelId the model ID, for example `anthropic.claude-3-haiku-20240307-v1:0`
   */
  public static foundationModel(modelId: string): InvokableModel {
    checkModelId('InvokableModel.foundationModel', modelId);
    const modelArns: ModelArns = (scope, region) => [foundationModelArn(scope, region, modelId)];
    return new InvokableModel(InvokableModelKind.FOUNDATION_MODEL, modelId, scope => ({
      kind: InvokableModelKind.FOUNDATION_MODEL,
      invokeArns: modelArns(scope, Stack.of(scope).region),
      routes: [],
      profileArns: [],
    }), modelArns);
  }

  /**
   * Every foundation model in the stack's Region (`foundation-model/*`), as in the AWS documentation's
   * enforcement examples. Every request still needs an approved guardrail.
   */
  public static allFoundationModels(): InvokableModel {
    return new InvokableModel(InvokableModelKind.ALL_FOUNDATION_MODELS, '*', scope => ({
      kind: InvokableModelKind.ALL_FOUNDATION_MODELS,
      invokeArns: [foundationModelArn(scope, Stack.of(scope).region, '*')],
      routes: [],
      profileArns: [],
    }));
  }

  /**
   * A system-defined cross-Region inference profile, for example `us.anthropic.claude-3-haiku-20240307-v1:0`.
   *
   * Grants the profile in the stack's Region and the foundation model in the stack's Region and in every
   * destination Region, the model only through this profile (`bedrock:InferenceProfileArn`).
   *
   * @param profileId the inference profile ID
   * @param destinationRegions every Region the profile can route to
   */
  public static crossRegionInferenceProfile(profileId: string, destinationRegions: string[]): InvokableModel {
    const factory = 'InvokableModel.crossRegionInferenceProfile';
    const modelId = checkProfileId(factory, profileId, false);
    const regions = checkRegions(factory, destinationRegions, 'destinationRegions');
    return InvokableModel.systemProfile(InvokableModelKind.CROSS_REGION_INFERENCE_PROFILE, profileId,
      (scope, source) => unique([source, ...regions].map(r => foundationModelArn(scope, r, modelId))));
  }

  /**
   * A system-defined global inference profile, for example `global.anthropic.claude-sonnet-4-20250514-v1:0`.
   *
   * Grants the profile in the stack's Region, and the foundation model in the stack's Region and with an
   * empty Region (`arn:PARTITION:bedrock:::foundation-model/MODEL`, which is how global routing is
   * authorized), the model only through this profile.
   */
  public static globalInferenceProfile(profileId: string): InvokableModel {
    const modelId = checkProfileId('InvokableModel.globalInferenceProfile', profileId, true);
    return InvokableModel.systemProfile(InvokableModelKind.GLOBAL_INFERENCE_PROFILE, profileId,
      (scope, source) => [foundationModelArn(scope, source, modelId), foundationModelArn(scope, '', modelId)]);
  }

  /**
   * An application inference profile by ARN, and the model or system inference profile it was copied from.
   *
   * Grants the application profile, and the foundation model(s) of `copiedFrom` only through it.
   *
   * @param profileArn `arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID`
   * @param copiedFrom the foundation model or system inference profile the application profile tracks
   */
  public static fromApplicationInferenceProfileArn(profileArn: string, copiedFrom: InvokableModel): InvokableModel {
    const factory = 'InvokableModel.fromApplicationInferenceProfileArn';
    const parsed = checkBedrockArn(factory, profileArn, 'application-inference-profile', /^[a-z0-9]+$/,
      'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abcd1234efgh');
    return InvokableModel.appProfile(factory, profileArn, parsed?.region, copiedFrom);
  }

  /**
   * An application inference profile by ARN.
   *
   * @deprecated use `fromApplicationInferenceProfileArn`, named like the other `from*` factories
   */
  public static applicationInferenceProfile(profileArn: string, copiedFrom: InvokableModel): InvokableModel {
    return InvokableModel.fromApplicationInferenceProfileArn(profileArn, copiedFrom);
  }

  /**
   * An application inference profile resource (`CfnApplicationInferenceProfile` or an imported one), and
   * the model or system inference profile it was copied from.
   */
  public static fromApplicationInferenceProfile(profile: bedrockRefs.IApplicationInferenceProfileRef, copiedFrom: InvokableModel): InvokableModel {
    const factory = 'InvokableModel.fromApplicationInferenceProfile';
    let arn: string;
    if (profile instanceof CfnApplicationInferenceProfile) {
      arn = profile.attrInferenceProfileArn;
    } else {
      const identifier = profile.applicationInferenceProfileRef.inferenceProfileIdentifier;
      arn = isToken(identifier) || identifier.startsWith('arn:')
        ? identifier
        : `arn:${Stack.of(profile).partition}:bedrock:${profile.env.region}:${profile.env.account}:application-inference-profile/${identifier}`;
    }
    const parsed = checkBedrockArn(factory, arn, 'application-inference-profile', /^[a-z0-9]+$/,
      'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abcd1234efgh');
    const region = parsed?.region ?? (Token.isUnresolved(profile.env.region) ? undefined : profile.env.region);
    return InvokableModel.appProfile(factory, arn, region, copiedFrom);
  }

  /**
   * A Provisioned Throughput model by ARN (`arn:aws:bedrock:REGION:ACCOUNT:provisioned-model/ID`).
   */
  public static provisionedModel(arn: string): InvokableModel {
    checkBedrockArn('InvokableModel.provisionedModel', arn, 'provisioned-model', /^[a-z0-9]+$/,
      'arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abcd1234efgh');
    return InvokableModel.direct(InvokableModelKind.PROVISIONED_MODEL, arn);
  }

  /**
   * A custom (fine-tuned, distilled) model: its on-demand deployment ARN
   * (`arn:aws:bedrock:REGION:ACCOUNT:custom-model-deployment/ID`), or the custom model ARN itself
   * (`arn:aws:bedrock:REGION:ACCOUNT:custom-model/...`).
   *
   * In the Service Authorization Reference, `bedrock:InvokeModel` authorizes custom model deployments but
   * has no `custom-model` resource type, so a grant on a custom model ARN (as the Bedrock Flows page writes
   * it) may grant nothing: the construct that uses it warns. Prefer the deployment ARN, or
   * `provisionedModel()` for a custom model on Provisioned Throughput.
   */
  public static customModel(arn: string): InvokableModel {
    const factory = 'InvokableModel.customModel';
    const example = 'arn:aws:bedrock:us-east-1:111122223333:custom-model-deployment/abcd1234efgh';
    const isDeployment = isToken(arn) || arn.split(':')[5]?.startsWith('custom-model-deployment/');
    if (isDeployment) {
      checkBedrockArn(factory, arn, 'custom-model-deployment', /^[a-z0-9]+$/, example);
      return InvokableModel.direct(InvokableModelKind.CUSTOM_MODEL, arn);
    }
    checkBedrockArn(factory, arn, 'custom-model', /^[a-zA-Z0-9][a-zA-Z0-9._:/-]*$/, example);
    return new InvokableModel(InvokableModelKind.CUSTOM_MODEL, arn, scope => {
      Annotations.of(scope).addWarningV2('cdk-bedrock-guardrail-iam:customModelArnNotInvokable',
        `bedrock:InvokeModel has no custom-model resource type in the Service Authorization Reference, so the grant on ${arn} may allow nothing. `
        + 'Fix: pass the custom model deployment ARN (custom-model-deployment/ID) to InvokableModel.customModel, or the Provisioned Throughput ARN to InvokableModel.provisionedModel.');
      return { kind: InvokableModelKind.CUSTOM_MODEL, invokeArns: [arn], routes: [], profileArns: [] };
    });
  }

  /**
   * A model brought in with Custom Model Import, by ARN (`arn:aws:bedrock:REGION:ACCOUNT:imported-model/ID`).
   */
  public static importedModel(arn: string): InvokableModel {
    checkBedrockArn('InvokableModel.importedModel', arn, 'imported-model', /^[a-z0-9]+$/,
      'arn:aws:bedrock:us-east-1:111122223333:imported-model/abcd1234efgh');
    return InvokableModel.direct(InvokableModelKind.IMPORTED_MODEL, arn);
  }

  /** A system-defined profile in the stack's Region and account, and the models it routes to. */
  private static systemProfile(kind: InvokableModelKind, profileId: string, modelArns: ModelArns): InvokableModel {
    return new InvokableModel(kind, profileId, scope => {
      const profileArn = systemProfileArn(scope, profileId);
      const routes = [{ profileArn, modelArns: modelArns(scope, Stack.of(scope).region) }];
      return { kind, invokeArns: [profileArn], routes, profileArns: [profileArn] };
    }, modelArns);
  }

  private static direct(kind: InvokableModelKind, arn: string): InvokableModel {
    return new InvokableModel(kind, arn, () => ({ kind, invokeArns: [arn], routes: [], profileArns: [] }));
  }

  private static appProfile(factory: string, profileArn: string, region: string | undefined, copiedFrom: InvokableModel): InvokableModel {
    const modelArns = copiedFrom.modelArns;
    if (modelArns === undefined) {
      throw factoryError(factory, `an application inference profile is copied from a foundation model or a system inference profile, not from ${copiedFrom.kind} '${copiedFrom.name}'. `
        + 'Fix: pass InvokableModel.foundationModel(...), crossRegionInferenceProfile(...) or globalInferenceProfile(...) as copiedFrom.');
    }
    return new InvokableModel(InvokableModelKind.APPLICATION_INFERENCE_PROFILE, profileArn, scope => ({
      kind: InvokableModelKind.APPLICATION_INFERENCE_PROFILE,
      invokeArns: [profileArn],
      routes: [{ profileArn, modelArns: modelArns(scope, region ?? Stack.of(scope).region) }],
      profileArns: [profileArn],
    }));
  }

  /** What kind of resource this is. */
  public readonly kind: InvokableModelKind;

  /** The model ID, profile ID or ARN this was made from (`*` for every foundation model). */
  public readonly name: string;

  private readonly binder: Binder;
  private readonly modelArns?: ModelArns;

  private constructor(kind: InvokableModelKind, name: string, binder: Binder, modelArns?: ModelArns) {
    this.kind = kind;
    this.name = name;
    this.binder = binder;
    this.modelArns = modelArns;
  }

  /**
   * The ARNs a principal in `scope`'s stack needs to run inference on this model.
   * @internal
   */
  public _bind(scope: IConstruct): ModelGrant {
    return this.binder(scope);
  }

  public toString(): string {
    return `${this.kind}(${this.name})`;
  }
}


/** Checks a system inference profile ID and returns the model ID it routes to. */
function checkProfileId(factory: string, profileId: string, global: boolean): string {
  if (isToken(profileId)) {
    throw factoryError(factory, 'the profile ID is an unresolved token, but the foundation model it routes to must be known at synth. Fix: pass the profile ID as a literal string.');
  }
  const example = global ? 'global.anthropic.claude-sonnet-4-20250514-v1:0' : 'us.anthropic.claude-3-haiku-20240307-v1:0';
  const parsed = PROFILE_ID.exec(profileId);
  if (parsed === null || !GEO_PREFIXES.has(parsed[1]) || !MODEL_ID.test(parsed[3])) {
    throw factoryError(factory, `'${profileId}' is not an inference profile ID. Fix: use the system profile ID, for example '${example}'.`);
  }
  if (global && parsed[1] !== 'global') {
    throw factoryError(factory, `'${profileId}' is a geographic profile, not a global one. Fix: use InvokableModel.crossRegionInferenceProfile('${profileId}', destinationRegions).`);
  }
  if (!global && parsed[1] === 'global') {
    throw factoryError(factory, `'${profileId}' is a global profile. Fix: use InvokableModel.globalInferenceProfile('${profileId}').`);
  }
  return parsed[3];
}

import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { mergeStatements } from './compact';
import { DeferredPolicyDocument } from './deferred-document';
import { warnAboutEnforcementOptions } from './enforcement-options';
import { PolicyPart } from './policy-split';
import { BoundGuardrail, EnforcedGuardrail } from '../guardrail/enforced-guardrail';
import { InferencePath } from '../model/inference-path';
import { InvokableModel, ModelGrant } from '../model/invokable-model';
import { enforcementDenyStatements } from '../statements/enforcement-denies';
import { applyGuardrailStatement, guardrailKeyDecryptStatement } from '../statements/guardrail';
import { getInferenceProfileStatement, guardedInferenceStatements, guardrailConditions } from '../statements/inference';
import { constructError } from '../util/validation';

// AWS pages are cited by their file name: https://docs.aws.amazon.com/bedrock/latest/userguide/NAME.html

/** What an enforcement denies besides inference without an approved guardrail. */
export interface EnforcementOptions {
  /** Inference paths left open (each is a warning). */
  readonly allowUnguardedPaths?: InferencePath[];
  /** Whether the approved guardrails and the enforced configuration are protected (default true). */
  readonly protectApprovedGuardrails?: boolean;
}

/**
 * The guardrail enforcement of one principal or policy: the approved guardrails, the granted models, and
 * the policy document built from them (guardrails-permissions-id). Shared by GuardrailEnforcedInvokerRole and
 * GuardrailEnforcementPolicy, so both emit the same statements from the same code.
 */
export class GuardrailEnforcement {
  /** The document of the first part: every statement, unless a layout split them. */
  public readonly document: DeferredPolicyDocument;
  private owner?: IConstruct;
  private layout?: (statements: iam.PolicyStatement[], denies: iam.PolicyStatement[]) => PolicyPart[];
  private laidOut?: PolicyPart[];
  private readonly approved: EnforcedGuardrail[] = [];
  private readonly granted: InvokableModel[] = [];
  private readonly boundGuardrails: BoundGuardrail[] = [];
  private readonly grants: ModelGrant[] = [];

  constructor(private readonly options: EnforcementOptions = {}) {
    // Stryker disable next-line BooleanLiteral: merging merged statements again changes nothing
    this.document = new DeferredPolicyDocument(() => this.parts()[0].statements, true);
  }

  /**
   * Lets the owner lay out the statements in several policies (a role whose inline policy has no room for
   * them all). The layout gets the merged statements and the Denies, which must stay whole in the first part
   * (so the principal never has an Allow of the enforcement without every Deny).
   */
  public layOutWith(layout: (statements: iam.PolicyStatement[], denies: iam.PolicyStatement[]) => PolicyPart[]) {
    this.layout = layout;
  }

  /**
   * The statements in their policies: the first is `document`. Built once, when first needed (the owner's
   * aspect, or the first rendering); after that the guardrails and models can no longer change.
   */
  public parts(): PolicyPart[] {
    // Stryker disable next-line ConditionalExpression: a memo; what the parts are built from cannot change after the first call (checkOpen)
    if (this.laidOut === undefined) {
      // In the order a reader of the docs expects: Allow, Deny, the other Denies, profile, guardrail, key.
      const conditions = guardrailConditions(this.boundGuardrails);
      const statements = mergeStatements([
        ...guardedInferenceStatements(this.grants, conditions),
        ...enforcementDenyStatements(this.boundGuardrails, {
          allowUnguardedPaths: this.options.allowUnguardedPaths,
          protect: this.options.protectApprovedGuardrails !== false,
        }),
        getInferenceProfileStatement(this.grants),
        applyGuardrailStatement(this.boundGuardrails),
        guardrailKeyDecryptStatement(this.boundGuardrails),
      ].filter((s): s is iam.PolicyStatement => s !== undefined));
      const denies = statements.filter(s => s.effect === iam.Effect.DENY);
      this.laidOut = this.layout?.(statements, denies) ?? [{ statements, size: NaN }];
    }
    return this.laidOut;
  }

  /** Binds to the construct that owns the enforcement and adds the initial guardrails and models. */
  public attach(owner: IConstruct, guardrails: EnforcedGuardrail[], models: InvokableModel[]) {
    this.owner = owner;
    if (guardrails.length === 0) {
      throw constructError(owner, 'guardrails is empty, so no request could ever be allowed. Fix: pass at least one EnforcedGuardrail, for example EnforcedGuardrail.fromArn(guardrailArn, GuardrailVersion.numbered(1)).');
    }
    if (models.length === 0) {
      throw constructError(owner, 'models is empty, so the role could not run inference on anything. Fix: pass at least one InvokableModel, for example InvokableModel.foundationModel(\'anthropic.claude-3-haiku-20240307-v1:0\').');
    }
    guardrails.forEach(g => this.addGuardrail(g));
    models.forEach(m => this.addModel(m));
    warnAboutEnforcementOptions(owner, this.options);
  }

  /** The inference paths this enforcement leaves open. */
  public get allowedPaths(): InferencePath[] {
    return [...(this.options.allowUnguardedPaths ?? [])];
  }

  public get guardrails(): EnforcedGuardrail[] {
    return [...this.approved];
  }

  public get models(): InvokableModel[] {
    return [...this.granted];
  }

  public addGuardrail(guardrail: EnforcedGuardrail) {
    const owner = this.checkOpen('addGuardrail');
    this.boundGuardrails.push(guardrail._bind(owner));
    this.approved.push(guardrail);
  }

  public addModel(model: InvokableModel) {
    const owner = this.checkOpen('addModel');
    this.grants.push(model._bind(owner));
    this.granted.push(model);
  }

  private checkOpen(method: string): IConstruct {
    if (this.owner === undefined) {
      throw new Error(`GuardrailEnforcement.${method} called before attach`);
    }
    if (this.laidOut !== undefined) {
      throw constructError(this.owner, `${method}() was called after the policy was synthesized (its statements are laid out once, when synthesis `
        + `reaches this construct). Fix: call ${method}() before app.synth() (or before Template.fromStack() in a test); from an aspect, call it while `
        + 'visiting this construct itself (an aspect added to it or to a scope above it), not while visiting a construct that comes after it.');
    }
    return this.owner;
  }
}

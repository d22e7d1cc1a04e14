import { IResolveContext } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A policy document whose statements are built once, from the owner's state at the time the document is
 * first validated or rendered, so that `addGuardrail()` and `addModel()` after construction are reflected
 * in every statement (the number of statements depends on the models, so lazy values inside fixed
 * statements would not do).
 */
export class DeferredPolicyDocument extends iam.PolicyDocument {
  private built = false;

  constructor(private readonly build: () => iam.PolicyStatement[]) {
    super();
  }

  /** Whether the statements have been built; after that the owner can no longer change. */
  public get isBuilt(): boolean {
    return this.built;
  }

  public resolve(context: IResolveContext): any {
    this.buildOnce();
    return super.resolve(context);
  }

  public get isEmpty(): boolean {
    this.buildOnce();
    return super.isEmpty;
  }

  public get statementCount(): number {
    this.buildOnce();
    return super.statementCount;
  }

  public toJSON(): any {
    this.buildOnce();
    return super.toJSON();
  }

  public validateForIdentityPolicy(): string[] {
    this.buildOnce();
    return super.validateForIdentityPolicy();
  }

  public validateForAnyPolicy(): string[] {
    this.buildOnce();
    return super.validateForAnyPolicy();
  }

  private buildOnce() {
    if (this.built) return;
    this.built = true;
    this.addStatements(...this.build());
  }
}

import { IPostProcessor, IResolveContext } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { mergeStatements, sortResources } from './compact';

/**
 * A policy document whose statements are built once, from the owner's state at the time the document is
 * first validated or rendered, so that `addGuardrail()` and `addModel()` after construction are reflected
 * in every statement (the number of statements depends on the models, so lazy values inside fixed
 * statements would not do).
 *
 * The document is compact and stable: statements with the same effect, actions and condition are merged,
 * and each statement's resources are sorted in the template.
 */
export class DeferredPolicyDocument extends iam.PolicyDocument {
  private built = false;
  /** Statements added before the document was built (`addToPolicy()` on the owner): merged with the built ones. */
  private readonly added: iam.PolicyStatement[] = [];

  /**
   * @param build the statements, built when the document is first needed
   * @param merged whether `build` returns merged statements already (the enforcement's layout does), so that
   * only statements added before building need merging in
   */
  constructor(private readonly build: () => iam.PolicyStatement[], private readonly merged = false) {
    super();
  }

  /** Whether the statements have been built; after that the owner can no longer change. */
  public get isBuilt(): boolean {
    return this.built;
  }

  public resolve(context: IResolveContext): any {
    this.buildOnce();
    // PolicyDocument registers a post-processor (de-duplication, Sids); sort the resources after it runs.
    let inner: IPostProcessor | undefined;
    const capturing: IResolveContext = { ...context, registerPostProcessor: (p: IPostProcessor) => { inner = p; } };
    const rendered = super.resolve(capturing);
    context.registerPostProcessor({
      // PolicyDocument.resolve always registers one.
      postProcess: (input: any, ctx: IResolveContext) => sortResources(inner!.postProcess(input, ctx)),
    });
    return rendered;
  }

  public addStatements(...statements: iam.PolicyStatement[]): void {
    // PolicyDocument's constructor calls this (with no statements) before the fields are initialized.
    if (statements.length === 0) return;
    if (this.built) {
      super.addStatements(...statements);
    } else {
      this.added.push(...statements);
    }
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
    const built = this.build();
    super.addStatements(...(this.merged && this.added.length === 0 ? built : mergeStatements([...built, ...this.added])));
  }
}

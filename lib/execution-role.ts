import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

const ECR_AUTH = 'ecr:GetAuthorizationToken';

/**
 * A task execution role that keeps `ecr:GetAuthorizationToken` — the one action of an image
 * pull with no resource-level scoping — in a policy of its own, so the acknowledgement of its
 * `*` resource covers that statement alone: any other wildcard grant lands in the default
 * policy and fails the AWS Solutions checks.
 */
export class TaskExecutionRole extends iam.Role {
  /** Holds only `ecr:GetAuthorizationToken` on `*`, once an image pull needs it. */
  ecrAuthPolicy: iam.Policy | undefined;

  constructor(scope: Construct, id: string) {
    super(scope, id, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const json = statement.toStatementJson() as { Action?: unknown; Resource?: unknown };
    if (json.Action !== ECR_AUTH || json.Resource !== '*')
      return super.addToPrincipalPolicy(statement);
    if (!this.ecrAuthPolicy) {
      this.ecrAuthPolicy = new iam.Policy(this, 'EcrAuthPolicy', { roles: [this] });
      Validations.of(this.ecrAuthPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken, which the execution role needs to pull the worker image, supports no resource-level permissions; this policy holds nothing else.',
      });
    }
    this.ecrAuthPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.ecrAuthPolicy };
  }
}

import { Duration, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link StepQueue}. */
export interface StepQueueProps {
  /** The autoscaler function: it queues the minute's later steps and each message runs one. */
  readonly function: lambda.Function;
  /** The function's role: it may send to this queue only. */
  readonly role: iam.IRole;
  /** The function's timeout: a message stays invisible while the step it started runs. */
  readonly timeout: Duration;
}

/**
 * The steps after the first of each minute (LAGPILOT_STEP_INTERVAL below a minute), without a
 * function that sleeps between them: each step queues the next as a message delayed until it is
 * due, and the message invokes the function for that one step (lambda/handler/step-chain.ts). A
 * message that is not consumed within a minute is stale and expires.
 */
export class StepQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StepQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.minutes(1),
      visibilityTimeout: Duration.seconds(Math.max(60, props.timeout.toSeconds())),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'A step message is useful for a minute; a failed step is not retried (the next one is 15 s away), so there is nothing a dead-letter queue would keep.',
    });
    props.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, maxConcurrency: 2 }),
    );
    // Sending is all the code does; the event source mapping's polling grants are its own.
    this.queue.grant(props.role, 'sqs:SendMessage');
    props.function.addEnvironment('LAGPILOT_STEP_QUEUE_URL', this.queue.queueUrl);
  }
}

/**
 * The queue of the minute's later steps (lambda/handler/step-chain.ts): one SQS message per
 * step, delayed until it is due.
 */

import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export class SqsStepQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: { minuteStart: number; due: number }, delaySeconds: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        // SQS delays a message by at most 15 minutes; a step is due within the minute.
        DelaySeconds: Math.min(900, Math.max(0, delaySeconds)),
      }),
    );
  }
}

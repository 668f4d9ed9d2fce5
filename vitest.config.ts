import { defineConfig } from 'vitest/config';

// Three tiers under one `npm test`: pure unit tests, CDK template tests, and integration tests
// against a real Kafka broker and moto (started and stopped by the integration global setup).
export default defineConfig({
  test: {
    globalSetup: ['test/setup/runtime-banner.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup/aws-mock-matchers.ts'],
        },
      },
      {
        test: {
          name: 'cdk',
          include: ['test/cdk/**/*.test.ts'],
          globalSetup: ['test/setup/cfn-lint.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/integration-services.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

/**
 * kafkajs, as every lagpilot process loads it: import kafkajs' values from here, never from
 * 'kafkajs' itself (test/unit/kafkajs-import.test.ts checks), so the fix below is in place before
 * a connection exists.
 *
 * kafkajs 2.2.4 (its last release) re-arms its request queue's throttle check after every
 * answer, even with nothing queued: `setTimeout(throttledUntil - Date.now())`, with
 * throttledUntil -1 unless the broker throttled. Node 24 warns once per process
 * (`TimeoutNegativeWarning: -17… is a negative number`) and clamps the delay to 1 ms, so every
 * idle connection wakes its process about a thousand times a second. The check is needed only
 * while requests wait (throttled, or over maxInFlightRequests): it is scheduled then, never
 * with a negative delay.
 */

import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

/** kafkajs' own retry interval for queued requests that are not throttled. */
const CHECK_PENDING_MS = 10;

RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
  this: InstanceType<typeof RequestQueue>,
) {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const throttled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttled > 0 ? throttled : CHECK_PENDING_MS,
  );
};

export * from 'kafkajs';

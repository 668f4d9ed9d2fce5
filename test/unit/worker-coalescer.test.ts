import { describe, expect, it } from 'vitest';
import { type Admission, Coalescer } from '../../worker/src/coalescer.ts';

/** A send that holds each request until `release()`; `failAt` fails the n-th request. */
function gatedSend(failAt = -1) {
  const requests: number[][] = [];
  let release: () => void = () => {};
  const send = (items: number[]) => {
    requests.push(items);
    return new Promise<void>((resolve, reject) => {
      release = () => (requests.length - 1 === failAt ? reject(new Error('refused')) : resolve());
    });
  };
  return { requests, send, release: () => release() };
}

/** A send whose requests each wait for their own `answer`. */
function answeredSend() {
  const requests: Array<{ items: number[]; answer: (err?: Error) => void }> = [];
  const send = (items: number[]) =>
    new Promise<void>((resolve, reject) => {
      requests.push({ items, answer: (err) => (err ? reject(err) : resolve()) });
    });
  return { requests, send };
}

/** At most `max` summed item values per request. */
const atMost = (max: number) => (): Admission<number> => {
  let used = 0;
  return (n) => {
    if (used > 0 && used + n > max) return false;
    used += n;
    return true;
  };
};

const tick = () => new Promise((r) => setImmediate(r));

describe('coalescer', () => {
  it('merges what queued while a request was in flight into one request, in push order', async () => {
    const s = gatedSend();
    const c = new Coalescer(s.send);
    const a = c.push([1, 2]);
    const b = c.push([3]);
    const d = c.push([4, 5]);
    await tick();
    s.release();
    await a;
    await tick();
    s.release();
    await Promise.all([b, d]);
    expect(s.requests).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('splits callers over requests the admission allows, in order, resolving each after its last item', async () => {
    const s = gatedSend();
    const c = new Coalescer(s.send, { admission: atMost(10) });
    const resolved: string[] = [];
    const a = c.push([4, 4, 4]).then(() => resolved.push('a'));
    const b = c.push([3, 20, 1]).then(() => resolved.push('b'));
    for (let i = 0; i < 4; i++) {
      await tick();
      s.release();
    }
    await Promise.all([a, b]);
    // [4, 4] fill the first; 20 alone exceeds the bound but goes alone (a request takes at least one).
    expect(s.requests).toEqual([[4, 4], [4, 3], [20], [1]]);
    expect(resolved).toEqual(['a', 'b']);
  });

  it('fails a caller whose items were partly sent and sends none of its rest; later callers go on', async () => {
    const s = gatedSend(1);
    const c = new Coalescer(s.send, { admission: atMost(5) });
    const a = c.push([5, 5, 5]);
    const b = c.push([1]);
    const outcomes = Promise.allSettled([a, b]);
    for (let i = 0; i < 3; i++) {
      await tick();
      s.release();
    }
    const [ra, rb] = await outcomes;
    expect(ra.status).toBe('rejected');
    expect(rb.status).toBe('fulfilled');
    expect(s.requests).toEqual([[5], [5], [1]]);
  });

  it('with stopOnFailure, fails what queued behind a failed request, and every later push, unsent', async () => {
    const { requests, send } = answeredSend();
    const c = new Coalescer(send, { stopOnFailure: true });
    const a = c.push([1]);
    await tick();
    const b = c.push([2]);
    requests[0]!.answer(new Error('timed out'));
    const results = await Promise.allSettled([a, b, c.push([3])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(requests.map((r) => r.items)).toEqual([[1]]);
  });

  it('without it, sends what queued behind a failed request', async () => {
    const { requests, send } = answeredSend();
    const c = new Coalescer(send);
    const a = c.push([1]);
    await tick();
    const b = c.push([2]);
    const settled = Promise.allSettled([a, b]);
    requests[0]!.answer(new Error('refused'));
    await tick();
    requests[1]!.answer();
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(requests.map((r) => r.items)).toEqual([[1], [2]]);
  });

  it('keeps one request in flight: the next is built only after the previous answered', async () => {
    const { requests, send } = answeredSend();
    const c = new Coalescer(send, { admission: atMost(5) });
    let aDone = false;
    const a = c.push([5, 5]).then(() => {
      aDone = true;
    });
    const b = c.push([1]);
    await tick();
    expect(requests.map((r) => r.items)).toEqual([[5]]);
    requests[0]!.answer();
    await tick();
    expect(aDone).toBe(false);
    expect(requests.map((r) => r.items)).toEqual([[5], [5]]);
    requests[1]!.answer();
    await tick();
    expect(requests.map((r) => r.items)).toEqual([[5], [5], [1]]);
    requests[2]!.answer();
    await Promise.all([a, b]);
    expect(aDone).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { PixelBudget } from '../../src/hash/pixel-budget.js';

/** Resolves once the microtask queue has drained (granted reservations have resumed). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('PixelBudget', () => {
  it('lets reservations that fit through at once', async () => {
    const b = new PixelBudget(100);
    const r1 = await b.reserve(40);
    const r2 = await b.reserve(60);
    expect(b.held).toBe(100);
    r1();
    r2();
    expect(b.held).toBe(0);
  });

  it('makes one that does not fit wait until enough is given back', async () => {
    const b = new PixelBudget(100);
    const first = await b.reserve(70);
    let granted = false;
    const second = b.reserve(50).then((release) => {
      granted = true;
      return release;
    });
    await settle();
    expect(granted).toBe(false);
    expect(b.waiting).toBe(1);
    first();
    const release = await second;
    expect(granted).toBe(true);
    expect(b.held).toBe(50);
    release();
    expect(b.held).toBe(0);
  });

  it('lets an image larger than the whole budget through when nothing else is held', async () => {
    const b = new PixelBudget(100);
    const small = await b.reserve(10);
    let huge = false;
    const pending = b.reserve(1000).then((r) => {
      huge = true;
      return r;
    });
    await settle();
    expect(huge).toBe(false);
    small();
    const release = await pending;
    expect(huge).toBe(true);
    expect(b.held).toBe(1000);
    release();
  });

  it('grants in arrival order: a small request does not overtake a waiting large one', async () => {
    const b = new PixelBudget(100);
    const order: string[] = [];
    const first = await b.reserve(80);
    const large = b.reserve(90).then((r) => (order.push('large'), r));
    const small = b.reserve(5).then((r) => (order.push('small'), r));
    await settle();
    expect(order).toEqual([]);
    first();
    const releaseLarge = await large;
    await settle();
    // 90 + 5 fit together, so the small one follows at once.
    expect(order).toEqual(['large', 'small']);
    releaseLarge();
    (await small)();
    expect(b.held).toBe(0);
    expect(b.waiting).toBe(0);
  });

  it('ignores a second release', async () => {
    const b = new PixelBudget(100);
    const r1 = await b.reserve(30);
    const r2 = await b.reserve(30);
    r1();
    r1();
    expect(b.held).toBe(30);
    r2();
    expect(b.held).toBe(0);
  });

  it('refuses a budget that is not positive', () => {
    expect(() => new PixelBudget(0)).toThrow(RangeError);
  });
});

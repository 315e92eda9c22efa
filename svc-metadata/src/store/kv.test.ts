import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys, prefixSuccessor } from './kv.js';

/** The definition, code point by code point over the whole string. */
function reference(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return points.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
  }
  return undefined;
}

describe('prefixSuccessor', () => {
  const cases = [
    '',
    'a',
    'd042/',
    'a\u{10ffff}',
    '\u{10ffff}\u{10ffff}',
    'x\ud7ff',
    'é',
    '😀',
    'a😀',
    'a\u{10ffff}😀\u{10ffff}',
    'k\uffff',
    '\u{fffff}\u{10ffff}',
  ];
  for (const prefix of cases) {
    it(`matches the code-point definition for ${JSON.stringify(prefix)}`, () => {
      assert.equal(prefixSuccessor(prefix), reference(prefix));
    });
  }

  it('is greater than every key with the prefix and no greater than the next key without it', () => {
    for (const prefix of cases.filter((p) => reference(p) !== undefined)) {
      const next = prefixSuccessor(prefix)!;
      for (const tail of ['', '\0', 'z', '\uffff', '\u{10ffff}\u{10ffff}'])
        assert.ok(compareKeys(prefix + tail, next) < 0, `${prefix}${tail}`);
    }
  });

  it('is undefined when the prefix is made of U+10FFFF only', () => {
    assert.equal(prefixSuccessor('\u{10ffff}'), undefined);
  });
});

describe('compareKeys', () => {
  it('orders as the UTF-8 bytes do, surrogate pairs and U+E000–U+FFFF included', () => {
    const alphabet = ['a', 'z', '\0', '/', 'é', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '😀', '\u{10000}', '\u{10ffff}'];
    let seed = 7;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const word = (): string => Array.from({ length: random(5) }, () => alphabet[random(alphabet.length)]).join('');
    for (let i = 0; i < 5000; i++) {
      const a = word();
      const b = random(4) === 0 ? a : random(2) === 0 ? a + word() : word();
      const expected = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
      assert.equal(Math.sign(compareKeys(a, b)), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  });
});

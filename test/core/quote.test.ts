import { goQuote } from '../../lib/core/validation/quote';

describe('goQuote (Go %q)', () => {
  test.each([
    ['abc', '"abc"'],
    ['', '""'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x01\x7f', '"\\x01\\x7f"'],
    ['é日本😀', '"é日本😀"'],
    ['\u00a0\u200b', '"\\u00a0\\u200b"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['\ud800', '"\ufffd"'],
  ])('%j', (input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });
});

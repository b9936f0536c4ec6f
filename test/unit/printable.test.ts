import { printable, quotable } from '../../src/printable';
import { tabbed } from '../../src/cli/printable';

describe('printable', () => {
  test.each([
    ['plain text', 'plain text'],
    ['Ünïcödé 漢字 🎉 and “quotes” stay', 'Ünïcödé 漢字 🎉 and “quotes” stay'],
    ['\x1b[2J\x1b[Hcleared', '\\x1B[2J\\x1B[Hcleared'], // clear screen, cursor home
    ['\x1b]0;pwned\x07title', '\\x1B]0;pwned\\x07title'], // terminal title (OSC ... BEL)
    ['line one\nline two\r\n', 'line one\\x0Aline two\\x0D\\x0A'],
    ['tab\there', 'tab\\x09here'],
    ['nul\x00del\x7f', 'nul\\x00del\\x7F'],
    ['c1 \x9b31m csi', 'c1 \\x9B31m csi'], // the one-byte CSI
    ['\u0085next line', '\\x85next line'],
    ['abc\u202edcba', 'abc\\u202Edcba'], // right-to-left override
    ['\u202a\u202b\u202c\u202d', '\\u202A\\u202B\\u202C\\u202D'],
    ['\u2066isolated\u2069 \u2067\u2068', '\\u2066isolated\\u2069 \\u2067\\u2068'],
    ['\u200fRLM and \u200bZWSP are not controls', '\u200fRLM and \u200bZWSP are not controls'],
    ['unpaired \ud800 and \udfff, paired 🚀', 'unpaired \\uD800 and \\uDFFF, paired 🚀'],
  ])('%j → %j', (text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  test('what it returns has no control or bidi override character left', () => {
    const every = Array.from({ length: 0x2070 }, (_, code) => String.fromCodePoint(code)).join('');
    expect(printable(every)).not.toMatch(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u);
  });
});

describe('quotable', () => {
  test.each([
    ['short', 5, 'short'],
    ['longer text', 6, 'longer… (11 characters)'],
    ['\x1b'.repeat(3) + 'x', 2, '\\x1B\\x1B… (4 characters)'],
  ])('%j at most %d characters → %j', (text, max, shown) => {
    expect(quotable(text, max)).toBe(shown);
  });
});

describe('tabbed', () => {
  test('joins fields with tabs, a tab or newline inside a field made visible', () => {
    expect(tabbed(['acme', 'failed', 'error: a\tb\nc'])).toBe('acme\tfailed\terror: a\\x09b\\x0Ac');
  });
});

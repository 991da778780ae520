// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import { goQuote } from '../../lib/core/validation/quote';
import { parseTemplate, renderTemplate, TemplateError, workspacePathPrefix } from '../../lib/core/template';

const prefix = (id: string) => `/p/${id}/`;

function parseError(raw: string): TemplateError {
  try {
    parseTemplate(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error(`expected ${raw} to be rejected`);
}

describe('workspacePathPrefix', () => {
  test('includes the port id segment (§1.5)', () => {
    expect(workspacePathPrefix('workspace-test', 'jupyterlab-workspace', 'jupyterlab')).toBe(
      '/workspace/workspace-test/jupyterlab-workspace/jupyterlab/',
    );
  });
});

describe('renderTemplate: accepted subset', () => {
  test.each([
    ['', ''],
    ['plain text', 'plain text'],
    ['{{ httpPathPrefix "jupyterlab" }}', '/p/jupyterlab/'],
    ['{{ httpPathPrefix "jupyterlab"   }}', '/p/jupyterlab/'],
    ['{{httpPathPrefix "a"}}', '/p/a/'],
    ['{{\thttpPathPrefix\n"a"\r\n}}', '/p/a/'],
    ['x={{ httpPathPrefix "a" }}lab?y={{ httpPathPrefix `b` }}', 'x=/p/a/lab?y=/p/b/'],
    ['{{ "lit" }}', 'lit'],
    ['{{ "a\\tb\\n\\\\\\"\\x41\\101\\u00e9\\U0001F600" }}', 'a\tb\n\\"AAé😀'],
    ['{{ `raw \\n "x"` }}', 'raw \\n "x"'],
    ['{{ `a\r\nb` }}', 'a\nb'],
    ['a  \n {{- httpPathPrefix "x" -}} \n b', 'a/p/x/b'],
    ['a {{- "x" }} b', 'ax b'],
    ['lone }} and { braces', 'lone }} and { braces'],
    ['{{ "}}" }}', '}}'],
  ])('%j renders to %j', (raw, expected) => {
    expect(renderTemplate(raw, prefix)).toBe(expected);
  });

  test('the function is called with the literal argument', () => {
    const seen: string[] = [];
    renderTemplate('{{ httpPathPrefix "one" }}{{ httpPathPrefix "two" }}', (id) => {
      seen.push(id);
      return '';
    });
    expect(seen).toEqual(['one', 'two']);
  });

  test('parse results are reused (same object from the cache)', () => {
    expect(parseTemplate('{{ httpPathPrefix "cached" }}')).toBe(parseTemplate('{{ httpPathPrefix "cached" }}'));
  });

  test('the cache is bounded and still correct after eviction', () => {
    const first = parseTemplate('{{ "evict-me" }}');
    for (let i = 0; i < 600; i++) {
      parseTemplate(`{{ "filler-${i}" }}`);
    }
    const again = parseTemplate('{{ "evict-me" }}');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});

describe('parseTemplate: rejected', () => {
  test('missing closing brace (K14/U28) has the upstream message shape', () => {
    const raw = '{{ httpPathPrefix "jupyterlab" }';
    const err = parseError(raw);
    expect(err.phase).toBe('parse');
    expect(err.message).toBe(`failed to parse template "{{ httpPathPrefix \\"jupyterlab\\" }": unexpected "}" in operand`);
    expect(err.message).toContain('failed to parse template "{{ httpPathPrefix \\"jupyterlab\\" }"');
  });

  test.each([
    ['{{ httpPathPrefix "a" ', 'unclosed action'],
    ['{{', 'unclosed action'],
    ['{{}}', 'missing value for command'],
    ['{{ -}}', 'missing value for command'],
    ['{{ httpPathPrefix "a }}', 'unterminated quoted string'],
    ['{{ httpPathPrefix "a\nb" }}', 'unterminated quoted string'],
    ['{{ `abc }}', 'unterminated raw quoted string'],
    ['{{ "\\q" }}', 'unknown escape sequence \\q'],
    ['{{ "\\\'" }}', "unknown escape sequence \\'"],
    ['{{ "\\x4" }}', 'invalid escape sequence \\x4 in'],
    ['{{ "\\xff" }}', 'non-ASCII byte escape \\xff'],
    ['{{ "\\377" }}', 'non-ASCII byte escape \\377'],
    ['{{ "\\ud800" }}', 'invalid Unicode code point \\ud800'],
    ['{{ "\\U00110000" }}', 'invalid Unicode code point \\U00110000'],
    ['{{ nope "a" }}', 'function "nope" not defined'],
    ['{{ printf "%s" "a" }}', 'unsupported function "printf"'],
    ['{{ if true }}x{{ end }}', 'unsupported keyword "if"'],
    ['{{ .Name }}', 'unsupported field or variable ".Name"'],
    ['{{ $x := "a" }}', 'unsupported field or variable "$x"'],
    ['{{ httpPathPrefix "a" | printf "%s" }}', 'unsupported pipeline "|"'],
    ['{{ (httpPathPrefix "a") }}', 'unsupported parenthesized expression "("'],
    ['{{ 42 }}', 'unsupported number "42"'],
    ['{{-3}}', 'unsupported number "-3"'],
    ["{{ 'a' }}", `unsupported character constant "'a'"`],
    ['{{ httpPathPrefix x }}', 'unsupported argument "x" to httpPathPrefix'],
    ['{{ "a" "b" }}', 'unsupported arguments after string literal "a"'],
    ['{{/* note */}}', 'unsupported comment'],
    ['{{ httpPathPrefix "a" ; }}', 'unexpected ";" in operand'],
  ])('%j fails with %j', (raw, reason) => {
    const err = parseError(raw);
    expect(err.reason).toContain(reason);
    expect(err.message).toBe(`failed to parse template ${goQuote(raw)}: ${err.reason}`);
  });

  test('parse errors are also thrown by renderTemplate and repeatedly (cached)', () => {
    expect(() => renderTemplate('{{ bad', prefix)).toThrow('failed to parse template "{{ bad": unclosed action');
    expect(() => renderTemplate('{{ bad', prefix)).toThrow(TemplateError);
  });

  test('control characters in the raw value are Go-quoted in the message', () => {
    expect(parseError('{{ x\x01').message).toBe('failed to parse template "{{ x\\x01": unexpected "\\x01" in operand');
    expect(parseError('\n{{').message).toBe('failed to parse template "\\n{{": unclosed action');
  });
});

describe('renderTemplate: execution errors', () => {
  test.each([
    ['{{ httpPathPrefix }}', 'wrong number of args for httpPathPrefix: want 1 got 0'],
    ['{{ httpPathPrefix "a" "b" }}', 'wrong number of args for httpPathPrefix: want 1 got 2'],
  ])('%j parses but fails to execute', (raw, reason) => {
    expect(() => parseTemplate(raw)).not.toThrow();
    expect(() => renderTemplate(raw, prefix)).toThrow(`failed to execute template ${JSON.stringify(raw)}: ${reason}`);
  });

  test('an exception of the function becomes an execution error', () => {
    expect(() =>
      renderTemplate('{{ httpPathPrefix "a" }}', () => {
        throw new Error('boom');
      }),
    ).toThrow('failed to execute template "{{ httpPathPrefix \\"a\\" }}": error calling httpPathPrefix: boom');
  });
});

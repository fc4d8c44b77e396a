import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixText } from '../../../src/fix/fix.js';
import { fromPlanText, toPlanText } from '../../../src/fix/line-endings.js';

// An install that reads only package.json after the whole source: late-source-copy moves it.
const LINES = ['FROM bb', 'WORKDIR /app', 'COPY . .', 'RUN cat package.json > /deps'];
const FIXED = ['FROM bb', 'WORKDIR /app', 'COPY package.json /app/package.json', 'RUN cat package.json > /deps', 'COPY . .'];

test('a CRLF file stays CRLF through a fix: the lines it writes end in CRLF too', () => {
  const r = fixText(LINES.join('\r\n') + '\r\n', 'Dockerfile', undefined);
  assert.equal(r.fixed, FIXED.join('\r\n') + '\r\n');
  assert.equal(fixText(r.fixed, 'Dockerfile', undefined).fixed, r.fixed, 'a second fix changes nothing');
});

test('a BOM stays first, and an LF file is untouched by the style mapping', () => {
  const bom = fixText('\ufeff' + LINES.join('\n') + '\n', 'Dockerfile', undefined);
  assert.equal(bom.fixed, '\ufeff' + FIXED.join('\n') + '\n');
  const both = fixText('\ufeff' + LINES.join('\r\n'), 'Dockerfile', undefined);
  assert.ok(both.fixed.startsWith('\ufeffFROM bb\r\n'));
  assert.equal(both.fixed.indexOf('\ufeff', 1), -1, 'one BOM, first');
  assert.ok(!/[^\r]\n/.test(both.fixed), 'every line ends in CRLF');
});

test('a file with mixed endings keeps each untouched line\'s own ending; new lines get the common one', () => {
  // Two CRLF lines, one LF line: new lines get CRLF, the LF line keeps LF.
  const text = 'FROM bb\r\nWORKDIR /app\nCOPY . .\r\nRUN cat package.json > /deps\r\n';
  const r = fixText(text, 'Dockerfile', undefined);
  assert.equal(r.fixed, 'FROM bb\r\nWORKDIR /app\nCOPY package.json /app/package.json\r\nRUN cat package.json > /deps\r\nCOPY . .\r\n');
});

test('the plan text maps back to the original byte for byte when nothing changed', () => {
  for (const text of ['a\r\nb\r\n', 'a\nb', '\ufeffa\r\nb\nc', 'a\r\r\nb\r\n', '', '\ufeff', 'x\r\n\r\n\ny']) {
    const { style, plan } = toPlanText(text);
    assert.ok(!plan.startsWith('\ufeff'), JSON.stringify(text));
    assert.equal(fromPlanText(style, plan, plan), text, JSON.stringify(text));
  }
});

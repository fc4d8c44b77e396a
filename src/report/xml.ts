/** XML text for the reporters that write XML (checkstyle, junit): escaping only, no DOM. */

/** Characters XML 1.0 cannot hold at all, even escaped: dropped. */
const NOT_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; line breaks and tabs are character references, so a parser's attribute normalization keeps them. */
export function xmlAttr(s: string | number): string {
  return xmlText(String(s)).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** `<name a="1" b="2"` from the attributes given (undefined ones left out). */
export function xmlOpen(name: string, attrs: Record<string, string | number | undefined>): string {
  const parts = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${xmlAttr(v!)}"`);
  return `<${name}${parts.join('')}`;
}

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>';

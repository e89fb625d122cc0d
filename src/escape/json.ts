/**
 * JSON is safe by construction (JSON.stringify quotes every value), and exact: a consumer
 * gets each value back unchanged. What JSON leaves raw inside strings (DEL, C1 controls, bidi
 * controls, line separators) is still written as `\uXXXX`, and a `##[` as `##\u005b`, because
 * JSON lands on terminals and in CI logs too, where those would be acted on. Both are valid JSON
 * escapes, so the parsed values are the same.
 */

const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|##\[/g;

function unicodeEscape(match: string): string {
  if (match === "##[") return "##\\u005b";
  return `\\u${match.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Already-serialised JSON made safe to print. Outside strings JSON is plain ASCII without `#`,
 * so everything this replaces is inside a string, where the escape means the same character.
 */
export function safeJsonText(json: string): string {
  return json.replace(RAW_IN_JSON, unicodeEscape);
}

/** JSON.stringify for output: the same document, printable anywhere. */
export function toJson(value: unknown, indent?: number): string {
  return safeJsonText(JSON.stringify(value, null, indent));
}

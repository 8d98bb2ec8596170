// Values from a file, quoted for an error message and cut short, so a hostile name or shape of megabytes
// still gives a one-line message.

export function quoted(value: unknown, max = 120): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

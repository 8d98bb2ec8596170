// Key lists in error messages, cut short: a hostile checkpoint with a million keys still gives a
// message of a few lines, not megabytes.

const MAX_LISTED = 50;
const MAX_KEY_CHARS = 200;

/** At most 50 entries (each at most 200 characters), then how many more there are. */
export function firstFew(items: readonly string[]): string[] {
  const cut = (s: string) => (s.length > MAX_KEY_CHARS ? `${s.slice(0, MAX_KEY_CHARS)}…` : s);
  const shown = items.slice(0, MAX_LISTED).map(cut);
  return items.length > MAX_LISTED ? [...shown, `… and ${items.length - MAX_LISTED} more`] : shown;
}

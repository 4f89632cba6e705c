/**
 * Compiles a key pattern to a matcher: `*` matches any run of characters (including `/`),
 * everything else matches itself. A pattern without `*` is a plain equality test.
 *
 * @example
 * keyMatcher("raw/*")("raw/orders/2024") // true
 * keyMatcher("*orders")("mart/orders")   // true
 */
export function keyMatcher(pattern: string): (key: string) => boolean {
  if (!pattern.includes("*")) return (key) => key === pattern;
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  const re = new RegExp(`^${source}$`, "s");
  return (key) => re.test(key);
}

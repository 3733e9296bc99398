/**
 * The commands' words for a display filter (--filter) that matched nothing:
 * one note on stderr, as bt graph, bt export, bt view and bt dump say it.
 */

/** --filter EXPR as the user would type it again on a shell line. */
export function filterOption(source: string): string {
  return `--filter '${source.replace(/'/g, `'\\''`)}'`;
}

/**
 * The note of a command whose display filter `source` matched nothing;
 * `outcome`: what the command made of it ("the export is empty"); `also`:
 * the other selections given with it ("--pid 12").
 */
export function nothingMatches(source: string, outcome: string, also: readonly string[] = []): string {
  return `nothing matches ${[filterOption(source), ...also].join(' and ')}: ${outcome}`;
}

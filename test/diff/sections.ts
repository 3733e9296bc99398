/** Reading bt diff's text in tests. */

/** The lines of one section of bt diff's text (its title line first), up to the blank line; [] when absent. */
export function sectionOf(text: string, title: string): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${title} (`));
  if (i < 0) return [];
  const j = lines.indexOf('', i);
  return lines.slice(i, j < 0 ? undefined : j);
}

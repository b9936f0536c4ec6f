/** The values of the samples of `name` in the Prometheus text format that carry all of `labels`. */
export function samples(text: string, name: string, labels: Record<string, string>): number[] {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text.split('\n').flatMap((line) => {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) return [];
    const present = match[2]!.split(',');
    return wanted.every((label) => present.includes(label)) ? [Number(match[3])] : [];
  });
}

/** The value of one sample, 0 when absent. */
export const sample = (text: string, name: string, labels: Record<string, string>): number => samples(text, name, labels)[0] ?? 0;

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config';

/** One `FROM ... AS name` stage of the Dockerfile: its base and its instructions (comments dropped). */
export interface Stage {
  name: string;
  from: string;
  lines: string[];
}

/** The Dockerfile's stages in order; continuation lines joined, so each instruction is one line. */
export function dockerfileStages(text = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8')): Stage[] {
  const instructions = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) stages.push({ name: from[2] ?? String(stages.length), from: from[1]!, lines: [] });
    else stages.at(-1)!.lines.push(line);
  }
  return stages;
}

/** What a stage runs with, its bases' instructions first (`FROM runtime AS dev` inherits runtime's). */
export function stageInstructions(stages: Stage[], name: string): string[] {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name} in the Dockerfile`);
  const base = stages.find((s) => s.name === stage.from);
  return [...(base ? stageInstructions(stages, base.name) : []), ...stage.lines];
}

/** The `COPY --from=build /app/<from> ./<to>` lines of a stage and its bases. */
export const copiesFromBuild = (instructions: string[]) =>
  instructions.flatMap((line) => {
    const match = /^COPY --from=build \/app\/(\S+) \.\/(\S+)$/.exec(line);
    return match ? [{ from: match[1]!, to: match[2]! }] : [];
  });

import type { Static } from '@sinclair/typebox';
import type { ConfigApplyResult } from '../http/schemas/config.js';
import { cell } from './output.js';

export type ApplyAnswer = Static<typeof ConfigApplyResult>;
type Change = ApplyAnswer['changes'][number];

/** How a plan is shown: colours (a terminal that wants them), unchanged objects listed or only counted. */
export interface PlanStyle {
  readonly color: boolean;
  readonly verbose: boolean;
}

/** Colours only on a terminal, and never when NO_COLOR is set to something (https://no-color.org). */
export const wantsColor = (stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv) => stream.isTTY === true && !env.NO_COLOR;

/** The longest value shown in full in an update; longer ones are cut, with `…`. */
const MAX_VALUE = 60;

const SIGNS = { create: '+', update: '~', delete: '-', unchanged: ' ' } as const;
/** ANSI SGR colours: green, yellow, red; unchanged objects dim. */
const COLORS = { create: '32', update: '33', delete: '31', unchanged: '2' } as const;

/** One value of a diff as JSON text (a missing value: `-`), shortened when long. */
export function shortValue(value: unknown): string {
  const text = value === undefined ? '-' : cell(JSON.stringify(value));
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** `client billing (tenant acme)`; a tenant is `tenant acme`. */
const subject = (change: Change) =>
  change.kind === 'tenant' ? `tenant ${cell(change.key)}` : `${change.kind} ${cell(change.key)} (tenant ${cell(change.tenant)})`;

/** The lines of one change: its sign, kind and key; an update adds one `member: from → to` line per member that changes. */
function changeLines(change: Change, paint: (action: Change['action'], text: string) => string): string[] {
  const lines = [paint(change.action, `${SIGNS[change.action]} ${subject(change)}`)];
  if (change.action !== 'update') return lines;
  for (const member of change.fields ?? Object.keys(change.diff ?? {})) {
    const diff = change.diff?.[member];
    lines.push(diff === undefined ? `    ${member}` : `    ${member}: ${shortValue(diff.from)} → ${shortValue(diff.to)}`);
  }
  return lines;
}

/** How many objects each action concerns. */
export function counts(answer: Pick<ApplyAnswer, 'changes'>): Record<Change['action'], number> {
  const tally = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const change of answer.changes) tally[change.action] += 1;
  return tally;
}

/** True when a plan would change something. */
export const hasChanges = (answer: Pick<ApplyAnswer, 'changes'>) => answer.changes.some((c) => c.action !== 'unchanged');

/** The summary line: what a plan would do, or what an apply did. */
export function summary(answer: ApplyAnswer): string {
  const n = counts(answer);
  if (!hasChanges(answer)) return `No changes: ${n.unchanged} unchanged.`;
  return answer.applied
    ? `Applied: ${n.create} created, ${n.update} updated, ${n.delete} deleted, ${n.unchanged} unchanged.`
    : `Plan: ${n.create} to create, ${n.update} to update, ${n.delete} to delete, ${n.unchanged} unchanged.`;
}

/** A plan or an apply for people: one line per created (+), updated (~) or deleted (-) object, then the summary. */
export function renderPlan(answer: ApplyAnswer, style: PlanStyle): string {
  const paint = (action: Change['action'], text: string) => (style.color ? `\u001b[${COLORS[action]}m${text}\u001b[0m` : text);
  const shown = answer.changes.filter((c) => style.verbose || c.action !== 'unchanged');
  const lines = shown.flatMap((c) => changeLines(c, paint));
  return [...lines, ...(lines.length > 0 ? [''] : []), summary(answer)].join('\n') + '\n';
}

/** The secrets of the clients an apply created, for people: one `tenant  client_id  secret` line each. */
export function renderSecrets(secrets: ApplyAnswer['secrets']): string {
  const lines = secrets.map((s) => `  ${cell(s.tenant)}  ${cell(s.client_id)}  ${s.client_secret}`);
  return `\nSecrets of the clients created (tenant, client_id, client_secret), shown this once:\n${lines.join('\n')}\n`;
}

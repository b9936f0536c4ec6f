import { createHash } from 'node:crypto';
import type { CampaignVersion, IntervalPerformance, PerformanceInterval } from '../db/campaign-history';
import { printable } from '../printable';

// `campaign-sync report`: a client's (or one campaign's) performance per hour or day, as a table
// and a chart in the terminal, as CSV, or as a self-contained HTML page. Pure: the CLI reads the
// rows (src/db/campaign-history.ts) and writes what these return.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const INTERVAL_MS: Record<PerformanceInterval, number> = { hour: HOUR_MS, day: DAY_MS };
/** The longest report of each interval: a month of hours (744 rows), ten years of days. */
const MAX_INTERVALS: Record<PerformanceInterval, number> = { hour: 31 * 24, day: 3660 };
/** The terminal chart's width, at most: more intervals are summed into each column. */
const CHART_COLUMNS = 72;
const SPARKS = '▁▂▃▄▅▆▇█';

export interface Report {
  clientId: string;
  campaignId?: string;
  /** The client's campaigns (all of them, removed ones too). */
  campaigns: number;
  interval: PerformanceInterval;
  from: Date;
  to: Date;
  rows: IntervalPerformance[];
  /** One campaign's attribute versions in force during the report (none for a whole client). */
  versions: CampaignVersion[];
}

/**
 * Where `--since` starts the report: a duration back from `now` (`7d`, `24h`) or a UTC date or
 * time (`2026-11-26`, `2026-11-26T08:00Z`). Throws one line that says what to type.
 */
export function reportStart(since: string, now: Date): Date {
  const duration = /^(\d{1,5})([hd])$/.exec(since);
  const start = duration
    ? new Date(now.getTime() - Number(duration[1]) * (duration[2] === 'h' ? HOUR_MS : DAY_MS))
    : /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(since)
      ? new Date(/[T ]/.test(since) && !/(Z|[+-]\d{2}:?\d{2})$/.test(since) ? `${since}Z` : since)
      : undefined;
  if (!start || Number.isNaN(start.getTime()))
    throw new Error(`--since must be a duration like 7d or 24h, or a UTC date like 2026-11-26 (got "${printable(since)}")`);
  if (start >= now) throw new Error(`--since ${printable(since)} is not in the past`);
  return start;
}

/** Why a report of [from, to) by `interval` is refused (too many rows), or undefined. */
export function spanRefusal(from: Date, to: Date, interval: PerformanceInterval): string | undefined {
  const intervals = Math.ceil((to.getTime() - from.getTime()) / INTERVAL_MS[interval]);
  if (intervals <= MAX_INTERVALS[interval]) return undefined;
  return interval === 'hour'
    ? `--by hour covers at most 31 days (${intervals} hours asked): use --by day, or a later --since`
    : `--by day covers at most ${MAX_INTERVALS.day} days (${intervals} asked): use a later --since`;
}

/** The start of every interval the report spans, from the one holding `from` to the one before `to`. */
export function intervalStarts(from: Date, to: Date, interval: PerformanceInterval): Date[] {
  const step = INTERVAL_MS[interval];
  const starts: Date[] = [];
  for (let t = Math.floor(from.getTime() / step) * step; t < to.getTime(); t += step) starts.push(new Date(t));
  return starts;
}

/** `values` in at most `width` columns, each the sum of consecutive ones (absent where all of them are). */
export function squeeze(values: (number | undefined)[], width: number): (number | undefined)[] {
  const group = Math.max(1, Math.ceil(values.length / width));
  const columns: (number | undefined)[] = [];
  for (let i = 0; i < values.length; i += group) {
    const part = values.slice(i, i + group).filter((v): v is number => v !== undefined);
    columns.push(part.length === 0 ? undefined : part.reduce((a, b) => a + b, 0));
  }
  return columns;
}

/** One block per value, from ▁ (zero) to █ (the largest); a space where there is no value. */
export function sparkline(values: (number | undefined)[]): string {
  const max = Math.max(0, ...values.filter((v): v is number => v !== undefined));
  return values
    .map((v) =>
      v === undefined ? ' ' : SPARKS[max === 0 ? 0 : Math.min(SPARKS.length - 1, Math.floor((v / max) * (SPARKS.length - 1) + 0.5))],
    )
    .join('');
}

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const COUNTERS = ['impressions', 'clicks', 'conversions'] as const;

/** An interval's label: `2026-12-01` by day, `2026-12-01 13:00` by hour (UTC). */
export function intervalLabel(start: Date, interval: PerformanceInterval): string {
  const iso = start.toISOString();
  return interval === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

const clickThrough = (r: IntervalPerformance) => (r.impressions > 0 ? `${((100 * r.clicks) / r.impressions).toFixed(2)}%` : '—');

/** What the marks of an interval say: * estimated, ! reset, + first seen. */
function marks(r: IntervalPerformance): string {
  return [r.estimated ? '*' : '', r.resets > 0 ? '!' : '', r.firstSeen > 0 ? `+${r.firstSeen}` : ''].join('');
}

function title(report: Report): string {
  const what = report.campaignId ? `campaign ${printable(report.campaignId)}` : `all ${report.campaigns} campaigns`;
  return `${report.clientId}, ${what}, by ${report.interval} from ${intervalLabel(report.from, 'hour')} to ${intervalLabel(report.to, 'hour')} UTC`;
}

/** The versions as changes: the first in force, then what each change changed. */
export function changeLines(versions: CampaignVersion[]): string[] {
  return versions.map((v, i) => {
    const at = `${intervalLabel(v.validFrom, 'hour')}`;
    const before = versions[i - 1];
    if (!v.listed) return `${at}  no longer listed by the platform`;
    if (!before) return `${at}  ${printable(v.status)}, budget ${v.budget}, named "${printable(v.name)}"`;
    const changed = [
      before.listed ? '' : 'listed again',
      before.name !== v.name ? `named "${printable(before.name)}" → "${printable(v.name)}"` : '',
      before.status !== v.status ? `${printable(before.status)} → ${printable(v.status)}` : '',
      before.budget !== v.budget ? `budget ${before.budget} → ${v.budget}` : '',
    ].filter(Boolean);
    return `${at}  ${changed.length > 0 ? changed.join(', ') : 'another field of the record changed'}`;
  });
}

/** The terminal report: title, a table of the intervals with data, a chart per counter, the changes. */
export function reportLines(report: Report): string[] {
  const lines = [title(report)];
  if (report.rows.length === 0) return [...lines, 'no listings in this range: nothing to report'];
  const header = ['interval', ...COUNTERS, 'CTR', ''];
  const table = report.rows.map((r) => [
    intervalLabel(r.intervalStart, report.interval),
    ...COUNTERS.map((c) => COUNT.format(r[c])),
    clickThrough(r),
    marks(r),
  ]);
  const total = (c: (typeof COUNTERS)[number]) => report.rows.reduce((sum, r) => sum + r[c], 0);
  const totals = ['total', ...COUNTERS.map((c) => COUNT.format(total(c))), '', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...[...table, totals].map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 || i === row.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  lines.push(line(header), ...table.map(line), line(totals));
  if (report.rows.some((r) => marks(r) !== ''))
    lines.push('* a missed sync, spread evenly over its time   ! a counter went down (a reset)   +N campaigns first seen');
  const byStart = new Map(report.rows.map((r) => [r.intervalStart.getTime(), r]));
  const starts = intervalStarts(report.from, report.to, report.interval);
  lines.push('');
  for (const c of COUNTERS) {
    const values = squeeze(
      starts.map((s) => byStart.get(s.getTime())?.[c]),
      CHART_COLUMNS,
    );
    lines.push(
      `${c.padEnd(11)}  ${sparkline(values)}  peak ${COUNT.format(Math.max(0, ...values.filter((v): v is number => v !== undefined)))}`,
    );
  }
  if (report.versions.length > 0) lines.push('', 'attributes:', ...changeLines(report.versions).map((l) => `  ${l}`));
  return lines;
}

const CSV_HEADER = 'interval_start,impressions,clicks,conversions,resets,estimated,first_seen';

/** The intervals as CSV for a spreadsheet (times in ISO 8601 UTC; no field needs quoting). */
export function reportCsv(report: Report): string {
  return [
    CSV_HEADER,
    ...report.rows.map((r) =>
      [r.intervalStart.toISOString(), r.impressions, r.clicks, r.conversions, r.resets, r.estimated, r.firstSeen].join(','),
    ),
  ]
    .map((l) => `${l}\n`)
    .join('');
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON that cannot end the <script> element it sits in. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

const PAGE_STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#1d2430}h1{font-size:18px}
table{border-collapse:collapse;margin:16px 0}td,th{padding:3px 10px;border-bottom:1px solid #dde}td.n{text-align:right}
#chart{max-width:1100px;height:420px}.note{color:#667}`;

const CHART_SCRIPT = `const d=JSON.parse(document.getElementById('report-data').textContent);
const ds=(label,key,axis,color)=>({label,data:d.rows.map(r=>r[key]),yAxisID:axis,borderColor:color,backgroundColor:color,spanGaps:false,pointRadius:2});
new Chart(document.getElementById('chart'),{type:'line',data:{labels:d.labels,datasets:[ds('impressions','impressions','y','#3867d6'),
ds('clicks','clicks','y1','#20bf6b'),ds('conversions','conversions','y1','#eb3b5a')]},
options:{animation:false,responsive:true,maintainAspectRatio:false,interaction:{mode:'index',intersect:false},
scales:{y:{beginAtZero:true,position:'left',title:{display:true,text:'impressions'}},y1:{beginAtZero:true,position:'right',grid:{drawOnChartArea:false},title:{display:true,text:'clicks, conversions'}}}}});
document.body.dataset.chart='drawn';`;

/**
 * A self-contained page: the table, a line chart (Chart.js, `chartLibrary` inlined) and the
 * attribute changes. It loads nothing: the Content-Security-Policy allows only its own two
 * scripts and style, by hash. Text from the platform is escaped; the data sits in a JSON script
 * element that cannot be closed from inside.
 */
export function reportHtml(report: Report, chartLibrary: string): string {
  const byStart = new Map(report.rows.map((r) => [r.intervalStart.getTime(), r]));
  const starts = intervalStarts(report.from, report.to, report.interval);
  const data = {
    labels: starts.map((s) => intervalLabel(s, report.interval)),
    rows: starts.map((s) => {
      const r = byStart.get(s.getTime());
      return { impressions: r?.impressions ?? null, clicks: r?.clicks ?? null, conversions: r?.conversions ?? null };
    }),
  };
  const csp = `default-src 'none'; script-src ${cspHash(chartLibrary)} ${cspHash(CHART_SCRIPT)}; style-src ${cspHash(PAGE_STYLE)}`;
  const rows = report.rows
    .map(
      (r) =>
        `<tr><td>${intervalLabel(r.intervalStart, report.interval)}</td>${COUNTERS.map((c) => `<td class="n">${COUNT.format(r[c])}</td>`).join('')}` +
        `<td class="n">${clickThrough(r)}</td><td>${escapeHtml(marks(r))}</td></tr>`,
    )
    .join('\n');
  const changes = report.versions.length
    ? `<h2>Attributes</h2><ul>${changeLines(report.versions)
        .map((l) => `<li>${escapeHtml(l)}</li>`)
        .join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${escapeHtml(title(report))}</title>
<style>${PAGE_STYLE}</style></head>
<body>
<h1>${escapeHtml(title(report))}</h1>
<div id="chart-box"><canvas id="chart"></canvas></div>
<table><thead><tr><th>interval</th>${COUNTERS.map((c) => `<th>${c}</th>`).join('')}<th>CTR</th><th></th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="note">* a missed sync, spread evenly over its time · ! a counter went down (a reset) · +N campaigns first seen</p>
${changes}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${chartLibrary}</script>
<script>${CHART_SCRIPT}</script>
</body></html>
`;
}

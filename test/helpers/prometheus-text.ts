/**
 * A small parser for Prometheus' text exposition format (0.0.4), enough to check what /metrics
 * says: `# HELP`/`# TYPE` lines and samples `name{label="value",…} value`, with escaped label
 * values. prom-client writes this format but does not read it.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

export function parsePrometheusText(text: string): ParsedMetrics {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(.*)$/.exec(line);
      if (m) (m[1] === 'TYPE' ? types : help).set(m[2]!, m[3]!);
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not a Prometheus sample: ${line}`);
    samples.push({ name: m[1]!, labels: parseLabels(m[3] ?? '', i + 1), value: parseValue(m[4]!, i + 1) });
  });
  for (const [name, type] of types) {
    if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) throw new Error(`metric ${name} has unknown type ${type}`);
  }
  return { types, help, samples };
}

function parseLabels(body: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
  let consumed = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    labels[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    consumed = re.lastIndex;
    if (consumed >= body.length) break;
  }
  if (consumed < body.trim().length) throw new Error(`line ${line}: cannot read labels {${body}}`);
  return labels;
}

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`line ${line}: value ${text} is not a number`);
  return n;
}

/** The value of one sample, 0 when absent (a counter that has not moved yet). */
export function sampleValue(parsed: ParsedMetrics, name: string, labels: Record<string, string> = {}): number {
  const s = parsed.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value ?? 0;
}

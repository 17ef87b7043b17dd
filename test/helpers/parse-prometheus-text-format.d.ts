// The package ships no types: the shape of what it returns (prom2json's), as far as the tests read it.
declare module "parse-prometheus-text-format" {
  type Labels = Record<string, string>;
  export type ParsedSample = { value?: string; labels?: Labels; buckets?: Record<string, string>; count?: string; sum?: string };
  export type ParsedFamily = { name: string; help: string; type: string; metrics: ParsedSample[] };
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}

import { createRequire } from "node:module";

/**
 * The `yaml` package, loaded on first use rather than when the CLI starts (`--help` never needs it,
 * and valid campaign files take the fast path of ./fast-yaml.ts). Loaded through require — the
 * package's CommonJS build, the same one Node's ESM import of "yaml" resolves to — so callers stay
 * synchronous.
 */
type YamlModule = typeof import("yaml");
let loaded: YamlModule | undefined;
const require = createRequire(import.meta.url);

export function yamlLib(): YamlModule {
  loaded ??= require("yaml") as YamlModule;
  return loaded;
}

/**
 * How many times each parser ran on a document (tests read it: a file is parsed once, whatever its
 * diagnostics). `fast`: js-yaml in ./fast-yaml.ts; `positional`: this package in ./source.ts.
 */
export const yamlParses = { fast: 0, positional: 0 };

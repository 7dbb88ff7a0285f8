// config/define.ts — the typed config file: TuskConfig (every setting of the registry, by its name
// and its camelCase spelling, each with its help: config/options.ts is generated from the registry)
// and defineConfig, which gives a tusk.config.mjs or tusk.config.ts its types:
//   import { defineConfig } from 'tusk';
//   export default defineConfig({ workers: 'auto', gracefulTimeout: 10 });
import type { CamelCaseOptions, ConfigOptions } from './options.js';

/** What a config file exports: settings by their names or camelCase spellings, every one optional. */
export type TuskConfig = ConfigOptions & CamelCaseOptions;

/** Returns the config unchanged: it is there for the types (and each setting's docs in the editor). */
export function defineConfig(config: TuskConfig): TuskConfig {
  return config;
}

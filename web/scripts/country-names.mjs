// Writes protocol/Geo/country-names.json (ISO 3166-1 alpha-2 → {en, ru, uk, de: [names]}, first the common name) from the i18n-iso-countries
// package (CLDR-derived names). The indexer embeds the file to make countries findable in every UI language;
// the browser shows country names with Intl.DisplayNames. `node scripts/country-names.mjs --check` fails when the
// committed file differs from what the package gives (run by the unit tests).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const LANGS = ['en', 'ru', 'uk', 'de'];
export const OUT = fileURLToPath(new URL('../../protocol/Geo/country-names.json', import.meta.url));

export function countryNames() {
  const countries = require('i18n-iso-countries');
  for (const l of LANGS) countries.registerLocale(require(`i18n-iso-countries/langs/${l}.json`));
  const codes = Object.keys(countries.getAlpha2Codes()).sort();
  const out = {};
  for (const code of codes) {
    out[code] = Object.fromEntries(LANGS.map((l) => [l, countries.getName(code, l, { select: 'all' }) ?? countries.getName(code, 'en', { select: 'all' })]));
  }
  return out;
}

export function render(names) {
  const lines = Object.entries(names).map(([code, n]) => `  ${JSON.stringify(code)}: ${JSON.stringify(n)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = render(countryNames());
  if (process.argv.includes('--check')) {
    if (readFileSync(OUT, 'utf8') !== text) { console.error('country-names.json is stale: run node scripts/country-names.mjs'); process.exit(1); }
  } else {
    writeFileSync(OUT, text);
    console.log('wrote', OUT);
  }
}

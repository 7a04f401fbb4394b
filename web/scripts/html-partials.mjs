// HTML shared by the site's pages, written once: the head every page starts with, and the header and main element
// of the node's own pages (propose, receipt, console). A page names a partial with a comment (<!-- atlas:head -->,
// <!-- atlas:node-shell -->); the Vite plugin below replaces it at build and in the dev server.
export const PARTIALS = {
  'lang-switch': `<label class="lang-switch"><span data-i18n="lang.label">Language</span>
        <select id="lang-select">
          <option value="en" lang="en">English</option>
          <option value="de" lang="de">Deutsch</option>
          <option value="ru" lang="ru">Русский</option>
          <option value="uk" lang="uk">Українська</option>
        </select>
      </label>`,
  head: `<meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <meta name="color-scheme" content="light">
  <title>Atlas</title>
  <link rel="icon" href="data:,">`,
  'node-shell': `<a class="skip-link" href="#main" data-i18n="node.skip">Skip to content</a>
  <header class="site-header">
    <div class="brand">
      <span class="logo" aria-hidden="true"></span>
      <div>
        <p class="site-title" id="node-name">Atlas</p>
        <p class="tagline" data-i18n="node.tagline">Directory of anti-war initiatives</p>
      </div>
    </div>
    <div class="header-actions">
      <!-- atlas:lang-switch -->
    </div>
  </header>
  <main id="main" class="node-main" tabindex="-1">
    <noscript><p>This page needs JavaScript (no third-party code is loaded).</p></noscript>
  </main>`,
};

/** Replaces every <!-- atlas:NAME --> with its partial; an unknown name fails the build. */
export function expandPartials(html, depth = 0) {
  const out = html.replace(/<!--\s*atlas:([a-z-]+)\s*-->/g, (_, name) => {
    if (!(name in PARTIALS)) throw new Error(`unknown HTML partial atlas:${name}`);
    return PARTIALS[name];
  });
  // partials may name partials (the node shell holds the language switch); bounded
  return out !== html && depth < 3 ? expandPartials(out, depth + 1) : out;
}

export function htmlPartials() {
  return { name: 'atlas-html-partials', transformIndexHtml: { order: 'pre', handler: (html) => expandPartials(html) } };
}

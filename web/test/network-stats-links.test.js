import { describe, it, expect } from 'vitest';
import { buildGraph, layoutGraph } from '../src/network.js';
import { countList, gaps } from '../src/stats.js';
import { safeUrl, contactHref } from '../src/links.js';
import { validateConfig } from '../src/config.js';
import { buildCsp, resolveInside, parseArgs } from '../serve.mjs';

const orgs = [
  { listing_id: 'A', name: { en: 'A' }, relationships: [{ type: 'member_of', target: 'N', target_name: { en: 'Network' } }, { type: 'partner_of', target: 'B' }] },
  { listing_id: 'B', name: { en: 'B' }, relationships: [{ type: 'partner_of', target: 'A' }, { type: 'partner_of', target: 'B' }, { type: 'enemy_of', target: 'A' }] },
  { listing_id: 'C', name: { en: 'C' }, relationships: [{ type: 'member_of', target: 'N' }] },
];

describe('network graph', () => {
  it('builds nodes incl. external targets; dedupes symmetric partner links; ignores self and unknown types', () => {
    const g = buildGraph(orgs, ['en']);
    expect(g.nodes.map((n) => [n.id, n.label, n.inSelection])).toEqual([['A', 'A', true], ['B', 'B', true], ['C', 'C', true], ['N', 'Network', false]]);
    expect(g.links).toEqual([
      { source: 'A', target: 'N', type: 'member_of' }, { source: 'A', target: 'B', type: 'partner_of' }, { source: 'C', target: 'N', type: 'member_of' },
    ]);
    expect(g.nodes.find((n) => n.id === 'N').degree).toBe(2);
  });
  it('layout is deterministic and inside the box', () => {
    const g = buildGraph(orgs, ['en']);
    const a = layoutGraph(g, { width: 400, height: 300 });
    const b = layoutGraph(g, { width: 400, height: 300 });
    for (const n of g.nodes) {
      const p = a.get(n.id);
      expect(p.x).toBeGreaterThanOrEqual(0); expect(p.x).toBeLessThanOrEqual(400);
      expect(p.y).toBeGreaterThanOrEqual(0); expect(p.y).toBeLessThanOrEqual(300);
      expect(b.get(n.id)).toEqual(p);
    }
  });
});

describe('statistics and gaps', () => {
  // facet distributions over primary documents: A in Berlin + Tbilisi (legal aid), B in Berlin (media, legal aid)
  const cities = { Berlin: 2, Tbilisi: 1 };
  const cityFocus = { 'Berlin|legal-aid': 2, 'Berlin|media': 1, 'Tbilisi|legal-aid': 1 };
  it('counts organisations per value', () => {
    expect(countList({ DE: 2, GE: 1 })).toEqual([{ value: 'DE', count: 2 }, { value: 'GE', count: 1 }]);
    expect(countList({ media: 1, 'legal-aid': 2, housing: 1 })).toEqual([{ value: 'legal-aid', count: 2 }, { value: 'housing', count: 1 }, { value: 'media', count: 1 }]);
  });
  it('gaps: focus areas with no organisation in a city (vocabulary order)', () => {
    expect(gaps(cities, cityFocus, ['legal-aid', 'media', 'housing'])).toEqual([
      { city: 'Berlin', organisations: 2, missing: ['housing'] },
      { city: 'Tbilisi', organisations: 1, missing: ['media', 'housing'] },
    ]);
  });
  it('gaps: a city name containing the separator keeps its focus codes apart', () => {
    expect(gaps({ 'A|B': 1 }, { 'A|B|media': 1 }, ['media', 'housing'])).toEqual([{ city: 'A|B', organisations: 1, missing: ['housing'] }]);
  });
});

describe('links from documents', () => {
  it('allows only http(s), mailto and tel', () => {
    expect(safeUrl('https://example.org/x')).toBe('https://example.org/x');
    expect(safeUrl('mailto:a@example.org')).toBe('mailto:a@example.org');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl(' JaVaScRiPt:alert(1)')).toBeNull();
    expect(safeUrl('data:text/html,x')).toBeNull();
    expect(safeUrl('https://user:pw@evil.example/')).toBeNull();
    expect(safeUrl('https://a\u0000b')).toBeNull();
    expect(safeUrl(42)).toBeNull();
  });
  it('builds contact links', () => {
    expect(contactHref({ kind: 'email', value: 'a@example.org' })).toBe('mailto:a@example.org');
    expect(contactHref({ kind: 'email', value: '"><svg>@x.org' })).toBeNull();
    expect(contactHref({ kind: 'phone', value: '+49 (30) 123-45' })).toBe('tel:+493012345');
    expect(contactHref({ kind: 'telegram', value: '@harbour_example' })).toBe('https://t.me/harbour_example');
    expect(contactHref({ kind: 'telegram', value: 'https://evil.example/' })).toBeNull();
    expect(contactHref({ kind: 'whatsapp', value: '+995 555 12 34 56' })).toBe('https://wa.me/995555123456');
    expect(contactHref({ kind: 'web', value: 'javascript:alert(1)' })).toBeNull();
    expect(contactHref({ kind: 'signal', value: '+37060000000' })).toBeNull();
  });
});

describe('config and server helpers', () => {
  it('validates config.json', () => {
    const c = validateConfig({ meilisearchUrl: 'http://127.0.0.1:7700/', searchKey: 'k', nodes: [{ id: 'b', url: 'javascript:x' }, { id: 'c', name: 'C', url: 'https://c.example' }] });
    expect(c.meilisearchUrl).toBe('http://127.0.0.1:7700');
    expect(c.index).toBe('organisations');
    expect(c.nodes).toEqual([{ id: 'c', name: 'C', url: 'https://c.example/', proposeUrl: 'https://c.example/propose', consoleUrl: 'https://c.example/console' }]);
    const own = validateConfig({ meilisearchUrl: 'http://127.0.0.1:7700/', nodes: [{ id: 'd', url: 'https://d.example', proposeUrl: 'https://d.example/join', consoleUrl: 'javascript:x' }] });
    expect(own.nodes[0].proposeUrl).toBe('https://d.example/join');
    expect(own.nodes[0].consoleUrl).toBe('https://d.example/console');
    expect(() => validateConfig({ meilisearchUrl: 'javascript:1' })).toThrow();
    // Behind the proxy (deploy/compose/web-config.example.json) the search URL is the site's own /search.
    expect(validateConfig({ meilisearchUrl: '/search' }, 'https://atlas.example.org/map/?lang=ru').meilisearchUrl).toBe('https://atlas.example.org/search');
    expect(() => validateConfig({ meilisearchUrl: '/search' }, 'https://atlas.example.org/')).not.toThrow();
    expect(() => validateConfig({ meilisearchUrl: '//evil.example/search' }, 'javascript:void(0)')).toThrow();
    expect(() => validateConfig({ meilisearchUrl: 'javascript:alert(1)' }, 'https://atlas.example.org/')).toThrow();
  });
  it('CSP connect-src is the site and the Meilisearch origin; tiles widen img-src only when configured', () => {
    expect(buildCsp({ meilisearchUrl: 'https://search.example.org/meili/' })).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https://search.example.org; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    expect(buildCsp({ meilisearchUrl: 'x', tiles: { url: 'https://{s}.tiles.example/{z}/{x}/{y}.png' } })).toContain("img-src 'self' data: https://a.tiles.example;");
  });
  it('path traversal is refused', () => {
    expect(resolveInside('/srv/dist', '/index.html')).toBe('/srv/dist/index.html');
    expect(resolveInside('/srv/dist', '/../etc/passwd')).toBe('/srv/dist/etc/passwd');
    expect(resolveInside('/srv/dist', '/%2e%2e/%2e%2e/etc/passwd')).toBe('/srv/dist/etc/passwd');
    expect(resolveInside('/srv/dist', '/a%00b')).toBeNull();
    expect(resolveInside('/srv/dist', '/%E0%A4%A')).toBeNull();
    expect(resolveInside('/srv/dist', '/..\\..\\x')).toBeNull();
  });
  it('parses arguments', () => {
    expect(parseArgs(['--port', '0', '--root', 'd', '--config', 'c.json'])).toMatchObject({ port: 0, root: 'd', config: 'c.json', host: '127.0.0.1' });
    expect(() => parseArgs(['--port', 'x'])).toThrow();
    expect(() => parseArgs(['--bind', '0.0.0.0'])).toThrow();
  });
});

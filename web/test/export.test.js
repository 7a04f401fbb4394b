import { describe, it, expect } from 'vitest';
import { csvCell, toCSV, toGeoJSON, toJSON, toVCard, vcardEscape, foldLine, publicRecord, fileStem, CSV_COLUMNS } from '../src/export.js';

const doc = {
  doc_id: 'L1_0', listing_id: 'L1', name: { en: 'Harbour, "House"', ru: 'Гавань' }, description: { en: 'Line 1\nLine 2; more' },
  focus: ['relocation', 'housing'], languages: ['ru', 'en'], city: 'Berlin', country: 'DE', cities: ['Berlin', 'Tbilisi'], countries: ['DE', 'GE'],
  _geo: { lat: 52.52, lng: 13.405 }, online: true, website: 'https://harbour.example.org',
  contacts: [{ kind: 'email', value: 'press@harbour.example.org', press: true, secret: 'x' }, { kind: 'phone', value: '+49 30 1' }, { kind: 'telegram', value: '@harbour' }],
  channels: [{ kind: 'telegram', url: 'https://t.me/harbour' }], provenance: { verified_at: '2026-11-20T09:30:00Z' },
  _rankingScore: 0.9, _geoDistance: 10, alerts: [{ kind: 'contact_changed' }],
};

describe('CSV', () => {
  it('neutralises formula injection', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+49 30')).toBe("'+49 30");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=cmd')).toBe("'\t=cmd");
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell('safe')).toBe('safe');
  });
  it('quotes separators, quotes and newlines', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('a"b')).toBe('"a""b"');
    expect(csvCell('a\nb')).toBe('"a\nb"');
    expect(csvCell(['x', 'y'])).toBe('"x; y"');
    expect(csvCell(null)).toBe('');
  });
  it('one row per organisation with localized text', () => {
    const csv = toCSV([doc], ['ru', 'en']);
    expect(csv.startsWith('\ufeff' + CSV_COLUMNS.join(',') + '\r\n')).toBe(true);
    const line = csv.split('\r\n')[1];
    expect(line.startsWith('L1,Гавань,"Line 1')).toBe(true);
    expect(csv).toContain(",'+49 30 1,");
    expect(csv).toContain(',email: press@harbour.example.org,');
    expect(csv).toContain('2026-11-20T09:30:00Z');
  });
});

describe('GeoJSON and JSON', () => {
  it('GeoJSON: points in [lng, lat] with public properties only', () => {
    const g = JSON.parse(toGeoJSON([doc, { ...doc, doc_id: 'L2_0', listing_id: 'L2', _geo: undefined }]));
    expect(g.type).toBe('FeatureCollection');
    expect(g.features).toHaveLength(1);
    expect(g.features[0].geometry).toEqual({ type: 'Point', coordinates: [13.405, 52.52] });
    expect(g.features[0].properties.city).toBe('Berlin');
    expect(g.features[0].properties._rankingScore).toBeUndefined();
    expect(g.features[0].properties.contacts[0].secret).toBeUndefined();
  });
  it('JSON: one record per listing, search internals stripped', () => {
    const j = JSON.parse(toJSON([doc, { ...doc, doc_id: 'L1_1' }]));
    expect(j).toHaveLength(1);
    expect(j[0]._geoDistance).toBeUndefined();
    expect(j[0].doc_id).toBeUndefined();
    expect(publicRecord(doc).contacts[0]).toEqual({ kind: 'email', value: 'press@harbour.example.org', press: true });
  });
});

describe('verified per row', () => {
  it('CSV, GeoJSON and JSON say whether each row verified and why not', () => {
    const other = { ...doc, listing_id: 'other', doc_id: 'other_0' };
    const verdicts = new Map([[doc.listing_id, { ok: true }], ['other', { ok: false, rule: 'FieldMismatch' }]]);
    const rows = toCSV([doc, other], ['en'], verdicts).replace(/^\ufeff/, '').trim().split('\r\n');
    const cols = rows[0].split(',');
    expect(cols.slice(-2)).toEqual(['verified', 'verification']);
    expect(rows[1].endsWith(',yes,ok')).toBe(true);
    expect(rows[2].endsWith(',no,FieldMismatch')).toBe(true);
    const json = JSON.parse(toJSON([doc, other], verdicts));
    expect(json.map((r) => [r.verified, r.verification])).toEqual([[true, 'ok'], [false, 'FieldMismatch']]);
    expect(JSON.parse(toJSON([doc])).map((r) => r.verification)).toEqual(['Missing']);
    const geo = JSON.parse(toGeoJSON([doc], verdicts));
    expect(geo.features.every((f) => f.properties.verified === true)).toBe(true);
  });
});

describe('vCard', () => {
  it('escapes text values and drops control characters', () => {
    expect(vcardEscape('a,b;c\\d\ne')).toBe('a\\,b\\;c\\\\d\\ne');
    expect(vcardEscape('x\u0000\u0007y')).toBe('xy');
  });
  it('cannot be broken by injected lines', () => {
    const evil = { ...doc, name: { en: 'Evil\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Other' }, contacts: [{ kind: 'email', value: 'a@b.org\r\nTEL:1' }], website: 'https://x.org/\r\nX:1' };
    const v = toVCard(evil, ['en'], [], { verified: true });
    expect(v.match(/^BEGIN:VCARD/gm)).toHaveLength(1);
    expect(v.match(/^END:VCARD/gm)).toHaveLength(1);
    expect(v).not.toMatch(/^TEL:1/m);
    expect(v).not.toMatch(/^X:1/m);
  });
  it('contains name, contacts, addresses and folds long lines at 75 octets', () => {
    const v = toVCard(doc, ['en'], [doc, { ...doc, city: 'Tbilisi', country: 'GE' }], { verified: true });
    expect(v).toMatch(/^BEGIN:VCARD\r\nVERSION:3\.0\r\nFN:Harbour\\, "House"\r\n/);
    expect(v).toContain('EMAIL;TYPE=INTERNET,PREF:press@harbour.example.org');
    expect(v).toContain('TEL;TYPE=WORK,VOICE:+49 30 1');
    expect(v).toContain('X-SOCIALPROFILE;TYPE=telegram:@harbour');
    expect(v).toContain('ADR;TYPE=WORK:;;;Berlin;;;DE');
    expect(v).toContain('ADR;TYPE=WORK:;;;Tbilisi;;;GE');
    expect(v.endsWith('END:VCARD\r\n')).toBe(true);
    const long = foldLine('NOTE:' + 'ж'.repeat(100));
    for (const l of long.split('\r\n')) expect(new TextEncoder().encode(l).length).toBeLessThanOrEqual(75);
    expect(long.split('\r\n').slice(1).every((l) => l.startsWith(' '))).toBe(true);
    expect(long.replace(/\r\n /g, '')).toBe('NOTE:' + 'ж'.repeat(100));
  });
  it('carries contacts and URLs only for a verified entry', () => {
    const v = toVCard(doc, ['en'], [doc]);
    expect(v).not.toMatch(/EMAIL|TEL|X-SOCIALPROFILE|URL/);
    expect(v).toContain('FN:Harbour');
    expect(v).toContain('ADR;TYPE=WORK:;;;Berlin;;;DE');
  });
  it('safe file names', () => {
    expect(fileStem('../../etc/passwd')).toBe('etc-passwd');
    expect(fileStem('Дом-гавань <b>')).toBe('Дом-гавань-b');
    expect(fileStem('')).toBe('atlas');
  });
});

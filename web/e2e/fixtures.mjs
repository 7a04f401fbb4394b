// Fixture documents for the self-contained e2e harness: FICTIONAL organisations only, contacts on example.org.
// Shape follows docs/search-documents.md (one document per (listing, place)).

import { completeAll } from './documents.mjs';
import { LEVELS, cellField, MAX_FACET_VALUES } from '../src/cells.js';

const CITIES = {
  Berlin: ['DE', 52.52, 13.405], Tbilisi: ['GE', 41.7151, 44.8271], Yerevan: ['AM', 40.1792, 44.4991],
  Vilnius: ['LT', 54.6872, 25.2797], Paris: ['FR', 48.8566, 2.3522], Warsaw: ['PL', 52.2297, 21.0122],
  Prague: ['CZ', 50.0755, 14.4378], Belgrade: ['RS', 44.7866, 20.4489], Riga: ['LV', 56.9496, 24.1052],
  Tallinn: ['EE', 59.437, 24.7536], Munich: ['DE', 48.1351, 11.582], Almaty: ['KZ', 43.222, 76.8512],
  Hamburg: ['DE', 53.5511, 9.9937],
};

export const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const NODES = { berlin: 'Atlas Berlin', tbilisi: 'Atlas Tbilisi', vilnius: 'Atlas Vilnius', paris: 'Atlas Paris' };

function org(n, o) {
  const listing_id = id(n);
  const places = o.places || [];
  const cities = places.map((p) => p.city);
  const countries = [...new Set(places.map((p) => CITIES[p.city][0]))];
  const contacts = o.contacts || [];
  const node = o.node || 'berlin';
  const common = {
    listing_id, node, node_name: NODES[node], name: o.name, description: o.description || {},
    focus: o.focus, languages: o.languages, cities, countries, online: !!o.online, contacts,
    has_contact: contacts.length > 0, has_press_contact: contacts.some((c) => c.press),
    website: o.website ?? null, channels: o.channels || [], relationships: o.relationships || [],
    org_status: o.status || 'active', scope: o.scope || 'local', last_confirmed: o.confirmed || '2026-09-14',
    review_by: '2027-03-14',
    provenance: { node, node_name: NODES[node], seq: 100 + n, hash: 'sha256:' + String(n).repeat(8).slice(0, 16), kid: `${node}-2026-1`, verified_at: '2026-11-20T09:30:00Z' },
    endorsed_by: o.endorsed_by || [], endorsed: (o.endorsed_by || []).length >= 2,
    alerts: o.alerts || [], has_alerts: (o.alerts || []).length > 0, updated_at: 1790000000 + n * 1000,
  };
  if (places.length === 0) {
    return [{ ...common, doc_id: `${listing_id}_0`, city: null, country: null, place: { kind: 'online', city: null, country: null, precision: 'city' } }];
  }
  return places.map((p, i) => {
    const [country, lat, lng] = CITIES[p.city];
    const geo = p.exact ? { lat: p.exact[0], lng: p.exact[1] } : { lat, lng };
    return {
      ...common, doc_id: `${listing_id}_${i}`, city: p.city, country,
      place: { kind: 'physical', city: p.city, country, precision: p.exact ? 'exact' : 'city', ...(p.address ? { address: p.address } : {}) },
      _geo: geo,
    };
  });
}

export function fixtureDocuments({ hostile = true } = {}) {
  return completeAll(rawDocuments({ hostile }));
}

function rawDocuments({ hostile }) {
  const docs = [
    ...org(1, {
      name: { en: 'Harbour House', ru: 'Дом-гавань', de: 'Hafenhaus' },
      description: { en: 'Fictional relocation and housing help for people leaving Russia: first nights, paperwork, orientation.', ru: 'Вымышленная организация: помощь с релокацией и жильём для уехавших из России.', de: 'Fiktive Hilfe bei Umzug und Wohnen für Menschen, die Russland verlassen.' },
      focus: ['relocation', 'housing', 'legal-aid'], languages: ['ru', 'en', 'de'], scope: 'international',
      places: [{ city: 'Berlin' }, { city: 'Tbilisi' }, { city: 'Yerevan' }], online: true,
      contacts: [{ kind: 'email', value: 'hello@harbour.example.org', press: false }, { kind: 'email', value: 'press@harbour.example.org', press: true }, { kind: 'telegram', value: '@harbour_example_bot', press: false }],
      website: 'https://harbour.example.org/', channels: [{ kind: 'telegram', url: 'https://t.me/harbour_example' }],
      relationships: [{ type: 'member_of', target: id(10), target_name: { en: 'Network of Open Doors' } }, { type: 'partner_of', target: id(99), target_name: { en: 'Remote Partners Fund' } }],
      endorsed_by: ['tbilisi', 'vilnius'],
    }),
    ...org(2, {
      name: { en: 'Legal Shield Collective', ru: 'Коллектив «Правовой щит»' },
      description: { en: 'Fictional lawyers advising on residence permits, extradition risks and conscription.', ru: 'Вымышленные юристы: ВНЖ, риски экстрадиции, мобилизация.' },
      focus: ['legal-aid', 'deserters'], languages: ['ru', 'lt', 'en'], node: 'vilnius', places: [{ city: 'Vilnius' }],
      contacts: [{ kind: 'email', value: 'consult@legalshield.example.org', press: false }, { kind: 'signal', value: '+37060000000', press: false }],
      relationships: [{ type: 'partner_of', target: id(1), target_name: { en: 'Harbour House' } }], endorsed_by: ['berlin'],
    }),
    ...org(3, {
      name: { ru: 'Письма свободы', en: 'Freedom Letters' },
      description: { ru: 'Вымышленная группа: письма политзаключённым, вечера писем.' },
      focus: ['political-prisoners'], languages: ['ru', 'fr'], node: 'paris', places: [{ city: 'Paris' }],
      contacts: [{ kind: 'email', value: 'letters@freedomletters.example.org', press: true }],
    }),
    ...org(4, {
      name: { uk: 'Стійка привітання Київ–Берлін', de: 'Willkommensschalter Kyjiw–Berlin', en: 'Kyiv–Berlin Welcome Desk' },
      description: { uk: 'Вигадана ініціатива: житло та перші кроки для біженців з України.', de: 'Fiktive Initiative: Wohnraum und erste Schritte für Geflüchtete aus der Ukraine.' },
      focus: ['ukrainian-refugees', 'housing'], languages: ['uk', 'de', 'ru'], places: [{ city: 'Berlin', exact: [52.5306, 13.3847], address: 'Beispielstraße 1, 10115 Berlin' }],
      contacts: [{ kind: 'phone', value: '+49 30 00000000', press: false }],
    }),
    ...org(5, {
      name: { en: 'Rainbow Exile Support', ru: 'Радужная поддержка в эмиграции' },
      description: { en: 'Fictional peer support and safe housing for LGBTQ+ people from Russia and Belarus.' },
      focus: ['lgbtq', 'psychological-support'], languages: ['ru', 'ka', 'en'], node: 'tbilisi', places: [{ city: 'Tbilisi' }], online: true,
      contacts: [{ kind: 'telegram', value: '@rainbow_exile_example', press: false }], endorsed_by: ['berlin', 'paris'],
    }),
    ...org(6, {
      name: { en: 'Feminist Anti-War Circle Yerevan', ru: 'Феминистский антивоенный круг Ереван' },
      description: { en: 'Fictional reading group and street actions.' },
      focus: ['feminism', 'anti-war'], languages: ['ru', 'hy', 'en'], node: 'tbilisi', places: [{ city: 'Yerevan' }],
      contacts: [{ kind: 'email', value: 'circle@fawc.example.org', press: true }],
      alerts: [{ kind: 'contact_changed', message: 'Email changed 3 days ago', since: '2026-11-18' }],
    }),
    ...org(7, {
      name: { en: 'Free Voice Radio', ru: 'Радио «Свободный голос»' },
      description: { en: 'Fictional exile radio station broadcasting in Russian.' },
      focus: ['media'], languages: ['ru', 'lv', 'en'], node: 'vilnius', places: [{ city: 'Riga' }], scope: 'international',
      contacts: [{ kind: 'email', value: 'newsroom@freevoice.example.org', press: true }], website: 'https://freevoice.example.org',
      channels: [{ kind: 'youtube', url: 'https://www.youtube.com/@freevoice-example' }],
    }),
    ...org(8, {
      name: { en: "Deserters' Route", ru: 'Маршрут отказников' },
      description: { en: 'Fictional online counselling for conscientious objectors.', ru: 'Вымышленные онлайн-консультации для отказников.' },
      focus: ['deserters', 'legal-aid'], languages: ['ru'], places: [], online: true,
      contacts: [{ kind: 'email', value: 'route@deserters.example.org', press: false }],
      relationships: [{ type: 'partner_of', target: id(2), target_name: { en: 'Legal Shield Collective' } }],
    }),
    ...org(9, {
      name: { pl: 'Solidarna Kuchnia Warszawa', en: 'Warsaw Solidarity Kitchen' },
      focus: ['grassroots-democracy', 'housing'], languages: ['pl', 'ru', 'uk'], places: [{ city: 'Warsaw' }],
    }),
    ...org(10, {
      name: { en: 'Network of Open Doors', ru: 'Сеть открытых дверей' },
      description: { en: 'Fictional umbrella network of relocation initiatives.' },
      focus: ['relocation', 'advocacy'], languages: ['en', 'ru', 'cs'], places: [{ city: 'Prague' }], scope: 'international',
      contacts: [{ kind: 'web', value: 'https://opendoors.example.org/contact', press: true }], website: 'https://opendoors.example.org',
      endorsed_by: ['berlin', 'vilnius'],
    }),
    ...org(11, {
      name: { en: 'Digital Shelter Lab' }, description: { en: 'Fictional digital-security trainings for activists and journalists.' },
      focus: ['digital-security'], languages: ['en', 'ru'], places: [{ city: 'Berlin' }], online: true,
      relationships: [{ type: 'partner_of', target: id(7), target_name: { en: 'Free Voice Radio' } }],
      contacts: [{ kind: 'email', value: 'lab@digitalshelter.example.org', press: false }],
    }),
    ...org(12, {
      name: { en: 'Belgrade Democratic Society (fictional)', ru: 'Белградское демократическое общество (вымышл.)' },
      focus: ['anti-war', 'education-culture'], languages: ['ru', 'sr'], places: [{ city: 'Belgrade' }],
    }),
    ...org(13, {
      name: { en: 'Almaty Relocation Helpdesk', ru: 'Справочная по релокации Алматы' },
      focus: ['relocation'], languages: ['ru', 'kk'], places: [{ city: 'Almaty' }], status: 'temporarily_closed',
    }),
    ...org(15, {
      name: { en: 'Tallinn Anti-War Committee', ru: 'Таллинский антивоенный комитет' },
      focus: ['anti-war', 'advocacy'], languages: ['et', 'ru', 'en'], places: [{ city: 'Tallinn' }], node: 'vilnius',
      relationships: [{ type: 'member_of', target: id(10), target_name: { en: 'Network of Open Doors' } }],
    }),
    ...org(16, {
      name: { de: 'Psychologinnen für den Frieden München', en: 'Munich Psychologists for Peace' },
      focus: ['psychological-support'], languages: ['de', 'ru', 'uk'], places: [{ city: 'Munich' }],
      contacts: [{ kind: 'email', value: 'termine@psy-frieden.example.org', press: false }],
    }),
    ...org(17, {
      name: { fr: 'Clinique juridique des exilés', en: 'Paris Legal Clinic for Exiles' },
      description: { fr: 'Clinique fictive : asile et titres de séjour.', en: 'Fictional clinic: asylum and residence permits.' },
      focus: ['asylum', 'legal-aid'], languages: ['fr', 'ru', 'en'], places: [{ city: 'Paris' }], node: 'paris',
      relationships: [{ type: 'member_of', target: id(10), target_name: { en: 'Network of Open Doors' } }, { type: 'partner_of', target: id(3), target_name: { ru: 'Письма свободы' } }],
      contacts: [{ kind: 'email', value: 'accueil@clinique.example.org', press: true }],
    }),
  ];
  // many small groups in one city at the same (city-level) position: clusters that zooming cannot split
  const topics = ['anti-war', 'housing', 'education-culture', 'psychological-support', 'labour', 'funding'];
  for (let i = 0; i < 12; i++) {
    docs.push(...org(20 + i, {
      name: { en: `Berlin Neighbourhood Group ${i + 1}`, ru: `Берлинская соседская группа ${i + 1}` },
      description: { en: 'Fictional volunteer group.' },
      focus: [topics[i % topics.length]], languages: ['ru', 'de'], places: [{ city: 'Berlin' }],
      contacts: i % 3 === 0 ? [{ kind: 'email', value: `group${i + 1}@neighbours.example.org`, press: false }] : [],
    }));
  }
  if (hostile) {
    docs.push(...org(40, {
      name: { en: '<img src=x onerror=alert(1)>Markup <b>Test</b> & "Quotes"' },
      description: { en: '=HYPERLINK("http://evil.example/","click") <script>alert(2)</script>' },
      focus: ['media'], languages: ['en'], places: [{ city: 'Hamburg' }],
      website: 'javascript:alert(3)',
      contacts: [{ kind: 'email', value: '"><svg onload=alert(4)>@example.org', press: true }, { kind: 'web', value: 'javascript:alert(5)', press: false }],
      channels: [{ kind: 'other', url: 'data:text/html,<script>alert(6)</script>' }],
    }));
  }
  return docs;
}

// the indexer's settings (indexer/Meilisearch/OrganisationIndexSettings.cs)
export const INDEX_SETTINGS = {
  searchableAttributes: ['name', 'description', 'cities', 'place_names', 'focus', 'focus_labels', 'contacts.value', 'node_name'],
  filterableAttributes: ['_geo', 'city', 'country', 'cities', 'countries', 'focus', 'languages', 'node', 'online', 'has_contact',
    'has_press_contact', 'endorsed', 'has_alerts', 'org_status', 'listing_id', 'primary', 'city_focus', ...LEVELS.map(cellField)],
  sortableAttributes: ['_geo', 'updated_at', 'last_confirmed'],
  faceting: { maxValuesPerFacet: MAX_FACET_VALUES, sortFacetValuesBy: { '*': 'count' } },
  pagination: { maxTotalHits: 100000 },
};

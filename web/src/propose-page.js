// Propose an initiative, or suggest a correction of a listing (?listing=ID).
import { startNodePage } from './node-page.js';
import { h, clear } from './dom.js';

const main = document.getElementById('main');

startNodePage({
  titleKey: 'propose.title',
  vocabulary: true,
  render(i18n) {
    clear(main).append(h('h1', null, i18n.t('propose.title')));
  },
});

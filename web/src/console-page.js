// The editors' console (empty shell: sign-in, queue and moderation are added on top of node-page.js).
import { startNodePage } from './node-page.js';
import { h, clear } from './dom.js';

const main = document.getElementById('main');

startNodePage({
  titleKey: 'console.title',
  render(i18n) {
    clear(main).append(h('h1', null, i18n.t('console.title')), h('p.notice', null, i18n.t('console.soon')));
  },
});

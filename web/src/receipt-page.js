// The submitter's receipt: status of one submission, reached by its capability URL (/receipt#TOKEN).
import { startNodePage } from './node-page.js';
import { h, clear } from './dom.js';

const main = document.getElementById('main');

startNodePage({
  titleKey: 'receipt.title',
  render(i18n) {
    clear(main).append(h('h1', null, i18n.t('receipt.title')));
  },
});

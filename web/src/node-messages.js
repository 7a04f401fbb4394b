// Messages shared by the node's pages (propose, receipt, console), merged over ./messages.js.
// Same conventions: plural messages are objects keyed by Intl.PluralRules categories; {name} placeholders.
// A page with many strings of its own (the console) keeps them in its own table and passes it to startNodePage.
export const NODE_MESSAGES = {
  en: {
    'node.skip': 'Skip to content',
    'node.tagline': 'Directory of anti-war initiatives',
    'node.offline': 'The node did not answer. Nothing you typed is lost; check your connection and try again.',
    'node.error': 'The node could not do this ({status}). Nothing you typed is lost; try again later.',
    'console.title': 'Editors’ console',
    'console.soon': 'The editors’ console is being set up on this node.',
  },
  ru: {
    'node.skip': 'Перейти к содержанию',
    'node.tagline': 'Каталог антивоенных инициатив',
    'node.offline': 'Узел не ответил. Всё, что вы ввели, сохранено; проверьте подключение и попробуйте ещё раз.',
    'node.error': 'Узел не смог выполнить запрос ({status}). Всё, что вы ввели, сохранено; попробуйте позже.',
    'console.title': 'Консоль редакторов',
    'console.soon': 'Консоль редакторов на этом узле ещё настраивается.',
  },
  uk: {
    'node.skip': 'Перейти до змісту',
    'node.tagline': 'Каталог антивоєнних ініціатив',
    'node.offline': 'Вузол не відповів. Усе, що ви ввели, збережено; перевірте з’єднання і спробуйте ще раз.',
    'node.error': 'Вузол не зміг виконати запит ({status}). Усе, що ви ввели, збережено; спробуйте пізніше.',
    'console.title': 'Консоль редакторів',
    'console.soon': 'Консоль редакторів на цьому вузлі ще налаштовується.',
  },
  de: {
    'node.skip': 'Zum Inhalt springen',
    'node.tagline': 'Verzeichnis von Antikriegsinitiativen',
    'node.offline': 'Der Knoten hat nicht geantwortet. Nichts von Ihrer Eingabe ist verloren; prüfen Sie die Verbindung und versuchen Sie es erneut.',
    'node.error': 'Der Knoten konnte das nicht ausführen ({status}). Nichts von Ihrer Eingabe ist verloren; versuchen Sie es später erneut.',
    'console.title': 'Redaktionskonsole',
    'console.soon': 'Die Redaktionskonsole wird auf diesem Knoten gerade eingerichtet.',
  },
};

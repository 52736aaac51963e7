// highlight.js core with the languages Préau's runners use, as one ES module.
import hljs from 'highlight.js/lib/core';
import python from 'highlight.js/lib/languages/python';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import javascript from 'highlight.js/lib/languages/javascript';
import java from 'highlight.js/lib/languages/java';
import bash from 'highlight.js/lib/languages/bash';
import json from 'highlight.js/lib/languages/json';
import plaintext from 'highlight.js/lib/languages/plaintext';
for (const [name, language] of Object.entries({ python, c, cpp, javascript, java, bash, json, plaintext })) {
  hljs.registerLanguage(name, language);
}
export default hljs;

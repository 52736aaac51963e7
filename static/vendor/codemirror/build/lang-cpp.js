// CodeMirror's cpp mode, loaded on demand by the exercise page.
export { cpp as language } from '@codemirror/lang-cpp';

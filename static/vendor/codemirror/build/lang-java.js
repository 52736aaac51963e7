// CodeMirror's java mode, loaded on demand by the exercise page.
export { java as language } from '@codemirror/lang-java';

// CodeMirror's javascript mode, loaded on demand by the exercise page.
export { javascript as language } from '@codemirror/lang-javascript';

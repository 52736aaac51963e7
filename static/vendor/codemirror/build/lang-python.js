// CodeMirror's python mode, loaded on demand by the exercise page.
export { python as language } from '@codemirror/lang-python';

// The parts of CodeMirror 6 the app uses, as one ES module; each language is its own module
// (lang-*.js), loaded only when an exercise needs it.
export { EditorView, basicSetup } from 'codemirror';
export { EditorState, Compartment } from '@codemirror/state';
export { keymap } from '@codemirror/view';
export { indentWithTab } from '@codemirror/commands';

// The Query tab's SQL editor: turns every `<textarea data-sql-editor>` on the page into a
// CodeMirror 6 view (SQL highlighting in the MariaDB dialect, completion of the database's tables
// and columns). Loaded as a module by the Query tab only, once the page has hydrated.
//
// The page and this module talk through the DOM alone (the CSP allows no inline script):
// - the textarea always holds the editor's text and gets an `input` event on every edit, so the
//   app reads it as if the person had typed into the textarea itself;
// - `sql-editor-set` on the textarea: the app changed the textarea's value; show that text;
// - `sql-editor-run` from the textarea: Ctrl/Cmd+Enter was pressed in the editor;
// - `data-schema` on the textarea, `{"table": ["column", …]}`, feeds completion and is watched.
//
// The editor lives in a shadow root: there CodeMirror's styles go into a constructed style sheet,
// which the page's `style-src 'self'` allows, where the `<style>` element it would add to the
// document's head would be refused.
import { EditorView, basicSetup } from 'codemirror';
import { MariaSQL, sql } from '@codemirror/lang-sql';
import { syntaxTree } from '@codemirror/language';
import { Annotation, Compartment, Prec } from '@codemirror/state';
import { keymap } from '@codemirror/view';

const SELECTOR = 'textarea[data-sql-editor]';

/** Marks changes that came from the textarea, which must not be echoed back to it. */
const fromTextarea = Annotation.define();

/** textarea → { view, host, language } for every editor on the page. */
const editors = new Map();

function readSchema(textarea) {
  try {
    const schema = JSON.parse(textarea.dataset.schema || '{}');
    return schema && typeof schema === 'object' && !Array.isArray(schema) ? schema : {};
  } catch {
    return {};
  }
}

/** Where a bare name should not be completed: inside strings, comments and quoted names. */
const NO_COMPLETION_IN = new Set(['String', 'LineComment', 'BlockComment', 'QuotedIdentifier']);

/**
 * Column names without their table: lang-sql completes `table.column` and table names; this adds
 * the columns themselves, which is what one types after SELECT or WHERE.
 */
function columnSource(schema) {
  const byName = new Map();
  for (const [table, columns] of Object.entries(schema)) {
    if (!Array.isArray(columns)) continue;
    for (const column of columns) {
      const tables = byName.get(column) ?? [];
      tables.push(table);
      byName.set(column, tables);
    }
  }
  const options = [...byName].map(([label, tables]) => ({
    label,
    type: 'property',
    detail: tables.join(', '),
    boost: -1,
  }));
  return (context) => {
    const word = context.matchBefore(/\w+/);
    if (!word || options.length === 0) return null;
    if (word.from === word.to && !context.explicit) return null;
    if (context.state.sliceDoc(word.from - 1, word.from) === '.') return null;
    if (NO_COMPLETION_IN.has(syntaxTree(context.state).resolveInner(context.pos, -1).name)) return null;
    return { from: word.from, options, validFor: /^\w*$/ };
  };
}

function languageFor(schema) {
  return [
    sql({ dialect: MariaSQL, schema, upperCaseKeywords: true }),
    MariaSQL.language.data.of({ autocomplete: columnSource(schema) }),
  ];
}

// Colours and fonts come from the page's custom properties, which reach into the shadow root.
const theme = EditorView.theme({
  '&': {
    border: '1px solid var(--border, #dfe3e8)',
    borderRadius: '8px',
    background: 'var(--surface, #fff)',
    fontSize: '0.95rem',
  },
  '&.cm-focused': { outline: '2px solid var(--accent, #0f766e)', outlineOffset: '2px' },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    minHeight: '10rem',
    maxHeight: '28rem',
  },
  '.cm-content, .cm-gutter': { minHeight: '10rem' },
  '.cm-gutters': { borderRadius: '8px 0 0 8px' },
});

function accessibleName(textarea) {
  const label = textarea.labels && textarea.labels[0];
  return (label && label.textContent.trim()) || textarea.getAttribute('aria-label') || 'SQL';
}

function upgrade(textarea) {
  if (editors.has(textarea)) return;
  const host = document.createElement('div');
  host.className = 'sql-editor-host';
  textarea.after(host);
  const shadow = host.attachShadow({ mode: 'open' });
  const language = new Compartment();
  const run = () => {
    textarea.dispatchEvent(new CustomEvent('sql-editor-run', { bubbles: true }));
    return true;
  };
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    doc: textarea.value,
    extensions: [
      // Before basicSetup, whose Mod-Enter would insert a blank line.
      Prec.highest(keymap.of([{ key: 'Mod-Enter', run }])),
      basicSetup,
      language.of(languageFor(readSchema(textarea))),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': accessibleName(textarea) }),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged || update.transactions.some((tr) => tr.annotation(fromTextarea))) return;
        textarea.value = update.state.doc.toString();
        textarea.dispatchEvent(new Event('input', { bubbles: true }));
      }),
      theme,
    ],
  });
  textarea.addEventListener('sql-editor-set', () => {
    const text = textarea.value;
    if (text !== view.state.doc.toString()) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: text },
        selection: { anchor: text.length },
        annotations: fromTextarea.of(true),
      });
    }
    view.focus();
  });
  // The textarea's label now names the editor; clicking it should land there too.
  for (const label of textarea.labels ?? []) {
    label.addEventListener('click', (event) => {
      event.preventDefault();
      view.focus();
    });
  }
  textarea.hidden = true;
  textarea.dataset.sqlEditorReady = 'true';
  editors.set(textarea, { view, host, language });
}

/** Editors whose textarea left the page (another route) are torn down with it. */
function removeDetached() {
  for (const [textarea, editor] of editors) {
    if (textarea.isConnected) continue;
    editor.view.destroy();
    editor.host.remove();
    editors.delete(textarea);
  }
}

function scan() {
  document.querySelectorAll(SELECTOR).forEach(upgrade);
  removeDetached();
}

new MutationObserver((records) => {
  let added = false;
  for (const record of records) {
    if (record.type === 'childList') {
      added = true;
    } else {
      const editor = editors.get(record.target);
      if (editor) {
        editor.view.dispatch({ effects: editor.language.reconfigure(languageFor(readSchema(record.target))) });
      }
    }
  }
  if (added) scan();
}).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-schema'] });

scan();

/**
 * The notebooks the extension writes and runs: one beside each opened file, and the demo.
 *
 * The browser never reads a workspace or a trace: a kernel does, through the Python API, so a
 * 10 GB store opens as fast as a small one and everything shown is what `wb` itself computes.
 */
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Contents } from '@jupyterlab/services';

type Cell = { cell_type: 'code' | 'markdown'; source: string };

/**
 * A Python string literal holding `text`.
 *
 * JSON's escapes (\" \\ \n \uXXXX) mean the same in Python, so a file name with quotes or
 * newlines stays a string and never becomes code.
 */
export function pythonString(text: string): string {
  return JSON.stringify(text);
}

/** The notebook written beside `path`: `incidents.duckdb` -> `incidents.duckdb.ipynb`. */
export function notebookPathFor(path: string): string {
  return `${path}.ipynb`;
}

/** The cells that open one file (a workspace, or a trace ingested into a workspace beside it). */
export function fileCells(path: string): Cell[] {
  const name = pythonString(PathExt.basename(path));
  return [
    {
      cell_type: 'markdown',
      source:
        '### Workbench\n' +
        'Opened from the file browser. A workspace (`.duckdb`) opens as it is; a trace file is first ' +
        'ingested into a workspace beside it (ingesting the same file again adds nothing).'
    },
    {
      cell_type: 'code',
      source:
        'import workbench as wb\n' +
        'from workbench.widgets import IncidentExplorer\n\n' +
        `ws = wb.open_path(${name})\nws`
    },
    { cell_type: 'code', source: 'IncidentExplorer(ws)' }
  ];
}

/** The cells of the demo notebook: the embedded demo data in the explorer. */
export function demoCells(): Cell[] {
  return [
    {
      cell_type: 'markdown',
      source:
        '### Workbench demo\n' +
        'Simulated runs of a five-agent procurement system with known culprits. ' +
        '`wb.open_path("traces.otlp.jsonl")` opens your own logs the same way.'
    },
    {
      cell_type: 'code',
      source:
        'import workbench as wb\n' +
        'from workbench.widgets import IncidentExplorer\n\n' +
        '# Stored beside this notebook on first use, opened as it is afterwards.\n' +
        'ws = wb.demo.open_demo("workbench-demo.duckdb")\nws'
    },
    {
      cell_type: 'code',
      source:
        '# The simulated system can be re-run, so the explorer can compute attributions.\n' +
        'IncidentExplorer(ws, replay=wb.demo.demo_replay())'
    }
  ];
}

function notebookJSON(cells: Cell[], source: string | null): object {
  return {
    cells: cells.map(c =>
      c.cell_type === 'code'
        ? { ...c, metadata: {}, outputs: [], execution_count: null }
        : { ...c, metadata: {} }
    ),
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3 (ipykernel)',
        language: 'python'
      },
      language_info: { name: 'python' },
      workbench: { source }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

async function exists(contents: Contents.IManager, path: string): Promise<boolean> {
  // List the folder rather than ask for the file: a 404 would show as an error in the console.
  const dir = await contents.get(PathExt.dirname(path), { content: true });
  const name = PathExt.basename(path);
  return (dir.content as Contents.IModel[]).some(item => item.name === name);
}

/** A cell's source as one string (notebook files may hold it as a list of lines). */
function sourceText(source: unknown): string {
  return Array.isArray(source) ? source.join('') : String(source ?? '');
}

/**
 * Whether the notebook at `nbPath` holds exactly the code cells the extension would write.
 *
 * Only then may it run unasked: a notebook found beside a trace file may have been put there by
 * whoever wrote the trace, and running it would run their code.
 */
async function holdsOnly(
  contents: Contents.IManager,
  nbPath: string,
  cells: Cell[]
): Promise<boolean> {
  const model = await contents.get(nbPath, { type: 'notebook', content: true });
  const found = ((model.content?.cells ?? []) as { cell_type: string; source: unknown }[])
    .filter(c => c.cell_type === 'code')
    .map(c => sourceText(c.source));
  const ours = cells.filter(c => c.cell_type === 'code').map(c => c.source);
  return found.length === ours.length && found.every((src, i) => src === ours[i]);
}

/** A notebook opened by the extension, and whether it may be run without asking. */
export interface IOpened {
  panel: NotebookPanel;
  /** Written just now, or its code cells are exactly the ones the extension writes. */
  runnable: boolean;
}

/**
 * Open the notebook at `nbPath`, written from `cells` when it does not exist yet.
 *
 * An existing notebook is kept as the user left it. It is only marked runnable when its code is the
 * extension's own; otherwise it opens without running (the user reads it and runs it if they trust it).
 */
export async function openNotebook(
  docManager: IDocumentManager,
  nbPath: string,
  cells: Cell[],
  source: string | null
): Promise<IOpened> {
  const contents = docManager.services.contents;
  let runnable = true;
  if (!(await exists(contents, nbPath))) {
    await contents.save(nbPath, {
      type: 'notebook',
      format: 'json',
      content: notebookJSON(cells, source)
    });
  } else {
    runnable = await holdsOnly(contents, nbPath, cells);
  }
  const widget = docManager.openOrReveal(nbPath, 'Notebook');
  if (!(widget instanceof NotebookPanel)) {
    throw new Error(`${nbPath} did not open as a notebook`);
  }
  return { panel: widget, runnable };
}

/**
 * Run every cell once the kernel is up: cells sent before a kernel exists would be lost.
 * Resolves when the last cell has run (false when one failed; its error shows in the notebook).
 */
export async function runAll(panel: NotebookPanel): Promise<boolean> {
  await panel.context.ready;
  await panel.sessionContext.ready;
  if (!panel.sessionContext.session?.kernel) {
    throw new Error(
      `no kernel started for ${panel.context.path}: pick one and run the notebook`
    );
  }
  const ok = await NotebookActions.runAll(panel.content, panel.sessionContext);
  // Saved with its outputs, so the tab is not left "modified" by cells the user never edited.
  if (!panel.isDisposed && panel.context.model.dirty) {
    await panel.context.save();
  }
  return ok;
}

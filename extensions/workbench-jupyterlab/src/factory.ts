/**
 * "Open With -> Workbench": a document that hands its file to a notebook and closes itself.
 *
 * A document panel of its own would need the file's contents in the browser (a DuckDB store can
 * be gigabytes) and a kernel wired to ipywidgets by hand; a notebook has both and stays editable.
 */
import {
  ABCWidgetFactory,
  DocumentRegistry,
  DocumentWidget,
  TextModelFactory
} from '@jupyterlab/docregistry';
import { Contents } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

import { MODEL_FACTORY, workbenchIcon } from './filetypes';

/** A model that is never filled: the context asks the server for metadata only. */
export class NoContentModelFactory extends TextModelFactory {
  get name(): string {
    return MODEL_FACTORY;
  }

  get contentType(): Contents.ContentType {
    return 'file';
  }

  get fileFormat(): Contents.FileFormat {
    return null;
  }
}

/** Opens the notebook for a path; resolves once it is on screen. */
export type Opener = (path: string) => Promise<unknown>;

export class OpenerFactory extends ABCWidgetFactory<
  DocumentWidget,
  DocumentRegistry.IModel
> {
  constructor(
    options: DocumentRegistry.IWidgetFactoryOptions<DocumentWidget>,
    private readonly _open: Opener
  ) {
    super(options);
  }

  protected createNewWidget(
    context: DocumentRegistry.IContext<DocumentRegistry.IModel>
  ): DocumentWidget {
    const content = new Widget();
    content.addClass('jp-WorkbenchOpener');
    // textContent, never innerHTML: a file name is untrusted text.
    content.node.textContent = `Opening ${context.path} in a Workbench notebook…`;
    const widget = new DocumentWidget({ content, context });
    widget.title.icon = workbenchIcon;
    void context.ready
      .then(() => this._open(context.path))
      .then(
        () => widget.dispose(),
        (err: unknown) => {
          content.addClass('jp-WorkbenchOpener-error');
          content.node.textContent = `Could not open ${context.path} in the Workbench: ${String(
            (err as Error)?.message ?? err
          )}`;
        }
      );
    return widget;
  }
}

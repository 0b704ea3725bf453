/**
 * workbench-jupyterlab: open workspaces and trace files from the file browser in the
 * IncidentExplorer, and the demo from the Launcher and the command palette.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';

import { NoContentModelFactory, OpenerFactory } from './factory';
import {
  FACTORY,
  MODEL_FACTORY,
  OTHER_FILE_TYPES,
  OWN_FILE_TYPES,
  workbenchIcon
} from './filetypes';
import {
  demoCells,
  fileCells,
  notebookPathFor,
  openNotebook,
  runAll
} from './notebook';

namespace CommandIDs {
  export const open = 'workbench:open';
  export const openDemo = 'workbench:open-demo';
}

const CATEGORY = 'Workbench';
const DEMO_NOTEBOOK = 'workbench-demo.ipynb';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'workbench-jupyterlab:plugin',
  description:
    'Open workbench workspaces and trace files from the file browser in the IncidentExplorer.',
  autoStart: true,
  requires: [IDocumentManager],
  optional: [IDefaultFileBrowser, ILauncher, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    browser: IDefaultFileBrowser | null,
    launcher: ILauncher | null,
    palette: ICommandPalette | null
  ) => {
    const { commands, docRegistry } = app;

    // Open the notebook on screen first, then run it: the caller can close its placeholder
    // while the kernel starts, ingests and draws.
    const openFile = async (path: string): Promise<void> => {
      const { panel, runnable } = await openNotebook(
        docManager,
        notebookPathFor(path),
        fileCells(path),
        PathExt.basename(path)
      );
      if (runnable) {
        void runAll(panel).catch(err =>
          showErrorMessage('Workbench', err as Error)
        );
      }
    };

    commands.addCommand(CommandIDs.open, {
      label: 'Open in Workbench',
      caption: 'Open a workspace or a trace file in the IncidentExplorer',
      icon: workbenchIcon,
      execute: async args => {
        const path = args['path'] as string | undefined;
        if (!path) {
          throw new Error('workbench:open needs a path');
        }
        await openFile(path);
      }
    });

    commands.addCommand(CommandIDs.openDemo, {
      label: args => (args['isPalette'] ? 'Open the Workbench demo' : 'Workbench'),
      caption: 'The IncidentExplorer on the embedded demo data',
      icon: args => (args['isPalette'] ? undefined : workbenchIcon),
      execute: async args => {
        const cwd = (args['cwd'] as string | undefined) ?? browser?.model.path ?? '';
        const { panel, runnable } = await openNotebook(
          docManager,
          PathExt.join(cwd, DEMO_NOTEBOOK),
          demoCells(),
          null
        );
        if (runnable) {
          await runAll(panel);
        }
      }
    });

    for (const ft of OWN_FILE_TYPES) {
      docRegistry.addFileType(ft);
    }
    docRegistry.addModelFactory(new NoContentModelFactory());
    const ownNames = OWN_FILE_TYPES.map(ft => ft.name as string);
    docRegistry.addWidgetFactory(
      new OpenerFactory(
        {
          name: FACTORY,
          label: 'Workbench',
          modelName: MODEL_FACTORY,
          fileTypes: [...ownNames, ...OTHER_FILE_TYPES],
          defaultFor: ownNames,
          preferKernel: false,
          canStartKernel: false
        },
        openFile
      )
    );

    if (launcher) {
      launcher.add({ command: CommandIDs.openDemo, category: CATEGORY, rank: 0 });
    }
    if (palette) {
      palette.addItem({
        command: CommandIDs.openDemo,
        args: { isPalette: true },
        category: CATEGORY
      });
    }
  }
};

export default plugin;

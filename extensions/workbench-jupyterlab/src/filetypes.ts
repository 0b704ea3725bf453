/**
 * The files the workbench reads, as JupyterLab file types.
 *
 * JupyterLab matches the longest multi-part extension first (`x.otlp.jsonl` is tried as
 * `.otlp.jsonl`, then `.jsonl`), so `.otlp.json` files get the Workbench as their default
 * while other `.json` files keep their viewer and only list the Workbench under "Open With".
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { LabIcon } from '@jupyterlab/ui-components';

import iconSvg from '../style/workbench.svg';

export const workbenchIcon = new LabIcon({
  name: 'workbench-jupyterlab:icon',
  svgstr: iconSvg
});

/** The name of the widget factory: what "Open With" lists. */
export const FACTORY = 'Workbench';

/** A model factory that never loads the file: the kernel reads it, not the browser. */
export const MODEL_FACTORY = 'workbench-no-content';

/** File types the Workbench opens on a double-click. */
export const OWN_FILE_TYPES: Partial<DocumentRegistry.IFileType>[] = [
  {
    name: 'workbench-duckdb',
    displayName: 'Workbench workspace (DuckDB)',
    extensions: ['.duckdb'],
    mimeTypes: ['application/x-duckdb'],
    contentType: 'file',
    fileFormat: null,
    icon: workbenchIcon
  },
  {
    name: 'workbench-otlp',
    displayName: 'OpenTelemetry traces (OTLP JSON)',
    extensions: [
      '.otlp.json',
      '.otlp.jsonl',
      '.otlp.json.gz',
      '.otlp.jsonl.gz',
      '.otel.json',
      '.otel.jsonl'
    ],
    mimeTypes: ['application/json'],
    contentType: 'file',
    fileFormat: null,
    icon: workbenchIcon
  },
  {
    // Compressed logs: the text editor can only show them as base64.
    name: 'workbench-json-gz',
    displayName: 'Compressed JSON logs',
    extensions: ['.jsonl.gz', '.json.gz', '.ndjson.gz'],
    mimeTypes: ['application/gzip'],
    contentType: 'file',
    fileFormat: null,
    icon: workbenchIcon
  }
];

/** JupyterLab's own types whose files may be traces: the Workbench is offered under "Open With". */
export const OTHER_FILE_TYPES = ['json', 'jsonl'];

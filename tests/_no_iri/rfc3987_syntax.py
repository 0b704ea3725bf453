"""Stands in for ``rfc3987_syntax`` in the test processes and every process they start (tests/conftest.py puts
this folder first on ``$PYTHONPATH``): it refuses to import.

The real package (installed with JupyterLab: jupyter-events asks for ``jsonschema[format-nongpl]``) compiles its
Lark grammars when jsonschema is imported, ~2 CPU s in every process importing altair, nbformat or the Jupyter
server (each kernel, the server, each xdist worker), for jsonschema's ``iri`` format check, which nothing the suite
runs asks for. jsonschema imports it under ``suppress(ImportError)``: without it the ``iri`` format is left
unchecked, as on a machine where the package is not installed. The workbench itself never imports jsonschema
(workbench/policy/_schema.py).
"""

raise ImportError(
    "rfc3987_syntax is kept out of the test processes (tests/_no_iri/rfc3987_syntax.py says why)"
)

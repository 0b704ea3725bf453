"""Only a workaround: everything else is in pyproject.toml.

setuptools' PEP 660 editable build installs data files only when the distribution answers
``has_data()``, a method it never defines (pypa/setuptools#3399), so ``pip install -e .`` would
skip ``[tool.setuptools.data-files]`` and JupyterLab would not find the prebuilt extension.
"""

from setuptools import setup
from setuptools.dist import Distribution


class _Distribution(Distribution):
    def has_data(self) -> bool:
        return self.has_data_files()


setup(distclass=_Distribution)

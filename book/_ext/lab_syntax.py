"""Sphinx reads each chapter's JupyterLab MyST as the roles it stands for (dlbook.tools.lab_myst)."""
import json

from sphinx.errors import ExtensionError

from dlbook.tools.lab_myst import DialectError, translate_notebook


def _source_read(app, docname, source):
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    try:
        nb = translate_notebook(json.loads(source[0]), where=docname)
    except DialectError as exc:
        raise ExtensionError(str(exc)) from None
    source[0] = json.dumps(nb, ensure_ascii=False)


def setup(app):
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

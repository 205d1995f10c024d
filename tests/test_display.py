"""dlbook.display (show_source, glue), dlbook.tools.execute on tiny notebooks, and the
chapters' MyST dialect (dlbook.tools.lab_myst)."""
import inspect
import re

import pytest

from dlbook import functional as F
from dlbook import nn

pytest.importorskip("IPython")
from dlbook.display import glue, glued, show_source  # noqa: E402
from dlbook.tools import lab_myst  # noqa: E402


def test_show_source_of_a_function():
    code = show_source(F.sigmoid)
    text = repr(code)
    assert "def sigmoid(input):" in text
    source = inspect.getsource(F.sigmoid).strip()      # the source, roles shown as plain text
    assert text.strip() == re.sub(r":math:`([^`]*)`", r"\1", source)
    assert "sigmoid" in code._repr_html_()


def test_show_source_shows_sphinx_roles_as_plain_text():
    text = repr(show_source(nn.Linear))
    assert "class Linear(Module):" in text and ":math:`" not in text and ":class:`" not in text
    from dlbook.display import _ROLE, _plain_role
    assert _ROLE.sub(_plain_role, "see :func:`~dlbook.no_grad` and :math:`W^l` or :class:`a.B`") \
        == "see no_grad and W^l or a.B"


def test_show_source_of_a_method_is_dedented():
    text = repr(show_source(nn.Linear.forward))
    assert text.startswith("def forward(self, input):")


def test_show_source_of_a_class():
    assert "class Linear(Module):" in repr(show_source(nn.Linear))


def test_show_source_rejects_builtins():
    with pytest.raises(TypeError, match="cannot show the source"):
        show_source(len)


# --------------------------------------------------------------------------- tools.execute
def test_execute_runs_a_tiny_notebook(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    jupyter_client = pytest.importorskip("jupyter_client")
    from dlbook.tools import execute

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# tiny"),
                nbformat.v4.new_code_cell("import os\nprint(os.path.exists('marker.txt'))"),
                nbformat.v4.new_code_cell("import dlbook\n6 * 7")]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="stale\n")]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "marker.txt").write_text("")          # the notebook's folder is its cwd
    try:
        seconds = execute.execute(path, timeout=60)
    except (jupyter_client.kernelspec.NoSuchKernel, RuntimeError, TimeoutError) as exc:
        pytest.skip(f"no Jupyter kernel could be started: {exc}")
    assert seconds >= 0
    out = nbformat.read(path, as_version=4)
    code = [c for c in out.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2]
    assert code[0].outputs[0]["text"] == "True\n"
    assert code[1].outputs[0]["data"]["text/plain"] == "42"
    assert all("execution" not in c.metadata for c in code)


def test_execute_main_needs_a_notebook():
    pytest.importorskip("nbclient")
    from dlbook.tools import execute
    with pytest.raises(SystemExit):
        execute.main([])


def test_glue_keeps_the_value_for_inline_expressions(capsys):
    glue("test-display-steps", "37")
    assert glued["test-display-steps"] == "37"
    with pytest.raises(TypeError, match="name must be a non-empty str"):
        glue("", 1)


def test_execute_stores_inline_expression_results(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    jupyter_client = pytest.importorskip("jupyter_client")
    from dlbook.tools import execute

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('from dlbook.display import glue, glued\n'
                                          'glue("answer", f"{6 * 7}")'),
                nbformat.v4.new_markdown_cell('It is {eval}`glued["answer"]`, not '
                                              '{eval}`glued["later"]`.'),
                nbformat.v4.new_code_cell('glue("later", "1")')]
    path = tmp_path / "inline.ipynb"
    nbformat.write(nb, path)
    try:
        execute.execute(path, timeout=60)
    except (jupyter_client.kernelspec.NoSuchKernel, RuntimeError, TimeoutError) as exc:
        pytest.skip(f"no Jupyter kernel could be started: {exc}")
    stored = nbformat.read(path, as_version=4).cells[1].metadata["user_expressions"]
    assert [e["expression"] for e in stored] == ['glued["answer"]', 'glued["later"]']
    assert stored[0]["result"]["status"] == "ok"
    assert stored[0]["result"]["data"]["text/plain"] == "'42'"
    assert stored[1]["result"]["status"] == "error"      # evaluated where the cell stands
    from dlbook.tools.check_notebooks import notebook_problems
    assert any("before the code cell that glues it" in p or "not the glued value" in p
               for p in notebook_problems(path))


def test_lab_myst_translates_the_dialect():
    nb = {"cells": [
        {"cell_type": "code", "source": "display(fig)", "metadata": {},
         "outputs": [{"output_type": "display_data", "metadata": {},
                      "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}}]},
        {"cell_type": "markdown", "metadata": {},
         "source": ":::{figure}\n:name: fig-x\n:alt: A line.\n\nA line, {eval}`glued[\"n\"]` "
                   "points.\n:::"},
        {"cell_type": "markdown", "metadata": {},
         "source": 'See [(Gers et al., 2000)](cite:gers2000), [Gers et al. (2000)](citet:gers2000) '
                   'and [(21.6)](eq:conv-eq-outsize); {eval}`glued["n"]` steps.'}]}
    out = lab_myst.translate_notebook(nb)
    assert len(out["cells"]) == 2
    assert out["cells"][0]["metadata"]["mystnb"] == {
        "figure": {"name": "fig-x", "caption": "A line, {glue:text}`n` points."},
        "image": {"alt": "A line."}}
    assert out["cells"][1]["source"] == ("See {cite:p}`gers2000`, {cite:t}`gers2000` and "
                                         "{eq}`conv-eq-outsize`; {glue:text}`n` steps.")
    with pytest.raises(lab_myst.DialectError, match="glued"):
        lab_myst.translate_markdown("{eval}`1 + 1`")
    lonely = {"cells": [nb["cells"][1] | {"source": ":::{figure}\n:name: f\n:alt: a\n\nc\n:::"}]}
    with pytest.raises(lab_myst.DialectError, match="follow a code cell"):
        lab_myst.translate_notebook(lonely)

"""dlbook.display.show_source, and dlbook.tools.execute on a tiny notebook."""
import inspect

import pytest

from dlbook import functional as F
from dlbook import nn

pytest.importorskip("IPython")
from dlbook.display import show_source  # noqa: E402


def test_show_source_of_a_function():
    code = show_source(F.sigmoid)
    text = repr(code)
    assert "def sigmoid(input):" in text
    assert text.strip() == inspect.getsource(F.sigmoid).strip()
    assert "sigmoid" in code._repr_html_()


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

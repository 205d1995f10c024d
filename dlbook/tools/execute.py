"""Re-execute notebooks top to bottom in a fresh kernel and store their outputs.

Usage::

    python -m dlbook.tools.execute book/feedforward/02_backprop.ipynb [more.ipynb ...]
    python -m dlbook.tools.execute --all          # every notebook listed under book/

Each notebook runs with its own folder as the working directory, exactly as nbval runs it,
and is written back in place with execution counts 1, 2, 3, ... A Markdown cell's inline
expressions (``{eval}`glued["name"]```) are evaluated where the cell stands, exactly as
JupyterLab's MyST extension evaluates them when the cell runs, and their results are stored in
the cell's ``user_expressions`` metadata, so the numbers show before anything runs. The run time
of each is printed
(to the terminal, never into the notebook), followed by anything the static checks of
``dlbook.tools.check_notebooks`` find in the stored result; the exit status is 1 if they find
something.
"""
import argparse
import hashlib
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlbook.tools.check_notebooks import KERNELSPEC, WIDGET_MIME, notebook_problems
from dlbook.tools.lab_myst import inline_expressions

ROOT = Path(__file__).resolve().parents[2]


class _Client(NotebookClient):
    """An nbclient that also evaluates the inline expressions of Markdown cells, in place."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                 store_history=True):
        if cell.cell_type != "markdown":
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        expressions = inline_expressions(cell.source)
        cell.metadata.pop("user_expressions", None)
        if expressions:
            request = {str(i): e for i, e in enumerate(expressions)}
            msg_id = self.kc.execute("", silent=True, store_history=False,
                                     user_expressions=request)
            reply = await self.async_wait_for_reply(msg_id, cell)
            results = reply["content"]["user_expressions"]
            cell.metadata["user_expressions"] = [
                {"expression": e, "result": results[str(i)]} for i, e in enumerate(expressions)]
            failed = [e for i, e in enumerate(expressions)
                      if results[str(i)].get("status") != "ok"]
            if failed:  # stored as errors; the static checks report them
                print(f"  cell {cell_index}: inline expressions that fail where the cell stands: "
                      f"{failed}", file=sys.stderr)
        return cell


def coalesce_streams(cell):
    """Merge consecutive stdout (or stderr) outputs of a cell into one.

    How the kernel splits printed text into messages depends on timing; merging makes the
    stored notebook the same on every run, so its diff shows only real changes.
    """
    merged = []
    for out in cell.get("outputs", []):
        if (merged and out.get("output_type") == "stream"
                and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] = "".join(merged[-1]["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    cell["outputs"] = merged


def execute(path, timeout=600):
    """Execute the notebook at ``path`` in place; return the seconds it took."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if "id" not in cell:  # nbformat 4.5 wants an id on every cell; make one that is stable
            cell["id"] = hashlib.sha1(f"{path.name}:{index}:{cell.source}".encode()).hexdigest()[:12]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    client = _Client(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # drop run-specific timing metadata so diffs stay clean
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            coalesce_streams(cell)
            # A live widget cannot be stored (its state changes on every run): without it,
            # Jupyter would show the widget's text form until the cell runs.
            cell.outputs = [o for o in cell.outputs
                            if WIDGET_MIME not in o.get("data", {})]
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)  # as installed, so Jupyter opens it unmodified
    nbformat.write(nb, path)
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebook under book/")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = list(args.notebooks)
    if args.all:
        paths += sorted(p for p in (ROOT / "book").rglob("*.ipynb")
                        if ".ipynb_checkpoints" not in p.parts)
    if not paths:
        parser.error("name at least one notebook, or pass --all")
    problems = []
    for p in paths:
        seconds = execute(p, args.timeout)
        print(f"{p}: {seconds:.1f} s", file=sys.stderr)
        found = notebook_problems(p)
        for problem in found:
            print(f"  {problem}", file=sys.stderr)
        problems += found
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

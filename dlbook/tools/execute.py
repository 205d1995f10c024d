"""Re-execute notebooks top to bottom in a fresh kernel and store their outputs.

Usage::

    python -m dlbook.tools.execute book/feedforward/02_backprop.ipynb [more.ipynb ...]
    python -m dlbook.tools.execute --all          # every notebook listed under book/

Each notebook runs with its own folder as the working directory, exactly as nbval runs it,
and is written back in place with execution counts 1, 2, 3, ... The run time of each is printed
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

from dlbook.tools.check_notebooks import KERNELSPEC, notebook_problems

ROOT = Path(__file__).resolve().parents[2]


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
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # drop run-specific timing metadata so diffs stay clean
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            coalesce_streams(cell)
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

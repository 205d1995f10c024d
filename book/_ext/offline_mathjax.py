"""Serve MathJax 3 from the built book itself, so the HTML shows mathematics without internet.

The MathJax 3 ``es5`` bundle comes from the PyPI package ``django-static-mathjax`` (it only
packages MathJax's files; nothing of Django is used or installed). When it is present, the
script, its fonts and the TeX extensions it may load on demand are copied to
``_static/mathjax/`` and Sphinx's ``mathjax_path`` points there; when it is absent, Sphinx's
default (MathJax 3 from a CDN) is kept.
"""
import shutil
from importlib import resources
from pathlib import Path

#: The parts of the es5 bundle that ``tex-chtml.js`` loads at run time.
PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui", "a11y")


def mathjax_es5():
    """The folder holding MathJax 3's ``tex-chtml.js``, or None if the package is missing."""
    try:
        root = Path(str(resources.files("mathjax"))) / "static" / "mathjax" / "es5"
    except ModuleNotFoundError:
        return None
    return root if (root / "tex-chtml.js").is_file() else None


def _use_local_copy(app, config):
    if mathjax_es5() is not None:
        config.mathjax_path = "mathjax/tex-chtml.js"  # relative to _static/


def _copy_files(app, exception):
    source = mathjax_es5()
    if exception is not None or source is None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def setup(app):
    app.connect("config-inited", _use_local_copy)
    app.connect("build-finished", _copy_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

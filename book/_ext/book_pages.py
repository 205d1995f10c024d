"""What the HTML book adds to Sphinx: the errata index, author-year bibliography labels, tidy pages.

* ``{errata-index}`` — a directive that becomes a table of every erratum box in the book
  (an admonition whose title starts with "Erratum"), in reading order, each linked to its box,
  with the chapter and the lecture notes it corrects (found in the box's text by the sources'
  short names). The table is built from the boxes themselves, so it cannot miss one.
* The bibliography lists entries under the labels the text cites them by ("Kay 1993"), not
  pybtex's alpha labels ("Kay93"), with accented names decoded.
* The fixed ids of exercise, solution and proof boxes are numbered, so no id repeats on a page.
* A display equation wider than the text column is set smaller, to at most 75 % (``fit-math.js``),
  and scrolls inside the column if that is not enough (``book.css``).
* Every page loads MathJax (the bibliography has formulas in titles), and the duplicated,
  unused Thebe scripts that sphinx-thebe injects (they would fetch code from the web and raise
  "Identifier 'THEBE_JS_URL' has already been declared") are dropped.
"""
import codecs
import re
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

#: Short name of each set of lecture notes, and words that identify it in an erratum's text.
SOURCES = (
    ("the Lee review", ("Lee review",)),
    ("the EE599 summary", ("EE599",)),
    ("the Oxford lecture", ("Oxford",)),
    ("the blog summary", ("blog summary", "blog notes", "blog")),
    ("the handwritten notes", ("handwritten",)),
)


class errata_index(nodes.General, nodes.Element):
    """Placeholder replaced by the table once every document has been read."""


class ErrataIndexDirective(SphinxDirective):
    has_content = False

    def run(self):
        return [errata_index("")]


def _title_of(admonition):
    for child in admonition.children:
        if isinstance(child, nodes.title):
            return child
    return None


def _source_of(text):
    for name, keys in SOURCES:
        if any(key in text for key in keys):
            return name
    return ""


def _collect(app, doctree):
    env = app.env
    if not hasattr(env, "dlbook_errata"):
        env.dlbook_errata = []
    count = 0
    for admonition in doctree.findall(nodes.admonition):
        title = _title_of(admonition)
        if title is None or not title.astext().startswith("Erratum"):
            continue
        count += 1
        if not admonition["ids"]:
            new_id = f"erratum-{count}"
            admonition["ids"].append(new_id)
            doctree.ids[new_id] = admonition
        label = title.deepcopy()
        first = label.children[0] if label.children else None
        if isinstance(first, nodes.Text):
            stripped = re.sub(r"^Erratum\s*:?\s*", "", str(first))
            label.replace(first, nodes.Text(stripped[:1].upper() + stripped[1:]))
        body = admonition.astext()[len(title.astext()):]
        env.dlbook_errata.append({"docname": env.docname, "id": admonition["ids"][0],
                                  "title": label.children, "source": _source_of(body)})


def _purge(app, env, docname):
    if hasattr(env, "dlbook_errata"):
        env.dlbook_errata = [e for e in env.dlbook_errata if e["docname"] != docname]


def _merge(app, env, docnames, other):
    env.dlbook_errata = getattr(env, "dlbook_errata", []) + [
        e for e in getattr(other, "dlbook_errata", []) if e["docname"] in docnames]


def _reading_order(env, root):
    order, stack = [], [root]
    while stack:
        doc = stack.pop(0)
        if doc in order:
            continue
        order.append(doc)
        stack[0:0] = env.toctree_includes.get(doc, [])
    return order


def _entry(*children):
    entry = nodes.entry()
    paragraph = nodes.paragraph()
    paragraph.extend(children)
    entry.append(paragraph)
    return entry


def _table(app, fromdocname):
    env = app.env
    order = {doc: i for i, doc in enumerate(_reading_order(env, app.config.root_doc))}
    errata = sorted(getattr(env, "dlbook_errata", []),
                    key=lambda e: (order.get(e["docname"], len(order)), e["docname"]))
    table = nodes.table(classes=["errata-index"])
    group = nodes.tgroup(cols=3)
    table.append(group)
    for width in (30, 52, 18):
        group.append(nodes.colspec(colwidth=width))
    head = nodes.thead()
    row = nodes.row()
    for text in ("Chapter", "Erratum", "Corrects"):
        row.append(_entry(nodes.Text(text)))
    head.append(row)
    group.append(head)
    body = nodes.tbody()
    for erratum in errata:
        doc = erratum["docname"]
        numbers = env.toc_secnumbers.get(doc, {}).get("", ())
        chapter = ".".join(map(str, numbers))
        title = env.titles[doc].astext() if doc in env.titles else doc
        uri = app.builder.get_relative_uri(fromdocname, doc)
        chapter_ref = nodes.reference("", "", internal=True, refuri=uri)
        chapter_ref.append(nodes.Text(f"{chapter}. {title}" if chapter else title))
        box_ref = nodes.reference("", "", internal=True, refuri=f"{uri}#{erratum['id']}")
        box_ref.extend(child.deepcopy() for child in erratum["title"])
        row = nodes.row()
        row.append(_entry(chapter_ref))
        row.append(_entry(box_ref))
        row.append(_entry(nodes.Text(erratum["source"].replace("the ", "The ", 1)
                                     if erratum["source"] else "")))
        body.append(row)
    group.append(body)
    return table, len(errata)


def _resolve(app, doctree, fromdocname):
    for placeholder in list(doctree.findall(errata_index)):
        table, count = _table(app, fromdocname)
        summary = nodes.paragraph(text=f"{count} errata in all.")
        placeholder.replace_self([summary, table])


#: Ids that sphinx-exercise and sphinx-proof give to every box they render.
_REPEATED_IDS = re.compile(r'id="(exercise-content|solution-content|proof-content|proof)"')


def _unique_ids(app, pagename, templatename, context, doctree):
    """Number the fixed ids of exercise, solution and proof boxes, which repeat on a page."""
    body = context.get("body")
    if not body:
        return
    counts = {}

    def number(match):
        name = match.group(1)
        counts[name] = counts.get(name, 0) + 1
        return f'id="{name}-{counts[name]}"'

    context["body"] = _REPEATED_IDS.sub(number, body)


def _tidy_scripts(app, pagename, templatename, context, doctree):
    scripts, seen = [], set()
    for script in context.get("script_files", []):
        filename = getattr(script, "filename", str(script)) or ""
        attributes = getattr(script, "attributes", {}) or {}
        body = str(attributes.get("body", ""))
        if "thebe" in filename or "THEBE_JS_URL" in body:
            continue
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        scripts.append(script)
    context["script_files"] = scripts


def _register_label_style():
    """A pybtex style whose labels are "Author year", as the text cites."""
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle
    import latexcodec  # noqa: F401  (registers the "ulatex" codec pybtex depends on)

    def plain(text):
        text = str(text)
        try:
            text = codecs.decode(text, "ulatex")
        except (ValueError, TypeError):
            pass
        return re.sub(r"[{}]", "", text)

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            seen = {}
            for entry in sorted_entries:
                people = entry.persons.get("author") or entry.persons.get("editor") or []
                names = [plain(" ".join(p.last_names)) for p in people]
                if not names:
                    who = plain(entry.fields.get("key", entry.key))
                elif len(names) == 1:
                    who = names[0]
                elif len(names) == 2:
                    who = f"{names[0]} and {names[1]}"
                else:
                    who = f"{names[0]} et al."
                label = f"{who} {plain(entry.fields.get('year', 'n.d.'))}"
                seen[label] = seen.get(label, 0) + 1
                yield label if seen[label] == 1 else f"{label}{chr(ord('a') + seen[label] - 1)}"

    class BookStyle(UnsrtStyle):
        default_label_style = "dlbook_author_year"
        default_sorting_style = "author_year_title"

    register_plugin("pybtex.style.labels", "dlbook_author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "dlbook", BookStyle)


def _static_files(app, config):
    static = str((Path(__file__).resolve().parent.parent / "_static"))
    if static not in [str(p) for p in config.html_static_path]:
        config.html_static_path.append(static)


def setup(app):
    _register_label_style()
    app.add_node(errata_index)
    app.add_directive("errata-index", ErrataIndexDirective)
    app.connect("doctree-read", _collect)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _resolve)
    app.connect("html-page-context", _tidy_scripts)
    app.connect("html-page-context", _unique_ids)
    app.set_html_assets_policy("always")
    app.connect("config-inited", _static_files)
    app.add_css_file("book.css")
    app.add_js_file("fit-math.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}

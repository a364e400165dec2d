"""Jinja filters and globals for the template: free-text answers enter baked source as data,
answers the pre_prompt hook settled keep their names, and the post-generation hook learns
where the template lives."""

from pathlib import Path
from urllib.parse import urlsplit

from cookiecutter.utils import simple_filter
from jinja2.ext import Extension

# Cookiecutter imports this module while it asks the questions, when the working directory
# is still the user's: the directory a template path given as relative is relative to.
# (The module's own folder is not the template's: the pre_prompt hook makes cookiecutter
# bake from a temporary copy.)
LAUNCH_DIRECTORY = Path.cwd().resolve()
# The prefix hooks/pre_prompt.py gives a question it settles instead of asking.
SETTLED = "__settled_"

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


@simple_filter
def pystr(value):
    """Render ``value`` as a Python string literal, quoted the way ruff format would.

    Quotes, backslashes, ``$``, ``#`` and unicode in an answer can then neither end
    the literal early nor change what it means, and the baked file needs no reformatting.
    """
    text = str(value)
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + "".join(_escape(char, quote) for char in text) + quote


def _escape(char, quote):
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char == quote:
        return "\\" + quote
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\x{ord(char):02x}"
    return char


@simple_filter
def url_part(value, part):
    """Return one part of a URL answer: ``scheme``, ``host``, ``port`` or ``path``.

    Derived answers are rendered before the pre-generation hook validates the URL,
    so a malformed URL gives an empty part here and a clear refusal there.
    """
    try:
        parts = urlsplit(str(value))
        port = parts.port
    except ValueError:
        return ""
    if part == "scheme":
        return parts.scheme
    if part == "host":
        return parts.hostname or ""
    if part == "port":
        return "" if port is None else str(port)
    if part == "path":
        return parts.path.rstrip("/")
    raise ValueError(f"url_part: unknown part {part!r}")


# Plurals the rules below would get wrong, for the last word of a snake-case noun.
_IRREGULAR_SINGULARS = {
    "calories": "calorie",
    "children": "child",
    "cookies": "cookie",
    "data": "data",
    "movies": "movie",
    "news": "news",
    "people": "person",
    "series": "series",
    "species": "species",
}


@simple_filter
def singular(value):
    """The singular of an English plural noun in snake case: ratings -> rating, order_lines -> order_line."""
    *head, last = str(value).split("_")
    if last in _IRREGULAR_SINGULARS:
        last = _IRREGULAR_SINGULARS[last]
    elif last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith(("sses", "uses", "xes", "ches", "shes", "zzes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-1]
    return "_".join([*head, last])


@simple_filter
def plural(value):
    """The plural of an English noun in snake case: movie -> movies, category -> categories."""
    text = str(value)
    if text.endswith("y") and text[-2:-1] not in set("aeiou"):
        return text[:-1] + "ies"
    if text.endswith(("s", "x", "ch", "sh")):
        return text + "es"
    return text + "s"


@simple_filter
def camel(value):
    """A snake-case name as one capitalised word: order_lines -> OrderLines."""
    return "".join(part[:1].upper() + part[1:] for part in str(value).split("_"))


@simple_filter
def answers(context):
    """``{% set cc = cookiecutter | answers %}``: every answer under its question's name.

    A question the pre_prompt hook settled is in the context as ``__settled_<name>``; an
    answer under the name itself (asked again by a replay) wins over it.
    """
    named = {}
    for key, value in context.items():
        name = key[len(SETTLED) :] if key.startswith(SETTLED) else key
        if name == key or name not in context:
            named[name] = value
    return named


class LaunchDirectory(Extension):
    """Give templates ``launch_directory``: where cookiecutter was started, as an absolute path.

    Cookiecutter tells hooks the template path as the user typed it, which may be relative
    to a directory the post-generation hook (running inside the new project) cannot know.
    """

    def __init__(self, environment):
        super().__init__(environment)
        global LAUNCH_DIRECTORY  # one bake after another in the same process
        here = Path.cwd().resolve()
        # Cookiecutter makes its environments where it was started, except the ones that render
        # the hooks, inside the template (copy); one started there finds the module's value.
        if not (here / "hooks" / "pre_prompt.py").is_file():
            LAUNCH_DIRECTORY = here
        environment.globals["launch_directory"] = str(LAUNCH_DIRECTORY)


# What each framework serves by default: the answers a preset fills in. Every answer not
# named here takes the ``custom`` value, today's MovieLens defaults; an answer given by name
# (key=value, a config file, a replay) always wins over the preset's default.
_CUSTOM = {
    "auth_type": "basic",
    "pagination": "offset",
    "records_key": "result",
    "total_key": "total",
    "total_pages_key": "",
    "total_header": "",
    "offset_param": "offset",
    "limit_param": "limit",
    "page_param": "page",
    "cursor_param": "cursor",
    "next_cursor_key": "next_cursor",
    "next_url_key": "next",
    "max_page_size": "1000",
    "extra_params": "",
    "date_filter": "date",
    "start_param": "start_date",
    "end_param": "end_date",
    "window_end": "exclusive",
}
PRESETS = {
    "movielens": {},
    "custom": {},
    "drf-limit-offset": {"pagination": "offset", "records_key": "results", "total_key": "count"},
    "drf-page-number": {
        "pagination": "page",
        "records_key": "results",
        "total_key": "count",
        "limit_param": "page_size",
    },
    "drf-cursor": {
        "pagination": "next_url",
        "records_key": "results",
        "total_key": "",
        "next_url_key": "next",
        "limit_param": "page_size",
    },
    "fastapi-pagination": {
        "pagination": "page",
        "records_key": "items",
        "total_key": "total",
        "limit_param": "size",
        "max_page_size": "100",
    },
    "json-server": {
        "pagination": "link_header",
        "records_key": "",
        "total_key": "",
        "total_header": "X-Total-Count",
        "limit_param": "_limit",
        "extra_params": "_page=1",
        "date_filter": "epoch_seconds",
        "start_param": "timestamp_gte",
        "end_param": "timestamp_lte",
        "window_end": "inclusive",
    },
    "github": {
        "auth_type": "bearer",
        "pagination": "link_header",
        "records_key": "",
        "total_key": "",
        "limit_param": "per_page",
        "max_page_size": "100",
    },
}


def preset_answer(name, question):
    """The default answer to ``question`` under the preset called ``name``.

    An unknown preset gives the custom defaults here, so the pre-generation hook can
    refuse it by name instead of cookiecutter failing on a template error.
    """
    if question not in _CUSTOM:
        raise ValueError(f"preset: no preset answers {question!r}")
    return PRESETS.get(str(name), {}).get(question, _CUSTOM[question])


@simple_filter
def preset(value, question):
    """``{{ cookiecutter.api_preset | preset("records_key") }}``: the preset's default answer."""
    return preset_answer(value, question)


@simple_filter
def query_pairs(value):
    """An extra_params answer, ``name=value&name2=value2``, as (name, value) pairs in order."""
    text = str(value)
    return (
        [tuple(part.split("=", 1)) if "=" in part else (part, "") for part in text.split("&")] if text else []
    )

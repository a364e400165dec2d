"""Refuse answers that would bake a broken provider, before anything is written.

Each problem is reported as one line that names the question, the value given and
what is allowed; cookiecutter then removes the half-made output directory.
"""

import builtins
import json
import keyword
import re
import sys
import unicodedata
import zoneinfo
from urllib.parse import urlsplit

# Under their own names, also the ones hooks/pre_prompt.py settled instead of asking.
ANSWERS = json.loads(r"""{{ cookiecutter | answers | tojson }}""")

DISTRIBUTION_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MODULE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Names shown to humans also appear in docstrings and comments, where a backslash or
# a double quote could end or change the text; other printable characters are fine.
HUMAN_NAME = re.compile(r"^[^\W_][\w .,&'+()/-]*$")
CLASS_PREFIX = re.compile(r"^[A-Z][A-Za-z0-9]*$")
CONNECTION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# Nouns that name classes and methods: snake case, words of lowercase letters and digits.
NOUN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MAX_NOUN = 16
# PEP 440 public versions without epochs or local parts, which PyPI refuses anyway.
# Numbers without leading zeros, so the version is already in the normalised form setuptools writes.
NUMBER = r"(?:0|[1-9]\d*)"
VERSION = re.compile(
    rf"^{NUMBER}(?:\.{NUMBER})*(?:(?:a|b|rc){NUMBER})?(?:\.post{NUMBER})?(?:\.dev{NUMBER})?$"
)
EMAIL = re.compile(r"^[^@\s\"'\\<>]+@[^@\s\"'\\<>]+\.[^@\s\"'\\<>]+$")
PATH_SEGMENT = re.compile(r"^[A-Za-z0-9._~:@+-]+$")
URL_SAFE = re.compile(r"^[A-Za-z0-9._~%/:@+-]+$")
UNSAFE_IN_URL = re.compile(r"[\s\"'\\<>`]")
# Query parameter names: letters, digits and _ . - [ ] (JSON:API's page[size] included).
PARAMETER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-\[\]]*$")
# Body keys, with dots for nesting: data.items, meta.next_cursor.
BODY_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
RECORD_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
# An API key sent in the query travels as it is, so its parameter name must need no escaping.
QUERY_KEY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# An HTTP header name or auth scheme: an RFC 7230 token.
HTTP_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# A next-URL key: a literal key (@odata.nextLink) or a dotted path (links.next), no spaces or empty parts.
NEXT_URL_KEY = re.compile(r"^[^\s.]+(?:\.[^\s.]+)*$")
PRESETS = ["movielens", "drf-limit-offset", "drf-page-number", "drf-cursor", "fastapi-pagination", "json-server", "github", "custom"]  # fmt: skip
MAX_PAGE_SIZE = 1_000_000
# Names the baked code already gives a meaning: the local API's timestamp and the ranking's columns.
RESERVED_RECORD_KEYS = {"timestamp", "avg_rating", "num_ratings"}
# Longer names would push baked import lines past the line length the linter allows.
MAX_MODULE_NAME = 32
MAX_CLASS_PREFIX = 24
# Modules a provider must not shadow: Airflow and the packages it and the baked project install.
TAKEN_MODULES = {
    "airflow", "alembic", "attr", "attrs", "build", "conftest", "cryptography", "demo", "fastapi",
    "flask", "fsspec", "httpx", "jinja2", "jsonschema", "lazy_object_proxy", "markupsafe", "numpy",
    "packaging", "pandas", "pendulum", "pip", "pluggy", "psutil", "pydantic", "pytest", "requests",
    "rich", "ruff", "setuptools", "sqlalchemy", "starlette", "structlog", "tenacity", "test", "tests",
    "twine", "typing_extensions", "upath", "urllib3", "uvicorn", "wheel", "yaml",
}  # fmt: skip


def problem(question, value, allowed):
    """Format one refusal the same way for every question."""
    return f"{question}: {value!r} is not allowed; {allowed}."


def check_free_text(question, value):
    """Free text may hold any printable character, but must fit on one line."""
    if not value.strip():
        return problem(question, value, "give a non-empty text")
    for char in value:
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Zl", "Zp"}:
            return problem(
                question,
                value,
                f"use printable characters on one line (found {unicodedata.name(char, hex(ord(char)))})",
            )
    return None


def check_pattern(question, value, pattern, allowed):
    """A structured answer must match its pattern in full."""
    return None if pattern.match(value) else problem(question, value, allowed)


def check_length(question, value, limit):
    """Keep a name short enough for the baked code to stay within the line length."""
    return problem(question, value, f"use at most {limit} characters") if len(value) > limit else None


def check_noun(question, value, example):
    """A records or items noun becomes part of class, method and file names."""
    if len(value) > MAX_NOUN:
        return check_length(question, value, MAX_NOUN)
    if not NOUN.match(value) or keyword.iskeyword(value):
        return problem(
            question,
            value,
            f"use lowercase words of letters and digits joined by single underscores, e.g. {example}",
        )
    if value in dir(builtins):
        return problem(question, value, "pick a noun that is not a Python builtin such as input or filter")
    return None


def check_module_name(value):
    """The import name must be a usable, non-shadowing Python identifier."""
    if len(value) > MAX_MODULE_NAME:
        return check_length("module_name", value, MAX_MODULE_NAME)
    if not MODULE_NAME.match(value):
        return problem(
            "module_name",
            value,
            "use lowercase letters, digits and underscores, starting with a letter, e.g. airflow_movielens",
        )
    if keyword.iskeyword(value) or value in sys.stdlib_module_names or value in TAKEN_MODULES:
        return problem(
            "module_name",
            value,
            "pick a name that does not shadow a Python keyword, a standard-library module or a dependency",
        )
    return None


def check_http_url(question, value, example, allow_path):
    """A URL answer must be plain http(s) with a host and nothing a connection should hold."""
    allowed = f"give an http:// or https:// URL with a host, e.g. {example}"
    if UNSAFE_IN_URL.search(value):
        return problem(question, value, allowed + " (no spaces, quotes or backslashes)")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return problem(question, value, allowed + " (with a port from 1 to 65535)")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return problem(question, value, allowed)
    if "[" in parts.netloc:
        return problem(question, value, allowed + " (a host name or IPv4 address, not an IPv6 literal)")
    if parts.username or parts.password:
        return problem(
            question, value, "leave credentials out of the URL; they belong in the Airflow connection"
        )
    if parts.query or parts.fragment:
        return problem(question, value, allowed + " (no query string or fragment)")
    if not allow_path and parts.path not in {"", "/"}:
        return problem(question, value, allowed + " (no path)")
    if not URL_SAFE.match(value):
        return problem(question, value, allowed + " (letters, digits and . _ ~ % / : @ + - only)")
    return None


def check_endpoint(value):
    """The endpoint is a plain path: segments of URL characters, none of them . or .."""
    segments = value[1:].split("/") if value.startswith("/") else []
    if segments and segments[-1] == "" and len(segments) > 1:
        segments = segments[:-1]  # a trailing slash is part of some APIs' paths
    if not segments or not all(PATH_SEGMENT.match(part) and part not in {".", ".."} for part in segments):
        return problem(
            "api_endpoint",
            value,
            "give a path starting with / made of segments of letters, digits and . _ ~ : @ + -, e.g. /ratings",
        )
    return None


def body_keys_in_use(answers):
    """The body keys the baked hook will read, by the question that names them."""
    pagination = answers["pagination"]
    used = {"records_key": answers["records_key"]}
    if pagination in {"offset", "page"}:
        used["total_key"] = answers["total_key"]
    if pagination == "page":
        used["total_pages_key"] = answers["total_pages_key"]
    if pagination == "cursor":
        used["next_cursor_key"] = answers["next_cursor_key"]
    if pagination == "next_url":
        used["next_url_key"] = answers.get("next_url_key", "next")
    return {question: key for question, key in used.items() if key}


def check_record_key(question, value):
    """A record key must be a plain name that the baked code does not use for something else."""
    if value in RESERVED_RECORD_KEYS:
        return problem(question, value, f"pick a key other than {', '.join(sorted(RESERVED_RECORD_KEYS))}")
    return check_pattern(question, value, RECORD_KEY, "give a record key of letters, digits and underscores")


def find_shape_problems(answers):
    """Check the answers that describe the API, but only those the chosen options use."""
    found = []
    if answers["auth_type"] == "api_key":
        in_header = answers["api_key_in"] == "header"
        found.append(
            check_pattern(
                "api_key_name",
                answers["api_key_name"],
                HEADER_NAME if in_header else QUERY_KEY_NAME,
                "give a header name of letters, digits and -, e.g. X-API-Key"
                if in_header
                else "give a parameter name of letters, digits and _ . -, e.g. api_key",
            )
        )
    for question, key in body_keys_in_use(answers).items():
        if question == "next_url_key":
            found.append(
                check_pattern(
                    question,
                    key,
                    NEXT_URL_KEY,
                    "give a body key without spaces, dotted for nesting, e.g. next, links.next or @odata.nextLink",
                )
            )
        else:
            found.append(
                check_pattern(question, key, BODY_KEY, "give a key such as result, total or meta.next")
            )
    for question, name in parameters_in_use(answers).items():
        if question != "api_key_name":
            found.append(
                check_pattern(
                    question, name, PARAMETER, "give a parameter name of letters, digits and _ . - [ ]"
                )
            )
    found.extend(
        check_record_key(question, answers[question]) for question in ("item_key", "user_key", "score_key")
    )
    found.extend(find_option_problems(answers))
    return found


def extra_param_pairs(answers):
    """The extra_params answer, name=value&name2=value2, as (name, value) pairs."""
    text = answers.get("extra_params", "")
    return (
        [tuple(part.split("=", 1)) if "=" in part else (part, None) for part in text.split("&")]
        if text
        else []
    )


def check_extra_params(value):
    """Fixed query parameters: name=value pairs with non-empty, distinct parameter names."""
    allowed = "give name=value pairs joined by &, e.g. _page=1&format=json, each name given once"
    names = []
    for name, param_value in extra_param_pairs({"extra_params": value}):
        if param_value is None or not PARAMETER.match(name) or name in names:
            return problem("extra_params", value, allowed + " (names of letters, digits and _ . - [ ])")
        if UNSAFE_IN_URL.search(param_value) or "#" in param_value:
            return problem(
                "extra_params", value, allowed + " (values without spaces, quotes, # or backslashes)"
            )
        names.append(name)
    return None


def check_max_page_size(value):
    """The largest page size the API serves: a whole number from 1 to 1_000_000."""
    allowed = f"give a whole number from 1 to {MAX_PAGE_SIZE}, e.g. 100"
    text = str(value)
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
        return problem("max_page_size", value, allowed)
    return None


def check_timezone(value):
    """An IANA time zone that this machine's zoneinfo knows."""
    allowed = "give an IANA time zone name such as UTC, Europe/Berlin or America/New_York"
    if not value or value != value.strip() or value.startswith("/") or ".." in value:
        return problem("api_timezone", value, allowed)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return problem("api_timezone", value, allowed)
    return None


def check_token_url(value):
    """The OAuth 2 token endpoint: a path under the base URL or an http(s) URL."""
    if value.startswith("/") or "://" not in value:
        segments = value[1:].split("/")
        if value.startswith("/") and (
            all(PATH_SEGMENT.match(part) and part not in {".", ".."} for part in segments if part)
            and "//" not in value
        ):
            return None
        return problem(
            "token_url",
            value,
            "give a path starting with / made of letters, digits and . _ ~ : @ + -, or an http(s) URL, e.g. /oauth/token",
        )
    return check_http_url("token_url", value, "https://auth.example.com/oauth/token", allow_path=True)


def find_option_problems(answers):
    """The answers added for any paginated API: preset, counts, window, fixed parameters and auth."""
    found = []
    preset = answers.get("api_preset", "movielens")
    if preset not in PRESETS:
        found.append(problem("api_preset", preset, f"choose one of {', '.join(PRESETS)}"))
    total_header = answers.get("total_header", "")
    if total_header:
        found.append(
            check_pattern(
                "total_header", total_header, HTTP_TOKEN, "give an HTTP header name, e.g. X-Total-Count"
            )
        )
    found.append(check_max_page_size(answers.get("max_page_size", "1000")))
    found.append(check_extra_params(answers.get("extra_params", "")))
    if answers["date_filter"] != "none":
        window_end = answers.get("window_end", "exclusive")
        if window_end not in {"exclusive", "inclusive"}:
            found.append(problem("window_end", window_end, "choose exclusive or inclusive"))
        found.append(check_timezone(answers.get("api_timezone", "UTC")))
    if answers["auth_type"] == "bearer":
        found.append(
            check_pattern(
                "token_prefix",
                answers.get("token_prefix", "Bearer"),
                HTTP_TOKEN,
                "give an auth scheme word without spaces, e.g. Bearer or Token",
            )
        )
    if answers["auth_type"] == "oauth2_client_credentials":
        found.append(check_token_url(answers.get("token_url", "/oauth/token")))
        client_auth = answers.get("client_auth", "body")
        if client_auth not in {"body", "basic"}:
            found.append(problem("client_auth", client_auth, "choose body or basic"))
    return found


def contradiction(first, second, answers, why):
    """Format a refusal for two answers that cannot both hold."""
    return f"{first} {answers[first]!r} and {second} {answers[second]!r} contradict each other; {why}."


def parameters_in_use(answers):
    """The query parameters the baked hook will send, by the question that names them."""
    used = {"limit_param": answers["limit_param"]}
    pagination = answers["pagination"]
    if pagination == "offset":
        used["offset_param"] = answers["offset_param"]
    if pagination in {"page", "link_header"}:
        used["page_param"] = answers["page_param"]
    if pagination == "cursor":
        used["cursor_param"] = answers["cursor_param"]
    if answers["date_filter"] != "none":
        used["start_param"] = answers["start_param"]
        used["end_param"] = answers["end_param"]
    if answers["auth_type"] == "api_key" and answers["api_key_in"] == "query":
        used["api_key_name"] = answers["api_key_name"]
    return used


def find_contradictions(answers):
    """Answers that are each fine alone but cannot work together."""
    found = []
    pagination, records_key = answers["pagination"], answers["records_key"]
    if pagination in {"offset", "page"} and records_key == "" and answers["total_key"]:
        found.append(
            contradiction(
                "records_key",
                "total_key",
                answers,
                "a body that is a bare list has no total key; clear total_key",
            )
        )
    if pagination == "page" and records_key == "" and answers["total_pages_key"]:
        found.append(
            contradiction(
                "records_key",
                "total_pages_key",
                answers,
                "a body that is a bare list has no page count; clear total_pages_key",
            )
        )
    if pagination == "page" and answers["total_key"] and answers["total_pages_key"]:
        found.append(
            contradiction(
                "total_key",
                "total_pages_key",
                answers,
                "page pagination stops on one of them; clear the other",
            )
        )
    if pagination == "cursor" and records_key == "":
        found.append(
            contradiction(
                "pagination",
                "records_key",
                answers,
                "the next cursor lives in the body, so the records need a key too",
            )
        )
    if pagination == "cursor" and answers["next_cursor_key"] == "":
        found.append(
            contradiction(
                "pagination",
                "next_cursor_key",
                answers,
                "cursor pagination needs the body key of the next cursor",
            )
        )
    if pagination == "next_url" and records_key == "":
        found.append(
            contradiction(
                "pagination",
                "records_key",
                answers,
                "the next URL lives in the body, so the records need a key too",
            )
        )
    if pagination == "next_url" and answers.get("next_url_key", "next") == "":
        found.append(
            contradiction(
                "pagination",
                "next_url_key",
                answers,
                "next_url pagination needs the body key of the next URL",
            )
        )
    if pagination in {"offset", "page"} and answers["total_key"] and answers.get("total_header", ""):
        found.append(
            contradiction(
                "total_key",
                "total_header",
                answers,
                "the total comes from the body or a header; clear one of them",
            )
        )
    if answers["auth_type"] != "bearer" and answers.get("token_prefix", "Bearer") != "Bearer":
        found.append(
            contradiction("auth_type", "token_prefix", answers, "only bearer auth sends a token prefix")
        )
    if answers["auth_type"] != "oauth2_client_credentials" and answers.get("client_auth", "body") != "body":
        found.append(
            contradiction(
                "auth_type",
                "client_auth",
                answers,
                "only oauth2_client_credentials auth sends client credentials",
            )
        )
    if answers["date_filter"] == "none":
        for question, default in (("window_end", "exclusive"), ("api_timezone", "UTC")):
            if answers.get(question, default) != default:
                found.append(
                    contradiction(
                        "date_filter", question, answers, "without a date filter there is no window"
                    )
                )
    if answers["auth_type"] != "api_key" and answers["api_key_in"] == "query":
        found.append(
            contradiction("auth_type", "api_key_in", answers, "only api_key auth sends a key in the query")
        )
    keys = list(body_keys_in_use(answers).items())
    for index, (first, first_key) in enumerate(keys):
        for second, second_key in keys[index + 1 :]:
            if (
                first_key == second_key
                or f"{first_key}.".startswith(f"{second_key}.")
                or f"{second_key}.".startswith(f"{first_key}.")
            ):
                found.append(contradiction(first, second, answers, "one body key cannot hold the other"))
    seen = {}
    for question, name in parameters_in_use(answers).items():
        if name in seen:
            found.append(contradiction(seen[name], question, answers, "each parameter needs its own name"))
        seen.setdefault(name, question)
    for name, _ in extra_param_pairs(answers):
        if name in seen:
            found.append(
                contradiction(
                    seen[name],
                    "extra_params",
                    answers,
                    f"extra parameter {name!r} would overwrite the one the client sets itself",
                )
            )
    record_keys = {}
    for question in ("item_key", "user_key", "score_key"):
        name = answers[question]
        if name in record_keys:
            found.append(
                contradiction(
                    record_keys[name], question, answers, "the ranking needs three different record keys"
                )
            )
        record_keys.setdefault(name, question)
    return found


def find_problems(answers):
    """Return every problem in the answers, in the order the questions are asked."""
    found = [
        check_free_text("provider_name", answers["provider_name"])
        or check_pattern(
            "provider_name",
            answers["provider_name"],
            HUMAN_NAME,
            "start with a letter or digit and use letters, digits, spaces and . , & ' + ( ) / -",
        ),
        check_noun("records_name", answers["records_name"], "ratings or order_lines"),
        check_noun("item_name", answers["item_name"], "movie or product"),
        check_pattern(
            "package_name",
            answers["package_name"],
            DISTRIBUTION_NAME,
            "use lowercase letters and digits in words joined by single hyphens, e.g. airflow-movielens",
        ),
        check_module_name(answers["module_name"]),
        check_pattern(
            "class_prefix",
            answers["class_prefix"],
            CLASS_PREFIX,
            "use letters and digits starting with a capital letter, e.g. Movielens",
        )
        or check_length("class_prefix", answers["class_prefix"], MAX_CLASS_PREFIX),
        check_free_text("description", answers["description"]),
        check_free_text("author_name", answers["author_name"]),
        check_pattern("author_email", answers["author_email"], EMAIL, "give an address like ada@example.com"),
        check_http_url(
            "repository_url",
            answers["repository_url"],
            "https://github.com/you/airflow-movielens",
            allow_path=True,
        ),
        check_pattern(
            "version",
            answers["version"],
            VERSION,
            "give a PEP 440 version such as 0.1.0, 1.0.0rc1 or 0.2.0.dev1",
        ),
        check_http_url(
            "api_base_url", answers["api_base_url"], "https://api.example.com/v1", allow_path=True
        ),
        check_endpoint(answers["api_endpoint"]),
        *find_shape_problems(answers),
        check_pattern(
            "connection_id",
            answers["connection_id"],
            CONNECTION_ID,
            "use lowercase letters, digits and underscores, starting with a letter, e.g. movielens_default",
        ),
    ]
    problems = [message for message in found if message]
    # Contradictions are only meaningful between answers that are valid on their own.
    return problems or find_contradictions(answers)


def main():
    """Print every problem at once so the user can fix them in one go."""
    problems = find_problems(ANSWERS)
    if not problems:
        return 0
    print("Cannot bake the provider with these answers:", file=sys.stderr)
    for message in problems:
        print(f"  - {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())

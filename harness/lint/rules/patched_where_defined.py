from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from harness.lint.project import FileContext
from harness.lint.rule import Finding, Fix, Invalid, Rule, Valid
from harness.lint.targets import display, position, subject_verdicts

SERVICE = """\
from requests import get


def archive(url):
    return get(url, timeout=5).json()
"""

SERVICE_WITH_MODULE = """\
import requests


def archive(url):
    return requests.get(url, timeout=5).json()
"""


# `a` defines helper() and calls it itself; `b` took a copy with `from pkg.a import helper`.
PKG_A = """\
def helper():
    return "real"


def run():
    return helper()
"""
PKG_B = """\
from pkg.a import helper


def report():
    return f"report: {helper()}"
"""
PKG = {"pkg/__init__.py": "", "pkg/a.py": PKG_A, "pkg/b.py": PKG_B}


def _test_calling(call: str, target: str = "pkg.a.helper") -> str:
    return (
        "from unittest.mock import patch\n\n"
        "import pkg.b\n"
        "from pkg.a import run\n\n\n"
        "def test_it():\n"
        f'    with patch("{target}", return_value="mock"):\n'
        f"        {call}\n"
    )


class PatchedWhereDefined(Rule):
    """A patch applied where a name is defined, not where the code under test looks it up.

    After `from requests import get`, the module under test holds its own reference `svc.get`;
    `patch("requests.get")` replaces the attribute of `requests` and leaves `svc.get` pointing at
    the real function, so the test makes real HTTP calls.  The reverse happens too:
    `patch("svc.Client")` when `svc` does `import lib` and calls `lib.Client(...)` patches a name
    `svc` does not have (an AttributeError, or nothing at all with `create=True`).

    Reported only when every lookup the test can reach misses the patch: the functions the test
    (its fixtures, autouse ones included) can call, found by a static call graph over the
    project (`harness/lint/reach.py`).  A function of the defining module calling `helper()`
    through its own globals, or code reaching `pkg.a.helper` as an attribute, sees the patch:
    then nothing is reported.  When the graph cannot tell (a star import, a name it cannot
    find), nothing is reported either.  The message cites the reachable lookup that misses.

    Autofix: the target is rewritten to the binding the code uses (`svc.get`, `lib.Client`)
    only when that binding is the one every reachable lookup uses (one module, imported under
    one name); otherwise the finding says to patch the name in each module that looks it up.
    Patches that take effect before the module is imported (around its import) are left alone:
    the `from` import then binds the mock.
    """

    CODE = "LH102"
    NAME = "patched-where-defined"
    MESSAGE = "patched where the name is defined, not where the code under test looks it up"
    FIXABLE = True

    VALID: ClassVar[list[Valid]] = [
        Valid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_archive():\n"
                    '    with patch("svc.get") as get:\n'
                    '        svc.archive("http://archive")\n'
                    "    get.assert_called_once()\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # patched before the import: the `from` import binds the mock
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "from unittest.mock import patch\n\n"
                    'with patch("requests.get"):\n'
                    "    import svc\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(  # looked up through the module at call time: patching requests.get works
            {
                "svc.py": SERVICE_WITH_MODULE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    '@patch("requests.get")\n'
                    "def test_archive(get):\n"
                    '    svc.archive("http://archive")\n'
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # run() looks helper up through pkg.a's own globals: the patch works
            {**PKG, "tests/test_run.py": _test_calling('assert run() == "mock"')},
            lint="tests/test_run.py",
        ),
        Valid(  # looked up as an attribute of pkg.a: the patch works
            {
                **PKG,
                "pkg/c.py": "import pkg.a\n\n\ndef use():\n    return pkg.a.helper()\n",
                "tests/test_run.py": _test_calling("import pkg.c; pkg.c.use()"),
            },
            lint="tests/test_run.py",
        ),
        Valid(  # getattr(module, "helper") looks the name up through pkg.a: the patch works
            {
                **PKG,
                "pkg/e.py": (
                    "from pkg.a import helper\n\n\n"
                    "def pick():\n"
                    "    from pkg import a as chosen\n\n"
                    '    return getattr(chosen, "helper")\n\n\n'
                    "def use():\n"
                    "    try:\n"
                    "        found = pick()\n"
                    "    except ImportError:\n"
                    "        found = helper\n"
                    "    return found()\n"
                ),
                "tests/test_run.py": (
                    "from unittest.mock import patch\n\n"
                    "import pkg.e\n\n\n"
                    "def test_it():\n"
                    '    with patch("pkg.a.helper", return_value="mock"):\n'
                    '        assert pkg.e.use() == "mock"\n'
                ),
            },
            lint="tests/test_run.py",
        ),
        Valid(  # the copy exists, but the test never reaches code that uses it
            {
                **PKG,
                "pkg/d.py": "def other():\n    return 1\n",
                "tests/test_run.py": _test_calling("import pkg.d; pkg.d.other()"),
            },
            lint="tests/test_run.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(  # report() uses b's copy; run(), which would see the patch, is not reached
            {**PKG, "tests/test_run.py": _test_calling("pkg.b.report()")},
            lint="tests/test_run.py",
            line=8,
            fixed=_test_calling("pkg.b.report()", target="pkg.b.helper"),
        ),
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_archive():\n"
                    '    with patch("requests.get") as get:\n'
                    '        svc.archive("http://archive")\n'
                ),
            },
            lint="tests/test_svc.py",
            line=5,
            fixed=(
                "from unittest.mock import patch\n"
                "import svc\n\n"
                "def test_archive():\n"
                '    with patch("svc.get") as get:\n'
                '        svc.archive("http://archive")\n'
            ),
        ),
        Invalid(
            {
                "svc.py": SERVICE_WITH_MODULE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "@patch('svc.get', create=True)\n"
                    "def test_archive(get):\n"
                    '    svc.archive("http://archive")\n'
                ),
            },
            lint="tests/test_svc.py",
            line=4,
            fixed=(
                "from unittest.mock import patch\n"
                "import svc\n\n"
                "@patch('requests.get', create=True)\n"
                "def test_archive(get):\n"
                '    svc.archive("http://archive")\n'
            ),
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        root = context.project.root
        for verdict in subject_verdicts(context, self.CODE):
            subject = verdict.subject
            where = f"{display(subject.path, root)}:{verdict.line}"
            replacement = verdict.detail
            target_module = verdict.target.rsplit(".", 1)[0]
            if target_module in subject.names:  # svc.Client while svc uses lib.Client
                message = (
                    f"'{verdict.target}': the module has no '{verdict.name}' of its own; it "
                    f"looks up {replacement or verdict.name} through an import ({where})"
                )
            else:
                message = (
                    f"'{verdict.target}' is patched where it is defined, but the module under "
                    f"test bound its own '{verdict.name}' at import ({where}), which keeps the "
                    "original"
                )
                if verdict.lookup:
                    message += (
                        f"; the test reaches {verdict.lookup}, which looks up that copy, and "
                        "no lookup that sees the patch"
                    )
            line, col = position(verdict.patch)
            fix = None
            if replacement and verdict.patch.literal is not None:
                fix = Fix(line, col, verdict.target, replacement)
                hint = f"patch '{replacement}' (fixable with --fix)"
            else:
                hint = "patch the name in each module that looks it up"
            yield self.finding(context, line, col, message, hint, fix)

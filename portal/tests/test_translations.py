"""The zh_Hans catalogues: complete, compiled, placeholders intact, and actually used.

zh-hans is the default language, so an untranslated or fuzzy entry shows English to residents.
The project catalogue is ``locale/`` (kernel, home, project templates); each domain app keeps its
own in ``<app>/locale/`` with its templates under ``<app>/templates/<app>/``. After
``makemessages -l zh_Hans`` (from the project root, or inside the app directory for an app),
translate the new entries, run ``compilemessages -l zh_Hans --ignore=.venv`` and commit both files.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from portal.models import Role

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
OVERRIDES_PATH = Path(settings.BASE_DIR) / "portal" / "i18n_overrides.py"

NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
# Django's own msgids (e.g. the password validators) use positional %d / %s.
POSITIONAL_PLACEHOLDER = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[sdif]")


# The project catalogue plus one per domain app (``<app>/locale``, made by running makemessages
# inside the app directory), so modules built side by side never edit the same file.
CATALOGUES = [PO_PATH, *sorted(Path(settings.BASE_DIR).glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))]


@pytest.fixture(
    scope="module",
    params=CATALOGUES,
    ids=[str(path.relative_to(settings.BASE_DIR)) for path in CATALOGUES],
)
def po(request) -> polib.POFile:
    catalogue = polib.pofile(str(request.param))
    catalogue.path = request.param
    return catalogue


@pytest.fixture(scope="module")
def project_po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _key(entry) -> tuple[str | None, str]:
    return entry.msgctxt or None, entry.msgid


def _translations(entries) -> dict[tuple[str | None, str], str]:
    """(context, msgid) → msgstr; plural entries by their single zh form."""
    return {
        _key(entry): entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
        for entry in entries
        if entry.msgid and not entry.obsolete
    }


def _label(key: tuple[str | None, str]) -> str:
    context, msgid = key
    return f"{context}|{msgid}" if context else msgid


def test_header_is_final_and_single_plural(po):
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "zh_Hans"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    entries = [entry for entry in po if not entry.obsolete]
    assert entries, "the catalogue is empty"

    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    untranslated = [
        entry.msgid
        for entry in entries
        if not (all(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr)
    ]
    plural_forms = [
        entry.msgid for entry in entries if entry.msgid_plural and set(entry.msgstr_plural) != {0}
    ]

    assert fuzzy == [], "fuzzy entries (check the msgstr, then drop the flag)"
    assert untranslated == []
    assert plural_forms == [], "zh has one plural form: fill msgstr[0] only"


def test_committed_mo_matches_po(po):
    mo_path = po.path.with_suffix(".mo")
    assert mo_path.is_file(), "run: python manage.py compilemessages -l zh_Hans --ignore=.venv"
    mo = polib.mofile(str(mo_path))

    expected = _translations(po)
    compiled = _translations(mo)

    stale = sorted(
        _label(key) for key in expected.keys() | compiled.keys() if expected.get(key) != compiled.get(key)
    )
    assert stale == [], "django.mo is out of date: run compilemessages and commit django.mo"


def test_translations_keep_every_placeholder(po):
    broken = []
    for entry in po:
        if not entry.msgid or entry.obsolete:
            continue
        msgstrs = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        wanted = set(NAMED_PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            wanted |= set(NAMED_PLACEHOLDER.findall(entry.msgid_plural))
        for msgstr in msgstrs:
            found = set(NAMED_PLACEHOLDER.findall(msgstr))
            if found != wanted:
                broken.append((entry.msgid, sorted(wanted), sorted(found)))
            positional = POSITIONAL_PLACEHOLDER.findall(entry.msgid)
            if POSITIONAL_PLACEHOLDER.findall(msgstr) != positional:
                broken.append((entry.msgid, positional, POSITIONAL_PLACEHOLDER.findall(msgstr)))
            if "python-format" in entry.flags:
                try:
                    msgstr % (dict.fromkeys(wanted, "x") if wanted else tuple(1 for _ in positional))
                except (KeyError, ValueError, TypeError) as exc:
                    broken.append((entry.msgid, "does not format", repr(exc)))

    assert broken == []


def test_overrides_are_in_the_catalogue(project_po):
    """Every msgid marked in portal/i18n_overrides.py is translated in our .po."""
    source = OVERRIDES_PATH.read_text(encoding="utf-8")
    marked = re.findall(r'gettext_noop\(\s*"((?:[^"\\]|\\.)*)"\s*\)', source)
    assert marked, "no gettext_noop(...) found in portal/i18n_overrides.py"

    translated = {entry.msgid for entry in project_po if entry.msgstr}
    assert sorted(set(marked) - translated) == []


def test_allauth_overrides_still_exist_in_allauth():
    """An allauth msgid that changed upstream would leave our override unused."""
    import allauth

    allauth_po = polib.pofile(
        str(Path(allauth.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po")
    )
    allauth_msgids = {entry.msgid for entry in allauth_po if not entry.obsolete}

    source = OVERRIDES_PATH.read_text(encoding="utf-8")
    block = source.split("ALLAUTH_OVERRIDES = (", 1)[1].split("\n)", 1)[0]
    overrides = re.findall(r'gettext_noop\(\s*"((?:[^"\\]|\\.)*)"\s*\)', block)

    assert overrides
    assert sorted(set(overrides) - allauth_msgids) == []


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        ("Verify a certificate", "证书查验"),
        ("Fire-safety education and volunteer portal", "消防宣教与志愿服务平台"),
        ("Log in", "登录"),
        ("Sign up", "注册"),
        ("Street or township", "街道/乡镇"),
        ("Kind", "类别"),
        ("Holder", "持证人"),
        ("Issuer", "发证单位"),
        # allauth's own catalogue says 错误代码。; ours (LOCALE_PATHS) must win.
        ("Incorrect code.", "验证码不正确。"),
        ("Code", "验证码"),
    ],
)
def test_key_strings_render_in_chinese(msgid, expected):
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == expected


def test_lazy_labels_and_contexts_render_in_chinese():
    with translation.override("zh-hans"):
        assert str(Role.UNIT_MANAGER.label) == "单位安全管理人"
        assert str(Role.DISTRICT_ADMIN.label) == "区级管理员"
        assert translation.pgettext("action", "Change Phone") == "更换手机号码"
        assert translation.gettext("Verification code: %(code)s") % {"code": "AB12"} == "查验码：AB12"

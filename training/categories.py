"""Attack categories a prediction names, and how the data sets' ``attack_type`` labels map to them.

The service reports one of ``CATEGORIES`` for an anomalous request (docs/CONTRACT.md). The model
learns them from rows whose ``attack_type`` maps to one; rows without a type (CSIC 2010's attacks,
fwaf_bad's URLs) teach the anomaly verdict but not the category.
"""

from __future__ import annotations

CATEGORIES = ("sqli", "xss", "traversal", "cmdi", "probe", "other")

_BY_TYPE = {
    "sqli": "sqli",
    "sql-syntax": "sqli",
    "nosqli": "sqli",
    "xss": "xss",
    "js-syntax": "xss",
    "path-traversal": "traversal",
    "lfi": "traversal",
    "traversal": "traversal",
    "cmdi": "cmdi",
    "ssi": "cmdi",
    "probe": "probe",
    "scanner": "probe",
    "cms_admin_probe": "probe",
    "cms_exploit_path": "probe",
}

# Where an attack sits in a request, as the evaluation reports detection per position.
PARTS = ("path", "query", "body", "user_agent", "referer")


def category_of(attack_type: str | None) -> str:
    """The category of a data set's ``attack_type`` label: ``""`` for none (unknown), ``other`` for
    a type outside the named five (rfi, format strings, LDAP/XPath/XML injection, ...)."""
    if not attack_type:
        return ""
    return _BY_TYPE.get(attack_type.strip().lower(), "other")

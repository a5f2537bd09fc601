"""Frameworks as 1EdTech CASE (1.0 and 1.1) JSON packages.

Import: the CFDocument becomes the framework; CFItems become strands and
objectives through isChildOf associations. A top-level item with children, or
whose CFItemType is "Strand" (as Trackwell exports strands, empty or not), is a
strand, every item below it an objective (keeping its parent); any other
top-level item is an objective in an ungrouped strand. Siblings are ordered by
the association's sequenceNumber, then the item's listEnumeration, then the
code. A CASE 1.1 package wrapped as {"CFPackage": {...}} is unwrapped. Field
names of the older pre-1.0 drafts are read too (see docs/case.md).

Export: a CASE 1.0 package that validates against the published schema.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from trackwell.curriculum.framework_spec import (
    CODE_MAX,
    NAME_MAX,
    FrameworkSpec,
    ObjectiveSpec,
    StrandSpec,
    check_spec,
)
from trackwell.curriculum.models import Framework, Objective, Strand
from trackwell.curriculum.phases import YearPhase
from trackwell.interop.csv_frameworks import ParseResult

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
KEY_TYPE = "Key objective"
OBJECTIVE_TYPE = "Objective"
STRAND_TYPE = "Strand"
MAX_BYTES = 20_000_000
# How far below the document items may be nested. Real frameworks go a handful of
# levels deep; the limit keeps a hostile file from making the checks slow.
MAX_DEPTH = 100
SUBJECT_MISSING = (
    "Choose the subject the CASE framework belongs to: the file's CFDocument names none."
)


def normalise_identifier(raw: str) -> str:
    """CASE identifiers are UUIDs; older files used URLs, which become a stable UUID5."""
    value = raw.strip()
    if UUID_RE.match(value):
        return value.lower()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, value))


def _get(obj: dict[str, Any], *names: str) -> Any:
    """The first of several field names present (case-insensitively), or None."""
    lowered = {k.lower(): v for k, v in obj.items() if isinstance(k, str)}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None and value != "":
            return value
    return None


def _ref(value: Any) -> list[str]:
    """Ways an association may point at a node: a link object, or a bare identifier or URI."""
    if isinstance(value, dict):
        return [str(v) for v in (value.get("identifier"), value.get("uri")) if v]
    if isinstance(value, str) and value:
        return [value]
    return []


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts 2 before 10 (and '1.' before 'a.')."""
    parts = re.findall(r"\d+|[^\d\W]+", text.lower())
    return tuple((0, int(p)) if p.isdecimal() else (1, p) for p in parts)


def _seq(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return float("inf")
    return number if math.isfinite(number) else float("inf")


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= NAME_MAX:
        return text
    cut = text[: NAME_MAX - 1].rsplit(" ", 1)[0]
    return cut + "…"


@dataclass
class _Item:
    identifier: str
    raw: str
    index: int
    statement: str
    code: str
    short: str
    enumeration: str
    item_type: str
    keywords: list[str]
    children: list[tuple[float, _Item]] = field(default_factory=list)


def load_json(data: bytes | str | dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The package as a dict, or a message saying why the file cannot be read."""
    if isinstance(data, dict):
        return data, None
    if isinstance(data, bytes) and len(data) > MAX_BYTES:
        return None, f"The file is larger than {MAX_BYTES // 1_000_000} MB."
    try:
        package = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"The file is not valid JSON: {exc}."
    except RecursionError:
        return None, (
            "The file is not a CASE package: its JSON nests lists or objects inside each "
            "other too deeply to be read."
        )
    if not isinstance(package, dict):
        return None, "The file is not a CASE package: it should be a JSON object."
    return package, None


def unwrap_package(package: dict[str, Any]) -> dict[str, Any]:
    """The package itself: CASE 1.1's GET /CFPackages/{id} wraps it as {"CFPackage": {...}}."""
    if _get(package, "CFDocument", "CFDocuments") is None:
        inner = _get(package, "CFPackage")
        if isinstance(inner, dict):
            return inner
    return package


def document_subject(document: dict[str, Any]) -> str:
    """The subject a CFDocument names (`subject`, else the title of `subjectURI`), or ""."""
    for value in (_get(document, "subject"), _get(document, "subjectURI", "subjectURL")):
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, dict):
                one = one.get("title")
            if isinstance(one, str) and one.strip():
                return " ".join(one.split())
    return ""


def parse_case(
    data: bytes | str | dict[str, Any], *, subject: str, year: YearPhase, name: str = ""
) -> ParseResult:
    """Read a CASE package into one framework spec, or every reason it cannot be imported.

    A blank `subject` means the one the CFDocument names; a file naming none is refused.
    """
    result = ParseResult()
    package, problem = load_json(data)
    if package is None:
        result.errors.append(problem or "The file could not be read.")
        return result
    package = unwrap_package(package)
    document = _get(package, "CFDocument", "CFDocuments")
    if isinstance(document, list) and len(document) == 1:
        document = document[0]
    if not isinstance(document, dict):
        result.errors.append("The package has no CFDocument.")
        return result
    subject = " ".join(subject.split()) or document_subject(document)
    if not subject:
        result.errors.append(SUBJECT_MISSING)  # and read on, to list every other problem too
    doc_raw = _get(document, "identifier", "uri")
    if not isinstance(doc_raw, str):
        result.errors.append("The CFDocument has no identifier.")
        return result
    doc_id = normalise_identifier(doc_raw)
    title = str(_get(document, "title") or "Imported framework")
    raw_items = _get(package, "CFItems", "CFItem") or []
    raw_assocs = _get(package, "CFAssociations", "CFAssociation") or []
    if not isinstance(raw_items, list) or not isinstance(raw_assocs, list):
        result.errors.append("CFItems and CFAssociations should be lists.")
        return result

    items: dict[str, _Item] = {}
    lookup: dict[str, str] = {}
    for index, raw in enumerate(raw_items):
        where = f"CFItems[{index}]"
        if not isinstance(raw, dict):
            result.errors.append(f"{where} is not an object.")
            continue
        ident = _get(raw, "identifier", "uri")
        if not isinstance(ident, str):
            result.errors.append(f"{where} has no identifier.")
            continue
        where = f"Item {ident}"
        statement = _get(raw, "fullStatement", "statement", "abbreviatedStatement", "title")
        if not isinstance(statement, str) or not statement.strip():
            result.errors.append(f"{where}: fullStatement is missing.")
            continue
        code = _get(raw, "humanCodingScheme", "humanCoding", "statementNotation")
        code = str(code).strip() if code is not None else ""
        if len(code) > CODE_MAX:
            result.errors.append(f"{where}: humanCodingScheme {code!r} is over {CODE_MAX} long.")
            continue
        normal = normalise_identifier(ident)
        if normal in items:
            result.errors.append(f"{where}: the identifier is used by another item.")
            continue
        keywords = _get(raw, "conceptKeywords")
        item_type = _get(raw, "CFItemType", "itemType")
        items[normal] = _Item(
            identifier=normal,
            raw=ident,
            index=index,
            statement=statement.strip(),
            code=code,
            short=str(_get(raw, "abbreviatedStatement") or ""),
            enumeration=str(_get(raw, "listEnumeration", "sequenceNumber") or ""),
            item_type=str(item_type) if isinstance(item_type, str) else "",
            keywords=[str(k).strip() for k in keywords if str(k).strip()]
            if isinstance(keywords, list)
            else [],
        )
        for key in (ident, _get(raw, "uri")):
            if isinstance(key, str):
                lookup[key] = normal
    doc_keys = {doc_raw, str(_get(document, "uri") or doc_raw), doc_id}

    parent_of: dict[str, str] = {}
    root: list[tuple[float, _Item]] = []
    for index, assoc in enumerate(raw_assocs):
        if not isinstance(assoc, dict):
            result.errors.append(f"CFAssociations[{index}] is not an object.")
            continue
        kind = re.sub(r"[^a-z]", "", str(_get(assoc, "associationType") or "").lower())
        if kind not in {"ischildof", "childof"}:
            continue
        origins = _ref(_get(assoc, "originNodeURI")) + _ref(_get(assoc, "originNodeIdentifier"))
        dests = _ref(_get(assoc, "destinationNodeURI")) + _ref(
            _get(assoc, "destinationNodeIdentifier")
        )
        origin = next((lookup[o] for o in origins if o in lookup), None)
        if origin is None:
            continue  # a link from an item of another framework: not ours to place
        if origin in parent_of:
            result.warnings.append(
                f"Item {items[origin].raw}: it is the child of more than one node; "
                "the first isChildOf is used."
            )
            continue
        seq = _seq(_get(assoc, "sequenceNumber"))
        if any(d in doc_keys for d in dests):
            parent_of[origin] = ""
            root.append((seq, items[origin]))
            continue
        dest = next((lookup[d] for d in dests if d in lookup), None)
        if dest is None:
            result.warnings.append(
                f"Item {items[origin].raw}: its parent is not in this file; "
                "it is placed at the top level."
            )
            parent_of[origin] = ""
            root.append((seq, items[origin]))
            continue
        if dest == origin:
            result.errors.append(f"Item {items[origin].raw}: it is marked as its own child.")
            continue
        parent_of[origin] = dest
        items[dest].children.append((seq, items[origin]))
    for item in items.values():
        if item.identifier not in parent_of:
            result.warnings.append(
                f"Item {item.raw}: no isChildOf association; it is placed at the top level."
            )
            root.append((float("inf"), item))
    if result.errors:
        return result

    def ordered(children: list[tuple[float, _Item]]) -> list[_Item]:
        return [
            item
            for _, item in sorted(
                children,
                key=lambda pair: (
                    pair[0],
                    _natural(pair[1].enumeration) if pair[1].enumeration else ((2, 0),),
                    _natural(pair[1].code),
                    pair[1].index,
                ),
            )
        ]

    spec = FrameworkSpec(
        subject=subject,
        year=year,
        name=(name or title)[:150],
        identifier=doc_id,
        description=str(_get(document, "description", "notes") or ""),
        where="CFDocument",
    )
    ungrouped = StrandSpec(
        name=_short(title),
        identifier=str(uuid.uuid5(uuid.UUID(doc_id), "ungrouped")),
        code="",
        statement="",
        ungrouped=True,
    )
    codes: set[str] = {i.code for i in items.values() if i.code}
    used: set[str] = set()
    reached: set[str] = set()

    def code_for(item: _Item, path: list[int]) -> str:
        code = item.code or ".".join(str(p) for p in path)
        base, n = code, 1
        while code in used or (not item.code and code in codes):
            n += 1
            code = f"{base}-{n}"
        if item.code and code != item.code:
            result.warnings.append(
                f"Item {item.raw}: code {item.code!r} is repeated; kept as {code!r}."
            )
        used.add(code)
        return code

    def walk(start: list[tuple[_Item, str, list[int]]], strand_key: str) -> None:
        """Each item and everything below it, in order (a loop, so any depth is safe)."""
        stack = list(reversed(start))
        while stack:
            item, parent, path = stack.pop()
            if item.identifier in reached:
                result.errors.append(f"Item {item.raw}: its isChildOf links go round in a circle.")
                continue
            reached.add(item.identifier)
            if len(path) > MAX_DEPTH:
                result.errors.append(
                    f"Item {item.raw}: it is nested more than {MAX_DEPTH} levels below the "
                    f"document; Trackwell reads at most {MAX_DEPTH} levels."
                )
                below = [child for _, child in item.children]
                while below:  # not read, and not reported again as unreachable
                    deeper = below.pop()
                    if deeper.identifier not in reached:
                        reached.add(deeper.identifier)
                        below.extend(child for _, child in deeper.children)
                continue
            spec.objectives.append(
                ObjectiveSpec(
                    code=code_for(item, path),
                    statement=item.statement,
                    strand=strand_key,
                    identifier=item.identifier,
                    is_key=item.item_type.strip().lower() == KEY_TYPE.lower(),
                    tags=item.keywords,
                    parent=parent,
                    where=f"Item {item.raw}",
                )
            )
            children = ordered(item.children)
            for n in range(len(children), 0, -1):
                stack.append((children[n - 1], item.identifier, [*path, n]))

    for n, top in enumerate(ordered(root), start=1):
        if top.children or top.item_type.strip().lower() == STRAND_TYPE.lower():
            # A strand; one typed "Strand" stays a strand even with nothing in it yet.
            reached.add(top.identifier)
            name = _short(top.short or top.statement)
            strand = StrandSpec(
                name=name,
                identifier=top.identifier,
                code=top.code,
                # The full wording is kept when the name is an abbreviation of it.
                statement=top.statement if top.statement != name else "",
                ungrouped=False,
            )
            spec.strands.append(strand)
            walk(
                [(child, "", [n, m]) for m, child in enumerate(ordered(top.children), start=1)],
                strand.key,
            )
        else:
            if ungrouped not in spec.strands:
                spec.strands.append(ungrouped)
            walk([(top, "", [n])], ungrouped.key)
    unreached = [i.raw for i in items.values() if i.identifier not in reached]
    for raw in unreached[:20]:
        result.errors.append(f"Item {raw}: its isChildOf links go round in a circle.")
    if result.errors:
        return result
    strand_index = {strand.key: i for i, strand in enumerate(spec.strands)}
    spec.objectives.sort(key=lambda o: strand_index[o.strand])
    result.errors.extend(check_spec(spec))
    result.specs = [spec]
    return result


# ---------------------------------------------------------------------------
# Export


def _uri(identifier: str) -> str:
    return f"urn:uuid:{identifier}"


def _link(title: str, identifier: str) -> dict[str, str]:
    return {"title": title[:200] or identifier, "identifier": identifier, "uri": _uri(identifier)}


def export_case(framework: Framework, *, now: datetime | None = None) -> dict[str, Any]:
    """A CASE 1.0 package of the framework's current strands and objectives."""
    stamp = (now or timezone.now()).replace(microsecond=0).isoformat()
    doc_id = normalise_identifier(framework.identifier)
    doc_link = _link(framework.name, doc_id)
    document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": _uri(doc_id),
        "creator": framework.school.name,
        "title": framework.name,
        "lastChangeDateTime": stamp,
        "subject": [framework.subject.name],
        "language": "en",
        "adoptionStatus": "Adopted",
        "CFPackageURI": doc_link,
    }
    if framework.description:
        document["description"] = framework.description
    strands = list(Strand.objects.filter(framework=framework).order_by("order", "id"))
    objectives = list(
        Objective.objects.filter(framework=framework, archived_at__isnull=True)
        .select_related("strand")
        .order_by("strand__order", "strand_id", "order", "id")
    )
    items: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    node_link: dict[str, dict[str, str]] = {"doc": doc_link}

    def add_item(
        identifier: str, statement: str, code: str, kind: str, extra: dict[str, Any]
    ) -> None:
        item: dict[str, Any] = {
            "identifier": identifier,
            "uri": _uri(identifier),
            "fullStatement": statement,
            "CFItemType": kind,
            "lastChangeDateTime": stamp,
            "CFDocumentURI": doc_link,
        }
        if code:
            item["humanCodingScheme"] = code
        item.update(extra)
        items.append(item)

    # Children of each node, in order: the document, strands, and objectives with parts.
    children: dict[str, list[str]] = {"doc": []}
    top_of_strand: dict[int, list[str]] = {s.pk: [] for s in strands}
    by_pk = {o.pk: o for o in objectives}
    for obj in objectives:
        oid = normalise_identifier(obj.identifier)
        extra: dict[str, Any] = {}
        if obj.tags:
            extra["conceptKeywords"] = list(obj.tags)
        add_item(oid, obj.statement, obj.code, KEY_TYPE if obj.is_key else OBJECTIVE_TYPE, extra)
        node_link[oid] = _link(obj.code, oid)
        children.setdefault(oid, [])
        parent = by_pk.get(obj.parent_id) if obj.parent_id is not None else None
        if parent is not None:
            children.setdefault(normalise_identifier(parent.identifier), []).append(oid)
        else:
            top_of_strand[obj.strand_id].append(oid)
    for strand in strands:
        if strand.is_ungrouped:
            children["doc"].extend(top_of_strand[strand.pk])
            continue
        sid = normalise_identifier(strand.identifier)
        extra = {"abbreviatedStatement": strand.name} if strand.statement else {}
        add_item(sid, strand.statement or strand.name, strand.code, STRAND_TYPE, extra)
        node_link[sid] = _link(strand.code or strand.name, sid)
        children["doc"].append(sid)
        children[sid] = top_of_strand[strand.pk]
    for parent_key, kids in children.items():
        for seq, child in enumerate(kids, start=1):
            links.append(
                {
                    "identifier": str(uuid.uuid5(uuid.UUID(child), f"isChildOf:{parent_key}")),
                    "uri": _uri(str(uuid.uuid5(uuid.UUID(child), f"isChildOf:{parent_key}"))),
                    "associationType": "isChildOf",
                    "sequenceNumber": seq,
                    "originNodeURI": node_link[child],
                    "destinationNodeURI": node_link[parent_key],
                    "lastChangeDateTime": stamp,
                    "CFDocumentURI": doc_link,
                }
            )
    return {"CFDocument": document, "CFItems": items, "CFAssociations": links}

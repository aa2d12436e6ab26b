"""The 404 Jobcenter of 2026 (EinglMV 2026, Anlage 1) joined with the admission list (KomtrZV).

Loads ``data/jobcenter_2026.csv``, ``data/zugelassene_kommunale_traeger.csv`` and
``data/jobcenter_names.yml``, checks them, and finds a Jobcenter by the names people type:
"Landkreis Görlitz", "LK Goerlitz", "Leipzig Stadt", "Berlin-Neukölln", "Mülheim a. d. Ruhr",
small typos (rapidfuzz, with a threshold; below it nothing is guessed). This is the one place that
recognises Jobcenter and Land names: the NLU (nlp/names.py) calls ``find``/``find_land`` and hands
the result on as entities, and the routing reads those entities.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from base.paths import NLU_DATA
from knowledge.thresholds import FUZZY_CUTOFF, FUZZY_MIN_LENGTH

FORMS = {"gE", "zkT"}
LANDKREIS, STADT, REGION, BEZIRK = "Landkreis", "Stadt", "Region", "Bezirk"
# City suffixes of the CSV ("Dresden, Stadt") that are not worth showing in a name.
PLAIN_CITY_SUFFIXES = {"Stadt", "documenta-Stadt", "Universitätsstadt", "Wissenschaftsstadt"}
REGION_PREFIXES = ("Region ", "Städteregion ", "Regionalverband ")
LANDKREIS_PREFIXES = ("landkreis", "kreis", "lk", "lkr", "landkreis des")
SHORT_NAME = re.compile(r"\s+(am|an der|a\. d\.|in der|i\. d\.|im|ob der)\s.*$|\s*\(.*?\)")


UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def folded(text: str) -> str:
    """Lower case with ä/ö/ü/ß written ae/oe/ue/ss."""
    return text.lower().translate(UMLAUTS)


def normalise(text: str) -> str:
    """Lower case, umlauts as ae/oe/ue, "a. d." as "an der", punctuation but inner hyphens removed;
    letters of every script kept ("Ерцгебірге")."""
    t = folded(text)
    t = re.sub(r"\ba\.\s*d\.", " an der ", t)
    t = re.sub(r"\bi\.\s*d\.", " in der ", t)
    t = re.sub(r"\bsankt\b", "st", t)
    t = re.sub(r"[^\w\-]+|_", " ", t)
    t = re.sub(r"(?<![a-z0-9])-+|-+(?![a-z0-9])", " ", t)
    return " ".join(t.split())


@dataclass(frozen=True)
class Jobcenter:
    traeger_nr: str
    form: str
    name: str  # as written in EinglMV 2026
    bundesland: str = ""
    kind: str = LANDKREIS
    base: str = ""
    display: str = ""
    admission_name: str = ""
    admitted_since: str = ""
    note: str = ""

    @property
    def municipal(self) -> bool:
        return self.form == "zkT"

    @property
    def admission_year(self) -> str:
        """The sourced year of admission ("2012"), or "" where no source gives it."""
        match = re.match(r"\d{4}", self.admitted_since)
        return match.group(0) if match else ""


@dataclass
class Match:
    """The result of a name search: one Jobcenter, several (ask back), or none. ``text`` is the
    matched key of the name index; ``exact`` is False for a fuzzy (typo) match."""

    jobcenters: list[Jobcenter] = field(default_factory=list)
    text: str = ""
    exact: bool = True
    phrase: str = ""  # the normalised words of the question that matched
    score: float = 100.0  # rapidfuzz ratio of a fuzzy match


def _kind_base_display(name: str, cities: set[str], districts: set[str], regions: set[str]) -> tuple[str, str, str]:
    base, _, suffix = (part.strip() for part in name.partition(","))
    if name in regions:
        return REGION, base, base
    if name in districts:
        return BEZIRK, base, f"Berlin-{base}"
    if suffix == "Land":
        return LANDKREIS, base, f"Landkreis {base}"
    if suffix:
        prefix = "Stadt" if suffix in PLAIN_CITY_SUFFIXES else suffix
        return STADT, base, f"{prefix} {base}"
    if name in cities:
        return STADT, base, f"Stadt {base}"
    if name.startswith(REGION_PREFIXES):
        return REGION, base, base
    if name.startswith("Landkreis "):
        base = name.removeprefix("Landkreis ")
        return LANDKREIS, base, name
    display = base if re.search(r"kreis\b", base, re.IGNORECASE) else f"Landkreis {base}"
    return LANDKREIS, base, display


def _admission_key(name: str, art: str) -> tuple[str, str]:
    base = re.sub(r"^(Landkreis|Kreis|Stadt|Landeshauptstadt) ", "", name)
    return normalise(base), STADT if art == "Stadt" else LANDKREIS


class JobcenterDirectory:
    def __init__(
        self, jobcenters: list[Jobcenter], names: dict[str, Any] | None = None, vocabulary: set[str] | None = None
    ) -> None:
        self.jobcenters = jobcenters
        self.names = names = names or {}
        self.ignore_words = {normalise(w) for w in names.get("ignore_words") or []}
        self.index = self._build_index()
        self.cues_before = {normalise(w) for w in names.get("cues_before") or []}
        self.cues_after = {normalise(w) for w in names.get("cues_after") or []}
        # Everyday words never match a name fuzzily ("Hartz" is not "Harz"): the words of the
        # training questions and of the list in the names file, less the words of any name.
        name_words = {w for key in self.index for w in key.split()}
        everyday = {normalise(w) for w in names.get("everyday_words") or []} | (vocabulary or set())
        self.everyday = everyday - name_words
        self.laender = self._build_laender(names.get("bundeslaender") or {})
        self.home = str(names.get("home") or "")

    # ---- loading -------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        path: Path,
        admissions: Path | None = None,
        names_file: Path | None = None,
        vocabulary: set[str] | None = None,
    ) -> JobcenterDirectory:
        names: dict[str, Any] = {}
        if names_file is not None:
            if not names_file.is_file():
                raise ValueError(f"File '{names_file}' does not exist.")
            names = yaml.safe_load(names_file.read_text(encoding="utf-8")) or {}
        districts = set(names.get("berlin_districts") or [])
        cities = set(names.get("cities") or [])
        regions = set(names.get("regions") or [])
        notes = names.get("notes") or {}
        rows = cls._read_rows(path)
        admitted = cls._read_admissions(admissions) if admissions else {}
        jobcenters = []
        for nr, form, name, land in rows:
            kind, base, display = _kind_base_display(name, cities, districts, regions)
            admission = admitted.pop(_admission_key(base, kind), None) if form == "zkT" else None
            if admissions and form == "zkT" and admission is None:
                raise ValueError(f"{path}: zkT '{name}' has no row in {admissions}")
            if admission and admission["bundesland"] != land:
                raise ValueError(f"{path}: '{name}' is in {land}, the admission list says {admission['bundesland']}")
            jobcenters.append(
                Jobcenter(
                    traeger_nr=nr,
                    form=form,
                    name=name,
                    bundesland=land,
                    kind=kind,
                    base=base,
                    display=admission["name"] if admission else display,
                    admission_name=admission["name"] if admission else "",
                    admitted_since=admission["zugelassen_seit"].strip() if admission else "",
                    note=str(notes.get(name, "")).strip(),
                )
            )
        if admitted:
            raise ValueError(
                f"{admissions}: rows without a zkT in {path}: {sorted(a['name'] for a in admitted.values())}"
            )
        named = districts | cities | regions | set(notes) | set(names.get("aliases") or {})
        named |= {names["home"]} if names.get("home") else set()
        unknown = named - {j.name for j in jobcenters}
        if unknown:
            raise ValueError(f"{names_file}: names not in {path}: {sorted(unknown)}")
        return cls(jobcenters, names, vocabulary)

    @staticmethod
    def _read_rows(path: Path) -> list[tuple[str, str, str, str]]:
        if not path.is_file():
            raise ValueError(f"File '{path}' does not exist.")
        rows = []
        with path.open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                if row["traeger_form"] not in FORMS or not row["jobcenter"].strip():
                    raise ValueError(f"{path}:{line}: bad row {row}")
                if row["traeger_form"] == "zkT" and not row["bundesland"]:
                    raise ValueError(f"{path}:{line}: zkT without Bundesland")
                rows.append((row["traeger_nr"], row["traeger_form"], row["jobcenter"].strip(), row["bundesland"]))
        nrs = [r[0] for r in rows]
        if len(set(nrs)) != len(nrs):
            raise ValueError(f"{path}: duplicate Träger-Nummer")
        return rows

    @staticmethod
    def _read_admissions(path: Path) -> dict[tuple[str, str], dict[str, str]]:
        if not path.is_file():
            raise ValueError(f"File '{path}' does not exist.")
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        out = {_admission_key(r["name"], r["art"]): r for r in rows}
        if len(out) != len(rows):
            raise ValueError(f"{path}: two rows for one Kreis or Stadt")
        return out

    # ---- names ---------------------------------------------------------------------------
    def surface_forms(self) -> dict[str, set[int]]:
        """Every way of writing each Jobcenter's name -> indices into ``self.jobcenters``."""
        names = self.names
        qualifier_only = set(names.get("needs_qualifier") or [])
        aliases = names.get("aliases") or {}
        forms: dict[str, set[int]] = defaultdict(set)
        for i, jc in enumerate(self.jobcenters):
            # "Rotenburg (Wümme)" -> "Rotenburg", "Offenbach am Main" -> "Offenbach"
            bases = {jc.base, re.sub(r"\s*\(.*?\)", "", jc.base), SHORT_NAME.sub("", jc.base)}
            variants = {jc.display, jc.name, jc.admission_name} - {"", *qualifier_only}
            for base in bases:
                if base not in qualifier_only:
                    variants.add(base)
                else:  # "Harz" alone is a word; "Jobcenter Harz" is the Landkreis
                    variants |= {f"Jobcenter {base}", f"JC {base}"}
                if jc.kind == LANDKREIS:
                    variants |= {f"{p} {base}" for p in LANDKREIS_PREFIXES} | {f"{base} Land", f"{base} Landkreis"}
                elif jc.kind == STADT:
                    suffix = jc.name.partition(",")[2].strip()
                    variants |= {f"Stadt {base}", f"{base} Stadt", f"kreisfreie Stadt {base}"}
                    if suffix:
                        variants |= {f"{suffix} {base}", f"{base} {suffix}"}
                elif jc.kind == BEZIRK:
                    variants |= {f"Berlin-{base}", f"Berlin {base}", f"Bezirk {base}", f"Berlin Bezirk {base}"}
                elif jc.kind == REGION:
                    variants.add(jc.name)
            variants |= set(aliases.get(jc.name) or [])
            for v in variants:
                forms[v].add(i)
        for i, jc in enumerate(self.jobcenters):
            if jc.kind == BEZIRK:
                forms["Berlin"].add(i)
        return forms

    def _build_index(self) -> dict[str, set[int]]:
        index: dict[str, set[int]] = defaultdict(set)
        for form, ids in self.surface_forms().items():
            index[normalise(form)] |= ids
        return dict(index)

    def _build_laender(self, laender: dict[str, list[str]]) -> dict[str, str]:
        index = {}
        for land, variants in laender.items():
            for v in [land, *(variants or [])]:
                index[normalise(v)] = land
        return index

    # ---- search --------------------------------------------------------------------------
    def find(self, text: str) -> Match:
        """The Jobcenter a question names: longest exact name first, then a fuzzy match."""
        tokens = normalise(text).split()
        for n in range(min(len(tokens), 7), 0, -1):
            for i in range(len(tokens) - n + 1):
                phrase = " ".join(tokens[i : i + n])
                if phrase in self.index:
                    return Match(self._sorted(self.index[phrase]), phrase, phrase=phrase)
        return self._fuzzy(tokens)

    def _evidence(self, tokens: list[str], start: int, end: int) -> bool:
        """A typed name is meant as a place: a cue before it ("in", "Jobcenter", "Landkreis",
        "Stadt") or a form word right after it ("… kommunal?")."""
        before = tokens[start - 1] if start > 0 else ""
        return before in self.cues_before or any(t in self.cues_after for t in tokens[end : end + 2])

    def _fuzzy(self, tokens: list[str]) -> Match:
        """A name with one typo ("Görliz"): only with evidence that a place is meant, and never
        from an everyday word."""
        best: tuple[float, str, str] = (0.0, "", "")
        for n in (3, 2, 1):
            for i in range(len(tokens) - n + 1):
                window = tokens[i : i + n]
                if window[0] in self.ignore_words or window[-1] in self.ignore_words:
                    continue
                if any(t in self.everyday for t in window) or not self._evidence(tokens, i, i + n):
                    continue
                phrase = " ".join(window)
                if len(phrase) < FUZZY_MIN_LENGTH:
                    continue
                hit = process.extractOne(phrase, self.index.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
                if hit and hit[1] > best[0]:
                    best = (hit[1], hit[0], phrase)
        score, key, phrase = best
        if not key:
            return Match()
        return Match(self._sorted(self.index[key]), key, exact=False, phrase=phrase, score=score)

    def resolve(self, key: str) -> list[Jobcenter]:
        """The Jobcenter of a name-index key (``Match.text``, the value of a ``jobcenter`` entity)."""
        return self._sorted(self.index.get(key, set()))

    def _sorted(self, ids: set[int]) -> list[Jobcenter]:
        return sorted((self.jobcenters[i] for i in ids), key=lambda j: (j.kind != LANDKREIS, j.display))

    def find_land(self, text: str) -> str | None:
        """The Bundesland a question names (longest name first), or None."""
        tokens = normalise(text).split()
        for n in (3, 2, 1):
            for i in range(len(tokens) - n + 1):
                land = self.laender.get(" ".join(tokens[i : i + n]))
                if land:
                    return land
        return None

    def municipal_in(self, land: str) -> list[Jobcenter]:
        return sorted((j for j in self.jobcenters if j.municipal and j.bundesland == land), key=lambda j: j.display)

    # ---- counts --------------------------------------------------------------------------
    def count(self, form: str = "any") -> int:
        return sum(1 for j in self.jobcenters if form == "any" or j.form == form)

    def computed(self, spec: dict[str, Any]) -> float:
        """Value of a figure that facts.yml computes from this file."""
        if "form" in spec:
            return self.count(spec["form"])
        if "share_of" in spec:
            return self.count(spec["share_of"]) / self.count()
        raise ValueError(f"unknown computed figure {spec}")


def training_vocabulary(nlu_dir: Path = NLU_DATA) -> set[str]:
    """Every word of the training questions (data/nlu/*.yml), normalised: the everyday vocabulary
    a name is never guessed from."""
    words: set[str] = set()
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                words |= set(normalise(re.sub(r"\]\([^)]*\)|\[", " ", line.lstrip("- "))).split())
    return words


def load_directory(data_dir: Path, nlu_dir: Path = NLU_DATA) -> JobcenterDirectory:
    return JobcenterDirectory.load(
        data_dir / "jobcenter_2026.csv",
        data_dir / "zugelassene_kommunale_traeger.csv",
        data_dir / "jobcenter_names.yml",
        training_vocabulary(nlu_dir) if nlu_dir.is_dir() else set(),
    )

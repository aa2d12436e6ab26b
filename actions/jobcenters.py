"""The 404 Jobcenter of 2026 (EinglMV 2026, Anlage 1) joined with the admission list (KomtrZV)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMS = {"gE", "zkT"}


@dataclass(frozen=True)
class Jobcenter:
    traeger_nr: str
    form: str
    name: str
    bundesland: str


class JobcenterDirectory:
    def __init__(self, jobcenters: list[Jobcenter]) -> None:
        self.jobcenters = jobcenters

    @classmethod
    def load(cls, path: Path) -> JobcenterDirectory:
        if not path.is_file():
            raise ValueError(f"File '{path}' does not exist.")
        rows = []
        with path.open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                if row["traeger_form"] not in FORMS or not row["jobcenter"].strip():
                    raise ValueError(f"{path}:{line}: bad row {row}")
                if row["traeger_form"] == "zkT" and not row["bundesland"]:
                    raise ValueError(f"{path}:{line}: zkT without Bundesland")
                rows.append(
                    Jobcenter(row["traeger_nr"], row["traeger_form"], row["jobcenter"].strip(), row["bundesland"])
                )
        nrs = [j.traeger_nr for j in rows]
        if len(set(nrs)) != len(nrs):
            raise ValueError(f"{path}: duplicate Träger-Nummer")
        return cls(rows)

    def count(self, form: str = "any") -> int:
        return sum(1 for j in self.jobcenters if form == "any" or j.form == form)

    def computed(self, spec: dict[str, Any]) -> float:
        """Value of a figure that facts.yml computes from this file."""
        if "form" in spec:
            return self.count(spec["form"])
        if "share_of" in spec:
            return self.count(spec["share_of"]) / self.count()
        raise ValueError(f"unknown computed figure {spec}")

    def entity_patterns(self, nlp: Any) -> list[dict[str, Any]]:
        """EntityRuler patterns (label ``jobcenter``) for every name; refined for the lookup."""
        return [{"label": "jobcenter", "pattern": j.name.split(",")[0]} for j in self.jobcenters]


DATA_DIR = Path(__file__).parent / "data"


def load_default_directory() -> JobcenterDirectory:
    return JobcenterDirectory.load(DATA_DIR / "jobcenter_2026.csv")

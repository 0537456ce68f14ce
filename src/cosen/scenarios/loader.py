"""Reading scenario files (TOML) and applying a sweep's changes.

Every mistake becomes one French line that names the file, the key and its
line. A parsed TOML document keeps no positions, so the key is looked up in
the file's text (:class:`cosen.tomlfiles.Locator`).
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime, time
from importlib.resources import files
from pathlib import Path
from typing import Any, Final, TypeVar, get_type_hints

from cosen.allocation import Policy
from cosen.clock import TargetClock
from cosen.domain import Exam, ExamLabelError, Group, parse_exams
from cosen.parsing import CellError, parse_date, strip_accents
from cosen.scenarios.params import (
    WEEKDAY_NAMES,
    Behaviour,
    Candidate,
    Capacity,
    Cost,
    Demand,
    Scenario,
    ScenarioError,
    Simulation,
)
from cosen.tomlfiles import parse_toml, read_text

__all__ = ["ALIASES", "ScenarioFile", "example_text", "load_scenario"]

_TABLES: Final[dict[str, type[Simulation | Behaviour | Cost]]] = {
    "simulation": Simulation,
    "behaviour": Behaviour,
    "cost": Cost,
}
_BLOCKS: Final[dict[str, type[Demand | Capacity]]] = {
    "demand": Demand,
    "capacity": Capacity,
    "candidate": Candidate,
}
ALIASES: Final = {
    "capacity.scale": "simulation.capacity_scale",
    "demand.scale": "simulation.demand_scale",
}
"""Short keys a sweep may vary, and the keys they stand for."""

Part = TypeVar(
    "Part", Simulation, Behaviour, Cost, Demand, Capacity, Candidate
)


def example_text() -> str:
    """The commented example scenario (``cosen scenario template``'s)."""
    return (
        files("cosen.scenarios")
        .joinpath("example.toml")
        .read_text(encoding="utf-8")
    )


def load_scenario(path: Path) -> Scenario:
    """Read and check the scenario file at ``path``."""
    return ScenarioFile.read(path).scenario()


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario file's contents, from which scenarios are built.

    Attributes
    ----------
    name
        The file's name, for messages and reports.
    data
        The parsed TOML document.
    text
        Its text, to find the line of a key at fault.
    """

    name: str
    data: Mapping[str, Any]
    text: str

    @classmethod
    def read(cls, path: Path) -> ScenarioFile:
        """Read a scenario file.

        Raises
        ------
        UnusableFileError
            When the file is missing, unreadable or not valid TOML.
        """
        text = read_text(path)
        return cls.parse(text, path.name)

    @classmethod
    def parse(cls, text: str, name: str) -> ScenarioFile:
        """Parse a scenario's text (``name`` is what messages call it)."""
        data = parse_toml(text, name)
        return cls(name, data, text)

    def scenario(self, changes: Mapping[str, Any] | None = None) -> Scenario:
        """The scenario, with ``changes`` (dotted keys) applied.

        Raises
        ------
        ScenarioError
            Naming the file, key and line; for a changed key, the option
            ``--vary`` instead of a line.
        """
        data = copy.deepcopy(dict(self.data))
        changed: dict[str, str] = {}
        for key, value in (changes or {}).items():
            changed[_set(data, key, value, self.name)] = key
        try:
            return _build(data, Path(self.name).stem or self.name)
        except ScenarioError as error:
            if error.key in changed:
                raise ScenarioError(
                    changed[error.key],
                    f"{error.problem} (option --vary)",
                    self.name,
                ) from None
            raise error.located(self.name, self.text) from None


def _set(data: dict[str, Any], key: str, value: Any, source: str) -> str:
    """Set a dotted ``key`` in ``data``; return the full key it names."""
    full = ALIASES.get(key, key)
    path = full.split(".")

    def refuse(problem: str) -> ScenarioError:
        return ScenarioError(key, f"{problem} (option --vary)", source)

    if path[0] in _TABLES and len(path) == 2:
        table = data.setdefault(path[0], {})
        if not isinstance(table, dict):
            raise refuse(f"[{path[0]}] n'est pas une table")
        table[path[1]] = value
        return full
    if path[0] in _BLOCKS and len(path) == 3 and path[1].isdigit():
        blocks = data.get(path[0])
        number = int(path[1])
        if not isinstance(blocks, list) or not 1 <= number <= len(blocks):
            count = len(blocks) if isinstance(blocks, list) else 0
            raise refuse(
                f"pas de bloc [[{path[0]}]] n° {number} ({count} dans le "
                "fichier, numérotés à partir de 1)"
            )
        blocks[number - 1][path[2]] = value
        return full
    raise refuse(
        "clé inconnue : simulation.CLÉ, behaviour.CLÉ, cost.CLÉ, "
        "demand.N.CLÉ, capacity.N.CLÉ, capacity.scale ou demand.scale "
        "attendue"
    )


def _build(data: Mapping[str, Any], name: str) -> Scenario:
    unknown = sorted(set(data) - {*_TABLES, *_BLOCKS})
    if unknown:
        raise ScenarioError(
            unknown[0],
            "table inconnue (tables possibles : simulation, behaviour, "
            "cost, demand, capacity, candidate)",
        )
    if "simulation" not in data:
        raise ScenarioError("simulation", "table [simulation] manquante")
    return Scenario(
        simulation=_make(Simulation, _table(data, "simulation"), "simulation"),
        demand=tuple(
            _make(Demand, block, f"demand.{number}")
            for number, block in enumerate(_blocks(data, "demand"), start=1)
        ),
        capacity=tuple(
            _make(Capacity, block, f"capacity.{number}")
            for number, block in enumerate(_blocks(data, "capacity"), start=1)
        ),
        behaviour=_make(Behaviour, _table(data, "behaviour"), "behaviour"),
        cost=_make(Cost, _table(data, "cost"), "cost"),
        name=name,
        candidates=tuple(
            _make(Candidate, block, f"candidate.{number}")
            for number, block in enumerate(_blocks(data, "candidate"), 1)
        ),
    )


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ScenarioError(name, f"table [{name}] attendue")
    return table


def _blocks(data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    blocks = data.get(name, [])
    if not isinstance(blocks, list) or not all(
        isinstance(b, dict) for b in blocks
    ):
        raise ScenarioError(name, f"blocs [[{name}]] attendus")
    return blocks


def _make(kind: type[Part], values: Mapping[str, Any], prefix: str) -> Part:
    """Build one part from a TOML table, converting each value."""
    hints = get_type_hints(kind)
    names = [f.name for f in fields(kind)]
    arguments: dict[str, Any] = {}
    for key, value in values.items():
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = (
                f"vouliez-vous dire « {close[0]} » ?"
                if close
                else "clés possibles : " + ", ".join(names)
            )
            raise ScenarioError(f"{prefix}.{key}", f"clé inconnue ({hint})")
        convert = _BY_KEY.get(key) or _BY_TYPE[hints[key]]
        try:
            arguments[key] = convert(value)
        except ValueError as error:
            raise ScenarioError(f"{prefix}.{key}", str(error)) from None
    for item in fields(kind):
        required = item.default is MISSING and item.default_factory is MISSING
        if required and item.name not in arguments:
            raise ScenarioError(
                f"{prefix}.{item.name}", "clé obligatoire manquante"
            )
    try:
        return kind(**arguments)
    except ScenarioError as error:
        raise error.inside(prefix) from None


# --------------------------------------------------------------------------
# Converters: a TOML value to the field's type, or ValueError in French.


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("true ou false attendu")


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("nombre entier attendu")


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValueError("nombre attendu")


def _text(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError("texte attendu")


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except CellError as error:
            raise ValueError(str(error)) from None
    raise ValueError("date attendue (AAAA-MM-JJ)")


def _choice(kind: type[Policy | TargetClock | Group]) -> Callable[[Any], Any]:
    values = [member.value for member in kind]

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            for option in values:
                if value.strip().casefold() == option.casefold():
                    return kind(option)
        raise ValueError("valeurs possibles : " + ", ".join(values))

    return convert


_TIME = re.compile(r"(\d{1,2})\s*[:hH]\s*(\d{2})?")


def _clock_time(value: Any) -> time:
    if isinstance(value, time) and value.tzinfo is None and not value.second:
        return value
    found = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if found and int(found[1]) < 24 and int(found[2] or 0) < 60:
        return time(int(found[1]), int(found[2] or 0))
    raise ValueError('heure HH:MM attendue (ex. "08:30")')


def _times(value: Any) -> tuple[time, ...]:
    if not isinstance(value, list):
        raise ValueError('liste d\'heures attendue (ex. ["08:00", "13:00"])')
    return tuple(_clock_time(item) for item in value)


def _weekdays(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise ValueError('liste de jours attendue (ex. ["lundi", "jeudi"])')
    days = []
    for item in value:
        word = (
            strip_accents(item).strip().casefold()
            if isinstance(item, str)
            else ""
        )
        matches = [
            number
            for number, name in enumerate(WEEKDAY_NAMES)
            if len(word) >= 3 and name.startswith(word)
        ]
        if len(matches) != 1:
            raise ValueError(
                "jours attendus : " + ", ".join(WEEKDAY_NAMES) + " (ou lun, "
                "mar, …)"
            )
        days.append(matches[0])
    return tuple(days)


def _exams(value: Any) -> tuple[Exam, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(
        isinstance(item, str) for item in items
    ):
        raise ValueError('examens attendus (ex. ["MAMMO", "ECHO_SEIN"])')
    found: set[Exam] = set()
    for item in items:
        try:
            found.update(parse_exams(item, "+"))
        except ExamLabelError as error:
            raise ValueError(
                f"examen non couvert par le dispositif ou inconnu : {error}"
            ) from None
        except CellError as error:
            raise ValueError(str(error)) from None
    return tuple(sorted(found, key=list(Exam).index))


_BY_KEY: Final[dict[str, Callable[[Any], Any]]] = {
    "weekdays": _weekdays,
    "exams": _exams,
}
_BY_TYPE: Final[dict[Any, Callable[[Any], Any]]] = {
    bool: _boolean,
    int: _integer,
    float: _number,
    str: _text,
    date: _day,
    Policy: _choice(Policy),
    TargetClock: _choice(TargetClock),
    Group: _choice(Group),
    tuple[time, ...]: _times,
    tuple[time, time]: _times,
}

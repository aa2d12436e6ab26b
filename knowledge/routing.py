"""The one function that decides each reply: ``route(parse, last_key, knowledge) -> Reply``.

Input: what the NLU understood (``Parse``: intent and its ranking, answer-key ranking, the
Jobcenter and Land names found by nlp/names.py) and the conversation context (``last_key``: the
slot "topic", the key of the last answer). Output: the response of the domain to send, the values
that fill its {placeholders}, its buttons and the slot updates. actions/reply.py only turns this
into Rasa events. The order of the steps:

1. not understood (intent unsure or ambiguous)   -> "Meinten Sie ...?" with suggested questions
2. FAQ answer key                                -> the answer with its figures, unless
                                                    a per-Land / per-Jobcenter question, an unsure key
                                                    or a question without the answer's words
                                                    (data/answer_terms.yml): then "Meinten Sie ...?"
3. follow-up ("Und Bautzen?", "Seit wann?")      -> resolved from the last answer
4. "Ist <Jobcenter> kommunal?" / a Land's list   -> the lookup answer
5. out of scope                                  -> the signposting answer of its theme
                                                    (utter_cannot_answer when the theme is unsure)
6. greeting, thanks, ...                         -> the fixed response of the intent

Every threshold used here is in knowledge/thresholds.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from base.languages import GERMAN
from base.names import JOBCENTER_ENTITY, LAND_ENTITY
from knowledge import Knowledge
from knowledge.directory import BEZIRK, LANDKREIS, REGION, STADT, Jobcenter
from knowledge.thresholds import AMBIGUITY_THRESHOLD, ANSWER_THRESHOLD, INTENT_THRESHOLD, THEME_THRESHOLD
from knowledge.translations import Translation

FAQ = "faq"
OUT_OF_SCOPE = "out_of_scope"  # a retrieval intent too: out_of_scope/<theme>
CANNOT_ANSWER = "utter_cannot_answer"
FOLLOW_UP = "follow_up"
ASK_JOBCENTER = "ask_jobcenter_form"
ASK_LAND = "ask_municipal_by_land"
# Intents answered by one fixed response (also when the action server is down:
# engine/changes.py; out_of_scope then gets the answer of an unsure theme).
FIXED = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "bot_challenge": "utter_bot_challenge",
    "capabilities": "utter_capabilities",
    OUT_OF_SCOPE: CANNOT_ANSWER,
}
# Values of the slot "topic" after a lookup answer (FAQ answers set their answer key).
LOOKUP_TOPIC = "jobcenter_lookup"
LAND_TOPIC = "municipal_by_land"
PERSONAL_CASE = "personal_case"  # the signposting of a citizen's own case (domain/signposting.yml)
# "Wie viele kommunale Jobcenter gibt es in Hessen?" is a question about one Land.
PER_LAND_KEYS = {"count_municipal_jobcenters", "municipal_share"}
# "Seit wann ist der Landkreis Görlitz kommunal?" is a question about that Jobcenter.
PER_JOBCENTER_KEYS = {"erzgebirgskreis_since", "what_is_municipal_jobcenter", "what_is_joint_facility"}
# After an answer on these topics (domain/faq_figures.yml) "Und in Sachsen?" asks for that Land.
LAND_FOLLOW_UP_TOPICS = {"figures"}
# The button of an ambiguous Jobcenter name (in the other languages: translations/<code>.yml).
LOOKUP_QUESTION = "Ist das Jobcenter {name} kommunal?"
# The partner of the Agentur für Arbeit in a gemeinsame Einrichtung, by kind of Jobcenter.
PARTNER = {LANDKREIS: "dem Landkreis", STADT: "der Stadt", REGION: "dem kommunalen Träger", BEZIRK: "dem Land Berlin"}
# The values the lookup responses of domain/lookup.yml may use.
LOOKUP_FIELDS = {"name", "land", "year", "note", "source", "stand", "partner", "count", "names"}
# The facts of the 2026 list, named in every lookup answer.
LIST_FIGURE = "municipal_jobcenters_2026"


@dataclass(frozen=True)
class Parse:
    """What the NLU understood of one message (from Rasa's parse data: ``Parse.from_nlu``)."""

    text: str
    intent: str
    confidence: float = 1.0
    intent_ranking: list[tuple[str, float]] = field(default_factory=list)
    answer_ranking: list[tuple[str, float]] = field(default_factory=list)  # FAQ keys, P(key | faq)
    theme_ranking: list[tuple[str, float]] = field(default_factory=list)  # out_of_scope themes
    jobcenter: str | None = None  # key of the directory's name index (nlp/names.py)
    jobcenter_exact: bool = True  # False for a name found with a typo
    land: str | None = None

    @classmethod
    def from_nlu(cls, data: dict[str, Any]) -> Parse:
        intent = data.get("intent") or {}
        selectors = data.get("response_selector") or {}
        entities = {e.get("entity"): e for e in reversed(data.get("entities") or [])}  # the first of each
        jobcenter = entities.get(JOBCENTER_ENTITY) or {}
        land = entities.get(LAND_ENTITY) or {}
        ranking = [(str(i.get("name")), float(i.get("confidence") or 0.0)) for i in data.get("intent_ranking") or []]
        return cls(
            text=str(data.get("text") or ""),
            intent=str(intent.get("name") or ""),
            confidence=float(intent.get("confidence") or 0.0),
            intent_ranking=ranking,
            answer_ranking=_keys(selectors.get(FAQ)),
            theme_ranking=_keys(selectors.get(OUT_OF_SCOPE)),
            jobcenter=str(jobcenter["value"]) if jobcenter.get("value") else None,
            jobcenter_exact=float(jobcenter.get("confidence_entity", 1.0)) >= 1.0,
            land=str(land["value"]) if land.get("value") else None,
        )  # fmt: skip


def _keys(selector: dict[str, Any] | None) -> list[tuple[str, float]]:
    """The keys a response selector ranked for one retrieval intent, the chosen one first."""
    selector = selector or {}
    keys = [
        (str(r.get("intent_response_key") or "").partition("/")[2], float(r.get("confidence") or 0.0))
        for r in selector.get("ranking") or []
    ]
    best = selector.get("response") or {}
    best_key = str(best.get("intent_response_key") or "").partition("/")[2]
    if best_key:  # the chosen key first, with its own confidence
        keys = [(best_key, float(best.get("confidence") or 0.0))] + [k for k in keys if k[0] != best_key]
    return [(k, c) for k, c in keys if k]


@dataclass(frozen=True)
class Reply:
    """One message: a response of the domain, the values of its {placeholders}, its buttons, and
    the slots to set afterwards (none: the slots stay as they are)."""

    response: str
    values: dict[str, str] = field(default_factory=dict)
    buttons: list[dict[str, str]] = field(default_factory=list)
    slots: dict[str, str] = field(default_factory=dict)


def route(parse: Parse, last_key: str | None, kn: Knowledge, language: str = GERMAN) -> Reply:
    """The reply to one message (the order of the steps: module docstring), with figures, dates
    and buttons in the conversation's ``language`` (the response's text is chosen by it later:
    engine/nlg.py)."""
    lang = Lang(kn, language)
    if not understood(parse):
        return suggestions(parse, lang)
    if parse.intent == FAQ:
        return faq(parse, lang)
    if parse.intent == FOLLOW_UP:
        return follow_up(parse, last_key, lang)
    if parse.intent == ASK_LAND:
        return land_list(parse.land, lang) if parse.land else Reply("utter_land_unknown")
    if parse.intent == ASK_JOBCENTER:
        return lookup(parse, lang)
    if parse.intent == OUT_OF_SCOPE:
        return signpost(parse, lang)
    if parse.intent in FIXED:
        return Reply(FIXED[parse.intent])
    return suggestions(parse, lang)


@dataclass(frozen=True)
class Lang:
    """The knowledge with the conversation's language: placeholders, button questions, words."""

    kn: Knowledge
    language: str = GERMAN

    @property
    def translation(self) -> Translation | None:
        return self.kn.translation(self.language)

    @property
    def placeholders(self) -> dict[str, str]:
        return self.kn.placeholders_in(self.language)

    def buttons(self, keys: list[str]) -> list[dict[str, str]]:
        return self.kn.answers.buttons(keys, translation=self.translation)

    def partner(self, kind: str) -> str:
        t = self.translation
        return (t.partner.get(kind.lower()) if t else None) or PARTNER[kind]  # keys: landkreis, stadt, ...

    def note(self, jobcenter: Jobcenter) -> str:
        t = self.translation
        return (t.notes.get(jobcenter.name) if t and jobcenter.note else None) or jobcenter.note

    def land(self, name: str) -> str:
        """A Land as the language names it ("Sachsen" -> "Saxony"), German without a translation."""
        t = self.translation
        return (t.lands.get(name) if t else None) or name

    def question_for(self, jobcenter: Jobcenter) -> str:
        """The question a button sends; it names the Jobcenter unambiguously."""
        t = self.translation
        template = (t.lookup_question if t else "") or LOOKUP_QUESTION
        return template.format(name=jobcenter.display)


def understood(parse: Parse) -> bool:
    """The intent is sure enough and clearly ahead of the second one."""
    if parse.confidence < INTENT_THRESHOLD:
        return False
    if len(parse.intent_ranking) >= 2:
        return parse.intent_ranking[0][1] - parse.intent_ranking[1][1] >= AMBIGUITY_THRESHOLD
    return True


def answer(key: str, lang: Lang) -> Reply:
    """The FAQ answer ``utter_faq/<key>`` with its figures; remembers the key for follow-ups."""
    return Reply(f"utter_faq/{key}", lang.placeholders, slots={"topic": key})


def offer(keys: list[str], response: str, lang: Lang) -> Reply:
    """``response`` with up to three questions as buttons (the default questions when none fit)."""
    return Reply(response, buttons=lang.buttons(keys or lang.kn.answers.default))


def ranked_keys(parse: Parse, kn: Knowledge) -> list[str]:
    return [key for key, _ in parse.answer_ranking if key in kn.answers.questions]


def suggestions(parse: Parse, lang: Lang) -> Reply:
    """Not understood: the FAQ questions the NLU thought possible, if "faq" was among its best two
    intents; else the default questions."""
    best_two = [name for name, _ in parse.intent_ranking[:2]]
    keys = ranked_keys(parse, lang.kn) if FAQ in best_two else []
    return offer(keys, "utter_suggest", lang) if keys else offer([], "utter_suggest_topics", lang)


def faq(parse: Parse, lang: Lang) -> Reply:
    kn = lang.kn
    key, confidence = parse.answer_ranking[0] if parse.answer_ranking else ("", 0.0)
    sure = key in kn.answers.questions and confidence >= ANSWER_THRESHOLD
    if (key in PER_JOBCENTER_KEYS or not sure) and names_other_jobcenter(parse, kn):
        return lookup(parse, lang)  # "Seit wann ist der Landkreis Görlitz kommunal?"
    if sure and kn.terms.personal(parse.text):
        return signpost(parse, lang, fallback=PERSONAL_CASE)  # "Muss ich dem Jobcenter Änderungen mitteilen?"
    if sure and not kn.terms.allow(key, parse.text, lang.language):
        return offer(ranked_keys(parse, kn), "utter_suggest", lang)  # "Wie viele Einwohner hat Berlin?"
    if key in PER_LAND_KEYS and parse.land:
        return land_list(parse.land, lang)  # "Wie viele kommunale Jobcenter gibt es in Hessen?"
    if sure:
        return answer(key, lang)
    return offer(ranked_keys(parse, kn), "utter_suggest", lang)


def signpost(parse: Parse, lang: Lang, fallback: str = "") -> Reply:
    """Out of scope: the signposting answer of the theme (where to go instead), if the theme is
    sure; else the theme ``fallback`` or the general "cannot answer" with the default questions."""
    theme, confidence = parse.theme_ranking[0] if parse.theme_ranking else ("", 0.0)
    if theme in lang.kn.answers.themes and confidence >= THEME_THRESHOLD:
        return Reply(f"utter_{OUT_OF_SCOPE}/{theme}", lang.placeholders)
    if fallback:
        return Reply(f"utter_{OUT_OF_SCOPE}/{fallback}", lang.placeholders)
    return Reply(CANNOT_ANSWER, lang.placeholders)


def names_other_jobcenter(parse: Parse, kn: Knowledge) -> bool:
    """The message names (without a typo) a Jobcenter other than the assistant's own."""
    if not parse.jobcenter or not parse.jobcenter_exact:
        return False
    return any(j.name != kn.directory.home for j in kn.directory.resolve(parse.jobcenter))


def follow_up(parse: Parse, last_key: str | None, lang: Lang) -> Reply:
    kn = lang.kn
    land_context = {LOOKUP_TOPIC, LAND_TOPIC}.union(*(kn.answers.in_topic(t) for t in LAND_FOLLOW_UP_TOPICS))
    if parse.land and last_key in land_context:
        return land_list(parse.land, lang)  # "Und in Sachsen?"
    if parse.jobcenter and last_key in (LOOKUP_TOPIC, LAND_TOPIC):
        return lookup(parse, lang)  # "Und Bautzen?"
    key = kn.follow_ups.resolve(last_key, parse.text)
    if key:
        return answer(key, lang)
    if parse.jobcenter:
        return lookup(parse, lang)
    return offer([], "utter_follow_up_unclear", lang)


def list_source(lang: Lang) -> dict[str, str]:
    """{source} and {stand} of the 2026 list, named in every lookup answer."""
    values = lang.placeholders
    return {"source": values[f"{LIST_FIGURE}_source"], "stand": values[f"{LIST_FIGURE}_stand"]}


def lookup(parse: Parse, lang: Lang) -> Reply:
    """ "Ist <Jobcenter> kommunal?"; a question back when the name fits several Jobcenter."""
    found = lang.kn.directory.resolve(parse.jobcenter) if parse.jobcenter else []
    slots = {"topic": LOOKUP_TOPIC}
    sourced = list_source(lang)
    if not found:
        return Reply("utter_lookup_unknown", slots=slots)
    if len(found) > 1 and all(j.kind == BEZIRK for j in found):
        return Reply("utter_lookup_berlin", {"count": str(len(found)), **sourced}, slots=slots)
    if len(found) > 1:
        buttons = [{"title": j.display, "payload": lang.question_for(j)} for j in found]
        return Reply("utter_lookup_ambiguous", buttons=buttons, slots=slots)
    jc = found[0]
    values = {"name": jc.display, "note": lang.note(jc), **sourced}
    if not jc.municipal:
        return Reply("utter_lookup_joint", {**values, "partner": lang.partner(jc.kind)}, slots=slots)
    if jc.admission_year:
        values |= {"land": lang.land(jc.bundesland), "year": jc.admission_year}
        return Reply("utter_lookup_municipal_since", values, slots=slots)
    return Reply("utter_lookup_municipal", {**values, "land": lang.land(jc.bundesland)}, slots=slots)


def land_list(land: str, lang: Lang) -> Reply:
    """The kommunale Jobcenter of one Land."""
    municipal = lang.kn.directory.municipal_in(land)
    values = {"land": lang.land(land), **list_source(lang)}
    slots = {"topic": LAND_TOPIC}
    if not municipal:
        return Reply("utter_land_none", values, slots=slots)
    names = ", ".join(j.display for j in municipal)
    return Reply("utter_land_municipal", {**values, "count": str(len(municipal)), "names": names}, slots=slots)

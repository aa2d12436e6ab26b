"""Redaction of personal data (runtime/pii.py): a table of what must go and what must stay
(issue 13: formats an attacker and ordinary citizens use; no year ranges or counts redacted)."""

from __future__ import annotations

import pytest

from runtime.pii import redact

NBSP, NNBSP = "\u00a0", "\u202f"

MUST_REDACT = [
    # (text, kind, the part that must be gone)
    ("Meine IBAN ist DE89 3704 0044 0532 0130 00", "IBAN", "3704"),
    ("IBAN: DE89370400440532013000", "IBAN", "370400440532013000"),
    (f"IBAN DE89{NBSP}3704{NBSP}0044{NBSP}0532{NBSP}0130{NBSP}00", "IBAN", "0532"),
    (f"IBAN DE89{NNBSP}3704{NNBSP}0044{NNBSP}0532{NNBSP}0130{NNBSP}00", "IBAN", "0532"),
    ("IBAN DE89-3704-0044-0532-0130-00", "IBAN", "0532"),
    ("IBAN DE12 3704 0044 0532 0130 00 (Tippfehler)", "IBAN", "0532"),
    ("Konto AT61 1904 3002 3457 3201", "IBAN", "3457"),
    # issue 24: how else people type it
    ("IBAN D E 8 9 3 7 0 4 0 0 4 4 0 5 3 2 0 1 3 0 0 0 danke", "IBAN", "5 3 2"),
    ("IBAN\nDE89\n3704\n0044\n0532\n0130\n00\ndanke", "IBAN", "0532"),
    ("IBAN DE 89 37 04 00 44 05 32 01 30 00 danke", "IBAN", "05 32"),
    ("mail: erika . musterfrau @ example . org", "E-Mail", "erika"),
    ("Mail an erika.musterfrau@example.org bitte", "E-Mail", "musterfrau"),
    ("erika(at)example.org", "E-Mail", "erika"),
    ("erika [at] example [dot] org", "E-Mail", "erika"),
    ("erika{at}example.de", "E-Mail", "erika"),
    ("Ruf mich an: 0371 1234567", "Telefonnummer", "1234567"),
    (f"Telefon 0371{NBSP}1234567", "Telefonnummer", "1234567"),
    ("Handy 0151-12345678", "Telefonnummer", "12345678"),
    ("Tel. +49 371 1234567", "Telefonnummer", "1234567"),
    ("Tel. 0049 (0)371 1234567", "Telefonnummer", "1234567"),
    ("Tel 0371/1234567", "Telefonnummer", "1234567"),
    ("geboren am 12.03.1985", "Datum", "1985"),
    ("geb. 12.3.85", "Datum", "12.3.85"),
    ("Geburtsdatum 1985-03-12", "Datum", "1985-03-12"),
    ("geboren am 12. März 1985", "Datum", "1985"),
    ("am 3. Mai 79 geboren", "Datum", "Mai 79"),
    ("Meine BG-Nummer 07146BG0012345", "BG-Nummer", "0012345"),
    ("BG 07146-BG-0012345", "BG-Nummer", "0012345"),
    ("BG-Nr. 07146 BG 0012345", "BG-Nummer", "0012345"),
    ("Kundennummer 123D456789", "Kundennummer", "456789"),
    ("Kd-Nr. 123-D-456789", "Kundennummer", "456789"),
    ("Steuer-ID 86095742719", "Steuer-ID", "86095742719"),
    ("Steuer-ID 86 095 742 719", "Steuer-ID", "742 719"),
    ("SV-Nummer 12 150385 M 123", "Sozialversicherungsnummer", "150385"),
    ("Sozialversicherungsnummer 12150385M123", "Sozialversicherungsnummer", "12150385M123"),
    ("Ausweisnummer L01X00T47", "Ausweisnummer", "L01X00T47"),
    ("Ich heiße Erika Musterfrau und brauche Hilfe", "Name", "Musterfrau"),
    ("Mein Name ist Max Mustermann.", "Name", "Mustermann"),
    ("Name: Anna-Lena Schmidt", "Name", "Schmidt"),
    ("Ich wohne in der Hauptstraße 5 in Aue", "Adresse", "Hauptstraße 5"),
    ("Adresse: Am Markt 3b, Annaberg", "Adresse", "Markt 3b"),
    ("Bahnhofstr. 12", "Adresse", "Bahnhofstr. 12"),
    ("Paul-Gerhardt-Weg 7", "Adresse", "Gerhardt-Weg 7"),
]

MUST_KEEP = [
    "Wie viele kommunale Jobcenter gibt es?",
    "104 Jobcenter",
    "Gilt das für 2026-2027?",
    "Zwischen 2012 und 2018",
    "Zeitraum 2005–2010",
    "§ 6a SGB II",
    "§ 44b SGB II und Art. 91e GG",
    "Stand 1. Januar 2026",
    "Seit dem 1. Januar 2012 ist der Erzgebirgskreis kommunal",
    "Tag der kommunalen Jobcenter am 26. November 2018",
    "mehr als 22 Mio. Einwohner",
    "1.500.000 Menschen",
    "250.000 Integrationen",
    "Ist der Landkreis Görlitz kommunal?",
    "Mein Name ist egal, wie viele Jobcenter gibt es?",
    "Wo ist der Weg zum Jobcenter?",
    "Ich heiße dich willkommen",
    "EinglMV 2026 Anlage 1",
    "Was ist ein zkT?",
]


@pytest.mark.parametrize(("text", "kind", "secret"), MUST_REDACT, ids=[f"{k}:{t[:25]}" for t, k, _ in MUST_REDACT])
def test_personal_data_is_redacted(text: str, kind: str, secret: str) -> None:
    cleaned, found = redact(text)
    assert secret not in cleaned, cleaned
    assert kind in found and f"[{kind}]" in cleaned, (cleaned, found)


@pytest.mark.parametrize("text", MUST_KEEP)
def test_ordinary_questions_and_figures_stay(text: str) -> None:
    assert redact(text) == (text, [])


def test_a_numeric_date_is_redacted_even_in_a_source() -> None:
    """Numeric dates go whatever they are: a date of birth looks the same as a law's date."""
    assert redact("KomtrZV vom 29.5.2017")[1] == ["Datum"]

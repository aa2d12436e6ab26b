"""The editors' report (``make report``): what citizens asked, what helped, where the bot failed.

    from report.turns import turns_of
    from report.figures import figures

``turns.py`` reads stored Rasa events (the JSON Rasa's SQL event broker keeps, stores/event_broker.py;
the user's text already redacted by the input gate) into one record per question: time, channel,
language, text, intent, the answer given, its outcome and the citizen's rating. ``figures.py``
computes the report's figures from those records (``figures(turns, ...)``, the content of
``reports/report.json``), ``html.py`` the page. Plain Python; no servers, no Rasa.
"""

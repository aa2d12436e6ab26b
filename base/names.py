"""Names several floors share: the entities nlp/names.py finds and the routing reads (so nlp/
never imports the routing), and the language note (pipeline, report, bench)."""

JOBCENTER_ENTITY = "jobcenter"
LAND_ENTITY = "bundesland"
# The note a conversation gets when it turns to another language than German ("I answer in
# English; the German text is binding"): sent before the answer by the pipeline, not stored;
# conversations stored before issue 25 hold it as a bot event, which the report skips.
LANGUAGE_NOTE = "utter_language_note"

"""Names the NLU and the routing share (so nlp/ never imports the routing, and editing the
routing does not retrain the model): the entities nlp/names.py finds and the routing reads."""

JOBCENTER_ENTITY = "jobcenter"
LAND_ENTITY = "bundesland"
# The note a conversation gets when it turns to another language than German ("I answer in
# English; the German text is binding"): sent before the answer, skipped by the report's reading.
LANGUAGE_NOTE = "utter_language_note"

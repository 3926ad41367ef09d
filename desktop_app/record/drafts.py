"""Drafts: the exam in progress, kept on every pause so a crash or a power cut loses
nothing typed. A draft is not part of the record (no row of it is covered by the audit
chain, and `check` leaves it out): the wizard writes it directly, for whoever is entering
the exam, with no role check and no audit entry. Finishing or discarding the exam removes
it in the record's own operation (`exams.finish_exam`, `exams.discard_exam`)."""

from desktop_app.store.drafts import discard_draft, save_draft

__all__ = ["discard_draft", "save_draft"]

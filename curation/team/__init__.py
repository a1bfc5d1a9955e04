"""The annotation team of a workspace: who is an annotator or a reviewer, under which name maintainers see
them, and what each has done (roster.py, names.py, members.py, queue.py, provenance.py)."""

"""Stories, not files: syndicated copies and revisions of one article grouped under a stable `story_id`.

    shingles.py   word shingles as stable 64-bit hashes; exact Jaccard
    index.py      MinHash signatures + LSH (datasketch) for candidates, exact containment to decide
    registry.py   the workspace's record of every pushed article and its story (SQLite)
    assign.py     the rule placing each article: first of a new story, copy, or revision

The package is imported only by the commands that detect (datasketch pulls in scipy).
"""

-- Notes attached to a deployed version (who shipped what, and why).
CREATE TABLE deploy_notes (
    id INTEGER PRIMARY KEY,
    version TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES accounts (id),
    note TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE INDEX deploy_notes_by_version ON deploy_notes (version);

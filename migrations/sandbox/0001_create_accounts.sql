-- The demo service's accounts, with three seed rows.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

INSERT INTO accounts (email) VALUES
    ('diana@example.com'),
    ('rita@example.com'),
    ('phoenix@example.com');

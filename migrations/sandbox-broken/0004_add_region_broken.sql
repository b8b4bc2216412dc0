-- Deliberately broken, for tests and for the demo of a failed migration.
-- The first statement succeeds; the second names a column that does not exist, so SQLite fails
-- and the whole migration is rolled back: the database stays at 0003 and has no `region` column.
ALTER TABLE accounts ADD COLUMN region TEXT;

UPDATE accounts SET region = 'eu' WHERE plan_name = 'team';

-- Index and constraints on existing tables
--
-- Revision ID: unsafe04
-- Revises: unsafe03
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: index-not-concurrently, foreign-key-not-valid, check-constraint-not-valid,
-- setting-not-null, unique-constraint-without-index.

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
CREATE INDEX orders_total ON orders (total);
ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);
ALTER TABLE orders ALTER COLUMN account_id SET NOT NULL;
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);

-- migrate:downgrade
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts DROP CONSTRAINT accounts_email_key;
ALTER TABLE orders ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_total_positive;
ALTER TABLE orders DROP CONSTRAINT orders_account_fk;
DROP INDEX orders_total;

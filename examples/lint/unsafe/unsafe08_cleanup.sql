-- Drops and maintenance in a migration
--
-- Revision ID: unsafe08
-- Revises: unsafe07
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: dropping-column, drop-index-not-concurrently, truncate-cascade, cluster,
-- reindex-not-concurrently, adding-serial-primary-key, detach-partition-not-concurrently.

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts DROP COLUMN data;
DROP INDEX orders_account_id;
TRUNCATE events CASCADE;
CLUSTER purchases USING purchases_pkey;
REINDEX TABLE purchases;
ALTER TABLE events ADD COLUMN id bigserial PRIMARY KEY;
ALTER TABLE measurements DETACH PARTITION measurements_2020;

-- migrate:downgrade
-- Irreversible: what was dropped is gone.
SELECT 1;

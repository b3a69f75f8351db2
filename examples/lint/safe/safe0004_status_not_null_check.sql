-- Check accounts.status IS NOT NULL, NOT VALID (step 3a)
--
-- Revision ID: safe0004
-- Revises: safe0003
-- Create Date: 2026-11-24 10:00:00
--
-- Step 3a: a NOT VALID check is instant and holds for new rows at once.

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE accounts ADD CONSTRAINT accounts_status_not_null CHECK (status IS NOT NULL) NOT VALID;

-- migrate:downgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE accounts DROP CONSTRAINT accounts_status_not_null;

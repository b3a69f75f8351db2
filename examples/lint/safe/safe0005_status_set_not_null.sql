-- Validate the check, then SET NOT NULL (step 3b)
--
-- Revision ID: safe0005
-- Revises: safe0004
-- Create Date: 2026-11-24 10:00:00
--
-- Step 3b: VALIDATE scans under SHARE UPDATE EXCLUSIVE (reads and writes go on); SET NOT NULL
-- then sees the validated check and skips its own scan (PostgreSQL 12+). The check is redundant
-- afterwards.

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE accounts VALIDATE CONSTRAINT accounts_status_not_null;
ALTER TABLE accounts ALTER COLUMN status SET NOT NULL;
ALTER TABLE accounts DROP CONSTRAINT accounts_status_not_null;

-- migrate:downgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE accounts ADD CONSTRAINT accounts_status_not_null CHECK (status IS NOT NULL) NOT VALID;
ALTER TABLE accounts ALTER COLUMN status DROP NOT NULL;

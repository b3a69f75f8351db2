-- Add accounts.status, nullable (NOT NULL step 1 of 3)
--
-- Revision ID: safe0002
-- Revises: safe0001
-- Create Date: 2026-11-24 10:00:00
--
-- Three-step NOT NULL column, step 1: add the column nullable, with a default for new rows.
-- (A constant default alone, ADD COLUMN status text NOT NULL DEFAULT 'active', is also instant
-- since PostgreSQL 11; the three steps are for values that must be computed per row.)

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE accounts ADD COLUMN status text;
ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 'active';

-- migrate:downgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE accounts DROP COLUMN status;

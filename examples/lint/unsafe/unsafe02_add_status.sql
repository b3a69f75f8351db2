-- Add accounts.status NOT NULL
--
-- Revision ID: unsafe02
-- Revises: unsafe01
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: adding-not-null-column, missing-lock-timeout.

-- migrate:upgrade
ALTER TABLE accounts ADD COLUMN status text NOT NULL;

-- migrate:downgrade
ALTER TABLE accounts DROP COLUMN status;

-- Backfill accounts.status (NOT NULL step 2 of 3)
--
-- Revision ID: safe0003
-- Revises: safe0002
-- Create Date: 2026-11-24 10:00:00
--
-- Step 2: fill existing rows. On a big table, run this in batches from a job instead.

-- migrate:upgrade
UPDATE accounts SET status = 'active' WHERE status IS NULL;

-- migrate:downgrade
-- Nothing to undo: the values stay, the column is dropped by safe0002's downgrade.

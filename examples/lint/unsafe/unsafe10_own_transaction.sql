-- A revision with its own BEGIN/COMMIT, dropping a table
--
-- Revision ID: unsafe10
-- Revises: unsafe09
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: transaction-control, dropping-table.

-- migrate:upgrade
BEGIN;
DROP TABLE events;
COMMIT;

-- migrate:downgrade
CREATE TABLE events (payload text);

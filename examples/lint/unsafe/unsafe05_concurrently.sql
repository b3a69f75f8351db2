-- CONCURRENTLY in a transactional revision
--
-- Revision ID: unsafe05
-- Revises: unsafe04
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: concurrently-in-transaction (in both sections).

-- migrate:upgrade
CREATE INDEX CONCURRENTLY accounts_created_at ON accounts (created_at);

-- migrate:downgrade
DROP INDEX CONCURRENTLY accounts_created_at;

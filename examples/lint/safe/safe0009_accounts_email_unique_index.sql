-- Unique index on accounts.email, concurrently
--
-- Revision ID: safe0009
-- Revises: safe0008
-- Transactional: false
-- Create Date: 2026-11-24 10:00:00
--
-- Build the index a UNIQUE constraint needs without blocking writes.

-- migrate:upgrade
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_key ON accounts (email);

-- migrate:downgrade
DROP INDEX CONCURRENTLY IF EXISTS accounts_email_key;
